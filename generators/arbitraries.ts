// Valid values for any shape of the service model, as fast-check arbitraries: the model is
// the only source of what "valid" means, so every model version gets its own generators.
import fc from 'fast-check';
import { inputShape, ModelError, shapeOf, type ListShape, type NumberShape, type ServiceModel, type StringShape, type StructureShape } from '../core/model.js';
import { classMembers, codePointLength, modelRegExp, repeatedClass } from './patterns.js';

/** A pinned member: a fixed value, an arbitrary, or `undefined` to leave the member out. */
export type Pin = unknown;
export type Pins = Record<string, Pin>;

export interface ValueOptions {
  /** Pin members of every structure of a shape, by shape name: `{ UsageRecord: { Dimension: fc.constantFrom(...) } }`. */
  pin?: Record<string, Pins>;
  /** Length cap for strings whose shape has no `max` (default 64). */
  maxUnboundedLength?: number;
  /** Size cap for lists whose shape has no `max` (default 8). */
  maxUnboundedItems?: number;
  /** Weight of the "exactly max / max-1 items" choice against 20 for small sizes (default 1; 0 never reaches the max). */
  maxItemsWeight?: number;
  /** Small values only: short strings, few items. Used for the elements of big lists so they stay cheap. */
  small?: boolean;
  /** Structures carry their required (and pinned) members only: the bulk elements of lists past BIG_LIST. */
  requiredOnly?: boolean;
  /** Timestamps to use (default: any millisecond instant 1970..2100). */
  timestamp?: fc.Arbitrary<Date>;
  /**
   * Items of these list shapes are distinct by the key (`{ TagList: (t) => t.Key }`): rules
   * the model cannot state, kept so that the valid rest of a request breaks none of them.
   * Lists past BIG_LIST repeat their elements and are not kept distinct.
   */
  unique?: Record<string, (item: unknown) => string>;
  /**
   * A last step for structures of these shapes that restores an invariant across members (a
   * quantity equal to the sum of its allocations). It must leave any member that already
   * breaks a constraint as it is.
   */
  complete?: Record<string, (value: Record<string, unknown>) => Record<string, unknown>>;
}

const INT32 = { min: -0x80000000, max: 0x7fffffff };
const SAFE = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
/** Lists longer than this are built from a few repeated small elements, so that a 2500-item list costs milliseconds. */
const BIG_LIST = 32;
const ANY_DATE = fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true });

function isArbitrary(value: unknown): value is fc.Arbitrary<unknown> {
  return value instanceof fc.Arbitrary;
}

function pinned(value: Pin): fc.Arbitrary<unknown> {
  return isArbitrary(value) ? value : fc.constant(value);
}

const unique = (values: number[]): number[] => [...new Set(values)];

/**
 * For fc.oneof: a value drawn from a later option may also shrink to a value drawn afresh
 * from the first one (fast-check shrinks only inside the option that drew a value otherwise).
 * Every oneof here puts the option that holds the smallest value first. Where the smallest
 * value must be reached for sure (lengths, sizes, bounds), see shrinkingBy.
 */
export const CROSS_SHRINK = { withCrossShrink: true } as const;

/**
 * Draws from `source` (its distribution, weights, edges) but shrinks by `shrinker` alone, on
 * the value: a length drawn as the constant maximum of one fc.oneof option shrinks all the way
 * down like any other. fast-check's oneof cannot do that (it shrinks within the drawing
 * option, its cross shrink tries one random value of the first option once).
 */
class ShrinkingBy<T> extends fc.Arbitrary<T> {
  constructor(
    private readonly source: fc.Arbitrary<T>,
    private readonly accepts: (value: unknown) => value is T,
    private readonly shrinker: (value: T) => fc.Stream<T>,
  ) {
    super();
  }
  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    return new fc.Value(this.source.generate(mrng, biasFactor).value, undefined);
  }
  canShrinkWithoutContext(value: unknown): value is T {
    return this.accepts(value);
  }
  shrink(value: T): fc.Stream<fc.Value<T>> {
    return this.shrinker(value).map((v) => new fc.Value(v, undefined));
  }
}

