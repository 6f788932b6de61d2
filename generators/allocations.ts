// Usage allocations: lists whose quantities add up to a total (or do not), with distinct tag sets
// (or two alike), a given number of tags, or tag characters at the pattern's edge.
import fc from 'fast-check';
import type { ServiceModel } from '../core/model.js';
import { CROSS_SHRINK } from './arbitraries.js';
import type { Tag, UsageAllocation } from './inputs.js';
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

/** Allocations with distinct tag sets whose quantities add up to `total`. */
export function allocationsSummingTo(model: ServiceModel, total: number, options: AllocationOptions = {}): fc.Arbitrary<UsageAllocation[]> {
  requireShape(model, 'UsageAllocations', 'usage allocations');
  const limit = modelLimits(model).allocations ?? 1;
  const mode = options.tags ?? 'mixed';
  const max = mode === 'none' ? 1 : Math.min(options.maxCount ?? 4, limit);
  const min = Math.max(1, Math.min(options.minCount ?? 1, max));
  const sets = once(model, `tag sets ${mode} ${min} ${max}`, () => {
    const set = mode === 'none' ? fc.constant(undefined) : mode === 'all' ? tagList(model) : fc.option(tagList(model), { nil: undefined, freq: 4 });
    return fc.uniqueArray(set, { minLength: min, maxLength: max, selector: tagSetKey });
  });
  return sets.chain((chosen) => split(total, chosen.length).map((amounts) => chosen.map((tags, i) => withTags(amounts[i], tags))));
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
