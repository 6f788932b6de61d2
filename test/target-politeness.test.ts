// Politeness toward a shared target: calls in flight and calls started per second bounded,
// first come first served, whatever the rules running at once ask for.
import { describe, expect, test } from 'vitest';
import { Gate, politeTarget } from '../target/politeness.js';
import type { Outcome, RawCapableTarget, Target } from '../target/types.js';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A target whose calls take `ms`, counting how many are in flight at most and when each started. */
function slowTarget(ms: number): Target & { peak: number; starts: number[]; order: number[] } {
  let inFlight = 0;
  const target = {
    driver: 'raw' as const,
    peak: 0,
    starts: [] as number[],
    order: [] as number[],
    async call(_operation: string, input: Record<string, unknown>): Promise<Outcome> {
      inFlight++;
      target.peak = Math.max(target.peak, inFlight);
      target.starts.push(performance.now());
      target.order.push(input.n as number);
      await sleep(ms);
      inFlight--;
      return { kind: 'success', status: 200, headers: {}, retries: 0, output: {}, exchange: { request: { method: 'POST', url: 'http://127.0.0.1/', headers: {}, body: '{}' } } } as Outcome;
    },
    close: async () => {},
  };
  return target;
}

describe('politeTarget', () => {
  test('never more calls in flight than allowed, in the order they came', async () => {
    const target = slowTarget(20);
    const polite = politeTarget(target, { maxInFlight: 3 });
    await Promise.all(Array.from({ length: 12 }, (_, n) => polite.call('MeterUsage', { n })));
    expect(target.peak).toBe(3);
    expect(target.order).toStrictEqual([...Array(12).keys()]);
  });

  test('starts spaced by the rate', async () => {
    const target = slowTarget(1);
    const polite = politeTarget(target, { ratePerSecond: 50 });
    await Promise.all(Array.from({ length: 6 }, (_, n) => polite.call('MeterUsage', { n })));
    const gaps = target.starts.slice(1).map((t, i) => t - target.starts[i]!);
    // 20 ms apart, give or take a timer's granularity.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(19);
    expect(target.starts.at(-1)! - target.starts[0]!).toBeLessThan(1000);
  });

  test('both bounds at once; a failing call frees its turn', async () => {
    let calls = 0;
    const failing: Target = { driver: 'raw', call: async () => { calls++; throw new Error('boom'); }, close: async () => {} };
    const polite = politeTarget(failing, { maxInFlight: 1, ratePerSecond: 1000 });
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => polite.call('MeterUsage', {})));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(4);
  });

  test('raw sends take turns at the same gate; no bound leaves the target as it is', async () => {
    const target = slowTarget(20);
    // A send counts in flight with the calls: it goes through the same slow target.
    const raw = Object.assign(target, { send: () => target.call('MeterUsage', { n: -1 }) }) as unknown as RawCapableTarget;
    const polite = politeTarget(raw, { maxInFlight: 2 });
    await Promise.all([...Array.from({ length: 4 }, (_, n) => polite.call('MeterUsage', { n })), ...Array.from({ length: 4 }, () => polite.send({ body: '{}' }))]);
    expect(target.peak).toBe(2);
    expect(target.order).toHaveLength(8);
    expect(politeTarget(raw, {})).toBe(raw);
  });
});

describe('Gate', () => {
  test('a clock that says the next start is due later waits for it', async () => {
    let now = 0;
    const gate = new Gate({ ratePerSecond: 10 }, () => now);
    const started: number[] = [];
    const first = gate.run(async () => started.push(now));
    const second = gate.run(async () => started.push(now));
    await first;
    expect(started).toStrictEqual([0]);
    now = 100;
    await second;
    expect(started).toStrictEqual([0, 100]);
  });
});
