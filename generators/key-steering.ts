// Which duplicate keys already hold a record, for the generators that can steer a draw to a
// free key of the same kind. A run on a target without a clean ledger sets it (the harness's
// run-wide ledger, suites/harness/run-ledger.ts): its keys are few, and a request on a taken
// one judges nothing. Everywhere else nothing is taken and every draw is as the seed makes it.
import { canonicalAllocations } from './allocations.js';
import type { UsageAllocation } from './inputs.js';

export interface TakenKeys {
  meterUsage(productCode: string, dimension: string, hourMs: number): boolean;
  /**
   * Whether the MeterUsage key holds a record of this payload (meterUsagePayload): a request of
   * it is then answered as that record, as on a clean ledger it would be answered as its own.
   */
  meterUsageHolds(productCode: string, dimension: string, hourMs: number, payload: string): boolean;
  /** Whether the MeterUsage key holds a record whose request is known: a rule can judge on it without a fresh key. */
  meterUsageHeld(productCode: string, dimension: string, hourMs: number): boolean;
  batchRecord(accountId: string, dimension: string, hourMs: number): boolean;
}

/** What makes two MeterUsage requests of one key the same record: the quantity (0 when omitted) and the allocations, in any order. */
export function meterUsagePayload(quantity: number | undefined, allocations: UsageAllocation[] | undefined): string {
  return JSON.stringify([quantity ?? 0, canonicalAllocations(allocations)]);
}

const NOTHING_TAKEN: TakenKeys = { meterUsage: () => false, meterUsageHolds: () => false, meterUsageHeld: () => false, batchRecord: () => false };
let taken: TakenKeys = NOTHING_TAKEN;

/** Draws from now on avoid the keys `keys` reports taken (undefined: none is). */
export function steerDrawsAround(keys: TakenKeys | undefined): void {
  taken = keys ?? NOTHING_TAKEN;
}

export function takenKeys(): TakenKeys {
  return taken;
}

/** Records of a batch whose size a rule leaves open, where keys are few: every record takes one. */
const FEW_KEYS_MAX_RECORDS = 4;

/** The most records a batch of open size gets: `limit` (the model's, or a rule's room), or fewer while draws are steered. */
export function openBatchSize(limit: number): number {
  return taken === NOTHING_TAKEN ? limit : Math.min(limit, FEW_KEYS_MAX_RECORDS);
}

/**
 * The first of `count` candidates, from `start` round, that `isFree` accepts; `start` itself
 * when none does (the draw is then sent as drawn, and meets a record).
 */
export function firstFree(start: number, count: number, isFree: (index: number) => boolean): number {
  for (let step = 0; step < count; step++) {
    const index = (start + step) % count;
    if (isFree(index)) return index;
  }
  return start;
}
