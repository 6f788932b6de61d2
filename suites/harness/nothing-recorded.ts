// Whether a MeterUsage request the target rejects records anything, judged on whatever ledger
// the property run stands on: a clean one, or a key another property run holds.
import type { MeterUsageInput } from '../../generators/index.js';
import type { SuccessOutcome } from '../../target/types.js';
import { expectSuccess, fail } from './expect.js';
import type { PropertyRun } from './rule.js';
import { KeyTaken } from './run-ledger.js';

/** Checks, once the rejected request has been answered, that it recorded nothing; `what` says what the success shows. */
export type NothingRecorded = (otherQuantity: number, what: string) => Promise<SuccessOutcome>;

/**
 * Call before sending `request` in a form the target must reject; the check it returns is
 * called after. On a key free for this run: a request for the same hour with another quantity
 * is accepted (a record of the rejected request would make it a duplicate). On a key another
 * property run holds (a target without a clean ledger), the rejected request cannot make a
 * record, but could change the one there: the request that made it is answered with its id
 * before and after. When it is not even before (the target gives an identical request another
 * id, or the record was replaced), there is nothing to compare with, and on a key kept free for
 * the rules that expect only rejections the check would use it up: the run is not judged.
 */
export async function nothingRecordedCheck(run: PropertyRun, request: MeterUsageInput): Promise<NothingRecorded> {
  // The check records a request: not on a key kept free for the rules that expect only
  // rejections. The rule's later draws keep off them, to meet another run's record instead.
  if (run.onKeptFreeKey({ ...request })) {
    run.drawOffKeptFreeKeys();
    throw new KeyTaken('the MeterUsage key is kept free for the rules that expect only rejections, and the check of nothing recorded would record on it');
  }
  const held = run.heldElsewhere({ ...request });
  if (held === undefined) {
    return async (otherQuantity, what) => {
      const later = await run.call('MeterUsage', { ...request, UsageQuantity: otherQuantity });
      expectSuccess(later, what);
      return later;
    };
  }
  await run.answeredAsBefore(held);
  return async (_otherQuantity, what) => {
    const unchanged = `${what}; the hour's record here is another property run's, so: that record still answered with its MeteringRecordId ${held.id}`;
    const again = await run.call('MeterUsage', held.request);
    expectSuccess(again, unchanged);
    if (again.output.MeteringRecordId !== held.id) fail(unchanged, again);
    return again;
  };
}
