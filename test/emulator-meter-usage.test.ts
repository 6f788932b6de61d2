// MeterUsage semantics of the reference emulator, driven through its operation pipeline
// (decode → constraints → handler) with a fixed clock, so window boundaries are exact.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SPECS_DIR } from '../core/paths.js';
import { loadModel, type ServiceModel } from '../core/model.js';
import { ServiceError } from '../emulator/errors.js';
import { runOperation } from '../emulator/operations.js';
import { HOUR, NOW, operationTestbed, seconds } from './support/operation-testbed.js';


const bed = operationTestbed('CALLER-A');
const ctx = bed.ctx;

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 5, Timestamp: seconds(NOW - 10 * 60_000), ...overrides };
}

function meter(body: Record<string, unknown> | string | Buffer, context = ctx()): { id?: string; error?: ServiceError } {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  try {
    const output = runOperation('MeterUsage', bytes, context);
    expect(Object.keys(output)).toEqual(['MeteringRecordId']);
    return { id: output.MeteringRecordId as string };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { error };
  }
}

function errorOf(result: { id?: string; error?: ServiceError }): string {
  expect(result.id, 'expected an error answer').toBeUndefined();
  return result.error!.type;
}

function tags(n: number, prefix = 'k'): { Key: string; Value: string }[] {
  return Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));
}

describe('MeterUsage: accepted requests', () => {
  test('a valid request is honored once with a uuid MeteringRecordId', () => {
    const first = meter(request());
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const records = bed.ledger.records('CALLER-A');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ meteringRecordId: first.id, productCode: 'conformance-ami-1', dimension: 'Hours', quantity: 5, hourMs: Date.UTC(2026, 6, 15, 12) });
  });

  test('quantity 0, the model maximum and an omitted quantity are accepted', () => {
    expect(meter(request({ UsageDimension: 'Hours', UsageQuantity: 0 })).id).toBeDefined();
    expect(meter(request({ UsageDimension: 'Users', UsageQuantity: 2147483647 })).id).toBeDefined();
    const omitted = request({ UsageDimension: 'Gigabytes' });
    delete omitted.UsageQuantity;
    expect(meter(omitted).id).toBeDefined();
    expect(bed.ledger.records().map((r) => r.quantity)).toEqual([0, 2147483647, 0]);
  });

  test('fractional epoch seconds are accepted and kept to the millisecond', () => {
    expect(meter(request({ Timestamp: 1784118000.123 }), ctx({ nowMs: 1784118000123 + 60_000 })).id).toBeDefined();
    expect(bed.ledger.records()[0].timestampMs).toBe(1784118000123);
  });

  test('the window: exactly 6 hours old and 5 minutes ahead are accepted', () => {
    expect(meter(request({ UsageDimension: 'Hours', Timestamp: seconds(NOW - 6 * HOUR) })).id).toBeDefined();
    expect(meter(request({ UsageDimension: 'Users', Timestamp: seconds(NOW + 5 * 60_000) })).id).toBeDefined();
  });
});

