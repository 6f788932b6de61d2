// BatchMeterUsage semantics of the reference emulator, through its operation pipeline with
// a fixed clock (window and month-end boundaries are exact).
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SPECS_DIR } from '../core/paths.js';
import { loadModel, type ServiceModel } from '../core/model.js';
import { ServiceError } from '../emulator/errors.js';
import { runOperation } from '../emulator/operations.js';
import { fixtures, HOUR, NOW, operationTestbed, seconds } from './support/operation-testbed.js';

const history = (date: string): ServiceModel => loadModel(join(SPECS_DIR, 'history', `service-2.${date}.json`));

// Default fixture customers.
const LEGACY = 'mc-legacy-subscribed-0001';
const LEGACY_UNSUBSCRIBED = 'mc-legacy-unsubscribed-0002';
const NEW_ACCOUNT = '444455556666';
const NEW_LICENSE = fixtures.customers.find((c) => c.accountId === NEW_ACCOUNT)!.licenseArn!;
const LEGACY_LICENSE = fixtures.customers.find((c) => c.identifier === LEGACY)!.licenseArn!;
const UNSUBSCRIBED_ACCOUNT = '123456789012';
const SAAS = 'conformance-saas-1';

const bed = operationTestbed('SELLER-A');
const ctx = bed.ctx;

type Rec = Record<string, unknown>;
const legacy = (o: Rec = {}): Rec => ({ CustomerIdentifier: LEGACY, Dimension: 'Requests', Quantity: 4, Timestamp: seconds(NOW - 10 * 60_000), ...o });
const modern = (o: Rec = {}): Rec => ({ CustomerAWSAccountId: NEW_ACCOUNT, LicenseArn: NEW_LICENSE, Dimension: 'Requests', Quantity: 4, Timestamp: seconds(NOW - 10 * 60_000), ...o });

interface Result {
  UsageRecord: Rec;
  MeteringRecordId?: string;
  Status: string;
}

function batch(body: Rec | string, context = ctx()): { results?: Result[]; unprocessed?: Rec[]; error?: ServiceError } {
  try {
    const out = runOperation('BatchMeterUsage', Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), context);
    return { results: out.Results as Result[], unprocessed: out.UnprocessedRecords as Rec[] };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { error };
  }
}

function errorOf(outcome: ReturnType<typeof batch>): string {
  expect(outcome.results, 'expected a whole-request error').toBeUndefined();
  return outcome.error!.type;
}

function statuses(outcome: ReturnType<typeof batch>): string[] {
  expect(outcome.error).toBeUndefined();
  return outcome.results!.map((r) => r.Status);
}

describe('BatchMeterUsage: processed records', () => {
  test('legacy, account+license and account+product records succeed; results echo the records in order', () => {
    const records = [legacy(), modern({ Dimension: 'ActiveUsers' }), { CustomerAWSAccountId: NEW_ACCOUNT, Dimension: 'StorageGb', Quantity: 1, Timestamp: seconds(NOW - HOUR) }];
    const out = batch({ ProductCode: SAAS, UsageRecords: records.slice(0, 1) });
    expect(statuses(out)).toEqual(['Success']);
    const rest = batch({ ProductCode: SAAS, UsageRecords: [records[2]] });
    expect(statuses(rest)).toEqual(['Success']);
    const licensed = batch({ UsageRecords: [records[1]] });
    expect(statuses(licensed)).toEqual(['Success']);
    expect(out.results![0].UsageRecord).toEqual(records[0]);
    expect(licensed.results![0].UsageRecord).toEqual(records[1]);
    expect(out.unprocessed).toEqual([]);
    for (const r of [...out.results!, ...rest.results!, ...licensed.results!]) expect(r.MeteringRecordId).toMatch(/^[0-9a-f-]{36}$/);
    const stored = bed.ledger.records('SELLER-A');
    expect(stored).toHaveLength(3);
    expect(stored[0]).toMatchObject({ operation: 'BatchMeterUsage', productCode: SAAS, customerIdentifier: LEGACY, quantity: 4 });
    expect(stored[2]).toMatchObject({ customerAWSAccountId: NEW_ACCOUNT, licenseArn: NEW_LICENSE });
  });

  test('an empty batch → empty Results and UnprocessedRecords', () => {
    const out = batch({ ProductCode: SAAS, UsageRecords: [] });
    expect(out).toEqual({ results: [], unprocessed: [] });
  });

  test('25 records are accepted; 26 → ValidationException at /UsageRecords', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => legacy({ Timestamp: seconds(NOW - i * 50 * 60_000) }));
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: many(25) }))).toHaveLength(25);
    const over = batch({ ProductCode: SAAS, UsageRecords: many(26) });
    expect(errorOf(over)).toBe('ValidationException');
    expect(over.error!.message).toContain("'/UsageRecords'");
  });

  test('unsubscribed or unknown accounts → CustomerNotSubscribed, no id, nothing recorded', () => {
    const out = batch({
      ProductCode: SAAS,
      UsageRecords: [legacy({ CustomerIdentifier: LEGACY_UNSUBSCRIBED }), { CustomerAWSAccountId: UNSUBSCRIBED_ACCOUNT, Dimension: 'Requests', Timestamp: seconds(NOW) }, { CustomerAWSAccountId: '999999999999', Dimension: 'Requests', Timestamp: seconds(NOW) }, legacy()],
    });
    expect(statuses(out)).toEqual(['CustomerNotSubscribed', 'CustomerNotSubscribed', 'CustomerNotSubscribed', 'Success']);
    expect(out.results!.slice(0, 3).every((r) => r.MeteringRecordId === undefined)).toBe(true);
    expect(bed.ledger.records()).toHaveLength(1);
  });

  test('an empty CustomerIdentifier or ProductCode counts as absent', () => {
    expect(statuses(batch({ ProductCode: '', UsageRecords: [modern({ CustomerIdentifier: '' })] }))).toEqual(['Success']);
    expect(errorOf(batch({ ProductCode: '', UsageRecords: [legacy()] }))).toBe('ValidationException');
  });
});

