// The raw driver: awsJson1.1 over undici with a keep-alive pool, SigV4 by
// core/sigv4.ts. It can also put deliberately malformed requests on the wire.
import { errors as undiciErrors, type Dispatcher } from 'undici';
import type { Reach, TargetDescription } from '../core/description.js';
import { isRealServiceHost, realServiceRefusal } from './guard.js';
import { dispatcherFor } from './reach.js';
import {
  TargetError,
  type CallOptions,
  type Credentials,
  type Exchange,
  type Operation,
  type OperationInput,
  type Outcome,
  type RawCapableTarget,
  type RawRequest,
} from './types.js';
import { signedHeaders } from '../core/sigv4.js';
import { JSON_CONTENT_TYPE, SIGNING_NAME, TARGET_PREFIX, THROTTLING_ERRORS, encodeInput, errorMessageOf, errorTypeOf } from '../core/wire.js';

export interface RawTargetOptions {
  endpoint: string;
  region: string;
  credentials: Credentials;
  /** Target clock minus local clock: requests are signed with the target's time. */
  clockOffsetMs?: number;
  /** Time limits per attempt, in milliseconds. */
  timeouts?: { connect?: number; headers?: number; body?: number; total?: number };
  /** Attempts in all for a transient answer (throttling, 5xx), as in the SDKs' standard mode. */
  maxAttempts?: number;
  /** Base of the jittered exponential backoff between attempts, in milliseconds. */
  retryBaseMs?: number;
  /** Larger response bodies are a harness error, not something to buffer. */
  maxResponseBytes?: number;
  /** Keep-alive connections to the target. */
  connections?: number;
  /** Hosts of the real service are refused unless this is set (then wrap with dryRunOnly). */
  allowRealService?: boolean;
  /** A proxy, a private certificate authority (target/reach.ts). */
  reach?: Reach;
}

const DEFAULTS = {
  // `body` is the longest pause between chunks; `total` bounds a target that drips bytes.
  timeouts: { connect: 5_000, headers: 10_000, body: 10_000, total: 30_000 },
  maxAttempts: 3,
  retryBaseMs: 50,
  maxResponseBytes: 1 << 20,
  connections: 32,
};
/** Stored in exchanges and counterexamples: enough to read, bounded in size. */
const RECORDED_BODY_LIMIT = 64 * 1024;

export function rawTargetFor(description: TargetDescription, options: Partial<RawTargetOptions> = {}): RawCapableTarget & { readonly endpoint: string } {
  return createRawTarget({ endpoint: description.endpoint, region: description.region, credentials: description.credentials, ...(description.reach ? { reach: description.reach } : {}), ...options });
}

