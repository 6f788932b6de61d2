// What a failure carries to be reproduced from its own lines: the replay command with the run's
// settings, the curl line and script (test credentials inline, others as variables), the
// transcript of its counterexample (bounded), HAR, and the re-run that labels flaky failures.
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planRun, replayArgs, replayOutDir } from '../plan/run-plan.js';
import { answerText } from '../reports/format.js';
import { renderHar } from '../reports/har.js';
import { renderHtml } from '../reports/html.js';
import { renderConsoleSummary, renderSummaryMarkdown } from '../reports/summary.js';
import { TRANSCRIPT_BODY_LIMIT, TRANSCRIPT_MAX_ENTRIES, transcriptOf } from '../reports/transcript.js';
import type { RuleMeta } from '../reports/types.js';
import { validateReport } from '../reports/validate.js';
import { fail } from '../suites/harness/expect.js';
import { FLAKY_REASON, runProperty } from '../suites/harness/property.js';
import { replayCommand } from '../suites/harness/replay.js';
import { PropertyRun, type RuleContext } from '../suites/harness/rule.js';
import { curlLine, curlScript } from '../target/curl.js';
import { TEST_CREDENTIALS, type TargetDescription } from '../core/description.js';
import type { Exchange, Outcome, Target } from '../target/types.js';
import { sampleReport } from './reports-fixtures.js';

const URL_ = 'http://127.0.0.1:5055/';

function exchange(body: string, answer: string, extra: Partial<Exchange> = {}): Exchange {
  return {
    request: {
      method: 'POST',
      url: URL_,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSMPMeteringService.MeterUsage', authorization: 'AWS4-HMAC-SHA256 Credential=<redacted>, SignedHeaders=host, Signature=<redacted>', 'x-amz-date': '20260101T000000Z' },
      body,
    },
    response: { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: answer },
    startedAtMs: Date.UTC(2026, 0, 1),
    durationMs: 3,
    attempt: 1,
    ...extra,
  };
}

/** The words a POSIX shell makes of a command line. */
function shellWords(line: string): string[] {
  return execFileSync('sh', ['-c', `for w in ${line.replace(/^npx metering-conformance run /, '')}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8' }).split('\0').slice(0, -1);
}

describe('replay command', () => {
  test('carries the run arguments, quoted so that a shell gives them back as they were', () => {
    const args = ['--endpoint', 'http://127.0.0.1:5055', '--config', "/tmp/my dir/it's.yaml", '--driver', 'sdk', '--runs', '7', '--level', 'must'];
    const line = replayCommand('meter-usage.identical-retry', 1234, '17:3:0', args);
    expect(line).toBe(
      `npx metering-conformance run --endpoint http://127.0.0.1:5055 --config '/tmp/my dir/it'\\''s.yaml' --driver sdk --runs 7 --level must --rules meter-usage.identical-retry --seed 1234 --replay 17:3:0`,
    );
    expect(shellWords(line)).toEqual([...args, '--rules', 'meter-usage.identical-retry', '--seed', '1234', '--replay', '17:3:0']);
    // node's parseArgs takes a value starting with "-" only attached to its flag.
    expect(replayCommand('r', -5, undefined)).toBe('npx metering-conformance run --rules r --seed=-5');
  });

  test('the run arguments come from the plan: endpoint, model, region, driver, runs, level, timeout', () => {
    const plan = planRun({ endpoint: 'http://127.0.0.1:9', modelFile: 'specs/meteringmarketplace-2016-01-14.service-2.json', driver: 'sdk', runs: 3, level: 'must', requestTimeoutMs: 5000, seed: 1 }, {});
    const target = { region: 'eu-west-1' } as TargetDescription;
    expect(replayArgs(plan, target)).toEqual([
      '--endpoint',
      'http://127.0.0.1:9',
      '--model',
      plan.model.file,
      '--region',
      'eu-west-1',
      '--driver',
      'sdk',
      '--runs',
      '3',
      '--level',
      'must',
      '--timeout',
      '5000',
    ]);
    // The embedded emulator (no endpoint) in the default region: only the settings.
    expect(replayArgs(planRun({ seed: 1 }, {}), { region: 'us-east-1' } as TargetDescription)).toEqual(['--driver', 'raw', '--runs', '25', '--level', 'should']);
    // A replay is as polite to a shared target as its run.
    expect(replayArgs(planRun({ seed: 1, politeness: { maxInFlight: 2, ratePerSecond: 0.5 } }, {}), { region: 'us-east-1' } as TargetDescription)).toEqual([
      '--driver', 'raw', '--runs', '25', '--level', 'should', '--max-in-flight', '2', '--rate', '0.5',
    ]);
  });

  test('a replay without --out writes to a folder of its own', () => {
    const plan = planRun({ rules: 'meter-usage.identical-retry', seed: 4, replay: '17:3:0' }, {});
    expect(replayOutDir('meter-usage.identical-retry', '17:3:0')).toBe('conformance-report/replay-meter-usage.identical-retry-17-3-0');
    expect(plan.outDir).toBe(`${process.cwd()}/conformance-report/replay-meter-usage.identical-retry-17-3-0`);
    expect(planRun({ rules: 'meter-usage.identical-retry', seed: 4, replay: '1', outDir: '/tmp/x' }, {}).outDir).toBe('/tmp/x');
  });
});

