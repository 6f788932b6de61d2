// Redaction of every credential shape a report could carry. The keys look like real ones
// (AKIA…, 40-character secrets) and are made afresh at run time, never committed.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { REDACTED, redactReport, redactText, secretForms } from '../reports/redact.js';
import type { Report } from '../reports/types.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const keyId = () => `AKIA${[...randomBytes(16)].map((b) => ALNUM[b % 32]).join('')}`;
const secret = () => randomBytes(30).toString('base64').slice(0, 40);
const signature = () => randomBytes(32).toString('hex');

describe('redactText', () => {
  const id = keyId();
  const sig = signature();
  const scope = `${id}/20261206/us-east-1/aws-marketplace/aws4_request`;
  const authorization = `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${sig}`;

  test.each([
    ['a bare SigV4 Authorization value', authorization],
    ['an Authorization header line', `Authorization: ${authorization}`],
    ['a lower-case header in JSON', JSON.stringify({ headers: { authorization } })],
    ['a curl -H argument', `curl -H 'Authorization: ${authorization}' http://127.0.0.1:5055/`],
    ['an escaped JSON string inside a string', JSON.stringify(JSON.stringify({ authorization }))],
    ['a presigned query string', `http://127.0.0.1/?X-Amz-Credential=${encodeURIComponent(scope)}&X-Amz-Signature=${sig}&X-Amz-Security-Token=${secret()}`],
  ])('%s loses the access key id, its scope and the signature', (_, text) => {
    const out = redactText(text);
    expect(out).not.toContain(id);
    expect(out).not.toContain(sig);
    expect(out).toContain(REDACTED);
  });

  test('a session token header, in any of its forms, is redacted', () => {
    const token = secret();
    for (const text of [`x-amz-security-token: ${token}`, `"x-amz-security-token":"${token}"`, `X-Amz-Security-Token=${token}&a=b`]) {
      expect(redactText(text), text).not.toContain(token);
    }
  });

  test('a secret named by the run is redacted raw, URL-encoded and JSON-escaped; short strings are left alone', () => {
    const key = `${secret()}/+"=`;
    const out = redactText(`a ${key} b ${encodeURIComponent(key)} c ${JSON.stringify(key)}`, [key, 'abc']);
    expect(out).not.toContain(key);
    expect(out).not.toContain(encodeURIComponent(key));
    expect(out).not.toContain(JSON.stringify(key).slice(1, -1));
    expect(redactText('abc abc', ['abc'])).toBe('abc abc');
  });

  test('shell variables, the way a script reads credentials, are kept', () => {
    const script = `curl --user "$KEY:$SECRET" -H "Authorization: Bearer $METERING_CONFORMANCE_CONTROL_TOKEN" -H 'Authorization: $AUTHORIZATION'`;
    expect(redactText(script)).toBe(script);
  });
});

describe('redactReport', () => {
  test('credential keys lose their values anywhere in the document; the input is not changed', () => {
    const secretKey = secret();
    const report = { run: { config: { secretAccessKey: secretKey, aws_session_token: secret(), region: 'us-east-1' } }, rules: [{ headers: { Authorization: `Bearer ${secret()}`, 'x-amz-date': '20261206T000000Z' } }] } as unknown as Report;
    const copy = JSON.parse(JSON.stringify(report));
    const redacted = redactReport(report) as unknown as { run: { config: Record<string, string> }; rules: { headers: Record<string, string> }[] };
    expect(redacted.run.config).toEqual({ secretAccessKey: REDACTED, aws_session_token: REDACTED, region: 'us-east-1' });
    expect(redacted.rules[0].headers).toEqual({ Authorization: REDACTED, 'x-amz-date': '20261206T000000Z' });
    expect(report).toEqual(copy);
  });
});

