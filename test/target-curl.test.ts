// target/curl.ts in-process: quoting, curl lines and scripts, each stated as the exact text.
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { allAttempts, commandLine, curlLine, curlScript, flagArgs, shellWord, type ScriptOptions } from '../target/curl.js';
import type { Exchange } from '../target/types.js';
import { curlCredentialsOf } from '../suites/harness/property.js';
import { TEST_CREDENTIALS, type TargetDescription } from '../core/description.js';

const URL_ = 'http://127.0.0.1:5055/';
const CLOCK_URL = 'http://127.0.0.1:5055/__metering-conformance/v1/clock';
const SIGNED = 'AWS4-HMAC-SHA256 Credential=<redacted>, SignedHeaders=host, Signature=<redacted>';

/** Every header a signed service request carries; the ones curl computes itself are left out of the line. */
const ALL_HEADERS = {
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': 'AWSMPMeteringService.MeterUsage',
  authorization: SIGNED,
  'x-amz-date': '20260101T000000Z',
  'x-amz-security-token': '<redacted>',
  host: '127.0.0.1:5055',
  'content-length': '2',
  connection: 'keep-alive',
  'x-amz-content-sha256': 'abc',
};

function service(body: string, extra: Partial<Exchange> = {}, headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSMPMeteringService.MeterUsage', authorization: SIGNED, 'x-amz-date': '20260101T000000Z' }): Exchange {
  return { request: { method: 'POST', url: URL_, headers, body }, response: { status: 200, headers: {}, body: '{}' }, attempt: 1, ...extra };
}

function control(route: string, body: string, authorization: boolean, extra: Partial<Exchange> = {}): Exchange {
  return {
    control: route,
    request: {
      method: 'POST',
      url: `http://127.0.0.1:5055/__metering-conformance/v1/${route}`,
      headers: { 'content-type': 'application/json', 'x-metering-conformance-control': '1', ...(authorization ? { authorization: 'Bearer $METERING_CONFORMANCE_CONTROL_TOKEN' } : {}) },
      body,
    },
    response: { status: 200, headers: {}, body: '{}' },
    attempt: 1,
    ...extra,
  };
}

const CT = `-H 'content-type: application/x-amz-json-1.1'`;
const TGT = `-H 'x-amz-target: AWSMPMeteringService.MeterUsage'`;
const SIGV4 = `--aws-sigv4 'aws:amz:us-east-1:aws-marketplace'`;
const VARS_USER = `--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`;
const TOKEN = `-H "X-Amz-Security-Token: $AWS_SESSION_TOKEN"`;
const FRESH_KEY = `KEY="MCRP$(od -An -N8 -tx1 /dev/urandom | tr -dc '0-9a-f' | tr 'a-f' 'A-F')"`;
const TEST_SECRET = `SECRET='metering-conformance-test-secret' # the built-in test credentials: public, never valid on AWS`;
const INLINE = { kind: 'inline', accessKeyId: 'MCKEY', secretAccessKey: 'metering-conformance-test-secret' } as const;
const CLOCK_NOTE = [
  "# The clock call sets this caller's clock to the instant of the run; requests are signed with the local clock,",
  "# which the target accepts within 5 minutes of the caller's clock: run it soon after the run.",
];
const TOKEN_NOTE = "# Control calls send the target's control token (serve --control-token T): set METERING_CONFORMANCE_CONTROL_TOKEN=T first.";
const FRESH_NOTE = '# A new caller (access key id) per run of the script: it starts from an empty ledger.';

function options(extra: Partial<ScriptOptions> = {}): ScriptOptions {
  return { title: 'rule.x: the requests', region: 'us-east-1', credentials: { kind: 'variables' }, caller: 'MCRUN1', freshCaller: false, ...extra };
}

function shellAccepts(text: string): void {
  execFileSync('sh', ['-n', '-c', text]);
}

