// How a run is scheduled: near targets are CPU-bound (8 rules at once, vitest's workers), far
// ones latency-bound (32 rules at once in 4 workers); the distance is the preflight's quickest warm round trip.
import { afterAll, describe, expect, test } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../bench/delay-proxy.js';
import { NO_CAPABILITIES, type TargetCapabilities, type TargetDescription } from '../core/description.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { catalogueFor } from '../catalogue/catalogue.js';
import type { Rule } from '../catalogue/rules.js';
import { loadModel } from '../core/model.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { REMOTE_ROUND_TRIP_MS, schedulingFor, suiteOrder } from '../plan/vitest-options.js';
import { runCli, serveAround, tempDir } from './support/cli.js';

describe('schedulingFor', () => {
  test('a near target: eight rules at once, vitest chooses the workers', () => {
    expect(schedulingFor(0)).toStrictEqual({ maxConcurrency: 8 });
    expect(schedulingFor(REMOTE_ROUND_TRIP_MS - 0.01)).toStrictEqual({ maxConcurrency: 8 });
  });

  test('a far target: 32 rules at once in each of four workers', () => {
    expect(REMOTE_ROUND_TRIP_MS).toBe(20);
    expect(schedulingFor(REMOTE_ROUND_TRIP_MS)).toStrictEqual({ maxConcurrency: 32, maxWorkers: 4 });
    expect(schedulingFor(100)).toStrictEqual({ maxConcurrency: 32, maxWorkers: 4 });
  });
});

describe('schedulingFor with politeness', () => {
  test('a bound on calls keeps every rule in one worker, near or far', () => {
    expect(schedulingFor(0, { maxInFlight: 4 })).toStrictEqual({ maxConcurrency: 8, maxWorkers: 1 });
    expect(schedulingFor(100, { ratePerSecond: 5 })).toStrictEqual({ maxConcurrency: 32, maxWorkers: 1 });
    expect(schedulingFor(100, {})).toStrictEqual({ maxConcurrency: 32, maxWorkers: 4 });
  });
});

describe('schedulingFor a target without caller isolation', () => {
  const target = (capabilities: Partial<TargetCapabilities>) => ({ capabilities: { ...NO_CAPABILITIES, ...capabilities } }) as TargetDescription;

  test('keeps one worker, reset or not (the lease of its property runs and its run-wide ledger are per worker); caller isolation needs none of that', () => {
    expect(schedulingFor(100, {}, target({ reset: { method: 'POST', path: '/moto-api/reset' } }))).toStrictEqual({ maxConcurrency: 32, maxWorkers: 1 });
    expect(schedulingFor(0, {}, target({ reset: true }))).toStrictEqual({ maxConcurrency: 8, maxWorkers: 1 });
    expect(schedulingFor(100, {}, target({}))).toStrictEqual({ maxConcurrency: 32, maxWorkers: 1 });
    expect(schedulingFor(100, {}, target({ reset: true, callerIsolation: true }))).toStrictEqual({ maxConcurrency: 32, maxWorkers: 4 });
    expect(schedulingFor(100, {}, target({ callerIsolation: true }))).toStrictEqual({ maxConcurrency: 32, maxWorkers: 4 });
  });
});

describe('suiteOrder', () => {
  const catalogue = catalogueFor(loadModel());
  const files = readdirSync(join(PACKAGE_ROOT, 'suites')).filter((f) => f.endsWith('.test.ts')).map((f) => ({ moduleId: `/pkg/dist/suites/${f.replace(/\.ts$/, '.js')}` }));
  const order = (rules: Rule[]) => {
    const Sequencer = suiteOrder(rules);
    const sorted = new Sequencer({} as never).sort(files as never) as unknown as { moduleId: string }[];
    return sorted.map((f) => f.moduleId.replace(/^.*\//, '').replace(/\.test\.js$/, ''));
  };

  test("the families whose defects show where a record is first made, then the controls' files, then by name", () => {
    const sorted = order(catalogue);
    expect(sorted.slice(0, 3)).toEqual(['concurrency', 'idempotency', 'stateful']);
    expect(sorted.slice(3, 7).sort()).toEqual(['batch-meter-usage', 'meter-usage', 'register-usage', 'resolve-customer']);
    expect(sorted.slice(7)).toEqual([...sorted.slice(7)].sort());
    expect(sorted).toHaveLength(files.length);
  });

  test('without controls in the plan, those families lead', () => {
    expect(order(catalogue.filter((r) => r.role !== 'control')).slice(0, 3)).toEqual(['concurrency', 'idempotency', 'stateful']);
  });
});

describe('run: the target distance decides the scheduling', () => {
  const served = serveAround();
  let proxy: DelayProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
  });

  test('a target 30 ms away gets the far scheduling, with a note saying why; the same target near does not', async () => {
    proxy = await startDelayProxy(served.url, 15);
    const args = ['--rules', 'meter-usage.accepts-valid', '--runs', '2', '--seed', '7'];
    const far = await runCli(['run', '--endpoint', proxy.url, ...args, '--out', tempDir()]);
    expect(far.code, far.stderr).toBe(0);
    expect(far.stderr).toMatch(/^note: the target answered in (\d+) ms at best: 32 rules at once in each of 4 workers$/m);
    expect(Number(/answered in (\d+) ms/.exec(far.stderr)![1])).toBeGreaterThanOrEqual(30);
    const near = await runCli(['run', '--endpoint', served.url, ...args, '--out', tempDir()]);
    expect(near.code, near.stderr).toBe(0);
    expect(near.stderr).not.toContain('rules at once');
    const polite = await runCli(['run', '--endpoint', proxy.url, ...args, '--rate', '50', '--out', tempDir()]);
    expect(polite.code, polite.stderr).toBe(0);
    expect(polite.stderr).toMatch(/^note: the target answered in \d+ ms at best: 32 rules at once in one worker \(--max-in-flight or --rate bound the whole run\)$/m);
  });
});