describe('MeterUsage: errors in the documented order', () => {
  test('unknown, empty or SaaS product code → InvalidProductCodeException', () => {
    expect(errorOf(meter(request({ ProductCode: 'no-such-product' })))).toBe('InvalidProductCodeException');
    expect(errorOf(meter(request({ ProductCode: '' })))).toBe('InvalidProductCodeException');
    expect(errorOf(meter(request({ ProductCode: 'conformance-saas-1', UsageDimension: 'Requests' })))).toBe('InvalidProductCodeException');
  });

  test('a dimension of another product, or in another case → InvalidUsageDimensionException', () => {
    expect(errorOf(meter(request({ UsageDimension: 'Tasks' })))).toBe('InvalidUsageDimensionException');
    expect(errorOf(meter(request({ UsageDimension: 'hours' })))).toBe('InvalidUsageDimensionException');
  });

  test('older than 6 hours by 1 ms, or more than 5 minutes ahead → TimestampOutOfBoundsException', () => {
    expect(errorOf(meter(request({ Timestamp: seconds(NOW - 6 * HOUR - 1) })))).toBe('TimestampOutOfBoundsException');
    expect(errorOf(meter(request({ Timestamp: seconds(NOW + 5 * 60_000 + 1) })))).toBe('TimestampOutOfBoundsException');
    expect(errorOf(meter(request({ Timestamp: -1 })))).toBe('TimestampOutOfBoundsException');
  });

  test('product is checked before dimension, dimension before window, window before allocations', () => {
    const stale = seconds(NOW - 7 * HOUR);
    const badAllocations = [{ AllocatedUsageQuantity: 1 }];
    expect(errorOf(meter(request({ ProductCode: 'nope', UsageDimension: 'nope', Timestamp: stale, UsageAllocations: badAllocations })))).toBe('InvalidProductCodeException');
    expect(errorOf(meter(request({ UsageDimension: 'nope', Timestamp: stale, UsageAllocations: badAllocations })))).toBe('InvalidUsageDimensionException');
    expect(errorOf(meter(request({ Timestamp: stale, UsageAllocations: badAllocations })))).toBe('TimestampOutOfBoundsException');
    expect(errorOf(meter(request({ UsageAllocations: badAllocations })))).toBe('InvalidUsageAllocationsException');
  });

  test('allocations: sum must equal the quantity (omitted quantity is 0)', () => {
    expect(errorOf(meter(request({ UsageQuantity: 5, UsageAllocations: [{ AllocatedUsageQuantity: 2 }, { AllocatedUsageQuantity: 2, Tags: tags(1) }] })))).toBe(
      'InvalidUsageAllocationsException',
    );
    const noQuantity = request({ UsageAllocations: [{ AllocatedUsageQuantity: 1 }] });
    delete noQuantity.UsageQuantity;
    expect(errorOf(meter(noQuantity))).toBe('InvalidUsageAllocationsException');
    expect(meter(request({ UsageQuantity: 5, UsageAllocations: [{ AllocatedUsageQuantity: 2 }, { AllocatedUsageQuantity: 3, Tags: tags(2) }] })).id).toBeDefined();
  });

  test('allocations: the same tag set twice (in any order), or two untagged buckets → InvalidUsageAllocationsException', () => {
    const reversed = [...tags(3)].reverse();
    expect(errorOf(meter(request({ UsageQuantity: 2, UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: tags(3) }, { AllocatedUsageQuantity: 1, Tags: reversed }] })))).toBe(
      'InvalidUsageAllocationsException',
    );
    expect(errorOf(meter(request({ UsageQuantity: 2, UsageAllocations: [{ AllocatedUsageQuantity: 1 }, { AllocatedUsageQuantity: 1 }] })))).toBe('InvalidUsageAllocationsException');
  });

  test('tags: six in one allocation, an empty list, a bad character or an empty value → InvalidTagException', () => {
    const one = (t: unknown) => request({ UsageQuantity: 1, UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: t }] });
    expect(errorOf(meter(one(tags(6))))).toBe('InvalidTagException');
    expect(errorOf(meter(one([])))).toBe('InvalidTagException');
    expect(errorOf(meter(one([{ Key: 'a>b', Value: 'v' }])))).toBe('InvalidTagException');
    expect(errorOf(meter(one([{ Key: 'a\\b', Value: 'v' }])))).toBe('InvalidTagException');
    expect(errorOf(meter(one([{ Key: 'k', Value: '' }])))).toBe('InvalidTagException');
    expect(errorOf(meter(one([{ Key: 'k' }])))).toBe('InvalidTagException');
    expect(errorOf(meter(one([{ Key: 'k'.repeat(101), Value: 'v' }])))).toBe('InvalidTagException');
    // The pattern's " -=" is a range: '!' through '<' are allowed characters.
    expect(meter(one([{ Key: ' !"#$%&()*,;<=', Value: 'ok/@:_.+' }])).id).toBeDefined();
  });

  test('model constraints → ValidationException naming the member path', () => {
    const cases: [Record<string, unknown>, string][] = [
      [request({ UsageQuantity: -1 }), '/UsageQuantity'],
      [request({ UsageQuantity: 2147483648 }), '/UsageQuantity'],
      [request({ UsageDimension: '' }), '/UsageDimension'],
      [request({ UsageDimension: 'd'.repeat(256) }), '/UsageDimension'],
      [request({ ProductCode: 'bad code!' }), '/ProductCode'],
      [request({ ClientToken: '' }), '/ClientToken'],
      [request({ ClientToken: 't'.repeat(65) }), '/ClientToken'],
      [request({ UsageAllocations: [] }), '/UsageAllocations'],
      [request({ UsageQuantity: 1, UsageAllocations: [{ AllocatedUsageQuantity: -1 }] }), '/UsageAllocations/0/AllocatedUsageQuantity'],
      [request({ UsageQuantity: 1, UsageAllocations: [{ Tags: tags(1) }] }), '/UsageAllocations/0/AllocatedUsageQuantity'],
    ];
    for (const [body, path] of cases) {
      const { error } = meter(body);
      expect(error?.type, JSON.stringify(body)).toBe('ValidationException');
      expect(error?.status).toBe(400);
      expect(error?.message).toContain(`'${path}'`);
    }
    for (const member of ['ProductCode', 'UsageDimension', 'Timestamp']) {
      const body = request();
      delete body[member];
      expect(meter(body).error?.message).toContain(`'/${member}'`);
    }
  });

  test('string lengths count Unicode scalar values, not UTF-16 units', () => {
    // 255 astral characters are 510 UTF-16 units but within UsageDimension's max of 255.
    const { error } = meter(request({ UsageDimension: '😀'.repeat(255) }));
    expect(error?.type).toBe('InvalidUsageDimensionException');
    expect(meter(request({ UsageDimension: '😀'.repeat(256) })).error?.type).toBe('ValidationException');
  });

  test('JSON type mismatches and unparseable bodies → SerializationException', () => {
    const cases = [
      '{"ProductCode":"conformance-ami-1","UsageDimension":"Hours","Timestamp":"2026-07-15T12:00:00Z"}',
      JSON.stringify(request({ UsageQuantity: '5' })),
      JSON.stringify(request({ UsageQuantity: 1.5 })),
      JSON.stringify(request({ DryRun: 'true' })),
      JSON.stringify(request({ UsageAllocations: { AllocatedUsageQuantity: 5 } })),
      JSON.stringify(request({ ProductCode: 7 })),
      '[]',
      '"text"',
      'null',
      '{"ProductCode":',
      '{"UsageQuantity": 1e400}',
    ];
    for (const body of cases) expect(errorOf(meter(body)), body).toBe('SerializationException');
    expect(errorOf(meter(Buffer.from([0x7b, 0xff, 0x7d])))).toBe('SerializationException');
  });

  test('an empty body is {} (so: ValidationException for the required members)', () => {
    expect(meter('').error?.type).toBe('ValidationException');
  });

  test('null members are treated as absent; unknown members are ignored', () => {
    expect(meter(request({ UsageAllocations: null, ClientToken: null, SomethingElse: { x: 1 } })).id).toBeDefined();
  });
});