describe('shellWord, flagArgs, commandLine', () => {
  test('leaves plain words bare and quotes the rest for a POSIX shell', () => {
    expect(shellWord('abc-1.2')).toBe('abc-1.2');
    expect(shellWord('A_z09@%+=:,./-')).toBe('A_z09@%+=:,./-');
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('')).toBe(`''`);
    expect(shellWord('a b')).toBe(`'a b'`);
    expect(shellWord('$HOME')).toBe(`'$HOME'`);
    expect(shellWord('x\ny')).toBe(`'x\ny'`);
    expect(shellWord('a*')).toBe(`'a*'`);
  });

  test('attaches a value that starts with "-" to its flag', () => {
    expect(flagArgs('--seed', '-5')).toEqual(['--seed=-5']);
    expect(flagArgs('--seed', '5')).toEqual(['--seed', '5']);
    expect(flagArgs('--rules', 'a-b')).toEqual(['--rules', 'a-b']);
  });

  test('joins the words into one command line', () => {
    expect(commandLine(['npx', 'metering-conformance', 'run', '--rules', "it's x", '--seed=-5'])).toBe(`npx metering-conformance run --rules 'it'\\''s x' --seed=-5`);
    expect(commandLine([])).toBe('');
  });
});

describe('allAttempts', () => {
  test('lists retried attempts before the one that answered, in order', () => {
    const r1 = service('1', { response: { status: 503, headers: {}, body: '' } });
    const r2 = service('2', { error: 'reset' });
    const last = service('3', { attempt: 3, earlierAttempts: [r1, r2] });
    const other = service('4');
    expect(allAttempts([last, other])).toEqual([
      { exchange: r1, retried: true },
      { exchange: r2, retried: true },
      { exchange: last, retried: false },
      { exchange: other, retried: false },
    ]);
    expect(allAttempts([])).toEqual([]);
  });
});

describe('curlLine', () => {
  test('with variables: leaves out the headers curl computes, signs with the AWS variables and sends the session token', () => {
    const request = service('{}', {}, ALL_HEADERS).request;
    const expected = `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} ${VARS_USER} ${TOKEN} --data-binary '{}'`;
    expect(curlLine(request, 'us-east-1', { kind: 'variables' })).toBe(expected);
    shellAccepts(expected);
  });

  test("a declared caller's variables, or its profile read with aws configure get when the line runs", () => {
    const request = service('{}', {}, ALL_HEADERS).request;
    const named = curlLine(request, 'us-east-1', { kind: 'variables', accessKeyIdVariable: 'B_KEY', secretAccessKeyVariable: 'B_SECRET', sessionTokenVariable: 'B_TOKEN' });
    expect(named).toBe(`curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "$B_KEY:$B_SECRET" -H "X-Amz-Security-Token: $B_TOKEN" --data-binary '{}'`);
    const profile = curlLine(request, 'us-east-1', { kind: 'profile', profile: 'caller-2' });
    const get = (name: string) => `$(aws configure get ${name} --profile caller-2)`;
    expect(profile).toBe(
      `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "${get('aws_access_key_id')}:${get('aws_secret_access_key')}" -H "X-Amz-Security-Token: ${get('aws_session_token')}" --data-binary '{}'`,
    );
    shellAccepts(named);
    shellAccepts(profile);
    // The shell hands curl the user word the variables hold.
    const user = named.slice(named.indexOf('--user ') + '--user '.length, named.indexOf(' -H "X-Amz'));
    expect(execFileSync('sh', ['-c', `printf %s ${user}`], { env: { B_KEY: 'AKIDB', B_SECRET: 'sec ret' } }).toString()).toBe('AKIDB:sec ret');
  });

  test('with the test credentials inline: no session token', () => {
    const request = service('{}', {}, ALL_HEADERS).request;
    expect(curlLine(request, 'eu-west-1', INLINE)).toBe(
      `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} --aws-sigv4 'aws:amz:eu-west-1:aws-marketplace' --user 'MCKEY:metering-conformance-test-secret' --data-binary '{}'`,
    );
  });

  test('without a session token header: no session token, whatever the credentials', () => {
    const request = service('{}').request;
    expect(curlLine(request, 'us-east-1', { kind: 'variables' })).toBe(`curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} ${VARS_USER} --data-binary '{}'`);
  });

  test('an unsigned request is sent unsigned, its other headers as recorded', () => {
    const request = { method: 'GET', url: "http://127.0.0.1:5055/a b?x='1'", headers: { 'x-amz-security-token': 'tok', 'x-odd': "it's" }, body: '' };
    const line = curlLine(request, 'us-east-1', { kind: 'variables' });
    expect(line).toBe(`curl -sS -i -X GET 'http://127.0.0.1:5055/a b?x='\\''1'\\''' -H 'x-odd: it'\\''s' --data-binary ''`);
    shellAccepts(line);
  });

  test('quotes a method and a body that need it; quotes, newlines and non-ASCII pass through', () => {
    const body = '{"UsageDimension":"it\'s",\n"note":"café ✓ $HOME `x`"}';
    const request = { method: 'PO ST', url: URL_, headers: { authorization: SIGNED }, body };
    const line = curlLine(request, 'us-east-1', INLINE);
    expect(line).toBe(
      `curl -sS -i -X 'PO ST' 'http://127.0.0.1:5055/' ${SIGV4} --user 'MCKEY:metering-conformance-test-secret' --data-binary '{"UsageDimension":"it'\\''s",\n"note":"café ✓ $HOME \`x\`"}'`,
    );
    shellAccepts(line);
    // The shell hands curl the body byte for byte.
    expect(execFileSync('sh', ['-c', `printf %s ${line.slice(line.indexOf("--data-binary '") + '--data-binary '.length)}`]).toString()).toBe(body);
  });
});

