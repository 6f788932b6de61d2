// Drawing straight from fast-check's random source, for the values the suites draw most (tag
// texts, tag lists, allocations): composed arbitraries cost a Value, a context and a call per
// character and per item, which made most of a MeterUsage's or a batch's generation time. The
// draws keep fast-check's distributions, bias included (fc.integer's pull towards its ends,
// fc.array's towards short arrays), and shrinking is left to the composed arbitrary they stand for.
import fc from 'fast-check';

/**
 * Draws by `draw` and shrinks as `shrinker` does, from the value: `shrinker` must be able to
 * shrink every value `draw` returns without a context (fc.Arbitrary.canShrinkWithoutContext
 * true: its maps need unmappers, and no chain), and `draw` should draw what it would. Shrunk
 * values carry the shrinker's contexts, so shrinking goes on exactly as the shrinker's own.
 * The shrinker is built at the first shrink: a passing property never pays for it.
 */
class DrawnBy<T> extends fc.Arbitrary<T> {
  private built: fc.Arbitrary<T> | undefined;
  constructor(
    readonly draw: (mrng: fc.Random, biasFactor: number | undefined) => T,
    private readonly shrinker: () => fc.Arbitrary<T>,
  ) {
    super();
  }
  private shrinking(): fc.Arbitrary<T> {
    return (this.built ??= this.shrinker());
  }
  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    return new fc.Value(this.draw(mrng, biasFactor), undefined);
  }
  canShrinkWithoutContext(value: unknown): value is T {
    return this.shrinking().canShrinkWithoutContext(value);
  }
  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    return this.shrinking().shrink(value, context);
  }
}

/** An arbitrary drawing by `draw` and shrinking as `shrinker()` does, from the value (see DrawnBy). */
export function drawnBy<T>(draw: (mrng: fc.Random, biasFactor: number | undefined) => T, shrinker: () => fc.Arbitrary<T>): fc.Arbitrary<T> {
  return new DrawnBy(draw, shrinker);
}

/**
 * How to draw a value of `arbitrary` inside another draw, worked out once: a drawnBy one's own
 * draw (no fc.Value around the value), else its generate.
 */
export function drawerOf<T>(arbitrary: fc.Arbitrary<T>): (mrng: fc.Random, biasFactor: number | undefined) => T {
  return arbitrary instanceof DrawnBy ? (arbitrary as DrawnBy<T>).draw : (mrng, biasFactor) => arbitrary.generate(mrng, biasFactor).value;
}

/** The context of ItemsDrawnBy's shrunk values: the tuple they shrink in and its own context. */
class ItemsContext<T> {
  constructor(
    readonly tuple: fc.Arbitrary<T[]>,
    readonly inner: unknown,
  ) {}
}

/**
 * Arrays drawn by `draw` whose items shrink in place, each as the arbitrary `itemOf` gives for
 * it shrinks it (without a context at first; undefined: an item this arbitrary cannot have
 * drawn). The length and what each item stands for stay, as with fc.tuple.
 */
class ItemsDrawnBy<T> extends fc.Arbitrary<T[]> {
  constructor(
    private readonly draw: (mrng: fc.Random, biasFactor: number | undefined) => T[],
    private readonly itemOf: (item: T) => fc.Arbitrary<T> | undefined,
  ) {
    super();
  }
  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T[]> {
    return new fc.Value(this.draw(mrng, biasFactor), undefined);
  }
  private tupleOf(items: T[]): fc.Arbitrary<T[]> | undefined {
    const arbitraries: fc.Arbitrary<T>[] = [];
    for (const item of items) {
      const arbitrary = this.itemOf(item);
      if (arbitrary === undefined || !arbitrary.canShrinkWithoutContext(item)) return undefined;
      arbitraries.push(arbitrary);
    }
    return fc.tuple(...arbitraries) as unknown as fc.Arbitrary<T[]>;
  }
  canShrinkWithoutContext(value: unknown): value is T[] {
    return Array.isArray(value) && this.tupleOf(value as T[]) !== undefined;
  }
  shrink(value: T[], context: unknown): fc.Stream<fc.Value<T[]>> {
    const own = context instanceof ItemsContext ? (context as ItemsContext<T>) : undefined;
    const tuple = own?.tuple ?? this.tupleOf(value);
    if (tuple === undefined) return fc.Stream.nil();
    return tuple.shrink(value, own?.inner).map((v) => new fc.Value(v.value, new ItemsContext(tuple, v.context)));
  }
}

