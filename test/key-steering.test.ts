// Draws steered off keys that already hold a record (generators/key-steering.ts): on a target
// without a clean ledger a request on a taken key judges nothing, so the MeterUsage and batch
// generators move a draw to a free key of the same kind, and keep it where none is left.
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { hourStart } from '../core/calendar.js';
import { loadModel } from '../core/model.js';
import { DEFAULT_FIXTURES_PATH, loadFixtures } from '../emulator/fixtures.js';
import { batchRequest, plainMeterUsage } from '../generators/index.js';
import { firstFree, meterUsagePayload, openBatchSize, steerDrawsAround } from '../generators/key-steering.js';
import { DrawnAfter } from '../suites/harness/property.js';
import { RunLedger } from '../suites/harness/run-ledger.js';

const fixtures = loadFixtures(DEFAULT_FIXTURES_PATH);
const model = loadModel();
const nowMs = Date.parse('2026-12-07T13:30:00Z');

afterEach(() => steerDrawsAround(undefined));

describe('steering draws around taken keys', () => {
  test('firstFree takes the first free candidate from the drawn one round, or the drawn one when none is free', () => {
    expect(firstFree(2, 5, (i) => i === 4)).toBe(4);
    expect(firstFree(3, 5, (i) => i === 1)).toBe(1);
    expect(firstFree(3, 5, () => false)).toBe(3);
  });

  test('a MeterUsage draw on a taken (product, dimension, hour) moves to a free one; with none free it stays as drawn', () => {
    const draws = () => fc.sample(plainMeterUsage(fixtures, model, nowMs), { numRuns: 200, seed: 7 });
    const unsteered = draws();
    expect(unsteered.some((r) => r.ProductCode === 'conformance-ami-1')).toBe(true);
    steerDrawsAround({ meterUsage: (product) => product === 'conformance-ami-1', meterUsageHolds: () => false, meterUsageHeld: () => false, batchRecord: () => false });
    const steered = draws();
    expect(steered.filter((r) => r.ProductCode === 'conformance-ami-1')).toEqual([]);
    // Only the key moved: quantity and timestamp are as the seed draws them.
    expect(steered.map((r) => [r.UsageQuantity, r.Timestamp.getTime()])).toEqual(unsteered.map((r) => [r.UsageQuantity, r.Timestamp.getTime()]));
    steerDrawsAround({ meterUsage: () => true, meterUsageHolds: () => false, meterUsageHeld: () => false, batchRecord: () => false });
    expect(draws()).toEqual(unsteered);
  });

  test('with no free key, a MeterUsage draw moves to a key that holds a record of its payload, where an identical request is answered as that record', () => {
    const holds = (product: string, dimension: string, _hour: number, payload: string) => product === 'conformance-container-1' && dimension === 'Tasks' && payload === meterUsagePayload(0, undefined);
    steerDrawsAround({ meterUsage: () => true, meterUsageHolds: holds, meterUsageHeld: () => false, batchRecord: () => false });
    const draws = fc.sample(plainMeterUsage(fixtures, model, nowMs), { numRuns: 300, seed: 11 });
    const zero = draws.filter((r) => (r.UsageQuantity ?? 0) === 0);
    expect(zero.length).toBeGreaterThan(0);
    for (const r of zero) expect([r.ProductCode, r.UsageDimension]).toEqual(['conformance-container-1', 'Tasks']);
    expect(draws.filter((r) => (r.UsageQuantity ?? 0) !== 0 && r.ProductCode === 'conformance-container-1' && r.UsageDimension === 'Tasks').length).toBeLessThan(draws.length / 4);
  });

  test('with no free key and none holding its payload, a MeterUsage draw moves to a key holding a record whose request is known', () => {
    const held = (product: string, dimension: string) => product === 'conformance-ami-1' && dimension === 'Users';
    steerDrawsAround({ meterUsage: () => true, meterUsageHolds: () => false, meterUsageHeld: held, batchRecord: () => false });
    const draws = fc.sample(plainMeterUsage(fixtures, model, nowMs), { numRuns: 100, seed: 13 });
    for (const r of draws) expect([r.ProductCode, r.UsageDimension]).toEqual(['conformance-ami-1', 'Users']);
  });

  test('with no free key in its hour, a recent MeterUsage draw moves by an hour into the other hour of its range, staying inside it', () => {
    const thisHour = hourStart(nowMs);
    steerDrawsAround({ meterUsage: (_p, _d, hourMs) => hourMs === thisHour, meterUsageHolds: () => false, meterUsageHeld: () => false, batchRecord: () => false });
    const draws = fc.sample(plainMeterUsage(fixtures, model, nowMs), { numRuns: 200, seed: 5 });
    for (const r of draws) {
      expect(hourStart(r.Timestamp.getTime())).toBe(thisHour - 3_600_000);
      expect(r.Timestamp.getTime()).toBeGreaterThanOrEqual(nowMs - 55 * 60_000);
      expect(r.Timestamp.getTime() % 1000).toBe(0);
    }
  });

  test('a batch draws its records on free (customer, dimension, hour) keys while there are enough', () => {
    const taken = (account: string, dimension: string, hourMs: number) => dimension !== 'Requests' || hourMs !== hourStart(nowMs);
    steerDrawsAround({ meterUsage: () => false, meterUsageHolds: () => false, meterUsageHeld: () => false, batchRecord: taken });
    const batches = fc.sample(batchRequest(model, fixtures, nowMs, { size: 2, identity: 'account' }), { numRuns: 50, seed: 3 });
    for (const batch of batches) {
      for (const r of batch.UsageRecords) expect(taken(r.CustomerAWSAccountId!, r.Dimension, hourStart(r.Timestamp.getTime())), JSON.stringify(r)).toBe(false);
    }
  });

  test('a batch of open size has the model limit, or 4 records while draws are steered', () => {
    expect(openBatchSize(25)).toBe(25);
    steerDrawsAround({ meterUsage: () => false, meterUsageHolds: () => false, meterUsageHeld: () => false, batchRecord: () => false });
    expect(openBatchSize(25)).toBe(4);
    expect(openBatchSize(2)).toBe(2);
  });
});

