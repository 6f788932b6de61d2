// The control API under CONTROL_PREFIX: describe, reset, clock, ledger, tokens, throttle. Suites use it when the
// target declares the matching capabilities. describe and public-key are open to anyone; every
// other control request is its owner's only (guardControl): a Host that is an IP literal,
// localhost or an allowed name (no DNS rebinding), no foreign Origin, a bearer token when the
// emulator listens beyond loopback, and for a POST the control header with a JSON Content-Type
// (so a browser must preflight it, and a web page cannot send it).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { CONTROL_HEADER, type TargetCapabilities, type TargetFixtures } from '../core/description.js';
import type { Clock } from './clock.js';
import { ServiceError } from './errors.js';
import type { Answer } from './http-io.js';
import { DEFAULT_TOKEN_TTL_SECONDS, type IssuedTokens } from './issued-tokens.js';
import type { Ledger } from './ledger.js';
import { MAX_THROTTLED_CALLERS, MAX_THROTTLED_REQUESTS, type Throttles } from './throttles.js';

export interface EmulatorDescription {
  region: string;
  /** Service model label, e.g. "2016-01-14 (model latest)". */
  model: string;
  fixtures: TargetFixtures;
  capabilities: TargetCapabilities;
  clock: { nowMs: number };
  faults: string[];
  /** Service requests answered since start. */
  stats: { requests: number };
}

export const EMULATOR_CAPABILITIES: TargetCapabilities = {
  callerIsolation: true,
  clockControl: true,
  reset: true,
  ledgerRead: true,
  tokenIssue: true,
  throttle: true,
};

/** Who may use the state-reading and state-changing control endpoints. */
export interface ControlAccess {
  /** Why the control API is off (listening beyond loopback without a token); undefined when on. */
  disabled?: string;
  /** When set, control requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Host names (lower case) a control request may name in Host, besides IP literals and localhost. */
  allowedHosts: ReadonlySet<string>;
}

export interface ControlState {
  control: ControlAccess;
  /** The caller an access key id is: itself, or the one caller of a shared ledger. */
  callerOf(accessKeyId: string): string;
  clock: Clock;
  ledger: Ledger;
  /** Customers and products a registration token can be issued for. */
  fixtures: TargetFixtures;
  /** Registration tokens issued through POST /tokens. */
  issuedTokens: IssuedTokens;
  /** Callers throttled through POST /throttle. */
  throttles: Throttles;
  describe(): EmulatorDescription;
  /** RegisterUsage verification key: { pem, jwk }. */
  publicKey(): unknown;
}