export function createRawTarget(options: RawTargetOptions): RawCapableTarget & { readonly endpoint: string } {
  const url = new URL(options.endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetError(`endpoint ${options.endpoint} must be an http or https URL`);
  if (isRealServiceHost(url.hostname) && !options.allowRealService) throw new TargetError(realServiceRefusal(url.host));
  const origin = url.origin;
  const basePath = url.pathname.replace(/\/+$/, '') || '';
  // A shorter total limit also shortens the phases within it.
  const total = options.timeouts?.total ?? DEFAULTS.timeouts.total;
  const timeouts = {
    connect: Math.min(DEFAULTS.timeouts.connect, total),
    headers: Math.min(DEFAULTS.timeouts.headers, total),
    body: Math.min(DEFAULTS.timeouts.body, total),
    ...options.timeouts,
    total,
  };
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const retryBaseMs = options.retryBaseMs ?? DEFAULTS.retryBaseMs;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
  const pool = dispatcherFor(origin, options.reach, {
    connections: options.connections ?? DEFAULTS.connections,
    connectTimeout: timeouts.connect,
    headersTimeout: timeouts.headers,
    bodyTimeout: timeouts.body,
    keepAliveTimeout: 10_000,
  });
  function buildHeaders(request: RawRequest, callOptions: CallOptions | undefined, body: Buffer): Record<string, string> {
    const path = request.path ?? (basePath || '/');
    const headers: Record<string, string> = {
      host: url.host,
      'content-type': JSON_CONTENT_TYPE,
      'content-length': String(body.length),
    };
    if (request.operation !== undefined) headers['x-amz-target'] = `${TARGET_PREFIX}.${request.operation}`;
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (value === null) delete headers[name.toLowerCase()];
      else headers[name.toLowerCase()] = value;
    }
    if (request.sign === false) return headers;
    const base = callOptions?.credentials ?? options.credentials;
    const o = request.signing ?? {};
    const credentials: Credentials = {
      accessKeyId: o.accessKeyId ?? base.accessKeyId,
      secretAccessKey: o.secretAccessKey ?? base.secretAccessKey,
      ...(base.sessionToken ? { sessionToken: base.sessionToken } : {}),
    };
    const date = o.date ?? new Date(Date.now() + (options.clockOffsetMs ?? 0));
    const { 'content-length': _unsigned, ...toSign } = headers;
    return { ...signedHeaders({ method: request.method ?? 'POST', path, headers: toSign, body, credentials, region: o.region ?? callOptions?.region ?? options.region, service: o.service ?? SIGNING_NAME, date }), 'content-length': String(body.length) };
  }

  async function attempt(request: RawRequest, headers: Record<string, string>, body: Buffer, attemptNo: number): Promise<Outcome> {
    const method = request.method ?? 'POST';
    const path = request.path ?? (basePath || '/');
    const startedAtMs = Date.now();
    const exchange: Exchange = {
      request: {
        method,
        url: `${origin}${path}`,
        headers: redactHeaders(headers),
        body: body.subarray(0, RECORDED_BODY_LIMIT).toString('utf8'),
      },
      startedAtMs,
      attempt: attemptNo,
    };
    let statusCode: number;
    let responseHeaders: Record<string, string>;
    let text: string;
    try {
      ({ statusCode, headers: responseHeaders, text } = await exchangeOnce(pool, origin, { method, path, headers, body }, timeouts.total, maxResponseBytes));
    } catch (error) {
      exchange.durationMs = Date.now() - startedAtMs;
      throw new TargetError(describeTransportError(error, timeouts), exchange, isConnectionReset(error));
    }
    exchange.durationMs = Date.now() - startedAtMs;
    exchange.response = { status: statusCode, headers: responseHeaders, body: text.slice(0, RECORDED_BODY_LIMIT) };
    const requestId = responseHeaders['x-amzn-requestid'];
    const base = { status: statusCode, headers: responseHeaders, retries: 0, exchange, ...(requestId ? { requestId } : {}) };
    if (statusCode >= 200 && statusCode < 300) {
      if (text.trim() === '') throw new TargetError(`answered HTTP ${statusCode} with an empty body; expected a JSON object`, exchange);
      const output = parseJsonObject(text);
      if (output === undefined) throw new TargetError(`answered HTTP ${statusCode} with a body that is not a JSON object: ${preview(text)}`, exchange);
      return { kind: 'success', ...base, output };
    }
    const errorBody = text.trim() === '' ? undefined : parseJsonObject(text);
    const message = errorMessageOf(errorBody);
    return {
      kind: 'error',
      ...base,
      errorType: errorTypeOf(responseHeaders, errorBody),
      ...(message !== undefined ? { message } : {}),
      ...(errorBody !== undefined ? { body: errorBody } : { body: preview(text) }),
    };
  }

  async function send(request: RawRequest, callOptions?: CallOptions): Promise<Outcome> {
    const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
    const attempts = callOptions?.singleAttempt ? 1 : maxAttempts;
    const signedRegion = request.signing?.region ?? callOptions?.region;
    let retries = 0;
    // Retried attempts, kept with the final one for transcripts.
    const earlier: Exchange[] = [];
    const withEarlier = (exchange: Exchange | undefined) => {
      if (exchange !== undefined && earlier.length > 0) exchange.earlierAttempts = [...earlier];
    };
    for (let attemptNo = 1; ; attemptNo++) {
      // Re-sign each attempt: the signature date must be current.
      const headers = buildHeaders(request, callOptions, body);
      let outcome: Outcome;
      try {
        outcome = await attempt(request, headers, body, attemptNo);
        if (signedRegion !== undefined) outcome.exchange.signedRegion = signedRegion;
      } catch (error) {
        if (error instanceof TargetError && error.exchange) error.exchange.error ??= error.message;
        // A connection reset before any answer is transient in the SDKs' standard retry mode
        // (a keep-alive socket the target closed as the request went out); a timeout is not.
        if (!(error instanceof TargetError && error.transient) || attemptNo >= attempts) {
          if (error instanceof TargetError) withEarlier(error.exchange);
          throw error;
        }
        if (error.exchange) earlier.push(error.exchange);
        retries++;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * retryBaseMs * 2 ** (attemptNo - 1)));
        continue;
      }
      const transient = outcome.kind === 'error' && (outcome.status >= 500 || THROTTLING_ERRORS.has(outcome.errorType));
      if (!transient || attemptNo >= attempts) withEarlier(outcome.exchange);
      if (!transient || callOptions?.singleAttempt) return { ...outcome, retries };
      if (attemptNo >= attempts) {
        if (outcome.kind === 'error' && THROTTLING_ERRORS.has(outcome.errorType)) {
          const message = `target answered ${outcome.errorType} on all ${maxAttempts} attempts`;
          outcome.exchange.error = message;
          throw new TargetError(message, outcome.exchange);
        }
        // A 5xx that retries do not clear is the target's answer, and rules judge it.
        return { ...outcome, retries };
      }
      earlier.push(outcome.exchange);
      retries++;
      const cap = retryBaseMs * 2 ** (attemptNo - 1);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
    }
  }

  return {
    driver: 'raw',
    endpoint: options.endpoint,
    call(operation: Operation, input: OperationInput, callOptions?: CallOptions) {
      return send({ operation, body: encodeInput(input) }, callOptions);
    },
    send,
    async close() {
      await pool.close();
    },
  };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'authorization') out[name] = value.replace(/Credential=[^/,\s]+/, 'Credential=<redacted>').replace(/Signature=[0-9a-f]+/i, 'Signature=<redacted>');
    else if (name === 'x-amz-security-token') out[name] = '<redacted>';
    else out[name] = value;
  }
  return out;
}

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  text: string;
}

