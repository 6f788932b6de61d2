// Baselines: known divergences are shown but do not fail the run; new failures still do; a
// baselined rule that passes is reported. The command against a fault-mode emulator (issue 7,
// acceptance 3); reports/baseline.ts itself: reports-baseline.test.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readReport, runCli, serveAround, tempDir } from './support/cli.js';

// Generous limits: the machine that runs these may be busy; the runs themselves are small.
describe('run --baseline against a fault-mode emulator', { timeout: 600_000 }, () => {
  // new-id-on-retry answers an identical retry with a new record id: meter-usage.identical-retry fails.
  const RULES = 'meter-usage.identical-retry,meter-usage.accepts-valid,meter-usage.dry-run';
  const served = serveAround(['--fault', 'new-id-on-retry']);

  function baselineFile(rule: string): string {
    const file = join(tempDir('mc-baseline-'), 'baseline.yaml');
    writeFileSync(file, `- rule: ${rule}\n  reason: known divergence, tracked elsewhere\n`);
    return file;
  }

  function run(extra: string[]) {
    const out = tempDir();
    return runCli(['run', '--endpoint', served.url, '--out', out, '--seed', '11', '--runs', '10', '--rules', RULES, ...extra], { timeoutMs: 600_000 }).then((result) => ({ ...result, out }));
  }

  test('known failure → exit 0; without the baseline → exit 1; a baseline of another rule → exit 1', async () => {
    const [known, plain, other] = await Promise.all([
      run(['--baseline', baselineFile('meter-usage.identical-retry')]),
      run([]),
      run(['--baseline', baselineFile('meter-usage.accepts-valid')]),
    ]);
    for (const result of [known, plain, other]) expect(result.stderr).not.toMatch(/internal error/);

    expect(plain.code).toBe(1);
    // stderr is not a terminal here and --progress was not given: no progress lines.
    expect(plain.stderr).not.toMatch(/progress:/);
    expect(readReport(plain.out).rules.find((r) => r.id === 'meter-usage.identical-retry')?.verdict).toBe('fail');

    expect(known.code).toBe(0);
    const knownReport = readReport(known.out);
    expect(knownReport.summary.conformant).toBe(true);
    expect(knownReport.rules.find((r) => r.id === 'meter-usage.identical-retry')).toMatchObject({ verdict: 'fail', baseline: { status: 'known-failure' } });
    expect(known.stdout).toMatch(/CONFORMANT .*1 known failure \(baseline\)/);
    expect(known.stdout).toMatch(/Known failures in the baseline \(1, not gating\):\n {2}meter-usage\.identical-retry/);

    expect(other.code).toBe(1);
    const otherReport = readReport(other.out);
    expect(otherReport.rules.find((r) => r.id === 'meter-usage.accepts-valid')?.baseline?.status).toBe('now-passing');
    expect(other.stdout).toMatch(/NOT CONFORMANT: 1 new must rule failed/);
    expect(other.stdout).toMatch(/Fixed, remove from the baseline \(1\):\n {2}meter-usage\.accepts-valid/);
  });

  test('a baseline naming no catalogue rule, or not a list, is a usage error before anything runs', async () => {
    for (const [text, message] of [
      ['- rule: meter-usage.no-such-rule\n  reason: typo\n', /names a rule not in the catalogue: meter-usage.no-such-rule/],
      ['rule: x\n', /expected a list of \{ rule, reason \}/],
    ] as const) {
      const file = join(tempDir('mc-baseline-'), 'baseline.yaml');
      writeFileSync(file, text);
      const result = await runCli(['run', '--baseline', file]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });
});