describe('MeterUsage: idempotency and duplicates', () => {
  test('identical retries (member order, explicit defaults, allocation and tag order) return the same id and record once', () => {
    const allocations = [{ AllocatedUsageQuantity: 2, Tags: tags(2) }, { AllocatedUsageQuantity: 3 }];
    const first = meter(request({ UsageAllocations: allocations }));
    const reordered = { UsageAllocations: [{ AllocatedUsageQuantity: 3 }, { Tags: [...tags(2)].reverse(), AllocatedUsageQuantity: 2 }], DryRun: false, Timestamp: seconds(NOW - 10 * 60_000 + 1234), UsageQuantity: 5, UsageDimension: 'Hours', ProductCode: 'conformance-ami-1' };
    expect(meter(reordered).id).toBe(first.id);
    expect(bed.ledger.records()).toHaveLength(1);
    const zero = meter(request({ UsageDimension: 'Users', UsageQuantity: 0 }));
    const omitted = request({ UsageDimension: 'Users' });
    delete omitted.UsageQuantity;
    expect(meter(omitted).id).toBe(zero.id);
  });

  test('same hour, another quantity or other allocations → DuplicateRequestException; another hour or dimension is a new record', () => {
    meter(request({ UsageQuantity: 5 }));
    expect(errorOf(meter(request({ UsageQuantity: 6, Timestamp: seconds(Date.UTC(2026, 6, 15, 12, 0, 0)) })))).toBe('DuplicateRequestException');
    expect(errorOf(meter(request({ UsageQuantity: 5, UsageAllocations: [{ AllocatedUsageQuantity: 5, Tags: tags(1) }] })))).toBe('DuplicateRequestException');
    expect(meter(request({ UsageQuantity: 6, Timestamp: seconds(Date.UTC(2026, 6, 15, 11, 59, 59)) })).id).toBeDefined();
    expect(meter(request({ UsageQuantity: 6, UsageDimension: 'Users' })).id).toBeDefined();
    expect(bed.ledger.records()).toHaveLength(3);
  });

  test('each caller (access key id) has its own key space', () => {
    const a = meter(request(), ctx({ caller: 'CALLER-A' }));
    const b = meter(request({ UsageQuantity: 9 }), ctx({ caller: 'CALLER-B' }));
    expect(b.id).toBeDefined();
    expect(b.id).not.toBe(a.id);
    expect(bed.ledger.records('CALLER-B')).toHaveLength(1);
  });

  test('ClientToken: same token and parameters → same id; other parameters → IdempotencyConflictException (400)', () => {
    const first = meter(request({ ClientToken: 'token-1' }));
    expect(meter(request({ ClientToken: 'token-1' })).id).toBe(first.id);
    const conflict = meter(request({ ClientToken: 'token-1', UsageDimension: 'Users' }));
    expect(errorOf(conflict)).toBe('IdempotencyConflictException');
    expect(conflict.error?.status).toBe(400);
    // Exact timestamp: another millisecond in the same hour is another request for the token.
    expect(errorOf(meter(request({ ClientToken: 'token-1', Timestamp: seconds(NOW - 10 * 60_000 + 1) })))).toBe('IdempotencyConflictException');
    // Tokens are case-sensitive and per caller.
    expect(meter(request({ ClientToken: 'TOKEN-1', UsageDimension: 'Users' })).id).toBeDefined();
    expect(meter(request({ ClientToken: 'token-1', UsageDimension: 'Gigabytes' }), ctx({ caller: 'CALLER-B' })).id).toBeDefined();
  });

  test('ClientToken is checked after the window and allocations, before DryRun', () => {
    meter(request({ ClientToken: 'token-2' }));
    expect(errorOf(meter(request({ ClientToken: 'token-2', Timestamp: seconds(NOW - 7 * HOUR) })))).toBe('TimestampOutOfBoundsException');
    expect(errorOf(meter(request({ ClientToken: 'token-2', UsageQuantity: 1, DryRun: true })))).toBe('IdempotencyConflictException');
  });

  test('DryRun=true → DryRunOperation (412) after all validation, and nothing is recorded', () => {
    const dry = meter(request({ DryRun: true, ClientToken: 'dry' }));
    expect(errorOf(dry)).toBe('DryRunOperation');
    expect(dry.error?.status).toBe(412);
    expect(bed.ledger.records()).toHaveLength(0);
    expect(errorOf(meter(request({ DryRun: true, UsageDimension: 'nope' })))).toBe('InvalidUsageDimensionException');
    // The token was not bound and the hour is still free.
    expect(meter(request({ ClientToken: 'dry', UsageQuantity: 8 })).id).toBeDefined();
  });
});

