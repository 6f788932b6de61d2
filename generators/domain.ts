// Domain scenarios the model cannot express: timestamps relative to the target's clock,
// usage allocations, batch sizes, retries, customer identity and licenses. Limits come from
// the model version under test, values (products, dimensions, customers) from the target's
// fixtures; nothing here hard-codes either. Behaviour sources: /work/shared/reference/semantics.md
// (cited as "semantics §n"), which cites the AWS documentation it rests on.
import fc from 'fast-check';
import type { CustomerFixture, ProductFixture, TargetFixtures } from '../target/description.js';
import { boundedInteger, CROSS_SHRINK, inShrinkOrder, integerShrinking, shrinkingBy } from './arbitraries.js';
import { memberShape, ModelError, shapeOf, structure, type ServiceModel } from './model.js';
import { classMembers, repeatedClass } from './patterns.js';
import { toWire } from './schemas.js';

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

export interface Tag {
  Key: string;
  Value: string;
}
export interface UsageAllocation {
  AllocatedUsageQuantity: number;
  Tags?: Tag[];
}
export interface UsageRecord {
  Timestamp: Date;
  Dimension: string;
  Quantity?: number;
  UsageAllocations?: UsageAllocation[];
  CustomerIdentifier?: string;
  CustomerAWSAccountId?: string;
  LicenseArn?: string;
}
export interface BatchMeterUsageInput {
  UsageRecords: UsageRecord[];
  ProductCode?: string;
}
export interface MeterUsageInput {
  ProductCode: string;
  Timestamp: Date;
  UsageDimension: string;
  UsageQuantity?: number;
  DryRun?: boolean;
  UsageAllocations?: UsageAllocation[];
  ClientToken?: string;
}

// ---------------------------------------------------------------- model limits

// Building some arbitraries costs far more than drawing from them (fast-check tokenizes its
// special strings once per character arbitrary): those that depend only on the model are built
// once per model and shared, which is safe because arbitraries are immutable.
const builtPerModel = new WeakMap<ServiceModel, Map<string, unknown>>();
function once<T>(model: ServiceModel, key: string, build: () => T): T {
  let built = builtPerModel.get(model);
  if (!built) builtPerModel.set(model, (built = new Map()));
  if (!built.has(key)) built.set(key, build());
  return built.get(key) as T;
}

function bound(model: ServiceModel, shapeName: string, key: 'min' | 'max'): number | undefined {
  const shape = model.shapes[shapeName] as { min?: number; max?: number } | undefined;
  return shape?.[key];
}

function requireShape(model: ServiceModel, shapeName: string, what: string): void {
  if (!model.shapes[shapeName]) throw new ModelError(`model ${model.version} has no ${shapeName}: ${what} needs it`);
}

/** Limits of the model version that the scenarios respect (or step over by one on purpose). */
export function modelLimits(model: ServiceModel) {
  return {
    /** UsageRecordList max (25). */
    records: bound(model, 'UsageRecordList', 'max') ?? 25,
    /** UsageAllocations max (500 in 2020-11-04, 2500 later). */
    allocations: bound(model, 'UsageAllocations', 'max'),
    /** TagList max (5). */
    tags: bound(model, 'TagList', 'max'),
    tagKeyLength: bound(model, 'TagKey', 'max') ?? 1,
    tagValueLength: bound(model, 'TagValue', 'max') ?? 1,
    /** UsageQuantity max (10000 in 2016-03-17, 1000000, then 2147483647). */
    quantity: bound(model, 'UsageQuantity', 'max') ?? 0x7fffffff,
    allocatedQuantity: bound(model, 'AllocatedUsageQuantity', 'max') ?? 0x7fffffff,
  };
}

// ---------------------------------------------------------------- timestamps

export interface TimestampWindow {
  /** Records at most this old must be accepted. */
  acceptWithinMs: number;
  /** Records older than this must be rejected. Between the two the behaviour is implementation-defined. */
  rejectBeyondMs: number;
  /** Previous-month records are rejected from this long after the month starts (BatchMeterUsage, model 2026-07-07 on). */
  monthCloseMs?: number;
}

/** Newer-or-equal comparison of model versions; `latest` is newer than every dated file. */
function since(model: ServiceModel, date: string): boolean {
  return model.version === 'latest' || model.version >= date;
}

/**
 * The documented time window of an operation in this model version. MeterUsage: accept up to
 * 1 h, reject beyond 6 h (semantics §5 item 1). BatchMeterUsage: 1 h (2016-11-17), 6 h
 * (2022-02-03), 24 h (2026-07-01), with previous-month records closed at 06:00 UTC on the 1st
 * from 2026-07-07 (semantics §4, §5 items 2 and 3).
 */
export function timestampWindow(model: ServiceModel, operation: 'MeterUsage' | 'BatchMeterUsage'): TimestampWindow {
  if (!model.operations[operation]) throw new ModelError(`model ${model.version} has no operation ${operation}`);
  if (operation === 'MeterUsage') return { acceptWithinMs: HOUR_MS, rejectBeyondMs: 6 * HOUR_MS };
  const hours = since(model, '2026-07-01') ? 24 : since(model, '2022-02-03') ? 6 : 1;
  return { acceptWithinMs: hours * HOUR_MS, rejectBeyondMs: hours * HOUR_MS, ...(since(model, '2026-07-07') ? { monthCloseMs: 6 * HOUR_MS } : {}) };
}

