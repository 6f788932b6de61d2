// Protocol (awsJson1.1): how answers are framed (content type, request id, error type and
// message), which request framings a target must tolerate (content-type parameters, empty
// body, member order, timestamp numbers), and that malformed requests get a 4xx, never a 5xx.
import fc from 'fast-check';
import { unicodeString, validInput } from '../generators/arbitraries.js';
import { inputShape, shapeOf, type ServiceModel, type Shape } from '../generators/model.js';
import { meterableProducts, staleMeterUsageTimestamp, validMeterUsage, type MeterUsageInput } from '../generators/domain.js';
import { toWire } from '../generators/schemas.js';
import { OPERATIONS, type ErrorOutcome, type Outcome } from '../target/types.js';
import { encodeInput, JSON_CONTENT_TYPE, sanitizeErrorType } from '../target/wire.js';
import { expectClientError, expectStringMember, expectSuccess, fail } from './harness/expect.js';
import { Observations, outcomeText as answer } from './harness/observations.js';
import { rule, type RuleContext } from './harness/rule.js';


/** Observation rules try every listed example, plus a few random cases. */
const observationRuns = (ctx: RuleContext, examples: number) => Math.max(examples, Math.min(ctx.context.runs, 20));

const modelOperations = (model: ServiceModel): string[] => OPERATIONS.filter((op) => op in model.operations);

const plainRequests = (ctx: RuleContext) => validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs(), { allocations: false });

/** A fixed valid request, for the examples of observation rules (fresh caller per run). */
function exampleRequest(ctx: RuleContext): MeterUsageInput {
  const product = meterableProducts(ctx.fixtures)[0];
  const tenMinutesAgo = Math.floor(ctx.nowMs() / 60_000) * 60_000 - 10 * 60_000;
  return { ProductCode: product.code, UsageDimension: product.dimensions[0], UsageQuantity: 1, Timestamp: new Date(tenMinutesAgo) };
}

const meterUsageBody = (request: MeterUsageInput): string => encodeInput({ ...request });

// ---- modeled errors ------------------------------------------------------------------

interface ErrorScenario {
  /** The modeled exception the request must get. */
  expected: string;
  request: MeterUsageInput;
}

/** MeterUsage requests that each earn one documented exception. */
function modeledErrors(ctx: RuleContext): fc.Arbitrary<ErrorScenario> {
  const codes = new Set(ctx.fixtures.products.map((p) => p.code));
  const dimensionsOf = (code: string) => meterableProducts(ctx.fixtures).find((p) => p.code === code)!.dimensions;
  const unused = (base: string, taken: (s: string) => boolean) => {
    let name = base;
    while (taken(name)) name += 'x';
    return name;
  };
  return fc
    .tuple(plainRequests(ctx), fc.nat({ max: 99_999 }), staleMeterUsageTimestamp(ctx.model, ctx.nowMs()), fc.constantFrom('dimension', 'product', 'timestamp'))
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

/** Where the answer names its error type: header x-amzn-ErrorType, body `__type`, body `code`. */
function errorTypeCarriers(outcome: ErrorOutcome): [string, string][] {
  const found: [string, string][] = [];
  const header = outcome.headers['x-amzn-errortype'];
  if (header) found.push(['x-amzn-ErrorType header', header]);
  if (outcome.body && typeof outcome.body === 'object') {
    const body = outcome.body as Record<string, unknown>;
    for (const field of ['__type', 'code']) {
      const value = body[field];
      if (typeof value === 'string' && value !== '') found.push([`body "${field}"`, value]);
    }
  }
  return found;
}

// ---- answers of every kind -------------------------------------------------------------

/**
 * Sends a valid request, a request earning a modeled error and (raw driver) an unparseable
 * body, and hands each answer to `check`.
 */
function everyAnswerKind(ctx: RuleContext, check: (outcome: Outcome) => void): Promise<void> {
  const raw = ctx.context.driver === 'raw';
  return ctx.property(fc.tuple(validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), modeledErrors(ctx)), async ([request, scenario], run) => {
    check(await run.call('MeterUsage', { ...request }));
    check(await run.call('MeterUsage', { ...scenario.request }));
    if (raw) check(await run.send({ operation: 'MeterUsage', body: meterUsageBody(request).slice(0, -1) }));
  });
}

rule('protocol.content-type', async (ctx) => {
  await everyAnswerKind(ctx, (outcome) => {
    const mediaType = (outcome.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== JSON_CONTENT_TYPE) {
      fail(`Content-Type ${JSON_CONTENT_TYPE} on every answer`, { answer: answer(outcome), contentType: outcome.headers['content-type'] ?? '(none)' });
    }
  });
});

