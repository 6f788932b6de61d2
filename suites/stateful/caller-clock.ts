// Sets the clock of one caller on a target with clock control (POST CONTROL_PREFIX/clock with
// "caller"), so a rule can judge a time boundary exactly without moving the clock that rules
// running at the same time, under other callers, depend on. The reference emulator serves it;
// a target that declares clockControl serves the same shape.
import { request } from 'undici';
import { MINUTE_MS } from '../../generators/domain.js';
import { controlAuthorization, CONTROL_HEADERS, CONTROL_PREFIX, CONTROL_TOKEN_ENV, CONTROL_TOKEN_HINT } from '../../target/description.js';
import { TargetError, type Exchange } from '../../target/types.js';
import type { PropertyRun, RuleContext } from '../harness/rule.js';

/** The caller's own clock on the target, as set through the control API, and when it was set. */
export interface CallerClock {
  targetMs: number;
  setAtLocalMs: number;
}

const TIMEOUT_MS = 10_000;

/** The caller's clock now, as the suite can tell: the target's clock has run at least this far since it was set. */
export const callerNow = (clock: CallerClock): number => clock.targetMs + (Date.now() - clock.setAtLocalMs);

/**
 * POSTs a JSON body to a control route of the target (CONTROL_PREFIX + `route`), recorded with
 * the run's exchanges: the transcript and the script of a counterexample show it (the record
 * names the variable of the control token, never its value; the script reads it from there).
 * Answers the status and body text.
 */
export async function postControl(ctx: RuleContext, run: PropertyRun, route: string, payload: unknown): Promise<{ status: number; text: string }> {
  const url = `${ctx.description.endpoint.replace(/\/+$/, '')}${CONTROL_PREFIX}${route}`;
  const body = JSON.stringify(payload);
  const authorization = controlAuthorization();
  const recorded = { ...CONTROL_HEADERS, ...(authorization.authorization !== undefined ? { authorization: `Bearer $${CONTROL_TOKEN_ENV}` } : {}) };
  const exchange: Exchange = { control: route.replace(/^\//, ''), request: { method: 'POST', url, headers: recorded, body }, startedAtMs: Date.now(), attempt: 1 };
  run.record(exchange);
  let status: number;
  let text: string;
  try {
    const response = await request(url, { method: 'POST', body, headers: { ...CONTROL_HEADERS, ...authorization }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, signal: AbortSignal.timeout(TIMEOUT_MS) });
    status = response.statusCode;
    text = await response.body.text();
    exchange.response = { status, headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])), body: text.slice(0, 4096) };
  } catch (error) {
    exchange.error = `did not answer: ${(error as Error).message}`;
    throw new TargetError(`did not answer POST ${CONTROL_PREFIX}${route}: ${(error as Error).message}`, exchange);
  } finally {
    exchange.durationMs = Date.now() - exchange.startedAtMs!;
  }
  // Without the right token every control call fails alike: say what to do, not what the route wanted.
  if (status === 401) throw new TargetError(`answered POST ${CONTROL_PREFIX}${route} with HTTP 401: ${CONTROL_TOKEN_HINT}`, exchange);
  return { status, text };
}

/** Sets the clock of `run`'s caller to `epochMs` (the target keeps it running from there). */
export async function setCallerClock(ctx: RuleContext, run: PropertyRun, epochMs: number): Promise<CallerClock> {
  const { status, text } = await postControl(ctx, run, '/clock', { set: epochMs / 1000, caller: run.caller.accessKeyId });
  const nowMs = status === 200 ? answeredNowMs(text) : undefined;
  if (nowMs === undefined || Math.abs(nowMs - epochMs) > MINUTE_MS) {
    throw new TargetError(`declares clock control but answered POST ${CONTROL_PREFIX}/clock {"set", "caller"} with HTTP ${status} ${text.slice(0, 200)}`);
  }
  return { targetMs: nowMs, setAtLocalMs: Date.now() };
}

/** The "nowMs" of a clock answer, or undefined when the body is not {"nowMs": <number>}. */
function answeredNowMs(text: string): number | undefined {
  try {
    const nowMs = (JSON.parse(text) as { nowMs?: unknown } | null)?.nowMs;
    return typeof nowMs === 'number' ? nowMs : undefined;
  } catch {
    return undefined;
  }
}
