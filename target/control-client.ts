// The control API of a target (CONTROL_PREFIX/...: clock, tokens, throttle, ledger, public key):
// one client for every control call a rule makes, with the run's time limit of a request
// (--timeout) and the control token from the environment. A call made for a property run is
// recorded with that run's exchanges (`control` set), so the transcript and the script of a
// counterexample show it; the record names the token's variable, never its value.
import { request, type Dispatcher } from 'undici';
import { controlAuthorization, CONTROL_HEADER, CONTROL_HEADERS, CONTROL_PREFIX, CONTROL_TOKEN_ENV, CONTROL_TOKEN_HINT, type DescribedRequest, type Reach } from '../core/description.js';
import { sharedDispatcher } from './reach.js';
import { TargetError, type Exchange } from './types.js';
import { describedClockAt } from './clock-request.js';

/** Time limit of one control request when the run sets none. */
const CONTROL_TIMEOUT_MS = 10_000;

/** Longest response body kept in a recorded exchange. */
const RECORDED_BODY_CHARS = 4096;

export interface ControlClientOptions {
  /** Time limit of one control request, in milliseconds (the run's --timeout); default CONTROL_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Where the control token is read from (CONTROL_TOKEN_ENV); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** A proxy, a private certificate authority (target/reach.ts), as for the target's service requests. */
  reach?: Reach;
}

export interface ControlCallOptions {
  /** Takes the exchange before it is sent (completed once it ends), e.g. a property run's record(). */
  record?: (exchange: Exchange) => void;
  /** How messages name the call; default `METHOD CONTROL_PREFIX/route` (without the query). */
  name?: string;
  /**
   * A route open to anyone (describe, public-key): sent without the token, and an HTTP 401 is
   * an answer like any other instead of the hint where the token goes.
   */
  open?: boolean;
}

/** The status and body text of a control answer. */
export interface ControlAnswer {
  status: number;
  text: string;
}

export class ControlClient {
  readonly base: string;
  /** The endpoint's origin, where a described request's path goes. */
  private readonly origin: string;
  readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly dispatcher: Dispatcher | undefined;

  constructor(endpoint: string, options: ControlClientOptions = {}) {
    this.base = endpoint.replace(/\/+$/, '');
    this.origin = new URL(this.base).origin;
    this.timeoutMs = options.timeoutMs ?? CONTROL_TIMEOUT_MS;
    this.env = options.env ?? process.env;
    this.dispatcher = sharedDispatcher(this.origin, options.reach);
  }

  /** The URL of a control route (`/clock`, `/ledger?caller=...`). */
  url(route: string): string {
    return `${this.base}${CONTROL_PREFIX}${route}`;
  }

  get(route: string, options: ControlCallOptions = {}): Promise<ControlAnswer> {
    return this.send('GET', route, undefined, options);
  }

  /** POSTs `payload` as JSON. */
  post(route: string, payload: unknown, options: ControlCallOptions = {}): Promise<ControlAnswer> {
    return this.send('POST', route, JSON.stringify(payload), options);
  }

  /**
   * Sends a request target.yaml describes for another control plane (moto's POST /moto-api/reset),
   * to the endpoint's origin; `control` names it in the run's records. Its headers go as written.
   */
  described(request: DescribedRequest, control: string, options: ControlCallOptions = {}): Promise<ControlAnswer> {
    const json = typeof request.body === 'object';
    const headers = { ...(json ? { 'content-type': 'application/json' } : {}), ...Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])) };
    const body = request.body === undefined ? undefined : json ? JSON.stringify(request.body) : (request.body as string);
    const url = `${this.origin}${request.path}`;
    return this.exchange({ method: request.method, url, headers, recorded: headers, body, control, name: options.name ?? `${request.method} ${request.path}` }, options);
  }

  /**
   * Sends a clock request target.yaml describes (capabilities.clockControl), set to `epochMs`
   * (see describedClockAt); `control` is "clock".
   */
  setDescribedClock(request: DescribedRequest, epochMs: number, options: ControlCallOptions = {}): Promise<ControlAnswer> {
    return this.described(describedClockAt(request, epochMs), 'clock', options);
  }

  private send(method: 'GET' | 'POST', route: string, body: string | undefined, options: ControlCallOptions): Promise<ControlAnswer> {
    const authorization = options.open ? {} : controlAuthorization(this.env);
    // A GET reads: the control header alone. A POST changes state: the header and a JSON body.
    const headers: Record<string, string> = method === 'POST' ? { ...CONTROL_HEADERS } : { [CONTROL_HEADER]: '1' };
    const recorded = { ...headers, ...(authorization.authorization !== undefined ? { authorization: `Bearer $${CONTROL_TOKEN_ENV}` } : {}) };
    return this.exchange(
      { method, url: this.url(route), headers: { ...headers, ...authorization }, recorded, body, control: route.split('?')[0].replace(/^\//, ''), name: options.name ?? `${method} ${CONTROL_PREFIX}${route.split('?')[0]}` },
      options,
    );
  }

  private async exchange(
    call: { method: string; url: string; headers: Record<string, string>; recorded: Record<string, string>; body: string | undefined; control: string; name: string },
    options: ControlCallOptions,
  ): Promise<ControlAnswer> {
    const { method, url, headers, body, name } = call;
    const exchange: Exchange = { control: call.control, request: { method, url, headers: call.recorded, body: body ?? '' }, startedAtMs: Date.now(), attempt: 1 };
    options.record?.(exchange);
    let status: number;
    let text: string;
    try {
      const response = await request(url, {
        method: method as 'GET',
        ...(body !== undefined ? { body } : {}),
        ...(this.dispatcher !== undefined ? { dispatcher: this.dispatcher } : {}),
        headers,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.statusCode;
      text = await response.body.text();
      exchange.response = {
        status,
        headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])),
        body: text.slice(0, RECORDED_BODY_CHARS),
      };
    } catch (error) {
      exchange.error = `did not answer: ${(error as Error).message}`;
      throw new TargetError(`did not answer ${name}: ${(error as Error).message}`, options.record ? exchange : undefined);
    } finally {
      exchange.durationMs = Date.now() - exchange.startedAtMs!;
    }
    // Without the right token every control call fails alike: say what to do, not what the route wanted.
    if (status === 401 && !options.open) throw new TargetError(`answered ${name} with HTTP 401: ${CONTROL_TOKEN_HINT}`, options.record ? exchange : undefined);
    return { status, text };
  }
}
