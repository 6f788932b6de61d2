// Domain scenarios: each generator produces what its name promises, within the model version's
// limits and from the fixtures it is given.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { monthStart as monthStartOf } from '../core/calendar.js';
import { SPECS_DIR } from '../core/paths.js';
import { faultSampleProblems, validSampleProblems } from '../generators/check.js';
import {
  acceptedMeterUsageTimestamp,
  allocationWithTagCount,
  allocationsNotSummingTo,
  allocationsSummingTo,
  batchNearSizeLimit,
  batchRequest,
  batchSizes,
  batchSubset,
  BATCH_BYTES,
  boundaryTimestamps,
  clientTokenReuse,
  customerIdentity,
  duplicateTagSetAllocations,
  edgeCharacterAllocations,
  farFutureTimestamp,
  futureTimestamp,
  HOUR_MS,
  identicalRetry,
  insideWindow,
  meterableProducts,
  meterUsageHasMember,
  meterUsageWithDuplicateTagKey,
  MINUTE_MS,
  monthCloseCases,
  recordWithOtherQuantity,
  sameKeyOtherQuantity,
  sameMinuteVariants,
  staleMeterUsageTimestamp,
  validMeterUsage,
  serializedBytes,
  staleTimestamp,
  tagCharacters,
  tagSetKey,
  timestampWindow,
  type MeterUsageInput,
  type UsageAllocation,
} from '../generators/index.js';
import { loadModel, ModelError } from '../core/model.js';
import { toWire } from '../generators/schemas.js';
import { EMPTY_FIXTURES, type TargetFixtures } from '../core/description.js';

const model = loadModel();
const history = (date: string) => loadModel(join(SPECS_DIR, 'history', `service-2.${date}.json`));
const RUNS = { numRuns: 40 };

const FIXTURES: TargetFixtures = {
  products: [
    { code: 'ami-prod', dimensions: ['cpu', 'gpu'], kind: 'ami' },
    { code: 'saas-prod', dimensions: ['users', 'storage'], kind: 'saas' },
  ],
  customers: [
    { accountId: '111111111111', identifier: 'cust-a', productCode: 'saas-prod', licenseArn: 'arn:aws:license-manager::111111111111:license/l-a', subscribed: true },
    { accountId: '222222222222', identifier: 'cust-b', productCode: 'saas-prod', subscribed: true },
    { accountId: '333333333333', productCode: 'saas-prod', licenseArn: 'arn:aws:license-manager::333333333333:license/l-c', subscribed: true },
    { accountId: '444444444444', identifier: 'cust-d', productCode: 'saas-prod', subscribed: false },
  ],
  tokens: [],
  registrations: [],
};

// Any clock of 2026, with month starts (the month close) weighted up.
const clock = fc.oneof(
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
  fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: -2 * HOUR_MS, max: 30 * HOUR_MS })).map(([month, offset]) => Date.UTC(2026, month, 1) + offset),
);
const sum = (allocations: UsageAllocation[]) => allocations.reduce((total, a) => total + a.AllocatedUsageQuantity, 0);
const allocationProblems = (m: typeof model, value: unknown) => validSampleProblems(m, 'UsageAllocations', value);

