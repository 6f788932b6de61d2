// Sharding (issue 7, acceptance 2): `run --shard 1/3`, `2/3`, `3/3` then `report --merge`
// gives the verdicts of one unsharded run with the same seed, rule by rule. The target is a
// fault-mode emulator, so that the comparison includes failures, not only passes.
import { describe, expect, test } from 'vitest';
import type { Report } from '../reports/types.js';
import { readReport, runCli, serveAround, tempDir, verdicts } from './support/cli.js';

const RULES = 'meter-usage.*,auth.*';
const TIMEOUT_MS = 600_000;

describe('three shards merged equal one run', () => {
  const served = serveAround(['--fault', 'new-id-on-retry']);

  test('rule by rule', { timeout: TIMEOUT_MS }, async () => {
    const run = (extra: string[]) => {
      const out = tempDir();
      const args = ['run', '--endpoint', served.url, '--out', out, '--seed', '97', '--runs', '10', '--rules', RULES, ...extra];
      return runCli(args, { timeoutMs: TIMEOUT_MS }).then((result) => ({ ...result, out }));
    };
    const [single, ...shards] = await Promise.all([run([]), run(['--shard', '1/3']), run(['--shard', '2/3']), run(['--shard', '3/3'])]);
    for (const result of [single, ...shards]) expect(result.stderr).not.toMatch(/internal error/);

    const whole = readReport(single.out);
    const parts: Report[] = shards.map((s) => readReport(s.out));
    // Each shard judged its own slice: disjoint, together the whole selection.
    const sliceIds = parts.map((p) => p.rules.map((r) => r.id));
    expect(parts.map((p) => p.run.shard)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
    expect(sliceIds.flat().sort()).toEqual(whole.rules.map((r) => r.id).sort());
    for (const ids of sliceIds) expect(ids.length).toBeGreaterThan(0);

    const out = tempDir();
    const merged = await runCli(['report', '--merge', ...shards.map((s) => `${s.out}/report.json`), '--out', out], { timeoutMs: 300_000 });
    expect(merged.stderr).toBe('');
    const report = readReport(out);
    // Every rule exactly once, in the order of the single run, with its verdict.
    expect(report.rules.map((r) => r.id)).toEqual(whole.rules.map((r) => r.id));
    expect(verdicts(report)).toEqual(verdicts(whole));
    expect(verdicts(report)['meter-usage.identical-retry']).toBe('fail');
    expect(report.summary.counts).toEqual(whole.summary.counts);
    expect(merged.code).toBe(single.code);
    expect(merged.code).toBe(1);
  });
});
