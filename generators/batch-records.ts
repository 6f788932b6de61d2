// BatchMeterUsage batches about their records: split in two requests, retried whole or in part,
// a record again later with another quantity or instant, one key twice in a batch, one faulty
// record failing the request, and batches padded near a megabyte.
// Each returns undefined when the fixtures allow no such batch.
import fc from 'fast-check';
import { ModelError } from '../core/model.js';
import { allocationsNotSummingTo, allocationWithTagCount, edgeCharacterAllocations } from './allocations.js';
import { bothIdsBatches, legacyWithoutProductCode, noIdBatches } from './batch-customers.js';
import { BATCH_MARGIN_MS, batches, batchWindowAt, fixedSample, insertAt, modesOf, otherInstantOfHour, productOf, type BatchSetting } from './batch-modes.js';
import type { BatchMeterUsageInput, UsageAllocation, UsageRecord } from './inputs.js';
import { modelLimits } from './limits.js';
import { batchNearSizeLimit } from './padding.js';
import { batchSubset, identicalRetry, recordWithOtherQuantity } from './retries.js';

/** Batches of two or more records and where to cut them in two requests (`cut` records in the first). */
export function splitBatches(setting: BatchSetting, nowMs: number) {
  const base = batches(setting, nowMs, { min: 2 });
  if (!base) return undefined;
  return base.chain((g) => fc.integer({ min: 1, max: g.batch.UsageRecords.length }).map((cut) => ({ ...g, cut })));
}

/** Valid batches and an identical retry of each (members possibly in another order). */
export function identicalRetryBatches(setting: BatchSetting, nowMs: number) {
  const base = batches(setting, nowMs);
  if (!base) return undefined;
  return base.chain(({ batch }) => identicalRetry(batch).map((retry) => ({ batch, retry })));
}

/** Valid batches and a retry of a non-empty subset of their records, in any order. */
export function subsetRetryBatches(setting: BatchSetting, nowMs: number) {
  const base = batches(setting, nowMs);
  if (!base) return undefined;
  return base.chain(({ batch }) => batchSubset(batch).map((subset) => ({ batch, subset })));
}

/** A batch, one of its records (`index`), and a later record for the same customer and dimension (see `twin`). */
export function laterRecords(setting: BatchSetting, nowMs: number, twin: (record: UsageRecord, earliest: number) => fc.Arbitrary<UsageRecord>) {
  const base = batches(setting, nowMs);
  if (!base) return undefined;
  const { earliest } = batchWindowAt(setting.model, nowMs);
  return base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).chain((index) => twin(batch.UsageRecords[index], earliest).map((later) => ({ batch, index, later }))),
  );
}

/** A batch, one of its records, and the same record with another quantity (DuplicateRecord once the first is recorded). */
export function otherQuantityRecords(setting: BatchSetting, nowMs: number) {
  return laterRecords(setting, nowMs, (record) => recordWithOtherQuantity(setting.model, record));
}

/** A batch, one of its records, and that record with another quantity at another instant of its hour. */
export function otherQuantitySameHourRecords(setting: BatchSetting, nowMs: number) {
  return laterRecords(setting, nowMs, (record, earliest) =>
    fc
      .tuple(recordWithOtherQuantity(setting.model, record), otherInstantOfHour(record.Timestamp, earliest, nowMs))
      .map(([other, timestamp]) => ({ ...other, Timestamp: timestamp })),
  );
}

/** A batch, one of its records, and the same record (same quantity) at another instant of its hour. */
export function sameHourOtherTimeRecords(setting: BatchSetting, nowMs: number) {
  return laterRecords(setting, nowMs, (record, earliest) => otherInstantOfHour(record.Timestamp, earliest, nowMs).map((t) => ({ ...record, Timestamp: t })));
}

export type TwinKind = 'identical record' | 'same quantity at another instant of the hour' | 'another quantity';

