// Bounded cost for any input (issue 17): a request built to amplify the emulator's work (a
// 1 MB BatchMeterUsage of 349,000 `{}` records, a tag list of 300,000 `{}`, a batch whose
// 62,500 allocations each break a constraint) gets the same error type as always, in an
// answer of a few hundred bytes; six at once do not keep a valid request from its answer.
// Sizes and correctness only: the time these cost is the bench's (bench/run.ts, hostile load).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { capMessage, MAX_MESSAGE_LENGTH, ServiceError } from '../emulator/errors.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { checkConstraints } from '../emulator/constraints.js';
import { decodeInput, membersOf, parseBounded, parseJsonBody, type Json } from '../emulator/json-codec.js';
import { validInput } from '../generators/arbitraries.js';
import { loadModel, type Shape } from '../core/model.js';
import { TEST_CREDENTIALS } from '../core/description.js';
import { createRawTarget } from '../target/raw-driver.js';
import type { Outcome, RawCapableTarget } from '../target/types.js';
import { encodeInput } from '../core/wire.js';

const model = loadModel();
const ANSWER_LIMIT = 16 * 1024;
const SAAS = 'conformance-saas-1';

/** The amplification body of the issue: 1,047,053 bytes, 349,000 empty records. */
function amplificationBody(records = 349_000): string {
  return `{"ProductCode":"${SAAS}","UsageRecords":[${Array(records).fill('{}').join(',')}]}`;
}

let emulator: RunningEmulator;
let target: RawCapableTarget;

beforeAll(async () => {
  emulator = await startEmulator();
  target = createRawTarget({ endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1, timeouts: { total: 60_000 } });
});
afterAll(async () => {
  await target?.close();
  await emulator?.close();
});

