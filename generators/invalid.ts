// Requests that break exactly one model constraint, and the catalogue rules they test.
//
// Rule ids: `model.<Operation>.<MemberPath>.<constraint>`, where MemberPath is the chain of
// member names from the operation's input, with `member` for "an item of this list"
// (`model.MeterUsage.UsageAllocations.member.Tags.member.Key.pattern`), and constraint is one of
// required | min | max | pattern | enum | type (min/max mean length for strings, value for
// numbers, item count for lists, as the member's shape says). Ids depend only on member names,
// so they are stable across model versions; a version without the member has no such rule.
import fc from 'fast-check';
import {
  anyCharacter,
  arrayOfSize,
  classCharacter,
  CROSS_SHRINK,
  inShrinkOrder,
  integerShrinking,
  lengthBetween,
  listBounds,
  stringOfLength,
  validString,
  validStructure,
  type ValueOptions,
} from './arbitraries.js';
import { faultSampleProblems } from './check.js';
import { inputShape, shapeOf, type Shape, type ServiceModel, type StringShape } from '../core/model.js';
import { classMembers, codePointLength, matchesPattern, repeatedClass } from './patterns.js';
import type { ConstraintKind } from './schemas.js';
import { acceptedText, treatmentOf } from './treatment.js';

/** One constraint of one member reachable from an operation's input. */
export interface ModelConstraint {
  ruleId: string;
  operation: string;
  /** Member path from the input structure, `member` standing for a list item. */
  path: string;
  constraint: ConstraintKind;
  /** The structure (or, for a list item, the list) that holds the member, and the member's name there. */
  owner: string;
  member: string;
  /** The member's target shape, whose traits state min/max/pattern/enum. */
  shape: string;
}

export interface FaultCase {
  ruleId: string;
  operation: string;
  path: string;
  constraint: ConstraintKind;
  /** Requests breaking this constraint and nothing else (timestamps as Date, like valid inputs). */
  arbitrary: fc.Arbitrary<Record<string, unknown>>;
  /** The faulty JSON cannot be produced through an SDK (a wrong JSON type): raw driver only. */
  rawOnly?: true;
  /**
   * Constraints of the same member that every value breaking this one breaks too (a string
   * shorter than 1 cannot match `[\s\S]+`). Validation reports them at the same path.
   */
  implies?: ConstraintKind[];
  /**
   * Fixed cases to run before the random ones, each a whole request with the smallest valid
   * rest: for a length, value or size constraint the value just past the bound (min-1 or
   * max+1), then the values the model's documentation gives for the member that break this
   * constraint (DOCUMENTED_VALUES). Built on first call (a search for the smallest request).
   */
  examples(): Record<string, unknown>[];
}

export interface UnbreakableConstraint extends ModelConstraint {
  reason: string;
}

/** Every constraint reachable from the operation's input, in member order. */
export function modelConstraints(model: ServiceModel, operation: string): ModelConstraint[] {
  const input = inputShape(model, operation);
  const out: ModelConstraint[] = [];
  const visit = (owner: string, member: string, shapeName: string, path: string, required: boolean): void => {
    const shape = shapeOf(model, shapeName);
    const add = (constraint: ConstraintKind) =>
      out.push({ ruleId: `model.${operation}.${path}.${constraint}`, operation, path, constraint, owner, member, shape: shapeName });
    if (required) add('required');
    add('type');
    switch (shape.type) {
      case 'string':
        if ((shape.min ?? 0) > 0) add('min');
        if (shape.max !== undefined) add('max');
        if (shape.pattern !== undefined) add('pattern');
        if (shape.enum) add('enum');
        break;
      case 'integer':
      case 'long':
        if (shape.min !== undefined) add('min');
        if (shape.max !== undefined) add('max');
        break;
      case 'list':
        if ((shape.min ?? 0) > 0) add('min');
        if (shape.max !== undefined) add('max');
        visit(shapeName, 'member', shape.member.shape, `${path}.member`, false);
        break;
      case 'structure':
        for (const [name, ref] of Object.entries(shape.members)) visit(shapeName, name, ref.shape, `${path}.${name}`, shape.required.includes(name));
        break;
    }
  };
  for (const [name, ref] of Object.entries(input.members)) visit(input.name, name, ref.shape, name, input.required.includes(name));
  return out;
}

