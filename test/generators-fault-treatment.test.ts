// The derived validation rules (issue 16): the narrowest honest expectation per broken member
// (generators/treatment.ts) around a rest of the request that is valid for the target
// (generators/surroundings.ts); the fixed cases that run first (the value just past each
// bound, the documented values); and shrinking that reaches the smallest failing value.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SPECS_DIR } from '../core/paths.js';
import { validValue } from '../generators/arbitraries.js';
import { faultSampleProblems } from '../generators/check.js';
import { instantBetween, meterUsageWithTagCount, modelLimits, staleMeterUsageTimestamp, tagSetKey, timestampWindow, type Tag } from '../generators/index.js';
import { derivedRules } from '../catalogue/derived.js';
import { singleFaults, type FaultCase } from '../generators/invalid.js';
import { loadModel, structure, type ServiceModel } from '../core/model.js';
import { codePointLength } from '../generators/patterns.js';
import { faultSurroundings } from '../generators/surroundings.js';
import { GENERIC_VALIDATION_ERRORS, treatmentOf } from '../generators/treatment.js';
import { DEFAULT_FIXTURES_PATH, loadFixtures, publishedFixtures } from '../emulator/fixtures.js';
import { EMPTY_FIXTURES, type TargetFixtures } from '../core/description.js';
import { shrunk } from './support/shrunk.js';

const model = loadModel();
const history = (date: string) => loadModel(join(SPECS_DIR, 'history', `service-2.${date}.json`));
const FIXTURES: TargetFixtures = publishedFixtures(loadFixtures(DEFAULT_FIXTURES_PATH));
const NOW = Date.UTC(2026, 6, 15, 12, 0, 0);

function cases(m: ServiceModel, operation: string, fixtures: TargetFixtures = FIXTURES): { fault: FaultCase; unmet?: string }[] {
  const unmet = new Map<string, string | undefined>();
  const faults = singleFaults(m, operation, (c) => {
    const found = faultSurroundings(m, fixtures, NOW, c);
    unmet.set(c.ruleId, found.unmet);
    return found.options;
  });
  return faults.map((fault) => ({ fault, unmet: unmet.get(fault.ruleId) }));
}
const byId = (m: ServiceModel, operation: string, id: string) => cases(m, operation).find((c) => c.fault.ruleId === id)!.fault;

