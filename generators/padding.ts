// Batches padded to just under or just over a megabyte on the wire, and the
// serialized size of a request as the raw driver sends it.
import fc from 'fast-check';
import type { TargetFixtures } from '../core/description.js';
import { ModelError, type ServiceModel } from '../core/model.js';
import { batchRequest, type BatchOptions } from './batches.js';
import type { BatchMeterUsageInput, UsageAllocation } from './inputs.js';
import { modelLimits, requireShape } from './limits.js';
import { toWire } from './schemas.js';

/**
 * "Less than 1 MB" read both ways: `under` stays below 1 000 000 bytes,
 * `over` goes beyond 1 048 576 bytes, so each case holds whichever megabyte the target means.
 */
export const BATCH_BYTES = { under: 1_000_000, over: 1_048_576 } as const;

/** Serialized size in bytes, as the raw driver puts the input on the wire. */
export function serializedBytes(input: unknown): number {
  return Buffer.byteLength(JSON.stringify(toWire(input)), 'utf8');
}

/** Characters the tag pattern admits that JSON writes as one byte each, without escaping. */
const PAD_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A valid batch whose serialized request is just under (up to 1 KiB below 1 000 000 bytes) or
 * just over (up to 1 KiB above 1 048 576 bytes) a megabyte, padded with full-length tags in
 * zero-quantity allocations (tag bytes count toward the limit). Needs a model
 * with UsageAllocations; uses a second record when one record's allocations cannot hold a
 * megabyte (500 allocations in model 2020-11-04).
 */
export function batchNearSizeLimit(
  model: ServiceModel,
  fixtures: TargetFixtures,
  nowMs: number,
  side: 'under' | 'over',
  options: Omit<BatchOptions, 'size' | 'allocations'> = {},
): fc.Arbitrary<BatchMeterUsageInput> {
  requireShape(model, 'UsageAllocations', 'a batch near 1 MB');
  const limits = modelLimits(model);
  const shape: PadShape = { maxAllocations: limits.allocations ?? 1, tags: limits.tags ?? 1, keyLength: limits.tagKeyLength, valueLength: limits.tagValueLength };
  const records = Math.ceil((BATCH_BYTES.over + 2048) / (shape.maxAllocations * paddingAllocationBytes(shape)));
  const target =
    side === 'under'
      ? fc.integer({ min: BATCH_BYTES.under - 1024, max: BATCH_BYTES.under - 1 })
      : fc.integer({ min: BATCH_BYTES.over + 1, max: BATCH_BYTES.over + 1024 });
  return fc
    .tuple(batchRequest(model, fixtures, nowMs, { ...options, size: records, allocations: false }), target, fc.string({ unit: fc.constantFrom(...PAD_CHARS), minLength: 64, maxLength: 64 }))
    .map(([batch, targetBytes, noise]) => pad(batch, targetBytes, noise, shape));
}

interface PadShape {
  maxAllocations: number;
  tags: number;
  keyLength: number;
  valueLength: number;
}

function paddingAllocation(shape: PadShape, index: number, quantity: number, noise = PAD_CHARS): UsageAllocation {
  const filler = (seed: string, length: number) => (seed + noise.repeat(Math.ceil(length / noise.length) + 1)).slice(0, length);
  return {
    AllocatedUsageQuantity: quantity,
    // The allocation index in every key keeps each tag set unique.
    Tags: Array.from({ length: shape.tags }, (_, t) => ({ Key: filler(`k${index}.${t}.`, shape.keyLength), Value: filler(`v${index}.${t}.`, shape.valueLength) })),
  };
}

/** Bytes one more zero-quantity padding allocation adds to an allocation list (its comma included). */
function paddingAllocationBytes(shape: PadShape): number {
  return serializedBytes([paddingAllocation(shape, 0, 0), paddingAllocation(shape, 1, 0)]) - serializedBytes([paddingAllocation(shape, 0, 0)]);
}

function pad(batch: BatchMeterUsageInput, targetBytes: number, noise: string, shape: PadShape): BatchMeterUsageInput {
  const lists = batch.UsageRecords.map((r) => [paddingAllocation(shape, 0, r.Quantity ?? 0, noise)]);
  const padded: BatchMeterUsageInput = { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => ({ ...r, UsageAllocations: lists[i] })) };
  const perAllocation = paddingAllocationBytes(shape);
  // Overshoot with whole allocations, then shorten the tag values of the last two to land exactly.
  const extra = Math.max(2, Math.ceil((targetBytes - serializedBytes(padded)) / perAllocation));
  const added: UsageAllocation[] = [];
  for (let i = 1; i <= extra; i++) {
    const list = lists.find((l) => l.length < shape.maxAllocations);
    if (!list) throw new ModelError(`cannot reach ${targetBytes} bytes with ${lists.length} records of ${shape.maxAllocations} allocations`);
    const allocation = paddingAllocation(shape, i, 0, noise);
    list.push(allocation);
    added.push(allocation);
  }
  let excess = serializedBytes(padded) - targetBytes;
  for (const allocation of added.slice(-2)) {
    for (const tag of allocation.Tags!) {
      const cut = Math.min(excess, tag.Value.length - 1);
      tag.Value = tag.Value.slice(0, tag.Value.length - cut);
      excess -= cut;
    }
  }
  const bytes = serializedBytes(padded);
  if (bytes !== targetBytes) throw new Error(`internal: padded batch is ${bytes} bytes, wanted ${targetBytes}`);
  return padded;
}
