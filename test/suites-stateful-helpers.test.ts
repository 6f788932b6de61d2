// The pure helpers behind the idempotency, stateful, concurrency and window suites: the ledger
// model's keys, pairing batch results with records, the accepted range, and the observations
// (answers per situation, the window cut-off summary) that implementation-defined rules record.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { HOUR_MS, hourStart, monthStart } from '../core/calendar.js';
import { acceptedRange, sameHourPair, type UsageRecord } from '../generators/index.js';
import type { TargetFixtures } from '../core/description.js';
import type { SuccessOutcome } from '../target/types.js';
import { CutoffProbe, formatDistance, Observations, outcomeText } from '../suites/harness/observations.js';
import { pairBatchResults } from '../suites/stateful/batch-results.js';
import { LedgerModel } from '../suites/stateful/ledger-model.js';
import type { Outcome } from '../target/types.js';

const fixtures: TargetFixtures = {
  products: [{ code: 'saas-1', kind: 'saas', dimensions: ['Requests'] }],
  customers: [{ identifier: 'cust-1', accountId: '111122223333', productCode: 'saas-1', licenseArn: 'arn:aws:license-manager::111122223333:license:l-1', subscribed: true }],
  tokens: [],
  registrations: [],
};

const success = (output: Record<string, unknown>): SuccessOutcome => ({
  kind: 'success',
  status: 200,
  headers: {},
  retries: 0,
  exchange: { request: { method: 'POST', url: 'http://127.0.0.1/', headers: {}, body: '' } },
  output,
});

const at = Date.UTC(2026, 10, 22, 10, 30);
const records: UsageRecord[] = [
  { CustomerAWSAccountId: '111122223333', Dimension: 'Requests', Timestamp: new Date(at), Quantity: 1 },
  { CustomerIdentifier: 'cust-1', Dimension: 'Requests', Timestamp: new Date(at + 1500), Quantity: 2 },
];

describe('pairing batch results with records', () => {
  test('echoed results pair by their UsageRecord, whatever their order and timestamp encoding', () => {
    const answer = success({
      Results: [
        { UsageRecord: { ...records[1], Timestamp: (at + 1500) / 1000 }, MeteringRecordId: 'b', Status: 'Success' },
        { UsageRecord: { ...records[0], Timestamp: new Date(at) }, MeteringRecordId: 'a', Status: 'Success' },
      ],
      UnprocessedRecords: [],
    });
    const paired = pairBatchResults(records, answer);
    expect(Array.isArray(paired) && paired.map((r) => r?.MeteringRecordId)).toEqual(['a', 'b']);
  });

  test('results without echoes pair by position; unprocessed records pair with nothing', () => {
    expect(pairBatchResults(records, success({ Results: [{ MeteringRecordId: 'a' }, { MeteringRecordId: 'b' }] }))).toEqual([{ MeteringRecordId: 'a' }, { MeteringRecordId: 'b' }]);
    const partial = pairBatchResults(records, success({ Results: [{ UsageRecord: records[1], MeteringRecordId: 'b' }], UnprocessedRecords: [records[0]] }));
    expect(partial).toEqual([undefined, { UsageRecord: records[1], MeteringRecordId: 'b' }]);
  });

  test('an answer that does not partition the records, or echoes a stranger, is named', () => {
    expect(pairBatchResults(records, success({ Results: [{ UsageRecord: records[0] }] }))).toMatch(/partitioning the 2 records/);
    const stranger = { ...records[0], Dimension: 'Other' };
    expect(pairBatchResults(records, success({ Results: [{ UsageRecord: stranger }, { UsageRecord: records[1] }] }))).toMatch(/naming a record/);
  });
});

describe('the ledger model', () => {
  test('MeterUsage keys on product, dimension and hour', () => {
    const model = new LedgerModel(fixtures);
    const request = { ProductCode: 'p', UsageDimension: 'd', UsageQuantity: 1, Timestamp: new Date(at) };
    model.recordMeterUsage({ ...request, ClientToken: 't' }, 'id-1');
    expect(model.meterUsageAt({ ...request, Timestamp: new Date(hourStart(at) + HOUR_MS - 1) })?.id).toBe('id-1');
    expect(model.meterUsageAt({ ...request, Timestamp: new Date(hourStart(at) + HOUR_MS) })).toBeUndefined();
    expect(model.tokenUsed('t')).toBe(true);
    expect(model.quantities.get('id-1')).toBe(1);
  });

  test('a batch record blocks fresh records of the same customer, dimension and hour, however the customer is named', () => {
    const model = new LedgerModel(fixtures);
    model.recordBatch([{ record: records[0], productCode: 'saas-1', id: 'r-1' }]);
    expect(model.batchEntryAt(records[1])?.id).toBe('r-1');
    expect(model.batchEntryAt({ LicenseArn: fixtures.customers[0].licenseArn, CustomerAWSAccountId: '111122223333', Dimension: 'Requests', Timestamp: new Date(at + 60_000) })?.id).toBe('r-1');
    expect(model.batchEntryAt({ ...records[0], Timestamp: new Date(at + HOUR_MS) })).toBeUndefined();
  });
});