describe('A: the accepted errors per broken member', () => {
  const accepted = (operation: string, path: string, constraint: Parameters<typeof treatmentOf>[3]) => treatmentOf(model, operation, path, constraint);
  test('only the modeled exceptions about the member, besides the generic validation errors', () => {
    const modeled = (op: string, path: string, c: Parameters<typeof treatmentOf>[3] = 'max') => accepted(op, path, c).modeled;
    expect(accepted('MeterUsage', 'UsageDimension', 'max').accepted).toEqual([...GENERIC_VALIDATION_ERRORS, 'InvalidUsageDimensionException']);
    expect(modeled('BatchMeterUsage', 'UsageRecords.member.Dimension')).toEqual(['InvalidUsageDimensionException']);
    expect(modeled('MeterUsage', 'ProductCode')).toEqual(['InvalidProductCodeException']);
    expect(modeled('MeterUsage', 'UsageAllocations.member.Tags.member.Key')).toEqual(['InvalidTagException']);
    expect(modeled('MeterUsage', 'UsageAllocations.member.Tags')).toEqual(['InvalidTagException']);
    expect(modeled('MeterUsage', 'UsageAllocations')).toEqual(['InvalidUsageAllocationsException']);
    expect(modeled('MeterUsage', 'UsageAllocations.member.AllocatedUsageQuantity')).toEqual(['InvalidUsageAllocationsException']);
    expect(modeled('BatchMeterUsage', 'UsageRecords.member.CustomerIdentifier')).toEqual(['InvalidCustomerIdentifierException']);
    expect(modeled('BatchMeterUsage', 'UsageRecords.member.LicenseArn', 'pattern')).toEqual(['InvalidLicenseException']);
    expect(modeled('RegisterUsage', 'PublicKeyVersion', 'min')).toEqual(['InvalidPublicKeyVersionException']);
    expect(modeled('ResolveCustomer', 'RegistrationToken', 'pattern')).toEqual(['InvalidTokenException']);
    expect(modeled('MeterUsage', 'UsageQuantity')).toEqual([]);
    expect(modeled('MeterUsage', 'ClientToken')).toEqual([]);
  });
  test('an oversize record list takes any client error (the sources name none); the list in other respects does not', () => {
    expect(accepted('BatchMeterUsage', 'UsageRecords', 'max')).toMatchObject({ anyClientError: true, accepted: [] });
    expect(accepted('BatchMeterUsage', 'UsageRecords', 'type').anyClientError).toBe(false);
  });
  test('in every model version, only exceptions the operation models are accepted', () => {
    for (const m of [model, history('2016-03-17'), history('2016-11-17'), history('2020-11-04')]) {
      for (const rule of derivedRules(m)) {
        const [, operation] = rule.id.split('.');
        const c = singleFaults(m, operation).find((f) => f.ruleId === rule.id)!;
        const t = treatmentOf(m, operation, c.path, c.constraint);
        for (const e of t.modeled) expect(m.operations[operation].errors, rule.id).toContain(e);
      }
    }
  });
  test('the statement names the accepted set and the treatment', () => {
    const rule = derivedRules(model).find((r) => r.id === 'model.MeterUsage.UsageDimension.max')!;
    expect(rule.statement).toContain('rejected with a client (4xx) error of type ValidationException, SerializationException or InvalidUsageDimensionException.');
    expect(rule.statement).toContain('Treatment: InvalidUsageDimensionException is about the dimension');
    expect(rule.statement).toContain('an error about another member fails');
    const oversize = derivedRules(model).find((r) => r.id === 'model.BatchMeterUsage.UsageRecords.max')!;
    expect(oversize.statement).toContain('rejected with any client (4xx) error.');
    expect(oversize.info).toEqual([{ source: 'model:shapes.UsageRecordList', quote: '"max":25' }]);
  });

  test('with the default fixtures every rule gets a valid rest; every sample is valid around its one fault', () => {
    const records = (r: Record<string, unknown>) => (Array.isArray(r.UsageRecords) ? (r.UsageRecords as Record<string, unknown>[]) : []);
    for (const operation of ['MeterUsage', 'BatchMeterUsage', 'RegisterUsage', 'ResolveCustomer']) {
      for (const { fault, unmet } of cases(model, operation)) {
        expect(unmet, fault.ruleId).toBeUndefined();
        for (const request of [...fc.sample(fault.arbitrary, { numRuns: 15, seed: 3 }), ...fault.examples()]) {
          expect(faultSampleProblems(model, operation, fault, request), fault.ruleId).toEqual([]);
          const owners = operation === 'MeterUsage' ? [request] : operation === 'BatchMeterUsage' ? records(request) : [];
          for (const owner of owners) {
            if (typeof owner !== 'object' || owner === null || Array.isArray(owner)) continue;
            const faulty = (member: string) => fault.path.startsWith(member) || fault.path.startsWith(`UsageRecords.member.${member}`);
            if (operation === 'MeterUsage') {
              if (!faulty('ProductCode')) expect(owner.ProductCode, fault.ruleId).toBe('conformance-ami-1');
              if (!faulty('UsageDimension')) expect(['Hours', 'Users', 'Gigabytes'], fault.ruleId).toContain(owner.UsageDimension);
              if (!faulty('DryRun')) expect(owner.DryRun, fault.ruleId).toBeUndefined();
              if (!faulty('ClientToken')) expect(owner.ClientToken, fault.ruleId).toBeUndefined();
            } else {
              if (!faulty('Dimension') && owner.Dimension !== undefined) expect(['Requests', 'ActiveUsers', 'StorageGb'], fault.ruleId).toContain(owner.Dimension);
              // One customer identity per record.
              if (!faulty('CustomerIdentifier') && !faulty('CustomerAWSAccountId')) expect([owner.CustomerIdentifier, owner.CustomerAWSAccountId].filter((v) => v !== undefined), fault.ruleId).toHaveLength(1);
            }
            const allocations = owner.UsageAllocations;
            if (!faulty('UsageAllocations')) expect(allocations, fault.ruleId).toBeUndefined();
            if (!Array.isArray(allocations) || fault.path.includes('AllocatedUsageQuantity') || fault.path.endsWith('UsageAllocations')) continue;
            const items = allocations.filter((a): a is { AllocatedUsageQuantity: number; Tags?: Tag[] } => typeof a === 'object' && a !== null && !Array.isArray(a));
            if (items.length !== allocations.length) continue;
            // The allocations add up and have distinct tag sets; each tag list has distinct keys.
            const quantity = owner.UsageQuantity ?? owner.Quantity ?? 0;
            expect(items.reduce((s, a) => s + a.AllocatedUsageQuantity, 0), fault.ruleId).toBe(quantity);
            expect(new Set(items.map((a) => tagSetKey(Array.isArray(a.Tags) ? a.Tags : undefined))).size, fault.ruleId).toBe(items.length);
            if (!fault.path.includes('Tags')) for (const a of items) expect(new Set((a.Tags ?? []).map((t) => t.Key)).size).toBe((a.Tags ?? []).length);
          }
        }
      }
    }
  });
  test('RegisterUsage uses an entitled registration; BatchMeterUsage a subscribed customer', () => {
    for (const request of fc.sample(byId(model, 'RegisterUsage', 'model.RegisterUsage.Nonce.max').arbitrary, { numRuns: 10, seed: 1 })) {
      expect(request.ProductCode).toBe('conformance-container-1');
      expect([1, 2]).toContain(request.PublicKeyVersion);
    }
    for (const request of fc.sample(byId(model, 'BatchMeterUsage', 'model.BatchMeterUsage.UsageRecords.member.CustomerIdentifier.max').arbitrary, { numRuns: 10, seed: 1 })) {
      for (const r of request.UsageRecords as Record<string, unknown>[]) {
        expect(r.CustomerAWSAccountId).toBeUndefined();
        if (codePointLength(String(r.CustomerIdentifier)) <= 255) expect(r.CustomerIdentifier).toBe('mc-legacy-subscribed-0001');
      }
    }
    for (const request of fc.sample(byId(model, 'BatchMeterUsage', 'model.BatchMeterUsage.UsageRecords.member.LicenseArn.pattern').arbitrary, { numRuns: 10, seed: 1 })) {
      expect(request.ProductCode).toBeUndefined();
    }
  });
  test('without the fixtures for a valid rest, the rule says why (and is judged with the wide set)', () => {
    expect(cases(model, 'MeterUsage', EMPTY_FIXTURES).every((c) => /no product that MeterUsage can meter/.test(c.unmet ?? ''))).toBe(true);
    expect(cases(model, 'RegisterUsage', EMPTY_FIXTURES).every((c) => /no registration/.test(c.unmet ?? ''))).toBe(true);
    const noLegacy: TargetFixtures = { ...FIXTURES, customers: FIXTURES.customers.filter((c) => c.identifier === undefined) };
    const batch = cases(model, 'BatchMeterUsage', noLegacy);
    expect(batch.filter((c) => c.unmet !== undefined).map((c) => c.fault.ruleId)).toEqual([
      'model.BatchMeterUsage.UsageRecords.member.CustomerIdentifier.type',
      'model.BatchMeterUsage.UsageRecords.member.CustomerIdentifier.max',
    ]);
    expect(cases(model, 'ResolveCustomer', EMPTY_FIXTURES).every((c) => c.unmet === undefined)).toBe(true);
  });
});

