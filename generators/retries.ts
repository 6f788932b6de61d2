// Retries: the same request with its members in another order, a subset of a batch's records,
// and the same duplicate key with another quantity.
import fc from 'fast-check';
import { MINUTE_MS } from '../core/calendar.js';
import { ModelError, type ServiceModel } from '../core/model.js';
import { CROSS_SHRINK } from './arbitraries.js';
import { allocationsSummingTo, otherQuantity } from './allocations.js';
import type { BatchMeterUsageInput, MeterUsageInput, UsageRecord } from './inputs.js';
import { instantBetween } from './instants.js';

/** The same value with the members of every object in another order. */
function reorderedMembers<T>(value: T): fc.Arbitrary<T> {
  if (Array.isArray(value)) return (value.length === 0 ? fc.constant([]) : fc.tuple(...value.map((v) => reorderedMembers(v)))) as fc.Arbitrary<T>;
  if (value === null || typeof value !== 'object' || value instanceof Date) return fc.constant(value);
  const entries = Object.entries(value);
  if (entries.length === 0) return fc.constant({} as T);
  return fc
    .tuple(fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }), ...entries.map(([, v]) => reorderedMembers(v)))
    .map(([order, ...members]) => {
      const byKey = new Map(entries.map(([k], i) => [k, members[i]]));
      return Object.fromEntries(order.map(([k]) => [k, byKey.get(k)])) as T;
    });
}

/** An identical retry: the same request, members possibly in another order (member order must not matter). */
export function identicalRetry<T>(request: T): fc.Arbitrary<T> {
  return reorderedMembers(request);
}

/** A retry with any non-empty subset of an earlier batch's records, in any order. */
export function batchSubset(batch: BatchMeterUsageInput): fc.Arbitrary<BatchMeterUsageInput> {
  if (batch.UsageRecords.length === 0) throw new ModelError('an empty batch has no non-empty subset');
  return fc.shuffledSubarray(batch.UsageRecords, { minLength: 1 }).map((records) => ({ ...batch, UsageRecords: records }));
}

/**
 * MeterUsage with the same duplicate key (product, dimension, hour) and another quantity: the
 * same timestamp or another second of its minute. Allocations are redone to add up to the new
 * quantity; ClientToken is dropped so the request is a new one rather than a token conflict.
 */
export function sameKeyOtherQuantity(model: ServiceModel, request: MeterUsageInput): fc.Arbitrary<MeterUsageInput> {
  const minute = Math.floor(request.Timestamp.getTime() / MINUTE_MS) * MINUTE_MS;
  const timestamp = fc.oneof(CROSS_SHRINK, fc.constant(request.Timestamp), instantBetween(minute, request.Timestamp.getTime()));
  return fc.tuple(otherQuantity(model, request.UsageQuantity ?? 0), timestamp).chain(([quantity, ts]) => {
    const { ClientToken: _dropped, UsageAllocations, ...rest } = request;
    const base: MeterUsageInput = { ...rest, Timestamp: ts, UsageQuantity: quantity };
    if (!UsageAllocations) return fc.constant(base);
    return allocationsSummingTo(model, quantity).map((a) => ({ ...base, UsageAllocations: a }));
  });
}

/** A BatchMeterUsage record with the same customer, dimension and time as `record` but another quantity (DuplicateRecord). */
export function recordWithOtherQuantity(model: ServiceModel, record: UsageRecord): fc.Arbitrary<UsageRecord> {
  return otherQuantity(model, record.Quantity ?? 0).chain((quantity) => {
    const { UsageAllocations, ...rest } = record;
    const base: UsageRecord = { ...rest, Quantity: quantity };
    if (!UsageAllocations) return fc.constant(base);
    return allocationsSummingTo(model, quantity).map((a) => ({ ...base, UsageAllocations: a }));
  });
}
