// MeterUsage requests: valid ones for the target's fixtures, with allocations adding up to the
// quantity when drawn, and with too many or duplicate tags.
import fc from 'fast-check';
import { HOUR_MS, hourStart, MINUTE_MS, SECOND_MS } from '../core/calendar.js';
import type { ProductFixture, TargetFixtures } from '../core/description.js';
import { memberShape, ModelError, structure, type ServiceModel } from '../core/model.js';
import { boundedInteger } from './arbitraries.js';
import { allocatedQuantity, quantityOf, withTags, type AllocatedQuantity } from './allocations.js';
import type { MeterUsageInput, Tag } from './inputs.js';
import { firstFree, meterUsagePayload, takenKeys } from './key-steering.js';
import { modelLimits, requireShape } from './limits.js';
import { tagCharacters, tagList, tagOf } from './tags.js';
import { insideWindow, staleTimestamp, timestampWindow } from './time-windows.js';

/** Products MeterUsage can meter: not SaaS (those use BatchMeterUsage), with a dimension. */
export function meterableProducts(fixtures: TargetFixtures): ProductFixture[] {
  return fixtures.products.filter((p) => p.kind !== 'saas' && p.entitled !== false && p.dimensions.length > 0);
}

/** True when this model version's MeterUsageRequest has the member (UsageAllocations and ClientToken arrived later). */
export function meterUsageHasMember(model: ServiceModel, member: string): boolean {
  return memberShape(model, 'MeterUsageRequest', member) !== undefined;
}

/**
 * Timestamps 1 to 55 minutes old, in whole seconds as an SDK sends them: inside the hour that
 * MeterUsage must accept (a month boundary aside), and far enough from the
 * clock that a rule adding milliseconds stays in the past.
 */
export function recentTimestamp(nowMs: number): fc.Arbitrary<Date> {
  const { to } = recentRange(nowMs);
  return fc.integer({ min: 60, max: 55 * 60 }).map((secondsAgo) => new Date(to + MINUTE_MS - secondsAgo * SECOND_MS));
}

/** The instants recentTimestamp draws at `nowMs`, [from, to] in epoch ms. */
function recentRange(nowMs: number): { from: number; to: number } {
  const now = Math.floor(nowMs / SECOND_MS) * SECOND_MS;
  return { from: now - 55 * MINUTE_MS, to: now - MINUTE_MS };
}

/** Timestamps beyond this model version's MeterUsage window. */
export function staleMeterUsageTimestamp(model: ServiceModel, nowMs: number): fc.Arbitrary<Date> {
  return staleTimestamp(nowMs, timestampWindow(model, 'MeterUsage'));
}

/** Timestamps every reading of this model version's MeterUsage window accepts. */
export function acceptedMeterUsageTimestamp(model: ServiceModel, nowMs: number): fc.Arbitrary<Date> {
  return insideWindow(nowMs, timestampWindow(model, 'MeterUsage'));
}

export interface MeterUsageOptions {
  /** Include UsageAllocations sometimes (default: when the model has them). */
  allocations?: boolean;
  /**
   * Pin the quantity (for rules that need a particular one); default 0..the model's max, boundaries weighted up.
   * With allocations it must shrink without a context (fc.integer, fc.constantFrom: see allocatedQuantity).
   */
  quantity?: fc.Arbitrary<number>;
  /** Default: recentTimestamp. */
  timestamp?: fc.Arbitrary<Date>;
}

