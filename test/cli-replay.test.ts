// A failure's replay command reproduces the same counterexample: `run --seed S --replay PATH`.
import { describe, expect, test } from 'vitest';
import { readReport, runCli, serveAround, tempDir } from './support/cli.js';

/**
 * What legitimately differs between two runs: timestamps (generated relative to the target's
 * clock) and the MeteringRecordIds the target hands out.
 */
function withoutTimes(value: unknown): unknown {
  const text = JSON.stringify(value, (key, v: unknown) => (key === 'Timestamp' ? '<time>' : v));
  return JSON.parse(
    text
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
      .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>'),
  );
}

describe('replay', () => {
  const served = serveAround(['--fault', 'accept-conflicting-quantity']);

  test.each(['meter-usage.duplicate-quantity', 'stateful.meter-usage-sequences'])('%s: the replay command gives the same counterexample', async (rule) => {
    const first = tempDir();
    const failed = await runCli(['run', '--endpoint', served.url, '--rules', rule, '--seed', '4242', '--out', first]);
    expect(failed.code).toBe(1);
    const failure = readReport(first).rules.find((r) => r.id === rule)?.failure;
    expect(failure?.path, 'the failure carries a replay path').toBeTruthy();
    expect(failure!.replay).toContain(`--seed 4242`);
    expect(failure!.replay).toContain(`--replay ${failure!.path}`);

    const again = tempDir();
    const replayed = await runCli(['run', '--endpoint', served.url, '--rules', rule, '--seed', '4242', '--replay', failure!.path!, '--out', again]);
    expect(replayed.code).toBe(1);
    const second = readReport(again).rules.find((r) => r.id === rule)?.failure;
    expect(withoutTimes(second?.counterexample)).toEqual(withoutTimes(failure!.counterexample));
  });
});