rule('protocol.request-id', async (ctx) => {
  await everyAnswerKind(ctx, (outcome) => {
    // Both drivers fill requestId from the x-amzn-RequestId header (the sdk driver through $metadata).
    const id = outcome.requestId;
    if (id === undefined || id.trim() === '') fail('a non-empty x-amzn-RequestId header on every answer', { answer: answer(outcome), requestId: id ?? '(none)' });
  });
});

rule('protocol.error-type', async (ctx) => {
  await ctx.property(modeledErrors(ctx), async (scenario, run) => {
    const outcome = await run.call('MeterUsage', { ...scenario.request });
    const expected = `an error whose type (x-amzn-ErrorType header, body "__type" or body "code") sanitizes to ${scenario.expected} wherever it is given`;
    if (outcome.kind !== 'error') fail(expected, outcome);
    const carriers = errorTypeCarriers(outcome);
    if (carriers.length === 0 || carriers.some(([, value]) => sanitizeErrorType(value) !== scenario.expected)) {
      fail(expected, { status: outcome.status, errorTypeGivenBy: carriers.length > 0 ? Object.fromEntries(carriers) : '(nothing)' });
    }
  });
});

rule('protocol.error-message', async (ctx) => {
  await ctx.property(modeledErrors(ctx), async (scenario, run) => {
    const outcome = await run.call('MeterUsage', { ...scenario.request });
    const expected = `a ${scenario.expected} whose JSON body has a "message" string member`;
    if (outcome.kind !== 'error') fail(expected, outcome);
    const body = outcome.body && typeof outcome.body === 'object' ? (outcome.body as Record<string, unknown>) : undefined;
    if (typeof body?.message !== 'string') fail(expected, { answer: answer(outcome), bodyMembers: body ? Object.keys(body) : '(no JSON object body)' });
  });
});

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
    fc.constantFrom<TargetCase>(...fixedUnknownTargets(prefix)),
  );
}

function fixedUnknownTargets(prefix: string): TargetCase[] {
  return [
    { situation: 'the operation name without the target prefix', target: 'MeterUsage' },
    { situation: 'the target prefix without an operation name', target: `${prefix}.` },
    { situation: 'an empty X-Amz-Target', target: '' },
    { situation: 'no X-Amz-Target header', target: null },
  ];
}

const withTarget = (target: string | null): Record<string, string> => (target === null ? {} : { 'x-amz-target': target });

rule('protocol.unknown-operation', async (ctx) => {
  await ctx.property(fc.tuple(plainRequests(ctx), unknownTargets(ctx.model)), async ([request, target], run) => {
    const outcome = await run.send({ body: meterUsageBody(request), headers: withTarget(target.target) });
    expectClientError(outcome, `an HTTP 4xx for ${target.situation}`);
  });
});

rule('protocol.unknown-operation-code', async (ctx) => {
  const seen = new Observations();
  const fixed = exampleRequest(ctx);
  const examples: [MeterUsageInput, TargetCase][] = [
    [fixed, { situation: 'an operation name the service does not have', target: `${ctx.model.targetPrefix}.ConformanceNoSuchOperation` }],
    [fixed, { situation: 'another target prefix before MeterUsage', target: 'ConformanceOtherService.MeterUsage' }],
    ...fixedUnknownTargets(ctx.model.targetPrefix).map((t): [MeterUsageInput, TargetCase] => [fixed, t]),
  ];
  await ctx.property(
    fc.tuple(plainRequests(ctx), unknownTargets(ctx.model)),
    async ([request, target], run) => {
      seen.add(target.situation, await run.send({ body: meterUsageBody(request), headers: withTarget(target.target) }));
    },
    { examples, numRuns: observationRuns(ctx, examples.length) },
  );
  seen.record(ctx);
});

// ---- malformed bodies ----------------------------------------------------------------

interface BodyCase {
  operation: string;
  /** What is wrong with the body. */
  situation: string;
  body: string;
}

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

