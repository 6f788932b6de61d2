// Model constraint checks on a decoded request: required, length (in Unicode scalar
// values), range, pattern (ECMA-262, not implicitly anchored), enum and list size. A
// violation is a ValidationException naming the member path, except tag problems, for which
// the model documents InvalidTagException ("tag invalid or more than 5 tags").
//
// Bounded cost for any input: a list over its maximum reports its size only (its elements
// are not walked), and the walk keeps the first few violations and counts the rest, so a
// rejected request costs one pass over its decoded body and its answer stays small.
import type { ServiceModel, Shape } from '../core/model.js';
import { ServiceError } from './errors.js';
import { membersOf } from './json-codec.js';
import type { FaultName, Faults } from './faults.js';

interface Violation {
  path: string;
  constraint: string;
  /** The violation is inside a usage allocation's tag list. */
  tag: boolean;
}

// Shapes of UsageAllocation.Tags in every model version that has allocations.
const TAG_SHAPES = new Set(['TagList', 'Tag', 'TagKey', 'TagValue']);

// Fault modes that skip a list's maximum: the list shape whose limit goes unchecked.
const IGNORED_LIST_MAX: Partial<Record<FaultName, string>> = {
  'accept-six-tags': 'TagList',
  'batch-accept-oversize': 'UsageRecordList',
};

/** The list shapes whose maximum the fault modes leave unchecked. */
export function uncheckedListMaxima(faults: Faults): Set<string> {
  return new Set([...faults].map((f) => IGNORED_LIST_MAX[f]).filter((name): name is string => name !== undefined));
}

const patternCache = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = new RegExp(pattern);
    }
    patternCache.set(pattern, re);
  }
  return re;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Violations an error message names; the rest are counted ("and N more"). */
export const LISTED_VIOLATIONS = 3;

/** What the walk keeps: the first few violations of each kind and how many there were. */
interface Found {
  /** The first LISTED_VIOLATIONS violations of any kind, in walk order. */
  first: Violation[];
  /** The first LISTED_VIOLATIONS violations outside tag lists, in walk order. */
  firstGeneral: Violation[];
  count: number;
  generalCount: number;
  /** A violation at '/UsageDimension' for a length over the maximum (fault wrong-error-long-dimension). */
  longDimension: boolean;
}

interface Checking {
  model: ServiceModel;
  faults: Faults;
  /** List shapes whose maximum a fault mode leaves unchecked. */
  maxIgnored: Set<string>;
  found: Found;
}

const LONG = 'Member must have length less than';

function report(found: Found, violation: Violation): void {
  found.count++;
  if (found.first.length < LISTED_VIOLATIONS) found.first.push(violation);
  if (!violation.tag) {
    found.generalCount++;
    if (found.firstGeneral.length < LISTED_VIOLATIONS) found.firstGeneral.push(violation);
  }
  if (violation.path === '/UsageDimension' && violation.constraint.startsWith(LONG)) found.longDimension = true;
}

function check(c: Checking, shape: Shape, value: unknown, path: string): void {
  const { model, faults, found } = c;
  const tag = TAG_SHAPES.has(shape.name);
  const add = (constraint: string) => report(found, { path: path || '/', constraint, tag });
  switch (shape.type) {
    case 'structure': {
      const struct = value as Record<string, unknown>;
      for (const member of shape.required) {
        if (struct[member] === undefined) report(found, { path: `${path}/${member}`, constraint: 'Member must not be null', tag });
      }
      for (const [member, memberShape] of membersOf(model, shape)) {
        if (struct[member] !== undefined) check(c, memberShape, struct[member], `${path}/${member}`);
      }
      return;
    }
    case 'list': {
      const list = value as unknown[];
      const maxIgnored = c.maxIgnored.has(shape.name);
      if (shape.min !== undefined && list.length < shape.min) add(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && list.length > shape.max && !maxIgnored) {
        // The size alone rejects the list: its elements are not walked (an oversize list of
        // a million bad elements costs no more than one of 26). The elements of a tag list
        // are tag shapes, those of another list add to a ValidationException that the size
        // already decides: the error type is the same as with every element checked.
        add(`Member must have length less than or equal to ${shape.max}`);
        return;
      }
      const memberShape = model.shapes[shape.member.shape];
      for (let i = 0; i < list.length; i++) check(c, memberShape, list[i], `${path}/${i}`);
      return;
    }
    case 'string': {
      const s = value as string;
      if (shape.min !== undefined || shape.max !== undefined) {
        const n = codePoints(s);
        if (shape.min !== undefined && n < shape.min) add(`Member must have length greater than or equal to ${shape.min}`);
        if (shape.max !== undefined && n > shape.max) add(`Member must have length less than or equal to ${shape.max}`);
      }
      if (shape.pattern !== undefined && !compiled(shape.pattern).test(s)) add(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      if (shape.enum !== undefined && !shape.enum.includes(s)) add(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      return;
    }
    case 'integer':
    case 'long': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) add(`Member must have value greater than or equal to ${shape.min}`);
      const overMax = shape.max !== undefined && (n > shape.max || (n === shape.max && faults.has('reject-max-quantity')));
      if (overMax) add(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    case 'boolean':
    case 'timestamp':
      return;
  }
}

/** `N validation errors detected: A; B; C; and N-3 more`, naming the first LISTED_VIOLATIONS. */
function describe(listed: Violation[], n: number): string {
  const named = listed.map((v) => `Value at '${v.path}' failed to satisfy constraint: ${v.constraint}`);
  if (n > listed.length) named.push(`and ${n - listed.length} more`);
  return `${n} validation error${n > 1 ? 's' : ''} detected: ${named.join('; ')}`;
}

/** Throws ValidationException or InvalidTagException when the decoded input breaks a model constraint. */
export function checkConstraints(model: ServiceModel, inputShape: string, input: Record<string, unknown>, faults: Faults): void {
  const found: Found = { first: [], firstGeneral: [], count: 0, generalCount: 0, longDimension: false };
  check({ model, faults, maxIgnored: uncheckedListMaxima(faults), found }, model.shapes[inputShape], input, '');
  if (found.count === 0) return;
  if (faults.has('wrong-error-long-dimension') && inputShape === 'MeterUsageRequest' && found.longDimension) {
    // The defect: products are looked up by (code, dimension) before the input is validated,
    // and an over-long dimension fails the lookup as an unknown product.
    throw new ServiceError('InvalidProductCodeException', `Product code '${String(input.ProductCode)}' has no usage dimension of that name.`);
  }
  if (found.generalCount > 0) throw new ServiceError('ValidationException', describe(found.firstGeneral, found.generalCount));
  throw new ServiceError('InvalidTagException', `Invalid tags: ${describe(found.first, found.count)}`);
}