describe('timestamps', () => {
  test('windows follow the model version', () => {
    expect(timestampWindow(model, 'MeterUsage')).toEqual({ acceptWithinMs: HOUR_MS, rejectBeyondMs: 6 * HOUR_MS });
    expect(timestampWindow(model, 'BatchMeterUsage')).toEqual({ acceptWithinMs: 24 * HOUR_MS, rejectBeyondMs: 24 * HOUR_MS, monthCloseMs: 6 * HOUR_MS });
    expect(timestampWindow(history('2026-07-01'), 'BatchMeterUsage').monthCloseMs).toBeUndefined();
    expect(timestampWindow(history('2022-02-03'), 'BatchMeterUsage').acceptWithinMs).toBe(6 * HOUR_MS);
    expect(timestampWindow(history('2016-11-17'), 'BatchMeterUsage').acceptWithinMs).toBe(HOUR_MS);
    expect(() => timestampWindow(history('2016-03-17'), 'BatchMeterUsage')).toThrow(ModelError);
  });
  test('inside the window: not in the future, at least a margin from the start, never a closed month', () => {
    fc.assert(
      fc.property(clock.chain((now) => fc.tuple(fc.constant(now), insideWindow(now, timestampWindow(model, 'BatchMeterUsage')))), ([now, ts]) => {
        const age = now - ts.getTime();
        expect(age).toBeGreaterThanOrEqual(0);
        expect(age).toBeLessThanOrEqual(24 * HOUR_MS - MINUTE_MS);
        const monthStart = monthStartOf(now);
        if (now >= monthStart + 6 * HOUR_MS) expect(ts.getTime()).toBeGreaterThan(monthStart);
      }),
      { numRuns: 200 },
    );
  });
  test('boundaries: one second and one millisecond either side of each boundary age', () => {
    const now = Date.UTC(2026, 4, 10, 12);
    const cases = boundaryTimestamps(now, timestampWindow(model, 'MeterUsage'));
    expect(cases).toHaveLength(10);
    const ages = cases.map((c) => now - c.timestamp.getTime());
    expect(ages).toEqual(expect.arrayContaining([HOUR_MS - 1000, HOUR_MS - 1, HOUR_MS, HOUR_MS + 1, HOUR_MS + 1000, 6 * HOUR_MS + 1, 6 * HOUR_MS - 1000]));
    expect(boundaryTimestamps(now, timestampWindow(model, 'BatchMeterUsage'))).toHaveLength(5);
  });
  test('month close: clocks around 06:00 UTC on the 1st, with a record of the previous month', () => {
    const cases = monthCloseCases(Date.UTC(2026, 3, 15), timestampWindow(model, 'BatchMeterUsage'));
    expect(cases.map((c) => c.clockMs - Date.UTC(2026, 3, 1, 6))).toEqual([-1000, -1, 0, 1, 1000]);
    expect(cases.every((c) => c.timestamp.getTime() === Date.UTC(2026, 3, 1) - 1)).toBe(true);
    expect(monthCloseCases(Date.UTC(2026, 3, 15), timestampWindow(model, 'MeterUsage'))).toEqual([]);
  });
  test('stale timestamps are beyond the reject boundary plus the margin; future ones ahead of the clock', () => {
    fc.assert(
      fc.property(clock, fc.nat(), (now, seed) => {
        const window = timestampWindow(model, 'MeterUsage');
        const [stale] = fc.sample(staleTimestamp(now, window), { numRuns: 1, seed });
        expect(now - stale.getTime()).toBeGreaterThanOrEqual(6 * HOUR_MS + MINUTE_MS);
        const [ahead] = fc.sample(futureTimestamp(now), { numRuns: 1, seed });
        expect(ahead.getTime()).toBeGreaterThan(now);
        const [far] = fc.sample(farFutureTimestamp(now), { numRuns: 1, seed });
        expect(far.getTime() - now).toBeGreaterThan(HOUR_MS);
      }),
      { numRuns: 100 },
    );
  });
  test('same-minute variants: distinct instants of one minute, inside the window', () => {
    fc.assert(
      fc.property(clock.chain((now) => fc.tuple(fc.constant(now), sameMinuteVariants(now, timestampWindow(model, 'MeterUsage')))), ([now, variants]) => {
        expect(new Set(variants.map((d) => Math.floor(d.getTime() / MINUTE_MS))).size).toBe(1);
        expect(new Set(variants.map((d) => d.getTime())).size).toBe(variants.length);
        expect(variants.length).toBeGreaterThanOrEqual(2);
        for (const d of variants) expect(now - d.getTime()).toBeLessThanOrEqual(HOUR_MS - MINUTE_MS);
      }),
      { numRuns: 100 },
    );
  });
});