describe('B: fixed cases first: the value past each bound, the documented values', () => {
  const examples = (id: string) => byId(model, id.split('.')[1], id).examples();
  test('min-1 and max+1 of every length, value and size rule', () => {
    expect(examples('model.MeterUsage.UsageDimension.max').map((r) => codePointLength(r.UsageDimension as string))).toEqual([256]);
    expect(examples('model.MeterUsage.UsageDimension.min').map((r) => r.UsageDimension)).toEqual(['']);
    expect(examples('model.MeterUsage.UsageQuantity.min').map((r) => r.UsageQuantity)).toEqual([-1]);
    expect(examples('model.MeterUsage.UsageQuantity.max').map((r) => r.UsageQuantity)).toEqual([2147483648]);
    expect(examples('model.RegisterUsage.PublicKeyVersion.min').map((r) => r.PublicKeyVersion)).toEqual([0]);
    expect(examples('model.BatchMeterUsage.UsageRecords.max').map((r) => (r.UsageRecords as unknown[]).length)).toEqual([26]);
    expect(examples('model.MeterUsage.UsageAllocations.min').map((r) => r.UsageAllocations)).toEqual([[]]);
    const tags = examples('model.MeterUsage.UsageAllocations.member.Tags.max')[0].UsageAllocations as { Tags: Tag[] }[];
    expect(tags[0].Tags).toHaveLength(6);
    for (const operation of ['MeterUsage', 'BatchMeterUsage', 'RegisterUsage', 'ResolveCustomer']) {
      for (const { fault } of cases(model, operation)) {
        const fixed = fault.examples();
        if (fault.constraint === 'min' || fault.constraint === 'max') expect(fixed.length, fault.ruleId).toBeGreaterThan(0);
        for (const request of fixed) expect(faultSampleProblems(model, operation, fault, request), fault.ruleId).toEqual([]);
      }
    }
  });
  test('the documented values: a tag value "can be empty or null"', () => {
    const value = (r: Record<string, unknown>) => (r.UsageAllocations as { Tags: Record<string, unknown>[] }[])[0].Tags[0];
    expect(examples('model.MeterUsage.UsageAllocations.member.Tags.member.Value.min').map((r) => value(r).Value)).toEqual(['']);
    const missing = examples('model.MeterUsage.UsageAllocations.member.Tags.member.Value.required');
    expect(missing).toHaveLength(1);
    expect('Value' in value(missing[0])).toBe(false);
    // '' breaks min as well as the pattern: not a case of the pattern rule.
    expect(examples('model.MeterUsage.UsageAllocations.member.Tags.member.Value.pattern')).toEqual([]);
  });
  test('the fixed cases are the smallest requests: nothing but what the fixtures pin and the fault', () => {
    expect(Object.keys(examples('model.MeterUsage.UsageQuantity.min')[0]).sort()).toEqual(['ProductCode', 'Timestamp', 'UsageDimension', 'UsageQuantity']);
    expect(examples('model.MeterUsage.UsageDimension.max')[0].UsageDimension).toBe('a'.repeat(256));
  });
});