describe('MeterUsage fault modes change exactly their behaviour', () => {
  test('new-id-on-retry', () => {
    const context = ctx({ faultNames: ['new-id-on-retry'] });
    const a = meter(request(), context);
    const b = meter(request(), context);
    expect(b.id).toBeDefined();
    expect(b.id).not.toBe(a.id);
    expect(bed.ledger.records()).toHaveLength(2);
    const t1 = meter(request({ UsageDimension: 'Users', ClientToken: 'x' }), context);
    expect(meter(request({ UsageDimension: 'Users', ClientToken: 'x' }), context).id).not.toBe(t1.id);
  });

  test('accept-conflicting-quantity', () => {
    const context = ctx({ faultNames: ['accept-conflicting-quantity'] });
    meter(request(), context);
    expect(meter(request({ UsageQuantity: 6 }), context).id).toBeDefined();
    expect(bed.ledger.records()).toHaveLength(2);
  });

  test('accept-stale-timestamp (the future bound stays)', () => {
    const context = ctx({ faultNames: ['accept-stale-timestamp'] });
    expect(meter(request({ Timestamp: seconds(NOW - 48 * HOUR) }), context).id).toBeDefined();
    expect(errorOf(meter(request({ Timestamp: seconds(NOW + HOUR) }), context))).toBe('TimestampOutOfBoundsException');
  });

  test('ignore-allocation-sum', () => {
    expect(meter(request({ UsageQuantity: 5, UsageAllocations: [{ AllocatedUsageQuantity: 1 }] }), ctx({ faultNames: ['ignore-allocation-sum'] })).id).toBeDefined();
  });

  test('accept-duplicate-tag-sets', () => {
    const body = request({ UsageQuantity: 2, UsageAllocations: [{ AllocatedUsageQuantity: 1 }, { AllocatedUsageQuantity: 1 }] });
    expect(meter(body, ctx({ faultNames: ['accept-duplicate-tag-sets'] })).id).toBeDefined();
  });

  test('accept-six-tags (other tag problems are still rejected)', () => {
    const context = ctx({ faultNames: ['accept-six-tags'] });
    const withTags = (t: unknown) => request({ UsageQuantity: 1, UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: t }] });
    expect(meter(withTags(tags(6)), context).id).toBeDefined();
    expect(errorOf(meter(withTags([{ Key: 'a>b', Value: 'v' }]), context))).toBe('InvalidTagException');
  });

  test('dry-run-records', () => {
    const dry = meter(request({ DryRun: true }), ctx({ faultNames: ['dry-run-records'] }));
    expect(errorOf(dry)).toBe('DryRunOperation');
    expect(bed.ledger.records()).toHaveLength(1);
  });

  test('ignore-client-token', () => {
    const context = ctx({ faultNames: ['ignore-client-token'] });
    meter(request({ ClientToken: 'same' }), context);
    expect(meter(request({ ClientToken: 'same', UsageDimension: 'Users' }), context).id).toBeDefined();
  });

  test('wrong-exception-name', () => {
    expect(errorOf(meter(request({ UsageDimension: 'nope' }), ctx({ faultNames: ['wrong-exception-name'] })))).toBe('ValidationException');
  });

  test('error-500-on-malformed-json (type mismatches stay SerializationException)', () => {
    const context = ctx({ faultNames: ['error-500-on-malformed-json'] });
    const broken = meter('{"ProductCode":', context);
    expect(errorOf(broken)).toBe('InternalServiceErrorException');
    expect(broken.error?.status).toBe(500);
    expect(errorOf(meter(JSON.stringify(request({ UsageQuantity: '5' })), context))).toBe('SerializationException');
  });
});