describe('usage allocations', () => {
  const total = fc.oneof(fc.constantFrom(0, 1, 2147483647), fc.integer({ min: 0, max: 2147483647 }));
  test('summing to the total: distinct tag sets, at most one untagged, model-valid', () => {
    fc.assert(
      fc.property(total.chain((t) => fc.tuple(fc.constant(t), allocationsSummingTo(model, t))), ([t, allocations]) => {
        expect(sum(allocations)).toBe(t);
        expect(new Set(allocations.map((a) => tagSetKey(a.Tags))).size).toBe(allocations.length);
        expect(allocationProblems(model, allocations)).toEqual([]);
      }),
      RUNS,
    );
  });
  test('not summing to the total, otherwise model-valid', () => {
    fc.assert(
      fc.property(total.chain((t) => fc.tuple(fc.constant(t), allocationsNotSummingTo(model, t))), ([t, allocations]) => {
        expect(sum(allocations)).not.toBe(t);
        expect(allocationProblems(model, allocations)).toEqual([]);
      }),
      RUNS,
    );
  });
  test.each([false, true])('duplicate tag sets (untagged: %s) while the sum is right', (untagged) => {
    fc.assert(
      fc.property(total.chain((t) => fc.tuple(fc.constant(t), duplicateTagSetAllocations(model, t, { untagged }))), ([t, allocations]) => {
        expect(sum(allocations)).toBe(t);
        const keys = allocations.map((a) => tagSetKey(a.Tags));
        expect(new Set(keys).size).toBe(keys.length - 1);
        expect(allocations.filter((a) => a.Tags === undefined).length).toBe(untagged ? 2 : 0);
        expect(allocationProblems(model, allocations)).toEqual([]);
      }),
      RUNS,
    );
  });
  test('no tags: a single untagged allocation', () => {
    const [only] = fc.sample(allocationsSummingTo(model, 7, { tags: 'none' }), 1);
    expect(only).toEqual([{ AllocatedUsageQuantity: 7 }]);
  });
  test('5 tags are valid; 6 break only the TagList maximum', () => {
    for (const allocations of fc.sample(allocationWithTagCount(model, 3, 5), 20)) {
      expect(allocations[0].Tags).toHaveLength(5);
      expect(allocationProblems(model, allocations)).toEqual([]);
    }
    for (const allocations of fc.sample(allocationWithTagCount(model, 3, 6), 20)) {
      expect(new Set(allocations[0].Tags!.map((t) => t.Key)).size).toBe(6);
      const request = { ProductCode: 'p', Timestamp: new Date(), UsageDimension: 'd', UsageQuantity: 3, UsageAllocations: allocations };
      expect(faultSampleProblems(model, 'MeterUsage', { path: 'UsageAllocations.member.Tags', constraint: 'max' }, request)).toEqual([]);
    }
  });
  test('tag characters come from the model pattern, with the edges of the ` -=` range', () => {
    const chars = tagCharacters(model);
    expect(chars.allowed).toHaveLength(84);
    for (const c of [' ', '=', '@', 'Z', '_', 'a', 'z']) expect(chars.edgeAllowed).toContain(c);
    for (const c of ['/', '5', 'm', 'A']) expect(chars.edgeAllowed).not.toContain(c);
    for (const c of ['>', '?', '[', '^', '`', '{', '\\', '\t', '\u001f']) expect(chars.edgeRejected).toContain(c);
    expect(chars.edgeRejected.filter((c) => chars.allowed.includes(c))).toEqual([]);
  });
  test('edge characters: allowed ones stay valid, one rejected one breaks only the pattern', () => {
    const chars = tagCharacters(model);
    for (const allocations of fc.sample(edgeCharacterAllocations(model, 9, 'allowed'), 30)) {
      const text = allocations[0].Tags!.flatMap((t) => [...t.Key, ...t.Value]);
      expect(text.every((c) => chars.edgeAllowed.includes(c))).toBe(true);
      expect(allocationProblems(model, allocations)).toEqual([]);
    }
    for (const allocations of fc.sample(edgeCharacterAllocations(model, 9, 'rejected'), 30)) {
      const problems = allocationProblems(model, allocations);
      expect(problems.length).toBe(1);
      expect(problems[0]).toMatch(/^pattern at \/0\/Tags\/\d+\/(Key|Value)/);
    }
  });
  test('duplicate tag keys: one allocation of the whole quantity, valid by the model, within the TagList max, exactly one Key twice', () => {
    const kinds = new Set<string>();
    for (const request of fc.sample(meterUsageWithDuplicateTagKey(FIXTURES, model, Date.UTC(2026, 5, 15, 12)), 60)) {
      expect(request.UsageAllocations).toHaveLength(1);
      const [allocation] = request.UsageAllocations!;
      expect(allocation.AllocatedUsageQuantity).toBe(request.UsageQuantity);
      const keys = allocation.Tags!.map((t) => t.Key);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      expect(keys.length).toBeLessThanOrEqual(5);
      expect(new Set(keys).size).toBe(keys.length - 1);
      expect(allocationProblems(model, request.UsageAllocations)).toEqual([]);
      const twin = keys.find((k, i) => keys.indexOf(k) !== i)!;
      const values = allocation.Tags!.filter((t) => t.Key === twin).map((t) => t.Value);
      kinds.add(values[0] === values[1] ? 'same value' : 'two values');
    }
    expect(kinds).toEqual(new Set(['same value', 'two values']));
  });
  test('models without allocations say so', () => {
    expect(() => allocationsSummingTo(history('2019-03-20'), 1)).toThrow(/has no UsageAllocations/);
    expect(() => meterUsageWithDuplicateTagKey(FIXTURES, history('2019-03-20'), Date.UTC(2026, 5, 15))).toThrow(/has no UsageAllocations/);
  });
});

