// MeterUsage scenario generators: requests that the rules of suites/meter-usage need,
// built from the target's fixtures and the model's bounds (never hard-coded values).
import fc from 'fast-check';
import type { ProductFixture, TargetFixtures } from '../target/description.js';
import { insideWindow, staleTimestamp as staleInWindow, timestampWindow } from './domain.js';
import { memberShape, structure, type ServiceModel } from './model.js';

// The request types are domain.ts's; MeterUsageRequest is the name the suites use.
export type { MeterUsageInput as MeterUsageRequest, Tag, UsageAllocation } from './domain.js';
import type { MeterUsageInput as MeterUsageRequest, Tag, UsageAllocation } from './domain.js';

const HOUR_MS = 3_600_000;

/** The characters of the tag pattern ^[a-zA-Z0-9+ -=._:\/@]+$ (` -=` is the range U+0020..U+003D). */
export const TAG_CHARACTERS: string[] = (() => {
  const chars = new Set<string>();
  for (let c = 0x20; c <= 0x3d; c++) chars.add(String.fromCharCode(c));
  for (const c of '+._:/@') chars.add(c);
  for (let c = 0x41; c <= 0x5a; c++) chars.add(String.fromCharCode(c));
  for (let c = 0x61; c <= 0x7a; c++) chars.add(String.fromCharCode(c));
  return [...chars];
})();

export function meterableProducts(fixtures: TargetFixtures): ProductFixture[] {
  return fixtures.products.filter((p) => p.kind !== 'saas' && p.dimensions.length > 0);
}

/** Upper bound of UsageQuantity in this model version. */
export function maxUsageQuantity(model: ServiceModel): number {
  const shape = memberShape(model, 'MeterUsageRequest', 'UsageQuantity');
  return shape?.type === 'integer' && shape.max !== undefined ? shape.max : 2_147_483_647;
}

/** True when this model version knows the member (allocations, ClientToken arrived later). */
export function hasMember(model: ServiceModel, member: string): boolean {
  return memberShape(model, 'MeterUsageRequest', member) !== undefined;
}

/** Quantities across the whole range, boundaries weighted up. */
export function quantity(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(0, 1, max - 1, max) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 1000 }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max }) },
  );
}

const tagText = (maxLength: number) => fc.string({ unit: fc.constantFrom(...TAG_CHARACTERS), minLength: 1, maxLength });
export const tag: fc.Arbitrary<Tag> = fc.record({ Key: tagText(12), Value: tagText(16) });

/** A tag list with distinct keys, 1..maxTags long. */
export function tagList(maxTags = 5, minTags = 1): fc.Arbitrary<Tag[]> {
  return fc.uniqueArray(tag, { minLength: minTags, maxLength: maxTags, selector: (t) => t.Key });
}

/** Canonical text of a tag set: allocations with equal keys are the "same set of tags". */
export function tagSetKey(tags: Tag[] | undefined): string {
  return JSON.stringify([...(tags ?? [])].map((t) => [t.Key, t.Value]).sort());
}

/** Splits `total` into `parts` non-negative integers that add up to it. */
function split(total: number, parts: number): fc.Arbitrary<number[]> {
  if (parts === 1) return fc.constant([total]);
  return fc.array(fc.integer({ min: 0, max: total }), { minLength: parts - 1, maxLength: parts - 1 }).map((cuts) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    return [...sorted, total].map((cut, i) => cut - (i === 0 ? 0 : sorted[i - 1]));
  });
}

/** 1..4 allocations with distinct tag sets (at most one untagged) adding up to `total`. */
export function allocations(total: number): fc.Arbitrary<UsageAllocation[]> {
  return fc
    .uniqueArray(fc.option(tagList(), { nil: undefined, freq: 4 }), { minLength: 1, maxLength: 4, selector: tagSetKey })
    .chain((tagSets) =>
      split(total, tagSets.length).map((amounts) =>
        tagSets.map((tags, i) => (tags ? { AllocatedUsageQuantity: amounts[i], Tags: tags } : { AllocatedUsageQuantity: amounts[i] })),
      ),
    );
}

/** A timestamp within the last hour of `nowMs` (whole seconds, as an SDK would send). */
export function recentTimestamp(nowMs: number): fc.Arbitrary<Date> {
  return fc.integer({ min: 60, max: 55 * 60 }).map((secondsAgo) => new Date(Math.floor(nowMs / 1000 - secondsAgo) * 1000));
}

/** A timestamp older than the six-hour window: 6 h + 1 min up to 30 days back. */
export function staleTimestamp(nowMs: number): fc.Arbitrary<Date> {
  return fc
    .oneof(fc.integer({ min: 6 * 60 + 1, max: 8 * 60 }), fc.integer({ min: 8 * 60, max: 30 * 24 * 60 }))
    .map((minutesAgo) => new Date(Math.floor(nowMs / 1000) * 1000 - minutesAgo * 60_000));
}

export interface MeterUsageOptions {
  /** Include UsageAllocations sometimes (default: when the model has them). */
  allocations?: boolean;
  /** Pin the quantity (for rules that need a particular one). */
  quantity?: fc.Arbitrary<number>;
  timestamp?: fc.Arbitrary<Date>;
}

/** Valid MeterUsage requests for a product the target knows. */
export function validMeterUsage(fixtures: TargetFixtures, model: ServiceModel, nowMs: number, options: MeterUsageOptions = {}): fc.Arbitrary<MeterUsageRequest> {
  const products = meterableProducts(fixtures);
  const withAllocations = options.allocations ?? hasMember(model, 'UsageAllocations');
  // The first model versions require DryRun; later ones default it to false (explicit or not).
  const dryRunRequired = structure(model, 'MeterUsageRequest').required.includes('DryRun');
  return fc
    .record({
      product: fc.constantFrom(...products),
      pick: fc.nat(),
      quantity: options.quantity ?? quantity(maxUsageQuantity(model)),
      timestamp: options.timestamp ?? recentTimestamp(nowMs),
      explicitDryRunFalse: dryRunRequired ? fc.constant(true) : fc.boolean(),
    })
    .chain(({ product, pick, quantity: q, timestamp, explicitDryRunFalse }) => {
      const base: MeterUsageRequest = {
        ProductCode: product.code,
        Timestamp: timestamp,
        UsageDimension: product.dimensions[pick % product.dimensions.length],
        UsageQuantity: q,
        ...(explicitDryRunFalse ? { DryRun: false } : {}),
      };
      if (!withAllocations) return fc.constant(base);
      return fc.option(allocations(q), { nil: undefined, freq: 2 }).map((a) => (a ? { ...base, UsageAllocations: a } : base));
    });
}

/** Timestamps beyond this model version's MeterUsage window. */
export function staleMeterUsageTimestamp(model: ServiceModel, nowMs: number): fc.Arbitrary<Date> {
  return staleInWindow(nowMs, timestampWindow(model, 'MeterUsage'));
}

/** Timestamps every reading of this model version's MeterUsage window accepts. */
export function acceptedMeterUsageTimestamp(model: ServiceModel, nowMs: number): fc.Arbitrary<Date> {
  return insideWindow(nowMs, timestampWindow(model, 'MeterUsage'));
}

/** Floor of a timestamp to its hour, the MeterUsage duplicate key's time part. */
export function hourOf(date: Date): number {
  return Math.floor(date.getTime() / HOUR_MS);
}
