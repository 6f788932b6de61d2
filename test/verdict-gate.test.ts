// The verdict gate: a run that judged nothing, or a target that is not there or rejects
// everything, must never come out CONFORMANT. Each hostile target is run as a new user would:
// no config, the whole catalogue and `--rules 'meter-usage.*'`.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../reports/types.js';
import { readReport, runCli, tempDir, type CliResult } from './support/cli.js';
import { startHostileServer, type HostileMode } from './support/hostile-server.js';

const TIMEOUT_MS = 3_000;
/** The acceptance bound of one run against a hostile target with --timeout 3000. */
const RUN_BOUND_MS = 30_000;

/** Targets that give no awsJson answer at all: the preflight stops the run (exit 2, no report). */
const STOPPED: [HostileMode, RegExp][] = [
  ['hang', new RegExp(`within ${TIMEOUT_MS} ms`)],
  ['reset', /closed or reset the connection/],
  ['non-json', /not a JSON object/],
  ['huge-body', /larger than 1048576 bytes/],
  ['drip', new RegExp(`within ${TIMEOUT_MS} ms`)],
  ['redirect-to-aws', /HTTP 302 redirecting to https:\/\/metering\.marketplace\.us-east-1\.amazonaws\.com\//],
  ['bad-describe', /describe document.*fixtures\.products/],
];
/**
 * Targets that answer awsJson but never accept anything, or misbehave after the preflight, and
 * the outcome of the whole catalogue and of `meter-usage.*`. Without a config every MeterUsage
 * rule needs a product fixture, so that selection judges nothing: inconclusive.
 */
const JUDGED: [HostileMode, 'inconclusive' | 'non-conformant', 'inconclusive' | 'non-conformant'][] = [
  ['unavailable', 'non-conformant', 'inconclusive'],
  ['reject-all', 'inconclusive', 'inconclusive'],
  ['broken-after-preflight', 'non-conformant', 'inconclusive'],
];
const SELECTIONS = [undefined, 'meter-usage.*'] as const;

interface GateRun {
  result: CliResult;
  elapsedMs: number;
  report?: Report;
}

async function runAgainst(mode: HostileMode, rules: string | undefined, config?: string): Promise<GateRun> {
  const server = await startHostileServer(mode);
  const out = tempDir();
  const started = Date.now();
  try {
    const args = ['run', '--endpoint', server.url, '--seed', '7', '--timeout', String(TIMEOUT_MS), '--out', out];
    if (rules !== undefined) args.push('--rules', rules);
    if (config !== undefined) args.push('--config', config);
    const result = await runCli(args, { timeoutMs: 120_000 });
    return { result, elapsedMs: Date.now() - started, ...(existsSync(join(out, 'report.json')) ? { report: readReport(out) } : {}) };
  } finally {
    await server.close();
  }
}

/** The outcome line never claims conformance. */
function expectNotConformant(run: GateRun): void {
  expect(run.result.code).not.toBe(0);
  expect(run.result.stdout).not.toMatch(/^CONFORMANT/m);
  expect(run.elapsedMs).toBeLessThanOrEqual(RUN_BOUND_MS);
  expect(run.result.stderr).not.toMatch(/internal error|TypeError|\n\s+at /);
}

describe('the verdict gate against hostile targets', () => {
  const runs = new Map<string, GateRun>();
  const key = (mode: HostileMode, rules: string | undefined) => `${mode} ${rules ?? 'all'}`;

  beforeAll(async () => {
    const jobs = [...STOPPED.map(([mode]) => mode), ...JUDGED.map(([mode]) => mode)].flatMap((mode) => SELECTIONS.map((rules) => ({ mode, rules })));
    // One at a time: each run is bounded in time, and the bound is what is checked.
    for (const { mode, rules } of jobs) runs.set(key(mode, rules), await runAgainst(mode, rules));
  }, 900_000);

  describe.each(STOPPED)('%s: stopped by the preflight', (mode, reason) => {
    test.each(SELECTIONS)('rules %s: exit 2, one line with the reason, no report', (rules) => {
      const run = runs.get(key(mode, rules))!;
      expectNotConformant(run);
      expect(run.result.code).toBe(2);
      const lines = run.result.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(reason);
      expect(lines.at(-1)).toMatch(/^metering-conformance: /);
      expect(run.result.stdout).toBe('');
      expect(run.report).toBeUndefined();
    });
  });

  describe.each(JUDGED)('%s: judged, never conformant', (mode, whole, meterUsage) => {
    test.each(SELECTIONS)('rules %s: exit 1, outcome as in report.json', (rules) => {
      const run = runs.get(key(mode, rules))!;
      const outcome = rules === undefined ? whole : meterUsage;
      expectNotConformant(run);
      expect(run.result.code).toBe(1);
      expect(run.report!.summary.outcome).toBe(outcome);
      expect(run.report!.summary.conformant).toBe(false);
      expect(run.result.stdout).toMatch(new RegExp(`^${outcome === 'inconclusive' ? 'INCONCLUSIVE' : 'NOT CONFORMANT'}: `, 'm'));
      // stdout and report.json agree on the score.
      const score = run.report!.summary.score;
      expect(run.result.stdout).toContain(`Score ${score === null ? 'n/a' : `${Math.round(score * 1000) / 10}`.replace(/\.0$/, '')}`);
    });
  });

  test('reject-all without a config: no rule passes; the negative rules say no control passed', () => {
    const report = runs.get(key('reject-all', undefined))!.report!;
    expect(report.summary.counts.pass).toBe(0);
    const negatives = report.rules.filter((r) => r.role === 'negative');
    expect(negatives.length).toBeGreaterThan(100);
    for (const rule of negatives.filter((r) => r.verdict === 'not-applicable' && r.reason?.startsWith('not judged'))) {
      expect(rule.reason).toMatch(/no valid request of its operation was accepted/);
    }
    // Without fixtures no control can run, so no negative rule's pass is counted.
    expect(report.controls?.every((c) => c.verdict === 'not-applicable')).toBe(true);
    expect(report.summary.coverage.judged).toBe(report.summary.counts.fail + report.summary.counts.observed);
  });

  test('broken-after-preflight: the rules are error with the reason (not fail)', () => {
    const report = runs.get(key('broken-after-preflight', undefined))!.report!;
    const judged = report.rules.filter((r) => r.verdict !== 'not-applicable');
    expect(judged.length).toBeGreaterThan(0);
    for (const rule of judged) {
      expect(rule.verdict, rule.id).toBe('error');
      expect(rule.reason, rule.id).toMatch(/not a JSON object/);
    }
  });
});

describe('a target that rejects everything, with fixtures declared', () => {
  let run: GateRun;
  beforeAll(async () => {
    const config = join(tempDir(), 'target.yaml');
    writeFileSync(config, 'fixtures:\n  products:\n    - { code: conformance-ami-1, kind: ami, dimensions: [Hours, Users] }\ncapabilities:\n  callerIsolation: true\n');
    run = await runAgainst('reject-all', 'meter-usage.*', config);
  }, 120_000);

  test('the control fails, so the run is non-conformant and no negative rule passes', () => {
    expectNotConformant(run);
    const report = run.report!;
    expect(report.summary.outcome).toBe('non-conformant');
    expect(report.rules.find((r) => r.id === 'meter-usage.accepts-valid')!.verdict).toBe('fail');
    expect(report.controls).toEqual([expect.objectContaining({ operation: 'MeterUsage', rule: 'meter-usage.accepts-valid', verdict: 'fail' })]);
    for (const rule of report.rules.filter((r) => r.role === 'negative')) expect(rule.verdict, rule.id).not.toBe('pass');
  });
});