describe('batches and customer identity', () => {
  const now = Date.UTC(2026, 4, 10, 12, 30);
  const requestProblems = (m: typeof model, request: unknown) => validSampleProblems(m, 'BatchMeterUsageRequest', request);

  test.each(['identifier', 'account', 'both', 'neither'] as const)('identity %s: the right customer members, subscribed customers only, distinct keys, inside the window', (identity) => {
    for (const batch of fc.sample(batchRequest(model, FIXTURES, now, { size: 4, identity }), 30)) {
      expect(batch.ProductCode).toBe('saas-prod');
      expect(batch.UsageRecords).toHaveLength(4);
      expect(requestProblems(model, batch)).toEqual([]);
      const keys = new Set<string>();
      for (const record of batch.UsageRecords) {
        expect('CustomerIdentifier' in record).toBe(identity === 'identifier' || identity === 'both');
        expect('CustomerAWSAccountId' in record).toBe(identity === 'account' || identity === 'both');
        expect(['111111111111', '222222222222', '333333333333', undefined]).toContain(record.CustomerAWSAccountId);
        expect(['cust-a', 'cust-b', undefined]).toContain(record.CustomerIdentifier);
        expect(['users', 'storage']).toContain(record.Dimension);
        expect(now - record.Timestamp.getTime()).toBeLessThan(24 * HOUR_MS);
        expect(now - record.Timestamp.getTime()).toBeGreaterThanOrEqual(0);
        if (record.UsageAllocations) expect(sum(record.UsageAllocations)).toBe(record.Quantity);
        keys.add(`${record.CustomerIdentifier}|${record.CustomerAWSAccountId}|${record.Dimension}|${Math.floor(record.Timestamp.getTime() / HOUR_MS)}`);
      }
      expect(keys.size).toBe(4);
    }
  });
  test('customerIdentity refuses a customer without the identifier it needs', () => {
    expect(customerIdentity(FIXTURES.customers[2], 'account')).toEqual({ CustomerAWSAccountId: '333333333333' });
    expect(() => customerIdentity(FIXTURES.customers[2], 'both')).toThrow(/no CustomerIdentifier/);
  });
  test.each(['with-product-code', 'without-product-code'] as const)('LicenseArn %s', (license) => {
    for (const batch of fc.sample(batchRequest(model, FIXTURES, now, { size: 2, license }), 20)) {
      expect('ProductCode' in batch).toBe(license === 'with-product-code');
      for (const record of batch.UsageRecords) {
        expect(FIXTURES.customers.find((c) => c.accountId === record.CustomerAWSAccountId)?.licenseArn).toBe(record.LicenseArn);
      }
      expect(requestProblems(model, batch)).toEqual([]);
    }
    expect(() => batchRequest(history('2026-01-22'), FIXTURES, now, { size: 1, license })).toThrow(/LicenseArn/);
  });
  test('sizes 0, 1, 25 are valid; 26 breaks only the UsageRecords maximum', () => {
    expect(batchSizes(model)).toEqual([0, 1, 25, 26]);
    for (const size of batchSizes(model)) {
      const [batch] = fc.sample(batchRequest(model, FIXTURES, now, { size }), 1);
      expect(batch.UsageRecords).toHaveLength(size);
      if (size <= 25) expect(requestProblems(model, batch)).toEqual([]);
      else expect(faultSampleProblems(model, 'BatchMeterUsage', { path: 'UsageRecords', constraint: 'max' }, batch)).toEqual([]);
    }
  });
  test('fixtures that cannot make the batch give a clear error', () => {
    expect(() => batchRequest(model, EMPTY_FIXTURES, now, { size: 1 })).toThrow(/no SaaS product/);
    const one = { ...FIXTURES, customers: [FIXTURES.customers[1]], products: [{ code: 'saas-prod', dimensions: ['users'], kind: 'saas' as const }] };
    expect(() => batchRequest(history('2016-11-17'), one, now, { size: 3 })).toThrow(/allow only 2 distinct records/);
  });
  test.each([
    ['latest', 'under'],
    ['latest', 'over'],
    ['2020-11-04', 'over'],
  ] as const)('model %s: a batch just %s a megabyte, otherwise valid', (version, side) => {
    const m = version === 'latest' ? model : history(version);
    for (const batch of fc.sample(batchNearSizeLimit(m, FIXTURES, now, side), 3)) {
      const bytes = serializedBytes(batch);
      if (side === 'under') expect(bytes).toBeLessThan(BATCH_BYTES.under);
      else expect(bytes).toBeGreaterThan(BATCH_BYTES.over);
      expect(Math.abs(bytes - BATCH_BYTES[side])).toBeLessThanOrEqual(1024);
      expect(requestProblems(m, batch)).toEqual([]);
      for (const record of batch.UsageRecords) {
        expect(sum(record.UsageAllocations!)).toBe(record.Quantity);
        expect(new Set(record.UsageAllocations!.map((a) => tagSetKey(a.Tags))).size).toBe(record.UsageAllocations!.length);
      }
    }
  });
});