describe("a rule's own steering policy, whichever rule drew last", () => {
  test('is set before each draw and each shrink step of its arbitrary (DrawnAfter), so properties drawing in turn each draw by their own', () => {
    const ledger = new RunLedger(fixtures);
    steerDrawsAround(ledger);
    // Whether the ledger counts the kept-free key of the hour as taken when the value is made.
    const keptFreeTaken = () => ledger.meterUsage('conformance-container-unsupported', 'Tasks', hourStart(nowMs));
    const negative = new DrawnAfter(fc.integer().map(keptFreeTaken), () => ledger.drawFor('always'));
    const other = new DrawnAfter(fc.integer().map(keptFreeTaken), () => ledger.drawFor('never'));
    for (let seed = 1; seed <= 3; seed++) {
      expect(fc.sample(negative, { numRuns: 2, seed })).toEqual([false, false]);
      expect(fc.sample(other, { numRuns: 2, seed })).toEqual([true, true]);
    }
    // Shrink steps are pulled one by one while another rule draws in between (the predicate
    // stands for it): every step is still made by the policy of its own arbitrary.
    const made: boolean[] = [];
    const drawn = new DrawnAfter(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.constant(0)).map(([n]) => [n, keptFreeTaken()] as const), () => ledger.drawFor('always'));
    const result = fc.check(
      fc.property(drawn, ([n, taken]) => {
        made.push(taken);
        ledger.drawFor('never');
        return n < 10;
      }),
      { seed: 1, numRuns: 100 },
    );
    expect(result.failed).toBe(true);
    expect(result.numShrinks).toBeGreaterThan(0);
    expect(made.length).toBeGreaterThan(5);
    expect(made.every((taken) => taken === false)).toBe(true);
  });
});