describe('C: shrinking reaches the smallest failing value', () => {
  test('meter-usage.too-many-tags: max+1 tags, distinct one-character keys, values of the minimum length', () => {
    const max = modelLimits(model).tags!;
    const valueMin = (model.shapes.TagValue as { min?: number }).min ?? 0;
    expect(max).toBe(5);
    expect(valueMin).toBe(1);
    for (const seed of [1, 2, 3, 4, 5]) {
      const request = shrunk(meterUsageWithTagCount(FIXTURES, model, NOW), (r) => r.UsageAllocations![0].Tags!.length > max, seed);
      const tags = request.UsageAllocations![0].Tags!;
      expect(tags).toHaveLength(max + 1);
      expect(new Set(tags.map((t) => t.Key)).size).toBe(max + 1);
      for (const tag of tags) {
        expect(codePointLength(tag.Key), JSON.stringify(tags)).toBe(1);
        expect(codePointLength(tag.Value), JSON.stringify(tags)).toBe(valueMin);
      }
    }
  });
  test('tag texts drawn at full length shrink to the shortest that still fails', () => {
    for (const seed of [1, 2, 3]) {
      const tags = shrunk(meterUsageWithTagCount(FIXTURES, model, NOW, { count: 1 }), (r) => codePointLength(r.UsageAllocations![0].Tags![0].Value) >= 3, seed);
      expect(tags.UsageAllocations![0].Tags![0].Value).toBe('aaa');
    }
  });
  test('lists drawn at their maximum size shrink to the smallest size that fails', () => {
    // maxItemsWeight makes the 2500-allocation draw common; the list still shrinks to 2.
    const lists = validValue(model, 'UsageAllocations', { maxItemsWeight: 20 });
    for (const seed of [1, 2, 3, 4]) expect(shrunk(lists, (l) => (l as unknown[]).length >= 2, seed)).toHaveLength(2);
  });
  test('timestamps shrink to whole seconds, stale ones to the boundary', () => {
    const window = timestampWindow(model, 'MeterUsage');
    const newest = NOW - window.rejectBeyondMs - 60_000;
    for (const seed of [1, 2, 3]) {
      const stale = shrunk(staleMeterUsageTimestamp(model, NOW), () => true, seed);
      expect(stale.getTime()).toBe(newest);
      const inside = shrunk(instantBetween(NOW - 3_600_000 + 1, NOW), (d) => d.getTime() > NOW - 1_800_000, seed);
      expect(inside.getTime() % 1000).toBe(0);
      expect(inside.getTime()).toBe(NOW - 1_799_000);
    }
  });
  test('a derived max rule shrinks to max+1', () => {
    const fault = byId(model, 'MeterUsage', 'model.MeterUsage.UsageDimension.max');
    for (const seed of [1, 2, 3]) expect(shrunk(fault.arbitrary, () => true, seed).UsageDimension).toBe('a'.repeat(256));
    expect(structure(model, 'MeterUsageRequest').members.UsageDimension).toBeDefined();
  });
});
