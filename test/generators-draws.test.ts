// Drawing straight from the random source (generators/draws.ts) and what is built on it: each
// draw keeps the distribution of the fast-check arbitrary it stands for, and shrinking is left
// to that arbitrary, from the value.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loadModel } from '../core/model.js';
import { DEFAULT_FIXTURES_PATH, loadFixtures, publishedFixtures } from '../emulator/fixtures.js';
import { allocatedQuantity, quantityOf } from '../generators/allocations.js';
import { alphabet, drawCharacters, drawerOf, drawInteger, drawLength, drawnBy, drawString, itemsDrawnBy } from '../generators/draws.js';
import { allocationsSummingTo, batchRequest, instantBetween, tagCharacters, tagList, validMeterUsage, type Tag, type UsageAllocation } from '../generators/index.js';
import { tagTextUnit } from '../generators/tags.js';
import { shrunk } from './support/shrunk.js';

const model = loadModel();
const FIXTURES = publishedFixtures(loadFixtures(DEFAULT_FIXTURES_PATH));
const NOW = Date.UTC(2026, 5, 15, 12, 34, 56, 789);
const sum = (allocations: UsageAllocation[]) => allocations.reduce((total, a) => total + a.AllocatedUsageQuantity, 0);

/** `draw` as an arbitrary (sampled with fast-check's own bias schedule); it does not shrink. */
const drawn = <T>(draw: (mrng: fc.Random, bias: number | undefined) => T) => drawnBy(draw, () => fc.constant(undefined as T));
const share = <T>(values: T[], predicate: (v: T) => boolean) => values.filter(predicate).length / values.length;

