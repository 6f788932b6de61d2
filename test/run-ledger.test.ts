// The run-wide ledger of a target without a clean ledger (suites/harness/run-ledger.ts): the keys
// it reads from requests in every form, the records it learns from answers, and which answers it
// explains by what another property run (or the time before the run) did.
import { describe, expect, test } from 'vitest';
import { hourStart } from '../core/calendar.js';
import { loadFixtures, DEFAULT_FIXTURES_PATH } from '../emulator/fixtures.js';
import { meterUsagePayload } from '../generators/key-steering.js';
import { KeyTaken, RunLedger } from '../suites/harness/run-ledger.js';
import { PropertyRun } from '../suites/harness/rule.js';
import type { Outcome, Target } from '../target/types.js';

const fixtures = loadFixtures(DEFAULT_FIXTURES_PATH);
const at = new Date('2026-12-07T13:20:05Z');
const hour = hourStart(at.getTime());
const meterUsage = { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', Timestamp: at, UsageQuantity: 3 };

const base = { headers: {}, retries: 0, exchange: { request: { method: 'POST', url: 'http://127.0.0.1/', headers: {}, body: '' } } };
const success = (output: Record<string, unknown> = { MeteringRecordId: 'r-1' }): Outcome => ({ ...base, kind: 'success', status: 200, output });
const error = (errorType: string, status = 400): Outcome => ({ ...base, kind: 'error', status, errorType });

/** Sends `body` as property run `run` and learns the answer, as PropertyRun does. */
function exchange(ledger: RunLedger, run: number, operation: string, body: unknown, outcome: Outcome | undefined, caller = 0): boolean {
  const first = ledger.firstSends(ledger.keysOf(operation, body, caller));
  return ledger.learn(run, caller, operation, body, first, outcome);
}

describe('the keys of a request', () => {
  const ledger = new RunLedger(fixtures);

  test('a MeterUsage key is caller and product, dimension and hour, whether the instant is a Date, epoch seconds or a string', () => {
    const [key] = ledger.keysOf('MeterUsage', meterUsage, 0);
    expect(key).toBe(JSON.stringify(['MeterUsage', '0:conformance-ami-1', 'Hours', hour]));
    expect(ledger.keysOf('MeterUsage', { ...meterUsage, Timestamp: at.getTime() / 1000 }, 0)).toEqual([key]);
    expect(ledger.keysOf('MeterUsage', { ...meterUsage, Timestamp: at.toISOString() }, 0)).toEqual([key]);
    expect(ledger.keysOf('MeterUsage', { ...meterUsage, Timestamp: String(at.getTime()) }, 0)).toEqual([key]);
    expect(ledger.keysOf('MeterUsage', { ...meterUsage, Timestamp: new Date(hour - 1) }, 0)).not.toEqual([key]);
  });

  test('a usage record is keyed by its customer account however it names the customer', () => {
    const customer = fixtures.customers.find((c) => c.identifier !== undefined && c.licenseArn !== undefined)!;
    const record = { Dimension: 'Requests', Timestamp: at };
    const keys = ledger.keysOf('BatchMeterUsage', {
      UsageRecords: [
        { ...record, CustomerAWSAccountId: customer.accountId },
        { ...record, CustomerIdentifier: customer.identifier },
        { ...record, LicenseArn: customer.licenseArn },
      ],
    }, 0);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toBe(JSON.stringify(['BatchMeterUsage', customer.accountId, 'Requests', hour]));
  });

  test('a request without a readable key, another operation or no body has none', () => {
    expect(ledger.keysOf('MeterUsage', { ...meterUsage, Timestamp: 'not a time' }, 0)).toEqual([]);
    expect(ledger.keysOf('MeterUsage', { UsageDimension: 'Hours', Timestamp: at }, 0)).toEqual([]);
    expect(ledger.keysOf('RegisterUsage', meterUsage, 0)).toEqual([]);
    expect(ledger.keysOf('MeterUsage', undefined, 0)).toEqual([]);
  });
});

describe('what the ledger learns and explains', () => {
  test("a record is its maker's: another run meeting it as a duplicate is explained, the maker is judged", () => {
    const ledger = new RunLedger(fixtures);
    expect(exchange(ledger, 1, 'MeterUsage', meterUsage, success())).toBe(false);
    expect(ledger.meterUsage('conformance-ami-1', 'Hours', hour)).toBe(true);
    expect([...ledger.operationsRecordedBy(1)]).toEqual(['MeterUsage']);
    expect(exchange(ledger, 2, 'MeterUsage', { ...meterUsage, UsageQuantity: 4 }, error('DuplicateRequestException'))).toBe(true);
    expect(exchange(ledger, 1, 'MeterUsage', { ...meterUsage, UsageQuantity: 4 }, error('DuplicateRequestException'))).toBe(false);
    expect(ledger.operationsRecordedBy(2).size).toBe(0);
  });

  test('a run the target answers as the maker of a record (an identical request) stands where a clean ledger would have it', () => {
    const ledger = new RunLedger(fixtures);
    exchange(ledger, 1, 'MeterUsage', meterUsage, success());
    expect(exchange(ledger, 2, 'MeterUsage', meterUsage, success())).toBe(false);
    expect(exchange(ledger, 2, 'MeterUsage', { ...meterUsage, UsageQuantity: 9 }, error('DuplicateRequestException'))).toBe(false);
    // Taking a record over is not making one: the run used no fresh key.
    expect(ledger.operationsRecordedBy(2).size).toBe(0);
  });

  test("another run's record is known by the request that made it and its id; the run's own, or one taken over, is not another's", () => {
    const ledger = new RunLedger(fixtures);
    exchange(ledger, 1, 'MeterUsage', meterUsage, success({ MeteringRecordId: 'r-1' }));
    expect(ledger.heldElsewhere(2, 0, { ...meterUsage, UsageQuantity: 8 })).toEqual({ request: meterUsage, id: 'r-1' });
    expect(ledger.heldElsewhere(1, 0, meterUsage)).toBeUndefined();
    expect(ledger.meterUsageHolds('conformance-ami-1', 'Hours', hour, meterUsagePayload(3, undefined))).toBe(true);
    expect(ledger.meterUsageHolds('conformance-ami-1', 'Hours', hour, meterUsagePayload(4, undefined))).toBe(false);
    exchange(ledger, 2, 'MeterUsage', meterUsage, success({ MeteringRecordId: 'r-1' }));
    expect(ledger.heldElsewhere(2, 0, meterUsage)).toBeUndefined();
    // A key free, or recorded without an answer the ledger could read, holds nothing it can name.
    expect(ledger.heldElsewhere(2, 0, { ...meterUsage, UsageDimension: 'Users' })).toBeUndefined();
    exchange(ledger, 1, 'MeterUsage', { ...meterUsage, UsageDimension: 'Users' }, undefined);
    expect(ledger.heldElsewhere(2, 0, { ...meterUsage, UsageDimension: 'Users' })).toBeUndefined();
  });

  test('a rejection records nothing; a request that got no answer, or a 5xx, may have recorded', () => {
    const ledger = new RunLedger(fixtures);
    exchange(ledger, 1, 'MeterUsage', meterUsage, error('InvalidUsageAllocationsException'));
    expect(ledger.meterUsage('conformance-ami-1', 'Hours', hour)).toBe(false);
    exchange(ledger, 1, 'MeterUsage', meterUsage, error('InternalServiceErrorException', 500));
    expect(ledger.meterUsage('conformance-ami-1', 'Hours', hour)).toBe(true);
    const other = { ...meterUsage, UsageDimension: 'Users' };
    exchange(ledger, 1, 'MeterUsage', other, undefined);
    expect(ledger.meterUsage('conformance-ami-1', 'Users', hour)).toBe(true);
  });

  test('a duplicate of the first request on a key is explained by a record from before the run only as often as first requests were accepted', () => {
    const ledger = new RunLedger(fixtures);
    // A target answering every request as a duplicate: nothing explains it, the rule judges (and fails).
    expect(exchange(ledger, 1, 'MeterUsage', meterUsage, error('DuplicateRequestException'))).toBe(false);
    expect(exchange(ledger, 2, 'MeterUsage', { ...meterUsage, UsageDimension: 'Users' }, success())).toBe(false);
    expect(exchange(ledger, 3, 'MeterUsage', { ...meterUsage, UsageDimension: 'Gigabytes' }, error('DuplicateRequestException'))).toBe(true);
    expect(exchange(ledger, 4, 'MeterUsage', { ...meterUsage, ProductCode: 'conformance-container-1', UsageDimension: 'Tasks' }, error('DuplicateRequestException'))).toBe(false);
  });

  test('requests sent at once answer each other as duplicates: not explained by a record from before the run', () => {
    const ledger = new RunLedger(fixtures);
    exchange(ledger, 1, 'MeterUsage', { ...meterUsage, UsageDimension: 'Users' }, success());
    const keys = ledger.keysOf('MeterUsage', meterUsage, 0);
    const first = ledger.firstSends(keys);
    ledger.firstSends(keys);
    expect(ledger.learn(2, 0, 'MeterUsage', meterUsage, first, error('DuplicateRequestException'))).toBe(false);
  });

  test("a ClientToken conflict with another run's use of the token is explained; with the run's own, it is judged", () => {
    const ledger = new RunLedger(fixtures);
    exchange(ledger, 1, 'MeterUsage', { ...meterUsage, ClientToken: 't-1' }, success());
    const elsewhere = { ...meterUsage, UsageDimension: 'Users', ClientToken: 't-1' };
    expect(exchange(ledger, 2, 'MeterUsage', elsewhere, error('IdempotencyConflictException'))).toBe(true);
    expect(exchange(ledger, 1, 'MeterUsage', elsewhere, error('IdempotencyConflictException'))).toBe(false);
    // A token is not a duplicate key: it uses none up.
    expect([...ledger.operationsRecordedBy(1)]).toEqual(['MeterUsage']);
  });

  test('batch results: Success records, DuplicateRecord of another run is explained, CustomerNotSubscribed records nothing', () => {
    const ledger = new RunLedger(fixtures);
    const [subscribed, unsubscribed] = [fixtures.customers.find((c) => c.subscribed)!, fixtures.customers.find((c) => !c.subscribed)!];
    const record = (accountId: string, Quantity: number) => ({ CustomerAWSAccountId: accountId, Dimension: 'Requests', Timestamp: at, Quantity });
    const batch = { ProductCode: 'conformance-saas-1', UsageRecords: [record(subscribed.accountId, 1), record(unsubscribed.accountId, 1)] };
    const results = (first: string) => ({
      Results: [
        { UsageRecord: { ...record(subscribed.accountId, 1), Timestamp: at.getTime() / 1000 }, Status: first, MeteringRecordId: 'b-1' },
        { UsageRecord: record(unsubscribed.accountId, 1), Status: 'CustomerNotSubscribed' },
      ],
    });
    expect(exchange(ledger, 1, 'BatchMeterUsage', batch, success(results('Success')))).toBe(false);
    expect([...ledger.operationsRecordedBy(1)]).toEqual(['BatchMeterUsage']);
    expect(ledger.batchRecord(subscribed.accountId, 'Requests', hour)).toBe(true);
    expect(ledger.batchRecord(unsubscribed.accountId, 'Requests', hour)).toBe(false);
    expect(exchange(ledger, 2, 'BatchMeterUsage', batch, success(results('DuplicateRecord')))).toBe(true);
    expect(exchange(ledger, 1, 'BatchMeterUsage', batch, success(results('DuplicateRecord')))).toBe(false);
    // Where a record's key stands for a run: its maker's own; another run's, known by how it was sent and its id.
    expect(ledger.usageRecordStanding(1, record(subscribed.accountId, 5))).toEqual({ kind: 'free' });
    expect(ledger.usageRecordStanding(3, record(subscribed.accountId, 5))).toEqual({ kind: 'held', held: { productCode: 'conformance-saas-1', record: record(subscribed.accountId, 1), id: 'b-1' } });
    expect(ledger.usageRecordStanding(3, record(unsubscribed.accountId, 5))).toEqual({ kind: 'free' });
    expect(ledger.usageRecordStanding(3, { ...record(subscribed.accountId, 5), Dimension: 'StorageGb' })).toEqual({ kind: 'free' });
  });

  test("a batch record's key: kept free for the rules that expect only rejections, or holding a record the ledger knows nothing of", () => {
    const ledger = new RunLedger(fixtures);
    const keptFree = { CustomerAWSAccountId: '444455556666', Dimension: 'StorageGb', Timestamp: at, Quantity: 1 };
    expect(ledger.usageRecordStanding(1, keptFree)).toEqual({ kind: 'kept-free' });
    // Sent on the wire (epoch seconds): its key holds a record, but not one to send again.
    const onWire = { CustomerAWSAccountId: '111122223333', Dimension: 'Requests', Timestamp: at.getTime() / 1000, Quantity: 1 };
    exchange(ledger, 1, 'BatchMeterUsage', { UsageRecords: [onWire] }, success({ Results: [{ UsageRecord: onWire, Status: 'Success', MeteringRecordId: 'b-2' }] }));
    expect(ledger.usageRecordStanding(2, { ...onWire, Timestamp: at })).toEqual({ kind: 'unknown' });
  });
});

describe('keys kept free for the rules that expect only rejections', () => {
  test("the last MeterUsage (product, dimension) and the last SaaS (customer, dimension) of every hour: taken for other rules' draws, free until recorded on", () => {
    const ledger = new RunLedger(fixtures);
    const reserved = { ProductCode: 'conformance-container-unsupported', UsageDimension: 'Tasks', Timestamp: at };
    expect(ledger.meterUsage('conformance-container-unsupported', 'Tasks', hour)).toBe(true);
    expect(ledger.meterUsage('conformance-container-unsupported', 'Tasks', hour - 3_600_000)).toBe(true);
    expect(ledger.meterUsage('conformance-ami-1', 'Hours', hour)).toBe(false);
    expect(ledger.batchRecord('444455556666', 'StorageGb', hour)).toBe(true);
    expect(ledger.batchRecord('111122223333', 'StorageGb', hour)).toBe(false);
    const keys = ledger.keysOf('MeterUsage', reserved, 0);
    expect(ledger.offLimits(keys, 'never')).toBe(keys[0]);
    expect(ledger.offLimits(keys, 'always')).toBeUndefined();
    expect(ledger.offLimits(ledger.keysOf('MeterUsage', meterUsage, 0), 'never')).toBeUndefined();
    // A target that wrongly accepts a rejected request records on it: no longer kept free.
    exchange(ledger, 1, 'MeterUsage', reserved, success());
    expect(ledger.offLimits(keys, 'never')).toBeUndefined();
  });
});

describe('the draws of a rule, and the keys kept free', () => {
  test('a negative rule draws on them; a control only once no other key of the hour is free; any other rule never', () => {
    const ledger = new RunLedger(fixtures);
    const reserved = (hourMs: number) => ledger.meterUsage('conformance-container-unsupported', 'Tasks', hourMs);
    ledger.drawFor('always');
    expect(reserved(hour)).toBe(false);
    ledger.drawFor('never');
    expect(reserved(hour)).toBe(true);
    ledger.drawFor('last');
    expect(reserved(hour)).toBe(true);
    // Every other meterable key of the hour recorded on: the control may have the kept-free one.
    const others = fixtures.products.filter((p) => p.kind !== 'saas' && p.entitled !== false).flatMap((p) => p.dimensions.map((d) => [p.code, d] as const));
    others.filter(([p, d]) => !(p === 'conformance-container-unsupported' && d === 'Tasks')).forEach(([p, d], i) => exchange(ledger, i + 1, 'MeterUsage', { ProductCode: p, UsageDimension: d, Timestamp: at }, success()));
    expect(reserved(hour)).toBe(false);
    expect(reserved(hour - 3_600_000)).toBe(true);
    ledger.drawFor('never');
    expect(reserved(hour)).toBe(true);
    const keys = ledger.keysOf('MeterUsage', { ProductCode: 'conformance-container-unsupported', UsageDimension: 'Tasks', Timestamp: at }, 0);
    expect(ledger.offLimits(keys, 'last')).toBeUndefined();
    expect(ledger.offLimits(keys, 'never')).toBe(keys[0]);
  });

  test('past its share of fresh keys, a negative rule keeps the kept-free keys (where a wrong acceptance shows); other rules keep off every fresh key', () => {
    const ledger = new RunLedger(fixtures, { now: () => at.getTime() });
    const free = ['conformance-ami-1', 'Hours'] as const;
    const keptFree = ['conformance-container-unsupported', 'Tasks'] as const;
    ledger.drawFor('always', 0, false);
    expect([ledger.meterUsage(...keptFree, hour), ledger.meterUsage(...free, hour)]).toEqual([false, true]);
    ledger.drawFor('last', 0, false);
    expect([ledger.meterUsage(...keptFree, hour), ledger.meterUsage(...free, hour)]).toEqual([true, true]);
    const keysOf = ([ProductCode, UsageDimension]: readonly [string, string]) => ledger.keysOf('MeterUsage', { ProductCode, UsageDimension, Timestamp: at }, 0);
    expect(ledger.offLimits(keysOf(keptFree), 'always', false)).toBeUndefined();
    expect(ledger.offLimits(keysOf(keptFree), 'last', false)).toBeDefined();
    expect(ledger.offLimits(keysOf(free), 'always', false)).toBeDefined();
  });
});

describe('shards against one target', () => {
  test('share out the (product or customer, dimension) pairs: each key is one shard\'s, and the others leave it alone', () => {
    const shards = [1, 2, 3].map((index) => new RunLedger(fixtures, { shard: { index, count: 3 } }));
    const products = fixtures.products.filter((p) => p.kind !== 'saas' && p.entitled !== false);
    const requests = products.flatMap((p) => p.dimensions.map((d) => ({ ProductCode: p.code, UsageDimension: d, Timestamp: at })));
    for (const request of requests) {
      const keys = shards[0]!.keysOf('MeterUsage', request, 0);
      const owners = shards.filter((s) => s.offLimits(keys, 'always') === undefined);
      expect(owners, JSON.stringify(request)).toHaveLength(1);
      // Draws of the other shards are steered off it.
      for (const other of shards.filter((s) => s !== owners[0])) expect(other.meterUsage(request.ProductCode, request.UsageDimension, hour)).toBe(true);
    }
    // Each shard keeps one pair of its own free for the rules that expect only rejections.
    expect(shards.every((s) => requests.some((r) => s.offLimits(s.keysOf('MeterUsage', r, 0), 'never') !== undefined && s.offLimits(s.keysOf('MeterUsage', r, 0), 'always') === undefined))).toBe(true);
  });
});

describe('records to reuse once a rule has had its share of fresh keys', () => {
  test("another run's records the suites built, on this shard's keys and not kept free; none the run holds", () => {
    const ledger = new RunLedger(fixtures);
    const other = { ...meterUsage, UsageDimension: 'Users' };
    const onWire = { ...meterUsage, ProductCode: 'conformance-ami-2', Timestamp: at.getTime() / 1000 };
    const keptFree = { ProductCode: 'conformance-container-unsupported', UsageDimension: 'Tasks', Timestamp: at };
    exchange(ledger, 1, 'MeterUsage', meterUsage, success({ MeteringRecordId: 'r-1' }));
    exchange(ledger, 2, 'MeterUsage', other, success({ MeteringRecordId: 'r-2' }));
    exchange(ledger, 3, 'MeterUsage', onWire, success({ MeteringRecordId: 'r-3' }));
    exchange(ledger, 4, 'MeterUsage', keptFree, success({ MeteringRecordId: 'r-4' }));
    exchange(ledger, 5, 'MeterUsage', { ...meterUsage, ProductCode: 'conformance-container-1', UsageDimension: 'Tasks', ClientToken: 't-5' }, success({ MeteringRecordId: 'r-5' }));
    expect(ledger.heldRecords(9, 0).map((r) => r.id)).toEqual(['r-1', 'r-2']);
    expect(ledger.heldRecords(1, 0).map((r) => r.id)).toEqual(['r-2']);
    // An identical request accepted: run 9 took the record over, so it is its own.
    exchange(ledger, 9, 'MeterUsage', { ...other }, success({ MeteringRecordId: 'r-2' }));
    expect(ledger.heldRecords(9, 0).map((r) => r.id)).toEqual(['r-1']);
    const shard = new RunLedger(fixtures, { shard: { index: 2, count: 2 } });
    exchange(shard, 1, 'MeterUsage', meterUsage, success({ MeteringRecordId: 'r-1' }));
    exchange(shard, 2, 'MeterUsage', other, success({ MeteringRecordId: 'r-2' }));
    expect(shard.heldRecords(9, 0).length).toBe(1);
  });

  test('a run that may not record on fresh keys is kept off every key no run has recorded on where a conformant target may record', () => {
    const ledger = new RunLedger(fixtures, { now: () => at.getTime() });
    const keys = ledger.keysOf('MeterUsage', meterUsage, 0);
    expect(ledger.offLimits(keys, 'never', false)).toBe(keys[0]);
    expect(ledger.offLimits(keys, 'never', true)).toBeUndefined();
    exchange(ledger, 1, 'MeterUsage', meterUsage, success());
    expect(ledger.offLimits(keys, 'never', false)).toBeUndefined();
    // An unknown product, an hour past the windows, or one far ahead: nothing to spend there.
    for (const request of [
      { ...meterUsage, ProductCode: 'not-a-product' },
      { ...meterUsage, Timestamp: new Date(at.getTime() - 8 * 3_600_000) },
      { ...meterUsage, Timestamp: new Date(at.getTime() + 3 * 3_600_000) },
    ]) {
      expect(ledger.offLimits(ledger.keysOf('MeterUsage', request, 0), 'never', false)).toBeUndefined();
    }
    expect(ledger.offLimits(ledger.keysOf('MeterUsage', { ...meterUsage, Timestamp: new Date(at.getTime() - 6 * 3_600_000) }, 0), 'never', false)).toBeDefined();
    // A batch record's window reaches a day back.
    const record = (hoursAgo: number) => ({ ProductCode: 'conformance-saas-1', UsageRecords: [{ CustomerAWSAccountId: '111122223333', Dimension: 'Requests', Timestamp: new Date(at.getTime() - hoursAgo * 3_600_000), Quantity: 1 }] });
    expect(ledger.offLimits(ledger.keysOf('BatchMeterUsage', record(20), 0), 'never', false)).toBeDefined();
    expect(ledger.offLimits(ledger.keysOf('BatchMeterUsage', record(27), 0), 'never', false)).toBeUndefined();
  });
});

describe('declared callers: a MeterUsage key per caller', () => {
  test("one caller's record leaves the same product, dimension and hour free for another", () => {
    const ledger = new RunLedger(fixtures, { callers: 3 });
    expect(ledger.keysOf('MeterUsage', meterUsage, 0)).not.toEqual(ledger.keysOf('MeterUsage', meterUsage, 1));
    // A batch record names no caller: its key is the same whoever sends it.
    const batch = { ProductCode: 'conformance-saas-1', UsageRecords: [{ CustomerAWSAccountId: '111122223333', Dimension: 'Users', Timestamp: at, Quantity: 1 }] };
    expect(ledger.keysOf('BatchMeterUsage', batch, 0)).toEqual(ledger.keysOf('BatchMeterUsage', batch, 2));
    exchange(ledger, 1, 'MeterUsage', meterUsage, success(), 0);
    ledger.drawFor('never', 0);
    expect(ledger.meterUsage(meterUsage.ProductCode, meterUsage.UsageDimension, hour)).toBe(true);
    ledger.drawFor('never', 1);
    expect(ledger.meterUsage(meterUsage.ProductCode, meterUsage.UsageDimension, hour)).toBe(false);
    // Another caller's identical request is a first request on its own key: not another run's duplicate.
    expect(exchange(ledger, 2, 'MeterUsage', meterUsage, success({ MeteringRecordId: 'r-2' }), 1)).toBe(false);
    expect(ledger.heldElsewhere(3, 0, meterUsage)?.id).toBe('r-1');
    expect(ledger.heldElsewhere(3, 1, meterUsage)?.id).toBe('r-2');
    expect(ledger.heldElsewhere(3, 2, meterUsage)).toBeUndefined();
  });

  test('a run that may record on fresh keys signs as the caller with the fewest MeterUsage records, one that may not as the one with the most; each reuses only its own records', () => {
    const ledger = new RunLedger(fixtures, { callers: 3 });
    expect([ledger.callerFor(true), ledger.callerFor(false)]).toEqual([0, 0]);
    exchange(ledger, 1, 'MeterUsage', meterUsage, success(), 0);
    expect([ledger.callerFor(true), ledger.callerFor(false)]).toEqual([1, 0]);
    exchange(ledger, 2, 'MeterUsage', { ...meterUsage, UsageDimension: 'Users' }, success({ MeteringRecordId: 'r-2' }), 1);
    exchange(ledger, 2, 'MeterUsage', { ...meterUsage, UsageDimension: 'Gigabytes' }, success({ MeteringRecordId: 'r-4' }), 1);
    expect([ledger.callerFor(true), ledger.callerFor(false)]).toEqual([2, 1]);
    exchange(ledger, 3, 'MeterUsage', meterUsage, success({ MeteringRecordId: 'r-3' }), 2);
    expect(ledger.callerFor(true)).toBe(0);
    expect(ledger.heldRecords(9, 1).map((r) => r.id)).toEqual(['r-2', 'r-4']);
    expect(ledger.heldRecords(9, 0).map((r) => r.id)).toEqual(['r-1']);
  });

  test('the supply counts every caller: three times the keys of one', () => {
    expect(new RunLedger(fixtures, { callers: 3 }).supply()).toMatch(/may use 21 MeterUsage \(caller, product, dimension\) keys \(3 callers\)/);
  });
});

describe('the key supply, for a rule that ran out of fresh keys', () => {
  test('counts the keys an hour the fixtures give this shard and those the run recorded on', () => {
    const ledger = new RunLedger(fixtures);
    expect(ledger.supply()).toBe(
      'the run (or its shard) may use 7 MeterUsage (caller, product, dimension) keys (1 caller) and 6 BatchMeterUsage (customer, dimension) keys an hour (one MeterUsage and one BatchMeterUsage kept free for the rules that expect only rejections); the run had recorded on 0 MeterUsage and 0 BatchMeterUsage keys',
    );
    exchange(ledger, 1, 'MeterUsage', { ...meterUsage, ClientToken: 't-1' }, success());
    expect(ledger.supply()).toMatch(/recorded on 1 MeterUsage and 0 BatchMeterUsage keys$/);
    expect(new RunLedger(fixtures, { shard: { index: 1, count: 2 } }).supply()).toMatch(/may use 4 MeterUsage \(caller, product, dimension\) keys \(1 caller\) and 3 BatchMeterUsage/);
  });
});

describe('a request a conformant target must reject, on a key another run holds', () => {
  const batch = { ProductCode: 'conformance-saas-1', UsageRecords: [{ CustomerAWSAccountId: '111122223333', Dimension: 'Requests', Timestamp: at, Quantity: 1 }] };
  const duplicateRecord = success({ Results: [{ UsageRecord: batch.UsageRecords[0], Status: 'DuplicateRecord' }], UnprocessedRecords: [] });
  /** A property run (number 2) of a rule that needs a clean ledger, on a ledger where run 1 recorded the batch's key; the target answers `answer`. */
  function heldKeyRun(answer: Outcome): PropertyRun {
    const ledger = new RunLedger(fixtures, { now: () => at.getTime() });
    exchange(ledger, 1, 'BatchMeterUsage', batch, success({ Results: [{ UsageRecord: batch.UsageRecords[0], Status: 'Success', MeteringRecordId: 'r-1' }], UnprocessedRecords: [] }));
    const target = { driver: 'raw', call: async () => answer, close: async () => undefined } as unknown as Target;
    return new PropertyRun(target, { accessKeyId: 'K', secretAccessKey: 'S' }, { ledger, run: 2, caller: 0, guarded: true, reserve: 'always', reuse: false, drawOff: () => undefined });
  }

  test('an acceptance is judged (it fails on any ledger); a duplicate answer sent as an ordinary call, or a rejection explained so, ends the run unjudged', async () => {
    expect(await heldKeyRun(duplicateRecord).callToBeRejected('BatchMeterUsage', batch)).toBe(duplicateRecord);
    await expect(heldKeyRun(duplicateRecord).call('BatchMeterUsage', batch)).rejects.toBeInstanceOf(KeyTaken);
    const meterUsageDuplicate = error('DuplicateRequestException');
    const ledger = new RunLedger(fixtures, { now: () => at.getTime() });
    exchange(ledger, 1, 'MeterUsage', meterUsage, success());
    const target = { driver: 'raw', call: async () => meterUsageDuplicate, close: async () => undefined } as unknown as Target;
    const run = new PropertyRun(target, { accessKeyId: 'K', secretAccessKey: 'S' }, { ledger, run: 2, caller: 0, guarded: true, reserve: 'always', reuse: false, drawOff: () => undefined });
    // A 4xx DuplicateRequestException would pass a "must reject" check it may owe to the other run's record.
    await expect(run.callToBeRejected('MeterUsage', { ...meterUsage, UsageQuantity: -1 })).rejects.toBeInstanceOf(KeyTaken);
  });
});
