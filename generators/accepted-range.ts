// MeterUsage requests dated where every reading of the documents accepts them: at most an hour
// old, and in the current month, since a month boundary is implementation-defined for MeterUsage
//. The idempotency, stateful, concurrency, regions, throttling and
// window suites send these.
import fc from 'fast-check';
import { HOUR_MS, hourStart, hourStartsBetween, MINUTE_MS, monthStart, SECOND_MS } from '../core/calendar.js';
import type { TargetFixtures } from '../core/description.js';
import type { ServiceModel } from '../core/model.js';
import type { MeterUsageInput } from './inputs.js';
import { instantBetween } from './instants.js';
import { validMeterUsage } from './meter-usage.js';

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
  return hourStartsBetween(from, to);
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

/**
 * An instant of the hour of `at` inside the accepted range, in another second than `at`: where
 * `like` falls in its own hour, if that will do, else a second before or after `at`. Undefined
 * when the range holds no other second of that hour.
 */
export function anotherSecondOfHour(at: Date, like: Date, nowMs: number): Date | undefined {
  const { from, to } = acceptedRange(nowMs);
  const hour = hourStart(at.getTime());
  const [lo, hi] = [Math.max(from, hour), Math.min(to, hour + HOUR_MS - 1)];
  const second = (ms: number) => Math.floor(ms / SECOND_MS);
  const candidates = [hour + like.getTime() - hourStart(like.getTime()), at.getTime() - SECOND_MS, at.getTime() + SECOND_MS];
  const found = candidates.find((ms) => ms >= lo && ms <= hi && second(ms) !== second(at.getTime()));
  return found === undefined ? undefined : new Date(found);
}

/** Whether `at` is inside the accepted range at `nowMs`. */
export function inAcceptedRange(at: Date, nowMs: number): boolean {
  const { from, to } = acceptedRange(nowMs);
  return at.getTime() >= from && at.getTime() <= to;
}

/** Two instants in different hours inside the accepted range, or undefined when the range holds one hour only. */
export function otherHourPair(nowMs: number): fc.Arbitrary<[Date, Date]> | undefined {
  const { from, to } = acceptedRange(nowMs);
  const hours = acceptedHours(nowMs);
  if (hours.length < 2) return undefined;
  const [first, second] = [hours[0], hours[1]];
  return fc.tuple(instantBetween(Math.max(from, first), first + HOUR_MS - 1), instantBetween(second, Math.min(to, second + HOUR_MS - 1)));
}

export interface AcceptedRequestOptions {
  /** Include UsageAllocations sometimes (default: when the model has them). */
  allocations?: boolean;
  /** The quantity (default 0..the model's max, boundaries weighted up). */
  quantity?: fc.Arbitrary<number>;
  /** The timestamp (default any instant of acceptedRange(nowMs)). */
  timestamp?: fc.Arbitrary<Date>;
}

/** Valid MeterUsage requests dated inside the accepted range, from the target's fixtures. */
export function meterUsageRequest(fixtures: TargetFixtures, model: ServiceModel, nowMs: number, options: AcceptedRequestOptions = {}): fc.Arbitrary<MeterUsageInput> {
  return validMeterUsage(fixtures, model, nowMs, {
    timestamp: options.timestamp ?? recentInstant(nowMs),
    ...(options.allocations !== undefined ? { allocations: options.allocations } : {}),
    ...(options.quantity ? { quantity: options.quantity } : {}),
  });
}
