// Requests shared by the idempotency, stateful and concurrency suites: MeterUsage requests
// dated where every reading of the documents accepts them (at most an hour old, and in the
// current month, since a month boundary is implementation-defined for MeterUsage,
// semantics §5 items 1 and 3), and the order-insensitive comparisons the ledger model uses.
import fc from 'fast-check';
import { HOUR_MS, instantBetween, meterUsageHasMember, MINUTE_MS, SECOND_MS, validMeterUsage, type MeterUsageInput, type UsageAllocation } from '../../generators/domain.js';
import type { ServiceModel } from '../../generators/model.js';
import type { TargetFixtures } from '../../target/description.js';

// The suites take their time units from here, with the rest of their request helpers.

export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The instants every reading accepts for MeterUsage at `nowMs`: [from, to] in epoch ms. */
export function acceptedRange(nowMs: number): { from: number; to: number } {
  const from = Math.max(nowMs - HOUR_MS + MINUTE_MS, monthStart(nowMs));
  return { from, to: Math.max(from, nowMs - SECOND_MS) };
}

function recentInstant(nowMs: number): fc.Arbitrary<Date> {
  const { from, to } = acceptedRange(nowMs);
  return instantBetween(from, to);
}

/** Hour starts of the hours that overlap the accepted range. */
function acceptedHours(nowMs: number): number[] {
  const { from, to } = acceptedRange(nowMs);
  const hours: number[] = [];
  for (let h = hourStart(from); h <= to; h += HOUR_MS) hours.push(h);
  return hours;
}

/** Two distinct instants of one hour inside the accepted range. */
export function sameHourPair(nowMs: number): fc.Arbitrary<[Date, Date]> {
  const { from, to } = acceptedRange(nowMs);
  const spans = acceptedHours(nowMs)
    .map((h) => ({ lo: Math.max(from, h), hi: Math.min(to, h + HOUR_MS - 1) }))
    .filter((s) => s.hi > s.lo);
  // Only in the first second of a month is the range a single instant.
  if (spans.length === 0) throw new Error(`no two instants of one hour are accepted at ${new Date(nowMs).toISOString()}; run again in a second`);
  return fc
    .constantFrom(...spans)
    .chain(({ lo, hi }) => fc.tuple(instantBetween(lo, hi), instantBetween(lo, hi)))
    .filter(([a, b]) => a.getTime() !== b.getTime());
}

/** Two instants in different hours inside the accepted range, or undefined when the range holds one hour only. */
export function otherHourPair(nowMs: number): fc.Arbitrary<[Date, Date]> | undefined {
  const { from, to } = acceptedRange(nowMs);
  const hours = acceptedHours(nowMs);
  if (hours.length < 2) return undefined;
  const [first, second] = [hours[0], hours[1]];
  return fc.tuple(instantBetween(Math.max(from, first), first + HOUR_MS - 1), instantBetween(second, Math.min(to, second + HOUR_MS - 1)));
}

export interface RequestOptions {
  allocations?: boolean;
  quantity?: fc.Arbitrary<number>;
  timestamp?: fc.Arbitrary<Date>;
}

/** Valid MeterUsage requests dated inside the accepted range, from the target's fixtures. */
export function meterUsageRequest(fixtures: TargetFixtures, model: ServiceModel, nowMs: number, options: RequestOptions = {}): fc.Arbitrary<MeterUsageInput> {
  return validMeterUsage(fixtures, model, nowMs, {
    timestamp: options.timestamp ?? recentInstant(nowMs),
    ...(options.allocations !== undefined ? { allocations: options.allocations } : {}),
    ...(options.quantity ? { quantity: options.quantity } : {}),
  });
}

/** ClientTokens as SDKs make them (UUIDs) or as a caller might choose them (1..64 characters). */
export const clientToken: fc.Arbitrary<string> = fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/));

export function hasClientToken(model: ServiceModel): boolean {
  return meterUsageHasMember(model, 'ClientToken');
}

/** Allocations as an order-insensitive value: tag order and allocation order do not count. */
export function canonicalAllocations(allocations: UsageAllocation[] | undefined): string {
  if (allocations === undefined) return 'none';
  const each = allocations.map((a) => JSON.stringify([a.AllocatedUsageQuantity, [...(a.Tags ?? [])].map((t) => [t.Key, t.Value]).sort()]));
  return JSON.stringify(each.sort());
}

/** The MeterUsage duplicate key of the non-AgentCore service: product, dimension, hour (semantics §5 item 5). */
export function meterUsageKey(request: MeterUsageInput): string {
  return JSON.stringify([request.ProductCode, request.UsageDimension, hourStart(request.Timestamp.getTime())]);
}
