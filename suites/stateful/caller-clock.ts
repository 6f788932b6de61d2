// Sets the clock of one caller on a target with clock control (POST CONTROL_PREFIX/clock with
// "caller"), so a rule can judge a time boundary exactly without moving the clock that rules
// running at the same time, under other callers, depend on. The reference emulator serves it;
// a target that declares clockControl: true serves the same shape, and one that describes its
// own clock request has it sent instead.
import { MINUTE_MS } from '../../core/calendar.js';
import { CONTROL_PREFIX } from '../../core/description.js';
import { TargetError } from '../../target/types.js';
import type { PropertyRun, RuleContext } from '../harness/rule.js';

/** The caller's own clock on the target, as set through the control API, and when it was set. */
export interface CallerClock {
  targetMs: number;
  setAtLocalMs: number;
}

/** The caller's clock now, as the suite can tell: the target's clock has run at least this far since it was set. */
export const callerNow = (clock: CallerClock): number => clock.targetMs + (Date.now() - clock.setAtLocalMs);

/**
 * Sets the clock of `run`'s caller to `epochMs` (the target keeps it running from there). On a
 * target that describes its own clock request, the whole target's clock: runs go one at a time
 * there (needs.ts), and the run sets it back after (RuleContext.onCleanLedger).
 */
export async function setCallerClock(ctx: RuleContext, run: PropertyRun, epochMs: number): Promise<CallerClock> {
  const described = ctx.description.capabilities.clockControl;
  if (typeof described === 'object') {
    run.targetClockMoved = true;
    const { status, text } = await ctx.control.setDescribedClock(described, epochMs, { record: (exchange) => run.record(exchange) });
    if (status < 200 || status > 299) throw new TargetError(`answered its clock request (capabilities.clockControl) with HTTP ${status} ${text.slice(0, 200)}`);
    // Its answer may say the time it set; otherwise the request is taken at its word.
    return { targetMs: answeredNowMs(text) ?? epochMs, setAtLocalMs: Date.now() };
  }
  const { status, text } = await ctx.control.post('/clock', { set: epochMs / 1000, caller: run.caller.accessKeyId }, { record: (exchange) => run.record(exchange) });
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