describe('curl line and script', () => {
  const request = exchange('{"UsageDimension":"it\'s"}', '{}').request;

  test('the built-in test credentials are written inline; others stay variables', () => {
    const inline = curlLine(request, 'us-east-1', { kind: 'inline', accessKeyId: 'MCKEY', secretAccessKey: TEST_CREDENTIALS.secretAccessKey });
    expect(inline).toBe(
      `curl -sS -i -X POST 'http://127.0.0.1:5055/' -H 'content-type: application/x-amz-json-1.1' -H 'x-amz-target: AWSMPMeteringService.MeterUsage' --aws-sigv4 'aws:amz:us-east-1:aws-marketplace' --user 'MCKEY:metering-conformance-test-secret' --data-binary '{"UsageDimension":"it'\\''s"}'`,
    );
    expect(curlLine(request, 'us-east-1', { kind: 'variables' })).toContain(`--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`);
  });

  test('the script sends every attempt in order as a new caller, the clock call first', () => {
    const clock: Exchange = {
      control: 'clock',
      request: { method: 'POST', url: 'http://127.0.0.1:5055/__metering-conformance/v1/clock', headers: { 'content-type': 'application/json' }, body: '{"set":1767225600,"caller":"MCRUN1"}' },
      response: { status: 200, headers: {}, body: '{"nowMs":1767225600000}' },
    };
    const retried = exchange('{"n":1}', '', { response: { status: 503, headers: {}, body: '' } });
    const script = curlScript([clock, exchange('{"n":1}', '{}', { attempt: 2, earlierAttempts: [retried] }), exchange('{"n":2}', '{}')], {
      title: 'rule.x',
      region: 'us-east-1',
      credentials: { kind: 'inline', accessKeyId: 'MCRUN1', secretAccessKey: TEST_CREDENTIALS.secretAccessKey },
      caller: 'MCRUN1',
      freshCaller: true,
    });
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    expect(lines).toContain(`KEY="MCRP$(od -An -N8 -tx1 /dev/urandom | tr -dc '0-9a-f' | tr 'a-f' 'A-F')"`);
    expect(lines).toContain(`SECRET='metering-conformance-test-secret' # the built-in test credentials: public, never valid on AWS`);
    const curls = lines.filter((l) => l.startsWith('curl '));
    expect(curls).toHaveLength(4);
    expect(curls[0]).toBe(`curl -sS -i -X POST 'http://127.0.0.1:5055/__metering-conformance/v1/clock' -H 'content-type: application/json' --data-binary '{"set":1767225600,"caller":"'"$KEY"'"}'`);
    expect(curls.slice(1).map((c) => /--data-binary '(.*)'$/.exec(c)?.[1])).toEqual(['{"n":1}', '{"n":1}', '{"n":2}']);
    for (const c of curls.slice(1)) expect(c).toContain(`--user "$KEY:$SECRET"`);
    expect(lines).toContain(`echo '### 2/4 MeterUsage (the run got HTTP 503 and retried)'`);
    expect(script).not.toContain('MCRUN1');
    // The shell reads it.
    execFileSync('sh', ['-n', '-c', script]);
  });

  test("a script with the user's credentials reads them from the environment", () => {
    const script = curlScript([exchange('{}', '{}')], { title: 't', region: 'us-east-1', credentials: { kind: 'variables' }, caller: 'AKIDUSER', freshCaller: false });
    expect(script).toContain('KEY="$AWS_ACCESS_KEY_ID"\nSECRET="$AWS_SECRET_ACCESS_KEY"\n');
  });
});