describe('curlScript', () => {
  test('one service call with the user credentials: the session token is sent', () => {
    const script = curlScript([service('{"n":1}', {}, ALL_HEADERS)], options());
    expect(script).toBe(
      [
        '#!/bin/sh',
        '# rule.x: the requests',
        '# 1 request, one at a time, in the order the run sent them.',
        'set -u',
        'KEY="$AWS_ACCESS_KEY_ID"',
        'SECRET="$AWS_SECRET_ACCESS_KEY"',
        'echo "caller: $KEY"',
        '',
        `echo '### 1/1 MeterUsage'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "$KEY:$SECRET" ${TOKEN} --data-binary '{"n":1}'`,
        'echo',
        '',
      ].join('\n'),
    );
    shellAccepts(script);
  });

  test("a declared caller's profile: the script reads its keys once, at the top", () => {
    const script = curlScript([service('{"n":1}')], options({ credentials: { kind: 'profile', profile: 'caller-2' } }));
    expect(script.split('\n').slice(3, 6)).toEqual(['set -u', 'KEY="$(aws configure get aws_access_key_id --profile caller-2)"', 'SECRET="$(aws configure get aws_secret_access_key --profile caller-2)"']);
    expect(script).toContain(`--user "$KEY:$SECRET" --data-binary '{"n":1}'`);
    shellAccepts(script);
  });

  test('a fresh caller with the user credentials: no session token (the new key has none)', () => {
    const script = curlScript([service('{}', {}, ALL_HEADERS)], options({ freshCaller: true }));
    expect(script).toBe(
      [
        '#!/bin/sh',
        '# rule.x: the requests',
        '# 1 request, one at a time, in the order the run sent them.',
        'set -u',
        FRESH_NOTE,
        FRESH_KEY,
        'SECRET="$AWS_SECRET_ACCESS_KEY"',
        'echo "caller: $KEY"',
        '',
        `echo '### 1/1 MeterUsage'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "$KEY:$SECRET" --data-binary '{}'`,
        'echo',
        '',
      ].join('\n'),
    );
    shellAccepts(script);
  });

  test('the test credentials inline, not a fresh caller: key and secret written in, no session token', () => {
    const script = curlScript([service('{}', { signedRegion: 'eu-central-1' }, ALL_HEADERS)], options({ credentials: INLINE, region: 'us-west-2' }));
    expect(script).toBe(
      [
        '#!/bin/sh',
        '# rule.x: the requests',
        '# 1 request, one at a time, in the order the run sent them.',
        'set -u',
        `KEY='MCKEY'`,
        TEST_SECRET,
        'echo "caller: $KEY"',
        '',
        `echo '### 1/1 MeterUsage'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} --aws-sigv4 'aws:amz:eu-central-1:aws-marketplace' --user "$KEY:$SECRET" --data-binary '{}'`,
        'echo',
        '',
      ].join('\n'),
    );
    shellAccepts(script);
  });

  test('the test credentials and a fresh caller; requests signed for the region of the options unless one was chosen', () => {
    const script = curlScript([service('{"a":1}'), service('{"a":2}', { signedRegion: 'ap-south-1' })], options({ credentials: INLINE, freshCaller: true, region: 'us-west-2', title: 'other' }));
    expect(script).toBe(
      [
        '#!/bin/sh',
        '# other',
        '# 2 requests, one at a time, in the order the run sent them.',
        'set -u',
        FRESH_NOTE,
        FRESH_KEY,
        TEST_SECRET,
        'echo "caller: $KEY"',
        '',
        `echo '### 1/2 MeterUsage'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} --aws-sigv4 'aws:amz:us-west-2:aws-marketplace' --user "$KEY:$SECRET" --data-binary '{"a":1}'`,
        'echo',
        '',
        `echo '### 2/2 MeterUsage'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} --aws-sigv4 'aws:amz:ap-south-1:aws-marketplace' --user "$KEY:$SECRET" --data-binary '{"a":2}'`,
        'echo',
        '',
      ].join('\n'),
    );
    shellAccepts(script);
  });

  test('a clock call with the control token, retried attempts labelled with what the run got, the caller replaced by $KEY', () => {
    const clock = control('clock', '{"set":1767225600,"caller":"MCRUN1"}', true);
    const r503 = service('{"n":1}', { response: { status: 503, headers: {}, body: '' } });
    const rError = service('{"n":1}', { response: undefined, error: 'did not answer: reset' });
    const rNothing = service('{"n":1}', { response: undefined });
    const unlabelled = { request: { method: 'PUT', url: 'http://127.0.0.1:5055/x', headers: {}, body: 'x' }, attempt: 1 } satisfies Exchange;
    const script = curlScript([clock, service('{"n":1}', { attempt: 4, earlierAttempts: [r503, rError, rNothing] }), unlabelled], options({ credentials: INLINE, freshCaller: true }));
    expect(script).toBe(
      [
        '#!/bin/sh',
        '# rule.x: the requests',
        '# 6 requests, one at a time, in the order the run sent them.',
        ...CLOCK_NOTE,
        TOKEN_NOTE,
        'set -u',
        FRESH_NOTE,
        FRESH_KEY,
        TEST_SECRET,
        'echo "caller: $KEY"',
        '',
        `echo '### 1/6 control: clock'`,
        `curl -sS -i -X POST '${CLOCK_URL}' -H 'content-type: application/json' -H 'x-metering-conformance-control: 1' -H "Authorization: Bearer $METERING_CONFORMANCE_CONTROL_TOKEN" --data-binary '{"set":1767225600,"caller":"'"$KEY"'"}'`,
        'echo',
        '',
        `echo '### 2/6 MeterUsage (the run got HTTP 503 and retried)'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "$KEY:$SECRET" --data-binary '{"n":1}'`,
        'echo',
        '',
        `echo '### 3/6 MeterUsage (the run got did not answer: reset and retried)'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "$KEY:$SECRET" --data-binary '{"n":1}'`,
        'echo',
        '',
        `echo '### 4/6 MeterUsage (the run got no answer and retried)'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "$KEY:$SECRET" --data-binary '{"n":1}'`,
        'echo',
        '',
        `echo '### 5/6 MeterUsage'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "$KEY:$SECRET" --data-binary '{"n":1}'`,
        'echo',
        '',
        `echo '### 6/6 PUT http://127.0.0.1:5055/x'`,
        `curl -sS -i -X PUT 'http://127.0.0.1:5055/x' --data-binary 'x'`,
        'echo',
        '',
      ].join('\n'),
    );
    expect(script).not.toContain('MCRUN1');
    shellAccepts(script);
  });

  test('a control call without the token and with no body; not a clock call: neither note', () => {
    const reset = control('reset', '', false);
    const script = curlScript([reset, service('{}')], options());
    expect(script).toBe(
      [
        '#!/bin/sh',
        '# rule.x: the requests',
        '# 2 requests, one at a time, in the order the run sent them.',
        'set -u',
        'KEY="$AWS_ACCESS_KEY_ID"',
        'SECRET="$AWS_SECRET_ACCESS_KEY"',
        'echo "caller: $KEY"',
        '',
        `echo '### 1/2 control: reset'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/__metering-conformance/v1/reset' -H 'content-type: application/json' -H 'x-metering-conformance-control: 1'`,
        'echo',
        '',
        `echo '### 2/2 MeterUsage'`,
        `curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "$KEY:$SECRET" --data-binary '{}'`,
        'echo',
        '',
      ].join('\n'),
    );
    shellAccepts(script);
  });

  test('a retried clock call with the token; the caller in the URL and body, several times', () => {
    const failed = control('clock', '{"caller":"AKID","again":"AKID"}', true, { response: { status: 500, headers: {}, body: '' } });
    const clock = control('clock', '{"caller":"AKID","again":"AKID"}', true, { earlierAttempts: [failed] });
    for (const e of [failed, clock]) e.request.url = `${CLOCK_URL}?caller=AKID`;
    const script = curlScript([clock], options({ caller: 'AKID' }));
    expect(script).toBe(
      [
        '#!/bin/sh',
        '# rule.x: the requests',
        '# 2 requests, one at a time, in the order the run sent them.',
        ...CLOCK_NOTE,
        TOKEN_NOTE,
        'set -u',
        'KEY="$AWS_ACCESS_KEY_ID"',
        'SECRET="$AWS_SECRET_ACCESS_KEY"',
        'echo "caller: $KEY"',
        '',
        `echo '### 1/2 control: clock (the run got HTTP 500 and retried)'`,
        `curl -sS -i -X POST '${CLOCK_URL}?caller='"$KEY"'' -H 'content-type: application/json' -H 'x-metering-conformance-control: 1' -H "Authorization: Bearer $METERING_CONFORMANCE_CONTROL_TOKEN" --data-binary '{"caller":"'"$KEY"'","again":"'"$KEY"'"}'`,
        'echo',
        '',
        `echo '### 2/2 control: clock'`,
        `curl -sS -i -X POST '${CLOCK_URL}?caller='"$KEY"'' -H 'content-type: application/json' -H 'x-metering-conformance-control: 1' -H "Authorization: Bearer $METERING_CONFORMANCE_CONTROL_TOKEN" --data-binary '{"caller":"'"$KEY"'","again":"'"$KEY"'"}'`,
        'echo',
        '',
      ].join('\n'),
    );
    shellAccepts(script);
    // The shell puts the key where the caller was.
    const url = script.split('\n').find((l) => l.startsWith('curl '))!.split(' ')[5];
    expect(execFileSync('sh', ['-c', `KEY=NEWKEY; printf %s ${url}`]).toString()).toBe(`${CLOCK_URL}?caller=NEWKEY`);
  });

  test('an empty caller replaces nothing; quotes, newlines and non-ASCII in a control body', () => {
    const body = `{"note":"it's\nnaïve ✓"}`;
    const script = curlScript([control('reset', body, false)], options({ caller: '' }));
    const line = script.split('\n').find((l) => l.startsWith('curl '));
    expect(line).toBe(`curl -sS -i -X POST 'http://127.0.0.1:5055/__metering-conformance/v1/reset' -H 'content-type: application/json' -H 'x-metering-conformance-control: 1' --data-binary '{"note":"it'\\''s`);
    expect(script).toContain(`--data-binary '{"note":"it'\\''s\nnaïve ✓"}'\necho\n`);
    shellAccepts(script);
  });

  test('a control call with a clock among service calls and a service call with Authorization: the notes follow the control calls only', () => {
    // A signed service call alone: no control token note, no clock note.
    const plain = curlScript([service('{}')], options());
    expect(plain.split('\n').slice(0, 4)).toEqual(['#!/bin/sh', '# rule.x: the requests', '# 1 request, one at a time, in the order the run sent them.', 'set -u']);
    // A clock call without the token among service calls: the clock note only.
    const clock = curlScript([service('{}'), control('clock', '{}', false)], options());
    expect(clock.split('\n').slice(0, 6)).toEqual(['#!/bin/sh', '# rule.x: the requests', '# 2 requests, one at a time, in the order the run sent them.', ...CLOCK_NOTE, 'set -u']);
    // A control call with the token (not the clock) among service calls: the token note only.
    const token = curlScript([service('{}'), control('reset', '{}', true)], options());
    expect(token.split('\n').slice(0, 5)).toEqual(['#!/bin/sh', '# rule.x: the requests', '# 2 requests, one at a time, in the order the run sent them.', TOKEN_NOTE, 'set -u']);
  });

  test('no requests at all', () => {
    expect(curlScript([], options({ credentials: INLINE }))).toBe(
      ['#!/bin/sh', '# rule.x: the requests', '# 0 requests, one at a time, in the order the run sent them.', 'set -u', `KEY='MCKEY'`, TEST_SECRET, 'echo "caller: $KEY"', ''].join('\n'),
    );
  });

  test('at most 200 requests, and says so when there were more', () => {
    const exactly = curlScript(
      Array.from({ length: 200 }, (_, i) => service(`{"i":${i}}`)),
      options(),
    );
    expect(exactly.split('\n').slice(2, 4)).toEqual(['# 200 requests, one at a time, in the order the run sent them.', 'set -u']);
    expect(exactly.split('\n').filter((l) => l.startsWith('curl '))).toHaveLength(200);

    // 201 attempts (one retried), a clock call only past the cut: the note counts every attempt.
    const many = [...Array.from({ length: 199 }, (_, i) => service(`{"i":${i}}`)), service('{"i":199}', { earlierAttempts: [service('{"i":199}', { response: { status: 503, headers: {}, body: '' } })] })];
    const script = curlScript(many, options());
    const lines = script.split('\n');
    expect(lines.slice(2, 5)).toEqual(['# 200 requests, one at a time, in the order the run sent them.', '# (the first 200 of 201)', 'set -u']);
    const curls = lines.filter((l) => l.startsWith('curl '));
    expect(curls).toHaveLength(200);
    expect(curls.at(-1)).toBe(`curl -sS -i -X POST 'http://127.0.0.1:5055/' ${CT} ${TGT} ${SIGV4} --user "$KEY:$SECRET" --data-binary '{"i":199}'`);
    expect(lines).toContain(`echo '### 200/200 MeterUsage (the run got HTTP 503 and retried)'`);
    expect(lines).not.toContain(`echo '### 201/200 MeterUsage'`);
    shellAccepts(script);
  });
});

