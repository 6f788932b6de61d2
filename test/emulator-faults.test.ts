// The fault modes added for the mutation score change exactly their behaviour, checked through
// the emulator's operation pipeline with a fixed clock (each next to the correct behaviour it
// breaks). The suite-level proof that rules catch them is cli-faults.test.ts.
import { describe, expect, test } from 'vitest';
import type { OperationContext } from '../emulator/context.js';
import { ServiceError } from '../emulator/errors.js';
import { runOperation } from '../emulator/operations.js';
import { HOUR, NOW, operationTestbed, seconds } from './support/operation-testbed.js';

const MAX = 2147483647;

// Default fixture customers of the SaaS product.
const SAAS = 'conformance-saas-1';
const LEGACY = 'mc-legacy-subscribed-0001';
const LEGACY_UNSUBSCRIBED = 'mc-legacy-unsubscribed-0002';

const bed = operationTestbed('CALLER-F');
const ctx = (...faultNames: string[]) => bed.ctx({ faultNames });

type Answer = { output?: Record<string, unknown>; error?: ServiceError };

function call(operation: string, body: Record<string, unknown>, context: OperationContext): Answer {
  try {
    return { output: runOperation(operation, Buffer.from(JSON.stringify(body)), context) };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { error };
  }
}

const meterRequest = (o: Record<string, unknown> = {}) => ({ ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 5, Timestamp: seconds(NOW - 10 * 60_000), ...o });
const meter = (o: Record<string, unknown>, context: OperationContext) => call('MeterUsage', meterRequest(o), context);
const idOf = (a: Answer) => a.output?.MeteringRecordId as string | undefined;

const usageRecord = (o: Record<string, unknown> = {}) => ({ CustomerIdentifier: LEGACY, Dimension: 'Requests', Quantity: 4, Timestamp: seconds(NOW - 10 * 60_000), ...o });
const batch = (records: Record<string, unknown>[], context: OperationContext) => call('BatchMeterUsage', { ProductCode: SAAS, UsageRecords: records }, context);
type Result = { UsageRecord: Record<string, unknown>; MeteringRecordId?: string; Status: string };
const resultsOf = (a: Answer) => a.output?.Results as Result[];

describe('MeterUsage fault modes', () => {
  test('duplicate-on-identical-retry: the identical retry is refused, and only it', () => {
    expect(idOf(meter({}, ctx()))).toBeDefined();
    expect(idOf(meter({}, ctx()))).toBeDefined();
    bed.resetLedger();
    const faulty = ctx('duplicate-on-identical-retry');
    expect(idOf(meter({}, faulty))).toBeDefined();
    expect(meter({}, faulty).error?.type).toBe('DuplicateRequestException');
    expect(idOf(meter({ Timestamp: seconds(NOW - 2 * HOUR) }, faulty))).toBeDefined();
  });

  test('accept-future-timestamp: two hours ahead is accepted by MeterUsage and BatchMeterUsage', () => {
    const ahead = seconds(NOW + 2 * HOUR);
    expect(meter({ Timestamp: ahead }, ctx()).error?.type).toBe('TimestampOutOfBoundsException');
    expect(idOf(meter({ Timestamp: ahead }, ctx('accept-future-timestamp')))).toBeDefined();
    expect(batch([usageRecord({ Timestamp: ahead })], ctx()).error?.type).toBe('TimestampOutOfBoundsException');
    expect(resultsOf(batch([usageRecord({ Timestamp: ahead })], ctx('accept-future-timestamp')))[0].Status).toBe('Success');
  });

  test('window-off-by-one-second: 6 h + 1 s is accepted, 6 h + 2 s is not', () => {
    expect(meter({ Timestamp: seconds(NOW - 6 * HOUR - 1000) }, ctx()).error?.type).toBe('TimestampOutOfBoundsException');
    const faulty = ctx('window-off-by-one-second');
    expect(idOf(meter({ Timestamp: seconds(NOW - 6 * HOUR - 1000) }, faulty))).toBeDefined();
    expect(meter({ Timestamp: seconds(NOW - 6 * HOUR - 2000), UsageDimension: 'Users' }, faulty).error?.type).toBe('TimestampOutOfBoundsException');
  });

  test('seconds-in-duplicate-key: another second of the hour with another quantity is a new record', () => {
    const hour = Math.floor(NOW / HOUR) * HOUR;
    meter({ Timestamp: seconds(hour + 1000) }, ctx());
    expect(meter({ Timestamp: seconds(hour + 2000), UsageQuantity: 6 }, ctx()).error?.type).toBe('DuplicateRequestException');
    bed.resetLedger();
    const faulty = ctx('seconds-in-duplicate-key');
    const first = idOf(meter({ Timestamp: seconds(hour + 1000) }, faulty));
    expect(idOf(meter({ Timestamp: seconds(hour + 1500) }, faulty))).toBe(first);
    expect(idOf(meter({ Timestamp: seconds(hour + 2000), UsageQuantity: 6 }, faulty))).toBeDefined();
  });

  test('quantity-defaults-to-one: an omitted quantity is recorded as 1', () => {
    const { UsageQuantity: _omitted, ...withoutQuantity } = meterRequest();
    call('MeterUsage', withoutQuantity, ctx('quantity-defaults-to-one'));
    expect(bed.ledger.records().map((r) => r.quantity)).toEqual([1]);
    expect(meter({ UsageQuantity: 0 }, ctx('quantity-defaults-to-one')).error?.type).toBe('DuplicateRequestException');
  });

  test('reject-max-quantity: the maximum is rejected, one below it is not', () => {
    expect(idOf(meter({ UsageQuantity: MAX }, ctx()))).toBeDefined();
    bed.resetLedger();
    const faulty = ctx('reject-max-quantity');
    expect(meter({ UsageQuantity: MAX }, faulty).error?.type).toBe('ValidationException');
    expect(idOf(meter({ UsageQuantity: MAX - 1 }, faulty))).toBeDefined();
  });

  test('wrong-http-status: InvalidUsageAllocationsException keeps its type but gets 500', () => {
    const allocations = { UsageQuantity: 5, UsageAllocations: [{ AllocatedUsageQuantity: 1 }] };
    expect(meter(allocations, ctx()).error?.status).toBe(400);
    const error = meter(allocations, ctx('wrong-http-status')).error;
    expect([error?.type, error?.status]).toEqual(['InvalidUsageAllocationsException', 500]);
    expect(meter({ UsageDimension: 'nope' }, ctx('wrong-http-status')).error?.status).toBe(400);
  });

  test('check-then-insert-race: the insert lands after the answer is computed, so a request in between makes a second record', async () => {
    const safe = ctx();
    const safeIds = [idOf(meter({}, safe)), idOf(meter({}, safe))];
    expect(safeIds[1]).toBe(safeIds[0]);
    bed.resetLedger();
    const first = ctx('check-then-insert-race');
    const second = ctx('check-then-insert-race');
    const ids = [idOf(meter({}, first)), idOf(meter({}, second))];
    expect(bed.ledger.records()).toHaveLength(0);
    await Promise.all([first.pendingWrite, second.pendingWrite]);
    expect(ids[1]).not.toBe(ids[0]);
    expect(bed.ledger.records()).toHaveLength(2);
    // Once the write has landed, a later retry finds it.
    expect(idOf(meter({}, ctx('check-then-insert-race')))).toBe(ids[1]);
  });
});

