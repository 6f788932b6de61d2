// Usage allocations: lists whose quantities add up to a total (or do not), with distinct tag sets
// (or two alike), a given number of tags, or tag characters at the pattern's edge.
import fc from 'fast-check';
import type { ServiceModel } from '../core/model.js';
import { CROSS_SHRINK } from './arbitraries.js';
import type { Tag, UsageAllocation } from './inputs.js';
import { drawerOf, drawInteger, drawLength, drawnBy } from './draws.js';
import { modelLimits, once, requireShape } from './limits.js';
import { tagCharacters, tagList, tagSetKey } from './tags.js';

/** Splits `total` into `parts` (at least one) non-negative integers that add up to it. */
function split(total: number, parts: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: total }), { minLength: parts - 1, maxLength: parts - 1 }).map((cuts) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    return [...sorted, total].map((cut, i) => cut - (i === 0 ? 0 : sorted[i - 1]));
  });
}

export interface AllocationOptions {
  minCount?: number;
  /** Default 4 (at most the model's UsageAllocations max). */
  maxCount?: number;
  /** `mixed` (default): tagged allocations and at most one untagged; `none`: one allocation without tags; `all`: every allocation tagged. */
  tags?: 'mixed' | 'none' | 'all';
}

export function withTags(quantity: number, tags: Tag[] | undefined): UsageAllocation {
  return tags ? { AllocatedUsageQuantity: quantity, Tags: tags } : { AllocatedUsageQuantity: quantity };
}

/** Two tag sets alike as tagSetKey reads them (keys are distinct within a set). */
function sameTagSet(a: Tag[], b: Tag[]): boolean {
  return a.length === b.length && b.every((t) => a.some((u) => u.Key === t.Key && u.Value === t.Value));
}

/**
 * `length` tag sets (undefined: no tags) as fc.uniqueArray(set, { selector: tagSetKey }) draws
 * them: a set alike an earlier one (a second untagged one, mostly) is drawn again.
 */
function drawTagSets(
  mrng: fc.Random,
  itemBias: number | undefined,
  { length, max }: { length: number; max: number },
  drawSet: (mrng: fc.Random, bias: number | undefined) => Tag[] | undefined,
): (Tag[] | undefined)[] {
  const sets: (Tag[] | undefined)[] = [];
  let untagged = false;
  // fc.uniqueArray gives up after as many draws in a row as its longest array.
  for (let skipped = 0; sets.length < length && skipped < max; ) {
    const tags = drawSet(mrng, itemBias);
    if (tags === undefined ? untagged : sets.some((s) => s !== undefined && sameTagSet(s, tags))) {
      skipped++;
      continue;
    }
    untagged ||= tags === undefined;
    sets.push(tags);
    skipped = 0;
  }
  return sets;
}

/** Allocations of the tag sets `chosen`, split by the first chosen.length - 1 `cuts` (missing ones count as 0: the shrinker drops cuts). */
function allocate(total: number, chosen: (Tag[] | undefined)[], cuts: number[]): UsageAllocation[] {
  const used = cuts.slice(0, chosen.length - 1).sort((a, b) => a - b);
  while (used.length < chosen.length - 1) used.unshift(0);
  return chosen.map((tags, i) => withTags((i < used.length ? used[i] : total) - (i === 0 ? 0 : used[i - 1]), tags));
}

/** The tag sets and cuts that allocate() makes `value` from, when `value` is allocations adding up to `total`. */
function cutsOf(total: number, value: unknown): [(Tag[] | undefined)[], number[]] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('not allocations');
  const chosen: (Tag[] | undefined)[] = [];
  const cuts: number[] = [];
  let sum = 0;
  for (const a of value as Partial<UsageAllocation>[]) {
    if (typeof a?.AllocatedUsageQuantity !== 'number') throw new Error('not an allocation');
    if (cuts.length < value.length - 1) cuts.push((sum += a.AllocatedUsageQuantity));
    else sum += a.AllocatedUsageQuantity;
    chosen.push(a.Tags);
  }
  if (sum !== total) throw new Error(`allocations adding up to ${sum}, not ${total}`);
  return [chosen, cuts];
}

interface AllocationDrawer {
  /** Tag sets: drawn by drawTagSets, shrunk as fc.uniqueArray. */
  sets: fc.Arbitrary<(Tag[] | undefined)[]>;
  /** The draw of `sets`. */
  drawSets: (mrng: fc.Random, bias: number | undefined) => (Tag[] | undefined)[];
  /** Most allocations. */
  max: number;
}