type Leaf =
  | { kind: 'omit' }
  | {
      kind: 'value';
      arbitrary: fc.Arbitrary<unknown>;
      implies?: ConstraintKind[];
      /** The faulty value built with the request's options (a list's valid items: pins, distinct items). */
      build?: (options: ValueOptions) => fc.Arbitrary<unknown>;
    };

const PROBE = { numRuns: 50, seed: 20160114 };

/**
 * Whether a deterministic probe of `arbitrary` finds a value that `keeps`. Draws one value at a
 * time and stops at the first keeper: the catalogue is built at every start, and a probe of
 * long strings costs more than the rest of it.
 */
function probeFinds<T>(arbitrary: fc.Arbitrary<T>, keeps: (value: T) => boolean): boolean {
  for (let i = 0; i < PROBE.numRuns; i++) if (keeps(fc.sample(arbitrary, { numRuns: 1, seed: PROBE.seed + i })[0])) return true;
  return false;
}
/** Non-ASCII characters tried as pattern breakers: accented, no-break and ideographic spaces, astral, line separator, BOM. */
const NON_ASCII = ['\u00e9', '\u00a0', '\u3000', '\u{1F600}', '\u2028', '\ufeff'];
const ALL_ASCII = Array.from({ length: 0x80 }, (_, c) => String.fromCharCode(c));

/**
 * Keeps the candidates that break nothing else. When a deterministic probe finds none, the
 * candidates necessarily break `coBroken` too: keep them all and say so.
 */
function keepOthersValid(candidates: fc.Arbitrary<string>, keeps: (s: string) => boolean, coBroken: ConstraintKind[]): Leaf {
  if (probeFinds(candidates, keeps)) return { kind: 'value', arbitrary: candidates.filter(keeps) };
  return { kind: 'value', arbitrary: candidates, implies: coBroken };
}

/** Lengths in [lo, hi] with `edge` (the one just past the bound) weighted up; any of them shrinks to the edge. */
function faultLength(lo: number, hi: number, edge: number): fc.Arbitrary<number> {
  return integerShrinking(fc.oneof({ weight: 3, arbitrary: fc.constant(edge) }, { weight: 2, arbitrary: fc.integer({ min: lo, max: hi }) }), lo, hi);
}

function lengthFault(shape: StringShape, lengths: fc.Arbitrary<number>): Leaf {
  const repeated = shape.pattern === undefined ? undefined : repeatedClass(shape.pattern);
  const unit = repeated ? classCharacter(repeated.charClass) : anyCharacter;
  const candidates = stringOfLength(unit, lengths);
  const keeps = (s: string) => matchesPattern(shape.pattern, s) && !(shape.enum && shape.enum.includes(s));
  return keepOthersValid(candidates, keeps, shape.pattern === undefined ? [] : ['pattern']);
}

function patternFault(shape: StringShape, pattern: string): Leaf | string {
  const min = shape.min ?? 0;
  const max = shape.max ?? Math.max(min, 64);
  const repeated = repeatedClass(pattern);
  const outside = repeated
    ? [...ALL_ASCII.filter((c) => !classMembers(repeated.charClass).ascii.includes(c)), ...NON_ASCII.filter((c) => !matchesPattern(`^${repeated.charClass}$`, c))]
    : [...ALL_ASCII, ...NON_ASCII];
  const options: fc.Arbitrary<string>[] = [];
  if (outside.length > 0) {
    const breaker = fc.constantFrom(...outside);
    // One character of a valid string swapped for a breaker: the smallest departure from valid.
    const valid = validString({ ...shape, min: Math.max(min, 1), enum: undefined });
    options.push(
      fc.tuple(valid, breaker, fc.nat()).map(([s, c, i]) => {
        const chars = [...s];
        chars[i % chars.length] = c;
        return chars.join('');
      }),
    );
    options.push(stringOfLength(breaker, lengthBetween(min, max)));
  }
  if (min === 0) options.push(fc.constant(''));
  const keeps = (s: string) => !matchesPattern(pattern, s) && codePointLength(s) >= min && codePointLength(s) <= max;
  if (options.length === 0 || !probeFinds(fc.oneof(...options), keeps)) {
    return `every string of ${min}..${shape.max ?? 'any'} characters matches ${pattern}`;
  }
  return { kind: 'value', arbitrary: fc.oneof(CROSS_SHRINK, ...options).filter(keeps) };
}

