// Asks a target with the throttle capability to throttle one caller's next request (POST
// CONTROL_PREFIX/throttle), so a rule can judge a throttled answer on the wire and what the call
// after it does. The reference emulator serves it; a target that declares throttle serves the
// same shape.
import { CONTROL_PREFIX } from '../../core/description.js';
import { TargetError } from '../../target/types.js';
import type { PropertyRun, RuleContext } from '../harness/rule.js';

/** Throttles the next `requests` requests of `run`'s caller, recorded with the run's exchanges. */
export async function throttleCaller(ctx: RuleContext, run: PropertyRun, requests = 1): Promise<void> {
  const wanted = { caller: run.caller.accessKeyId, requests };
  const { status, text } = await ctx.control.post('/throttle', wanted, { record: (exchange) => run.record(exchange) });
  if (status !== 200) throw new TargetError(`declares throttle but answered POST ${CONTROL_PREFIX}/throttle ${JSON.stringify(wanted)} with HTTP ${status} ${text.slice(0, 200)}`);
}
