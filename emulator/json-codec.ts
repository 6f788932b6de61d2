// awsJson1.1 request decoding: bytes → JSON → a value whose JSON types match the model
// (SerializationException otherwise). Constraint checks (length, range, pattern …) are the
// next step (constraints.ts); this one only decides whether the body can be deserialized.
import type { ListShape, ServiceModel, Shape, StructureShape } from '../core/model.js';
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

/**
 * A list over its model maximum as parseBounded leaves it: its length and the first element
 * that does not decode, never its elements (constraints report an oversize list's size only).
 */
class SkippedList {
  constructor(
    readonly length: number,
    readonly failure: DecodeFailure | undefined,
  ) {}
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
      if ((value as unknown) instanceof SkippedList) {
        const skipped = value as unknown as SkippedList;
        if (skipped.failure) throw skipped.failure;
        return skipped;
      }
      if (!Array.isArray(value)) throw mismatch('an array', value);
      const memberShape = model.shapes[shape.member.shape];
      // A copy, made at the first element that decoding changes.
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        const decoded = decodeElement(model, memberShape, v, i);
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
      // awsJson timestamps are epoch seconds as a JSON number, fractions allowed.
      if (typeof value !== 'number') throw mismatch('a timestamp (epoch seconds as a number)', value);
      if (!Number.isFinite(value)) throw new DecodeFailure((path) => `Timestamp at '${path}' is out of range`);
      return value;
  }
}