export function shrinkingBy<T>(source: fc.Arbitrary<T>, accepts: (value: unknown) => value is T, shrinker: (value: T) => fc.Stream<T>): fc.Arbitrary<T> {
  return new ShrinkingBy(source, accepts, shrinker);
}

/** Integers drawn from `source` (all within [min, max]) that shrink as fc.integer({ min, max }) does: towards the end nearer zero. */
export function integerShrinking(source: fc.Arbitrary<number>, min: number, max: number): fc.Arbitrary<number> {
  const plain = fc.integer({ min, max });
  return shrinkingBy(
    source,
    (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,
    (v) => plain.shrink(v, undefined).map((s) => s.value),
  );
}

/** Integers in [min, max] with the boundaries and their neighbours weighted up. */
export function boundedInteger(min: number, max: number): fc.Arbitrary<number> {
  if (min > max) throw new ModelError(`empty integer range [${min}, ${max}]`);
  const edges = unique([min, min + 1, max - 1, max].filter((n) => n >= min && n <= max));
  const drawn = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...edges) },
    { weight: 1, arbitrary: fc.integer({ min, max: Math.min(max, min + 1000) }) },
    { weight: 2, arbitrary: fc.integer({ min, max }) },
  );
  return integerShrinking(drawn, min, max);
}

/** A length in [min, max]: both ends and their neighbours weighted up, short lengths common. */
export function lengthBetween(min: number, max: number, small = false): fc.Arbitrary<number> {
  if (min > max) throw new ModelError(`empty length range [${min}, ${max}]`);
  if (small) return fc.integer({ min, max: Math.min(max, min + 4) });
  const edges = unique([min, min + 1, max - 1, max].filter((n) => n >= min && n <= max));
  const drawn = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...edges) },
    { weight: 3, arbitrary: fc.integer({ min, max: Math.min(max, min + 16) }) },
    { weight: 1, arbitrary: fc.integer({ min, max }) },
  );
  return integerShrinking(drawn, min, max);
}

/**
 * Any Unicode scalar value (no lone surrogates: they cannot travel as UTF-8). Built from an
 * integer rather than fc.string({ unit: 'binary' }), whose construction maps all of Unicode.
 */
const scalarValue: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: 0x10ffff })
  .filter((cp) => cp < 0xd800 || cp > 0xdfff)
  .map((cp) => String.fromCodePoint(cp));

/**
 * Strings of any Unicode scalar values. Suites use this instead of fc.string({ unit: 'binary' }),
 * which costs about a second per call to build.
 */
export function unicodeString(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ unit: scalarValue, ...constraints });
}

/** Letters, then digits, then the rest of printable ASCII, then control characters: the order characters shrink in. */
function shrinkRank(c: string): number {
  const code = c.charCodeAt(0);
  if (c >= 'a' && c <= 'z') return code;
  if (c >= 'A' && c <= 'Z') return 0x100 + code;
  if (c >= '0' && c <= '9') return 0x200 + code;
  if (code >= 0x20 && code < 0x7f) return 0x300 + code;
  return 0x400 + code;
}

/**
 * Characters in the order they shrink in: fc.constantFrom shrinks towards its first value, and
 * a minimal counterexample reads better as `a` than as U+0000 or a space. Draws are uniform
 * either way.
 */
export function inShrinkOrder(chars: readonly string[]): string[] {
  return [...chars].sort((x, y) => shrinkRank(x) - shrinkRank(y));
}

/** One code point of a character class: every ASCII member equally, non-ASCII members sometimes. */
export function classCharacter(charClass: string): fc.Arbitrary<string> {
  const { ascii, nonAscii } = classMembers(charClass);
  const re = modelRegExp(`^${charClass}$`);
  const options: fc.WeightedArbitrary<string>[] = [];
  if (ascii.length > 0) options.push({ weight: 4, arbitrary: fc.constantFrom(...inShrinkOrder(ascii)) });
  if (nonAscii) options.push({ weight: 1, arbitrary: scalarValue.filter((c) => re.test(c)) });
  if (options.length === 0) throw new ModelError(`character class ${charClass} admits no character`);
  return fc.oneof(CROSS_SHRINK, ...options);
}