/** Margin kept from every boundary by the "clearly inside / clearly outside" generators. */
export const DEFAULT_MARGIN_MS = MINUTE_MS;

/** The oldest instant a record can have and still be clearly inside the window at `nowMs`. */
export function earliestAccepted(nowMs: number, window: TimestampWindow, marginMs = DEFAULT_MARGIN_MS): number {
  let earliest = nowMs - window.acceptWithinMs + marginMs;
  if (window.monthCloseMs !== undefined) {
    const now = new Date(nowMs);
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    // After the month close, records of the previous month are out whatever their age.
    if (nowMs >= monthStart + window.monthCloseMs - marginMs) earliest = Math.max(earliest, monthStart + marginMs);
  }
  return earliest;
}

/**
 * Shrinks an instant in [from, to] towards the end `toward`: to a whole second first, then
 * whole seconds nearer that end; milliseconds only when the range holds no whole second.
 */
function shrinkInstant(from: number, to: number, toward: 'from' | 'to'): (t: number) => fc.Stream<number> {
  const wholeFrom = Math.ceil(from / SECOND_MS);
  const wholeTo = Math.floor(to / SECOND_MS);
  const sign = toward === 'from' ? 1 : -1;
  if (wholeFrom > wholeTo) {
    const ms = fc.integer({ min: 0, max: to - from });
    const anchorMs = toward === 'from' ? from : to;
    return (t) => ms.shrink(Math.abs(t - anchorMs), undefined).map((d) => anchorMs + sign * d.value);
  }
  const anchor = toward === 'from' ? wholeFrom : wholeTo;
  const seconds = fc.integer({ min: 0, max: wholeTo - wholeFrom });
  return (t) => {
    // The whole second of t on the side of the anchor (still inside the range).
    const second = Math.min(wholeTo, Math.max(wholeFrom, toward === 'from' ? Math.floor(t / SECOND_MS) : Math.ceil(t / SECOND_MS)));
    const nearer = seconds.shrink(Math.abs(second - anchor), undefined).map((d) => (anchor + sign * d.value) * SECOND_MS);
    return second * SECOND_MS === t ? nearer : fc.Stream.of(second * SECOND_MS).join(nearer);
  };
}

/**
 * Instants in [from, to]: whole seconds mostly (what SDKs usually send), milliseconds
 * sometimes. They shrink to whole seconds, down to the one nearest `toward` (default `from`):
 * the oldest instant, or for a window boundary the instant closest to it.
 */
