// The boto3 driver (target/boto3-driver.ts with target/boto3-adapter.py) against the embedded
// emulator: parsed output, typed modeled errors, per-call credentials really signing the
// requests, single attempts, time limits, a dead adapter, and the probe's one-line errors.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LATEST_MODEL_PATH } from '../core/paths.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { createBoto3Target, encodeBoto3Input, probeBoto3 } from '../target/boto3-driver.js';
import { ConfigError } from '../target/config.js';
import { CONTROL_HEADERS, CONTROL_PREFIX, TEST_CREDENTIALS, type TargetDescription } from '../core/description.js';
import { TargetError, type Operation, type OperationInput, type Outcome, type Target } from '../target/types.js';

const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

let emulator: RunningEmulator;
let target: Target;

const describeTarget = (endpoint: string): TargetDescription => ({
  endpoint,
  region: 'us-east-1',
  label: 'test',
  credentials: TEST_CREDENTIALS,
  fixtures: { products: [], customers: [], tokens: [], registrations: [] },
  capabilities: { callerIsolation: true, clockControl: false, reset: false, ledgerRead: false },
});

beforeAll(async () => {
  if (!hasBoto3) return;
  emulator = await startEmulator();
  target = createBoto3Target(describeTarget(emulator.url), { timeoutMs: 10_000 });
});
afterAll(async () => {
  await target?.close();
  await emulator?.close();
});