class TotalTimeout extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * One request and its whole answer, through undici's dispatch rather than request(): no
 * response stream or abort signal per request (a run makes thousands). The answer must finish
 * within `totalMs` and stay within `limit` bytes (a declared larger length stops it at once).
 */
function exchangeOnce(pool: Dispatcher, origin: string, request: { method: string; path: string; headers: Record<string, string>; body: Buffer }, totalMs: number, limit: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let controller: { abort(reason: Error): void } | undefined;
    let failure: Error | undefined;
    const stop = (error: Error) => {
      failure ??= error;
      // Still queued in the pool: answer now; the request is aborted if it ever starts.
      if (controller) controller.abort(error);
      else settle();
    };
    const timer = setTimeout(() => stop(new TotalTimeout(`no complete answer within ${totalMs} ms`)), totalMs);
    const chunks: Buffer[] = [];
    let size = 0;
    let statusCode = 0;
    let headers: Record<string, string> = {};
    const settle = (error?: Error) => {
      clearTimeout(timer);
      if (error ?? failure) reject(failure ?? error);
      else resolve({ statusCode, headers, text: Buffer.concat(chunks, size).toString('utf8') });
    };
    pool.dispatch(
      { origin, method: request.method as 'POST', path: request.path, headers: request.headers, body: request.body },
      {
        onRequestStart(c) {
          controller = c;
          if (failure) c.abort(failure);
        },
        onResponseStart(_c, status, responseHeaders) {
          statusCode = status;
          headers = flattenHeaders(responseHeaders as Record<string, string | string[] | undefined>);
          const declared = headers['content-length'];
          if (declared !== undefined && Number(declared) > limit) stop(new ResponseTooLarge(limit));
        },
        onResponseData(_c, chunk) {
          size += chunk.length;
          if (size > limit) stop(new ResponseTooLarge(limit));
          else chunks.push(chunk);
        },
        onResponseEnd() {
          settle();
        },
        onResponseError(_c, error) {
          settle(error);
        },
      },
    );
  });
}

class ResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
  }
}

function isConnectionReset(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

function describeTransportError(error: unknown, timeouts: Required<NonNullable<RawTargetOptions['timeouts']>>): string {
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') return `did not finish answering within ${timeouts.total} ms`;
  if (error instanceof ResponseTooLarge) return `answered with a body larger than ${error.limit} bytes; stopped reading`;
  if (error instanceof undiciErrors.ConnectTimeoutError) return `could not connect within ${timeouts.connect} ms`;
  if (error instanceof undiciErrors.HeadersTimeoutError) return `sent no response headers within ${timeouts.headers} ms`;
  if (error instanceof undiciErrors.BodyTimeoutError) return `stalled for more than ${timeouts.body} ms while sending the response body`;
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'refused the connection (is the target running?)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'closed or reset the connection before answering';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name does not resolve';
  return `transport error: ${(error as Error).message ?? String(error)}`;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}