export function instantBetween(from: number, to: number, toward: 'from' | 'to' = 'from'): fc.Arbitrary<Date> {
  const wholeFrom = Math.ceil(from / SECOND_MS);
  const wholeTo = Math.floor(to / SECOND_MS);
  const ms = fc.integer({ min: from, max: to });
  const drawn = wholeFrom > wholeTo ? ms : fc.oneof({ weight: 3, arbitrary: fc.integer({ min: wholeFrom, max: wholeTo }).map((s) => s * SECOND_MS) }, { weight: 1, arbitrary: ms });
  const shrink = shrinkInstant(from, to, toward);
  const instants = shrinkingBy(drawn, (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= from && v <= to, shrink);
  return instants.map(
    (t) => new Date(t),
    (d) => {
      if (!(d instanceof Date)) throw new Error('not a Date');
      return d.getTime();
    },
  );
}

/** Timestamps clearly inside the window: from `marginMs` after its start up to `nowMs`. */
export function insideWindow(nowMs: number, window: TimestampWindow, marginMs = DEFAULT_MARGIN_MS): fc.Arbitrary<Date> {
  return instantBetween(earliestAccepted(nowMs, window, marginMs), nowMs);
}

export interface BoundaryTimestamp {
  /** E.g. `accept-within -1ms`, `reject-beyond +1000ms`. */
  label: string;
  /** Age relative to the boundary: negative is younger (inside), positive older. */
  offsetMs: number;
  timestamp: Date;
}

const BOUNDARY_OFFSETS_MS = [-SECOND_MS, -1, 0, 1, SECOND_MS];

/** Timestamps at each boundary of the window, one second and one millisecond either side. */
export function boundaryTimestamps(nowMs: number, window: TimestampWindow): BoundaryTimestamp[] {
  const ages = new Map<string, number>([['accept-within', window.acceptWithinMs]]);
  if (window.rejectBeyondMs !== window.acceptWithinMs) ages.set('reject-beyond', window.rejectBeyondMs);
  const out: BoundaryTimestamp[] = [];
  for (const [label, age] of ages) {
    for (const offset of BOUNDARY_OFFSETS_MS) out.push({ label: `${label} ${offset >= 0 ? '+' : ''}${offset}ms`, offsetMs: offset, timestamp: new Date(nowMs - age - offset) });
  }
  return out;
}

export interface MonthCloseCase {
  /** Target clock relative to the month close: negative is before it (record still accepted). */
  offsetMs: number;
  /** The clock to set on the target. */
  clockMs: number;
  /** A record from the last millisecond of the previous month. */
  timestamp: Date;
}

/**
 * The month-close boundary moves with the clock rather than with the record, so its cases are
 * target clocks (for targets with clock control) around 06:00 UTC on the 1st of the month of
 * `nowMs`, each with a record from the previous month's last millisecond. Empty when the model
 * version documents no month close.
 */
export function monthCloseCases(nowMs: number, window: TimestampWindow): MonthCloseCase[] {
  if (window.monthCloseMs === undefined) return [];
  const now = new Date(nowMs);
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const close = monthStart + window.monthCloseMs;
  return BOUNDARY_OFFSETS_MS.map((offsetMs) => ({ offsetMs, clockMs: close + offsetMs, timestamp: new Date(monthStart - 1) }));
}

/**
 * Timestamps clearly too old: from `marginMs` beyond the reject boundary up to 30 days, near
 * ages weighted up. They shrink towards the boundary (the least stale).
 */
export function staleTimestamp(nowMs: number, window: TimestampWindow, marginMs = DEFAULT_MARGIN_MS): fc.Arbitrary<Date> {
  const newest = nowMs - window.rejectBeyondMs - marginMs;
  return fc.oneof(CROSS_SHRINK, instantBetween(newest - HOUR_MS, newest, 'to'), instantBetween(newest - 30 * 24 * HOUR_MS, newest, 'to'));
}

/** Offsets into the future worth recording the target's answer for (semantics §5 item 4). */
export const FUTURE_OFFSETS_MS = [MINUTE_MS, 5 * MINUTE_MS, 59 * MINUTE_MS, 61 * MINUTE_MS, 24 * HOUR_MS];

/** Timestamps ahead of the clock: the documented offsets, or anything from 1 s to 7 days ahead (shrinking to the nearest). */
export function futureTimestamp(nowMs: number): fc.Arbitrary<Date> {
  return fc.oneof(CROSS_SHRINK, fc.constantFrom(...FUTURE_OFFSETS_MS).map((ahead) => new Date(nowMs + ahead)), instantBetween(nowMs + SECOND_MS, nowMs + 7 * 24 * HOUR_MS));
}

/** Timestamps more than an hour ahead: `should` be rejected (semantics §5 item 4). */
export function farFutureTimestamp(nowMs: number, marginMs = DEFAULT_MARGIN_MS): fc.Arbitrary<Date> {
  return instantBetween(nowMs + HOUR_MS + marginMs, nowMs + 7 * 24 * HOUR_MS);
}

/**
 * 2..4 distinct instants of one minute (inside the window) that differ only in seconds and
 * milliseconds: the same minute, hence the same hour of the MeterUsage duplicate key.
 */
export function sameMinuteVariants(nowMs: number, window: TimestampWindow, marginMs = DEFAULT_MARGIN_MS): fc.Arbitrary<Date[]> {
  const firstMinute = Math.ceil(earliestAccepted(nowMs, window, marginMs) / MINUTE_MS);
  const lastMinute = Math.floor(nowMs / MINUTE_MS) - 1;
  if (firstMinute > lastMinute) throw new ModelError('the window holds no whole minute');
  return fc.integer({ min: firstMinute, max: lastMinute }).chain((minute) =>
    fc
      .uniqueArray(fc.integer({ min: 0, max: MINUTE_MS - 1 }), { minLength: 2, maxLength: 4 })
      .map((offsets) => offsets.map((offset) => new Date(minute * MINUTE_MS + offset))),
  );
}

// ---------------------------------------------------------------- tags and allocations

export interface TagCharacters {
  /** Every character the tag pattern admits (ASCII; the pattern admits no other). */
  allowed: string[];
  /** Admitted characters next (in code point order) to a rejected one: ` `, `=`, `@`, `Z`, `_`, ... */
  edgeAllowed: string[];
  /** Rejected characters next to an admitted one (`>`, `?`, `[`, ...), plus backslash, tab, newline and a non-ASCII letter. */
  edgeRejected: string[];
}

/** Tag characters as the model's TagKey pattern defines them (` -=` is the range U+0020..U+003D, semantics §5 item 21). */
export function tagCharacters(model: ServiceModel): TagCharacters {
  return once(model, 'tagCharacters', () => readTagCharacters(model));
}

function readTagCharacters(model: ServiceModel): TagCharacters {
  requireShape(model, 'TagKey', 'tag characters');
  const pattern = (shapeOf(model, 'TagKey') as { pattern?: string }).pattern;
  const repeated = pattern === undefined ? undefined : repeatedClass(pattern);
  if (!repeated) throw new ModelError(`model ${model.version}: TagKey pattern ${pattern} is not a repeated character class`);
  const allowed = classMembers(repeated.charClass).ascii;
  const admits = new Set(allowed);
  const at = (code: number) => String.fromCharCode(code);
  const edgeAllowed = allowed.filter((c) => !admits.has(at(c.charCodeAt(0) - 1)) || !admits.has(at(c.charCodeAt(0) + 1)));
  const neighbours = new Set<string>();
  for (const c of allowed) for (const d of [-1, 1]) neighbours.add(at(c.charCodeAt(0) + d));
  // Backslash: the Seller Guide's character list reads as if `\` were allowed (semantics §5 item 21).
  const edgeRejected = [...neighbours, '\\', '\t', '\n', '\u00e9'].filter((c) => !admits.has(c));
  return { allowed, edgeAllowed, edgeRejected: [...new Set(edgeRejected)] };
}

/** The MeterUsage/BatchMeterUsage reading of "a unique set of tags": keys and values, order ignored. */
export function tagSetKey(tags: Tag[] | undefined): string {
  return JSON.stringify([...(tags ?? [])].map((t) => [t.Key, t.Value]).sort());
}

/** Lengths of tag texts: 1..12 mostly, exactly the maximum one time in five; they shrink to 1. */
function tagTextLength(maxLength: number): fc.Arbitrary<number> {
  const shortest = Math.min(maxLength, 12);
  if (shortest === maxLength) return fc.integer({ min: 1, max: maxLength });
  return integerShrinking(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: shortest }) }, { weight: 1, arbitrary: fc.constant(maxLength) }), 1, maxLength);
}

