// Generated requests of the protocol rules that are properties: valid MeterUsage requests,
// requests earning a modeled error, unknown X-Amz-Target values, bodies that are not a JSON
// object or carry a member of the wrong JSON type, garbage, member layouts and timestamp
// encodings. Wire requests are generated as WireCase values, the shape of the rows of
// wire-cases.ts, so the suite judges generated cases and rows alike.
import fc from 'fast-check';
import type { TargetFixtures } from '../core/description.js';
import { inputShape, shapeOf, type ServiceModel, type Shape } from '../core/model.js';
import { OPERATIONS } from '../core/vocabulary.js';
import { encodeInput, JSON_CONTENT_TYPE } from '../core/wire.js';
import { unicodeString, validInput } from './arbitraries.js';
import type { MeterUsageInput } from './inputs.js';
import { exampleMeterUsage, meterableProducts, plainMeterUsage, staleMeterUsageTimestamp, validMeterUsage } from './meter-usage.js';
import { toWire } from './schemas.js';
import { rowsServing, type WireCase } from './wire-cases.js';

/** What the builders read of a rule's context: the target's fixtures, the model and the target's clock. */
export interface RequestSource {
  readonly fixtures: TargetFixtures;
  readonly model: ServiceModel;
  nowMs(): number;
}

export const modelOperations = (model: ServiceModel): string[] => OPERATIONS.filter((op) => op in model.operations);

/** Valid MeterUsage requests without usage allocations. */
export const plainRequests = (src: RequestSource) => plainMeterUsage(src.fixtures, src.model, src.nowMs());

/** A fixed valid request, for the examples of observation rules (fresh caller per run). */
export const exampleRequest = (src: RequestSource): MeterUsageInput => exampleMeterUsage(src.fixtures, src.model, src.nowMs());

export const meterUsageBody = (request: MeterUsageInput): string => encodeInput({ ...request });

// ---- modeled errors ------------------------------------------------------------------

export interface ErrorScenario {
  /** The modeled exception the request must get. */
  expected: string;
  request: MeterUsageInput;
}

/** MeterUsage requests that each earn one documented exception. */
export function modeledErrors(src: RequestSource): fc.Arbitrary<ErrorScenario> {
  const codes = new Set(src.fixtures.products.map((p) => p.code));
  const dimensionsOf = (code: string) => meterableProducts(src.fixtures).find((p) => p.code === code)!.dimensions;
  const unused = (base: string, taken: (s: string) => boolean) => {
    let name = base;
    while (taken(name)) name += 'x';
    return name;
  };
  return fc
    .tuple(plainRequests(src), fc.nat({ max: 99_999 }), staleMeterUsageTimestamp(src.model, src.nowMs()), fc.constantFrom('dimension', 'product', 'timestamp'))
    .map(([request, n, stale, kind]): ErrorScenario => {
      switch (kind) {
        case 'dimension': {
          const dimensions = dimensionsOf(request.ProductCode);
          const dimension = unused(`ConformanceUnknownDimension${n}`, (d) => dimensions.includes(d));
          return { expected: 'InvalidUsageDimensionException', request: { ...request, UsageDimension: dimension } };
        }
        case 'product':
          return { expected: 'InvalidProductCodeException', request: { ...request, ProductCode: unused(`conformance-unknown-product-${n}`, (c) => codes.has(c)) } };
        default:
          return { expected: 'TimestampOutOfBoundsException', request: { ...request, Timestamp: stale } };
      }
    });
}

// ---- unknown operations --------------------------------------------------------------

interface TargetCase {
  situation: string;
  /** X-Amz-Target value; null leaves the header out. */
  target: string | null;
}

/** X-Amz-Target values that name no operation of the service. */
function unknownTargets(model: ServiceModel): fc.Arbitrary<TargetCase> {
  const prefix = model.targetPrefix;
  // Case variants of real names are left out: whether routing is case-sensitive is not documented.
  const known = new Set<string>(OPERATIONS.map((op) => op.toLowerCase()));
  const name = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,30}$/).filter((n) => !known.has(n.toLowerCase()));
  const otherPrefix = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,24}$/).filter((p) => p.toLowerCase() !== prefix.toLowerCase());
  return fc.oneof(
    name.map((n) => ({ situation: 'an operation name the service does not have', target: `${prefix}.${n}` })),
    otherPrefix.map((p) => ({ situation: 'another target prefix before MeterUsage', target: `${p}.MeterUsage` })),
    fc.constantFrom<TargetCase>(
      { situation: 'the operation name without the target prefix', target: 'MeterUsage' },
      { situation: 'the target prefix without an operation name', target: `${prefix}.` },
      { situation: 'an empty X-Amz-Target', target: '' },
      { situation: 'no X-Amz-Target header', target: null },
    ),
  );
}

const withTarget = (target: string | null): Record<string, string> => (target === null ? {} : { 'x-amz-target': target });

