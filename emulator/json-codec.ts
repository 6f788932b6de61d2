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

function mismatch(path: string, expected: string, value: Json): ServiceError {
  return serializationError(`Expected ${expected} at '${path || '/'}' but found ${kindOf(value)}`);
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

function decodeValue(model: ServiceModel, shape: Shape, value: Json, path: string): unknown {
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mismatch(path, 'an object', value);
      const out: Decoded = {};
      for (const [member, memberShape] of membersOf(model, shape)) {
        if (!Object.hasOwn(value, member)) continue;
        const v = value[member];
        if (v === null) continue;
        out[member] = decodeValue(model, memberShape, v, `${path}/${member}`);
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) throw mismatch(path, 'an array', value);
      const memberShape = model.shapes[shape.member.shape];
      return value.map((v, i) => {
        if (v === null) throw serializationError(`Null list element at '${path}/${i}'`);
        return decodeValue(model, memberShape, v, `${path}/${i}`);
      });
    }
    case 'string':
      if (typeof value !== 'string') throw mismatch(path, 'a string', value);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw mismatch(path, 'a boolean', value);
      return value;
    case 'integer':
    case 'long':
      // Range is a constraint (ValidationException); only a non-integral value cannot be decoded.
      if (typeof value !== 'number') throw mismatch(path, 'an integer number', value);
      if (!Number.isInteger(value)) throw serializationError(`Expected an integer at '${path}' but found ${value}`);
      return value;
    case 'timestamp':
      // awsJson timestamps are epoch seconds as a JSON number, fractions allowed (semantics §1.1).
      if (typeof value !== 'number') throw mismatch(path, 'a timestamp (epoch seconds as a number)', value);
      if (!Number.isFinite(value)) throw serializationError(`Timestamp at '${path}' is out of range`);
      return value;
  }
}

/** Type-checks a parsed body against an operation's input structure. */
export function decodeInput(model: ServiceModel, inputShape: string, body: Json): Decoded {
  return decodeValue(model, model.shapes[inputShape], body, '') as Decoded;
}