/**
 * Tag text: a short text repeated to the drawn length, so that exactly the maximum length
 * (the boundary under test) costs no more than a short text: drawing 256 characters one by one
 * made most of a batch's generation time. Length and text shrink separately, down to one
 * character (the first in shrink order), whatever the text was drawn as.
 */
function tagText(chars: string[], maxLength: number): fc.Arbitrary<string> {
  const unit = fc.string({ unit: fc.constantFrom(...inShrinkOrder(chars)), minLength: 1, maxLength: Math.min(maxLength, 12) });
  return fc.tuple(tagTextLength(maxLength), unit).map(([length, text]) => text.repeat(Math.ceil(length / text.length)).slice(0, length));
}

/**
 * Tags with distinct keys: a key already taken gets its last character replaced by the first
 * free one of `chars` in shrink order. Distinct by construction rather than by fc.uniqueArray,
 * whose shrinker must skip every key that collides: there 6 tags stopped at keys like `aa` and
 * `ll`, since `a` and `l` were taken; here they shrink to `a` … `f`.
 */
function distinctKeys(tags: Tag[], chars: string[]): Tag[] {
  const taken = new Set<string>();
  return tags.map((tag) => {
    let key = tag.Key;
    if (taken.has(key)) {
      const head = [...key].slice(0, -1).join('');
      const free = chars.map((c) => head + c).find((k) => !taken.has(k));
      if (free === undefined) throw new ModelError(`no free tag key of length ${[...key].length} after ${taken.size} keys`);
      key = free;
    }
    taken.add(key);
    return key === tag.Key ? tag : { ...tag, Key: key };
  });
}

/** `min`..`max` tags with distinct keys, characters from `chars`. */
function distinctTags(model: ServiceModel, min: number, max: number, chars: string[]): fc.Arbitrary<Tag[]> {
  const order = inShrinkOrder(chars);
  return fc.array(tagOf(model, chars), { minLength: min, maxLength: max }).map((tags) => distinctKeys(tags, order));
}

/** Tag lists with distinct keys, `min`..`max` tags, characters from `chars` (default: all the pattern admits). */
export function tagList(model: ServiceModel, min = 1, max?: number, chars?: string[]): fc.Arbitrary<Tag[]> {
  const limits = modelLimits(model);
  return once(model, `tagList ${min} ${max} ${chars?.join('')}`, () => distinctTags(model, min, max ?? limits.tags ?? 5, chars ?? tagCharacters(model).allowed));
}

/** One tag of characters from `chars`, key and value up to the model's lengths. */
function tagOf(model: ServiceModel, chars: string[]): fc.Arbitrary<Tag> {
  const limits = modelLimits(model);
  return once(model, `tag ${chars.join('')}`, () =>
    fc.record({ Key: tagText(chars, limits.tagKeyLength), Value: tagText(chars, limits.tagValueLength) }, { noNullPrototype: true }),
  );
}

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

function withTags(quantity: number, tags: Tag[] | undefined): UsageAllocation {
  return tags ? { AllocatedUsageQuantity: quantity, Tags: tags } : { AllocatedUsageQuantity: quantity };
}

