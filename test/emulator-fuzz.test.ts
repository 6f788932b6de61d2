// Fuzzing the reference emulator's HTTP front with fast-check: random methods, request
// targets, headers and bodies, over raw TCP (anything HTTP/1.1 can frame) and through the
// raw driver (signed, so requests reach the operation handlers). The emulator must answer
// every request, never with 500 outside a fault mode, never log an unexpected error, and
// its heap must stay bounded over many requests.
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { validInput } from '../generators/arbitraries.js';
import { loadModel } from '../core/model.js';
import { CONTROL_PREFIX, TEST_CREDENTIALS } from '../core/description.js';
import { createRawTarget } from '../target/raw-driver.js';
import { OPERATIONS, type RawCapableTarget } from '../target/types.js';
import { encodeInput } from '../core/wire.js';

const model = loadModel();
const ANSWER_WITHIN_MS = 10_000;

interface WireAnswer {
  /** Final status (after any 100 Continue), or undefined when the server closed without one. */
  status?: number;
  timedOut: boolean;
}

/** Sends bytes on a fresh connection and reads until the server closes it. */
function exchange(port: number, bytes: Buffer): Promise<WireAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ timedOut: true });
    }, ANSWER_WITHIN_MS);
    socket.on('data', (chunk: Buffer) => {
      // Only the head matters; keep a bounded prefix.
      if (size < 64 * 1024) chunks.push(chunk);
      size += chunk.length;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((m) => Number(m[1])).filter((s) => s >= 200);
      resolve({ ...(statuses.length ? { status: statuses[0] } : {}), timedOut: false });
    });
    socket.end(bytes);
  });
}

const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}$/);
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,80}$/),
  fc.constantFrom(
    'application/x-amz-json-1.1',
    'application/x-amz-json-1.1; charset=utf-8',
    'application/json',
    '100-continue',
    'chunked',
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000',
    'AWS4-HMAC-SHA256 Credential=%/x, Signature=',
    '20260101T000000Z',
    ...OPERATIONS.map((op) => `AWSMPMeteringService.${op}`),
    'AWSMPMeteringService.',
    'AWSMPMeteringService.constructor',
    'AWSMPMeteringService.__proto__',
  ),
);
const headerName = fc.oneof(
  fc.constantFrom('content-type', 'x-amz-target', 'authorization', 'x-amz-date', 'x-amz-security-token', 'expect', 'host', 'content-encoding', 'x-amz-content-sha256', 'upgrade'),
  token,
);
const method = fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE'), token);
const requestTarget = fc.oneof(
  fc.constant('/'),
  fc.constantFrom('/describe', '/reset', '/clock', '/ledger', '/public-key', '', '/x').map((route) => `${CONTROL_PREFIX}${route}`),
  fc.stringMatching(/^\/[!-~]{0,40}$/),
  fc.stringMatching(/^[!-~]{1,40}$/),
  fc.constantFrom('*', '//', 'http://[', 'http://x:99999/', 'http://emulator/', `/?caller=${'%'}zz`, `${CONTROL_PREFIX}/ledger?caller=%ff`),
);
/** Bodies: random bytes, any JSON, and model-valid inputs of every operation (with the fixtures' product codes sometimes). */
const jsonBody = fc.oneof(
  fc.json().map((text) => Buffer.from(text)),
  fc.constantFrom(...OPERATIONS).chain((op) => validInput(model, op)).map((input) => Buffer.from(encodeInput(input))),
  fc.record({ set: fc.oneof(fc.double(), fc.integer(), fc.string()) }).map((doc) => Buffer.from(JSON.stringify(doc))),
);
const body = fc.oneof(jsonBody, fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)), fc.constant(Buffer.alloc(0)));

