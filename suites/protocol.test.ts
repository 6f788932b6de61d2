// Protocol (awsJson1.1): how answers are framed (content type, request id, error type and
// message), which request framings a target must tolerate (content-type parameters, empty
// body, member order, timestamp numbers), and that malformed requests get a 4xx, never a 5xx.
// Wire cases are data: the rows of generators/wire-cases.ts (fixed requests with the answer
// they must get) go first, as examples, then the generated cases of generators/protocol-requests.ts
// of the same shape; `runCase` below sends either through the raw driver and judges the answer.
import fc from 'fast-check';
import {
  contentTypeParameterCases,
  epochTimestampCases,
  exampleRequest,
  garbage,
  meterUsageBody,
  modeledErrors,
  modelOperations,
  nonObjectBodies,
  plainRequests,
  reorderedBody,
  reorderedRequests,
  TIMESTAMP_ENCODINGS,
  unknownOperationCases,
  wrongTypeBodies,
} from '../generators/protocol-requests.js';
import { rowsObservedBy, rowsServing, type WireCase, type WireRequest, type WireRow } from '../generators/wire-cases.js';
import { validMeterUsage, type MeterUsageInput } from '../generators/index.js';
import type { ErrorOutcome, Outcome, RawRequest } from '../target/types.js';
import { encodeInput, JSON_CONTENT_TYPE, sanitizeErrorType } from '../core/wire.js';
import { expectClientError, expectError, expectStringMember, expectSuccess, fail } from './harness/expect.js';
import { Observations, outcomeText as answer } from './harness/observations.js';
import { rule, type PropertyRun, type RuleContext } from './harness/rule.js';

/** Observation rules try every listed example, plus a few random cases. */
const observationRuns = (ctx: RuleContext, examples: number) => Math.max(examples, Math.min(ctx.context.runs, 20));

// ---- the runner of wire cases --------------------------------------------------------

/** Rows of the table, without those for an operation the model does not have. */
function forModel(ctx: RuleContext, rows: WireRow[]): WireRow[] {
  const operations = new Set(modelOperations(ctx.model));
  return rows.filter((row) => [row.request.operation, row.expected.sameAnswerAs?.operation].every((op) => op === undefined || operations.has(op)));
}

/** A wire request as the raw driver takes it. */
function rawRequest(ctx: RuleContext, request: WireRequest): RawRequest {
  const { body, ...rest } = request;
  if (typeof body === 'string') return { ...rest, body };
  return { ...rest, body: 'hex' in body ? Buffer.from(body.hex, 'hex') : meterUsageBody(exampleRequest(ctx)) };
}

const sameAnswer = (a: Outcome, b: Outcome) => a.kind === b.kind && a.status === b.status && (a.kind !== 'error' || a.errorType === (b as ErrorOutcome).errorType);

/** Sends a wire case and judges the answer against what the case expects. */
async function runCase(ctx: RuleContext, run: PropertyRun, c: WireCase): Promise<void> {
  const { status, errorType, stringMember, sameAnswerAs: like } = c.expected;
  if (like) {
    const reference = await run.send(rawRequest(ctx, like));
    if (status !== 'below-500') throw new Error(`wire case "${c.situation}": sameAnswerAs is only judged with status below-500`);
    if (reference.status >= 500) fail(`an answer below 500 to ${like.operation} with body ${like.body}`, reference);
    const outcome = await run.send(rawRequest(ctx, c.request));
    if (!sameAnswer(outcome, reference)) fail(`${c.situation} read as ${like.body} (answered like ${like.body}: ${answer(reference)})`, outcome);
    return;
  }
  const outcome = await run.send(rawRequest(ctx, c.request));
  if (status === '4xx') expectClientError(outcome, `an HTTP 4xx for ${c.situation}`);
  else if (status === '2xx') expectSuccess(outcome, `HTTP 200 ${c.situation}`);
  else if (status === 'below-500') {
    if (outcome.status >= 500) fail('an answer below 500 (malformed input is a client error)', outcome);
  } else if (outcome.status !== status) fail(`HTTP ${status} ${c.situation}`, outcome);
  if (errorType !== undefined) expectError(outcome, errorType, `the error type ${errorType} ${c.situation}`);
  if (stringMember !== undefined) {
    expectSuccess(outcome);
    expectStringMember(outcome, stringMember);
  }
}

/** The body of a rule judged on wire cases: the rule's rows of the table first, then `cases`. */
function judgedOn(cases: (ctx: RuleContext) => fc.Arbitrary<WireCase>, numRuns?: (ctx: RuleContext, rows: number) => number) {
  return async (ctx: RuleContext): Promise<void> => {
    const examples = forModel(ctx, rowsServing(ctx.rules[0].id));
    await ctx.property(cases(ctx), (c, run) => runCase(ctx, run, c), { examples, ...(numRuns ? { numRuns: numRuns(ctx, examples.length) } : {}) });
  };
}

/** The body of an implementation-defined rule: records the answers to its rows of the table, then to `cases`, by situation. */
function observedOn(cases: (ctx: RuleContext) => fc.Arbitrary<WireCase>) {
  return async (ctx: RuleContext): Promise<void> => {
    const seen = new Observations();
    const examples = forModel(ctx, rowsObservedBy(ctx.rules[0].id));
    await ctx.property(
      cases(ctx),
      async (c, run) => {
        seen.add(c.group ?? c.situation, await run.send(rawRequest(ctx, c.request)));
      },
      { examples, numRuns: observationRuns(ctx, examples.length) },
    );
    seen.record(ctx);
  };
}

// ---- answers of every kind -------------------------------------------------------------

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

// ---- unknown operations and malformed bodies -----------------------------------------

rule('protocol.unknown-operation', judgedOn(unknownOperationCases));
rule('protocol.unknown-operation-code', observedOn(unknownOperationCases));

rule('protocol.malformed-json', judgedOn((ctx) => nonObjectBodies(ctx.model)));
rule('protocol.malformed-json-code', observedOn((ctx) => fc.oneof(nonObjectBodies(ctx.model), wrongTypeBodies(ctx.model))));

// Every row is an operation's empty body; the rows are the whole property.
rule('protocol.empty-body', judgedOn((ctx) => fc.constantFrom(...forModel(ctx, rowsServing('protocol.empty-body'))), (ctx, rows) => Math.max(rows, Math.min(ctx.context.runs, 8))));

rule('protocol.malformed-never-5xx', judgedOn((ctx) => garbage(ctx.model)));

// ---- tolerated framings --------------------------------------------------------------

rule('protocol.content-type-parameters', judgedOn(contentTypeParameterCases));

rule('protocol.timestamp-epoch-numbers', judgedOn(epochTimestampCases));

rule('protocol.member-order', async (ctx) => {
  await ctx.property(reorderedRequests(ctx), async ([request, layout], run) => {
    const first = await run.send({ operation: 'MeterUsage', body: meterUsageBody(request) });
    expectSuccess(first);
    const id = expectStringMember(first, 'MeteringRecordId');
    const second = await run.send({ operation: 'MeterUsage', body: reorderedBody(request, layout) });
    const expected = `the same request with members reordered to be answered like the first (HTTP 200, MeteringRecordId ${id})`;
    expectSuccess(second, expected);
    if (second.output.MeteringRecordId !== id) fail(expected, second);
  });
});

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