describe('BatchMeterUsage: whole-request errors (nothing recorded)', () => {
  const cases: [string, Rec, string][] = [
    ['both customer ids', { ProductCode: SAAS, UsageRecords: [legacy(), legacy({ CustomerAWSAccountId: NEW_ACCOUNT })] }, 'ValidationException'],
    ['neither customer id', { ProductCode: SAAS, UsageRecords: [legacy(), { Dimension: 'Requests', Timestamp: seconds(NOW) }] }, 'ValidationException'],
    ['no ProductCode and no LicenseArn', { UsageRecords: [legacy()] }, 'ValidationException'],
    ['unknown ProductCode', { ProductCode: 'nope', UsageRecords: [legacy()] }, 'InvalidProductCodeException'],
    ['an AMI product code', { ProductCode: 'conformance-ami-1', UsageRecords: [legacy({ Dimension: 'Hours' })] }, 'InvalidProductCodeException'],
    ['unknown dimension', { ProductCode: SAAS, UsageRecords: [legacy(), legacy({ Dimension: 'Hours' })] }, 'InvalidUsageDimensionException'],
    ['unknown CustomerIdentifier', { ProductCode: SAAS, UsageRecords: [legacy(), legacy({ CustomerIdentifier: 'mc-nobody' })] }, 'InvalidCustomerIdentifierException'],
    ['unknown LicenseArn', { UsageRecords: [modern({ LicenseArn: 'arn:aws:license-manager::444455556666:license:l-ffffffffffffffffffffffffffffffff' })] }, 'InvalidLicenseException'],
    ['a license of another customer', { UsageRecords: [modern({ LicenseArn: LEGACY_LICENSE })] }, 'InvalidLicenseException'],
    ['a license of another product than ProductCode', { ProductCode: 'conformance-ami-1', UsageRecords: [modern()] }, 'InvalidLicenseException'],
    ['allocations that do not add up', { ProductCode: SAAS, UsageRecords: [legacy({ Quantity: 4, UsageAllocations: [{ AllocatedUsageQuantity: 3 }] })] }, 'InvalidUsageAllocationsException'],
    ['six tags', { ProductCode: SAAS, UsageRecords: [legacy({ Quantity: 1, UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: Array.from({ length: 6 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }] })] }, 'InvalidTagException'],
    ['a bad account id', { ProductCode: SAAS, UsageRecords: [{ CustomerAWSAccountId: '12ab', Dimension: 'Requests', Timestamp: seconds(NOW) }] }, 'ValidationException'],
    ['a string timestamp', { ProductCode: SAAS, UsageRecords: [legacy({ Timestamp: '2026-07-15T12:00:00Z' })] }, 'SerializationException'],
  ];
  test.each(cases)('%s', (_name, body, type) => {
    expect(errorOf(batch(body))).toBe(type);
    expect(bed.ledger.records()).toEqual([]);
  });

  test('LicenseArn with its own ProductCode is accepted', () => {
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [modern()] }))).toEqual(['Success']);
  });
});