/** Bodies that are not a JSON object: unparseable text, or JSON values of another kind. */
function nonObjectBodies(model: ServiceModel): fc.Arbitrary<BodyCase> {
  const operations = modelOperations(model);
  const unparseable = fc
    .constantFrom(...operations)
    .chain((operation) => fc.tuple(fc.constant(operation), validText(model, operation), fc.constantFrom(...Object.keys(CORRUPTIONS)), fc.nat()))
    .map(([operation, text, corruption, n]): BodyCase => ({ operation, situation: corruption, body: CORRUPTIONS[corruption](text, n) }))
    .filter((c) => isUnparseable(c.body));
  const otherValues = fc
    .tuple(fc.constantFrom(...operations), fc.constantFrom(...NOT_OBJECTS))
    .map(([operation, body]): BodyCase => ({ operation, situation: 'a JSON value that is not an object', body }));
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

/** Valid inputs with one top-level member of the wrong JSON type. */
function wrongTypeBodies(model: ServiceModel): fc.Arbitrary<BodyCase> {
  return fc
    .constantFrom(...modelOperations(model))
    .chain((operation) => fc.tuple(fc.constant(operation), validInput(model, operation, {}, { small: true }), fc.nat()))
    .filter(([, input]) => Object.keys(input).length > 0)
    .map(([operation, input, n]): BodyCase => {
      const wire = toWire(input) as Record<string, unknown>;
      const members = Object.keys(wire);
      const member = members[n % members.length];
      const type = shapeOf(model, inputShape(model, operation).members[member].shape).type;
      const [situation, replacement] = WRONG_TYPES[type];
      return { operation, situation, body: JSON.stringify({ ...wire, [member]: replacement }) };
    });
}

rule('protocol.malformed-json', async (ctx) => {
  await ctx.property(nonObjectBodies(ctx.model), async (c, run) => {
    expectClientError(await run.send({ operation: c.operation, body: c.body }), `an HTTP 4xx for a body with ${c.situation}`);
  });
});

rule('protocol.malformed-json-code', async (ctx) => {
  const seen = new Observations();
  const examples: BodyCase[] = [
    { operation: 'MeterUsage', situation: 'truncated JSON', body: '{"ProductCode":' },
    { operation: 'MeterUsage', situation: 'a JSON value that is not an object', body: '[]' },
    { operation: 'MeterUsage', situation: WRONG_TYPES.integer[0], body: '{"ProductCode":"p","UsageDimension":"d","Timestamp":1700000000,"UsageQuantity":"12"}' },
  ];
  const cases = fc.oneof(nonObjectBodies(ctx.model), wrongTypeBodies(ctx.model));
  await ctx.property(
    cases,
    async (c, run) => {
      const group = c.situation in CORRUPTIONS ? 'unparseable JSON body' : c.situation;
      seen.add(group, await run.send({ operation: c.operation, body: c.body }));
    },
    { examples, numRuns: observationRuns(ctx, examples.length) },
  );
  seen.record(ctx);
});

rule('protocol.empty-body', async (ctx) => {
  const operations = modelOperations(ctx.model);
  await ctx.property(
    fc.constantFrom(...operations),
    async (operation, run) => {
      const explicit = await run.send({ operation, body: '{}' });
      if (explicit.status >= 500) fail(`an answer below 500 to ${operation} with body {}`, explicit);
      const empty = await run.send({ operation, body: '' });
      const same = empty.kind === explicit.kind && empty.status === explicit.status && (empty.kind !== 'error' || empty.errorType === (explicit as ErrorOutcome).errorType);
      if (!same) fail(`the empty body read as {} (answered like {}: ${answer(explicit)})`, empty);
    },
    { examples: operations, numRuns: Math.max(operations.length, Math.min(ctx.context.runs, 8)) },
  );
});

// ---- tolerated framings --------------------------------------------------------------

rule('protocol.content-type-parameters', async (ctx) => {
  const contentTypes = [`${JSON_CONTENT_TYPE}; charset=utf-8`, `${JSON_CONTENT_TYPE};charset=utf-8`, `${JSON_CONTENT_TYPE}; charset=UTF-8`];
  await ctx.property(fc.tuple(validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), fc.constantFrom(...contentTypes)), async ([request, contentType], run) => {
    const outcome = await run.send({ operation: 'MeterUsage', body: meterUsageBody(request), headers: { 'content-type': contentType } });
    expectSuccess(outcome, `HTTP 200 with Content-Type "${contentType}"`);
    expectStringMember(outcome, 'MeteringRecordId');
  });
});

interface Layout {
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

rule('protocol.member-order', async (ctx) => {
  const scenario = fc
    .tuple(validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), layouts)
    // Only layouts that really change the member order of some object.
    .filter(([request, layout]) => JSON.stringify(reorder(toWire(request), layout)) !== meterUsageBody(request));
  await ctx.property(scenario, async ([request, layout], run) => {
    const first = await run.send({ operation: 'MeterUsage', body: meterUsageBody(request) });
    expectSuccess(first);
    const id = expectStringMember(first, 'MeteringRecordId');
    const text = `${layout.padding}${JSON.stringify(reorder(toWire(request), layout), null, layout.indent || undefined)}${layout.padding}`;
    const second = await run.send({ operation: 'MeterUsage', body: text });
    const expected = `the same request with members reordered to be answered like the first (HTTP 200, MeteringRecordId ${id})`;
    expectSuccess(second, expected);
    if (second.output.MeteringRecordId !== id) fail(expected, second);
  });
});

