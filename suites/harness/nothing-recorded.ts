// Whether a MeterUsage request the target rejected recorded anything, judged on whatever ledger
// the property run stands on (a clean one, or a key another property run holds).
import type { MeterUsageInput } from '../../generators/index.js';
import type { SuccessOutcome } from '../../target/types.js';
import { expectSuccess, fail } from './expect.js';
import type { PropertyRun } from './rule.js';

/**
 * On a key free for this run, a request for the same hour with `otherQuantity` is accepted: a
 * record of the rejected request would make it a duplicate. On a key another property run holds
 * (a target without a clean ledger), the rejected request could not have made a record, and the
 * one there is checked unchanged instead: the request that made it is answered with its id.
 * `what` says what the success shows, as expected.
 */
export async function expectNothingRecorded(run: PropertyRun, request: MeterUsageInput, otherQuantity: number, what: string): Promise<SuccessOutcome> {
  const held = run.heldElsewhere({ ...request });
  if (held === undefined) {
    const later = await run.call('MeterUsage', { ...request, UsageQuantity: otherQuantity });
    expectSuccess(later, what);
    return later;
  }
  const unchanged = `${what}; the hour's record here is another property run's, so: that record still answered with its MeteringRecordId ${held.id}`;
  const again = await run.call('MeterUsage', held.request);
  expectSuccess(again, unchanged);
  if (again.output.MeteringRecordId !== held.id) fail(unchanged, again);
  return again;
}
