// Valid BatchMeterUsage batches by how they name their customers: the modes the model and the fixtures allow, batches of each, and the lookups and
// small edits the batch scenarios share (the record's product and customer, an insertion, another
// quantity, another instant of the hour).
import fc from 'fast-check';
import { HOUR_MS, hourStart, MINUTE_MS } from '../core/calendar.js';
import type { CustomerFixture, ProductFixture, TargetFixtures } from '../core/description.js';
import { ModelError, type ServiceModel } from '../core/model.js';
import { batchRequest, type BatchOptions } from './batches.js';
import type { BatchMeterUsageInput, UsageRecord } from './inputs.js';
import { modelLimits } from './limits.js';
import { earliestAccepted, timestampWindow, type TimestampWindow } from './time-windows.js';
import { openBatchSize } from './key-steering.js';

/**
 * Distance the batch scenarios keep from every window boundary: their arbitraries are built once
 * per rule from the target's clock, and a rule may take a while against a slow target.
 */
export const BATCH_MARGIN_MS = 10 * MINUTE_MS;

/** What the batch scenarios draw from (a suite's RuleContext fits): the model version, the target's fixtures, the run's seed. */
export interface BatchSetting {
  model: ServiceModel;
  fixtures: TargetFixtures;
  /** The seed of fixedSample. */
  context: { seed: number };
}

/** How a batch names its customers and product. */
export interface Mode {
  name: 'legacy' | 'account' | 'license';
  label: string;
  options: Pick<BatchOptions, 'identity' | 'license'>;
  /** The most records with distinct customer/dimension/hour the fixtures allow in this mode. */
  maxSize: number;
}

const MODE_CANDIDATES: Omit<Mode, 'maxSize'>[] = [
  { name: 'legacy', label: 'CustomerIdentifier with ProductCode', options: { identity: 'identifier' } },
  { name: 'account', label: 'CustomerAWSAccountId with ProductCode', options: { identity: 'account' } },
  { name: 'license', label: 'CustomerAWSAccountId with LicenseArn, no ProductCode', options: { identity: 'account', license: 'without-product-code' } },
];

/** The modes this model and these fixtures support, each with its largest batch. */
export function modesOf(setting: BatchSetting, nowMs: number): Mode[] {
  const limit = modelLimits(setting.model).records + 1;
  const modes: Mode[] = [];
  for (const candidate of MODE_CANDIDATES) {
    for (let size = limit; size >= 1; size--) {
      try {
        batchRequest(setting.model, setting.fixtures, nowMs, { ...candidate.options, size, marginMs: BATCH_MARGIN_MS });
        modes.push({ ...candidate, maxSize: size });
        break;
      } catch (error) {
        if (!(error instanceof ModelError)) throw error;
      }
    }
  }
  return modes;
}

/** A batch and the mode it was drawn in. */
export interface Generated {
  mode: Mode;
  batch: BatchMeterUsageInput;
}

export interface BatchChoice {
  /** Fewest records (default 1). */
  min?: number;
  /** Most records (default the model's UsageRecordList max; at most what the mode allows). */
  max?: number;
  /** The modes to draw from (default every mode the fixtures allow). */
  modes?: Mode['name'][];
}

/** Valid batches of subscribed customers (distinct keys), or undefined when no mode fits. */
export function batches(setting: BatchSetting, nowMs: number, choice: BatchChoice = {}): fc.Arbitrary<Generated> | undefined {
  const min = choice.min ?? 1;
  // A rule's max leaves room for records it adds (a batch of open size); its min is what it needs.
  const max = Math.max(min, openBatchSize(choice.max ?? modelLimits(setting.model).records));
  const modes = modesOf(setting, nowMs).filter((m) => (choice.modes ?? [m.name]).includes(m.name) && m.maxSize >= min);
  if (modes.length === 0) return undefined;
  return fc.constantFrom(...modes).chain((mode) =>
    fc
      .integer({ min, max: Math.max(min, Math.min(max, mode.maxSize)) })
      .chain((size) => batchRequest(setting.model, setting.fixtures, nowMs, { ...mode.options, size, marginMs: BATCH_MARGIN_MS }).map((batch) => ({ mode, batch }))),
  );
}

/** One-record batches, for rules that date the record when the request is sent. */
export function oneRecordBatches(setting: BatchSetting, nowMs: number): fc.Arbitrary<Generated> | undefined {
  return batches(setting, nowMs, { min: 1, max: 1 });
}

/** One fixed sample of an arbitrary, seeded by the run: the examples of observation rules. */
export function fixedSample<T>(setting: BatchSetting, arbitrary: fc.Arbitrary<T>): T {
  return fc.sample(arbitrary, { numRuns: 1, seed: setting.context.seed })[0];
}

/** The SaaS product a generated batch meters. */
export function productOf(setting: BatchSetting, batch: BatchMeterUsageInput): ProductFixture {
  const { fixtures } = setting;
  const code = batch.ProductCode ?? fixtures.customers.find((c) => c.licenseArn !== undefined && c.licenseArn === batch.UsageRecords[0]?.LicenseArn)?.productCode;
  const product = fixtures.products.find((p) => p.code === code && p.kind === 'saas') ?? fixtures.products.find((p) => p.kind === 'saas');
  if (!product) throw new Error('internal: a generated batch without a SaaS product');
  return product;
}

/** The customer fixture a record names, by CustomerIdentifier or CustomerAWSAccountId. */
export function customerOf(setting: BatchSetting, record: UsageRecord): CustomerFixture | undefined {
  return setting.fixtures.customers.find(
    (c) => (record.CustomerIdentifier !== undefined && c.identifier === record.CustomerIdentifier) || (record.CustomerAWSAccountId !== undefined && c.accountId === record.CustomerAWSAccountId),
  );
}

/** The BatchMeterUsage window of the model version under test and its earliest clearly-accepted instant. */
export function batchWindowAt(model: ServiceModel, nowMs: number): { window: TimestampWindow; earliest: number } {
  const window = timestampWindow(model, 'BatchMeterUsage');
  return { window, earliest: earliestAccepted(nowMs, window, { marginMs: BATCH_MARGIN_MS }) };
}

/** Another instant of the same UTC hour, inside [earliest, nowMs] (the same instant if the hour holds no other). */
export function otherInstantOfHour(timestamp: Date, earliest: number, nowMs: number): fc.Arbitrary<Date> {
  const t = timestamp.getTime();
  const lo = Math.max(hourStart(t), earliest);
  const hi = Math.min(hourStart(t) + HOUR_MS - 1, nowMs);
  if (lo >= hi) return fc.constant(timestamp);
  return fc.integer({ min: lo, max: hi }).map((x) => new Date(x === t ? (x === hi ? lo : x + 1) : x));
}

/** Inserts `extra` into `records` at `at` (modulo the length). */
export function insertAt<T>(records: T[], extra: T, at: number): { records: T[]; index: number } {
  const index = at % (records.length + 1);
  return { records: [...records.slice(0, index), extra, ...records.slice(index)], index };
}

/** The same record with another quantity (one more, or one less at the model's max) and no allocations. */
export function withNextQuantity(model: ServiceModel, record: UsageRecord): UsageRecord {
  const { UsageAllocations: _dropped, ...rest } = record;
  const q = record.Quantity ?? 0;
  return { ...rest, Quantity: q >= modelLimits(model).quantity ? q - 1 : q + 1 };
}