/** A valid MeterUsage body under an X-Amz-Target that names no operation of the service: a 4xx. */
export function unknownOperationCases(src: RequestSource): fc.Arbitrary<WireCase> {
  return fc.tuple(plainRequests(src), unknownTargets(src.model)).map(([request, target]) => ({
    situation: target.situation,
    request: { headers: withTarget(target.target), body: meterUsageBody(request) },
    expected: { status: '4xx' as const },
  }));
}

// ---- malformed bodies ----------------------------------------------------------------

const isUnparseable = (text: string): boolean => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
};

/** The JSON text of a valid input of `operation` (timestamps as epoch seconds). */
const validText = (model: ServiceModel, operation: string) => validInput(model, operation, {}, { small: true }).map((input) => JSON.stringify(toWire(input)));

const CORRUPTIONS: Record<string, (text: string, n: number) => string> = {
  'truncated JSON': (text, n) => text.slice(0, 1 + (n % (text.length - 1))),
  'characters after the JSON object': (text, n) => text + [',', '}', 'x', '{}', ']'][n % 5],
  'single-quoted strings': (text) => text.replaceAll('"', "'"),
  'unquoted member names': (text) => text.replace(/"([A-Za-z]+)":/g, '$1:'),
};
const NOT_OBJECTS = ['null', '[]', '[{}]', '"text"', '0', 'true'];

/** Bodies that are not a JSON object (unparseable text, or JSON values of another kind): a 4xx. */
export function nonObjectBodies(model: ServiceModel): fc.Arbitrary<WireCase> {
  const operations = modelOperations(model);
  const unparseable = fc
    .constantFrom(...operations)
    .chain((operation) => fc.tuple(fc.constant(operation), validText(model, operation), fc.constantFrom(...Object.keys(CORRUPTIONS)), fc.nat()))
    .map(
      ([operation, text, corruption, n]): WireCase => ({
        situation: `a body with ${corruption}`,
        group: 'unparseable JSON body',
        request: { operation, body: CORRUPTIONS[corruption](text, n) },
        expected: { status: '4xx' },
      }),
    )
    .filter((c) => isUnparseable(c.request.body as string));
  const otherValues = fc.tuple(fc.constantFrom(...operations), fc.constantFrom(...NOT_OBJECTS)).map(
    ([operation, body]): WireCase => ({
      situation: 'a body with a JSON value that is not an object',
      group: 'a JSON value that is not an object',
      request: { operation, body },
      expected: { status: '4xx' },
    }),
  );
  return fc.oneof({ weight: 3, arbitrary: unparseable }, { weight: 1, arbitrary: otherValues });
}

/** What a member of each model type is replaced with to break its JSON type. */
const WRONG_TYPES: Record<Shape['type'], [string, unknown]> = {
  string: ['a number where a string is modeled', 12345],
  integer: ['a string where an integer is modeled', '12'],
  long: ['a string where an integer is modeled', '12'],
  boolean: ['a string where a boolean is modeled', 'true'],
  timestamp: ['a string where a timestamp is modeled', '2024-01-01T00:00:00Z'],
  list: ['an object where a list is modeled', {}],
  structure: ['an array where a structure is modeled', []],
};

/** Valid inputs with one top-level member of the wrong JSON type: never a 5xx. */
export function wrongTypeBodies(model: ServiceModel): fc.Arbitrary<WireCase> {
  return fc
    .constantFrom(...modelOperations(model))
    .chain((operation) => fc.tuple(fc.constant(operation), validInput(model, operation, {}, { small: true }), fc.nat()))
    .filter(([, input]) => Object.keys(input).length > 0)
    .map(([operation, input, n]): WireCase => {
      const wire = toWire(input) as Record<string, unknown>;
      const members = Object.keys(wire);
      const member = members[n % members.length];
      const type = shapeOf(model, inputShape(model, operation).members[member].shape).type;
      const [situation, replacement] = WRONG_TYPES[type];
      return { situation, request: { operation, body: JSON.stringify({ ...wire, [member]: replacement }) }, expected: { status: 'below-500' } };
    });
}

// ---- robustness ----------------------------------------------------------------------

