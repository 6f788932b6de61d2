// Each fault mode of the emulator, served on its own, makes `run --endpoint` exit 1 with an
// expected rule failing, a shrunk counterexample and a curl line in the report.
import { afterAll, describe, expect, test } from 'vitest';
import { FAULT_MODES } from '../emulator/index.js';
import { FAULT_EXPECTATIONS } from './fault-expectations.js';
import { readReport, runCli, serve, tempDir, type Served } from './support/cli.js';

const running: Served[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

describe('fault modes are caught by their rules', () => {
  test('every fault mode with expectations exists in the emulator', () => {
    const names = new Set(FAULT_MODES.map((f) => f.name));
    for (const fault of Object.keys(FAULT_EXPECTATIONS)) expect(names.has(fault), fault).toBe(true);
  });

  // Several runs side by side on a busy 2-core machine: generous, but bounded.
  test.concurrent.each(Object.entries(FAULT_EXPECTATIONS))('%s', { timeout: 900_000 }, async (fault, expectedRules) => {
    const served = await serve(['--fault', fault]);
    running.push(served);
    const out = tempDir();
    const result = await runCli(['run', '--endpoint', served.url, '--out', out, '--seed', '7', '--runs', '25', '--rules', [...new Set(expectedRules.map((id) => `${id.split('.')[0]}.*`))].join(',')], { timeoutMs: 900_000 });
    await served.stop();
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(1);
    const report = readReport(out);
    const failed = report.rules.filter((r) => r.verdict === 'fail');
    const caught = failed.filter((r) => expectedRules.includes(r.id));
    expect(caught.map((r) => r.id), `failures: ${failed.map((r) => r.id).join(', ')}`).not.toHaveLength(0);
    for (const rule of caught) {
      expect(rule.failure?.counterexample).toBeDefined();
      expect(rule.failure?.curl).toMatch(/^curl .*--aws-sigv4/);
      expect(rule.failure?.replay).toContain(`--seed 7`);
      expect(result.stdout).toContain(rule.id);
    }
    // Nothing else broke: the faults are narrow defects, not a broken emulator.
    expect(report.rules.filter((r) => r.verdict === 'error')).toEqual([]);
  });
});