describe('MeterUsage requests', () => {
  const now = Date.UTC(2026, 4, 10, 12, 30, 15, 250);
  test('meterable products: not SaaS, with a dimension', () => {
    const fixtures: TargetFixtures = { ...FIXTURES, products: [...FIXTURES.products, { code: 'ami-empty', dimensions: [], kind: 'ami' }] };
    expect(meterableProducts(fixtures).map((p) => p.code)).toEqual(['ami-prod']);
    expect(() => validMeterUsage(EMPTY_FIXTURES, model, now)).toThrow(ModelError);
  });
  test('members arrive with the model version', () => {
    expect(meterUsageHasMember(history('2016-03-17'), 'UsageAllocations')).toBe(false);
    expect(meterUsageHasMember(history('2020-11-04'), 'UsageAllocations')).toBe(true);
    expect(meterUsageHasMember(history('2022-02-03'), 'ClientToken')).toBe(false);
    expect(meterUsageHasMember(model, 'ClientToken')).toBe(true);
  });
  for (const [version, m] of [['2016-03-17', history('2016-03-17')], ['2020-11-04', history('2020-11-04')], ['latest', model]] as const) {
    test(`model ${version}: valid requests for a fixture product, 1 to 55 minutes old in whole seconds, allocations adding up`, () => {
      const max = m.shapes.UsageQuantity && 'max' in m.shapes.UsageQuantity ? m.shapes.UsageQuantity.max : undefined;
      const quantities = new Set<number | undefined>();
      let allocated = 0;
      fc.assert(
        fc.property(validMeterUsage(FIXTURES, m, now), (request) => {
          expect(validSampleProblems(m, 'MeterUsageRequest', request)).toEqual([]);
          expect(request.ProductCode).toBe('ami-prod');
          expect(['cpu', 'gpu']).toContain(request.UsageDimension);
          const age = now - request.Timestamp.getTime();
          expect(age).toBeGreaterThanOrEqual(MINUTE_MS);
          expect(age).toBeLessThanOrEqual(55 * MINUTE_MS + 1000);
          expect(request.Timestamp.getTime() % 1000).toBe(0);
          if (version === '2016-03-17') expect(request.DryRun).toBe(false);
          quantities.add(request.UsageQuantity);
          if (request.UsageAllocations) {
            allocated++;
            expect(sum(request.UsageAllocations)).toBe(request.UsageQuantity);
            expect(new Set(request.UsageAllocations.map((a) => tagSetKey(a.Tags))).size).toBe(request.UsageAllocations.length);
          }
        }),
        { numRuns: 200 },
      );
      expect(quantities.has(0) && quantities.has(max)).toBe(true);
      expect(allocated > 0).toBe(version !== '2016-03-17');
    });
  }
  test('pinned quantity and timestamp are honoured; allocations can be turned off', () => {
    const stale = staleMeterUsageTimestamp(model, now);
    for (const request of fc.sample(validMeterUsage(FIXTURES, model, now, { quantity: fc.constant(7), timestamp: stale, allocations: false }), 50)) {
      expect(request.UsageQuantity).toBe(7);
      expect(now - request.Timestamp.getTime()).toBeGreaterThanOrEqual(6 * HOUR_MS + MINUTE_MS);
      expect(request.UsageAllocations).toBeUndefined();
    }
  });
  test('accepted MeterUsage timestamps: at most an hour less a minute old, never ahead', () => {
    for (const ts of fc.sample(acceptedMeterUsageTimestamp(model, now), 200)) {
      expect(now - ts.getTime()).toBeGreaterThanOrEqual(0);
      expect(now - ts.getTime()).toBeLessThanOrEqual(HOUR_MS - MINUTE_MS);
    }
  });
});

