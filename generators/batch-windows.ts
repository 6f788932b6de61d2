// BatchMeterUsage batches about the time window: a record from the
// oldest hour inside it, a stale record, a record more than an hour ahead, and previous-month
// records after the month close. Each returns undefined when the fixtures allow no batch.
import fc from 'fast-check';
import { HOUR_MS, hourStart } from '../core/calendar.js';
import type { ServiceModel } from '../core/model.js';
import { BATCH_MARGIN_MS, batches, batchWindowAt, customerOf, type BatchSetting } from './batch-modes.js';
import type { BatchMeterUsageInput } from './inputs.js';
import { farFutureTimestamp, staleTimestamp, timestampWindow } from './time-windows.js';

/** Valid batches with one record from the oldest hour of the window, the others anywhere in it (keys still distinct). */
export function oldestHourBatches(setting: BatchSetting, nowMs: number): fc.Arbitrary<BatchMeterUsageInput> | undefined {
  const base = batches(setting, nowMs);
  if (!base) return undefined;
  const { earliest } = batchWindowAt(setting.model, nowMs);
  return base
    .chain(({ batch }) =>
      fc.tuple(fc.integer({ min: earliest, max: Math.min(nowMs, earliest + HOUR_MS) }), fc.nat({ max: batch.UsageRecords.length - 1 })).map(([old, index]) => {
        const records = batch.UsageRecords.map((r, i) => (i === index ? { ...r, Timestamp: new Date(old) } : r));
        return { ...batch, UsageRecords: records };
      }),
    )
    .filter((batch) => new Set(batch.UsageRecords.map((r) => `${customerOf(setting, r)?.accountId}|${r.Dimension}|${hourStart(r.Timestamp.getTime())}`)).size === batch.UsageRecords.length);
}

/** Valid batches in which the record at `index` is clearly older than the window. */
export function staleRecordBatches(setting: BatchSetting, nowMs: number) {
  const base = batches(setting, nowMs);
  if (!base) return undefined;
  const { window } = batchWindowAt(setting.model, nowMs);
  return base.chain(({ batch }) =>
    fc.tuple(fc.nat({ max: batch.UsageRecords.length - 1 }), staleTimestamp(nowMs, window, { marginMs: BATCH_MARGIN_MS })).map(([index, stale]) => ({
      batch: { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, Timestamp: stale } : r)) },
      index,
    })),
  );
}

/** Valid batches in which the record at `index` is more than an hour (and the margin) ahead of the clock. */
export function futureRecordBatches(setting: BatchSetting, nowMs: number) {
  const base = batches(setting, nowMs);
  if (!base) return undefined;
  return base.chain(({ batch }) =>
    fc.tuple(fc.nat({ max: batch.UsageRecords.length - 1 }), farFutureTimestamp(nowMs, { marginMs: BATCH_MARGIN_MS })).map(([index, ahead]) => ({
      batch: { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, Timestamp: ahead } : r)) },
      index,
    })),
  );
}

/**
 * The clocks, in the month starting at `monthStart`, between the month close (plus the margin) and
 * the end of the window's first span, where a previous-month record can be less than a window old.
 */
export function monthCloseClocks(model: ServiceModel, monthStart: number): { from: number; to: number } {
  const window = timestampWindow(model, 'BatchMeterUsage');
  return { from: monthStart + (window.monthCloseMs ?? 0) + BATCH_MARGIN_MS, to: monthStart + window.acceptWithinMs - 2 * BATCH_MARGIN_MS };
}

export interface MonthCloseOptions {
  /** The start of the month whose close is under test. */
  monthStart: number;
  /** The target's own clock when it is already among monthCloseClocks (default: any of those clocks, to be set by clock control). */
  clockMs?: number;
}

/**
 * Batches of the new month (valid at every clock of monthCloseClocks) in which one record is of
 * the previous month yet less than a window old at `clockMs`, the clock to send them at.
 */
export function monthCloseBatches(setting: BatchSetting, options: MonthCloseOptions) {
  const { monthStart, clockMs } = options;
  const window = timestampWindow(setting.model, 'BatchMeterUsage');
  const range = monthCloseClocks(setting.model, monthStart);
  const base = batches(setting, range.from);
  if (!base) return undefined;
  return fc
    .tuple(base, clockMs !== undefined ? fc.constant(clockMs) : fc.integer({ min: range.from, max: range.to }))
    .chain(([{ batch }, clock]) =>
      fc.tuple(fc.nat({ max: batch.UsageRecords.length - 1 }), fc.integer({ min: clock - window.acceptWithinMs + BATCH_MARGIN_MS, max: monthStart - 1 })).map(([index, at]) => ({
        clockMs: clock,
        batch: { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, Timestamp: new Date(at) } : r)) },
      })),
    );
}