function enumFault(shape: StringShape, values: string[]): Leaf | string {
  const flipped = values.map((v) => (v === v.toLowerCase() ? v.toUpperCase() : v.toLowerCase()));
  const candidates = fc.oneof(fc.constantFrom(...flipped), validString({ ...shape, enum: undefined }));
  const keeps = (s: string) => !values.includes(s);
  if (!probeFinds(candidates, keeps)) return `no string of the allowed length and pattern lies outside the enum`;
  return { kind: 'value', arbitrary: candidates.filter(keeps) };
}

/** A JSON value of another type than the shape's (never null: awsJson reads null as "absent"). */
function wrongType(shape: Shape): fc.Arbitrary<unknown> {
  const text = fc.string({ maxLength: 8 });
  const object = fc.constant({});
  switch (shape.type) {
    case 'string':
      return fc.oneof(fc.integer(), fc.boolean(), object, fc.array(text, { maxLength: 2 }));
    case 'integer':
    case 'long': {
      const base = shape.min ?? 0;
      const fractional = shape.max === undefined || shape.max >= base + 1 ? [fc.constant(base + 0.5)] : [];
      return fc.oneof(fc.constant(String(base)), fc.boolean(), object, ...fractional);
    }
    case 'boolean':
      return fc.oneof(fc.constantFrom('true', 'false'), fc.constantFrom(0, 1));
    case 'timestamp':
      // The awsJson1.1 wire form is epoch seconds; an ISO-8601 string is the likeliest mistake.
      return fc.oneof(
        fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constant(String(Math.floor(Date.UTC(2026, 0, 1) / 1000))),
        fc.boolean(),
      );
    case 'list':
      return fc.oneof(object, text, fc.integer());
    case 'structure':
      return fc.oneof(fc.constant([]), text, fc.integer(), fc.boolean());
  }
}

function integerFault(kind: 'min' | 'max', bound: number): Leaf {
  const edge = kind === 'min' ? bound - 1 : bound + 1;
  const far = kind === 'min' ? Math.max(Number.MIN_SAFE_INTEGER, bound - 2 ** 32) : Math.min(Number.MAX_SAFE_INTEGER, bound + 2 ** 32);
  const range = kind === 'min' ? { min: far, max: edge } : { min: edge, max: far };
  // Either way the range's end nearer zero is the edge: values shrink to it.
  return { kind: 'value', arbitrary: integerShrinking(fc.oneof({ weight: 3, arbitrary: fc.constant(edge) }, { weight: 2, arbitrary: fc.integer(range) }), range.min, range.max) };
}

/** The faulty value for the member's shape (or an omission), or why no value breaks this constraint alone. */
function leafFault(model: ServiceModel, c: ModelConstraint): Leaf | string {
  const shape = shapeOf(model, c.shape);
  if (c.constraint === 'required') return { kind: 'omit' };
  if (c.constraint === 'type') return { kind: 'value', arbitrary: wrongType(shape) };
  switch (shape.type) {
    case 'string': {
      if (c.constraint === 'min') return lengthFault(shape, faultLength(0, shape.min! - 1, shape.min! - 1));
      if (c.constraint === 'max') return lengthFault(shape, faultLength(shape.max! + 1, shape.max! + 64, shape.max! + 1));
      if (c.constraint === 'pattern') return patternFault(shape, shape.pattern!);
      return enumFault(shape, shape.enum!);
    }
    case 'integer':
    case 'long':
      return integerFault(c.constraint as 'min' | 'max', c.constraint === 'min' ? shape.min! : shape.max!);
    case 'list': {
      const sizes = c.constraint === 'min' ? faultLength(0, shape.min! - 1, shape.min! - 1) : faultLength(shape.max! + 1, shape.max! + 3, shape.max! + 1);
      const build = (options: ValueOptions) => arrayOfSize(model, shape, sizes, { ...options, small: true });
      return { kind: 'value', arbitrary: build({}), build };
    }
    default:
      return `shape ${shape.name} (${shape.type}) has no ${c.constraint} constraint`;
  }
}