/** Valid MeterUsage requests for a product of the target's fixtures; allocations, when drawn, add up to the quantity. */
export function validMeterUsage(fixtures: TargetFixtures, model: ServiceModel, nowMs: number, options: MeterUsageOptions = {}): fc.Arbitrary<MeterUsageInput> {
  const products = meterableProducts(fixtures);
  if (products.length === 0) throw new ModelError('the fixtures have no product that MeterUsage can meter');
  const withAllocations = options.allocations ?? meterUsageHasMember(model, 'UsageAllocations');
  // The first model versions require DryRun; later ones default it to false (explicit or not).
  const dryRunRequired = structure(model, 'MeterUsageRequest').required.includes('DryRun');
  const quantity = options.quantity ?? boundedInteger(0, modelLimits(model).quantity);
  // Every (product, dimension) key in order, for steering a draw off a taken key (key-steering.ts),
  // and where each product's first one is.
  const keys = products.flatMap((p) => p.dimensions.map((d): [string, string] => [p.code, d]));
  const firstKey = new Map(products.map((p) => [p, keys.findIndex((k) => k[0] === p.code)]));
  // A drawn recent timestamp may move to the other hour the range holds (a rule's own stays).
  const range = options.timestamp === undefined ? recentRange(nowMs) : undefined;
  // Allocations drawn with their quantity (half the requests): no chain, nothing built per value.
  const amount: fc.Arbitrary<AllocatedQuantity> = withAllocations ? allocatedQuantity(model, quantity) : quantity.map((q) => ({ quantity: q }), quantityOf);
  return fc
    .record(
      {
        product: fc.constantFrom(...products),
        pick: fc.nat(),
        amount,
        timestamp: options.timestamp ?? recentTimestamp(nowMs),
        explicitDryRunFalse: dryRunRequired ? fc.constant(true) : fc.boolean(),
      },
      { noNullPrototype: true },
    )
    .map(({ product, pick, amount: { quantity: q, allocations }, timestamp, explicitDryRunFalse }): MeterUsageInput => {
      const drawn = firstKey.get(product)! + (pick % product.dimensions.length);
      const steered = steeredKey(keys, drawn, timestamp, meterUsagePayload(q, allocations), range);
      return {
        ProductCode: steered.code,
        Timestamp: steered.timestamp,
        UsageDimension: steered.dimension,
        UsageQuantity: q,
        ...(explicitDryRunFalse ? { DryRun: false } : {}),
        ...(allocations ? { UsageAllocations: allocations } : {}),
      };
    });
}

/**
 * The drawn (product, dimension) key `at` or, where it is taken in the hour of `timestamp`, the
 * next free one; with none free there, the next free one in the other hour of `range` (the
 * timestamp moved by an hour, kept inside it); with none free at all, the next that holds a
 * record of the drawn `payload` (the request is then answered as that record, as on a clean
 * ledger as its own), else the next that holds a record whose request is known (a rule can
 * judge its case against that record).
 */
function steeredKey(keys: [string, string][], at: number, timestamp: Date, payload: string, range?: { from: number; to: number }): { code: string; dimension: string; timestamp: Date } {
  const taken = takenKeys();
  const pick = (i: number, when: Date) => ({ code: keys[i][0], dimension: keys[i][1], timestamp: when });
  const freeIn = (hour: number) => (i: number) => !taken.meterUsage(keys[i][0], keys[i][1], hour);
  const hour = hourStart(timestamp.getTime());
  const next = firstFree(at, keys.length, freeIn(hour));
  if (freeIn(hour)(next)) return pick(next, timestamp);
  for (const shift of range === undefined ? [] : [-HOUR_MS, HOUR_MS]) {
    const other = hour + shift;
    const [lo, hi] = [Math.max(other, range!.from), Math.min(other + HOUR_MS - SECOND_MS, range!.to)];
    const there = firstFree(at, keys.length, freeIn(other));
    if (lo <= hi && freeIn(other)(there)) return pick(there, new Date(Math.min(Math.max(timestamp.getTime() + shift, lo), hi)));
  }
  const holds = firstFree(at, keys.length, (i) => taken.meterUsageHolds(keys[i][0], keys[i][1], hour, payload));
  if (taken.meterUsageHolds(keys[holds][0], keys[holds][1], hour, payload)) return pick(holds, timestamp);
  return pick(firstFree(at, keys.length, (i) => taken.meterUsageHeld(keys[i][0], keys[i][1], hour)), timestamp);
}

