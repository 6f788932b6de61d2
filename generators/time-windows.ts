// Timestamps relative to the target's clock and the documented time window of MeterUsage and
// BatchMeterUsage in the model version under test: inside, at the boundaries, stale, ahead,
// around the month close.
import fc from 'fast-check';
import { HOUR_MS, MINUTE_MS, monthStart as monthStartOf, SECOND_MS } from '../core/calendar.js';
import { ModelError, type ServiceModel } from '../core/model.js';
import { CROSS_SHRINK } from './arbitraries.js';
import { instantBetween } from './instants.js';

export interface TimestampWindow {
  /** Records at most this old must be accepted. */
  acceptWithinMs: number;
  /** Records older than this must be rejected. Between the two the behaviour is implementation-defined. */
  rejectBeyondMs: number;
  /** Previous-month records are rejected from this long after the month starts (BatchMeterUsage, model 2026-07-07 on). */
  monthCloseMs?: number;
}

/** Newer-or-equal comparison of model versions; `latest` is newer than every dated file. */
function since(model: ServiceModel, date: string): boolean {
  return model.version === 'latest' || model.version >= date;
}

/**
 * The documented time window of an operation in this model version. MeterUsage: accept up to
 * 1 h, reject beyond 6 h. BatchMeterUsage: 1 h (2016-11-17), 6 h
 * (2022-02-03), 24 h (2026-07-01), with previous-month records closed at 06:00 UTC on the 1st
 * from 2026-07-07.
 */
export function timestampWindow(model: ServiceModel, operation: 'MeterUsage' | 'BatchMeterUsage'): TimestampWindow {
  if (!model.operations[operation]) throw new ModelError(`model ${model.version} has no operation ${operation}`);
  if (operation === 'MeterUsage') return { acceptWithinMs: HOUR_MS, rejectBeyondMs: 6 * HOUR_MS };
  const hours = since(model, '2026-07-01') ? 24 : since(model, '2022-02-03') ? 6 : 1;
  return { acceptWithinMs: hours * HOUR_MS, rejectBeyondMs: hours * HOUR_MS, ...(since(model, '2026-07-07') ? { monthCloseMs: 6 * HOUR_MS } : {}) };
}

/** Margin kept from every boundary by the "clearly inside / clearly outside" generators. */
export const DEFAULT_MARGIN_MS = MINUTE_MS;

/** How far from the window's boundaries the "clearly inside / clearly outside" generators keep. */
export interface MarginOptions {
  /** Distance kept from every boundary (default DEFAULT_MARGIN_MS, one minute). */
  marginMs?: number;
}

/** The oldest instant a record can have and still be clearly inside the window at `nowMs`. */
export function earliestAccepted(nowMs: number, window: TimestampWindow, { marginMs = DEFAULT_MARGIN_MS }: MarginOptions = {}): number {
  let earliest = nowMs - window.acceptWithinMs + marginMs;
  if (window.monthCloseMs !== undefined) {
    const monthStart = monthStartOf(nowMs);
    // After the month close, records of the previous month are out whatever their age.
    if (nowMs >= monthStart + window.monthCloseMs - marginMs) earliest = Math.max(earliest, monthStart + marginMs);
  }
  return earliest;
}

/** Timestamps clearly inside the window: from `marginMs` after its start up to `nowMs`. */
export function insideWindow(nowMs: number, window: TimestampWindow, options: MarginOptions = {}): fc.Arbitrary<Date> {
  return instantBetween(earliestAccepted(nowMs, window, options), nowMs);
}

export interface BoundaryTimestamp {
  /** E.g. `accept-within -1ms`, `reject-beyond +1000ms`. */
  label: string;
  /** Age relative to the boundary: negative is younger (inside), positive older. */
  offsetMs: number;
  timestamp: Date;
}

const BOUNDARY_OFFSETS_MS = [-SECOND_MS, -1, 0, 1, SECOND_MS];