// Exact outputs: every shape, the text around it kept byte for byte.
describe('redactText, exactly', () => {
  const id = keyId();
  const sig = signature();
  const scope = `${id}/20261206/us-east-1/aws-marketplace/aws4_request`;
  const sigv4 = `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=content-type;host;x-amz-date, Signature=${sig}`;

  test('the marker is the literal [REDACTED]', () => {
    expect(REDACTED).toBe('[REDACTED]');
    expect(redactText('Authorization: Bearer tok123')).toBe('Authorization: [REDACTED]');
  });

  test.each([
    ['bare, one space', `x ${sigv4} y`, `x AWS4-HMAC-SHA256 ${REDACTED} y`],
    ['bare, two spaces before Credential', `AWS4-HMAC-SHA256  Credential=${scope}, SignedHeaders=host, Signature=${sig}`, `AWS4-HMAC-SHA256 ${REDACTED}`],
    ['tab, commas without spaces', `AWS4-HMAC-SHA256\tCredential=${scope},SignedHeaders=host,Signature=${sig} end`, `AWS4-HMAC-SHA256 ${REDACTED} end`],
    ['comma and several spaces between parts', `AWS4-HMAC-SHA256 Credential=${scope},   SignedHeaders=host;x-amz-date ,  Signature=${sig}`, `AWS4-HMAC-SHA256 ${REDACTED}`],
    ['Signature before SignedHeaders', `AWS4-HMAC-SHA256 Credential=${scope}, Signature=${sig}, SignedHeaders=host`, `AWS4-HMAC-SHA256 ${REDACTED}`],
    ['only a Credential', `AWS4-HMAC-SHA256 Credential=${scope}`, `AWS4-HMAC-SHA256 ${REDACTED}`],
    ['an Authorization header line', `Authorization: ${sigv4}\r\nHost: x`, `Authorization: ${REDACTED}\r\nHost: x`],
    ['a header dump in double quotes', `"Authorization": "${sigv4}", "Host": "x"`, `"Authorization": "${REDACTED}", "Host": "x"`],
    ['JSON', JSON.stringify({ authorization: sigv4, host: 'x' }), `{"authorization":"${REDACTED}","host":"x"}`],
    ['escaped JSON', JSON.stringify(JSON.stringify({ authorization: sigv4 })), JSON.stringify(JSON.stringify({ authorization: REDACTED }))],
    ['a curl -H argument', `curl -H 'Authorization: ${sigv4}' -H 'X-Amz-Date: 20261206T000000Z' http://127.0.0.1:5055/`, `curl -H 'Authorization: ${REDACTED}' -H 'X-Amz-Date: 20261206T000000Z' http://127.0.0.1:5055/`],
  ])('SigV4 value, %s', (_, text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  test.each([
    ['Authorization: Bearer tok123', 'Authorization: [REDACTED]'],
    ['authorization: Basic dXNlcjpwYXNz\nnext', 'authorization: [REDACTED]\nnext'],
    ['AUTHORIZATION:Bearer tok123', 'AUTHORIZATION:[REDACTED]'],
    ['Authorization : Bearer tok123', 'Authorization : [REDACTED]'],
    ['Authorization\t=\tBearer tok123', 'Authorization\t=\t[REDACTED]'],
    // The value runs to the end of the line or the next quote: a query string loses its tail.
    ['Authorization=tok123&x=1', 'Authorization=[REDACTED]'],
    ['Authorization:   Bearer  tok123', 'Authorization:   [REDACTED]'],
    ['Proxy-Authorization: Bearer tok123', 'Proxy-Authorization: [REDACTED]'],
    ['{"authorization":"Bearer tok123","b":1}', '{"authorization":"[REDACTED]","b":1}'],
    ['{"Authorization": "Bearer tok123"}', '{"Authorization": "[REDACTED]"}'],
    ["{'Authorization':'Bearer tok123'}", "{'Authorization':'[REDACTED]'}"],
    ['{\\"Authorization\\":\\"Bearer tok123\\"}', '{\\"Authorization\\":\\"[REDACTED]\\"}'],
    ['{\\"Authorization\\": \\"Bearer tok123\\"}', '{\\"Authorization\\": \\"[REDACTED]\\"}'],
    [`curl -H "Authorization: Bearer tok123" -H 'X-A: b'`, `curl -H "Authorization: [REDACTED]" -H 'X-A: b'`],
    [`curl -H 'Authorization: Bearer tok123' http://h/`, `curl -H 'Authorization: [REDACTED]' http://h/`],
    ['Authorization: tok"rest', 'Authorization: [REDACTED]"rest'],
    ['Authorization: Bearer \\$X', 'Authorization: [REDACTED]\\$X'],
  ])('Authorization value: %j', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  test.each([
    'Authorization: Bearer $METERING_CONFORMANCE_CONTROL_TOKEN',
    '-H "Authorization: Bearer $METERING_CONFORMANCE_CONTROL_TOKEN"',
    "-H 'Authorization: $AUTHORIZATION'",
    'Authorization: $AUTHORIZATION',
    'Authorization=$AUTHORIZATION&x=1',
    'Authorization: [REDACTED]',
    'Authorization:',
    'Authorization: ',
    'the authorization step',
    'X-Amz-Signature=$SIG&X-Amz-Credential=$CRED&X-Amz-Security-Token=$TOKEN',
    'X-Amz-Signature=[REDACTED]&X-Amz-Credential=[REDACTED]&X-Amz-Security-Token=[REDACTED]',
    'x-amz-security-token: $AWS_SESSION_TOKEN',
    'x-amz-security-token: [REDACTED]',
    'curl --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" --aws-sigv4 "aws:amz:us-east-1:aws-marketplace"',
    'Stryker was here',
    '',
  ])('kept as is: %j', (text) => {
    expect(redactText(text)).toBe(text);
  });

  test.each([
    [`http://h/?X-Amz-Signature=${sig}&b=1`, `http://h/?X-Amz-Signature=${REDACTED}&b=1`],
    [`Signature=${sig}`, `Signature=${REDACTED}`],
    [`signature=${sig};next`, `signature=${REDACTED};next`],
    [`Signature=${sig},next`, `Signature=${REDACTED},next`],
    [`"Signature=${sig}"`, `"Signature=${REDACTED}"`],
    [`Signature=${sig}\\n`, `Signature=${REDACTED}\\n`],
    [`Signature=${sig} next`, `Signature=${REDACTED} next`],
    [`X-Amz-Credential=${encodeURIComponent(scope)}&X-Amz-Date=20261206T000000Z`, `X-Amz-Credential=${REDACTED}&X-Amz-Date=20261206T000000Z`],
    [`x-amz-credential=${scope};next`, `x-amz-credential=${REDACTED};next`],
    [`X-Amz-Credential=${scope} next`, `X-Amz-Credential=${REDACTED} next`],
  ])('presigned query parameter: %j', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  test('a presigned URL loses signature, credential and token and keeps the rest', () => {
    const token = `IQoJ${secret()}`;
    const url = `http://127.0.0.1:5055/?Action=x&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(scope)}&X-Amz-Date=20261206T000000Z&X-Amz-Security-Token=${encodeURIComponent(token)}&X-Amz-SignedHeaders=host&X-Amz-Signature=${sig}`;
    expect(redactText(url)).toBe(
      `http://127.0.0.1:5055/?Action=x&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${REDACTED}&X-Amz-Date=20261206T000000Z&X-Amz-Security-Token=${REDACTED}&X-Amz-SignedHeaders=host&X-Amz-Signature=${REDACTED}`,
    );
  });

  test.each([
    ['x-amz-security-token: TOKEN', 'x-amz-security-token: [REDACTED]'],
    ['X-Amz-Security-Token:TOKEN\r\nHost: h', 'X-Amz-Security-Token:[REDACTED]\r\nHost: h'],
    ['x-amz-security-token :  TOKEN next', 'x-amz-security-token :  [REDACTED] next'],
    ['"x-amz-security-token":"TOKEN","b":1', '"x-amz-security-token":"[REDACTED]","b":1'],
    ['"X-Amz-Security-Token": "TOKEN"', '"X-Amz-Security-Token": "[REDACTED]"'],
    ["-H 'X-Amz-Security-Token: TOKEN'", "-H 'X-Amz-Security-Token: [REDACTED]'"],
    ['{\\"x-amz-security-token\\":\\"TOKEN\\"}', '{\\"x-amz-security-token\\":\\"[REDACTED]\\"}'],
    ['X-Amz-Security-Token=TOKEN&a=b', 'X-Amz-Security-Token=[REDACTED]&a=b'],
    ['X-Amz-Security-Token=TOKEN;a', 'X-Amz-Security-Token=[REDACTED];a'],
    ['X-Amz-Security-Token=TOKEN,a', 'X-Amz-Security-Token=[REDACTED],a'],
  ])('session token: %j', (template, expected) => {
    const token = `IQoJ${secret()}`;
    expect(redactText(template.replace('TOKEN', token))).toBe(expected);
  });
});

describe('secrets the run names', () => {
  test('each secret gives its raw, URL-encoded and JSON-escaped forms, longest first, without repeats', () => {
    expect(secretForms(['ab/"cd'])).toEqual(['ab%2F%22cd', 'ab/\\"cd', 'ab/"cd']);
    expect(secretForms(['abcd', 'abcdefgh'])).toEqual(['abcdefgh', 'abcd']);
    expect(secretForms(['abcdefgh', 'abcd'])).toEqual(['abcdefgh', 'abcd']);
    expect(secretForms(['abcd', 'abcd'])).toEqual(['abcd']);
    expect(secretForms(['abc', 'ab', ''])).toEqual([]);
    expect(secretForms([])).toEqual([]);
  });

  test('a secret of exactly 4 characters is replaced; one of 3 is not', () => {
    expect(redactText('a wxyz b', ['wxyz'])).toBe(`a ${REDACTED} b`);
    expect(redactText('a xyz b', ['xyz'])).toBe('a xyz b');
    expect(redactText('abc abc', ['abc'])).toBe('abc abc');
  });

  test('raw, URL-encoded and JSON-escaped forms are each replaced, the text around them kept', () => {
    const key = `${secret()}/+"=`;
    expect(redactText(`a ${key} b ${encodeURIComponent(key)} c ${JSON.stringify(key)} d`, [key])).toBe(`a ${REDACTED} b ${REDACTED} c "${REDACTED}" d`);
    expect(redactText(JSON.stringify({ k: key, n: 1 }), [key])).toBe(`{"k":"${REDACTED}","n":1}`);
    const plain = secret();
    expect(redactText(JSON.stringify(JSON.stringify({ k: plain })), [plain])).toBe(JSON.stringify(JSON.stringify({ k: REDACTED })));
  });

  test('the longest secret is replaced first, so a secret containing another goes whole', () => {
    const short = secret().slice(0, 8);
    const long = `${short}${secret().slice(0, 8)}`;
    expect(redactText(`x ${long} y ${short} z`, [short, long])).toBe(`x ${REDACTED} y ${REDACTED} z`);
    expect(redactText(`x ${long} y ${short} z`, [long, short])).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  test('no secrets by default', () => {
    expect(redactText('Stryker was here, abcd')).toBe('Stryker was here, abcd');
    expect(redactReport({ note: 'Stryker was here' } as unknown as Report)).toEqual({ note: 'Stryker was here' });
  });
});

describe('redactReport, exactly', () => {
  test('every credential key loses its value, whatever its case and wherever it is', () => {
    const values = () => ({
      Authorization: `Bearer ${secret()}`,
      authorization: ['Bearer', secret()],
      'X-Amz-Security-Token': secret(),
      'x-amz-signature': signature(),
      secretAccessKey: secret(),
      SECRETACCESSKEY: secret(),
      sessionToken: secret(),
      SessionToken: { nested: secret() },
      aws_secret_access_key: secret(),
      AWS_SESSION_TOKEN: secret(),
      aws_session_token: 12345,
      region: 'us-east-1',
    });
    const expected = {
      Authorization: REDACTED,
      authorization: REDACTED,
      'X-Amz-Security-Token': REDACTED,
      'x-amz-signature': REDACTED,
      secretAccessKey: REDACTED,
      SECRETACCESSKEY: REDACTED,
      sessionToken: REDACTED,
      SessionToken: REDACTED,
      aws_secret_access_key: REDACTED,
      AWS_SESSION_TOKEN: REDACTED,
      aws_session_token: REDACTED,
      region: 'us-east-1',
    };
    const report = { top: values(), list: [values(), [values()]] } as unknown as Report;
    expect(redactReport(report)).toEqual({ top: expected, list: [expected, [expected]] });
  });

  test('keys that only contain a credential key name are not credential keys', () => {
    const report = { xauthorization: 'a', authorizationHint: 'b', 'x-amz-security-token-id': 'c', mysessiontoken: 'd', 'aws_session_token_ttl': 'e', secretAccessKeyId: 'f' } as unknown as Report;
    expect(redactReport(report)).toEqual({ xauthorization: 'a', authorizationHint: 'b', 'x-amz-security-token-id': 'c', mysessiontoken: 'd', aws_session_token_ttl: 'e', secretAccessKeyId: 'f' });
  });

  test('a credential key whose value is null or empty keeps it, so a report shows it was absent', () => {
    const report = { Authorization: null, 'x-amz-security-token': '', secretAccessKey: null, aws_session_token: '', sessionToken: 'Stryker was here!' } as unknown as Report;
    expect(redactReport(report)).toEqual({ Authorization: null, 'x-amz-security-token': '', secretAccessKey: null, aws_session_token: '', sessionToken: REDACTED });
  });

  test('strings are scrubbed anywhere: values, array items and keys; other values are kept as they are', () => {
    const key = secret();
    const id = keyId();
    // Values without a secret, which come back as they went in.
    const kept = { n: 42, f: 1.5, b: false, t: true, z: null, empty: {}, arr: [] };
    const report = {
      note: `Authorization: Bearer ${key}`,
      url: `http://h/?X-Amz-Signature=abc123&X-Amz-Credential=${id}`,
      items: ['Authorization: Bearer tok', 7, true, null, false, 0, { deep: [`x ${key} y`] }],
      [`k ${key}`]: 'v',
      ...kept,
    } as unknown as Report;
    const out = redactReport(report, [key]);
    expect(out).toEqual({
      note: `Authorization: ${REDACTED}`,
      url: `http://h/?X-Amz-Signature=${REDACTED}&X-Amz-Credential=${REDACTED}`,
      items: [`Authorization: ${REDACTED}`, 7, true, null, false, 0, { deep: [`x ${REDACTED} y`] }],
      [`k ${REDACTED}`]: 'v',
      ...kept,
    });
    const o = out as unknown as { items: unknown[]; arr: unknown[] };
    expect(Array.isArray(o.items)).toBe(true);
    expect(Array.isArray(o.arr)).toBe(true);
    expect(JSON.stringify(out)).not.toContain(key);
  });

  test('a top-level string, array or scalar', () => {
    expect(redactReport('Authorization: Bearer tok' as unknown as Report)).toBe(`Authorization: ${REDACTED}`);
    expect(redactReport(['a', 'Signature=abc'] as unknown as Report)).toEqual(['a', `Signature=${REDACTED}`]);
    expect(redactReport(5 as unknown as Report)).toBe(5);
    expect(redactReport(null as unknown as Report)).toBe(null);
    expect(redactReport(undefined as unknown as Report)).toBe(undefined);
  });
});

describe('credential key names written as text', () => {
  test.each([
    ['a credentials file line', (s: string) => `aws_secret_access_key = ${s}`],
    ['an environment assignment', (s: string) => `AWS_SESSION_TOKEN=${s}`],
    ['JSON inside a string', (s: string) => JSON.stringify(JSON.stringify({ secretAccessKey: s }))],
    ['a sessionToken member in text', (s: string) => `{"sessionToken":"${s}"}`],
    ['an X-Amz-Signature header line', (s: string) => `x-amz-signature: ${s}`],
  ])('%s loses its value', (_, make) => {
    const value = secret().replace(/[+/=]/g, 'x');
    const out = redactText(make(value));
    expect(out).not.toContain(value);
    expect(out).toContain(REDACTED);
  });

  test('Proxy-Authorization and X-Amz-Credential keys of a document are credentials', () => {
    const doc = { headers: { 'Proxy-Authorization': `Bearer ${secret()}`, 'X-Amz-Credential': `${keyId()}/20261206/us-east-1/aws-marketplace/aws4_request` } } as unknown as Report;
    expect(redactReport(doc)).toEqual({ headers: { 'Proxy-Authorization': REDACTED, 'X-Amz-Credential': REDACTED } });
  });
});
