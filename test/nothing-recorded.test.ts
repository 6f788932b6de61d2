// "The rejected request recorded nothing", judged on whatever ledger the property run stands
// on (suites/harness/nothing-recorded.ts for MeterUsage, suites/batch/answers.ts for batches):
// another quantity for the hour on a key of its own; the record unchanged on a key another
// property run holds (a target without a clean ledger).
import { describe, expect, test } from 'vitest';
import { Violation } from '../suites/harness/expect.js';
import { nothingRecordedCheck } from '../suites/harness/nothing-recorded.js';
import { KeyTaken, type HeldRecord, type HeldUsageRecord, type UsageRecordStanding } from '../suites/harness/run-ledger.js';
import { PropertyRun, type RuleContext } from '../suites/harness/rule.js';
import { batchNothingRecordedCheck } from '../suites/batch/answers.js';
import { loadModel } from '../core/model.js';
import type { BatchMeterUsageInput, UsageRecord } from '../generators/index.js';
import type { Outcome, OperationInput } from '../target/types.js';

const request = { ProductCode: 'p', UsageDimension: 'd', Timestamp: new Date('2026-12-07T13:20:00Z'), UsageQuantity: 3 };
const base = { headers: {}, retries: 0, exchange: { request: { method: 'POST', url: 'http://127.0.0.1/', headers: {}, body: '' } } };
const success = (id: string): Outcome => ({ ...base, kind: 'success', status: 200, output: { MeteringRecordId: id } });
const duplicate: Outcome = { ...base, kind: 'error', status: 400, errorType: 'DuplicateRequestException' };

/** A property run whose key is free (held undefined) or another run's, giving `answers` in turn and keeping what it was sent. */
function runOf(held: HeldRecord | undefined, ...answers: Outcome[]): { run: PropertyRun; sent: OperationInput[] } {
  return runOn({ held }, ...answers);
}

/** As runOf, on a key that may be one kept free for the rules that expect only rejections. */
function runOn({ held, keptFree = false }: { held?: HeldRecord; keptFree?: boolean }, ...answers: Outcome[]): { run: PropertyRun; sent: OperationInput[] } {
  const sent: OperationInput[] = [];
  const run = {
    heldElsewhere: () => held,
    onKeptFreeKey: () => keptFree,
    drawOffKeptFreeKeys: () => sent.push({ drawOff: true }),
    call: async (_operation: string, input: OperationInput) => (sent.push(input), answers[sent.length - 1]),
    // The real resend of a held record's request, through the fake call above.
    answeredAsBefore(held: HeldRecord) {
      return PropertyRun.prototype.answeredAsBefore.call(this as unknown as PropertyRun, held);
    },
  } as unknown as PropertyRun;
  return { run, sent };
}

const check = async (run: PropertyRun) => (await nothingRecordedCheck(run, request))(9, 'nothing recorded');

describe('nothingRecordedCheck', () => {
  test('on a key of its own: the same hour with another quantity is accepted afterwards, or the rejected request was recorded', async () => {
    const accepted = runOf(undefined, success('r-1'));
    await check(accepted.run);
    expect(accepted.sent).toEqual([{ ...request, UsageQuantity: 9 }]);
    await expect(check(runOf(undefined, duplicate).run)).rejects.toBeInstanceOf(Violation);
  });

  test("on another run's key: the request that made its record is answered with the record's id before and after, or the record changed", async () => {
    const held = { request: { ...request, UsageQuantity: 5 }, id: 'r-held' };
    const unchanged = runOf(held, success('r-held'), success('r-held'));
    await check(unchanged.run);
    expect(unchanged.sent).toEqual([held.request, held.request]);
    await expect(check(runOf(held, success('r-held'), success('r-other')).run)).rejects.toThrow(/still answered with its MeteringRecordId r-held/);
    await expect(check(runOf(held, success('r-held'), duplicate).run)).rejects.toBeInstanceOf(Violation);
  });

  test('on a key kept free for the rules that expect only rejections, nothing is sent and the run is not judged: the check would use the key up', async () => {
    const kept = runOn({ keptFree: true }, success('r-1'));
    await expect(check(kept.run)).rejects.toBeInstanceOf(KeyTaken);
    // Nothing sent; the rule's later draws keep off such keys.
    expect(kept.sent).toEqual([{ drawOff: true }]);
  });

  test('with nothing to compare with (the record not answered with its id even before), the run is not judged', async () => {
    const held = { request: { ...request, UsageQuantity: 5 }, id: 'r-held' };
    await expect(check(runOf(held, success('r-new')).run)).rejects.toBeInstanceOf(KeyTaken);
    await expect(check(runOf(held, duplicate).run)).rejects.toBeInstanceOf(KeyTaken);
  });
});