describe('BatchMeterUsage fault modes', () => {
  // An unsubscribed and a subscribed customer, in the order that sorting by customer reverses.
  const records = () => [usageRecord({ CustomerIdentifier: LEGACY_UNSUBSCRIBED }), usageRecord()];

  test('batch-results-misattributed: each echoed record sits beside another record’s outcome', () => {
    const correct = resultsOf(batch(records(), ctx()));
    expect(correct.map((r) => [r.UsageRecord.CustomerIdentifier, r.Status])).toEqual([
      [LEGACY_UNSUBSCRIBED, 'CustomerNotSubscribed'],
      [LEGACY, 'Success'],
    ]);
    bed.resetLedger();
    const faulty = resultsOf(batch(records(), ctx('batch-results-misattributed')));
    expect(faulty.map((r) => [r.UsageRecord.CustomerIdentifier, r.Status])).toEqual([
      [LEGACY, 'CustomerNotSubscribed'],
      [LEGACY_UNSUBSCRIBED, 'Success'],
    ]);
  });

  test('batch-new-ids-on-subset-retry: an identical retry matches, a subset gets new ids', () => {
    const context = ctx('batch-new-ids-on-subset-retry');
    const two = [usageRecord(), usageRecord({ Dimension: 'ActiveUsers' })];
    const first = resultsOf(batch(two, context)).map((r) => r.MeteringRecordId);
    expect(resultsOf(batch(two, context)).map((r) => r.MeteringRecordId)).toEqual(first);
    const subset = resultsOf(batch([two[1]], context));
    expect(subset[0].Status).toBe('Success');
    expect(subset[0].MeteringRecordId).not.toBe(first[1]);
    expect(bed.ledger.records()).toHaveLength(3);
  });

  test('batch-unprocessed-invalid-records: an unknown dimension goes to UnprocessedRecords instead of failing the request', () => {
    const mixed = [usageRecord(), usageRecord({ Dimension: 'NoSuchDimension' })];
    expect(batch(mixed, ctx()).error?.type).toBe('InvalidUsageDimensionException');
    const answer = batch(mixed, ctx('batch-unprocessed-invalid-records'));
    expect(resultsOf(answer).map((r) => r.Status)).toEqual(['Success']);
    expect(answer.output?.UnprocessedRecords).toEqual([mixed[1]]);
  });
});