const fresh = () => ({ accessKeyId: `AKB3${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey });
const answer = (o: Outcome) => (o.kind === 'error' ? `${o.status} ${o.errorType}` : `${o.status}`);
const minutesAgo = (m: number) => new Date(Math.floor((Date.now() - m * 60_000) / 1000) * 1000);

const VALID: Record<Operation, OperationInput> = {
  MeterUsage: { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 1, Timestamp: minutesAgo(1) },
  BatchMeterUsage: { ProductCode: 'conformance-saas-1', UsageRecords: [{ CustomerIdentifier: 'mc-legacy-subscribed-0001', Dimension: 'Requests', Quantity: 1, Timestamp: minutesAgo(1) }] },
  RegisterUsage: { ProductCode: 'conformance-container-1', PublicKeyVersion: 1 },
  ResolveCustomer: { RegistrationToken: 'conformance-token-new-valid' },
};

async function control(route: string, body: unknown): Promise<number> {
  const response = await fetch(`${emulator.url}${CONTROL_PREFIX}${route}`, { method: 'POST', headers: CONTROL_HEADERS, body: JSON.stringify(body) });
  return response.status;
}

describe('encodeBoto3Input', () => {
  test('sends timestamps as epoch milliseconds, with their paths', () => {
    const encoded = encodeBoto3Input({ A: new Date(1_700_000_000_123), L: [{ T: new Date(5) }, { B: 'x' }], U: undefined });
    expect(encoded).toEqual({ input: { A: 1_700_000_000_123, L: [{ T: 5 }, { B: 'x' }] }, dates: [['A'], ['L', 0, 'T']] });
  });
});

describe.runIf(hasBoto3)('the boto3 driver', () => {
  test('parses a success: the output members, the request id, the wire request botocore sent (signed as the caller, whole-second timestamp)', async () => {
    const credentials = fresh();
    const timestamp = new Date(minutesAgo(2).getTime() + 123);
    const outcome = await target.call('MeterUsage', { ...VALID.MeterUsage, Timestamp: timestamp }, { credentials });
    expect(target.driver).toBe('boto3');
    expect(answer(outcome)).toBe('200');
    if (outcome.kind !== 'success') throw new Error('not a success');
    expect(typeof outcome.output.MeteringRecordId).toBe('string');
    expect(outcome.output).not.toHaveProperty('ResponseMetadata');
    expect(outcome.requestId).toBeTruthy();
    expect(outcome.retries).toBe(0);
    const { request, response } = outcome.exchange;
    expect(request.method).toBe('POST');
    expect(request.headers['x-amz-target']).toBe('AWSMPMeteringService.MeterUsage');
    expect(request.headers.authorization).toContain('Credential=<redacted>/');
    expect(request.headers.authorization).toContain('Signature=<redacted>');
    expect(request.headers.authorization).not.toContain(credentials.accessKeyId);
    // boto3 writes whole epoch seconds: the recorded body is what went out.
    expect(JSON.parse(request.body).Timestamp).toBe(Math.floor(timestamp.getTime() / 1000));
    expect(response?.status).toBe(200);
    expect(JSON.parse(response!.body).MeteringRecordId).toBe(outcome.output.MeteringRecordId);
  });

  test('gives timestamps of the output as ISO-8601 text', async () => {
    const outcome = await target.call('RegisterUsage', VALID.RegisterUsage, { credentials: fresh() });
    expect(answer(outcome)).toBe('200');
    if (outcome.kind !== 'success') throw new Error('not a success');
    expect(typeof outcome.output.Signature).toBe('string');
    const rotation = outcome.output.PublicKeyRotationTimestamp;
    if (rotation !== undefined) expect(rotation).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('types a modeled error by its exception class, with the message and status', async () => {
    const outcome = await target.call('ResolveCustomer', { RegistrationToken: 'no-such-token-at-all' }, { credentials: fresh() });
    expect(outcome.kind).toBe('error');
    if (outcome.kind !== 'error') return;
    expect(outcome.errorType).toBe('InvalidTokenException');
    expect(outcome.status).toBe(400);
    expect(outcome.message).toBeTruthy();
    expect(outcome.exchange.response?.status).toBe(400);
  });

  test('signs each call as its caller: two callers have their own ledgers, one caller gets DuplicateRequestException', async () => {
    const [a, b] = [fresh(), fresh()];
    const input = { ...VALID.MeterUsage, Timestamp: minutesAgo(3) };
    const [first, other] = await Promise.all([target.call('MeterUsage', input, { credentials: a }), target.call('MeterUsage', input, { credentials: b })]);
    expect([answer(first), answer(other)]).toEqual(['200', '200']);
    if (first.kind !== 'success' || other.kind !== 'success') return;
    expect(first.output.MeteringRecordId).not.toBe(other.output.MeteringRecordId);
    const conflicting = await target.call('MeterUsage', { ...input, UsageQuantity: 2 }, { credentials: a });
    expect(answer(conflicting)).toBe('400 DuplicateRequestException');
    const identical = await target.call('MeterUsage', input, { credentials: b });
    expect(identical.kind === 'success' && identical.output.MeteringRecordId).toBe(other.output.MeteringRecordId);
  });

  test('many calls in flight at once each get their own answer', async () => {
    const callers = Array.from({ length: 24 }, fresh);
    const outcomes = await Promise.all(callers.map((credentials, i) => target.call('MeterUsage', { ...VALID.MeterUsage, UsageQuantity: i + 1 }, { credentials })));
    expect(outcomes.map(answer)).toEqual(callers.map(() => '200'));
    expect(new Set(outcomes.map((o) => (o.kind === 'success' ? o.output.MeteringRecordId : undefined))).size).toBe(24);
    expect(outcomes.map((o) => JSON.parse(o.exchange.request.body).UsageQuantity)).toEqual(callers.map((_, i) => i + 1));
  });

  test('retries a throttled call, answers a single-attempt call as it came, and errors when every attempt was throttled', async () => {
    const credentials = fresh();
    expect(await control('/throttle', { caller: credentials.accessKeyId, requests: 1 })).toBe(200);
    const retried = await target.call('RegisterUsage', VALID.RegisterUsage, { credentials });
    expect([answer(retried), retried.retries, retried.exchange.attempt, retried.exchange.earlierAttempts?.[0].response?.status]).toEqual(['200', 1, 2, 400]);

    const once = fresh();
    expect(await control('/throttle', { caller: once.accessKeyId, requests: 1 })).toBe(200);
    const throttled = await target.call('RegisterUsage', VALID.RegisterUsage, { credentials: once, singleAttempt: true });
    expect([answer(throttled), throttled.retries]).toEqual(['400 ThrottlingException', 0]);

    const always = fresh();
    expect(await control('/throttle', { caller: always.accessKeyId, requests: 5 })).toBe(200);
    await expect(target.call('RegisterUsage', VALID.RegisterUsage, { credentials: always })).rejects.toThrow(/ThrottlingException on every attempt boto3 made/);
  }, 30_000);

  test('honours another Region', async () => {
    const outcome = await target.call('RegisterUsage', VALID.RegisterUsage, { credentials: fresh(), region: 'us-west-2' });
    expect([answer(outcome), outcome.exchange.signedRegion]).toEqual(['400 InvalidRegionException', 'us-west-2']);
    expect(outcome.exchange.request.headers.authorization).toContain('/us-west-2/aws-marketplace/aws4_request');
  });
});

describe.runIf(hasBoto3)('the boto3 driver against a bad target', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    // Hangs on /hang, answers garbage to anything else.
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        if (request.headers['x-amz-target'] === 'AWSMPMeteringService.ResolveCustomer') return; // never answers
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end('this is not json');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('a target that does not answer in time is a TargetError, not a verdict', async () => {
    const slow = createBoto3Target(describeTarget(endpoint), { timeoutMs: 500 });
    try {
      const error = await slow.call('ResolveCustomer', VALID.ResolveCustomer).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TargetError);
      expect((error as TargetError).message).toMatch(/did not finish answering within/);
    } finally {
      await slow.close();
    }
  });

  test('an answer that is not JSON is a TargetError', async () => {
    const garbage = createBoto3Target(describeTarget(endpoint), { timeoutMs: 5_000 });
    try {
      const error = await garbage.call('RegisterUsage', VALID.RegisterUsage).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TargetError);
      expect((error as TargetError).message).toMatch(/not a JSON object: this is not json/);
      expect((error as TargetError).exchange?.response?.body).toBe('this is not json');
    } finally {
      await garbage.close();
    }
  });

  test('refuses the real service unless allowed', () => {
    expect(() => createBoto3Target(describeTarget('https://metering.marketplace.us-east-1.amazonaws.com'))).toThrow(TargetError);
  });
});

describe('the boto3 adapter process', () => {
  test('a missing Python is a ConfigError naming what to install', () => {
    const error = (() => {
      try {
        probeBoto3({ python: '/nonexistent/python3' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/no Python interpreter "\/nonexistent\/python3".*pip install boto3/);
  });

  test('a Python without boto3 is a ConfigError naming what to install', () => {
    // A Python whose site-packages are switched off (-S, -I) has no boto3.
    const dir = mkdtempSync(join(tmpdir(), 'b3-'));
    const python = join(dir, 'python-without-boto3');
    writeFileSync(python, '#!/bin/sh\nexec python3 -I -S "$@"\n', { mode: 0o755 });
    expect(() => probeBoto3({ python })).toThrow(/has no boto3: install it with ".*-m pip install boto3"/);
  });

  test('a call through a missing Python is a TargetError, and close() still ends', async () => {
    const broken = createBoto3Target(describeTarget('http://127.0.0.1:9'), { python: '/nonexistent/python3' });
    await expect(broken.call('RegisterUsage', VALID.RegisterUsage)).rejects.toThrow(TargetError);
    await broken.close();
  });

  test.runIf(hasBoto3)('an adapter that dies is a TargetError with its last line of stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'b3-'));
    const python = join(dir, 'python-that-dies');
    writeFileSync(python, '#!/bin/sh\necho "Traceback (most recent call last):" >&2\necho "RuntimeError: adapter exploded" >&2\nexit 1\n', { mode: 0o755 });
    const dying = createBoto3Target(describeTarget('http://127.0.0.1:9'), { python });
    await expect(dying.call('RegisterUsage', VALID.RegisterUsage)).rejects.toThrow(/boto3 adapter exited \(code 1\): RuntimeError: adapter exploded/);
    await dying.close();
  });

  test.runIf(hasBoto3)('the probe names boto3 and lists the members of the run model that botocore lacks', () => {
    const probe = probeBoto3({ modelPath: LATEST_MODEL_PATH });
    expect(probe).toMatchObject({ name: 'boto3', missingMembers: [] });
    expect(probe.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(probe.location).toMatch(/boto3/);
    const model = JSON.parse(readFileSync(LATEST_MODEL_PATH, 'utf8'));
    model.shapes.MeterUsageRequest.members.FutureMember = { shape: 'String' };
    model.shapes.UsageRecord.members.AnotherOne = { shape: 'String' };
    const file = join(mkdtempSync(join(tmpdir(), 'b3-')), 'model.json');
    writeFileSync(file, JSON.stringify(model));
    expect(probeBoto3({ modelPath: file }).missingMembers.sort()).toEqual(['shapes.MeterUsageRequest.members.FutureMember', 'shapes.UsageRecord.members.AnotherOne']);
  });
});

describe('boto3 runs: planning, needs, records as sent', () => {
  test('--python needs --driver boto3; a missing interpreter stops planning with a ConfigError', async () => {
    const { planRun } = await import('../plan/run-plan.js');
    const { UsageError } = await import('../cli/args.js');
    expect(() => planRun({ seed: 1, python: 'python3' })).toThrow(UsageError);
    expect(() => planRun({ seed: 1, driver: 'boto3', python: '/nonexistent/python3' })).toThrow(ConfigError);
  });

  test.runIf(hasBoto3)('a boto3 plan carries the probe: run.client names boto3, the context its model gaps and interpreter', async () => {
    const { planRun } = await import('../plan/run-plan.js');
    const { clientInfo } = await import('../plan/target.js');
    const plan = planRun({ seed: 1, driver: 'boto3', python: 'python3' });
    expect(plan.boto3).toMatchObject({ name: 'boto3', missingMembers: [] });
    expect(clientInfo(plan.settings, plan.boto3)).toMatchObject({ name: 'boto3', location: plan.boto3!.location });
    expect(clientInfo(plan.settings, plan.boto3).version).toContain(`botocore ${plan.boto3!.botocoreVersion}`);
  });

  test('a rule on a member the driver library lacks is not-applicable, naming the member', async () => {
    const { unmetNeeds } = await import('../suites/harness/needs.js');
    const { catalogueFor } = await import('../catalogue/catalogue.js');
    const { loadModel } = await import('../core/model.js');
    const model = loadModel();
    const rule = catalogueFor(model).find((r) => r.model === 'shapes.MeterUsageRequest.members.ClientToken')!;
    const other = catalogueFor(model).find((r) => r.operations.includes('RegisterUsage'))!;
    const context = { driver: 'boto3', driverClient: 'boto3 1.0.0 (botocore 1.0.0)', driverModelGaps: ['shapes.MeterUsageRequest.members.ClientToken', 'operations.RegisterUsage'], target: describeTarget('http://127.0.0.1:9') } as never;
    expect(unmetNeeds([rule], context, model)).toBe(
      "the boto3 driver's client library (boto3 1.0.0 (botocore 1.0.0)) has no shapes.MeterUsageRequest.members.ClientToken in its model of the service, so it cannot send or read it",
    );
    expect(unmetNeeds([other], context, model)).toMatch(/has no operations\.RegisterUsage in its model/);
  });

  test('records as sent take the Timestamp the driver put on the wire', async () => {
    const { recordsAsSent } = await import('../suites/stateful/batch-results.js');
    const records = [
      { Dimension: 'A', Quantity: 1, Timestamp: new Date(1_700_000_000_789) },
      { Dimension: 'B', Quantity: 1, Timestamp: new Date(1_700_000_001_000) },
    ];
    const outcome = (body: string) => ({ wholeSecondTimestamps: true, exchange: { request: { method: 'POST', url: 'u', headers: {}, body } } }) as never;
    const whole = recordsAsSent(records, outcome(JSON.stringify({ UsageRecords: [{ Dimension: 'A', Timestamp: 1_700_000_000 }, { Dimension: 'B', Timestamp: 1_700_000_001 }] })));
    expect(whole.map((r) => r.Timestamp.getTime())).toEqual([1_700_000_000_000, 1_700_000_001_000]);
    expect(whole[1]).toBe(records[1]);
    const millis = recordsAsSent(records, outcome(JSON.stringify({ UsageRecords: [{ Dimension: 'A', Timestamp: 1_700_000_000.789 }, { Dimension: 'B', Timestamp: 1_700_000_001 }] })));
    expect(millis).toEqual(records);
    // A body that cannot be read record by record leaves the records as given.
    expect(recordsAsSent(records, outcome('{"UsageRecords":[{"Dimension":"A","Timestamp":1}]}'))).toBe(records);
    expect(recordsAsSent(records, outcome('not json'))).toBe(records);
    // A driver that sends what it is given (raw, sdk): its body is not read again.
    const unrounded = { exchange: { request: { method: 'POST', url: 'u', headers: {}, body: JSON.stringify({ UsageRecords: [{ Dimension: 'A', Timestamp: 1_700_000_000 }, { Dimension: 'B', Timestamp: 1_700_000_001 }] }) } } } as never;
    expect(recordsAsSent(records, unrounded)).toBe(records);
  });
});