describe('batchNothingRecordedCheck', () => {
  const model = loadModel();
  const ctx = { model } as RuleContext;
  const record = (dimension: string, quantity = 3): UsageRecord => ({ CustomerAWSAccountId: '111122223333', Dimension: dimension, Timestamp: new Date('2026-12-07T13:20:00Z'), Quantity: quantity });
  const batch = (records: UsageRecord[]): BatchMeterUsageInput => ({ UsageRecords: records });
  /** A batch answer: each record of the request with `status` and the id `ids` gives it. */
  const answer = (status: string, ids: (r: UsageRecord) => string) => (input: OperationInput): Outcome => ({
    ...base,
    kind: 'success',
    status: 200,
    output: { Results: (input as unknown as BatchMeterUsageInput).UsageRecords.map((r) => ({ UsageRecord: r, Status: status, MeteringRecordId: ids(r) })), UnprocessedRecords: [] },
  });

  /** A run on which each record's key stands as `standing` says, answering with `answers` in turn and keeping what it was sent. */
  function batchRun(standing: (r: UsageRecord) => UsageRecordStanding, ...answers: ((input: OperationInput) => Outcome)[]) {
    const sent: BatchMeterUsageInput[] = [];
    const run = {
      usageRecordStanding: standing,
      call: async (_operation: string, input: OperationInput) => (sent.push(input as unknown as BatchMeterUsageInput), answers[sent.length - 1](input)),
    } as unknown as PropertyRun;
    return { run, sent };
  }

  test('records on keys free for the run: sent again with other quantities, new records, or the rejected request recorded', async () => {
    const records = [record('Requests'), record('StorageGb')];
    const free = batchRun(() => ({ kind: 'free' }), answer('Success', (r) => `new-${r.Dimension}`));
    await (await batchNothingRecordedCheck(ctx, free.run, batch(records), records))('the rejected batch');
    expect(free.sent.map((b) => b.UsageRecords.map((r) => r.Quantity))).toEqual([[4, 4]]);
    const recorded = batchRun(() => ({ kind: 'free' }), answer('DuplicateRecord', () => ''));
    await expect((await batchNothingRecordedCheck(ctx, recorded.run, batch(records), records))('the rejected batch')).rejects.toBeInstanceOf(Violation);
  });

  test("a record on another run's key: that run's record, sent again as it was, answered with its id before and after; keys kept free or unknown are left out", async () => {
    const made = { productCode: 'conformance-saas-1', record: { ...record('Requests', 7) }, id: 'r-held' } as HeldUsageRecord;
    const standing = (r: UsageRecord): UsageRecordStanding => (r.Dimension === 'Requests' ? { kind: 'held', held: made } : r.Dimension === 'StorageGb' ? { kind: 'kept-free' } : { kind: 'unknown' });
    const records = [record('Requests'), record('StorageGb'), record('ActiveUsers')];
    const unchanged = batchRun(standing, answer('Success', () => 'r-held'), answer('Success', () => 'r-held'));
    await (await batchNothingRecordedCheck(ctx, unchanged.run, batch(records), records))('the rejected batch');
    expect(unchanged.sent).toEqual([
      { ProductCode: 'conformance-saas-1', UsageRecords: [made.record] },
      { ProductCode: 'conformance-saas-1', UsageRecords: [made.record] },
    ]);
    const replaced = batchRun(standing, answer('Success', () => 'r-held'), answer('Success', () => 'r-other'));
    await expect((await batchNothingRecordedCheck(ctx, replaced.run, batch(records), records))('the rejected batch')).rejects.toThrow(/still answered with its MeteringRecordId r-held/);
    // Not answered with its id even before: nothing to compare with, the run is not judged.
    await expect(batchNothingRecordedCheck(ctx, batchRun(standing, answer('DuplicateRecord', () => '')).run, batch(records), records)).rejects.toBeInstanceOf(KeyTaken);
  });

  test('with every record on a key kept free or unknown, nothing is sent and the run is not judged', async () => {
    const records = [record('Requests'), record('StorageGb')];
    const none = batchRun((r) => (r.Dimension === 'Requests' ? { kind: 'kept-free' } : { kind: 'unknown' }));
    await expect(batchNothingRecordedCheck(ctx, none.run, batch(records), records)).rejects.toBeInstanceOf(KeyTaken);
    expect(none.sent).toEqual([]);
  });
});