/** A fresh caller: its own ledger partition. */
function caller() {
  return { credentials: { accessKeyId: `AK${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey } };
}

/** The answer's size on the wire (its declared Content-Length), checked against the body read. */
function answerBytes(outcome: Outcome): number {
  const declared = Number(outcome.headers['content-length']);
  expect(Buffer.byteLength(outcome.exchange.response!.body)).toBe(declared);
  return declared;
}

function rejection(outcome: Outcome): { status: number; type: string; message: string } {
  expect(outcome.kind, JSON.stringify(outcome.exchange.response?.body).slice(0, 300)).toBe('error');
  return outcome.kind === 'error' ? { status: outcome.status, type: outcome.errorType, message: outcome.message ?? '' } : { status: 0, type: '', message: '' };
}

const sizeViolation = (path: string, max: number) => `Value at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${max}`;

describe('amplification bodies get small answers of the same error type', () => {
  test('a signed 1 MB BatchMeterUsage of 349,000 `{}` records: ValidationException naming the list size only', async () => {
    const body = amplificationBody();
    expect(Buffer.byteLength(body)).toBe(1_047_053);
    const outcome = await target.send({ operation: 'BatchMeterUsage', body }, caller());
    expect(answerBytes(outcome)).toBeLessThanOrEqual(ANSWER_LIMIT);
    const { status, type, message } = rejection(outcome);
    expect([status, type]).toEqual([400, 'ValidationException']);
    // The first violation is the one the emulator always named first.
    expect(message).toBe(`1 validation error detected: ${sizeViolation('/UsageRecords', 25)}`);
  });

  test('six amplification bodies at once and a valid MeterUsage among them: six small ValidationExceptions, the valid request answered 200', async () => {
    const body = amplificationBody();
    const hostile = Array.from({ length: 6 }, () => target.send({ operation: 'BatchMeterUsage', body }, caller()));
    const valid = target.call('MeterUsage', { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 1, Timestamp: new Date(Date.now() - 60_000) }, caller());
    const [answers, answer] = await Promise.all([Promise.all(hostile), valid]);
    let total = 0;
    for (const outcome of answers) {
      const bytes = answerBytes(outcome);
      expect(bytes).toBeLessThanOrEqual(ANSWER_LIMIT);
      total += bytes;
      expect(rejection(outcome)).toMatchObject({ status: 400, type: 'ValidationException' });
    }
    expect(total).toBeLessThanOrEqual(6 * ANSWER_LIMIT);
    expect(answer.status).toBe(200);
    expect(answer.kind === 'success' && answer.output.MeteringRecordId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a MeterUsage allocation with 300,000 `{}` tags: InvalidTagException naming the tag list size only', async () => {
    const tags = Array(300_000).fill('{}').join(',');
    const body = `{"ProductCode":"conformance-ami-1","UsageDimension":"Hours","UsageQuantity":1,"Timestamp":${Date.now() / 1000 - 60},"UsageAllocations":[{"AllocatedUsageQuantity":1,"Tags":[${tags}]}]}`;
    const outcome = await target.send({ operation: 'MeterUsage', body }, caller());
    expect(answerBytes(outcome)).toBeLessThanOrEqual(ANSWER_LIMIT);
    const { status, type, message } = rejection(outcome);
    expect([status, type]).toEqual([400, 'InvalidTagException']);
    expect(message).toBe(`Invalid tags: 1 validation error detected: ${sizeViolation('/UsageAllocations/0/Tags', 5)}`);
  });

  test('62,500 violations within list maxima (25 records × 2,500 empty allocations): the first three named, the rest counted', async () => {
    const allocations = Array(2500).fill('{}').join(',');
    const record = `{"Timestamp":${Date.now() / 1000 - 60},"Dimension":"Requests","CustomerAWSAccountId":"444455556666","UsageAllocations":[${allocations}]}`;
    const body = `{"ProductCode":"${SAAS}","UsageRecords":[${Array(25).fill(record).join(',')}]}`;
    const outcome = await target.send({ operation: 'BatchMeterUsage', body }, caller());
    expect(answerBytes(outcome)).toBeLessThanOrEqual(ANSWER_LIMIT);
    const { status, type, message } = rejection(outcome);
    expect([status, type]).toEqual([400, 'ValidationException']);
    const missing = (r: number, a: number) => `Value at '/UsageRecords/${r}/UsageAllocations/${a}/AllocatedUsageQuantity' failed to satisfy constraint: Member must not be null`;
    expect(message).toBe(`62500 validation errors detected: ${missing(0, 0)}; ${missing(0, 1)}; ${missing(0, 2)}; and 62497 more`);
  });

  test('a wrongly typed member deep in an oversize list is still a SerializationException: decoding checks every element', async () => {
    const records = Array(100_000).fill('{}');
    records[99_999] = '{"Quantity":"many"}';
    const outcome = await target.send({ operation: 'BatchMeterUsage', body: `{"UsageRecords":[${records.join(',')}]}` }, caller());
    expect(rejection(outcome)).toEqual({ status: 400, type: 'SerializationException', message: "Expected an integer number at '/UsageRecords/99999/Quantity' but found a string" });
    const nulls = await target.send({ operation: 'BatchMeterUsage', body: '{"UsageRecords":[{},{},null]}' }, caller());
    expect(rejection(nulls).message).toBe("Null list element at '/UsageRecords/2'");
  });

  test('under batch-accept-oversize (the list maximum unchecked) every record is checked: three violations named, the other 697,997 counted', async () => {
    const faulty = await startEmulator({ faults: ['batch-accept-oversize'] });
    const client = createRawTarget({ endpoint: faulty.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1, timeouts: { total: 60_000 } });
    try {
      const outcome = await client.send({ operation: 'BatchMeterUsage', body: amplificationBody() }, caller());
      expect(answerBytes(outcome)).toBeLessThanOrEqual(ANSWER_LIMIT);
      const { status, type, message } = rejection(outcome);
      expect([status, type]).toEqual([400, 'ValidationException']);
      const missing = (r: number, member: string) => `Value at '/UsageRecords/${r}/${member}' failed to satisfy constraint: Member must not be null`;
      expect(message).toBe(`698000 validation errors detected: ${missing(0, 'Timestamp')}; ${missing(0, 'Dimension')}; ${missing(1, 'Timestamp')}; and 697997 more`);
    } finally {
      await client.close();
      await faulty.close();
    }
  });

  test('error messages that quote the request are capped at MAX_MESSAGE_LENGTH', async () => {
    const outcome = await target.send({ operation: `Nope${'x'.repeat(12_000)}`, body: '{}' }, caller());
    const { type, message } = rejection(outcome);
    expect(type).toBe('UnknownOperationException');
    expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(message).toMatch(/^Unknown operation "AWSMPMeteringService\.Nopexxx.*… \(truncated\)$/);
    expect(answerBytes(outcome)).toBeLessThanOrEqual(2 * MAX_MESSAGE_LENGTH);
  });
});

describe('capMessage', () => {
  test('short messages unchanged; long ones cut to MAX_MESSAGE_LENGTH, never inside a surrogate pair', () => {
    expect(capMessage('short')).toBe('short');
    const exact = 'a'.repeat(MAX_MESSAGE_LENGTH);
    expect(capMessage(exact)).toBe(exact);
    for (let shift = 0; shift < 4; shift++) {
      const capped = capMessage(`${'a'.repeat(shift)}${'😀'.repeat(MAX_MESSAGE_LENGTH)}`);
      expect(capped.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
      expect(capped.endsWith('… (truncated)')).toBe(true);
      // A lone surrogate would not survive UTF-8.
      expect(Buffer.from(capped).toString()).toBe(capped);
    }
    expect(new ServiceError('ValidationException', 'x'.repeat(100_000)).message.length).toBe(MAX_MESSAGE_LENGTH);
  });
});

/** The decoding of the emulator before issue 17: a copy of every structure and list. */
function referenceDecode(shape: Shape, value: Json): unknown {
  switch (shape.type) {
    case 'structure': {
      const object = value as { [key: string]: Json };
      const out: Record<string, unknown> = {};
      for (const [member, memberShape] of membersOf(model, shape)) {
        if (Object.hasOwn(object, member) && object[member] !== null) out[member] = referenceDecode(memberShape, object[member]);
      }
      return out;
    }
    case 'list':
      return (value as Json[]).map((v) => referenceDecode(model.shapes[shape.member.shape], v));
    default:
      return value;
  }
}

describe('decoding without a second copy of the body', () => {
  test('decodeInput equals a full copy, member order included, with unknown members, nulls and shuffled keys', () => {
    const shuffled = (value: Json, seed: number): Json => {
      if (Array.isArray(value)) return value.map((v, i) => shuffled(v, seed + i));
      if (value === null || typeof value !== 'object') return value;
      const entries = Object.entries(value).map(([k, v], i): [string, Json] => [k, shuffled(v, seed + i)]);
      if (seed % 3 === 0) entries.reverse();
      if (seed % 5 === 1) entries.push(['Unknown', seed]);
      if (seed % 7 === 2 && entries.length > 0) entries[0] = [entries[0][0], null];
      return Object.fromEntries(entries);
    };
    const operation = fc.constantFrom(...Object.keys(model.operations));
    fc.assert(
      fc.property(
        operation.chain((op) => fc.tuple(fc.constant(op), validInput(model, op), fc.nat(1000))),
        ([op, input, seed]) => {
          const json = shuffled(parseJsonBody(Buffer.from(encodeInput(input))), seed);
          const shape = model.shapes[model.operations[op].input];
          const text = JSON.stringify(json);
          const decoded = decodeInput(model, model.operations[op].input, JSON.parse(text) as Json);
          expect(JSON.stringify(decoded)).toBe(JSON.stringify(referenceDecode(shape, JSON.parse(text) as Json)));
        },
      ),
      { numRuns: 300, seed: 17_001 },
    );
  });
});

describe('the bounded parse of large bodies', () => {
  /** What the pipeline makes of a parsed body: the error it throws, or the decoded input. */
  function judged(inputShape: string, parse: () => Json, maxIgnored: ReadonlySet<string>): string {
    try {
      const faults = new Set(maxIgnored.size > 0 ? (['batch-accept-oversize'] as const) : []);
      const input = decodeInput(model, inputShape, parse());
      checkConstraints(model, inputShape, input, faults);
      return JSON.stringify(input);
    } catch (error) {
      if (error instanceof ServiceError) return `${error.type}: ${error.message}`;
      throw error;
    }
  }

  // Bodies around the limits: valid inputs whose lists grow past their maxima, elements of the
  // wrong type or null, unknown members, duplicate keys, and text cut or altered at one byte.
  const bodies = fc
    .constantFrom(...Object.keys(model.operations))
    .chain((op) =>
      fc.record({
        op: fc.constant(op),
        input: validInput(model, op),
        grow: fc.nat(40),
        odd: fc.constantFrom<Json>(null, 1, 'x', {}, [], { Unknown: [1, { a: 2 }] }),
        at: fc.nat(),
        edit: fc.constantFrom('none', 'cut', 'byte', 'duplicate-key', 'unknown-member'),
      }),
    )
    .map(({ op, input, grow, odd, at, edit }) => {
      const json = JSON.parse(encodeInput(input)) as Record<string, Json>;
      for (const value of Object.values(json)) {
        if (Array.isArray(value) && value.length > 0) {
          for (let i = 0; i < grow; i++) value.push(value[i % value.length]);
          if (at % 3 === 0) value.splice(at % value.length, 0, odd);
        }
      }
      let text = JSON.stringify(json);
      if (edit === 'cut') text = text.slice(0, at % text.length);
      if (edit === 'byte') text = `${text.slice(0, at % text.length)}${'{}[],:"0 '[at % 9]}${text.slice((at % text.length) + 1)}`;
      if (edit === 'duplicate-key') text = text.replace(/^\{"(\w+)":/, '{"$1":0,"$1":');
      if (edit === 'unknown-member') text = text.replace(/^\{/, `{"Unknown":${JSON.stringify(odd)},`);
      return { inputShape: model.operations[op].input, body: Buffer.from(text) };
    });

  test('judges every body as the whole parse does, with list maxima checked or unchecked', () => {
    fc.assert(
      fc.property(bodies, fc.boolean(), ({ inputShape, body }, ignoreBatchMax) => {
        const maxIgnored = new Set(ignoreBatchMax ? ['UsageRecordList'] : []);
        const whole = judged(inputShape, () => parseJsonBody(body), maxIgnored);
        const bounded = judged(inputShape, () => parseBounded(model, inputShape, body, maxIgnored) ?? parseJsonBody(body), maxIgnored);
        expect(bounded).toBe(whole);
      }),
      { numRuns: 2000, seed: 17_002 },
    );
  });
});
