// Targets that hang, reset, answer garbage, answer too much or too slowly, or change their
// answers. Each driver gets a TargetError with the reason. A run against a target that passes
// the preflight and then misbehaves must end in bounded time with exit 1, the affected rules
// `error` (not `fail`) with the reason, no crash, bounded memory, and few requests: the harness
// stops talking to a target that gave no judgeable answer.
//
// What is `error` and what is `fail`: a target that gives no answer, or an answer that is not
// awsJson at all (not JSON, empty, too large, too slow), cannot be judged, so its rules are
// `error`. A target whose answers are each well-formed but differ between identical requests
// *can* be judged: the idempotency rules catch exactly that, so they `fail` and the rules
// that ask one question `pass` (changing-answers below).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import type { Report } from '../reports/types.js';
import { TEST_CREDENTIALS, type TargetDescription } from '../core/description.js';
import { createRawTarget } from '../target/raw-driver.js';
import { createSdkTarget } from '../target/sdk-driver.js';
import { TargetError, type Target } from '../target/types.js';
import { readReport, runCli, tempDir, verdicts, type CliResult } from './support/cli.js';
import { HUGE_BODY_BYTES, PREFLIGHT_REQUESTS, startHostileServer, type HostileMode, type HostileServer } from './support/hostile-server.js';

const HOOKS = join(PACKAGE_ROOT, 'test', 'support', 'process-hooks.mjs');
const RULES = ['meter-usage.accepts-valid', 'meter-usage.identical-retry', 'protocol.request-id'];
const TIMEOUT_MS = 2_000;
/** Peak memory of any process of a run; a run against the emulator stays far below. */
const MEMORY_LIMIT_KB = 1024 * 1024;

interface HostileRun {
  mode: HostileMode;
  server: HostileServer;
  result: CliResult;
  report?: Report;
  peakRssKb: number[];
}

async function runAgainst(mode: HostileMode, config: string): Promise<HostileRun> {
  const server = await startHostileServer(mode);
  const out = tempDir();
  const log = join(out, 'hooks.jsonl');
  try {
    const result = await runCli(
      ['run', '--endpoint', server.url, '--config', config, '--rules', RULES.join(','), '--runs', '3', '--seed', '5', '--timeout', String(TIMEOUT_MS), '--out', out],
      { env: { NODE_OPTIONS: `--import ${HOOKS}`, MC_HOOKS_LOG: log }, timeoutMs: 400_000 },
    );
    const peakRssKb = existsSync(log)
      ? readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { kind: string; maxRssKb?: number })
          .filter((e) => e.kind === 'memory')
          .map((e) => e.maxRssKb!)
      : [];
    return { mode, server, result, ...(existsSync(join(out, 'report.json')) ? { report: readReport(out) } : {}), peakRssKb };
  } finally {
    await server.close();
  }
}

/** Runs jobs two at a time: the machine has two cores and other tests run too. */
async function twoAtATime<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

const UNJUDGEABLE: [HostileMode, RegExp][] = [
  ['hang', new RegExp(`within ${TIMEOUT_MS} ms`)],
  ['reset', /closed or reset the connection/],
  ['non-json', /not a JSON object/],
  ['empty-200', /empty body/],
  ['huge-body', /larger than 1048576 bytes/],
  ['drip', new RegExp(`within ${TIMEOUT_MS} ms`)],
  ['wrong-content-type', /not a JSON object/],
];
const SDK_REASONS: Partial<Record<HostileMode, RegExp>> = { 'non-json': /garbage through the SDK/, 'wrong-content-type': /garbage through the SDK/ };

