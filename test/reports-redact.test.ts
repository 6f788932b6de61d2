// Redaction of every credential shape a report could carry. The keys look like real ones
// (AKIA…, 40-character secrets) and are made afresh at run time, never committed.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { REDACTED, redactReport, redactText } from '../reports/redact.js';
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