/** Any code point: ASCII (control characters included) mostly, the rest of Unicode sometimes. */
export const anyCharacter: fc.Arbitrary<string> = classCharacter('[\\s\\S]');

/**
 * Strings of exactly `length` code points drawn from `unit`. An array joined, not fc.string:
 * the arbitrary is built anew for every length drawn, and fc.string's construction costs more
 * than the draw (its special strings do not fit a fixed length anyway).
 */
export function stringOfLength(unit: fc.Arbitrary<string>, length: fc.Arbitrary<number>): fc.Arbitrary<string> {
  return length.chain((n) => fc.array(unit, { minLength: n, maxLength: n }).map((chars) => chars.join('')));
}

/** Valid strings for a string shape: enum values, or the pattern honoured across the whole length span. */
export function validString(shape: StringShape, options: ValueOptions = {}): fc.Arbitrary<string> {
  if (shape.enum) return fc.constantFrom(...shape.enum);
  const min = shape.min ?? 0;
  const max = shape.max ?? Math.max(min, options.maxUnboundedLength ?? 64);
  if (shape.pattern === undefined) return stringOfLength(anyCharacter, lengthBetween(min, max, options.small));
  const re = modelRegExp(shape.pattern);
  const repeated = repeatedClass(shape.pattern);
  if (repeated) {
    const lo = repeated.atLeastOne ? Math.max(min, 1) : min;
    const run = stringOfLength(classCharacter(repeated.charClass), lengthBetween(lo, max, options.small));
    if (repeated.anchoredStart && repeated.anchoredEnd) return run;
    // Not anchored: the class run may sit inside any other text, so also try arbitrary text.
    const surrounded = stringOfLength(anyCharacter, lengthBetween(min, max, options.small)).filter((s) => re.test(s));
    return fc.oneof({ weight: 3, arbitrary: run }, { weight: 1, arbitrary: surrounded });
  }
  // Structured patterns (LicenseArn): let fast-check build matches, at several sizes.
  return regexDriven(shape.pattern, shape.max, options.small ?? false).filter((s) => codePointLength(s) >= min && codePointLength(s) <= max);
}

const regexDrivenCache = new Map<string, fc.Arbitrary<string>>();

/** fast-check's regex-driven strings, built once per pattern: building them is costly for `{0,1023}`. */
function regexDriven(pattern: string, maxLength: number | undefined, small: boolean): fc.Arbitrary<string> {
  const key = `${small}|${maxLength}|${pattern}`;
  let arbitrary = regexDrivenCache.get(key);
  if (!arbitrary) {
    const re = modelRegExp(pattern);
    const constraints = maxLength === undefined ? {} : { maxLength };
    arbitrary = fc.oneof(fc.stringMatching(re, constraints), fc.stringMatching(re, { ...constraints, size: small ? 'xsmall' : 'large' }));
    regexDrivenCache.set(key, arbitrary);
  }
  return arbitrary;
}

export function validInteger(shape: NumberShape): fc.Arbitrary<number> {
  const range = shape.type === 'long' ? SAFE : INT32;
  return boundedInteger(shape.min ?? range.min, shape.max ?? range.max);
}

/** List sizes: small mostly, the max (and max-1) by a weighted option, any size rarely. */
export function listSize(min: number, max: number, options: ValueOptions): fc.Arbitrary<number> {
  if (options.small) return fc.integer({ min, max: Math.min(max, min + 2) });
  const top = unique([max, max - 1].filter((n) => n >= min));
  const choices: fc.WeightedArbitrary<number>[] = [
    { weight: 20, arbitrary: fc.integer({ min, max: Math.min(max, min + 3) }) },
    { weight: 1, arbitrary: fc.integer({ min, max }) },
  ];
  const maxWeight = options.maxItemsWeight ?? 1;
  if (maxWeight > 0) choices.push({ weight: maxWeight, arbitrary: fc.constantFrom(...top) });
  return integerShrinking(fc.oneof(...choices), min, max);
}