describe('draws as fast-check draws', () => {
  const N = 20_000;
  test.each([
    [0, 1000],
    [1, 12],
    [-50, 50],
    [-1000, -10],
  ])('drawInteger(%i, %i): in range, its ends as often as fc.integer', (min, max) => {
    const mine = fc.sample(drawn((mrng, bias) => drawInteger(mrng, min, max, bias)), { numRuns: N, seed: 1 });
    const theirs = fc.sample(fc.integer({ min, max }), { numRuns: N, seed: 2 });
    expect(mine.every((v) => Number.isInteger(v) && v >= min && v <= max)).toBe(true);
    for (const at of [min, max, 0, min + 1, max - 1].filter((v) => v >= min && v <= max)) {
      expect(Math.abs(share(mine, (v) => v === at) - share(theirs, (v) => v === at)), `share of ${at}`).toBeLessThan(0.01);
    }
    expect(Math.abs(share(mine, (v) => v < (min + max) / 2) - share(theirs, (v) => v < (min + max) / 2))).toBeLessThan(0.02);
  });
  test('drawInteger of one value, and without bias uniform', () => {
    expect(fc.sample(drawn((mrng, bias) => drawInteger(mrng, 7, 7, bias)), 50)).toEqual(Array(50).fill(7));
    const values = fc.sample(drawn((mrng) => drawInteger(mrng, 0, 9, undefined)), { numRuns: N, seed: 3 });
    for (let v = 0; v <= 9; v++) expect(Math.abs(share(values, (x) => x === v) - 0.1)).toBeLessThan(0.01);
  });
  test.each([
    [0, 4],
    [1, 12],
    [3, 3],
  ])('drawLength(%i, %i): the lengths of fc.array, and the bias its items get', (min, max) => {
    const mine = fc.sample(drawn((mrng, bias) => drawLength(mrng, min, max, bias).length), { numRuns: N, seed: 4 });
    const theirs = fc.sample(fc.array(fc.constant(0), { minLength: min, maxLength: max }), { numRuns: N, seed: 5 }).map((a) => a.length);
    for (let n = min; n <= max; n++) expect(Math.abs(share(mine, (v) => v === n) - share(theirs, (v) => v === n)), `length ${n}`).toBeLessThan(0.015);
    // fc.array passes its bias on to the items one time in `bias` (always for a fixed length).
    const biases = fc.sample(drawn((mrng) => drawLength(mrng, min, max, 3).itemBias), { numRuns: N, seed: 6 });
    if (min === max) expect(new Set(biases)).toEqual(new Set([3]));
    else expect(share(biases, (b) => b === 3)).toBeCloseTo(1 / 3, 1);
    expect(biases.every((b) => b === 3 || b === undefined)).toBe(true);
    expect(fc.sample(drawn((mrng) => drawLength(mrng, min, max, undefined).itemBias), 50).every((b) => b === undefined)).toBe(true);
  });
  test('drawCharacters: the count asked, every character of the alphabet about as often', () => {
    const chars = tagCharacters(model).allowed;
    const abc = alphabet(chars);
    expect(abc.codes).toBeDefined();
    const texts = fc.sample(drawn((mrng) => drawCharacters(mrng, abc, 1 + (mrng.nextInt(0, 11) % 12))), { numRuns: N, seed: 7 });
    const counts = new Map<string, number>();
    let total = 0;
    for (const text of texts) for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1), total++;
    expect([...counts.keys()].sort()).toEqual([...chars].sort());
    for (const c of chars) expect(Math.abs(counts.get(c)! / total - 1 / chars.length), c).toBeLessThan(0.25 / chars.length);
    for (const n of [0, 1, 3, 4, 5, 9]) expect(fc.sample(drawn((mrng) => drawCharacters(mrng, abc, n)), 20).every((t) => t.length === n)).toBe(true);
    // Every position of a random number's four characters takes every character.
    const quads = fc.sample(drawn((mrng) => drawCharacters(mrng, abc, 4)), { numRuns: N, seed: 12 });
    for (let at = 0; at < 4; at++) expect(new Set(quads.map((q) => q[at])).size, `position ${at}`).toBe(chars.length);
  });
  test('drawCharacters of one character, and of characters beyond one UTF-16 unit', () => {
    expect(fc.sample(drawn((mrng) => drawCharacters(mrng, alphabet(['x']), 5)), 3)).toEqual(['xxxxx', 'xxxxx', 'xxxxx']);
    const wide = alphabet(['a', '\u{1F600}']);
    expect(wide.codes).toBeUndefined();
    for (const text of fc.sample(drawn((mrng) => drawCharacters(mrng, wide, 6)), 50)) {
      expect([...text]).toHaveLength(6);
      expect([...text].every((c) => c === 'a' || c === '\u{1F600}')).toBe(true);
    }
  });
  test('drawString: property names like __proto__ slip in under bias only, as fast-check does; `needed` cuts the string', () => {
    const abc = alphabet(tagCharacters(model).allowed);
    const names = /__proto__|constructor|toString|valueOf|prototype|arguments/;
    const biased = fc.sample(drawn((mrng) => drawString(mrng, abc, 11, 12, 2)), { numRuns: N, seed: 8 });
    expect(biased.filter((t) => names.test(t)).length).toBeGreaterThan(50);
    const plain = fc.sample(drawn((mrng) => drawString(mrng, abc, 11, 12, undefined)), { numRuns: N, seed: 8 });
    expect(plain.filter((t) => names.test(t)).length).toBeLessThan(3);
    expect(fc.sample(drawn((mrng) => drawString(mrng, abc, 11, 12, 2, 4)), 200).every((t) => t.length === 4)).toBe(true);
    expect(biased.every((t) => t.length === 11 && [...t].every((c) => abc.chars.includes(c)))).toBe(true);
  });
});