describe('BatchMeterUsage: time window', () => {
  test('latest model: under 24 h accepted; 24 h or more, or over 5 min ahead, rejects the whole batch', () => {
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Timestamp: seconds(NOW - 24 * HOUR + 1) }), legacy({ Dimension: 'ActiveUsers', Timestamp: seconds(NOW + 5 * 60_000) })] }))).toEqual(['Success', 'Success']);
    for (const ts of [NOW - 24 * HOUR, NOW + 5 * 60_000 + 1]) {
      const out = batch({ ProductCode: SAAS, UsageRecords: [legacy({ Dimension: 'StorageGb' }), legacy({ Timestamp: seconds(ts) })] });
      expect(errorOf(out)).toBe('TimestampOutOfBoundsException');
    }
    expect(bed.ledger.records()).toHaveLength(2);
  });

  test('models 2022-02-03 to 2026-02-26: 6 hours; earlier models: 1 hour', () => {
    for (const date of ['2022-02-03', '2026-02-26']) {
      const context = ctx({ model: history(date) });
      expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Timestamp: seconds(NOW - 6 * HOUR) })] }, context))).toEqual(['Success']);
      expect(errorOf(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Timestamp: seconds(NOW - 6 * HOUR - 1) })] }, context))).toBe('TimestampOutOfBoundsException');
    }
    const old = ctx({ model: history('2019-03-20') });
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Timestamp: seconds(NOW - HOUR) })] }, old))).toEqual(['Success']);
    expect(errorOf(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Timestamp: seconds(NOW - HOUR - 1) })] }, old))).toBe('TimestampOutOfBoundsException');
  });

  test('month end: previous-month records are accepted before 06:00 UTC on day 1 and rejected from 06:00', () => {
    const lastOfJuly = Date.UTC(2026, 6, 31, 23, 0, 0);
    const at = (nowMs: number, model?: ServiceModel) => ctx({ nowMs, ...(model ? { model } : {}) });
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Timestamp: seconds(lastOfJuly) })] }, at(Date.UTC(2026, 7, 1, 5, 59, 59))))).toEqual(['Success']);
    expect(errorOf(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Dimension: 'ActiveUsers', Timestamp: seconds(lastOfJuly) })] }, at(Date.UTC(2026, 7, 1, 6, 0, 0))))).toBe(
      'TimestampOutOfBoundsException',
    );
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Dimension: 'ActiveUsers', Timestamp: seconds(Date.UTC(2026, 7, 1, 0, 30)) })] }, at(Date.UTC(2026, 7, 1, 6, 0, 0))))).toEqual([
      'Success',
    ]);
    // The 2026-07-01 model has the 24-hour window but no month-end rule yet.
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Dimension: 'StorageGb', Timestamp: seconds(lastOfJuly) })] }, at(Date.UTC(2026, 7, 1, 7), history('2026-07-01'))))).toEqual([
      'Success',
    ]);
  });
});