/** What allocationsSummingTo needs besides the total, built once per model and options. */
function allocationDrawer(model: ServiceModel, options: AllocationOptions): AllocationDrawer {
  return once(model, `allocations ${options.tags} ${options.minCount} ${options.maxCount}`, () => {
    requireShape(model, 'UsageAllocations', 'usage allocations');
    const limit = modelLimits(model).allocations ?? 1;
    const mode = options.tags ?? 'mixed';
    const max = mode === 'none' ? 1 : Math.min(options.maxCount ?? 4, limit);
    const min = Math.max(1, Math.min(options.minCount ?? 1, max));
    const tags = tagList(model);
    const drawTags = drawerOf(tags);
    // fc.option(tags, { freq: 4 }): no tags one time in four.
    const drawSet = (mrng: fc.Random, bias: number | undefined): Tag[] | undefined =>
      mode === 'none' || (mode === 'mixed' && mrng.nextInt(0, 3) === 0) ? undefined : drawTags(mrng, bias);
    const draw = (mrng: fc.Random, bias: number | undefined) => {
      for (;;) {
        const { length, itemBias } = drawLength(mrng, min, max, bias);
        const sets = drawTagSets(mrng, itemBias, { length, max }, drawSet);
        // Too few after giving up: fc.uniqueArray's minLength filter draws again.
        if (sets.length >= min) return sets;
      }
    };
    const set = mode === 'none' ? fc.constant(undefined) : mode === 'all' ? tags : fc.option(tags, { nil: undefined, freq: 4 });
    return { sets: drawnBy(draw, () => fc.uniqueArray(set, { minLength: min, maxLength: max, selector: tagSetKey })), drawSets: draw, max };
  });
}

/** Allocations of `total` as allocationsSummingTo draws them: tag sets, then cuts (fc.integer's, bias included). */
function drawAllocations(mrng: fc.Random, bias: number | undefined, { drawSets }: AllocationDrawer, total: number): UsageAllocation[] {
  const chosen = drawSets(mrng, bias);
  const cuts: number[] = [];
  for (let i = 1; i < chosen.length; i++) cuts.push(drawInteger(mrng, 0, total, bias));
  return allocate(total, chosen, cuts);
}

/**
 * Allocations with distinct tag sets whose quantities add up to `total`: 1..4 (options) tag
 * sets, at most one of them untagged, and the total cut at uniform points (its ends weighted
 * up). Drawn directly (see draws.ts), they shrink as fc.tuple(fc.uniqueArray(set), cuts) would:
 * to fewer allocations, fewer and shorter tags, and the whole total on the last allocation.
 */
export function allocationsSummingTo(model: ServiceModel, total: number, options: AllocationOptions = {}): fc.Arbitrary<UsageAllocation[]> {
  const drawer = allocationDrawer(model, options);
  const { sets, max } = drawer;
  const cuts = () => fc.array(fc.integer({ min: 0, max: total }), { maxLength: Math.max(0, max - 1) });
  return drawnBy(
    (mrng, bias) => drawAllocations(mrng, bias, drawer, total),
    () => fc.tuple(sets, cuts()).map(([chosen, c]) => allocate(total, chosen, c), (value) => cutsOf(total, value)),
  );
}

/** A quantity and, sometimes, allocations adding up to it. */
export interface AllocatedQuantity {
  quantity: number;
  allocations?: UsageAllocation[];
}

/** The quantity of an AllocatedQuantity without allocations (the unmapper of `quantity.map((q) => ({ quantity: q }))`). */
export function quantityOf(value: unknown): number {
  const { quantity, allocations, ...rest } = (value ?? {}) as Partial<AllocatedQuantity>;
  if (typeof quantity !== 'number' || allocations !== undefined || Object.keys(rest).length > 0) throw new Error('not a quantity without allocations');
  return quantity;
}

/**
 * A quantity drawn from `quantity` and, half the time (as fc.option's freq 2), allocations
 * adding up to it (as allocationsSummingTo's). One arbitrary rather than a chain from the
 * quantity: nothing is built per value, and when the quantity shrinks the allocations' cuts
 * are held to it, so that they still add up. `quantity` must shrink without a context (not a
 * chain, maps with an unmapper), as fc.integer and fc.constantFrom do.
 */
export function allocatedQuantity(model: ServiceModel, quantity: fc.Arbitrary<number>, options: AllocationOptions = {}): fc.Arbitrary<AllocatedQuantity> {
  const drawer = allocationDrawer(model, options);
  const { sets, max } = drawer;
  const drawQuantity = drawerOf(quantity);
  const draw = (mrng: fc.Random, bias: number | undefined): AllocatedQuantity => {
    const q = drawQuantity(mrng, bias);
    return mrng.nextInt(0, 1) === 0 ? { quantity: q } : { quantity: q, allocations: drawAllocations(mrng, bias, drawer, q) };
  };
  const shrinker = () => {
    const cuts = fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { maxLength: Math.max(0, max - 1) });
    return fc.tuple(quantity, fc.option(fc.tuple(sets, cuts), { nil: undefined, freq: 2 })).map(
      ([q, drafted]): AllocatedQuantity => (drafted ? { quantity: q, allocations: allocate(q, drafted[0], drafted[1].map((c) => Math.min(c, q))) } : { quantity: q }),
      (value) => {
        const { quantity: q, allocations } = (value ?? {}) as Partial<AllocatedQuantity>;
        if (typeof q !== 'number') throw new Error('not an allocated quantity');
        return [q, allocations === undefined ? undefined : cutsOf(q, allocations)];
      },
    );
  };
  return drawnBy(draw, shrinker);
}