/** Malformed requests of every kind (random bytes, random JSON, wrong member types, unknown targets and content types): never a 5xx. */
export function garbage(model: ServiceModel): fc.Arbitrary<WireCase> {
  const operations = modelOperations(model);
  const targets = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...operations).map((op) => `${model.targetPrefix}.${op}`) },
    { weight: 1, arbitrary: fc.constantFrom<string | null>(null, '', `${model.targetPrefix}.NoSuchOperation`) },
  );
  const contentTypes = fc.oneof(
    { weight: 4, arbitrary: fc.constant<string | null>(JSON_CONTENT_TYPE) },
    { weight: 1, arbitrary: fc.constantFrom<string | null>(null, 'application/json', 'application/x-amz-json-1.0', 'text/plain') },
  );
  const oneMemberReplaced = fc
    .constantFrom(...operations)
    .chain((op) => fc.tuple(validInput(model, op, {}, { small: true }), fc.nat(), fc.jsonValue({ maxDepth: 2 })))
    .map(([input, n, value]) => {
      const wire = toWire(input) as Record<string, unknown>;
      const members = Object.keys(wire);
      return members.length === 0 ? JSON.stringify(value) : JSON.stringify({ ...wire, [members[n % members.length]]: value });
    });
  const bodies = fc.oneof<fc.Arbitrary<string | { hex: string }>[]>(
    fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ hex: Buffer.from(bytes).toString('hex') })),
    unicodeString({ maxLength: 200 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    oneMemberReplaced,
    nonObjectBodies(model).map((c) => c.request.body as string),
  );
  return fc.tuple(targets, contentTypes, bodies).map(
    ([target, contentType, body]): WireCase => ({
      situation: 'a malformed request',
      request: { headers: { ...withTarget(target), 'content-type': contentType }, body },
      expected: { status: 'below-500' },
    }),
  );
}

// ---- tolerated framings --------------------------------------------------------------

/** Valid MeterUsage requests whose Content-Type carries a parameter (those of the table's rows): HTTP 200. */
export function contentTypeParameterCases(src: RequestSource): fc.Arbitrary<WireCase> {
  const contentTypes = rowsServing('protocol.content-type-parameters').map((row) => row.request.headers!['content-type']!);
  return fc.tuple(validMeterUsage(src.fixtures, src.model, src.nowMs()), fc.constantFrom(...contentTypes)).map(([request, contentType]) => ({
    situation: `with Content-Type "${contentType}"`,
    request: { operation: 'MeterUsage', headers: { 'content-type': contentType }, body: meterUsageBody(request) },
    expected: { status: '2xx' as const, stringMember: 'MeteringRecordId' },
  }));
}

/** Valid MeterUsage requests with the Timestamp in integer or fractional epoch seconds: HTTP 200. */
export function epochTimestampCases(src: RequestSource): fc.Arbitrary<WireCase> {
  // recentTimestamp gives whole seconds; adding milliseconds makes a fractional JSON number.
  return fc
    .tuple(validMeterUsage(src.fixtures, src.model, src.nowMs()), fc.option(fc.integer({ min: 1, max: 999 }), { nil: undefined }))
    .map(([request, ms]) => (ms === undefined ? request : { ...request, Timestamp: new Date(request.Timestamp.getTime() + ms) }))
    .map((request) => {
      const seconds = request.Timestamp.getTime() / 1000;
      return {
        situation: `for Timestamp ${seconds} (${Number.isInteger(seconds) ? 'integer' : 'fractional'} epoch seconds)`,
        request: { operation: 'MeterUsage', body: meterUsageBody(request) },
        expected: { status: '2xx' as const, stringMember: 'MeteringRecordId' },
      };
    });
}

export interface Layout {
  /** Each object's members are rotated by this much, after an optional reversal. */
  rotate: number;
  reverse: boolean;
  indent: number | string;
  padding: string;
}

function reorder(value: unknown, layout: Layout): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, layout));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (layout.reverse) entries.reverse();
  const r = entries.length === 0 ? 0 : layout.rotate % entries.length;
  return Object.fromEntries([...entries.slice(r), ...entries.slice(0, r)].map(([k, v]) => [k, reorder(v, layout)]));
}

const layouts: fc.Arbitrary<Layout> = fc.record({
  rotate: fc.nat({ max: 8 }),
  reverse: fc.boolean(),
  indent: fc.constantFrom<number | string>(0, 1, 2, '\t'),
  padding: fc.constantFrom('', ' ', '\n', '\r\n\t'),
});

/** The body of `request` with its members reordered and whitespace added as `layout` says. */
export const reorderedBody = (request: MeterUsageInput, layout: Layout): string =>
  `${layout.padding}${JSON.stringify(reorder(toWire(request), layout), null, layout.indent || undefined)}${layout.padding}`;

/** Valid MeterUsage requests with layouts that really change the member order of some object. */
export function reorderedRequests(src: RequestSource): fc.Arbitrary<[MeterUsageInput, Layout]> {
  return fc
    .tuple(validMeterUsage(src.fixtures, src.model, src.nowMs()), layouts)
    .filter(([request, layout]) => JSON.stringify(reorder(toWire(request), layout)) !== meterUsageBody(request));
}

/** Timestamp encodings other than epoch seconds in a JSON number, by name. */
export const TIMESTAMP_ENCODINGS: Record<string, (date: Date) => unknown> = {
  'Timestamp as an ISO-8601 string (UTC, Z)': (date) => date.toISOString(),
  'Timestamp as an ISO-8601 string with a +01:00 offset': (date) => new Date(date.getTime() + 3_600_000).toISOString().replace('Z', '+01:00'),
  'Timestamp as epoch seconds in a JSON string': (date) => String(date.getTime() / 1000),
  'Timestamp as epoch milliseconds (JSON number)': (date) => date.getTime(),
};