/**
 * Arrays of exactly `size` elements. A big array repeats a handful of small generated elements
 * (the same objects: treat generated values as read-only, copy before changing one). The model
 * puts no uniqueness on list items, and a 2500-item list then costs about as much as eight.
 */
export function arrayOfSize(model: ServiceModel, shape: ListShape, size: fc.Arbitrary<number>, options: ValueOptions): fc.Arbitrary<unknown[]> {
  const element = validValue(model, shape.member.shape, options);
  // A list past BIG_LIST is there for its length: lean elements keep a 2,500-item request small on the wire.
  const cheap = validValue(model, shape.member.shape, { ...options, small: true, requiredOnly: true });
  const selector = options.unique?.[shape.name];
  return size.chain((n) =>
    n > BIG_LIST
      ? fc.array(cheap, { minLength: 1, maxLength: 8 }).map((seeds) => Array.from({ length: n }, (_, i) => seeds[i % seeds.length]))
      : selector
        ? fc.uniqueArray(element, { minLength: n, maxLength: n, selector })
        : fc.array(element, { minLength: n, maxLength: n }),
  );
}

export function listBounds(shape: ListShape, options: ValueOptions): { min: number; max: number } {
  const min = shape.min ?? 0;
  return { min, max: shape.max ?? Math.max(min, options.maxUnboundedItems ?? 8) };
}

/**
 * A structure: required members always, optional members present or absent. `pins` (and
 * `options.pin[shape]`) fix members; `omit` leaves members out whatever the model says.
 */
export function validStructure(
  model: ServiceModel,
  shape: StructureShape,
  options: ValueOptions = {},
  pins: Pins = {},
  omit: string[] = [],
): fc.Arbitrary<Record<string, unknown>> {
  const allPins: Pins = { ...options.pin?.[shape.name], ...pins };
  const members: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [name, ref] of Object.entries(shape.members)) {
    if (omit.includes(name)) continue;
    if (name in allPins) {
      if (allPins[name] === undefined) continue;
      members[name] = pinned(allPins[name]);
      required.push(name);
      continue;
    }
    if (options.requiredOnly && !shape.required.includes(name)) continue;
    members[name] = validValue(model, ref.shape, options);
    if (shape.required.includes(name)) required.push(name);
  }
  const record = fc.record(members, { requiredKeys: required, noNullPrototype: true }) as fc.Arbitrary<Record<string, unknown>>;
  const complete = options.complete?.[shape.name];
  return complete ? record.map(complete) : record;
}

const building = new Set<string>();

/** Valid values of any shape. Timestamps are `Date`s (see schemas.toWire for the wire form). */
export function validValue(model: ServiceModel, shapeName: string, options: ValueOptions = {}): fc.Arbitrary<unknown> {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case 'string':
      return validString(shape, options);
    case 'integer':
    case 'long':
      return validInteger(shape);
    case 'boolean':
      return fc.boolean();
    case 'timestamp':
      return options.timestamp ?? ANY_DATE;
    case 'list': {
      const { min, max } = listBounds(shape, options);
      return arrayOfSize(model, shape, listSize(min, max, options), options);
    }
    case 'structure': {
      const key = `${model.file}#${shapeName}`;
      if (building.has(key)) throw new ModelError(`${model.file}: shape ${shapeName} is recursive; recursive shapes are not supported`);
      building.add(key);
      try {
        return validStructure(model, shape, options);
      } finally {
        building.delete(key);
      }
    }
  }
}

/** Valid inputs of an operation; `overrides` pin top-level members (a value, an arbitrary, or undefined to omit). */
export function validInput(model: ServiceModel, operation: string, overrides: Pins = {}, options: ValueOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  return validStructure(model, inputShape(model, operation), options, overrides);
}