/** A batch holding one record twice under the same customer/dimension/hour key; `pair` are their positions. */
export function twinBatches(setting: BatchSetting, nowMs: number) {
  const limit = modelLimits(setting.model).records;
  const base = batches(setting, nowMs, { max: limit - 1 });
  if (!base) return undefined;
  const { earliest } = batchWindowAt(setting.model, nowMs);
  return base.chain(({ batch }) =>
    fc
      .tuple(fc.nat({ max: batch.UsageRecords.length - 1 }), fc.constantFrom<TwinKind>('identical record', 'same quantity at another instant of the hour', 'another quantity'), fc.nat())
      .chain(([index, kind, at]) => {
        const record = batch.UsageRecords[index];
        const twin =
          kind === 'identical record'
            ? fc.constant({ ...record })
            : kind === 'another quantity'
              ? recordWithOtherQuantity(setting.model, record)
              : otherInstantOfHour(record.Timestamp, earliest, nowMs).map((t) => ({ ...record, Timestamp: t }));
        return twin.map((copy) => {
          const placed = insertAt(batch.UsageRecords, copy, at);
          const original = placed.records.indexOf(record);
          return { kind, batch: { ...batch, UsageRecords: placed.records }, pair: [original, placed.index] as [number, number] };
        });
      }),
  );
}

export type RecordFault = 'unknown dimension' | 'invalid tag character' | 'six tags' | 'allocations not adding up';

/** Valid batches in which the record at `index` has one `fault` that fails the whole request. */
export function faultyRecordBatches(setting: BatchSetting, nowMs: number) {
  const base = batches(setting, nowMs);
  if (!base) return undefined;
  const { model } = setting;
  const tagLimit = modelLimits(model).tags ?? 5;
  const dimensionName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,40}$/);
  const faulty = (record: UsageRecord, dimensions: string[]): fc.Arbitrary<{ fault: RecordFault; record: UsageRecord }> => {
    const q = record.Quantity ?? 0;
    const { UsageAllocations: _dropped, ...bare } = record;
    const withAllocations = (fault: RecordFault, a: fc.Arbitrary<UsageAllocation[]>) => a.map((UsageAllocations) => ({ fault, record: { ...bare, UsageAllocations } }));
    return fc.oneof(
      dimensionName.filter((d) => !dimensions.includes(d)).map((Dimension) => ({ fault: 'unknown dimension' as const, record: { ...record, Dimension } })),
      withAllocations('invalid tag character', edgeCharacterAllocations(model, q, 'rejected')),
      withAllocations('six tags', allocationWithTagCount(model, q, tagLimit + 1)),
      withAllocations('allocations not adding up', allocationsNotSummingTo(model, q)),
    );
  };
  return base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).chain((index) =>
      faulty(batch.UsageRecords[index], productOf(setting, batch).dimensions).map(({ fault, record }) => ({
        fault,
        index,
        batch: { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? record : r)) },
      })),
    ),
  );
}

/** Batches padded to just under or just over a megabyte in the first mode that allows one; undefined when the fixtures allow none. */
export function sizedBatches(setting: BatchSetting, nowMs: number, side: 'under' | 'over'): fc.Arbitrary<BatchMeterUsageInput> | undefined {
  for (const mode of modesOf(setting, nowMs)) {
    try {
      return batchNearSizeLimit(setting.model, setting.fixtures, nowMs, side, { ...mode.options, marginMs: BATCH_MARGIN_MS });
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
    }
  }
  return undefined;
}

/** One fixed request per situation that a target should reject as a whole. */
export interface RejectionCase {
  situation: string;
  batch: BatchMeterUsageInput;
}

/**
 * One fixed sample (seeded by the run) of each whole-request rejection the fixtures allow: one
 * record over the limit, more than 1 MB, a record naming both or neither customer id, legacy
 * records without ProductCode. Empty when the fixtures allow none.
 */
export function rejectionCases(setting: BatchSetting, nowMs: number): RejectionCase[] {
  const limit = modelLimits(setting.model).records;
  const cases: [string, fc.Arbitrary<BatchMeterUsageInput> | undefined][] = [
    [`${limit + 1} records`, batches(setting, nowMs, { min: limit + 1, max: limit + 1 })?.map((g) => g.batch)],
    ['more than 1 MB', sizedBatches(setting, nowMs, 'over')],
    ['a record with both CustomerIdentifier and CustomerAWSAccountId', bothIdsBatches(setting, nowMs)],
    ['a record with neither CustomerIdentifier nor CustomerAWSAccountId', noIdBatches(setting, nowMs)],
    ['a legacy CustomerIdentifier record without ProductCode', legacyWithoutProductCode(setting, nowMs, fc.constant(false))?.map((c) => c.batch)],
  ];
  const usable = cases.filter((c): c is [string, fc.Arbitrary<BatchMeterUsageInput>] => c[1] !== undefined);
  return usable.map(([situation, arbitrary]) => ({ situation, batch: fixedSample(setting, arbitrary) }));
}