/** Allocations with distinct tag sets whose quantities add up to `total` (semantics §3.1). */
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
function otherQuantity(model: ServiceModel, total: number): fc.Arbitrary<number> {
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

/**
 * Allocations adding up to `total` in which two share one set of tags (the second in another
 * order), or, with `untagged`, two carry no tags at all (semantics §5 item 24).
 */
export function duplicateTagSetAllocations(model: ServiceModel, total: number, untagged = false): fc.Arbitrary<UsageAllocation[]> {
  requireShape(model, 'UsageAllocations', 'usage allocations');
  const shared = untagged ? fc.constant(undefined) : tagList(model, 1);
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
  return tagList(model, count, count).map((tags) => [withTags(total, tags)]);
}

/**
 * One allocation of `total` whose tags use the characters at the edge of the tag pattern:
 * `allowed` keeps every character admitted; `rejected` puts one rejected edge character into
 * a key or a value.
 */
export function edgeCharacterAllocations(model: ServiceModel, total: number, side: 'allowed' | 'rejected'): fc.Arbitrary<UsageAllocation[]> {
  const chars = tagCharacters(model);
  const tags = tagList(model, 1, undefined, chars.edgeAllowed);
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

// ---------------------------------------------------------------- MeterUsage requests

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
 * MeterUsage must accept (a month boundary aside, semantics §5 item 3), and far enough from the
 * clock that a rule adding milliseconds stays in the past.
 */
export function recentTimestamp(nowMs: number): fc.Arbitrary<Date> {
  return fc.integer({ min: 60, max: 55 * 60 }).map((secondsAgo) => new Date((Math.floor(nowMs / SECOND_MS) - secondsAgo) * SECOND_MS));
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
  /** Pin the quantity (for rules that need a particular one); default 0..the model's max, boundaries weighted up. */
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
  return fc
    .record(
      {
        product: fc.constantFrom(...products),
        pick: fc.nat(),
        quantity: options.quantity ?? boundedInteger(0, modelLimits(model).quantity),
        timestamp: options.timestamp ?? recentTimestamp(nowMs),
        explicitDryRunFalse: dryRunRequired ? fc.constant(true) : fc.boolean(),
      },
      { noNullPrototype: true },
    )
    .chain(({ product, pick, quantity, timestamp, explicitDryRunFalse }) => {
      const base: MeterUsageInput = {
        ProductCode: product.code,
        Timestamp: timestamp,
        UsageDimension: product.dimensions[pick % product.dimensions.length],
        UsageQuantity: quantity,
        ...(explicitDryRunFalse ? { DryRun: false } : {}),
      };
      if (!withAllocations) return fc.constant(base);
      return fc.option(allocationsSummingTo(model, quantity), { nil: undefined, freq: 2 }).map((a) => (a ? { ...base, UsageAllocations: a } : base));
    });
}

/**
 * Valid MeterUsage requests (no allocations of their own) given one allocation of the whole
 * quantity that carries `count` tags with distinct keys; by default one more than the
 * model's TagList max (meter-usage.too-many-tags). A failing case shrinks to `count` tags with
 * one-character keys and values of the model's minimum length.
 */
export function meterUsageWithTagCount(fixtures: TargetFixtures, model: ServiceModel, nowMs: number, count?: number): fc.Arbitrary<MeterUsageInput> {
  requireShape(model, 'UsageAllocations', 'usage allocations');
  const n = count ?? (modelLimits(model).tags ?? 5) + 1;
  return fc
    .tuple(validMeterUsage(fixtures, model, nowMs, { allocations: false }), tagList(model, n, n))
    .map(([request, tags]): MeterUsageInput => ({ ...request, UsageAllocations: [withTags(request.UsageQuantity ?? 0, tags)] }));
}

/**
 * Valid MeterUsage requests (no allocations of their own) given one allocation of the whole
 * quantity in which two tags share one Key (semantics §5 item 23: duplicate keys within an
 * allocation are left open by the sources): 1 to max-1 tags with distinct keys, plus a second
 * tag with the Key of one of them, its Value either the same (the tag repeated) or drawn anew,
 * inserted anywhere in the list. The allocation stays within the model's TagList max.
 */
export function meterUsageWithDuplicateTagKey(fixtures: TargetFixtures, model: ServiceModel, nowMs: number): fc.Arbitrary<MeterUsageInput> {
  requireShape(model, 'UsageAllocations', 'usage allocations');
  const max = modelLimits(model).tags ?? 5;
  const otherValue = fc.option(tagOf(model, tagCharacters(model).allowed), { nil: undefined });
  return fc
    .tuple(validMeterUsage(fixtures, model, nowMs, { allocations: false }), tagList(model, 1, Math.max(1, max - 1)), fc.nat(), fc.nat(), otherValue)
    .map(([request, tags, from, at, other]): MeterUsageInput => {
      const original = tags[from % tags.length];
      const twin: Tag = { Key: original.Key, Value: other ? other.Value : original.Value };
      const all = tags.map((t) => ({ ...t }));
      all.splice(at % (all.length + 1), 0, twin);
      return { ...request, UsageAllocations: [withTags(request.UsageQuantity ?? 0, all)] };
    });
}

// ---------------------------------------------------------------- customers and batches

export type IdentityMode = 'identifier' | 'account' | 'both' | 'neither';

/** The customer members of a UsageRecord for `mode`. */
export function customerIdentity(customer: CustomerFixture, mode: IdentityMode): Pick<UsageRecord, 'CustomerIdentifier' | 'CustomerAWSAccountId'> {
  const needsIdentifier = mode === 'identifier' || mode === 'both';
  if (needsIdentifier && customer.identifier === undefined) throw new ModelError(`customer ${customer.accountId} has no CustomerIdentifier fixture`);
  return {
    ...(needsIdentifier ? { CustomerIdentifier: customer.identifier } : {}),
    ...(mode === 'account' || mode === 'both' ? { CustomerAWSAccountId: customer.accountId } : {}),
  };
}

export interface BatchOptions {
  /** Records in the batch; above the model's limit on purpose is allowed (26). */
  size: number;
  /** Default: `account` when the model knows CustomerAWSAccountId, else `identifier`. */
  identity?: IdentityMode;
  /** Records carry the customers' LicenseArn; the request carries ProductCode only when `with-product-code`. */
  license?: 'with-product-code' | 'without-product-code';
  /** Give records UsageAllocations adding up to their Quantity sometimes (default: when the model has them). */
  allocations?: boolean;
  /** The SaaS product (default: any SaaS product fixture with a suitable customer). */
  productCode?: string;
  marginMs?: number;
}

function saasProducts(fixtures: TargetFixtures): ProductFixture[] {
  return fixtures.products.filter((p) => p.kind === 'saas' && p.dimensions.length > 0);
}

function suitableCustomers(fixtures: TargetFixtures, product: ProductFixture, identity: IdentityMode, license: boolean): CustomerFixture[] {
  return fixtures.customers.filter(
    (c) =>
      c.subscribed &&
      c.productCode === product.code &&
      (!license || c.licenseArn !== undefined) &&
      (identity === 'account' || identity === 'neither' || c.identifier !== undefined),
  );
}

/** Hour starts (ms) of every hour that overlaps [from, to]. */
function hoursBetween(from: number, to: number): number[] {
  const hours: number[] = [];
  for (let h = Math.floor(from / HOUR_MS) * HOUR_MS; h <= to; h += HOUR_MS) hours.push(h);
  return hours;
}

/**
 * Valid BatchMeterUsage requests for a SaaS product of the fixtures: subscribed customers,
 * the product's dimensions, timestamps inside the window. Records have distinct
 * (customer, dimension, hour) keys, so no record duplicates another (semantics §5 items 9, 10).
 */
export function batchRequest(model: ServiceModel, fixtures: TargetFixtures, nowMs: number, options: BatchOptions): fc.Arbitrary<BatchMeterUsageInput> {
  requireShape(model, 'UsageRecord', 'BatchMeterUsage requests');
  const hasAccount = memberShape(model, 'UsageRecord', 'CustomerAWSAccountId') !== undefined;
  const identity = options.identity ?? (hasAccount ? 'account' : 'identifier');
  if ((identity === 'account' || identity === 'both') && !hasAccount) throw new ModelError(`model ${model.version} has no UsageRecord.CustomerAWSAccountId`);
  const license = options.license !== undefined;
  if (license && memberShape(model, 'UsageRecord', 'LicenseArn') === undefined) throw new ModelError(`model ${model.version} has no UsageRecord.LicenseArn`);
  const productCodeRequired = (shapeOf(model, 'BatchMeterUsageRequest') as { required: string[] }).required.includes('ProductCode');
  if (options.license === 'without-product-code' && productCodeRequired) throw new ModelError(`model ${model.version} requires BatchMeterUsageRequest.ProductCode`);

  const candidates = saasProducts(fixtures).filter((p) => options.productCode === undefined || p.code === options.productCode);
  const product = candidates.find((p) => suitableCustomers(fixtures, p, identity, license).length > 0);
  if (!product) throw new ModelError(`the fixtures have no SaaS product with a subscribed customer suited to identity ${identity}${license ? ' and a license' : ''}`);
  const customers = suitableCustomers(fixtures, product, identity, license);

  const window = timestampWindow(model, 'BatchMeterUsage');
  const earliest = earliestAccepted(nowMs, window, options.marginMs);
  const hours = hoursBetween(earliest, nowMs);
  // With no customer in the record, only (dimension, hour) tells records apart.
  const who = identity === 'neither' ? [undefined] : customers;
  const keys = who.flatMap((customer) => product.dimensions.flatMap((dimension) => hours.map((hour) => ({ customer, dimension, hour }))));
  if (keys.length < options.size) throw new ModelError(`the fixtures allow only ${keys.length} distinct records for product ${product.code}; ${options.size} were asked`);

  const quantityMax = modelLimits(model).quantity;
  const withAllocations = (options.allocations ?? true) && model.shapes.UsageAllocations !== undefined;
  // Built once per key and reused by every batch drawn: building arbitraries costs more than drawing.
  const records = new Map<(typeof keys)[number], fc.Arbitrary<UsageRecord>>();
  const record = (key: (typeof keys)[number]): fc.Arbitrary<UsageRecord> => {
    let arbitrary = records.get(key);
    if (!arbitrary) records.set(key, (arbitrary = recordFor(key)));
    return arbitrary;
  };
  const recordFor = (key: (typeof keys)[number]): fc.Arbitrary<UsageRecord> =>
    fc
      .record(
        {
        timestamp: instantBetween(Math.max(earliest, key.hour), Math.min(nowMs, key.hour + HOUR_MS - 1)),
        quantity: fc.oneof(CROSS_SHRINK, fc.integer({ min: 0, max: Math.min(quantityMax, 1000) }), fc.constantFrom(0, quantityMax)),
        allocate: fc.boolean(),
        },
        { noNullPrototype: true },
      )
      .chain(({ timestamp, quantity, allocate }) => {
        const base: UsageRecord = {
          Timestamp: timestamp,
          Dimension: key.dimension,
          Quantity: quantity,
          ...(key.customer ? customerIdentity(key.customer, identity) : {}),
          ...(license && key.customer ? { LicenseArn: key.customer.licenseArn } : {}),
        };
        if (!withAllocations || !allocate) return fc.constant(base);
        return allocationsSummingTo(model, quantity).map((a) => ({ ...base, UsageAllocations: a }));
      });
  const includeProductCode = options.license !== 'without-product-code';
  return fc
    .shuffledSubarray(keys, { minLength: options.size, maxLength: options.size })
    .chain((chosen): fc.Arbitrary<UsageRecord[]> => (chosen.length === 0 ? fc.constant([]) : fc.tuple(...chosen.map(record))))
    .map((records) => ({ ...(includeProductCode ? { ProductCode: product.code } : {}), UsageRecords: records }));
}

/** The batch sizes worth trying: empty, one, the model's limit and one over it (0, 1, 25, 26). */
export function batchSizes(model: ServiceModel): number[] {
  const limit = modelLimits(model).records;
  return [0, 1, limit, limit + 1];
}

/**
 * "Less than 1 MB" (semantics §3.2) read both ways: `under` stays below 1 000 000 bytes,
 * `over` goes beyond 1 048 576 bytes, so each case holds whichever megabyte the target means.
 */
export const BATCH_BYTES = { under: 1_000_000, over: 1_048_576 } as const;

/** Serialized size in bytes, as the raw driver puts the input on the wire. */
export function serializedBytes(input: unknown): number {
  return Buffer.byteLength(JSON.stringify(toWire(input)), 'utf8');
}

/** Characters the tag pattern admits that JSON writes as one byte each, without escaping. */
const PAD_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A valid batch whose serialized request is just under (up to 1 KiB below 1 000 000 bytes) or
 * just over (up to 1 KiB above 1 048 576 bytes) a megabyte, padded with full-length tags in
 * zero-quantity allocations (tag bytes count toward the limit, semantics §3.2). Needs a model
 * with UsageAllocations; uses a second record when one record's allocations cannot hold a
 * megabyte (500 allocations in model 2020-11-04).
 */
export function batchNearSizeLimit(
  model: ServiceModel,
  fixtures: TargetFixtures,
  nowMs: number,
  side: 'under' | 'over',
  options: Omit<BatchOptions, 'size' | 'allocations'> = {},
): fc.Arbitrary<BatchMeterUsageInput> {
  requireShape(model, 'UsageAllocations', 'a batch near 1 MB');
  const limits = modelLimits(model);
  const shape: PadShape = { maxAllocations: limits.allocations ?? 1, tags: limits.tags ?? 1, keyLength: limits.tagKeyLength, valueLength: limits.tagValueLength };
  const records = Math.ceil((BATCH_BYTES.over + 2048) / (shape.maxAllocations * paddingAllocationBytes(shape)));
  const target =
    side === 'under'
      ? fc.integer({ min: BATCH_BYTES.under - 1024, max: BATCH_BYTES.under - 1 })
      : fc.integer({ min: BATCH_BYTES.over + 1, max: BATCH_BYTES.over + 1024 });
  return fc
    .tuple(batchRequest(model, fixtures, nowMs, { ...options, size: records, allocations: false }), target, fc.string({ unit: fc.constantFrom(...PAD_CHARS), minLength: 64, maxLength: 64 }))
    .map(([batch, targetBytes, noise]) => pad(batch, targetBytes, noise, shape));
}

interface PadShape {
  maxAllocations: number;
  tags: number;
  keyLength: number;
  valueLength: number;
}

function paddingAllocation(shape: PadShape, index: number, quantity: number, noise = PAD_CHARS): UsageAllocation {
  const filler = (seed: string, length: number) => (seed + noise.repeat(Math.ceil(length / noise.length) + 1)).slice(0, length);
  return {
    AllocatedUsageQuantity: quantity,
    // The allocation index in every key keeps each tag set unique.
    Tags: Array.from({ length: shape.tags }, (_, t) => ({ Key: filler(`k${index}.${t}.`, shape.keyLength), Value: filler(`v${index}.${t}.`, shape.valueLength) })),
  };
}

/** Bytes one more zero-quantity padding allocation adds to an allocation list (its comma included). */
function paddingAllocationBytes(shape: PadShape): number {
  return serializedBytes([paddingAllocation(shape, 0, 0), paddingAllocation(shape, 1, 0)]) - serializedBytes([paddingAllocation(shape, 0, 0)]);
}

function pad(batch: BatchMeterUsageInput, targetBytes: number, noise: string, shape: PadShape): BatchMeterUsageInput {
  const lists = batch.UsageRecords.map((r) => [paddingAllocation(shape, 0, r.Quantity ?? 0, noise)]);
  const padded: BatchMeterUsageInput = { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => ({ ...r, UsageAllocations: lists[i] })) };
  const perAllocation = paddingAllocationBytes(shape);
  // Overshoot with whole allocations, then shorten the tag values of the last two to land exactly.
  const extra = Math.max(2, Math.ceil((targetBytes - serializedBytes(padded)) / perAllocation));
  const added: UsageAllocation[] = [];
  for (let i = 1; i <= extra; i++) {
    const list = lists.find((l) => l.length < shape.maxAllocations);
    if (!list) throw new ModelError(`cannot reach ${targetBytes} bytes with ${lists.length} records of ${shape.maxAllocations} allocations`);
    const allocation = paddingAllocation(shape, i, 0, noise);
    list.push(allocation);
    added.push(allocation);
  }
  let excess = serializedBytes(padded) - targetBytes;
  for (const allocation of added.slice(-2)) {
    for (const tag of allocation.Tags!) {
      const cut = Math.min(excess, tag.Value.length - 1);
      tag.Value = tag.Value.slice(0, tag.Value.length - cut);
      excess -= cut;
    }
  }
  const bytes = serializedBytes(padded);
  if (bytes !== targetBytes) throw new Error(`internal: padded batch is ${bytes} bytes, wanted ${targetBytes}`);
  return padded;
}

// ---------------------------------------------------------------- retries

/** The same value with the members of every object in another order. */
function reorderedMembers<T>(value: T): fc.Arbitrary<T> {
  if (Array.isArray(value)) return (value.length === 0 ? fc.constant([]) : fc.tuple(...value.map((v) => reorderedMembers(v)))) as fc.Arbitrary<T>;
  if (value === null || typeof value !== 'object' || value instanceof Date) return fc.constant(value);
  const entries = Object.entries(value);
  if (entries.length === 0) return fc.constant({} as T);
  return fc
    .tuple(fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }), ...entries.map(([, v]) => reorderedMembers(v)))
    .map(([order, ...members]) => {
      const byKey = new Map(entries.map(([k], i) => [k, members[i]]));
      return Object.fromEntries(order.map(([k]) => [k, byKey.get(k)])) as T;
    });
}