export interface TagCountOptions {
  /** Tags on the one allocation (default one more than the model's TagList max: 6). */
  count?: number;
}

/**
 * Valid MeterUsage requests (no allocations of their own) given one allocation of the whole
 * quantity that carries `options.count` tags with distinct keys (meter-usage.too-many-tags by
 * default). A failing case shrinks to that many tags with one-character keys and values of the
 * model's minimum length.
 */
export function meterUsageWithTagCount(fixtures: TargetFixtures, model: ServiceModel, nowMs: number, options: TagCountOptions = {}): fc.Arbitrary<MeterUsageInput> {
  requireShape(model, 'UsageAllocations', 'usage allocations');
  const n = options.count ?? (modelLimits(model).tags ?? 5) + 1;
  return fc
    .tuple(validMeterUsage(fixtures, model, nowMs, { allocations: false }), tagList(model, { minTags: n, maxTags: n }))
    .map(([request, tags]): MeterUsageInput => ({ ...request, UsageAllocations: [withTags(request.UsageQuantity ?? 0, tags)] }));
}

/**
 * Valid MeterUsage requests (no allocations of their own) given one allocation of the whole
 * quantity in which two tags share one Key: 1 to max-1 tags with distinct keys, plus a second
 * tag with the Key of one of them, its Value either the same (the tag repeated) or drawn anew,
 * inserted anywhere in the list. The allocation stays within the model's TagList max.
 */
export function meterUsageWithDuplicateTagKey(fixtures: TargetFixtures, model: ServiceModel, nowMs: number): fc.Arbitrary<MeterUsageInput> {
  requireShape(model, 'UsageAllocations', 'usage allocations');
  const max = modelLimits(model).tags ?? 5;
  const otherValue = fc.option(tagOf(model, tagCharacters(model).allowed), { nil: undefined });
  return fc
    .tuple(validMeterUsage(fixtures, model, nowMs, { allocations: false }), tagList(model, { minTags: 1, maxTags: Math.max(1, max - 1) }), fc.nat(), fc.nat(), otherValue)
    .map(([request, tags, from, at, other]): MeterUsageInput => {
      const original = tags[from % tags.length];
      const twin: Tag = { Key: original.Key, Value: other ? other.Value : original.Value };
      const all = tags.map((t) => ({ ...t }));
      all.splice(at % (all.length + 1), 0, twin);
      return { ...request, UsageAllocations: [withTags(request.UsageQuantity ?? 0, all)] };
    });
}

export interface PlainMeterUsageOptions {
  /** Pin the quantity; default as validMeterUsage's (0..the model's max, boundaries weighted up). */
  quantity?: fc.Arbitrary<number>;
}

/**
 * Valid MeterUsage requests without allocations: the plain request the protocol and
 * authentication rules wrap, and the one MeterUsage rules send again with another quantity.
 */
export function plainMeterUsage(fixtures: TargetFixtures, model: ServiceModel, nowMs: number, options: PlainMeterUsageOptions = {}): fc.Arbitrary<MeterUsageInput> {
  return validMeterUsage(fixtures, model, nowMs, { allocations: false, ...(options.quantity ? { quantity: options.quantity } : {}) });
}

/**
 * One fixed valid MeterUsage request of `model`, for the examples of rules: the first meterable
 * product and its first dimension, quantity 1, at the whole minute ten minutes before the one
 * of `nowMs`, with DryRun false where the model requires it (its first versions).
 */
export function exampleMeterUsage(fixtures: TargetFixtures, model: ServiceModel, nowMs: number): MeterUsageInput {
  const product = meterableProducts(fixtures)[0];
  const tenMinutesAgo = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
  const dryRunRequired = structure(model, 'MeterUsageRequest').required.includes('DryRun');
  return { ProductCode: product.code, UsageDimension: product.dimensions[0], UsageQuantity: 1, Timestamp: new Date(tenMinutesAgo), ...(dryRunRequired ? { DryRun: false } : {}) };
}