/** Framing headers are the fuzzer's own, so that every request is complete on the wire. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection']);

interface WireRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body: Buffer;
}

const wireRequest: fc.Arbitrary<WireRequest> = fc.record({
  method,
  target: requestTarget,
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
  body,
});

function toBytes(request: WireRequest): Buffer {
  const lines = [`${request.method} ${request.target} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of request.headers) if (!FRAMING.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${request.body.length}`, 'Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), request.body]);
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('the emulator under fuzzing', () => {
  let emulator: RunningEmulator;
  let signed: RawCapableTarget;
  const unexpected = vi.fn();

  beforeAll(async () => {
    emulator = await startEmulator();
    // No retries: a 5xx must be seen, not retried away.
    signed = createRawTarget({ endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1, timeouts: { total: ANSWER_WITHIN_MS } });
    vi.spyOn(console, 'error').mockImplementation(unexpected);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await signed?.close();
    await emulator?.close();
  });

  test('unsigned requests over raw TCP: always answered, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(wireRequest, async (request) => {
        const answer = await exchange(emulator.port, toBytes(request));
        expect(answer.timedOut, 'the emulator answered').toBe(false);
        // Node closes an Upgrade or CONNECT request without an answer when nobody handles it.
        const mayClose = request.method === 'CONNECT' || request.headers.some(([name]) => name.toLowerCase() === 'upgrade');
        if (!mayClose) expect(answer.status, 'an HTTP answer').toBeDefined();
        expect(answer.status).not.toBe(500);
      }),
      { numRuns: 400, seed: 8_001 },
    );
    expect(unexpected).not.toHaveBeenCalled();
  });

  test('garbage bytes instead of HTTP: every one answered 400, never 500 or a silent close', async () => {
    // The sender half-closes after the bytes, so even a prefix that could still become a request
    // is complete: the server's parser reports an error and the emulator's clientError handler
    // answers 400 (431 only for a head over 16 KiB, which 512 bytes cannot be). A server that
    // dropped the connection without an answer fails here.
    const statuses = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 512 }), async (bytes) => {
        const answer = await exchange(emulator.port, Buffer.from(bytes));
        expect(answer.timedOut).toBe(false);
        const key = String(answer.status ?? 'closed without an answer');
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        expect(answer.status, 'an HTTP answer').toBe(400);
      }),
      { numRuns: 200, seed: 8_002 },
    );
    expect(Object.fromEntries(statuses)).toEqual({ 400: 200 });
    expect(unexpected).not.toHaveBeenCalled();
  });

  test('signed requests with random operations, headers and bodies: never 500', async () => {
    const signedRequest = fc.record({
      operation: fc.oneof(fc.constantFrom(...OPERATIONS), token),
      body: fc.oneof(jsonBody, fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes))),
      headers: fc.dictionary(
        headerName.filter((name) => !FRAMING.has(name.toLowerCase()) && name.toLowerCase() !== 'host' && name.toLowerCase() !== 'expect' && name.toLowerCase() !== 'upgrade'),
        headerValue,
        { maxKeys: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(signedRequest, async (request) => {
        const outcome = await signed.send(request);
        expect(outcome.status, JSON.stringify(outcome.exchange.response?.body)).not.toBe(500);
      }),
      { numRuns: 400, seed: 8_003 },
    );
    expect(unexpected).not.toHaveBeenCalled();
  });

  test('the heap stays bounded over many requests', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const requests = fc.sample(wireRequest, { numRuns: 300, seed: 8_004 });
    const signedBodies = fc.sample(jsonBody, { numRuns: 300, seed: 8_005 });
    const round = async () => {
      for (const request of requests) await exchange(emulator.port, toBytes(request));
      for (const b of signedBodies) await signed.send({ operation: 'MeterUsage', body: b });
    };
    await round();
    const before = heapAfterGc(gc);
    for (let i = 0; i < 3; i++) await round();
    const growth = heapAfterGc(gc) - before;
    // 1,800 more requests; a leak of even 30 KB per request would pass 50 MB.
    expect(growth).toBeLessThan(50 * 1024 * 1024);
  });
});