/** An identical retry: the same request, members possibly in another order (member order must not matter, semantics §5 item 6). */
export function identicalRetry<T>(request: T): fc.Arbitrary<T> {
  return reorderedMembers(request);
}

/** A retry with any non-empty subset of an earlier batch's records, in any order (semantics §3.2). */
export function batchSubset(batch: BatchMeterUsageInput): fc.Arbitrary<BatchMeterUsageInput> {
  if (batch.UsageRecords.length === 0) throw new ModelError('an empty batch has no non-empty subset');
  return fc.shuffledSubarray(batch.UsageRecords, { minLength: 1 }).map((records) => ({ ...batch, UsageRecords: records }));
}

/**
 * MeterUsage with the same duplicate key (product, dimension, hour) and another quantity: the
 * same timestamp or another second of its minute. Allocations are redone to add up to the new
 * quantity; ClientToken is dropped so the request is a new one rather than a token conflict.
 */
export function sameKeyOtherQuantity(model: ServiceModel, request: MeterUsageInput): fc.Arbitrary<MeterUsageInput> {
  const minute = Math.floor(request.Timestamp.getTime() / MINUTE_MS) * MINUTE_MS;
  const timestamp = fc.oneof(CROSS_SHRINK, fc.constant(request.Timestamp), instantBetween(minute, request.Timestamp.getTime()));
  return fc.tuple(otherQuantity(model, request.UsageQuantity ?? 0), timestamp).chain(([quantity, ts]) => {
    const { ClientToken: _dropped, UsageAllocations, ...rest } = request;
    const base: MeterUsageInput = { ...rest, Timestamp: ts, UsageQuantity: quantity };
    if (!UsageAllocations) return fc.constant(base);
    return allocationsSummingTo(model, quantity).map((a) => ({ ...base, UsageAllocations: a }));
  });
}

