// The emulator over HTTP: awsJson1.1 framing, SigV4, the 1 MiB limit, the control API,
// concurrency, and robustness against garbage. Requests are signed by the raw driver.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { request as httpRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { SPECS_DIR } from '../core/paths.js';
import { loadModel } from '../core/model.js';
import { EmulatorConfigError, FAULT_MODES, startEmulator, type EmulatorDescription, type LedgerRecord, type RunningEmulator } from '../emulator/index.js';
import { CONTROL_HEADERS, CONTROL_PREFIX, TEST_CREDENTIALS } from '../core/description.js';
import { createRawTarget } from '../target/raw-driver.js';
import type { Outcome, RawCapableTarget } from '../target/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MiB = 1024 * 1024;

let emulator: RunningEmulator;
let target: RawCapableTarget;

beforeAll(async () => {
  emulator = await startEmulator();
  target = createRawTarget({ endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  await target.close();
  await emulator.close();
});

/** A fresh caller: its own ledger partition. */
function caller() {
  return { credentials: { accessKeyId: `AK${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey } };
}

function meterInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 3, Timestamp: new Date(Date.now() - 60_000), ...overrides };
}

function errorType(outcome: Outcome): string {
  return outcome.kind === 'error' ? outcome.errorType : 'success';
}

async function control(path: string, init?: { method?: string; body?: string }): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${emulator.url}${CONTROL_PREFIX}${path}`, { method: init?.method ?? 'GET', headers: CONTROL_HEADERS, body: init?.body });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function ledger(callerKey: string): Promise<LedgerRecord[]> {
  return (await control(`/ledger?caller=${encodeURIComponent(callerKey)}`)).body.records;
}

/** Sends raw bytes on a fresh TCP connection; resolves with what came back (bounded in time). */
function rawExchange(bytes: Buffer, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(emulator.port, '127.0.0.1');
    let received = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes, () => undefined);
  });
}

describe('awsJson1.1 framing', () => {
  test('a success carries Content-Type, a uuid x-amzn-RequestId and the emulator Date', async () => {
    const outcome = await target.call('MeterUsage', meterInput(), caller());
    expect(outcome.kind).toBe('success');
    expect(outcome.status).toBe(200);
    expect(outcome.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(outcome.requestId).toMatch(UUID);
    expect(Math.abs(Date.parse(outcome.headers.date) - Date.now())).toBeLessThan(60_000);
  });

  test('errors carry __type, message, x-amzn-ErrorType and a request id; ids are unique', async () => {
    const a = await target.call('MeterUsage', meterInput({ UsageDimension: 'nope' }), caller());
    const b = await target.call('MeterUsage', meterInput({ UsageDimension: 'nope' }), caller());
    expect(a.status).toBe(400);
    expect(a.headers['x-amzn-errortype']).toBe('InvalidUsageDimensionException');
    expect(a.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(a.kind === 'error' && a.body).toMatchObject({ __type: 'InvalidUsageDimensionException', message: expect.any(String) });
    expect(a.requestId).toMatch(UUID);
    expect(a.requestId).not.toBe(b.requestId);
  });

  test('content type parameters are ignored; another or no content type → 415 UnsupportedMediaTypeException', async () => {
    const body = JSON.stringify({ ...meterInput(), Timestamp: Date.now() / 1000 - 60 });
    const withCharset = await target.send({ operation: 'MeterUsage', body, headers: { 'content-type': 'application/x-amz-json-1.1; charset=utf-8' } }, caller());
    expect(withCharset.status).toBe(200);
    for (const contentType of ['application/json', 'text/plain', null]) {
      const outcome = await target.send({ operation: 'MeterUsage', body, headers: { 'content-type': contentType } }, caller());
      expect(outcome.status, String(contentType)).toBe(415);
      expect(errorType(outcome)).toBe('UnsupportedMediaTypeException');
      expect(outcome.headers['content-type']).toBe('application/x-amz-json-1.1');
    }
  });

  test('unknown or missing X-Amz-Target → 400 UnknownOperationException', async () => {
    for (const t of ['AWSMPMeteringService.DeleteEverything', 'Other.MeterUsage', 'AWSMPMeteringService.', null]) {
      const outcome = await target.send({ body: '{}', headers: { 'x-amz-target': t } });
      expect(outcome.status, String(t)).toBe(400);
      expect(errorType(outcome)).toBe('UnknownOperationException');
    }
  });

  test('malformed JSON → 400 SerializationException; an empty body is {}', async () => {
    const broken = await target.send({ operation: 'MeterUsage', body: '{"ProductCode": ' });
    expect([broken.status, errorType(broken)]).toEqual([400, 'SerializationException']);
    const empty = await target.send({ operation: 'MeterUsage', body: '' });
    expect([empty.status, errorType(empty)]).toEqual([400, 'ValidationException']);
  });

  test('DryRun → HTTP 412 DryRunOperation', async () => {
    const outcome = await target.call('MeterUsage', meterInput({ DryRun: true }), caller());
    expect([outcome.status, errorType(outcome)]).toEqual([412, 'DryRunOperation']);
  });

  test('other methods → 405 with a JSON error and Allow; other paths → 404', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await httpRequest(`${emulator.url}/`, { method: method as 'GET' });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('POST');
      expect(response.headers['x-amzn-requestid']).toMatch(UUID);
      expect(await response.body.json()).toMatchObject({ __type: 'MethodNotAllowedException' });
    }
    const elsewhere = await target.send({ operation: 'MeterUsage', path: '/v1/meter', body: '{}' });
    expect(elsewhere.status).toBe(404);
  });

  test('an emulator on the 2016-03-17 model knows MeterUsage only and its constraints', async () => {
    const old = await startEmulator({ model: loadModel(join(SPECS_DIR, 'history', 'service-2.2016-03-17.json')) });
    const oldTarget = createRawTarget({ endpoint: old.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      expect(errorType(await oldTarget.call('ResolveCustomer', { RegistrationToken: 'x' }))).toBe('UnknownOperationException');
      expect(errorType(await oldTarget.call('BatchMeterUsage', { UsageRecords: [] }))).toBe('UnknownOperationException');
      const tooMuch = await oldTarget.call('MeterUsage', meterInput({ UsageQuantity: 10001, DryRun: false }), caller());
      expect(errorType(tooMuch)).toBe('ValidationException');
      expect(old.describe().model).toBe('2016-01-14 (model 2016-03-17)');
    } finally {
      await oldTarget.close();
      await old.close();
    }
  });
});

describe('SigV4', () => {
  test('no Authorization → 400 MissingAuthenticationTokenException', async () => {
    const outcome = await target.send({ operation: 'MeterUsage', body: '{}', sign: false });
    expect([outcome.status, errorType(outcome)]).toEqual([400, 'MissingAuthenticationTokenException']);
  });

  test('a malformed Authorization header → 400 IncompleteSignatureException', async () => {
    const headers = [
      'Bearer abc',
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host;x-amz-date',
      `AWS4-HMAC-SHA256 Credential=AK/us-east-1, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      `AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host;x-amz-date, Signature=xyz`,
    ];
    for (const authorization of headers) {
      const outcome = await target.send({ operation: 'MeterUsage', body: '{}', sign: false, headers: { authorization, 'x-amz-date': '20260101T000000Z' } });
      expect([outcome.status, errorType(outcome)], authorization).toEqual([400, 'IncompleteSignatureException']);
    }
  });

  test('wrong secret, Region, service or a tampered body → 400 InvalidSignatureException', async () => {
    const cases: [Parameters<RawCapableTarget['send']>[0]['signing'], RegExp][] = [
      [{ secretAccessKey: 'not-the-secret' }, /signature we calculated does not match/],
      [{ region: 'eu-west-1' }, /Credential should be scoped to a valid Region, not 'eu-west-1'/],
      [{ service: 'dynamodb' }, /Credential should be scoped to correct service: 'aws-marketplace'/],
    ];
    for (const [signing, message] of cases) {
      const outcome = await target.send({ operation: 'MeterUsage', body: JSON.stringify({ ...meterInput(), Timestamp: Date.now() / 1000 }), signing });
      expect([outcome.status, errorType(outcome)]).toEqual([400, 'InvalidSignatureException']);
      expect(outcome.kind === 'error' && outcome.message).toMatch(message);
    }
    // Sign one body, send another.
    const signer = new SignatureV4({ credentials: TEST_CREDENTIALS, region: 'us-east-1', service: 'aws-marketplace', sha256: Hash.bind(null, 'sha256') });
    const url = new URL(emulator.url);
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSMPMeteringService.MeterUsage' },
        body: '{"UsageQuantity":1}',
      }),
    );
    const tampered = await httpRequest(`${emulator.url}/`, { method: 'POST', headers: signed.headers, body: '{"UsageQuantity":9}' });
    expect(tampered.statusCode).toBe(400);
    expect(tampered.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    await tampered.body.dump();
  });

  test('any access key id, with or without a session token, is accepted when signed with the secret', async () => {
    const withToken = { credentials: { ...caller().credentials, sessionToken: 'session-token-value' } };
    expect((await target.call('MeterUsage', meterInput(), withToken)).status).toBe(200);
    expect((await target.call('MeterUsage', meterInput(), caller())).status).toBe(200);
  });

  test('X-Amz-Date more than 5 minutes off the emulator clock → InvalidSignatureException', async () => {
    const body = JSON.stringify({ ...meterInput(), Timestamp: Date.now() / 1000 - 60 });
    const at = (offsetMs: number) => target.send({ operation: 'MeterUsage', body, signing: { date: new Date(Date.now() + offsetMs) } }, caller());
    const expired = await at(-6 * 60_000);
    expect(errorType(expired)).toBe('InvalidSignatureException');
    expect(expired.kind === 'error' && expired.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    const future = await at(6 * 60_000);
    expect(future.kind === 'error' && future.message).toMatch(/^Signature not yet current/);
    expect((await at(-4 * 60_000)).status).toBe(200);
  });
});

describe('request size limit', () => {
  const padded = (size: number) => {
    const head = JSON.stringify({ ...meterInput(), Timestamp: Date.now() / 1000 - 60, Padding: '' }).slice(0, -2);
    return `${head}${'x'.repeat(size - head.length - 2)}"}`;
  };

  test('a body of 1 MiB - 1 byte is read; 1 MiB → 413 RequestEntityTooLargeException', async () => {
    const under = padded(MiB - 1);
    expect(Buffer.byteLength(under)).toBe(MiB - 1);
    expect((await target.send({ operation: 'MeterUsage', body: under }, caller())).status).toBe(200);
    const over = await target.send({ operation: 'MeterUsage', body: padded(MiB) }, caller());
    expect([over.status, errorType(over)]).toEqual([413, 'RequestEntityTooLargeException']);
    expect(over.requestId).toMatch(UUID);
  });

  test('a client that writes a large body before reading still gets the 413', async () => {
    const response = await httpRequest(`${emulator.url}/`, { method: 'POST', body: Buffer.alloc(3 * MiB, 0x20), headers: { 'content-type': 'application/x-amz-json-1.1' } });
    expect(response.statusCode).toBe(413);
    await response.body.dump();
  });

  test('Expect: 100-continue with an oversize Content-Length is refused before the body is sent', async () => {
    const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: ${2 * MiB}\r\nExpect: 100-continue\r\n\r\n`;
    const answer = await rawExchange(Buffer.from(head), 3000);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).not.toContain('100 Continue');
  });

  test('an endless chunked body is rejected while it is still arriving (nothing waits for its end)', async () => {
    const response = await new Promise<string>((resolve) => {
      const socket = connect(emulator.port, '127.0.0.1');
      let received = '';
      let sent = 0;
      const timer = setTimeout(() => finish(), 10_000);
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(received);
      };
      socket.on('data', (d) => {
        received += d.toString('latin1');
        if (received.includes('\r\n\r\n') && received.includes('}')) finish();
      });
      socket.on('error', finish);
      socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        // Send a little more than the limit, then stall without ever ending the body.
        while (sent < 1.5 * MiB && !socket.destroyed) {
          sent += chunk.length;
          const ok = socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n');
          if (!ok) return void socket.once('drain', pump);
        }
      };
      socket.once('connect', pump);
    });
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toContain('RequestEntityTooLargeException');
  });
});

describe('control API', () => {
  test('describe publishes fixtures (without the secret), capabilities, clock, faults and model', async () => {
    const { status, body } = await control('/describe');
    const description = body as EmulatorDescription;
    expect(status).toBe(200);
    expect(description.region).toBe('us-east-1');
    expect(description.capabilities).toEqual({ callerIsolation: true, clockControl: true, reset: true, ledgerRead: true, tokenIssue: true, throttle: true });
    expect(description.faults).toEqual([]);
    expect(description.model).toBe('2016-01-14 (model latest)');
    expect(Math.abs(description.clock.nowMs - Date.now())).toBeLessThan(60_000);
    expect(description.fixtures.products.map((p) => p.code)).toContain('conformance-ami-1');
    expect(JSON.stringify(body)).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(emulator.describe().fixtures).toEqual(description.fixtures);
  });

  test('ledger is per caller; reset clears it and the clock offset', async () => {
    const me = caller();
    const outcome = await target.call('MeterUsage', meterInput(), me);
    const records = await ledger(me.credentials.accessKeyId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ caller: me.credentials.accessKeyId, meteringRecordId: outcome.kind === 'success' ? outcome.output.MeteringRecordId : '' });
    expect(await ledger('nobody')).toEqual([]);
    await control('/clock', { method: 'POST', body: JSON.stringify({ advance: 3600 }) });
    const reset = await control('/reset', { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(await ledger(me.credentials.accessKeyId)).toEqual([]);
    expect(Math.abs(reset.body.nowMs - Date.now())).toBeLessThan(60_000);
  });

  test('clock set/advance move the emulator clock, the Date header and the window', async () => {
    try {
      const set = await control('/clock', { method: 'POST', body: JSON.stringify({ set: 1_800_000_000 }) });
      expect(Math.abs(set.body.nowMs - 1_800_000_000_000)).toBeLessThan(5_000);
      const advanced = await control('/clock', { method: 'POST', body: JSON.stringify({ advance: 7200.5 }) });
      expect(Math.abs(advanced.body.nowMs - 1_800_007_200_500)).toBeLessThan(5_000);
      expect(Date.parse(advanced.headers.get('date')!)).toBeGreaterThan(1_800_000_000_000);
      // Sign with the emulator's time; timestamps are judged against it too.
      const emulatorNow = advanced.body.nowMs as number;
      const send = (timestampMs: number) =>
        target.send({ operation: 'MeterUsage', body: JSON.stringify({ ...meterInput(), Timestamp: timestampMs / 1000 }), signing: { date: new Date(emulatorNow) } }, caller());
      expect((await send(emulatorNow - 60_000)).status).toBe(200);
      expect(errorType(await send(Date.now() - 60_000))).toBe('TimestampOutOfBoundsException');
      const wallSigned = await target.call('MeterUsage', meterInput(), caller());
      expect(errorType(wallSigned)).toBe('InvalidSignatureException');
    } finally {
      await control('/reset', { method: 'POST' });
    }
  });

  test('a caller can get its own clock; other callers keep the emulator clock', async () => {
    const moved = caller();
    const other = caller();
    const key = moved.credentials.accessKeyId;
    const set = await control('/clock', { method: 'POST', body: JSON.stringify({ set: 1_900_000_000, caller: key }) });
    expect(Math.abs(set.body.nowMs - 1_900_000_000_000)).toBeLessThan(5_000);
    const advanced = await control('/clock', { method: 'POST', body: JSON.stringify({ advance: 60, caller: key }) });
    const callerNow = advanced.body.nowMs as number;
    expect(Math.abs(callerNow - 1_900_000_060_000)).toBeLessThan(5_000);
    expect(Math.abs((await control('/describe')).body.clock.nowMs - Date.now())).toBeLessThan(60_000);
    const body = (ms: number) => JSON.stringify({ ...meterInput(), Timestamp: ms / 1000 });
    const ok = await target.send({ operation: 'MeterUsage', body: body(callerNow - 60_000), signing: { date: new Date(callerNow) } }, moved);
    expect(ok.status).toBe(200);
    expect(Math.abs(Date.parse(ok.headers.date) - callerNow)).toBeLessThan(60_000);
    // Wall-clock signatures of that caller are now stale; the other caller is unaffected.
    const stale = await target.call('MeterUsage', meterInput(), moved);
    expect(errorType(stale)).toBe('InvalidSignatureException');
    expect(Math.abs(Date.parse(stale.headers.date) - callerNow)).toBeLessThan(60_000);
    expect((await target.call('MeterUsage', meterInput(), other)).status).toBe(200);
    await control('/reset', { method: 'POST' });
    expect((await target.call('MeterUsage', meterInput({ UsageDimension: 'Users' }), moved)).status).toBe(200);
  });

  test('malformed control requests → 400; unknown paths 404; wrong methods 405', async () => {
    for (const body of ['', 'nope', '[]', '{}', '{"set":"soon"}', '{"set":1,"advance":1}', '{"advance":null}', '{"set":-5}', '{"set":1e300}', '{"advance":1e15}', '{"set":1,"caller":""}', '{"set":1,"caller":7}', '{"caller":"AK"}', '{"set":1,"other":1}']) {
      const response = await control('/clock', { method: 'POST', body });
      expect(response.status, body).toBe(400);
      expect(response.body.__type).toBe('InvalidControlRequestException');
    }
    expect((await control('/nothing')).status).toBe(404);
    expect((await control('/describe', { method: 'POST' })).status).toBe(405);
    expect((await control('/reset')).status).toBe(405);
  });
});

describe('start-up options', () => {
  test('an unknown fault mode is a config error naming the valid ones', async () => {
    await expect(startEmulator({ faults: ['new-id-on-retry', 'make-coffee'] })).rejects.toThrow(EmulatorConfigError);
    await expect(startEmulator({ faults: ['make-coffee'] })).rejects.toThrow(/make-coffee.*valid fault modes: .*new-id-on-retry/);
  });

  test('fault modes are listed with descriptions and published by describe', async () => {
    expect(FAULT_MODES.length).toBeGreaterThanOrEqual(10);
    for (const f of FAULT_MODES) expect(f.description.length).toBeGreaterThan(10);
    const faulty = await startEmulator({ faults: ['accept-six-tags', 'dry-run-records'] });
    try {
      expect(faulty.describe().faults).toEqual(['accept-six-tags', 'dry-run-records']);
    } finally {
      await faulty.close();
    }
  });
});

describe('concurrency', () => {
  test('50 concurrent identical requests produce one record and one MeteringRecordId', async () => {
    const me = caller();
    const input = meterInput({ UsageAllocations: [{ AllocatedUsageQuantity: 3, Tags: [{ Key: 'team', Value: 'a' }] }] });
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => target.call('MeterUsage', input, me)));
    const ids = new Set(outcomes.map((o) => (o.kind === 'success' ? o.output.MeteringRecordId : errorType(o))));
    expect([...ids]).toHaveLength(1);
    expect([...ids][0]).toMatch(UUID);
    expect(await ledger(me.credentials.accessKeyId)).toHaveLength(1);
  });

  test('concurrent requests with the same key and different quantities: exactly one wins', async () => {
    const me = caller();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => target.call('MeterUsage', meterInput({ UsageQuantity: i }), me)));
    expect(outcomes.filter((o) => o.kind === 'success')).toHaveLength(1);
    expect(outcomes.filter((o) => errorType(o) === 'DuplicateRequestException')).toHaveLength(19);
    expect(await ledger(me.credentials.accessKeyId)).toHaveLength(1);
  });
});

describe('robustness: whatever arrives, no 500 and no crash', () => {
  const jsonish = fc.oneof(
    fc.json(),
    fc.string(),
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    fc.record({ ProductCode: fc.anything(), UsageDimension: fc.anything(), Timestamp: fc.anything(), UsageQuantity: fc.anything(), UsageAllocations: fc.anything() }).map((o) => {
      try {
        return JSON.stringify(o) ?? '';
      } catch {
        return '';
      }
    }),
  );

  test('random bodies, targets, content types and methods', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonish,
        fc.constantFrom('MeterUsage', 'BatchMeterUsage', 'RegisterUsage', 'ResolveCustomer', 'Nope', ''),
        fc.constantFrom('application/x-amz-json-1.1', 'application/json', 'text/plain; charset=utf-8', ''),
        fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT'),
        fc.boolean(),
        async (body, operation, contentType, method, sign) => {
          const outcome = await target.send({ operation, body, method, sign, headers: { 'content-type': contentType } }, caller());
          expect(outcome.status).toBeGreaterThanOrEqual(200);
          expect(outcome.status).toBeLessThan(500);
          expect(outcome.requestId).toMatch(UUID);
        },
      ),
      { numRuns: 150, seed: 4242 },
    );
  });

  test('bytes that are not HTTP get a 4xx or a closed connection, and the emulator keeps serving', async () => {
    // Each is answered (emulator/server.ts clientError), with the status for its kind of garbage:
    // a server that closed without an answer, or gave a 5xx, fails here.
    const garbage: [Buffer, RegExp][] = [
      [Buffer.from('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/],
      [Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/],
      [Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/],
      [Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]), /^HTTP\/1\.1 400 Bad Request\r\n/],
    ];
    for (const [bytes, status] of garbage) {
      const answer = await rawExchange(bytes);
      expect(answer, bytes.subarray(0, 40).toString('latin1')).toMatch(status);
      expect(answer).toMatch(/\r\nx-amzn-RequestId: [0-9a-f-]{36}\r\n/);
    }
    expect((await target.call('MeterUsage', meterInput(), caller())).status).toBe(200);
  });
});