/** Builds a valid value of `shapeName` around the fault found at `segments` below it. */
function embed(model: ServiceModel, shapeName: string, segments: string[], leaf: Leaf, options: ValueOptions): fc.Arbitrary<unknown> {
  const shape = shapeOf(model, shapeName);
  if (segments.length === 0) {
    if (leaf.kind === 'omit') throw new Error('a required fault ends at its owner structure');
    return leaf.build ? leaf.build(options) : leaf.arbitrary;
  }
  const [head, ...rest] = segments;
  if (shape.type === 'structure') {
    if (rest.length === 0 && leaf.kind === 'omit') return validStructure(model, shape, options, {}, [head]);
    return validStructure(model, shape, options, { [head]: embed(model, shape.members[head].shape, rest, leaf, options) });
  }
  if (shape.type === 'list') {
    // The faulty item joins valid ones, the list's own size staying within its bounds.
    const { min, max } = listBounds(shape, options);
    const others = Math.max(min, 1) - 1;
    const sizes = fc.integer({ min: others, max: Math.max(others, Math.min(max - 1, others + 3)) });
    const item = embed(model, shape.member.shape, rest, leaf, options);
    const key = options.unique?.[shape.name];
    return fc.tuple(arrayOfSize(model, shape, sizes, options), item, fc.nat()).map(([items, bad, at]) => {
      // Items that must be distinct stay distinct from the faulty one too (same tag set as it, say).
      const copy = key && items.length + 1 > min ? items.filter((i) => !sameKey(key, i, bad)) : [...items];
      copy.splice(at % (copy.length + 1), 0, bad);
      return copy;
    });
  }
  throw new Error(`cannot descend into ${shape.type} shape ${shapeName} along ${segments.join('.')}`);
}

function sameKey(key: (item: unknown) => string, a: unknown, b: unknown): boolean {
  try {
    return key(a) === key(b);
  } catch {
    return false;
  }
}

interface Coverage {
  breakable: { constraint: ModelConstraint; leaf: Leaf }[];
  unbreakable: UnbreakableConstraint[];
}
const coverageCache = new WeakMap<ServiceModel, Map<string, Coverage>>();

function coverage(model: ServiceModel, operation: string): Coverage {
  let perOp = coverageCache.get(model);
  if (!perOp) coverageCache.set(model, (perOp = new Map()));
  let result = perOp.get(operation);
  if (!result) {
    result = { breakable: [], unbreakable: [] };
    for (const constraint of modelConstraints(model, operation)) {
      const leaf = leafFault(model, constraint);
      if (typeof leaf === 'string') result.unbreakable.push({ ...constraint, reason: leaf });
      else result.breakable.push({ constraint, leaf });
    }
    perOp.set(operation, result);
  }
  return result;
}

/**
 * One case per breakable constraint of the operation's input. `options` (or a function giving
 * them per constraint) shape the valid rest of each request: pin fixture values there; a pin on
 * the faulty member itself is ignored.
 */
export function singleFaults(model: ServiceModel, operation: string, options: ValueOptions | ((c: ModelConstraint) => ValueOptions) = {}): FaultCase[] {
  const input = inputShape(model, operation);
  return coverage(model, operation).breakable.map(({ constraint: c, leaf }) => {
    const opts = typeof options === 'function' ? options(c) : options;
    const implies = leaf.kind === 'value' ? leaf.implies : undefined;
    let examples: Record<string, unknown>[] | undefined;
    return {
      ruleId: c.ruleId,
      operation,
      path: c.path,
      constraint: c.constraint,
      arbitrary: embed(model, input.name, c.path.split('.'), leaf, opts) as fc.Arbitrary<Record<string, unknown>>,
      ...(c.constraint === 'type' ? { rawOnly: true as const } : {}),
      ...(implies ? { implies } : {}),
      examples: () => (examples ??= fixedCases(model, c, implies, opts)),
    };
  });
}

// ---------------------------------------------------------------- fixed cases