describe('drawnBy and the arbitraries built on it', () => {
  test('drawnBy draws by its draw, shrinks by its shrinker from the value, and builds the shrinker at the first shrink only', () => {
    let built = 0;
    const arbitrary = drawnBy(
      () => 1000,
      () => (built++, fc.integer({ min: 0, max: 1000 })),
    );
    expect(fc.sample(arbitrary, 5)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(built).toBe(0);
    expect(shrunk(arbitrary, (v) => v >= 10, 1)).toBe(10);
    expect(built).toBe(1);
    expect(arbitrary.canShrinkWithoutContext(5)).toBe(true);
    expect(arbitrary.canShrinkWithoutContext(5000)).toBe(false);
  });
  test("drawerOf: a drawnBy arbitrary's own draw, else its generate", () => {
    const draw = () => 42;
    expect(drawerOf(drawnBy(draw, () => fc.constant(42)))).toBe(draw);
    const [value] = fc.sample(drawn((mrng, bias) => drawerOf(fc.constant('c'))(mrng, bias)), 1);
    expect(value).toBe('c');
  });
  test('itemsDrawnBy: items shrink in place, each by its own arbitrary; an item none stands for stops shrinking', () => {
    const arbitraries = [fc.integer({ min: 0, max: 100 }), fc.integer({ min: 50, max: 100 })];
    const pairs = itemsDrawnBy(
      () => [{ kind: 0, n: 90 }, { kind: 1, n: 90 }],
      (item: { kind: number; n: number }) => (item.kind > 1 ? undefined : arbitraries[item.kind].map((n) => ({ kind: item.kind, n }), (v) => (v as { n: number }).n)),
    );
    // The first item shrinks as far as the failure allows (fc.tuple's order), the second keeps its own range.
    expect(shrunk(pairs, (p) => p[0].n + p[1].n >= 100, 1)).toEqual([{ kind: 0, n: 10 }, { kind: 1, n: 90 }]);
    expect(shrunk(pairs, (p) => p[1].n >= 60, 1)).toEqual([{ kind: 0, n: 0 }, { kind: 1, n: 60 }]);
    expect(pairs.canShrinkWithoutContext([{ kind: 0, n: 1 }])).toBe(true);
    expect(pairs.canShrinkWithoutContext([{ kind: 2, n: 1 }])).toBe(false);
    expect([...pairs.shrink([{ kind: 2, n: 1 }], undefined)]).toEqual([]);
  });
  test('tagTextUnit: the shortest text that repeats to the text, up to the longest unit', () => {
    expect(tagTextUnit('abcabcab', 12)).toBe('abc');
    expect(tagTextUnit('aaaa', 12)).toBe('a');
    expect(tagTextUnit('xyz', 12)).toBe('xyz');
    expect(() => tagTextUnit('abcdefghijklm', 12)).toThrow(/repeated/);
  });
  test('tag lists, allocations and instants drawn can all be shrunk from the value', () => {
    const arbitraries: fc.Arbitrary<unknown>[] = [tagList(model), allocationsSummingTo(model, 1000), allocationsSummingTo(model, 0), instantBetween(NOW - 3_600_000, NOW)];
    for (const arbitrary of arbitraries) for (const value of fc.sample(arbitrary, { numRuns: 300, seed: 9 })) expect(arbitrary.canShrinkWithoutContext(value)).toBe(true);
  });
  test('instants: whole seconds three times in four (as SDKs send them), both ends of the range reached', () => {
    const from = NOW - 3_600_000;
    const instants = fc.sample(instantBetween(from, NOW), { numRuns: 20_000, seed: 14 }).map((d) => d.getTime());
    expect(instants.every((t) => t >= from && t <= NOW)).toBe(true);
    expect(share(instants, (t) => t % 1000 === 0)).toBeCloseTo(0.75, 1);
    expect(instants).toContain(Math.ceil(from / 1000) * 1000);
    expect(instants).toContain(Math.floor(NOW / 1000) * 1000);
  });
  test('tag lists have distinct keys, however often drawn keys collide', () => {
    const lists = fc.sample(tagList(model, { minTags: 5, maxTags: 5, chars: ['a', 'b', 'c', 'd'] }), { numRuns: 300, seed: 16 });
    for (const tags of lists) expect(new Set(tags.map((t) => t.Key)).size, JSON.stringify(tags)).toBe(5);
  });
  test('tag lists keep the drawn lengths: one character one time in fifteen, the maximum one time in five', () => {
    const tags = fc.sample(tagList(model), { numRuns: 5000, seed: 10 }).flat();
    expect(share(tags, (t: Tag) => t.Key.length === 1)).toBeCloseTo(1 / 15, 1);
    expect(share(tags, (t: Tag) => t.Key.length === 100)).toBeCloseTo(0.2, 1);
    expect(share(tags, (t: Tag) => t.Value.length === 256)).toBeCloseTo(0.2, 1);
    expect(share(tags, (t: Tag) => t.Key.length > 12 && t.Key.length < 100)).toBe(0);
  });
});

describe('quantities with allocations', () => {
  const quantity = fc.integer({ min: 0, max: 1000 });
  test('allocatedQuantity: half with allocations, always adding up; every value shrinks from the value', () => {
    const arbitrary = allocatedQuantity(model, quantity);
    const values = fc.sample(arbitrary, { numRuns: 2000, seed: 11 });
    expect(share(values, (v) => v.allocations !== undefined)).toBeCloseTo(0.5, 1);
    for (const v of values) {
      if (v.allocations) expect(sum(v.allocations)).toBe(v.quantity);
      expect(arbitrary.canShrinkWithoutContext(v)).toBe(true);
    }
  });
  test('allocatedQuantity shrinks the quantity with its allocations still adding up', () => {
    for (const seed of [1, 2, 3]) {
      const value = shrunk(allocatedQuantity(model, quantity), (v) => v.quantity >= 10 && (v.allocations?.length ?? 0) >= 2, seed);
      expect(value.quantity).toBe(10);
      expect(value.allocations!.map((a) => a.AllocatedUsageQuantity)).toEqual([0, 10]);
    }
  });
  test('every shrink of an allocated quantity still adds up, with no allocation below 0', () => {
    const arbitrary = allocatedQuantity(model, quantity);
    const values = fc.sample(arbitrary, { numRuns: 200, seed: 13 }).filter((v) => v.allocations && v.allocations.length > 1 && v.quantity > 100);
    expect(values.length).toBeGreaterThan(5);
    const adds = ({ quantity: q, allocations }: { quantity: number; allocations?: UsageAllocation[] }) =>
      allocations === undefined || (sum(allocations) === q && allocations.every((a) => a.AllocatedUsageQuantity >= 0));
    for (const value of values.slice(0, 5)) {
      for (const first of [...arbitrary.shrink(value, undefined).take(100)]) {
        expect(adds(first.value), JSON.stringify(first.value)).toBe(true);
        for (const second of [...arbitrary.shrink(first.value, first.context).take(30)]) expect(adds(second.value), JSON.stringify(second.value)).toBe(true);
      }
    }
  });
  test('quantityOf reads a quantity without allocations, and nothing else', () => {
    expect(quantityOf({ quantity: 3 })).toBe(3);
    expect(() => quantityOf({ quantity: 3, allocations: [] })).toThrow();
    expect(() => quantityOf({ quantity: '3' })).toThrow();
    expect(() => quantityOf(undefined)).toThrow();
  });
  test('a valid MeterUsage with allocations shrinks to quantity 0 and one untagged allocation', () => {
    for (const seed of [1, 2]) {
      const request = shrunk(validMeterUsage(FIXTURES, model, NOW), (r) => r.UsageAllocations !== undefined, seed);
      expect(request.UsageQuantity).toBe(0);
      expect(request.UsageAllocations).toEqual([{ AllocatedUsageQuantity: 0 }]);
    }
  });
  test('25-record batches: distinct keys in each, every key of the window drawn', () => {
    const seen = new Set<string>();
    for (const batch of fc.sample(batchRequest(model, FIXTURES, NOW, { size: 25 }), { numRuns: 300, seed: 15 })) {
      const keys = batch.UsageRecords.map((r) => `${r.CustomerAWSAccountId}|${r.Dimension}|${Math.floor(r.Timestamp.getTime() / 3_600_000)}`);
      expect(new Set(keys).size).toBe(25);
      for (const key of keys) seen.add(key);
    }
    // Two subscribed customers, three dimensions, 25 hours of a 24-hour window.
    expect(seen.size).toBe(2 * 3 * 25);
  });
  test('a 25-record batch shrinks its records in place: distinct keys kept, one record left with an allocation', () => {
    for (const seed of [1, 2]) {
      const batch = shrunk(batchRequest(model, FIXTURES, NOW, { size: 25 }), (b) => b.UsageRecords.some((r) => r.UsageAllocations !== undefined), seed);
      expect(batch.UsageRecords).toHaveLength(25);
      const keys = new Set(batch.UsageRecords.map((r) => `${r.CustomerAWSAccountId}|${r.Dimension}|${Math.floor(r.Timestamp.getTime() / 3_600_000)}`));
      expect(keys.size).toBe(25);
      const allocated = batch.UsageRecords.filter((r) => r.UsageAllocations !== undefined);
      expect(allocated).toHaveLength(1);
      expect(allocated[0].UsageAllocations).toEqual([{ AllocatedUsageQuantity: 0 }]);
      expect(batch.UsageRecords.every((r) => r.Quantity === 0)).toBe(true);
    }
  });
});