describe('BatchMeterUsage: idempotency and duplicates', () => {
  const records = () => [legacy(), legacy({ Dimension: 'ActiveUsers', Quantity: 2 }), modern({ Dimension: 'StorageGb', UsageAllocations: [{ AllocatedUsageQuantity: 4, Tags: [{ Key: 'a', Value: '1' }] }] })];

  test('identical and subset retries return the same MeteringRecordIds and record nothing new', () => {
    const first = batch({ ProductCode: SAAS, UsageRecords: records() });
    const ids = first.results!.map((r) => r.MeteringRecordId);
    const again = batch({ ProductCode: SAAS, UsageRecords: records() });
    expect(again.results!.map((r) => r.MeteringRecordId)).toEqual(ids);
    const subset = batch({ ProductCode: SAAS, UsageRecords: [records()[2], records()[0]] });
    expect(subset.results!.map((r) => r.MeteringRecordId)).toEqual([ids[2], ids[0]]);
    expect(statuses(subset)).toEqual(['Success', 'Success']);
    expect(bed.ledger.records()).toHaveLength(3);
  });

  test('same customer, dimension and hour with another quantity → DuplicateRecord (also inside one batch)', () => {
    batch({ ProductCode: SAAS, UsageRecords: [legacy()] });
    const out = batch({ ProductCode: SAAS, UsageRecords: [legacy({ Quantity: 5, Timestamp: seconds(Date.UTC(2026, 6, 15, 12, 0)) })] });
    expect(statuses(out)).toEqual(['DuplicateRecord']);
    expect(out.results![0].MeteringRecordId).toBeUndefined();
    const inOne = batch({ ProductCode: SAAS, UsageRecords: [legacy({ Dimension: 'StorageGb' }), legacy({ Dimension: 'StorageGb' }), legacy({ Dimension: 'StorageGb', Quantity: 9 })] });
    expect(statuses(inOne)).toEqual(['Success', 'Success', 'DuplicateRecord']);
    expect(inOne.results![0].MeteringRecordId).toBe(inOne.results![1].MeteringRecordId);
    expect(bed.ledger.records()).toHaveLength(2);
  });

  test('ProductCode-keyed and LicenseArn-keyed records do not dedupe against each other; callers are isolated', () => {
    batch({ ProductCode: SAAS, UsageRecords: [legacy()] });
    expect(statuses(batch({ UsageRecords: [legacy({ LicenseArn: LEGACY_LICENSE, Quantity: 7 })] }))).toEqual(['Success']);
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Quantity: 8 })] }, ctx({ caller: 'SELLER-B' })))).toEqual(['Success']);
    expect(bed.ledger.records('SELLER-A')).toHaveLength(2);
  });
});

describe('BatchMeterUsage fault modes', () => {
  test('batch-new-ids-on-retry', () => {
    const context = ctx({ faultNames: ['batch-new-ids-on-retry'] });
    const a = batch({ ProductCode: SAAS, UsageRecords: [legacy()] }, context);
    const b = batch({ ProductCode: SAAS, UsageRecords: [legacy()] }, context);
    expect(b.results![0].MeteringRecordId).not.toBe(a.results![0].MeteringRecordId);
    expect(bed.ledger.records()).toHaveLength(2);
  });

  test('batch-accept-conflicting-quantity', () => {
    const context = ctx({ faultNames: ['batch-accept-conflicting-quantity'] });
    batch({ ProductCode: SAAS, UsageRecords: [legacy()] }, context);
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Quantity: 9 })] }, context))).toEqual(['Success']);
  });

  test('batch-bill-unsubscribed', () => {
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ CustomerIdentifier: LEGACY_UNSUBSCRIBED })] }, ctx({ faultNames: ['batch-bill-unsubscribed'] })))).toEqual(['Success']);
  });

  test('batch-partial-timestamp-rejection', () => {
    const stale = legacy({ Timestamp: seconds(NOW - 30 * HOUR) });
    const out = batch({ ProductCode: SAAS, UsageRecords: [legacy(), stale] }, ctx({ faultNames: ['batch-partial-timestamp-rejection'] }));
    expect(statuses(out)).toEqual(['Success']);
    expect(out.unprocessed).toEqual([stale]);
  });

  test('batch-ignore-month-end', () => {
    const context = ctx({ nowMs: Date.UTC(2026, 7, 1, 7), faultNames: ['batch-ignore-month-end'] });
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Timestamp: seconds(Date.UTC(2026, 6, 31, 23)) })] }, context))).toEqual(['Success']);
  });

  test('far-away timestamps are a TimestampOutOfBoundsException, not a crash', () => {
    for (const ts of [1e20, -1e20, 8.64e13]) expect(errorOf(batch({ ProductCode: SAAS, UsageRecords: [legacy({ Timestamp: ts })] }))).toBe('TimestampOutOfBoundsException');
  });

  test('batch-accept-oversize', () => {
    const many = Array.from({ length: 26 }, (_, i) => legacy({ Timestamp: seconds(NOW - i * 50 * 60_000) }));
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: many }, ctx({ faultNames: ['batch-accept-oversize'] })))).toHaveLength(26);
  });

  test('accept-both-customer-ids', () => {
    expect(statuses(batch({ ProductCode: SAAS, UsageRecords: [legacy({ CustomerAWSAccountId: '111122223333' })] }, ctx({ faultNames: ['accept-both-customer-ids'] })))).toEqual(['Success']);
  });
});