/** A quantity other than `total` (by 1 or more, either way), still within 0..quantity max. */
export function otherQuantity(model: ServiceModel, total: number): fc.Arbitrary<number> {
  const max = modelLimits(model).quantity;
  return fc.tuple(fc.oneof(CROSS_SHRINK, fc.constant(1), fc.integer({ min: 1, max: 1000 })), fc.boolean()).map(([delta, down]) => {
    if ((down && total - delta >= 0) || total + delta > max) return Math.max(0, total - delta);
    return total + delta;
  });
}

/** Allocations whose quantities do not add up to `total` (InvalidUsageAllocationsException). */
export function allocationsNotSummingTo(model: ServiceModel, total: number, options: AllocationOptions = {}): fc.Arbitrary<UsageAllocation[]> {
  return otherQuantity(model, total).chain((other) => allocationsSummingTo(model, other, options));
}

export interface DuplicateTagSetOptions {
  /** The two alike allocations carry no tags at all rather than one tag set (default false). */
  untagged?: boolean;
}

/**
 * Allocations adding up to `total` in which two share one set of tags (the second in another
 * order), or, with `untagged`, two carry no tags at all.
 */
export function duplicateTagSetAllocations(model: ServiceModel, total: number, { untagged = false }: DuplicateTagSetOptions = {}): fc.Arbitrary<UsageAllocation[]> {
  requireShape(model, 'UsageAllocations', 'usage allocations');
  const shared = untagged ? fc.constant(undefined) : tagList(model, { minTags: 1 });
  const others = fc.uniqueArray(tagList(model), { maxLength: 2, selector: tagSetKey });
  return fc
    .tuple(shared, others, fc.nat())
    .filter(([tags, rest]) => rest.every((o) => tagSetKey(o) !== tagSetKey(tags)))
    .chain(([tags, rest, at]) =>
      split(total, rest.length + 2).map((amounts) => {
        const twin = tags ? [...tags].reverse().map((t) => ({ ...t })) : undefined;
        const all = [withTags(amounts[0], tags), ...rest.map((o, i) => withTags(amounts[i + 1], o)), withTags(amounts[rest.length + 1], twin)];
        // Move the twin somewhere inside the list so it is not always last.
        const [last] = all.splice(all.length - 1, 1);
        all.splice(1 + (at % all.length), 0, last);
        return all;
      }),
    );
}

/** One allocation of `total` carrying exactly `count` tags with distinct keys (5 is the model's max, 6 one too many). */
export function allocationWithTagCount(model: ServiceModel, total: number, count: number): fc.Arbitrary<UsageAllocation[]> {
  requireShape(model, 'UsageAllocations', 'usage allocations');
  return tagList(model, { minTags: count, maxTags: count }).map((tags) => [withTags(total, tags)]);
}

/**
 * One allocation of `total` whose tags use the characters at the edge of the tag pattern:
 * `allowed` keeps every character admitted; `rejected` puts one rejected edge character into
 * a key or a value.
 */
export function edgeCharacterAllocations(model: ServiceModel, total: number, side: 'allowed' | 'rejected'): fc.Arbitrary<UsageAllocation[]> {
  const chars = tagCharacters(model);
  const tags = tagList(model, { minTags: 1, chars: chars.edgeAllowed });
  if (side === 'allowed') return tags.map((t) => [withTags(total, t)]);
  return fc.tuple(tags, fc.constantFrom(...chars.edgeRejected), fc.nat(), fc.boolean()).map(([t, bad, at, inKey]) => {
    const copy = t.map((x) => ({ ...x }));
    const target = copy[at % copy.length];
    const field = inKey ? 'Key' : 'Value';
    const text = [...target[field]];
    text[at % text.length] = bad;
    target[field] = text.join('');
    return [withTags(total, copy)];
  });
}

/** Allocations as an order-insensitive value: tag order and allocation order do not count ('none' without allocations). */
export function canonicalAllocations(allocations: UsageAllocation[] | undefined): string {
  if (allocations === undefined) return 'none';
  const each = allocations.map((a) => JSON.stringify([a.AllocatedUsageQuantity, [...(a.Tags ?? [])].map((t) => [t.Key, t.Value]).sort()]));
  return JSON.stringify(each.sort());
}
