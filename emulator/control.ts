// The control API under CONTROL_PREFIX (unauthenticated, loopback use): describe, reset,
// clock, ledger. Suites use it when the target declares the matching capabilities.
import type { TargetCapabilities, TargetFixtures } from '../target/description.js';
import type { Clock } from './clock.js';
import { ServiceError } from './errors.js';
import type { Answer } from './http-io.js';
import type { Ledger } from './ledger.js';

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
};

export interface ControlState {
  clock: Clock;
  ledger: Ledger;
  describe(): EmulatorDescription;
  /** RegisterUsage verification key: { pem, jwk }. */
  publicKey(): unknown;
}

export interface ControlRequest {
  method: string;
  /** Path below CONTROL_PREFIX, e.g. "/describe". */
  route: string;
  query: URLSearchParams;
  body: Buffer;
}

const badRequest = (message: string) => new ServiceError('InvalidControlRequestException', message);

interface ClockChange {
  set?: number;
  advance?: number;
  caller?: string;
}

function parseClockBody(body: Buffer): ClockChange {
  const usage = 'POST /clock needs a JSON body {"set": <epoch seconds>} or {"advance": <seconds>}, optionally with "caller": <access key id>';
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest(usage);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw badRequest(usage);
  const change = doc as Record<string, unknown>;
  const keys = Object.keys(change);
  const moves = keys.filter((k) => k === 'set' || k === 'advance');
  if (moves.length !== 1 || keys.some((k) => k !== moves[0] && k !== 'caller')) throw badRequest(usage);
  const value = change[moves[0]];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(`"${moves[0]}" must be a finite number of seconds`);
  if (change.caller !== undefined && (typeof change.caller !== 'string' || change.caller === '')) throw badRequest('"caller" must be a non-empty access key id');
  return { [moves[0]]: value, ...(change.caller !== undefined ? { caller: change.caller as string } : {}) };
}

/** The clock stays within years 1970..9999, where every date format used in answers works. */
const LATEST_CLOCK_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

const ROUTES: Record<string, string> = { '/describe': 'GET', '/reset': 'POST', '/clock': 'POST', '/ledger': 'GET', '/public-key': 'GET' };

/** Handles one control request; throws ServiceError for a bad one. */
export function handleControl(request: ControlRequest, state: ControlState): Answer {
  const method = ROUTES[request.route];
  if (method === undefined) {
    throw new ServiceError('NotFoundException', `No control endpoint ${request.route}; available: ${Object.keys(ROUTES).join(', ')}`, 404);
  }
  if (request.method !== method) {
    throw new ServiceError('MethodNotAllowedException', `${request.route} accepts ${method} only`, 405, { Allow: method });
  }
  switch (request.route) {
    case '/describe':
      return { status: 200, body: state.describe() };
    case '/reset':
      state.ledger.reset();
      state.clock.reset();
      return { status: 200, body: { reset: true, nowMs: state.clock.now() } };
    case '/clock': {
      const change = parseClockBody(request.body);
      const target = change.set !== undefined ? change.set * 1000 : state.clock.now(change.caller) + change.advance! * 1000;
      if (target < 0 || target > LATEST_CLOCK_MS) throw badRequest('the clock must stay between 1970-01-01 and 9999-12-31');
      state.clock.set(target, change.caller);
      return { status: 200, body: { nowMs: state.clock.now(change.caller) } };
    }
    case '/public-key':
      return { status: 200, body: state.publicKey() };
    default: {
      const caller = request.query.get('caller') ?? undefined;
      return { status: 200, body: { records: state.ledger.records(caller) } };
    }
  }
}
