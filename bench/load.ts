// Closed-loop load: a fixed number of requests in flight for a fixed time, after a warm-up.
import type { Pool } from 'undici';
import { TEST_CREDENTIALS } from '../core/description.js';
import { signedHeaders } from '../core/sigv4.js';
import { encodeInput, JSON_CONTENT_TYPE, SIGNING_NAME, TARGET_PREFIX } from '../core/wire.js';
import { type Operation } from '../target/types.js';

export const CONCURRENCY = 32;
export const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
export const WARM_UP_SECONDS = 2;

/** Keeps `concurrency` requests of `send` in flight for `seconds`; returns requests/second. */
export async function load(send: (i: number) => Promise<unknown>, seconds: number, concurrency = CONCURRENCY): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() < deadline; i += concurrency) {
        await send(i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/**
 * Requests/second of `send` over LOAD_SECONDS, after WARM_UP_SECONDS of `warmUp` that are not
 * counted: server and client run optimised code, as they do through most of a suite run.
 */
export async function drive(send: (i: number) => Promise<unknown>, warmUp: (i: number) => Promise<unknown> = send, concurrency = CONCURRENCY): Promise<number> {
  await load(warmUp, WARM_UP_SECONDS, concurrency);
  return load(send, LOAD_SECONDS, concurrency);
}

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

/** Requests signed up front (valid for the five minutes of SigV4 skew): a load measures the server, not the client's signing. */
export function signedRequests(origin: string, operation: Operation, inputs: Record<string, unknown>[], callerPrefix: string): SignedRequest[] {
  const host = new URL(origin).host;
  const date = new Date();
  return inputs.map((input, i) => {
    const body = encodeInput(input);
    const credentials = { accessKeyId: `${callerPrefix}${String(i % 256).padStart(6, '0')}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey };
    const headers = signedHeaders({
      method: 'POST',
      path: '/',
      headers: { host, 'content-type': JSON_CONTENT_TYPE, 'x-amz-target': `${TARGET_PREFIX}.${operation}` },
      body: Buffer.from(body),
      credentials,
      region: 'us-east-1',
      service: SIGNING_NAME,
      date,
    });
    return { headers, body };
  });
}

/** A sender of `requests` round-robin through `pool`, each answer checked by `accept`. */
export function sender(pool: Pool, requests: SignedRequest[], accept: (status: number, text: string) => boolean): (i: number) => Promise<void> {
  return async (i: number) => {
    const request = requests[i % requests.length];
    const res = await pool.request({ method: 'POST', path: '/', headers: request.headers, body: request.body });
    const text = await res.body.text();
    if (!accept(res.statusCode, text)) throw new Error(`bench: unexpected answer HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  };
}

/**
 * Drives signed requests round-robin, each answer checked by `accept`. The warm-up sends the
 * same requests from other callers: the measured requests still meet an empty ledger.
 */
export async function driveSigned(pool: Pool, sign: (callerPrefix: string) => SignedRequest[], accept: (status: number, text: string) => boolean, concurrency = CONCURRENCY): Promise<number> {
  return drive(sender(pool, sign('MCBENCH'), accept), sender(pool, sign('MCWARMUP'), accept), concurrency);
}