describe('MeterUsage follows the model version', () => {
  const history = (date: string): ServiceModel => loadModel(join(SPECS_DIR, 'history', `service-2.${date}.json`));

  test('2016-03-17: quantity max 10000, UsageQuantity and DryRun required, no ClientToken member', () => {
    const model = history('2016-03-17');
    const context = ctx({ model });
    expect(meter(request({ UsageQuantity: 10000, DryRun: false }), context).id).toBeDefined();
    expect(meter(request({ UsageDimension: 'Users', UsageQuantity: 10001, DryRun: false }), context).error?.message).toContain("'/UsageQuantity'");
    expect(meter(request({ UsageDimension: 'Users' }), context).error?.message).toContain("'/DryRun'");
    // ClientToken is not a member of this model: ignored, so reuse with other parameters is no conflict.
    expect(meter(request({ UsageDimension: 'Gigabytes', UsageQuantity: 1, DryRun: false, ClientToken: 't' }), context).id).toBeDefined();
    expect(meter(request({ UsageDimension: 'Gigabytes', UsageQuantity: 1, DryRun: false, ClientToken: 't', Timestamp: seconds(NOW - HOUR) }), context).id).toBeDefined();
  });

  test('2016-08-02: quantity max 1000000', () => {
    const context = ctx({ model: history('2016-08-02') });
    expect(meter(request({ UsageQuantity: 1000000, DryRun: false }), context).id).toBeDefined();
    expect(meter(request({ UsageDimension: 'Users', UsageQuantity: 1000001, DryRun: false }), context).error?.type).toBe('ValidationException');
  });
});