describe('transcript', () => {
  test('keeps every attempt in order, cuts bodies over 4 KB and keeps the last 100 exchanges', () => {
    const big = 'x'.repeat(TRANSCRIPT_BODY_LIMIT + 10);
    const retried = exchange('{}', '', { response: { status: 503, headers: {}, body: '' } });
    const { transcript, omitted } = transcriptOf([exchange(big, '{}'), exchange('{}', '{"ok":1}', { attempt: 2, earlierAttempts: [retried] })]);
    expect(omitted).toBe(0);
    expect(transcript.map((e) => [e.label, e.attempt, e.retried ?? false, e.response?.status])).toEqual([
      ['MeterUsage', 1, false, 200],
      ['MeterUsage', 1, true, 503],
      ['MeterUsage', 2, false, 200],
    ]);
    expect(transcript[0]!.request.body).toHaveLength(TRANSCRIPT_BODY_LIMIT);
    expect(transcript[0]!.request.bodyOmitted).toBe(10);
    expect(transcript[0]!.startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(transcript[0]!.durationMs).toBe(3);
    const many = transcriptOf(Array.from({ length: TRANSCRIPT_MAX_ENTRIES + 5 }, (_, i) => exchange(`{"i":${i}}`, '{}')));
    expect(many.omitted).toBe(5);
    expect(many.transcript[0]!.request.body).toBe('{"i":5}');
  });

  test('shows in report.json (schema-valid), report.html and HAR', () => {
    const report = sampleReport();
    const rule = report.rules.find((r) => r.verdict === 'fail')!;
    rule.failure = { ...rule.failure!, ...transcriptOfFailure() };
    report.run.credentials = 'built-in test credentials';
    expect(validateReport(report)).toEqual([]);
    const html = renderHtml(report);
    expect(html).toContain('Transcript of the counterexample <span class="muted">2 exchanges</span>');
    expect(html.match(/<details class="ex">/g)).toHaveLength(2);
    expect(html).toContain('<dt>Credentials</dt><dd>built-in test credentials</dd>');
    const har = renderHar(report) as { log: { version: string; pages: { id: string }[]; entries: { pageref: string; request: { postData: { text: string } }; response: { status: number } }[] } };
    expect(har.log.version).toBe('1.2');
    expect(har.log.pages.map((p) => p.id)).toEqual([rule.id]);
    expect(har.log.entries.map((e) => [e.pageref, e.request.postData.text, e.response.status])).toEqual([
      [rule.id, '{"a":1}', 200],
      [rule.id, '{"a":1}', 200],
    ]);
  });

  function transcriptOfFailure() {
    const { transcript } = transcriptOf([exchange('{"a":1}', '{"MeteringRecordId":"one"}'), exchange('{"a":1}', '{"MeteringRecordId":"two"}')]);
    return { transcript };
  }
});

describe('answers in summaries', () => {
  test('status and error type lead, whatever the length', () => {
    expect(answerText({ status: 400, errorType: 'ValidationException', message: 'bad dimension' })).toBe('HTTP 400 ValidationException: bad dimension');
    expect(answerText({ status: 200, output: { MeteringRecordId: 'r-1' }, retries: 1 })).toBe('HTTP 200 {"MeteringRecordId":"r-1"} (after 1 retried answer)');
    expect(answerText('plain text')).toBe('plain text');
  });

  test('the console shows expected and actual on lines of their own', () => {
    const report = sampleReport();
    const rule = report.rules.find((r) => r.verdict === 'fail')!;
    rule.failure = { ...rule.failure!, expected: 'the identical retry to return MeteringRecordId a', actual: { status: 200, output: { MeteringRecordId: 'b' } } };
    const lines = renderConsoleSummary(report, { color: false }).split('\n');
    const at = lines.findIndex((l) => l.includes(`FAIL  ${rule.id}`));
    expect(lines.slice(at + 1, at + 3)).toEqual(['        expected the identical retry to return MeteringRecordId a', '        got HTTP 200 {"MeteringRecordId":"b"}']);
  });
});

// ---- the re-run of a failure ----

function success(input: Record<string, unknown>, answer: Record<string, unknown>): Outcome {
  return { kind: 'success', status: 200, headers: {}, retries: 0, output: answer, exchange: exchange(JSON.stringify(input), JSON.stringify(answer)) };
}

/** Just what runProperty reads of a RuleContext, with a target that answers `answer`. */
function fakeContext(answer: (input: Record<string, unknown>) => Record<string, unknown>): { ctx: RuleContext; meta: RuleMeta } {
  const target: Target = { driver: 'raw', call: async (_op, input) => success(input, answer(input)), close: async () => {} };
  const meta: RuleMeta = { ruleIds: ['meter-usage.identical-retry'] };
  let callers = 0;
  const description = { endpoint: URL_, region: 'us-east-1', label: 't', credentials: TEST_CREDENTIALS, capabilities: { callerIsolation: true } } as TargetDescription;
  const ctx = {
    rules: [{ id: 'meter-usage.identical-retry' }],
    context: { seed: 42, runs: 20, replayArgs: ['--endpoint', URL_, '--driver', 'raw'] },
    meta,
    description,
    newRun: () => new PropertyRun(target, { accessKeyId: `MCCALLER${++callers}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey }),
    onCleanLedger: <T>(_run: PropertyRun, body: () => Promise<T>) => body(),
    rerunnable: true,
  } as unknown as RuleContext;
  return { ctx, meta };
}

describe('a failure is re-run before it gates', () => {
  const property = async (n: number, run: PropertyRun) => {
    const outcome = await run.call('MeterUsage', { n });
    if (outcome.kind === 'success' && outcome.output.bad === true) fail('not bad', outcome);
  };

  test('a failure that comes back is a fail, with its transcript, curl line and script', async () => {
    const { ctx, meta } = fakeContext((input) => ({ bad: (input.n as number) >= 5 }));
    await expect(runProperty(ctx, fc.integer({ min: 0, max: 1000 }), property, {})).rejects.toThrow(/expected not bad/);
    expect(meta.verdict).toBe('fail');
    const failure = meta.failure!;
    expect(failure.counterexample).toBe(5);
    expect(failure.flaky).toBeUndefined();
    expect(failure.attempts).toBeUndefined();
    expect(failure.replay).toBe(`npx metering-conformance run --endpoint ${URL_} --driver raw --rules meter-usage.identical-retry --seed 42 --replay ${failure.path}`);
    expect(failure.transcript!.map((e) => e.request.body)).toEqual(['{"n":5}']);
    expect(failure.curl).toMatch(/--user 'MCCALLER\d+:metering-conformance-test-secret' --data-binary '\{"n":5\}'$/);
    expect(failure.script).toContain(`--user "$KEY:$SECRET" --data-binary '{"n":5}'`);
  });

  test('a failure that does not come back is flaky: verdict error, both runs kept', async () => {
    const seen = new Set<number>();
    // Bad only the first time the target sees a value: the re-run of the counterexample passes.
    const { ctx, meta } = fakeContext((input) => {
      const n = input.n as number;
      const bad = n >= 5 && !seen.has(n);
      seen.add(n);
      return { bad };
    });
    await expect(runProperty(ctx, fc.integer({ min: 0, max: 1000 }), property, {})).rejects.toThrow(FLAKY_REASON);
    expect(meta.verdict).toBe('error');
    expect(meta.reason).toBe('flaky: failed once, passed on re-run');
    const failure = meta.failure!;
    expect(failure.flaky).toBe(true);
    expect(failure.attempts!.map((a) => [a.outcome, a.transcript.map((e) => [e.request.body, e.response?.body])])).toEqual([
      ['fail', [['{"n":5}', '{"bad":true}']]],
      ['pass', [['{"n":5}', '{"bad":false}']]],
    ]);
    const report = sampleReport();
    const rule = report.rules.find((r) => r.verdict === 'error')!;
    Object.assign(rule, { reason: meta.reason, failure });
    expect(validateReport(report)).toEqual([]);
    expect(renderSummaryMarkdown(report)).toContain('a flaky failure gates as error');
    expect(renderHtml(report)).toContain('A flaky failure gates as error.');
    expect(renderHtml(report)).toContain('Run 2 of the counterexample: passed');
  });
});