/** Arrays drawn by `draw`, each item shrinking in place as `itemOf(item)` does (see ItemsDrawnBy). */
export function itemsDrawnBy<T>(draw: (mrng: fc.Random, biasFactor: number | undefined) => T[], itemOf: (item: T) => fc.Arbitrary<T> | undefined): fc.Arbitrary<T[]> {
  return new ItemsDrawnBy(draw, itemOf);
}

/** floor(log2(n)), as fast-check sizes its biased ranges. */
const log2 = (n: number): number => Math.floor(Math.log(n) / Math.log(2));

/**
 * An integer in [min, max] as fc.integer({ min, max }) draws it: uniform, except one time in
 * `biasFactor` from the few values next to either end (or to zero, when the range holds it).
 */
export function drawInteger(mrng: fc.Random, min: number, max: number, biasFactor: number | undefined): number {
  if (biasFactor === undefined || min === max || mrng.nextInt(1, biasFactor) !== 1) return mrng.nextInt(min, max);
  // fast-check's biasNumericRange: the first range two times in three, else one of the others.
  let ranges: [number, number][];
  if (min < 0 && max > 0) ranges = [[-log2(-min), log2(max)], [max - log2(max), max], [min, min + log2(-min)]];
  else {
    const gap = log2(max - min);
    ranges = min < 0 ? [[max - gap, max], [min, min + gap]] : [[min, min + gap], [max - gap, max]];
  }
  const id = mrng.nextInt(-2 * (ranges.length - 1), ranges.length - 2);
  const [from, to] = id < 0 ? ranges[0] : ranges[id + 1];
  return mrng.nextInt(from, to);
}

/**
 * The length of an fc.array({ minLength: min, maxLength: max }) (max at most 2 * min + 10, so
 * that fast-check's default size does not cap it), and the bias its items are drawn with.
 */
export function drawLength(mrng: fc.Random, min: number, max: number, biasFactor: number | undefined): { length: number; itemBias: number | undefined } {
  if (biasFactor === undefined) return { length: mrng.nextInt(min, max), itemBias: undefined };
  if (min === max) return { length: min, itemBias: biasFactor };
  if (mrng.nextInt(1, biasFactor) !== 1) return { length: mrng.nextInt(min, max), itemBias: undefined };
  if (mrng.nextInt(1, biasFactor) !== 1) return { length: mrng.nextInt(min, max), itemBias: biasFactor };
  return { length: mrng.nextInt(min, min + log2(max - min)), itemBias: biasFactor };
}

