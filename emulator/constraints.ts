// Model constraint checks on a decoded request: required, length (in Unicode scalar
// values), range, pattern (ECMA-262, not implicitly anchored), enum and list size. A
// violation is a ValidationException naming the member path, except tag problems, for which
// the model documents InvalidTagException ("tag invalid or more than 5 tags").
import type { ServiceModel, Shape } from '../generators/model.js';
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

interface Checking {
  model: ServiceModel;
  faults: Faults;
  /** List shapes whose maximum a fault mode leaves unchecked. */
  maxIgnored: Set<string>;
  out: Violation[];
}

function check(c: Checking, shape: Shape, value: unknown, path: string): void {
  const { model, faults, out } = c;
  const tag = TAG_SHAPES.has(shape.name);
  const add = (constraint: string) => out.push({ path: path || '/', constraint, tag });
  switch (shape.type) {
    case 'structure': {
      const struct = value as Record<string, unknown>;
      for (const member of shape.required) {
        if (struct[member] === undefined) out.push({ path: `${path}/${member}`, constraint: 'Member must not be null', tag });
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
      if (shape.max !== undefined && list.length > shape.max && !maxIgnored) add(`Member must have length less than or equal to ${shape.max}`);
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

function describe(violations: Violation[]): string {
  const n = violations.length;
  const list = violations.map((v) => `Value at '${v.path}' failed to satisfy constraint: ${v.constraint}`).join('; ');
  return `${n} validation error${n > 1 ? 's' : ''} detected: ${list}`;
}

/** Throws ValidationException or InvalidTagException when the decoded input breaks a model constraint. */
export function checkConstraints(model: ServiceModel, inputShape: string, input: Record<string, unknown>, faults: Faults): void {
  const violations: Violation[] = [];
  const maxIgnored = new Set([...faults].map((f) => IGNORED_LIST_MAX[f]).filter((name): name is string => name !== undefined));
  check({ model, faults, maxIgnored, out: violations }, model.shapes[inputShape], input, '');
  if (violations.length === 0) return;
  if (faults.has('wrong-error-long-dimension') && inputShape === 'MeterUsageRequest') {
    // The defect: products are looked up by (code, dimension) before the input is validated,
    // and an over-long dimension fails the lookup as an unknown product.
    const long = violations.find((v) => v.path === '/UsageDimension' && v.constraint.startsWith('Member must have length less than'));
    if (long) throw new ServiceError('InvalidProductCodeException', `Product code '${String(input.ProductCode)}' has no usage dimension of that name.`);
  }
  const general = violations.filter((v) => !v.tag);
  if (general.length > 0) throw new ServiceError('ValidationException', describe(general));
  throw new ServiceError('InvalidTagException', `Invalid tags: ${describe(violations)}`);
}