/**
 * Values the model's documentation gives for a member that its constraints reject; each runs
 * as a fixed case of the rule it breaks (`null`: the member left out, as awsJson reads null).
 * Keyed by `<structure>.<member>`.
 */
export const DOCUMENTED_VALUES: Readonly<Record<string, { values: unknown[]; source: string }>> = {
  // TagValue has min length 1 and Value is required.
  'Tag.Value': { values: ['', null], source: 'model:shapes.Tag.members.Value.documentation ("The value can be empty or null.")' },
};

/** Characters tried first for a string of a given length: readable ones, then the class in shrink order. */
function edgeString(shape: StringShape, length: number): string {
  const repeated = shape.pattern === undefined ? undefined : repeatedClass(shape.pattern);
  const candidates = ['a', 'A', '1', '0', ...inShrinkOrder(classMembers(repeated?.charClass ?? '[\\s\\S]').ascii)];
  const fits = (s: string) => matchesPattern(shape.pattern, s) && !(shape.enum && shape.enum.includes(s));
  for (const c of candidates) if (fits(c.repeat(length))) return c.repeat(length);
  return 'a'.repeat(length);
}

/** The faulty value just past the bound, for a length, value or size constraint. */
function boundaryLeaf(model: ServiceModel, c: ModelConstraint, options: ValueOptions): fc.Arbitrary<unknown> | undefined {
  if (c.constraint !== 'min' && c.constraint !== 'max') return undefined;
  const shape = shapeOf(model, c.shape) as Shape & { min?: number; max?: number };
  const edge = c.constraint === 'min' ? shape.min! - 1 : shape.max! + 1;
  switch (shape.type) {
    case 'string':
      return fc.constant(edgeString(shape, edge));
    case 'integer':
    case 'long':
      return fc.constant(edge);
    case 'list':
      return arrayOfSize(model, shape, fc.constant(edge), { ...options, small: true });
    default:
      return undefined;
  }
}

const FIXED_CASE_SEED = 20160114;

/** The smallest request `arbitrary` makes that `keep`s, found by fast-check's shrinking. */
function smallest<T>(arbitrary: fc.Arbitrary<T>, keep: (value: T) => boolean): T | undefined {
  const result = fc.check(
    fc.property(arbitrary, (value) => !keep(value)),
    { seed: FIXED_CASE_SEED, numRuns: 20 },
  );
  return result.failed ? result.counterexample![0] : undefined;
}

function fixedCases(model: ServiceModel, c: ModelConstraint, implies: ConstraintKind[] | undefined, options: ValueOptions): Record<string, unknown>[] {
  const input = inputShape(model, c.operation);
  const segments = c.path.split('.');
  const leaves: Leaf[] = [];
  const boundary = boundaryLeaf(model, c, options);
  if (boundary) leaves.push({ kind: 'value', arbitrary: boundary });
  for (const value of DOCUMENTED_VALUES[`${c.owner}.${c.member}`]?.values ?? []) {
    if (value === null) {
      if (c.constraint === 'required') leaves.push({ kind: 'omit' });
    } else if (c.constraint !== 'required') leaves.push({ kind: 'value', arbitrary: fc.constant(value) });
  }
  const fault = { path: c.path, constraint: c.constraint, ...(implies ? { implies } : {}) };
  const keep = (request: Record<string, unknown>) => faultSampleProblems(model, c.operation, fault, request).length === 0;
  const out: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const leaf of leaves) {
    const request = smallest(embed(model, input.name, segments, leaf, options) as fc.Arbitrary<Record<string, unknown>>, keep);
    if (request === undefined) continue;
    const text = JSON.stringify(request);
    if (!seen.has(text)) out.push(request);
    seen.add(text);
  }
  return out;
}

/** Constraints no request can break alone (e.g. `[\s\S]*` admits every string): no case, no rule. */
export function unbreakableConstraints(model: ServiceModel, operation: string): UnbreakableConstraint[] {
  return coverage(model, operation).unbreakable;
}

/** The constraints a request can break alone: each is a derived rule of the catalogue (catalogue/derived.ts). */
export function breakableConstraints(model: ServiceModel, operation: string): ModelConstraint[] {
  return coverage(model, operation).breakable.map(({ constraint }) => constraint);
}