rule('protocol.timestamp-epoch-numbers', async (ctx) => {
  // recentTimestamp gives whole seconds; adding milliseconds makes a fractional JSON number.
  const scenario = fc
    .tuple(validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), fc.option(fc.integer({ min: 1, max: 999 }), { nil: undefined }))
    .map(([request, ms]) => (ms === undefined ? request : { ...request, Timestamp: new Date(request.Timestamp.getTime() + ms) }));
  await ctx.property(scenario, async (request, run) => {
    const seconds = request.Timestamp.getTime() / 1000;
    const outcome = await run.send({ operation: 'MeterUsage', body: meterUsageBody(request) });
    expectSuccess(outcome, `HTTP 200 for Timestamp ${seconds} (${Number.isInteger(seconds) ? 'integer' : 'fractional'} epoch seconds)`);
    expectStringMember(outcome, 'MeteringRecordId');
  });
});

const TIMESTAMP_ENCODINGS: Record<string, (date: Date) => unknown> = {
  'Timestamp as an ISO-8601 string (UTC, Z)': (date) => date.toISOString(),
  'Timestamp as an ISO-8601 string with a +01:00 offset': (date) => new Date(date.getTime() + 3_600_000).toISOString().replace('Z', '+01:00'),
  'Timestamp as epoch seconds in a JSON string': (date) => String(date.getTime() / 1000),
  'Timestamp as epoch milliseconds (JSON number)': (date) => date.getTime(),
};

rule('protocol.timestamp-other-encodings', async (ctx) => {
  const seen = new Observations();
  const encodings = Object.keys(TIMESTAMP_ENCODINGS);
  const examples = encodings.map((e): [MeterUsageInput, string] => [exampleRequest(ctx), e]);
  await ctx.property(
    fc.tuple(plainRequests(ctx), fc.constantFrom(...encodings)),
    async ([request, encoding], run) => {
      const body = encodeInput({ ...request, Timestamp: TIMESTAMP_ENCODINGS[encoding](request.Timestamp) });
      seen.add(encoding, await run.send({ operation: 'MeterUsage', body }));
    },
    { examples, numRuns: observationRuns(ctx, examples.length) },
  );
  seen.record(ctx);
});

// ---- robustness ----------------------------------------------------------------------

interface GarbageCase {
  /** X-Amz-Target; null leaves the header out. */
  target: string | null;
  /** Content-Type; null leaves the header out. */
  contentType: string | null;
  /** The body as text, or as hex when it is arbitrary bytes. */
  body: string;
  encoding: 'utf8' | 'hex';
}

function garbage(model: ServiceModel): fc.Arbitrary<GarbageCase> {
  const operations = modelOperations(model);
  const targets = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...operations).map((op) => `${model.targetPrefix}.${op}`) },
    { weight: 1, arbitrary: fc.constantFrom<string | null>(null, '', `${model.targetPrefix}.NoSuchOperation`) },
  );
  const contentTypes = fc.oneof(
    { weight: 4, arbitrary: fc.constant<string | null>(JSON_CONTENT_TYPE) },
    { weight: 1, arbitrary: fc.constantFrom<string | null>(null, 'application/json', 'application/x-amz-json-1.0', 'text/plain') },
  );
  const text = (body: fc.Arbitrary<string>) => body.map((b) => ({ body: b, encoding: 'utf8' as const }));
  const oneMemberReplaced = fc
    .constantFrom(...operations)
    .chain((op) => fc.tuple(validInput(model, op, {}, { small: true }), fc.nat(), fc.jsonValue({ maxDepth: 2 })))
    .map(([input, n, value]) => {
      const wire = toWire(input) as Record<string, unknown>;
      const members = Object.keys(wire);
      return members.length === 0 ? JSON.stringify(value) : JSON.stringify({ ...wire, [members[n % members.length]]: value });
    });
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ body: Buffer.from(bytes).toString('hex'), encoding: 'hex' as const })),
    text(unicodeString({ maxLength: 200 })),
    text(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))),
    text(oneMemberReplaced),
    text(nonObjectBodies(model).map((c) => c.body)),
  );
  return fc.tuple(targets, contentTypes, bodies).map(([target, contentType, body]) => ({ target, contentType, ...body }));
}

rule('protocol.malformed-never-5xx', async (ctx) => {
  await ctx.property(garbage(ctx.model), async (c, run) => {
    const outcome = await run.send({
      body: c.encoding === 'hex' ? Buffer.from(c.body, 'hex') : c.body,
      headers: { ...withTarget(c.target), 'content-type': c.contentType },
    });
    if (outcome.status >= 500) fail('an answer below 500 (malformed input is a client error)', outcome);
  });
});