/** Timestamps at each boundary of the window, one second and one millisecond either side. */
export function boundaryTimestamps(nowMs: number, window: TimestampWindow): BoundaryTimestamp[] {
  const ages = new Map<string, number>([['accept-within', window.acceptWithinMs]]);
  if (window.rejectBeyondMs !== window.acceptWithinMs) ages.set('reject-beyond', window.rejectBeyondMs);
  const out: BoundaryTimestamp[] = [];
  for (const [label, age] of ages) {
    for (const offset of BOUNDARY_OFFSETS_MS) out.push({ label: `${label} ${offset >= 0 ? '+' : ''}${offset}ms`, offsetMs: offset, timestamp: new Date(nowMs - age - offset) });
  }
  return out;
}

export interface MonthCloseCase {
  /** Target clock relative to the month close: negative is before it (record still accepted). */
  offsetMs: number;
  /** The clock to set on the target. */
  clockMs: number;
  /** A record from the last millisecond of the previous month. */
  timestamp: Date;
}

/**
 * The month-close boundary moves with the clock rather than with the record, so its cases are
 * target clocks (for targets with clock control) around 06:00 UTC on the 1st of the month of
 * `nowMs`, each with a record from the previous month's last millisecond. Empty when the model
 * version documents no month close.
 */
export function monthCloseCases(nowMs: number, window: TimestampWindow): MonthCloseCase[] {
  if (window.monthCloseMs === undefined) return [];
  const monthStart = monthStartOf(nowMs);
  const close = monthStart + window.monthCloseMs;
  return BOUNDARY_OFFSETS_MS.map((offsetMs) => ({ offsetMs, clockMs: close + offsetMs, timestamp: new Date(monthStart - 1) }));
}

/**
 * Timestamps clearly too old: from `marginMs` beyond the reject boundary up to 30 days, near
 * ages weighted up. They shrink towards the boundary (the least stale).
 */
export function staleTimestamp(nowMs: number, window: TimestampWindow, { marginMs = DEFAULT_MARGIN_MS }: MarginOptions = {}): fc.Arbitrary<Date> {
  const newest = nowMs - window.rejectBeyondMs - marginMs;
  return fc.oneof(CROSS_SHRINK, instantBetween(newest - HOUR_MS, newest, { toward: 'to' }), instantBetween(newest - 30 * 24 * HOUR_MS, newest, { toward: 'to' }));
}

/** Offsets into the future worth recording the target's answer for. */
export const FUTURE_OFFSETS_MS = [MINUTE_MS, 5 * MINUTE_MS, 59 * MINUTE_MS, 61 * MINUTE_MS, 24 * HOUR_MS];

/** Timestamps ahead of the clock: the documented offsets, or anything from 1 s to 7 days ahead (shrinking to the nearest). */
export function futureTimestamp(nowMs: number): fc.Arbitrary<Date> {
  return fc.oneof(CROSS_SHRINK, fc.constantFrom(...FUTURE_OFFSETS_MS).map((ahead) => new Date(nowMs + ahead)), instantBetween(nowMs + SECOND_MS, nowMs + 7 * 24 * HOUR_MS));
}

/** Timestamps more than an hour ahead: `should` be rejected. */
export function farFutureTimestamp(nowMs: number, { marginMs = DEFAULT_MARGIN_MS }: MarginOptions = {}): fc.Arbitrary<Date> {
  return instantBetween(nowMs + HOUR_MS + marginMs, nowMs + 7 * 24 * HOUR_MS);
}

/**
 * 2..4 distinct instants of one minute (inside the window) that differ only in seconds and
 * milliseconds: the same minute, hence the same hour of the MeterUsage duplicate key.
 */
export function sameMinuteVariants(nowMs: number, window: TimestampWindow, options: MarginOptions = {}): fc.Arbitrary<Date[]> {
  const firstMinute = Math.ceil(earliestAccepted(nowMs, window, options) / MINUTE_MS);
  const lastMinute = Math.floor(nowMs / MINUTE_MS) - 1;
  if (firstMinute > lastMinute) throw new ModelError('the window holds no whole minute');
  return fc.integer({ min: firstMinute, max: lastMinute }).chain((minute) =>
    fc
      .uniqueArray(fc.integer({ min: 0, max: MINUTE_MS - 1 }), { minLength: 2, maxLength: 4 })
      .map((offsets) => offsets.map((offset) => new Date(minute * MINUTE_MS + offset))),
  );
}