describe('retries', () => {
  const now = Date.UTC(2026, 4, 10, 12, 30);
  const meterUsage: fc.Arbitrary<MeterUsageInput> = fc
    .tuple(insideWindow(now, timestampWindow(model, 'MeterUsage')), fc.integer({ min: 0, max: 100 }), fc.constantFrom('cpu', 'gpu'), fc.boolean())
    .chain(([ts, quantity, dimension, allocate]) => {
      const base: MeterUsageInput = { ProductCode: 'ami-prod', Timestamp: ts, UsageDimension: dimension, UsageQuantity: quantity, ClientToken: 'token-1' };
      return allocate ? allocationsSummingTo(model, quantity).map((a) => ({ ...base, UsageAllocations: a })) : fc.constant(base);
    });

  test('identical retries are equal as JSON, and member order varies', () => {
    let reordered = 0;
    fc.assert(
      fc.property(meterUsage.chain((r) => fc.tuple(fc.constant(r), identicalRetry(r))), ([original, retry]) => {
        expect(toWire(retry)).toEqual(toWire(original));
        if (JSON.stringify(toWire(retry)) !== JSON.stringify(toWire(original))) reordered++;
      }),
      RUNS,
    );
    expect(reordered).toBeGreaterThan(0);
  });
  test('subsets: non-empty, only records of the original, none twice', () => {
    const batch = fc.sample(batchRequest(model, FIXTURES, now, { size: 6 }), 1)[0];
    fc.assert(
      fc.property(batchSubset(batch), (subset) => {
        expect(subset.UsageRecords.length).toBeGreaterThan(0);
        expect(new Set(subset.UsageRecords).size).toBe(subset.UsageRecords.length);
        for (const record of subset.UsageRecords) expect(batch.UsageRecords).toContain(record);
      }),
      RUNS,
    );
  });
  test('same key, other quantity: same product, dimension and hour; allocations redone; no ClientToken', () => {
    fc.assert(
      fc.property(meterUsage.chain((r) => fc.tuple(fc.constant(r), sameKeyOtherQuantity(model, r))), ([original, again]) => {
        expect(again.ProductCode).toBe(original.ProductCode);
        expect(again.UsageDimension).toBe(original.UsageDimension);
        expect(Math.floor(again.Timestamp.getTime() / HOUR_MS)).toBe(Math.floor(original.Timestamp.getTime() / HOUR_MS));
        expect(again.UsageQuantity).not.toBe(original.UsageQuantity);
        expect('ClientToken' in again).toBe(false);
        if (again.UsageAllocations) expect(sum(again.UsageAllocations)).toBe(again.UsageQuantity);
        expect(validSampleProblems(model, 'MeterUsageRequest', again)).toEqual([]);
      }),
      RUNS,
    );
  });
  test('a batch record with another quantity keeps customer, dimension and time', () => {
    const [batch] = fc.sample(batchRequest(model, FIXTURES, now, { size: 1 }), 1);
    const record = batch.UsageRecords[0];
    for (const again of fc.sample(recordWithOtherQuantity(model, record), 20)) {
      expect({ ...again, Quantity: undefined, UsageAllocations: undefined }).toEqual({ ...record, Quantity: undefined, UsageAllocations: undefined });
      expect(again.Quantity).not.toBe(record.Quantity);
    }
  });
  test('ClientToken reuse: same token, exactly the named member differs', () => {
    const changed = new Set<string>();
    fc.assert(
      fc.property(meterUsage.chain((r) => fc.tuple(fc.constant(r), clientTokenReuse(model, FIXTURES, r))), ([original, reuse]) => {
        changed.add(reuse.changed);
        expect(reuse.request.ClientToken).toBe(original.ClientToken);
        const differing = (['UsageQuantity', 'UsageDimension', 'Timestamp'] as const).filter(
          (m) => JSON.stringify(toWire(reuse.request[m])) !== JSON.stringify(toWire(original[m])),
        );
        expect(differing).toEqual([reuse.changed]);
      }),
      { numRuns: 60 },
    );
    expect(changed).toEqual(new Set(['UsageQuantity', 'UsageDimension', 'Timestamp']));
    expect(() => clientTokenReuse(model, FIXTURES, { ProductCode: 'p', Timestamp: new Date(now), UsageDimension: 'd' })).toThrow(/no ClientToken/);
  });
});