export interface ControlRequest {
  method: string;
  /** Path below CONTROL_PREFIX, e.g. "/describe". */
  route: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const badRequest = (message: string) => new ServiceError('InvalidControlRequestException', message);

/** The JSON object of a control request's body; anything else is a 400 with `usage`. */
function jsonObject(body: Buffer, usage: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest(usage);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw badRequest(usage);
  return doc as Record<string, unknown>;
}

interface ClockChange {
  set?: number;
  advance?: number;
  caller?: string;
}

function parseClockBody(body: Buffer): ClockChange {
  const usage = 'POST /clock needs a JSON body {"set": <epoch seconds>} or {"advance": <seconds>}, optionally with "caller": <access key id>';
  const change = jsonObject(body, usage);
  const keys = Object.keys(change);
  const moves = keys.filter((k) => k === 'set' || k === 'advance');
  if (moves.length !== 1 || keys.some((k) => k !== moves[0] && k !== 'caller')) throw badRequest(usage);
  const value = change[moves[0]];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(`"${moves[0]}" must be a finite number of seconds`);
  if (change.caller !== undefined && (typeof change.caller !== 'string' || change.caller === '')) throw badRequest('"caller" must be a non-empty access key id');
  return { [moves[0]]: value, ...(change.caller !== undefined ? { caller: change.caller as string } : {}) };
}

interface TokenRequest {
  customer: string;
  product: string;
  ttlSeconds: number;
  caller?: string;
}

/** Longest lifetime a token can be issued with: a year is more than any test waits. */
const MAX_TOKEN_TTL_SECONDS = 366 * 24 * 3600;

function parseTokenBody(body: Buffer, fixtures: TargetFixtures): TokenRequest {
  const usage =
    'POST /tokens needs a JSON body {"customer": <CustomerAWSAccountId of a fixture customer>, "product": <its product code>}, optionally with "ttlSeconds": <lifetime in seconds> and "caller": <access key id whose clock dates it>';
  const fields = jsonObject(body, usage);
  if (Object.keys(fields).some((k) => !['customer', 'product', 'ttlSeconds', 'caller'].includes(k))) throw badRequest(usage);
  const { customer, product, ttlSeconds, caller } = fields;
  if (typeof customer !== 'string' || customer === '' || typeof product !== 'string' || product === '') throw badRequest(usage);
  if (ttlSeconds !== undefined && (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TOKEN_TTL_SECONDS)) {
    throw badRequest(`"ttlSeconds" must be a number of seconds above 0 and at most ${MAX_TOKEN_TTL_SECONDS}`);
  }
  if (caller !== undefined && (typeof caller !== 'string' || caller === '')) throw badRequest('"caller" must be a non-empty access key id');
  if (!fixtures.customers.some((c) => c.accountId === customer && c.productCode === product)) {
    throw badRequest(`no customer ${JSON.stringify(customer)} of product ${JSON.stringify(product)} in the fixtures`);
  }
  return { customer, product, ttlSeconds: (ttlSeconds as number | undefined) ?? DEFAULT_TOKEN_TTL_SECONDS, ...(caller !== undefined ? { caller: caller as string } : {}) };
}

function parseThrottleBody(body: Buffer): { caller: string; requests: number } {
  const usage = `POST /throttle needs a JSON body {"caller": <access key id>}, optionally with "requests": <how many of its next requests, 1 to ${MAX_THROTTLED_REQUESTS}, default 1>`;
  const fields = jsonObject(body, usage);
  if (Object.keys(fields).some((k) => k !== 'caller' && k !== 'requests')) throw badRequest(usage);
  const { caller, requests = 1 } = fields;
  if (typeof caller !== 'string' || caller === '') throw badRequest(usage);
  if (typeof requests !== 'number' || !Number.isInteger(requests) || requests < 1 || requests > MAX_THROTTLED_REQUESTS) throw badRequest(usage);
  return { caller, requests };
}

/** The clock stays within the years 2000..2100: enough for any test, and no date-format surprises. */
const EARLIEST_CLOCK_MS = Date.UTC(2000, 0, 1);
const LATEST_CLOCK_MS = Date.UTC(2101, 0, 1) - 1000;

const ROUTES: Record<string, string> = { '/describe': 'GET', '/reset': 'POST', '/clock': 'POST', '/ledger': 'GET', '/public-key': 'GET', '/tokens': 'POST', '/throttle': 'POST' };
/** Routes anyone may read: they publish nothing the owner keeps to itself. */
const OPEN_ROUTES = new Set(['/describe', '/public-key']);

const forbidden = (message: string) => new ServiceError('AccessDeniedException', message, 403);

// host[:port], where host is a name, an IPv4 literal or a bracketed IPv6 literal.
const HOST_HEADER = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::\d{1,5})?$/i;

/** The host name of a Host header (brackets stripped, lower case), or undefined when it is not one. */
function hostNameOf(host: string): string | undefined {
  const match = HOST_HEADER.exec(host);
  if (!match) return undefined;
  return (match[1] ?? match[2]).toLowerCase();
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).origin === new URL(`http://${host}`).origin;
  } catch {
    return false;
  }
}