describe('MeterUsage never fails with a 500', () => {
  test('any JSON number as Timestamp or quantity gets a modeled answer', () => {
    const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e20, -1e20, 8.64e12, Number.MAX_SAFE_INTEGER, -0));
    fc.assert(
      fc.property(number, number, (timestamp, quantity) => {
        const outcome = meter(JSON.stringify({ ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', Timestamp: timestamp, UsageQuantity: quantity }));
        if (outcome.error) expect(outcome.error.status).toBeLessThan(500);
      }),
      { numRuns: 300, seed: 99 },
    );
  });
});

describe('MeterUsage against a reference model of the ledger', () => {
  // Small domains so that keys, quantities and tokens collide often.
  const step = fc.record({
    dimension: fc.constantFrom('Hours', 'Users'),
    minutesAgo: fc.constantFrom(0, 10, 31, 65, 130),
    quantity: fc.integer({ min: 0, max: 2 }),
    token: fc.constantFrom(undefined, 'tok-a', 'tok-b'),
  });

  test('outcomes and id reuse match the model for any sequence of requests', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        bed.resetLedger();
        const byKey = new Map<string, { quantity: number; id: number }>();
        const tokens = new Map<string, { fingerprint: string; id: number }>();
        const emulatorIds: string[] = [];
        for (const s of steps) {
          const timestampMs = NOW - s.minutesAgo * 60_000;
          const fingerprint = JSON.stringify([s.dimension, timestampMs, s.quantity]);
          const key = `${s.dimension}/${Math.floor(timestampMs / HOUR)}`;
          // The model: token first, then the (dimension, hour) key.
          let expected: number | 'IdempotencyConflictException' | 'DuplicateRequestException';
          const bound = s.token === undefined ? undefined : tokens.get(s.token);
          const existing = byKey.get(key);
          if (bound) expected = bound.fingerprint === fingerprint ? bound.id : 'IdempotencyConflictException';
          else if (existing) expected = existing.quantity === s.quantity ? existing.id : 'DuplicateRequestException';
          else {
            expected = emulatorIds.length;
            byKey.set(key, { quantity: s.quantity, id: expected });
          }
          if (typeof expected === 'number' && s.token !== undefined) tokens.set(s.token, { fingerprint, id: expected });

          const body = request({ UsageDimension: s.dimension, UsageQuantity: s.quantity, Timestamp: seconds(timestampMs), ...(s.token ? { ClientToken: s.token } : {}) });
          const actual = meter(body);
          if (typeof expected === 'string') {
            expect(actual.error?.type).toBe(expected);
          } else if (expected === emulatorIds.length) {
            expect(actual.id).toBeDefined();
            expect(emulatorIds).not.toContain(actual.id);
            emulatorIds.push(actual.id!);
          } else {
            expect(actual.id).toBe(emulatorIds[expected]);
          }
        }
        expect(bed.ledger.records().map((r) => r.meteringRecordId)).toEqual(emulatorIds);
      }),
      { numRuns: 200, seed: 20260715 },
    );
  });
});
