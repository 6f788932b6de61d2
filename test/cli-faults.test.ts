// Each fault mode of the emulator, served on its own, makes `run --endpoint` (restricted to the
// families of the rules expected to catch it) exit 1 with an expected rule failing, a shrunk
// counterexample and a curl line in the report. Two runs at a time: each run is concurrent
// itself, and the machines have two cores.
import { describe, expect, test } from 'vitest';
import { catalogueFor } from '../catalogue/catalogue.js';
import { FAULT_MODES } from '../emulator/index.js';
import { loadModel } from '../core/model.js';
import { limit, runAgainstFaults } from '../mutation/fault-run.js';
import { FAULT_EXPECTATIONS } from '../emulator/fault-expectations.js';
import { tempDir } from './support/cli.js';

const RUN_TIMEOUT_MS = 600_000;
const twoAtATime = limit(2);
const catalogue = catalogueFor(loadModel());

/** The `--rules` glob of a rule's family: hand-written rule ids start with their family, derived ones with `model.<Operation>.`. */
function familyGlob(id: string): string {
  return id.startsWith('model.') ? `${id.split('.').slice(0, 2).join('.')}.*` : `${catalogue.find((r) => r.id === id)!.family}.*`;
}

/** `--rules` globs for the families of `ruleIds`. */
function familyGlobs(ruleIds: string[]): string {
  return [...new Set(ruleIds.map(familyGlob))].join(',');
}

describe('the fault-mode table', () => {
  test('lists every fault mode of the emulator, and nothing else', () => {
    expect(Object.keys(FAULT_EXPECTATIONS).sort()).toEqual(FAULT_MODES.map((f) => f.name).sort());
    expect(FAULT_MODES.length).toBeGreaterThanOrEqual(25);
  });

  test('names only catalogue rules that can fail a run, each under its family prefix', () => {
    for (const [fault, ruleIds] of Object.entries(FAULT_EXPECTATIONS)) {
      expect(ruleIds.length, fault).toBeGreaterThan(0);
      for (const id of ruleIds) {
        const rule = catalogue.find((r) => r.id === id);
        expect(rule, `${fault}: ${id}`).toBeDefined();
        expect(rule!.level, `${fault}: ${id}`).not.toBe('implementation-defined');
        expect(id.startsWith(`${rule!.family}.`) || (rule!.family === 'validation' && id.startsWith('model.')), `${fault}: ${id}`).toBe(true);
      }
    }
  });
});

describe('fault modes are caught by their rules', () => {
  // Waiting for a turn counts against the test's time: vitest starts at most 5 concurrent tests
  // (maxConcurrency), so a test waits for at most two runs before its own.
  test.concurrent.each(Object.entries(FAULT_EXPECTATIONS))('%s', { timeout: 3 * RUN_TIMEOUT_MS + 30_000 }, async (fault, expectedRules) => {
    const result = await twoAtATime(() =>
      runAgainstFaults({ faults: [fault], outDir: tempDir(), seed: 7, runs: 25, rules: familyGlobs(expectedRules), timeoutMs: RUN_TIMEOUT_MS }),
    );
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.exitCode, result.stderr).toBe(1);
    const report = result.report!;
    const failed = report.rules.filter((r) => r.verdict === 'fail');
    const expectedFailures = failed.filter((r) => expectedRules.includes(r.id));
    expect(expectedFailures.map((r) => r.id), `failures: ${failed.map((r) => r.id).join(', ') || 'none'}`).not.toHaveLength(0);
    for (const rule of expectedFailures) {
      const failure = rule.failure!;
      // A property's shrunk counterexample (a failure without one, from a plain assertion, has
      // counterexample null and no path), and the replay command that re-runs exactly it.
      expect(failure.counterexample, rule.id).not.toBeNull();
      expect(failure.counterexample, rule.id).not.toBeUndefined();
      expect(failure.path, rule.id).toMatch(/^\d+(:\d+)*$/);
      expect(failure.seed).toBe(7);
      expect(failure.replay).toMatch(
        new RegExp(`^npx metering-conformance run --endpoint http://127\\.0\\.0\\.1:\\d+ --driver raw --runs 25 --level should --rules ${rule.id.replaceAll('.', '\\.')} --seed 7 --replay ${failure.path}$`),
      );
      expect(failure.curl).toMatch(/^curl .*--aws-sigv4/);
      expect(result.stdout).toContain(rule.id);
    }
    // The report says how soon the defect showed, within the run.
    expect(report.summary.firstFailureMs).toBeGreaterThanOrEqual(0);
    expect(report.summary.firstFailureMs).toBeLessThanOrEqual(report.run.durationMs);
    // Nothing else broke: the faults are narrow defects, not a broken emulator.
    expect(report.rules.filter((r) => r.verdict === 'error').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
  });
});