/** Refuses a control request that is not its owner's (throws ServiceError 401/403/415). */
function guardControl(request: ControlRequest, access: ControlAccess): void {
  if (access.disabled !== undefined) throw forbidden(`control API disabled: ${access.disabled}`);
  const host = request.headers.host ?? '';
  const name = hostNameOf(host);
  if (name === undefined || !(isIP(name) !== 0 || name === 'localhost' || access.allowedHosts.has(name))) {
    throw forbidden(
      `control requests must name the emulator by an IP address or localhost in Host, not ${JSON.stringify(host.slice(0, 100))} (serve --allowed-host NAME allows another name)`,
    );
  }
  if (access.token !== undefined) {
    const given = request.headers.authorization ?? '';
    if (!timingSafeEqual(digest(given), digest(`Bearer ${access.token}`))) {
      throw new ServiceError('UnauthorizedException', 'control requests need Authorization: Bearer <the --control-token the emulator was started with>', 401, {
        'WWW-Authenticate': 'Bearer realm="metering-conformance control"',
      });
    }
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, host)) {
    throw forbidden(`control requests from another origin (${JSON.stringify(origin.slice(0, 100))}) are refused`);
  }
  if (request.method === 'GET' || request.method === 'HEAD') return;
  if (request.headers[CONTROL_HEADER] !== '1') throw forbidden(`control requests that change state need the header ${CONTROL_HEADER}: 1`);
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.!#$&^_-]+\+json$/.test(mediaType)) {
    throw new ServiceError('UnsupportedMediaTypeException', `control requests that change state need Content-Type: application/json, not ${JSON.stringify(request.headers['content-type'] ?? '')}`, 415);
  }
}

/** The caller a control request names (the whole target when it names none). */
const callerNamed = (state: ControlState, accessKeyId: string | undefined) => (accessKeyId === undefined ? undefined : state.callerOf(accessKeyId));

/** Handles one control request; throws ServiceError for a bad one. */
export function handleControl(request: ControlRequest, state: ControlState): Answer {
  const method = ROUTES[request.route];
  if (method === undefined) {
    throw new ServiceError('NotFoundException', `No control endpoint ${request.route}; available: ${Object.keys(ROUTES).join(', ')}`, 404);
  }
  if (request.method !== method) {
    throw new ServiceError('MethodNotAllowedException', `${request.route} accepts ${method} only`, 405, { Allow: method });
  }
  if (!OPEN_ROUTES.has(request.route)) guardControl(request, state.control);
  switch (request.route) {
    case '/describe':
      return { status: 200, body: state.describe() };
    case '/reset':
      state.ledger.reset();
      state.clock.reset();
      state.issuedTokens.reset();
      state.throttles.reset();
      return { status: 200, body: { reset: true, nowMs: state.clock.now() } };
    case '/clock': {
      const change = parseClockBody(request.body);
      const caller = callerNamed(state, change.caller);
      const target = change.set !== undefined ? change.set * 1000 : state.clock.now(caller) + change.advance! * 1000;
      if (!(target >= EARLIEST_CLOCK_MS && target <= LATEST_CLOCK_MS)) throw badRequest('the clock must stay between 2000-01-01 and 2100-12-31 (UTC)');
      state.clock.set(target, caller);
      return { status: 200, body: { nowMs: state.clock.now(caller) } };
    }
    case '/public-key':
      return { status: 200, body: state.publicKey() };
    case '/tokens': {
      const wanted = parseTokenBody(request.body, state.fixtures);
      const issued = state.issuedTokens.issue(wanted.customer, wanted.product, state.clock.now(callerNamed(state, wanted.caller)), wanted.ttlSeconds);
      return {
        status: 200,
        body: { token: issued.token, customer: issued.customerAccountId, product: issued.productCode, issuedAtMs: issued.issuedAtMs, expiresAtMs: issued.expiresAtMs },
      };
    }
    case '/throttle': {
      const { caller, requests } = parseThrottleBody(request.body);
      if (!state.throttles.throttle(state.callerOf(caller), requests)) throw new ServiceError('LimitExceededException', `at most ${MAX_THROTTLED_CALLERS} callers can be throttled at once; reset lifts them`, 429);
      return { status: 200, body: { caller, requests } };
    }
    default: {
      return { status: 200, body: { records: state.ledger.records(callerNamed(state, request.query.get('caller') ?? undefined)) } };
    }
  }
}
