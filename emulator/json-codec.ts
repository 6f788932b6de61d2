// awsJson1.1 request decoding: bytes → JSON → a value whose JSON types match the model
// (SerializationException otherwise). Constraint checks (length, range, pattern …) are the
// next step (constraints.ts); this one only decides whether the body can be deserialized.
import type { ServiceModel, Shape } from '../generators/model.js';
import { ServiceError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A decoded structure: only members the model knows, nulls dropped (Smithy treats null as absent). */
export type Decoded = Record<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function serializationError(message: string): ServiceError {
  return new ServiceError('SerializationException', message);
}

/** Parses a request body; an empty body means `{}` (Smithy awsJson: servers must accept it). */
export function parseJsonBody(body: Buffer): Json {
  if (body.length === 0) return {};
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw serializationError('The request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw serializationError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}

function kindOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * A decoding failure on its way up to decodeInput: each level it leaves adds its member name
 * or list index, so the member path is built once, for the failure, and never for the
 * members that decode (a body of 350,000 list elements would otherwise build 350,000 paths).
 */
class DecodeFailure {
  /** Path segments, innermost first. */
  readonly segments: (string | number)[] = [];
  constructor(readonly describe: (path: string) => string) {}
  at(segment: string | number): DecodeFailure {
    this.segments.push(segment);
    return this;
  }
}

function mismatch(expected: string, value: Json): DecodeFailure {
  return new DecodeFailure((path) => `Expected ${expected} at '${path || '/'}' but found ${kindOf(value)}`);
}

const memberLists = new WeakMap<Shape, [string, Shape][]>();

/** A structure's members with their shapes, resolved once per shape: requests walk them per element. */
export function membersOf(model: ServiceModel, shape: Shape & { type: 'structure' }): [string, Shape][] {
  let members = memberLists.get(shape);
  if (!members) {
    members = Object.entries(shape.members).map(([name, ref]): [string, Shape] => [name, model.shapes[ref.shape]]);
    memberLists.set(shape, members);
  }
  return members;
}

/** A copy of `value` with the members before `upTo` (present, non-null and decoded unchanged so far). */
function copyBefore(value: { [key: string]: Json }, members: [string, Shape][], upTo: number): Decoded {
  const out: Decoded = {};
  for (let m = 0; m < upTo; m++) {
    const member = members[m][0];
    if (Object.hasOwn(value, member)) out[member] = value[member];
  }
  return out;
}

/** True when the object's own keys are model members, in model order. */
function keysInModelOrder(value: { [key: string]: Json }, members: [string, Shape][]): boolean {
  let m = 0;
  for (const key in value) {
    while (m < members.length && members[m][0] !== key) m++;
    if (m === members.length) return false;
    m++;
  }
  return true;
}

/**
 * The decoded value: the parsed value itself when it is already what decoding makes of it
 * (model members only, in model order, no nulls), else a copy. A well-formed body is
 * decoded without a second copy of its tree; a malformed one costs its parse and one walk.
 */
function decodeValue(model: ServiceModel, shape: Shape, value: Json): unknown {
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mismatch('an object', value);
      const members = membersOf(model, shape);
      // A copy, made at the first member that decoding changes or drops.
      let out: Decoded | undefined;
      for (let m = 0; m < members.length; m++) {
        const [member, memberShape] = members[m];
        if (!Object.hasOwn(value, member)) continue;
        const v = value[member];
        if (v === null) {
          out ??= copyBefore(value, members, m);
          continue;
        }
        let decoded: unknown;
        try {
          decoded = decodeValue(model, memberShape, v);
        } catch (error) {
          throw error instanceof DecodeFailure ? error.at(member) : error;
        }
        if (decoded !== v) out ??= copyBefore(value, members, m);
        if (out) out[member] = decoded;
      }
      return out ?? (keysInModelOrder(value, members) ? value : copyBefore(value, members, members.length));
    }
    case 'list': {
      if (!Array.isArray(value)) throw mismatch('an array', value);
      const memberShape = model.shapes[shape.member.shape];
      // A copy, made at the first element that decoding changes.
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        if (v === null) throw new DecodeFailure((path) => `Null list element at '${path}'`).at(i);
        let decoded: unknown;
        try {
          decoded = decodeValue(model, memberShape, v);
        } catch (error) {
          throw error instanceof DecodeFailure ? error.at(i) : error;
        }
        if (decoded !== v) out ??= value.slice(0, i);
        if (out) out.push(decoded);
      }
      return out ?? value;
    }
    case 'string':
      if (typeof value !== 'string') throw mismatch('a string', value);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw mismatch('a boolean', value);
      return value;
    case 'integer':
    case 'long':
      // Range is a constraint (ValidationException); only a non-integral value cannot be decoded.
      if (typeof value !== 'number') throw mismatch('an integer number', value);
      if (!Number.isInteger(value)) throw new DecodeFailure((path) => `Expected an integer at '${path}' but found ${value}`);
      return value;
    case 'timestamp':
      // awsJson timestamps are epoch seconds as a JSON number, fractions allowed (semantics §1.1).
      if (typeof value !== 'number') throw mismatch('a timestamp (epoch seconds as a number)', value);
      if (!Number.isFinite(value)) throw new DecodeFailure((path) => `Timestamp at '${path}' is out of range`);
      return value;
  }
}

/**
 * Type-checks a parsed body against an operation's input structure. The first value of a
 * wrong type (in model member order, list elements in order) ends the decoding: the
 * SerializationException names it.
 */
export function decodeInput(model: ServiceModel, inputShape: string, body: Json): Decoded {
  try {
    return decodeValue(model, model.shapes[inputShape], body) as Decoded;
  } catch (error) {
    if (!(error instanceof DecodeFailure)) throw error;
    const path = error.segments.reduceRight<string>((prefix, segment) => `${prefix}/${segment}`, '');
    throw serializationError(error.describe(path));
  }
}