describe('each driver against each hostile target', () => {
  const request = { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 1, Timestamp: new Date() };

  function targetFor(driver: 'raw' | 'sdk', endpoint: string): Target {
    if (driver === 'raw') return createRawTarget({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, timeouts: { total: TIMEOUT_MS } });
    const description: TargetDescription = {
      endpoint,
      region: 'us-east-1',
      label: endpoint,
      credentials: TEST_CREDENTIALS,
      fixtures: { products: [], customers: [], tokens: [], registrations: [] },
      capabilities: { callerIsolation: false, clockControl: false, reset: false, ledgerRead: false },
    };
    return createSdkTarget(description, { timeoutMs: TIMEOUT_MS });
  }

  const cases = UNJUDGEABLE.flatMap(([mode, reason]) => [['raw', mode, reason] as const, ['sdk', mode, (SDK_REASONS[mode] ?? reason)] as const]);
  test.each(cases)('%s driver, %s: a TargetError with the reason', async (driver, mode, reason) => {
    const server = await startHostileServer(mode);
    const target = targetFor(driver, server.url);
    try {
      const error = await target.call('MeterUsage', request).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TargetError);
      expect((error as Error).message).toMatch(reason);
      if (mode === 'huge-body') expect(server.hugeBytesAccepted).toBeLessThan(HUGE_BODY_BYTES / 2);
    } finally {
      await target.close();
      await server.close();
    }
  });

  test.each(['raw', 'sdk'] as const)('%s driver, changing-answers: two well-formed answers that differ', async (driver) => {
    const server = await startHostileServer('changing-answers');
    const target = targetFor(driver, server.url);
    try {
      const first = await target.call('MeterUsage', request);
      const second = await target.call('MeterUsage', request);
      expect(first.kind === 'success' && second.kind === 'success').toBe(true);
      expect(first.kind === 'success' && second.kind === 'success' && first.output.MeteringRecordId !== second.output.MeteringRecordId).toBe(true);
    } finally {
      await target.close();
      await server.close();
    }
  });
});

describe('the CLI against hostile targets that pass the preflight', () => {
  // Targets that give no awsJson answer at all stop at the preflight (test/verdict-gate.test.ts).
  const runs = new Map<string, HostileRun>();

  beforeAll(async () => {
    const config = join(tempDir(), 'target.yaml');
    writeFileSync(config, 'fixtures:\n  products:\n    - { code: conformance-ami-1, kind: ami, dimensions: [Hours, Users] }\ncapabilities:\n  callerIsolation: true\n');
    const jobs = (['broken-after-preflight', 'changing-answers'] as const).map((mode) => () => runAgainst(mode, config));
    for (const run of await twoAtATime(jobs)) runs.set(run.mode, run);
  }, 600_000);

  function expectBoundedRun(run: HostileRun): void {
    expect(run.result.stderr).not.toMatch(/internal error/);
    expect(run.result.code).toBe(1);
    expect(run.report, 'report.json written').toBeDefined();
    expect(run.peakRssKb.length, 'the hooks reported memory').toBeGreaterThan(0);
    for (const kb of run.peakRssKb) expect(kb).toBeLessThan(MEMORY_LIMIT_KB);
  }

  test('broken-after-preflight: every rule is error (not fail) with the reason; exit 1; bounded', () => {
    const run = runs.get('broken-after-preflight')!;
    expectBoundedRun(run);
    expect(run.report!.summary.outcome).toBe('non-conformant');
    for (const rule of run.report!.rules) {
      expect(rule.verdict, rule.id).toBe('error');
      expect(rule.reason, rule.id).toMatch(/not a JSON object/);
    }
    expect(run.result.stdout).toMatch(/not a JSON object/);
    // The first unjudgeable answer ends a rule: no retries of the same wait, no shrinking against it.
    expect(run.server.requests).toBeGreaterThan(PREFLIGHT_REQUESTS);
    expect(run.server.requests).toBeLessThanOrEqual(PREFLIGHT_REQUESTS + RULES.length * 3);
  });

  test('changing-answers: judgeable, so the idempotency rule fails and the others pass', () => {
    const run = runs.get('changing-answers')!;
    expectBoundedRun(run);
    expect(verdicts(run.report!)).toEqual({
      'meter-usage.accepts-valid': 'pass',
      'meter-usage.identical-retry': 'fail',
      'protocol.request-id': 'pass',
    });
  });
});

describe('the preflight against a huge answer', () => {
  test('the 50 MB answer is not read to the end', async () => {
    const server = await startHostileServer('huge-body');
    try {
      const result = await runCli(['run', '--endpoint', server.url, '--rules', RULES.join(','), '--timeout', String(TIMEOUT_MS), '--out', tempDir()], { timeoutMs: 120_000 });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/larger than 1048576 bytes/);
      expect(server.hugeBytesAccepted).toBeLessThan(HUGE_BODY_BYTES / 2);
    } finally {
      await server.close();
    }
  });
});