/** The PROPERTY_NAMES fast-check's strings slip in now and then (its internal list): a target keeping strings as object keys trips on them. */
const PROPERTY_NAMES = ['__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', '__proto__', 'constructor', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', 'toString', 'valueOf', 'apply', 'arguments', 'bind', 'call', 'caller', 'length', 'name', 'prototype', 'key', 'ref'];

/** Characters to draw from, with what drawing them needs worked out once. */
export interface Alphabet {
  chars: readonly string[];
  /** Characters per random number: as many as fit below 2^31 (one draw of fast-check's 32-bit source). */
  perDraw: number;
  /** chars.length ** perDraw - 1: the largest random number drawn. */
  top: number;
  /** The characters' UTF-16 codes, when each is one code unit and four fit in a random number: String.fromCharCode makes four at once. */
  codes: number[] | undefined;
  /** The PROPERTY_NAMES these characters spell, by the longest string they go in. */
  slices: Map<number, string[]>;
}

const alphabets = new WeakMap<readonly string[], Alphabet>();

/** The Alphabet of `chars` (one or more characters), built once per array. */
export function alphabet(chars: readonly string[]): Alphabet {
  let built = alphabets.get(chars);
  if (!built) {
    let perDraw = 1;
    while (chars.length > 1 && chars.length ** (perDraw + 1) <= 2 ** 31) perDraw++;
    const codes = perDraw >= 4 && chars.every((c) => c.length === 1) ? chars.map((c) => c.charCodeAt(0)) : undefined;
    // With codes, a random number makes four characters (the fifth and later digits would go unused).
    if (codes) perDraw = 4;
    alphabets.set(chars, (built = { chars, perDraw, top: chars.length ** perDraw - 1, codes, slices: new Map() }));
  }
  return built;
}

/** `count` characters drawn uniformly (and independently) from the alphabet, several per random number. */
export function drawCharacters(mrng: fc.Random, { chars, perDraw, top, codes }: Alphabet, count: number): string {
  const size = chars.length;
  if (size === 1) return chars[0].repeat(count);
  let text = '';
  for (let left = count; left > 0; left -= perDraw) {
    // The digits of r in base `size` are independent uniform characters.
    let r = mrng.nextInt(0, top);
    let part: string;
    if (codes !== undefined) {
      // Math.floor keeps the digits small integers; (r - a) / size would leave doubles that `%` handles slowly.
      const a = r % size;
      const b = Math.floor(r / size) % size;
      const c = Math.floor(r / (size * size)) % size;
      const d = Math.floor(r / (size * size * size));
      part = left >= 4 ? String.fromCharCode(codes[a], codes[b], codes[c], codes[d]) : left === 3 ? String.fromCharCode(codes[a], codes[b], codes[c]) : left === 2 ? String.fromCharCode(codes[a], codes[b]) : chars[a];
    } else {
      part = '';
      for (let i = Math.min(perDraw, left); i > 0; i--) {
        part += chars[r % size];
        r = Math.floor(r / size);
      }
    }
    text = text === '' ? part : text + part;
  }
  return text;
}

/** PROPERTY_NAMES that an fc.string of the alphabet up to `maxLength` long could draw (and so slips in). */
function slicesFor(abc: Alphabet, maxLength: number): string[] {
  let slices = abc.slices.get(maxLength);
  if (!slices) {
    const allowed = new Set(abc.chars);
    slices = PROPERTY_NAMES.filter((name) => name.length <= maxLength && [...name].every((c) => allowed.has(c)));
    abc.slices.set(maxLength, slices);
  }
  return slices;
}

/**
 * The first `needed` characters of an fc.string({ unit: fc.constantFrom(...chars), maxLength })
 * of `length` characters (a length drawn with item bias `itemBias`, see drawLength): uniform
 * characters, except that fast-check sometimes (about once in itemBias² strings) copies whole
 * property names or pieces of them (`__proto__`, `constructor`) that the characters can spell.
 */
export function drawString(mrng: fc.Random, abc: Alphabet, length: number, maxLength: number, itemBias: number | undefined, needed = length): string {
  if (itemBias === undefined) return drawCharacters(mrng, abc, Math.min(needed, length));
  const slices = slicesFor(abc, maxLength);
  if (slices.length === 0 || mrng.nextInt(1, itemBias) !== 1) return drawCharacters(mrng, abc, Math.min(needed, length));
  // fast-check's SlicedBasedGenerator, character by character (rare: no need to be quick).
  const { chars } = abc;
  let slice = '';
  let next = 0;
  let last = -1;
  if (length !== 0 && mrng.nextInt(1, itemBias) === 1) {
    const exact = slices.filter((name) => name.length === length);
    if (exact.length > 0) [slice, next, last] = [exact[mrng.nextInt(0, exact.length - 1)], 0, length - 1];
  }
  const drawnChars: string[] = [];
  while (drawnChars.length < length) {
    if (next <= last) {
      drawnChars.push(slice[next++]);
      continue;
    }
    if (mrng.nextInt(1, itemBias) !== 1) {
      drawnChars.push(chars[mrng.nextInt(0, chars.length - 1)]);
      continue;
    }
    slice = slices[mrng.nextInt(0, slices.length - 1)];
    if (mrng.nextInt(1, itemBias) !== 1) [next, last] = [0, slice.length - 1];
    else {
      const a = mrng.nextInt(0, slice.length - 1);
      const b = mrng.nextInt(0, slice.length - 1);
      [next, last] = [Math.min(a, b), Math.max(a, b)];
    }
    drawnChars.push(slice[next++]);
  }
  return drawnChars.slice(0, needed).join('');
}