describe('timestamps every reading accepts', () => {
  // In the first second of a month no two instants are accepted (sameHourPair says so).
  const notFirstSecond = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }).filter((now) => now - monthStart(now) >= 2000);

  test('in the first second of a month there is no pair, and the error says why', () => {
    expect(() => sameHourPair(Date.UTC(2026, 0, 1) + 5)).toThrow(/no two instants of one hour/);
  });

  test('same-hour pairs are distinct instants of one hour inside the last hour and the current month', () => {
    fc.assert(
      fc.property(notFirstSecond.chain((now) => fc.tuple(fc.constant(now), sameHourPair(now))), ([now, [a, b]]) => {
        const { from, to } = acceptedRange(now);
        expect(a.getTime()).not.toBe(b.getTime());
        expect(hourStart(a.getTime())).toBe(hourStart(b.getTime()));
        for (const t of [a.getTime(), b.getTime()]) {
          expect(t).toBeGreaterThanOrEqual(Math.max(from, monthStart(now)));
          expect(t).toBeLessThanOrEqual(to);
        }
      }),
      { numRuns: 200 },
    );
  });
});

const answer = (accepted: boolean): Outcome => (accepted ? success({}) : { ...success({}), kind: 'error', status: 400, errorType: 'TimestampOutOfBoundsException' });

describe('answers per situation', () => {
  const recorded = (seen: Observations): string[] => {
    const lines: string[] = [];
    seen.record({ observe: (line: string) => lines.push(line) });
    return lines;
  };

  test('a situation with one answer shows it plainly, however often it came', () => {
    const seen = new Observations();
    for (let i = 0; i < 3; i++) seen.add('stale timestamp', answer(false));
    seen.add('fresh timestamp', answer(true));
    expect(recorded(seen)).toEqual(['stale timestamp: HTTP 400 TimestampOutOfBoundsException', 'fresh timestamp: HTTP 200 accepted']);
  });

  test('a situation with several answers counts each, in the order they first came', () => {
    const seen = new Observations();
    seen.add('retry', 'the first MeteringRecordId');
    seen.add('retry', answer(false));
    seen.add('retry', 'the first MeteringRecordId');
    expect(recorded(seen)).toEqual(['retry: the first MeteringRecordId (2 of 3) or HTTP 400 TimestampOutOfBoundsException (1 of 3)']);
  });

  test('an error without a type says so', () => {
    expect(outcomeText({ ...success({}), kind: 'error', status: 403, errorType: '' })).toBe('HTTP 403 (no error type)');
  });
});

describe('window cut-off summaries', () => {
  test('a clean cut-off is reported between the farthest accepted and the nearest rejected distance', () => {
    const probe = new CutoffProbe();
    for (const [d, ok] of [[HOUR_MS, true], [6 * HOUR_MS, false], [3 * HOUR_MS, true], [7 * HOUR_MS, false]] as const) probe.add(d, answer(ok));
    expect(probe.summary('old')).toBe('accepted up to 3h old, rejected from 6h old (HTTP 400 TimestampOutOfBoundsException): the cut-off lies between');
  });

  test('answers that do not form one cut-off say so', () => {
    const probe = new CutoffProbe();
    for (const [d, ok] of [[HOUR_MS, false], [2 * HOUR_MS, true]] as const) probe.add(d, answer(ok));
    expect(probe.summary('ahead')).toMatch(/^no single cut-off: accepted up to 2h ahead, yet rejected at 1h/);
  });

  test('distances read as hours, minutes, seconds and milliseconds', () => {
    expect(formatDistance(6 * HOUR_MS - 1000)).toBe('5h59m59s');
    expect(formatDistance(61 * 60_000 + 5)).toBe('1h1m5ms');
    expect(formatDistance(0)).toBe('0s');
  });
});