describe("a failure's curl lines sign as the run's caller (curlCredentialsOf)", () => {
  const description = {
    credentials: { accessKeyId: 'AKIDRUN', secretAccessKey: 'run-secret' },
    callers: [
      { credentials: { accessKeyId: 'AKIDB', secretAccessKey: 'b-secret' }, source: { accessKeyIdVariable: 'B_KEY', secretAccessKeyVariable: 'B_SECRET' } },
      { credentials: { accessKeyId: 'AKIDC', secretAccessKey: 'c-secret' }, source: { profile: 'caller-c' } },
      { credentials: { accessKeyId: 'MCKEYD', secretAccessKey: TEST_CREDENTIALS.secretAccessKey }, source: { profile: 'test-d' } },
    ],
  } as unknown as TargetDescription;

  test("the run's credentials from the AWS variables; a declared caller's from its variables or profile; public test credentials inline", () => {
    expect(curlCredentialsOf(description.credentials, description)).toEqual({ kind: 'variables' });
    expect(curlCredentialsOf(description.callers![0]!.credentials, description)).toEqual({ kind: 'variables', accessKeyIdVariable: 'B_KEY', secretAccessKeyVariable: 'B_SECRET' });
    expect(curlCredentialsOf(description.callers![1]!.credentials, description)).toEqual({ kind: 'profile', profile: 'caller-c' });
    expect(curlCredentialsOf(description.callers![2]!.credentials, description)).toEqual({ kind: 'inline', accessKeyId: 'MCKEYD', secretAccessKey: TEST_CREDENTIALS.secretAccessKey });
    // A fresh caller of an isolating target signs with the run's secret: the variables.
    expect(curlCredentialsOf({ accessKeyId: 'MCFRESH', secretAccessKey: 'run-secret' }, description)).toEqual({ kind: 'variables' });
  });
});
