// Sets the clock of one caller on a target with clock control (POST CONTROL_PREFIX/clock with
// "caller"), so a rule can judge a time boundary exactly without moving the clock that rules
// running at the same time, under other callers, depend on. The reference emulator serves it;
// a target that declares clockControl serves the same shape.
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

/** Sets the clock of `run`'s caller to `epochMs` (the target keeps it running from there). */
export async function setCallerClock(ctx: RuleContext, run: PropertyRun, epochMs: number): Promise<CallerClock> {
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