function decodeElement(model: ServiceModel, shape: Shape, value: Json, index: number): unknown {
  if (value === null) throw new DecodeFailure((path) => `Null list element at '${path}'`).at(index);
  try {
    return decodeValue(model, shape, value);
  } catch (error) {
    throw error instanceof DecodeFailure ? error.at(index) : error;
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

/** Thrown inside BoundedParser at the first byte JSON.parse would refuse. */
const MALFORMED = Symbol('malformed JSON');

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * One pass over a body's text, guided by the input shape, that builds only what decoding and
 * constraint checks read: a list over its maximum becomes a SkippedList (each element parsed,
 * decoded and dropped in turn), an unknown member's value is checked and left out (decoding
 * never reads it), a container where the shape wants something else becomes an empty one of
 * its kind (the decoding error names only the kind). Everything else is as JSON.parse makes it.
 */
class BoundedParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly model: ServiceModel,
    private readonly maxIgnored: ReadonlySet<string>,
  ) {}

  parse(shape: Shape): unknown {
    const value = this.value(shape);
    this.ws();
    if (this.pos !== this.text.length) throw MALFORMED;
    return value;
  }

  private value(shape: Shape | undefined): unknown {
    this.ws();
    const c = this.text.charCodeAt(this.pos);
    if (c === 123 && shape?.type === 'structure') return this.structure(shape);
    if (c === 91 && shape?.type === 'list') return this.list(shape);
    const start = this.pos;
    this.skip();
    if (shape === undefined) return 0;
    if (c === 123) return {};
    if (c === 91) return [];
    return JSON.parse(this.text.slice(start, this.pos));
  }

  private structure(shape: StructureShape): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 125) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      const start = this.pos;
      const escaped = this.string();
      const key = escaped ? (JSON.parse(this.text.slice(start, this.pos)) as string) : this.text.slice(start + 1, this.pos - 1);
      this.ws();
      this.expect(58);
      const member = Object.hasOwn(shape.members, key) ? this.model.shapes[shape.members[key].shape] : undefined;
      const value = this.value(member);
      // As JSON.parse: "__proto__" is an own member, not the prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      else out[key] = value;
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 125) return out;
      if (c !== 44) throw MALFORMED;
    }
  }

  private list(shape: ListShape): unknown[] | SkippedList {
    const memberShape = this.model.shapes[shape.member.shape];
    const max = shape.max !== undefined && !this.maxIgnored.has(shape.name) ? shape.max : Infinity;
    const out: unknown[] = [];
    let skipped = false;
    let failure: DecodeFailure | undefined;
    // Decoding stops at the first element that fails: record it and decode no further.
    const decode = (value: unknown, index: number) => {
      try {
        decodeElement(this.model, memberShape, value as Json, index);
      } catch (error) {
        if (!(error instanceof DecodeFailure)) throw error;
        failure = error;
      }
    };
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 93) {
      this.pos++;
      return out;
    }
    for (let i = 0; ; i++) {
      if (failure) {
        this.ws();
        this.skip();
      } else if (skipped) {
        decode(this.value(memberShape), i);
      } else {
        out.push(this.value(memberShape));
        if (out.length > max) {
          skipped = true;
          for (let k = 0; k < out.length && !failure; k++) decode(out[k], k);
          out.length = 0;
        }
      }
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 93) return skipped ? new SkippedList(i + 1, failure) : out;
      if (c !== 44) throw MALFORMED;
    }
  }

  /** Moves past one value, checking its syntax; iterative, so deep nesting costs no stack. */
  private skip(): void {
    const closers: number[] = [];
    for (;;) {
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      if (c === 123 || c === 91) {
        const close = c === 123 ? 125 : 93;
        this.pos++;
        this.ws();
        if (this.text.charCodeAt(this.pos) !== close) {
          closers.push(close);
          if (close === 125) this.memberName();
          continue;
        }
        this.pos++;
      } else {
        this.scalar(c);
      }
      // After a value: close containers, or a comma and the next element or member.
      for (;;) {
        if (closers.length === 0) return;
        this.ws();
        const next = this.text.charCodeAt(this.pos++);
        const close = closers[closers.length - 1];
        if (next === close) {
          closers.pop();
          continue;
        }
        if (next !== 44) throw MALFORMED;
        if (close === 125) this.memberName();
        break;
      }
    }
  }

  private memberName(): void {
    this.ws();
    this.string();
    this.ws();
    this.expect(58);
  }

  /** Moves past a string; true when it has escapes. */
  private string(): boolean {
    if (this.text.charCodeAt(this.pos) !== 34) throw MALFORMED;
    let escaped = false;
    for (let p = this.pos + 1; ; p++) {
      const c = this.text.charCodeAt(p);
      if (c === 34) {
        this.pos = p + 1;
        return escaped;
      }
      // NaN: the text ended inside the string.
      if (!(c >= 32)) throw MALFORMED;
      if (c === 92) {
        escaped = true;
        const e = this.text.charCodeAt(++p);
        if (e === 117) {
          for (let k = 1; k <= 4; k++) if (!isHex(this.text.charCodeAt(p + k))) throw MALFORMED;
          p += 4;
        } else if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) {
          throw MALFORMED;
        }
      }
    }
  }

  private scalar(c: number): void {
    if (c === 34) {
      this.string();
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (c === literal.charCodeAt(0)) {
        if (!this.text.startsWith(literal, this.pos)) throw MALFORMED;
        this.pos += literal.length;
        return;
      }
    }
    const t = this.text;
    let p = this.pos;
    if (t.charCodeAt(p) === 45) p++;
    if (t.charCodeAt(p) === 48) p++;
    else if (isDigit(t.charCodeAt(p))) while (isDigit(t.charCodeAt(p))) p++;
    else throw MALFORMED;
    if (t.charCodeAt(p) === 46) {
      if (!isDigit(t.charCodeAt(++p))) throw MALFORMED;
      while (isDigit(t.charCodeAt(p))) p++;
    }
    if (t.charCodeAt(p) === 101 || t.charCodeAt(p) === 69) {
      p++;
      if (t.charCodeAt(p) === 43 || t.charCodeAt(p) === 45) p++;
      if (!isDigit(t.charCodeAt(p))) throw MALFORMED;
      while (isDigit(t.charCodeAt(p))) p++;
    }
    this.pos = p;
  }

  private ws(): void {
    let c = this.text.charCodeAt(this.pos);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = this.text.charCodeAt(++this.pos);
  }

  private expect(code: number): void {
    if (this.text.charCodeAt(this.pos) !== code) throw MALFORMED;
    this.pos++;
  }
}

/**
 * A body parsed for decodeInput and checkConstraints only (see BoundedParser): they throw for
 * it exactly what they throw for parseJsonBody's value, while a list over its maximum (unless
 * `maxIgnored` names its shape) costs its parse, not its elements' memory. Undefined when the
 * body is not UTF-8 JSON: parseJsonBody then says why.
 */
export function parseBounded(model: ServiceModel, inputShape: string, body: Buffer, maxIgnored: ReadonlySet<string>): Json | undefined {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return undefined;
  }
  try {
    return new BoundedParser(text, model, maxIgnored).parse(model.shapes[inputShape]) as Json;
  } catch (error) {
    if (error === MALFORMED) return undefined;
    throw error;
  }
}