/** A BatchMeterUsage record with the same customer, dimension and time as `record` but another quantity (DuplicateRecord). */
export function recordWithOtherQuantity(model: ServiceModel, record: UsageRecord): fc.Arbitrary<UsageRecord> {
  return otherQuantity(model, record.Quantity ?? 0).chain((quantity) => {
    const { UsageAllocations, ...rest } = record;
    const base: UsageRecord = { ...rest, Quantity: quantity };
    if (!UsageAllocations) return fc.constant(base);
    return allocationsSummingTo(model, quantity).map((a) => ({ ...base, UsageAllocations: a }));
  });
}

export interface TokenReuse {
  /** The member that differs from the original request. */
  changed: 'UsageQuantity' | 'UsageDimension' | 'Timestamp';
  request: MeterUsageInput;
}

/** The original's ClientToken on a request whose other parameters differ (IdempotencyConflictException, semantics §5 item 8). */
export function clientTokenReuse(model: ServiceModel, fixtures: TargetFixtures, request: MeterUsageInput): fc.Arbitrary<TokenReuse> {
  if (request.ClientToken === undefined) throw new ModelError('the original request has no ClientToken to reuse');
  const original = request.Timestamp.getTime();
  const otherDimensions = (fixtures.products.find((p) => p.code === request.ProductCode)?.dimensions ?? []).filter((d) => d !== request.UsageDimension);
  const choices: fc.Arbitrary<TokenReuse>[] = [
    sameKeyOtherQuantity(model, request).map((r) => ({ changed: 'UsageQuantity' as const, request: { ...r, Timestamp: request.Timestamp, ClientToken: request.ClientToken } })),
    fc
      .integer({ min: 1, max: MINUTE_MS })
      .map((back) => ({ changed: 'Timestamp' as const, request: { ...request, Timestamp: new Date(original - back) } })),
  ];
  if (otherDimensions.length > 0) {
    choices.push(fc.constantFrom(...otherDimensions).map((d) => ({ changed: 'UsageDimension' as const, request: { ...request, UsageDimension: d } })));
  }
  return fc.oneof(...choices);
}
