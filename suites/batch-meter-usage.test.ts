// BatchMeterUsage (SaaS): acceptance, the Results/UnprocessedRecords partition, echoed
// records, MeteringRecordIds, retries of whole batches and subsets, DuplicateRecord, customer
// identity and licenses, the time window, size limits and whole-request failures.
// Behaviour: /work/shared/reference/semantics.md §3.2 and §5 items 2-4 and 9-17.
import fc from 'fast-check';
import {
  allocationsNotSummingTo,
  allocationWithTagCount,
  batchNearSizeLimit,
  batchRequest,
  batchSubset,
  earliestAccepted,
  edgeCharacterAllocations,
  farFutureTimestamp,
  HOUR_MS,
  identicalRetry,
  MINUTE_MS,
  modelLimits,
  recordWithOtherQuantity,
  SECOND_MS,
  staleTimestamp,
  tagSetKey,
  timestampWindow,
  type BatchMeterUsageInput,
  type BatchOptions,
  type UsageAllocation,
  type UsageRecord,
} from '../generators/domain.js';
import { memberShape, ModelError, structure } from '../generators/model.js';
import type { CustomerFixture, ProductFixture } from '../target/description.js';
import { TargetError, type Outcome, type SuccessOutcome } from '../target/types.js';
import { encodeInput } from '../target/wire.js';
import { expectClientError, expectError, expectSuccess, fail } from './harness/expect.js';
import type { PropertyRun, RuleContext } from './harness/rule.js';
import { Observations, outcomeText } from './harness/observations.js';
import { recordsAsSent, timestampMs } from './stateful/batch-results.js';
import { callerNow, setCallerClock, type CallerClock } from './stateful/caller-clock.js';
import { rule } from './harness/rule.js';

/**
 * Distance kept from every window boundary: the arbitraries are built once per rule from the
 * target's clock, and a rule may take a while against a slow target.
 */
const MARGIN_MS = 10 * MINUTE_MS;
/** UnprocessedRecords are retried as-is (semantics §3.5) this many times before giving up. */
const UNPROCESSED_RESUBMISSIONS = 2;

// ---- batches of the fixtures ----------------------------------------------------------

/** How a batch names its customers and product (semantics §3.2 "Customer identity"). */
interface Mode {
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
function modesOf(ctx: RuleContext, nowMs: number): Mode[] {
  const limit = modelLimits(ctx.model).records + 1;
  const modes: Mode[] = [];
  for (const candidate of MODE_CANDIDATES) {
    for (let size = limit; size >= 1; size--) {
      try {
        batchRequest(ctx.model, ctx.fixtures, nowMs, { ...candidate.options, size, marginMs: MARGIN_MS });
        modes.push({ ...candidate, maxSize: size });
        break;
      } catch (error) {
        if (!(error instanceof ModelError)) throw error;
      }
    }
  }
  return modes;
}

interface Generated {
  mode: Mode;
  batch: BatchMeterUsageInput;
}

interface BatchChoice {
  min?: number;
  max?: number;
  modes?: Mode['name'][];
}

/** Valid batches of subscribed customers (distinct keys), or undefined when no mode fits. */
function batches(ctx: RuleContext, nowMs: number, choice: BatchChoice = {}): fc.Arbitrary<Generated> | undefined {
  const min = choice.min ?? 1;
  const max = choice.max ?? modelLimits(ctx.model).records;
  const modes = modesOf(ctx, nowMs).filter((m) => (choice.modes ?? [m.name]).includes(m.name) && m.maxSize >= min);
  if (modes.length === 0) return undefined;
  return fc.constantFrom(...modes).chain((mode) =>
    fc
      .integer({ min, max: Math.max(min, Math.min(max, mode.maxSize)) })
      .chain((size) => batchRequest(ctx.model, ctx.fixtures, nowMs, { ...mode.options, size, marginMs: MARGIN_MS }).map((batch) => ({ mode, batch }))),
  );
}

/** Marks the rule not-applicable (the fixtures or the target's clock do not allow the case). */
function notApplicable(ctx: RuleContext, reason: string): void {
  ctx.meta.verdict = 'not-applicable';
  ctx.meta.reason = reason;
}

/**
 * boto3 signs with the local clock and, unlike the JS SDK, does not correct it from the Date of
 * an answer that refuses a skewed signature: a request on a caller clock moved by clock control
 * is refused as a stale signature before its records are judged.
 */
const BOTO3_CLOCK_SKEW = "the boto3 driver signs with the local clock and does not correct it from the target's answer, so a request on a caller clock moved by clock control is refused as a stale signature; judge it with --driver raw or sdk";

const noBatch = (what: string) => `the target's fixtures allow no ${what} (a SaaS product with subscribed customers of the right kind)`;

/** One fixed sample of an arbitrary, for the examples of observation rules (seeded by the run). */
function sampleOf<T>(ctx: RuleContext, arbitrary: fc.Arbitrary<T>): T {
  return fc.sample(arbitrary, { numRuns: 1, seed: ctx.context.seed })[0];
}

function productOf(ctx: RuleContext, batch: BatchMeterUsageInput): ProductFixture {
  const code = batch.ProductCode ?? ctx.fixtures.customers.find((c) => c.licenseArn !== undefined && c.licenseArn === batch.UsageRecords[0]?.LicenseArn)?.productCode;
  const product = ctx.fixtures.products.find((p) => p.code === code && p.kind === 'saas') ?? ctx.fixtures.products.find((p) => p.kind === 'saas');
  if (!product) throw new Error('internal: a generated batch without a SaaS product');
  return product;
}

function customerOf(ctx: RuleContext, record: UsageRecord): CustomerFixture | undefined {
  return ctx.fixtures.customers.find(
    (c) => (record.CustomerIdentifier !== undefined && c.identifier === record.CustomerIdentifier) || (record.CustomerAWSAccountId !== undefined && c.accountId === record.CustomerAWSAccountId),
  );
}

/** The window of the model version under test and its earliest clearly-accepted instant. */
function windowAt(ctx: RuleContext, nowMs: number) {
  const window = timestampWindow(ctx.model, 'BatchMeterUsage');
  return { window, earliest: earliestAccepted(nowMs, window, MARGIN_MS) };
}

const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Another instant of the same UTC hour, inside [earliest, nowMs] (the same instant if the hour holds no other). */
function otherInstantOfHour(timestamp: Date, earliest: number, nowMs: number): fc.Arbitrary<Date> {
  const t = timestamp.getTime();
  const lo = Math.max(hourOf(t), earliest);
  const hi = Math.min(hourOf(t) + HOUR_MS - 1, nowMs);
  if (lo >= hi) return fc.constant(timestamp);
  return fc.integer({ min: lo, max: hi }).map((x) => new Date(x === t ? (x === hi ? lo : x + 1) : x));
}

/** Inserts `extra` into `records` at `at` (modulo the length). */
function insertAt<T>(records: T[], extra: T, at: number): { records: T[]; index: number } {
  const index = at % (records.length + 1);
  return { records: [...records.slice(0, index), extra, ...records.slice(index)], index };
}

/** The same record with another quantity and no allocations: a new record if nothing was recorded, DuplicateRecord otherwise. */
function withOtherQuantity(ctx: RuleContext, record: UsageRecord): UsageRecord {
  const { UsageAllocations: _dropped, ...rest } = record;
  const q = record.Quantity ?? 0;
  return { ...rest, Quantity: q >= modelLimits(ctx.model).quantity ? q - 1 : q + 1 };
}

// ---- answers --------------------------------------------------------------------------

/** What the target said about one input record. */
interface Answer {
  status: unknown;
  id: unknown;
  /** The UsageRecord the result echoes. */
  record: Record<string, unknown>;
}
type Slot = Answer | 'unprocessed';

const present = (s: unknown) => (s === undefined || s === null || s === '' ? undefined : s);

/** Who, what and when: enough to tell apart the records of one generated batch. */
function recordKey(record: Record<string, unknown> | UsageRecord): string {
  const r = record as Record<string, unknown>;
  return JSON.stringify([present(r.CustomerIdentifier) ?? null, present(r.CustomerAWSAccountId) ?? null, present(r.LicenseArn) ?? null, r.Dimension, timestampMs(r.Timestamp) ?? null]);
}

function listMember(outcome: SuccessOutcome, member: string): Record<string, unknown>[] {
  const value = outcome.output[member];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => v === null || typeof v !== 'object')) fail(`${member} to be a list of objects`, outcome);
  return value as Record<string, unknown>[];
}

/**
 * Pairs every input record with its result or with UnprocessedRecords. A record answered
 * nowhere, twice, or an answer matching no record breaks the partition (semantics §5 item 11).
 */
function align(outcome: SuccessOutcome, given: UsageRecord[]): Slot[] {
  const pending = new Map<string, number[]>();
  // Judged against the records as the driver sent them (a Timestamp in whole seconds under boto3).
  const records = recordsAsSent(given, outcome);
  records.forEach((r, i) => pending.set(recordKey(r), [...(pending.get(recordKey(r)) ?? []), i]));
  const slots: (Slot | undefined)[] = records.map(() => undefined);
  const place = (key: string, slot: Slot, where: string) => {
    const i = pending.get(key)?.shift();
    if (i === undefined) fail(`every entry of ${where} to answer one input record exactly once; ${where} holds ${key}, which answers no remaining input record`, outcome);
    slots[i] = slot;
  };
  for (const result of listMember(outcome, 'Results')) {
    const record = (result.UsageRecord ?? {}) as Record<string, unknown>;
    place(recordKey(record), { status: result.Status, id: result.MeteringRecordId, record }, 'Results');
  }
  for (const record of listMember(outcome, 'UnprocessedRecords')) place(recordKey(record), 'unprocessed', 'UnprocessedRecords');
  const missing = slots.flatMap((s, i) => (s === undefined ? [i] : []));
  if (missing.length > 0) fail(`every input record in Results or UnprocessedRecords; records ${missing.join(', ')} are in neither`, outcome);
  return slots as Slot[];
}

interface Sent {
  outcome: Outcome;
  /** Per input record, when the request succeeded; 'unprocessed' if still so after resubmissions. */
  slots?: Slot[];
}

/** Sends a batch; UnprocessedRecords are resubmitted as-is, as the documentation asks. */
async function send(run: PropertyRun, batch: BatchMeterUsageInput): Promise<Sent> {
  const outcome = await run.call('BatchMeterUsage', { ...batch });
  if (outcome.kind !== 'success') return { outcome };
  const slots = align(outcome, batch.UsageRecords);
  for (let round = 0; round < UNPROCESSED_RESUBMISSIONS; round++) {
    const open = slots.flatMap((s, i) => (s === 'unprocessed' ? [i] : []));
    if (open.length === 0) break;
    const again = await run.call('BatchMeterUsage', { ...batch, UsageRecords: open.map((i) => batch.UsageRecords[i]) });
    if (again.kind !== 'success') break;
    align(again, open.map((i) => batch.UsageRecords[i])).forEach((slot, j) => (slots[open[j]] = slot));
  }
  return { outcome, slots };
}

/**
 * The answers of a successful request. Records the target never processes cannot be judged:
 * like a target that only throttles, that is an `error`, not a verdict.
 */
function settled(sent: Sent, what: string): Answer[] {
  expectSuccess(sent.outcome, what);
  if (sent.slots!.some((s) => s === 'unprocessed')) {
    throw new TargetError(`left records in UnprocessedRecords after ${UNPROCESSED_RESUBMISSIONS} resubmissions`, sent.outcome.exchange);
  }
  return sent.slots as Answer[];
}

/** Sends a batch that must succeed; the answers, one per input record. */
async function submit(run: PropertyRun, batch: BatchMeterUsageInput, what = 'HTTP 200'): Promise<Answer[]> {
  return settled(await send(run, batch), what);
}

const isHonored = (a: Answer) => a.status === 'Success' && typeof a.id === 'string' && a.id !== '';

/** Every record Success with a non-empty MeteringRecordId; the ids, in input order. */
function expectHonored(answers: Answer[], what: string): string[] {
  answers.forEach((a, i) => {
    if (!isHonored(a)) fail(`${what}: record ${i} with Status Success and a non-empty MeteringRecordId`, { record: i, Status: a.status, MeteringRecordId: a.id });
  });
  return answers.map((a) => a.id as string);
}

/** A rejected request recorded nothing: its valid records, with other quantities, are new records (Success, not DuplicateRecord). */
async function expectNothingRecorded(ctx: RuleContext, run: PropertyRun, batch: BatchMeterUsageInput, records: UsageRecord[], what: string): Promise<void> {
  if (records.length === 0) return;
  const probe = { ...batch, UsageRecords: records.map((r) => withOtherQuantity(ctx, r)) };
  const answers = await submit(run, probe, `HTTP 200 for the valid records of the rejected request, sent again with other quantities`);
  expectHonored(answers, `${what} recorded nothing, so its valid records with other quantities are new records`);
}

const slotText = (slot: Slot) => (slot === 'unprocessed' ? 'left in UnprocessedRecords' : String(slot.status));

/** Status and error type, or the statuses of the records, for observation rules. */
function answerText({ outcome, slots }: Sent): string {
  if (outcome.kind === 'error') return outcomeText(outcome);
  const statuses = slots ? slots.map(slotText) : listMember(outcome, 'Results').map((r) => String(r.Status));
  return `HTTP ${outcome.status} with Status ${statuses.join(', ') || '(no results)'}`;
}

// ---- acceptance, partition, echo, ids -------------------------------------------------

rule('batch-meter-usage.accepts-valid', async (ctx) => {
  const arbitrary = batches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(ctx, noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch }, run) => {
    expectHonored(await submit(run, batch, 'HTTP 200 for a valid batch'), 'a valid batch');
  });
});

/** Unsubscribed customers of `product` that a batch in `mode` can name. */
function unsubscribedFor(ctx: RuleContext, mode: Mode, product: ProductFixture): CustomerFixture[] {
  return ctx.fixtures.customers.filter(
    (c) =>
      !c.subscribed &&
      c.productCode === product.code &&
      (mode.name !== 'legacy' || c.identifier !== undefined) &&
      (mode.name !== 'license' || c.licenseArn !== undefined),
  );
}

/** Records of unsubscribed customers of the batch's product, in the batch's mode, at distinct keys. */
function unsubscribedRecords(ctx: RuleContext, generated: Generated, nowMs: number, count: { min: number; max: number }): fc.Arbitrary<UsageRecord[]> {
  const { mode, batch } = generated;
  const product = productOf(ctx, batch);
  const customers = unsubscribedFor(ctx, mode, product);
  if (customers.length === 0 || count.max === 0) return fc.constant([]);
  const { earliest } = windowAt(ctx, nowMs);
  const record = fc.record({
    customer: fc.constantFrom(...customers),
    dimension: fc.constantFrom(...product.dimensions),
    at: fc.integer({ min: earliest, max: nowMs }),
    quantity: fc.integer({ min: 0, max: 1000 }),
  });
  return fc
    .uniqueArray(record, { minLength: count.min, maxLength: count.max, selector: (r) => `${r.customer.accountId}|${r.dimension}|${hourOf(r.at)}` })
    .map((picked) =>
      picked.map(({ customer, dimension, at, quantity }): UsageRecord => ({
        Timestamp: new Date(Math.floor(at / SECOND_MS) * SECOND_MS),
        Dimension: dimension,
        Quantity: quantity,
        ...(mode.name === 'legacy' ? { CustomerIdentifier: customer.identifier } : { CustomerAWSAccountId: customer.accountId }),
        ...(mode.name === 'license' ? { LicenseArn: customer.licenseArn } : {}),
      })),
    );
}

/**
 * A batch of subscribed customers with `count` records of unsubscribed customers mixed in
 * (`unsubscribed` holds their positions). With count.min > 0, only modes whose product has an
 * unsubscribed customer to name are used; undefined when there is none.
 */
function mixedBatches(ctx: RuleContext, nowMs: number, count: { min: number; max: number }): fc.Arbitrary<{ batch: BatchMeterUsageInput; unsubscribed: number[] }> | undefined {
  const limit = modelLimits(ctx.model).records;
  const modes = modesOf(ctx, nowMs)
    .filter((mode) => count.min === 0 || unsubscribedFor(ctx, mode, productOf(ctx, sampleOf(ctx, batches(ctx, nowMs, { modes: [mode.name], max: 1 })!).batch)).length > 0)
    .map((m) => m.name);
  const base = modes.length > 0 ? batches(ctx, nowMs, { max: limit - count.max, modes }) : undefined;
  if (!base) return undefined;
  return base.chain((generated) =>
    fc.tuple(unsubscribedRecords(ctx, generated, nowMs, count), fc.array(fc.nat(), { minLength: count.max, maxLength: count.max })).map(([extras, positions]) => {
      let records = generated.batch.UsageRecords;
      extras.forEach((extra, i) => (records = insertAt(records, extra, positions[i]).records));
      const marked = new Set<UsageRecord>(extras);
      return { batch: { ...generated.batch, UsageRecords: records }, unsubscribed: records.flatMap((r, i) => (marked.has(r) ? [i] : [])) };
    }),
  );
}

rule('batch-meter-usage.results-partition', async (ctx) => {
  const arbitrary = mixedBatches(ctx, ctx.nowMs(), { min: 0, max: 3 });
  if (!arbitrary) return notApplicable(ctx, noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch }, run) => {
    const outcome = await run.call('BatchMeterUsage', { ...batch });
    expectSuccess(outcome, 'HTTP 200 for a batch of subscribed and unsubscribed customers');
    align(outcome, batch.UsageRecords);
  });
});

/** A record as the comparison sees it: timestamps in ms, Quantity 0 when omitted, "" as absent, allocations as a set. */
function canonicalRecord(record: Record<string, unknown>): string {
  const allocations = record.UsageAllocations as UsageAllocation[] | undefined;
  return JSON.stringify({
    Timestamp: timestampMs(record.Timestamp) ?? record.Timestamp ?? null,
    Dimension: record.Dimension ?? null,
    Quantity: record.Quantity ?? 0,
    CustomerIdentifier: present(record.CustomerIdentifier) ?? null,
    CustomerAWSAccountId: present(record.CustomerAWSAccountId) ?? null,
    LicenseArn: present(record.LicenseArn) ?? null,
    UsageAllocations: Array.isArray(allocations) ? allocations.map((a) => [a.AllocatedUsageQuantity, tagSetKey(a.Tags)]).sort() : null,
  });
}

rule('batch-meter-usage.echoed-record', async (ctx) => {
  const arbitrary = mixedBatches(ctx, ctx.nowMs(), { min: 0, max: 2 });
  if (!arbitrary) return notApplicable(ctx, noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch }, run) => {
    const sending = await send(run, batch);
    const answers = settled(sending, 'HTTP 200');
    const records = recordsAsSent(batch.UsageRecords, sending.outcome);
    answers.forEach((answer, i) => {
      const sent = canonicalRecord(records[i] as unknown as Record<string, unknown>);
      if (canonicalRecord(answer.record) !== sent) fail(`the result of record ${i} to echo it: ${sent}`, { record: i, echoed: answer.record });
    });
  });
});

rule('batch-meter-usage.results-order', async (ctx) => {
  const arbitrary = batches(ctx, ctx.nowMs(), { min: 2 });
  if (!arbitrary) return notApplicable(ctx, noBatch('batch of two records'));
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ batch }, run) => {
      const outcome = await run.call('BatchMeterUsage', { ...batch });
      if (outcome.kind !== 'success') return seen.add('a valid batch', answerText({ outcome }));
      const order = listMember(outcome, 'Results').map((r) => recordKey((r.UsageRecord ?? {}) as Record<string, unknown>));
      const sent = recordsAsSent(batch.UsageRecords, outcome).map(recordKey).filter((k) => order.includes(k));
      seen.add('Results order', order.every((k, i) => k === sent[i]) ? 'the order of the request' : 'another order than the request');
    },
    { numRuns: Math.min(ctx.context.runs, 20) },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.record-ids-unique', async (ctx) => {
  const base = batches(ctx, ctx.nowMs(), { min: 2 });
  if (!base) return notApplicable(ctx, noBatch('batch of two records'));
  // The records go out in one request or split over two: ids must differ either way.
  const arbitrary = base.chain((g) => fc.integer({ min: 1, max: g.batch.UsageRecords.length }).map((cut) => ({ ...g, cut })));
  await ctx.property(arbitrary, async ({ batch, cut }, run) => {
    const parts = [batch.UsageRecords.slice(0, cut), batch.UsageRecords.slice(cut)].filter((p) => p.length > 0);
    const ids: string[] = [];
    for (const part of parts) ids.push(...expectHonored(await submit(run, { ...batch, UsageRecords: part }), 'a valid batch'));
    const first = new Map<string, number>();
    ids.forEach((id, i) => {
      const earlier = first.get(id);
      if (earlier !== undefined) fail(`a distinct MeteringRecordId per record; records ${earlier} and ${i} share one`, { MeteringRecordIds: ids });
      first.set(id, i);
    });
  });
});

// ---- retries and duplicates -----------------------------------------------------------

rule('batch-meter-usage.identical-retry', async (ctx) => {
  const base = batches(ctx, ctx.nowMs());
  if (!base) return notApplicable(ctx, noBatch('valid batch'));
  const arbitrary = base.chain(({ batch }) => identicalRetry(batch).map((retry) => ({ batch, retry })));
  await ctx.property(arbitrary, async ({ batch, retry }, run) => {
    const ids = expectHonored(await submit(run, batch), 'the first request');
    const again = expectHonored(await submit(run, retry, 'HTTP 200 for the identical retry'), 'the identical retry');
    again.forEach((id, i) => {
      if (id !== ids[i]) fail(`the identical retry to return record ${i}'s MeteringRecordId ${ids[i]}`, { record: i, MeteringRecordId: id });
    });
  });
});

rule('batch-meter-usage.subset-retry', async (ctx) => {
  const base = batches(ctx, ctx.nowMs());
  if (!base) return notApplicable(ctx, noBatch('valid batch'));
  const arbitrary = base.chain(({ batch }) => batchSubset(batch).map((subset) => ({ batch, subset })));
  await ctx.property(arbitrary, async ({ batch, subset }, run) => {
    const ids = expectHonored(await submit(run, batch), 'the first request');
    const byKey = new Map(batch.UsageRecords.map((r, i) => [recordKey(r), ids[i]]));
    const again = expectHonored(await submit(run, subset, 'HTTP 200 for the subset retry'), 'the subset retry');
    again.forEach((id, i) => {
      const original = byKey.get(recordKey(subset.UsageRecords[i]));
      if (id !== original) fail(`the retried record ${i} to keep its MeteringRecordId ${original}`, { record: i, MeteringRecordId: id });
    });
  });
});

/** A batch, one of its records, and a later record for the same customer and dimension (see `twin`). */
function laterRecords(ctx: RuleContext, nowMs: number, twin: (record: UsageRecord, earliest: number) => fc.Arbitrary<UsageRecord>) {
  const base = batches(ctx, nowMs);
  if (!base) return undefined;
  const { earliest } = windowAt(ctx, nowMs);
  return base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).chain((index) => twin(batch.UsageRecords[index], earliest).map((later) => ({ batch, index, later }))),
  );
}

rule('batch-meter-usage.duplicate-record', async (ctx) => {
  const arbitrary = laterRecords(ctx, ctx.nowMs(), (record) => recordWithOtherQuantity(ctx.model, record));
  if (!arbitrary) return notApplicable(ctx, noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, index, later }, run) => {
    const ids = expectHonored(await submit(run, batch), 'the first request');
    const [answer] = await submit(run, { ...batch, UsageRecords: [later] }, 'HTTP 200 for the record with another quantity');
    if (answer.status !== 'DuplicateRecord') fail('Status DuplicateRecord for the same customer, dimension and time with another quantity', answer);
    const [original] = await submit(run, { ...batch, UsageRecords: [batch.UsageRecords[index]] }, 'HTTP 200 for a retry of the original record');
    if (!isHonored(original) || original.id !== ids[index]) fail(`the original record to stay recorded: its retry answers Success with MeteringRecordId ${ids[index]}`, original);
  });
});

rule('batch-meter-usage.hour-key', async (ctx) => {
  const now = ctx.nowMs();
  const arbitrary = laterRecords(ctx, now, (record, earliest) =>
    fc
      .tuple(recordWithOtherQuantity(ctx.model, record), otherInstantOfHour(record.Timestamp, earliest, now))
      .map(([other, timestamp]) => ({ ...other, Timestamp: timestamp })),
  );
  if (!arbitrary) return notApplicable(ctx, noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, later }, run) => {
    expectHonored(await submit(run, batch), 'the first request');
    const [answer] = await submit(run, { ...batch, UsageRecords: [later] }, 'HTTP 200 for the record at another instant of the hour');
    if (answer.status !== 'DuplicateRecord') fail('Status DuplicateRecord for the same customer, dimension and hour with another quantity', answer);
  });
});

rule('batch-meter-usage.same-hour-other-time', async (ctx) => {
  const now = ctx.nowMs();
  const arbitrary = laterRecords(ctx, now, (record, earliest) => otherInstantOfHour(record.Timestamp, earliest, now).map((t) => ({ ...record, Timestamp: t })));
  if (!arbitrary) return notApplicable(ctx, noBatch('valid batch'));
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ batch, index, later }, run) => {
      const ids = expectHonored(await submit(run, batch), 'the first request');
      const sent = await send(run, { ...batch, UsageRecords: [later] });
      const a = sent.slots?.[0];
      const answer =
        a === undefined || a === 'unprocessed'
          ? answerText(sent)
          : isHonored(a)
            ? `Success with ${a.id === ids[index] ? 'the original' : 'a new'} MeteringRecordId`
            : `Status ${String(a.status)}`;
      seen.add('same customer, dimension, hour and quantity at another instant', answer);
    },
    { numRuns: Math.min(ctx.context.runs, 20) },
  );
  seen.record(ctx);
});

type TwinKind = 'identical record' | 'same quantity at another instant of the hour' | 'another quantity';

/** A batch holding one record twice under the same customer/dimension/hour key; `pair` are their positions. */
function twinBatches(ctx: RuleContext, nowMs: number) {
  const limit = modelLimits(ctx.model).records;
  const base = batches(ctx, nowMs, { max: limit - 1 });
  if (!base) return undefined;
  const { earliest } = windowAt(ctx, nowMs);
  return base.chain(({ batch }) =>
    fc
      .tuple(fc.nat({ max: batch.UsageRecords.length - 1 }), fc.constantFrom<TwinKind>('identical record', 'same quantity at another instant of the hour', 'another quantity'), fc.nat())
      .chain(([index, kind, at]) => {
        const record = batch.UsageRecords[index];
        const twin =
          kind === 'identical record'
            ? fc.constant({ ...record })
            : kind === 'another quantity'
              ? recordWithOtherQuantity(ctx.model, record)
              : otherInstantOfHour(record.Timestamp, earliest, nowMs).map((t) => ({ ...record, Timestamp: t }));
        return twin.map((copy) => {
          const placed = insertAt(batch.UsageRecords, copy, at);
          const original = placed.records.indexOf(record);
          return { kind, batch: { ...batch, UsageRecords: placed.records }, pair: [original, placed.index] as [number, number] };
        });
      }),
  );
}

/** Statuses of the two twins; twins with equal keys may have their answers swapped, which changes nothing here. */
async function sendTwins(run: PropertyRun, batch: BatchMeterUsageInput, pair: [number, number]) {
  const sent = await send(run, batch);
  return { sent, twins: sent.slots ? pair.map((i) => sent.slots![i]) : undefined };
}

rule('batch-meter-usage.same-key-in-one-batch', async (ctx) => {
  const arbitrary = twinBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(ctx, noBatch('valid batch'));
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ kind, batch, pair }, run) => {
      const { sent, twins } = await sendTwins(run, batch, pair);
      const honored = twins?.filter((t): t is Answer => t !== 'unprocessed' && isHonored(t)) ?? [];
      const ids = honored.length === 2 ? (honored[0].id === honored[1].id ? ' (one MeteringRecordId)' : ' (two MeteringRecordIds)') : '';
      const answer = twins ? `${twins.map(slotText).join(' + ')}${ids}` : answerText(sent);
      seen.add(kind, answer);
    },
    { numRuns: Math.min(ctx.context.runs, 30) },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.same-key-in-one-batch-billed-once', async (ctx) => {
  const arbitrary = twinBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(ctx, noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, pair }, run) => {
    const { twins } = await sendTwins(run, batch, pair);
    if (!twins) return; // A rejected request bills nothing.
    const billed = new Set(twins.filter((t): t is Answer => t !== 'unprocessed' && isHonored(t)).map((t) => t.id));
    if (billed.size > 1) fail('at most one honored MeteringRecordId for two records with the same customer, dimension and hour', { twins });
  });
});

// ---- customers ------------------------------------------------------------------------

rule('batch-meter-usage.unsubscribed-customer', async (ctx) => {
  const arbitrary = mixedBatches(ctx, ctx.nowMs(), { min: 1, max: 2 });
  if (!arbitrary) return notApplicable(ctx, noBatch('batch with an unsubscribed customer of the same product'));
  await ctx.property(arbitrary, async ({ batch, unsubscribed }, run) => {
    const answers = await submit(run, batch, 'HTTP 200 for a batch with an unsubscribed customer');
    answers.forEach((a, i) => {
      if (unsubscribed.includes(i)) {
        if (a.status !== 'CustomerNotSubscribed') fail(`Status CustomerNotSubscribed for record ${i} (an unsubscribed customer)`, a);
      } else if (!isHonored(a)) fail(`Status Success with a MeteringRecordId for record ${i} (a subscribed customer)`, a);
    });
  });
});

/** A valid batch (legacy or account mode) with one record of a customer that does not exist. */
function unknownCustomerBatches(ctx: RuleContext, nowMs: number) {
  const limit = modelLimits(ctx.model).records;
  const base = batches(ctx, nowMs, { min: 0, max: limit - 1, modes: ['legacy', 'account'] });
  if (!base) return undefined;
  const identifiers = new Set(ctx.fixtures.customers.map((c) => c.identifier));
  const accounts = new Set(ctx.fixtures.customers.map((c) => c.accountId));
  const { earliest } = windowAt(ctx, nowMs);
  // Built once, outside the chain: regular-expression arbitraries are costly to build.
  const unknownIdentifier = fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/).filter((s) => !identifiers.has(s)).map((s) => ({ CustomerIdentifier: s }));
  const unknownAccount = fc.stringMatching(/^[0-9]{12}$/).filter((s) => !accounts.has(s)).map((s) => ({ CustomerAWSAccountId: s }));
  return base.chain(({ mode, batch }) => {
    const product = productOf(ctx, batch);
    const who = mode.name === 'legacy' ? unknownIdentifier : unknownAccount;
    const record = fc.record({ who, dimension: fc.constantFrom(...product.dimensions), at: fc.integer({ min: earliest, max: nowMs }), quantity: fc.nat({ max: 1000 }) });
    return fc.tuple(record, fc.nat()).map(([r, at]) => {
      const unknown: UsageRecord = { Timestamp: new Date(r.at), Dimension: r.dimension, Quantity: r.quantity, ...r.who };
      const placed = insertAt(batch.UsageRecords, unknown, at);
      return { kind: mode.name === 'legacy' ? 'unknown CustomerIdentifier' : 'unknown CustomerAWSAccountId', batch: { ...batch, UsageRecords: placed.records }, index: placed.index };
    });
  });
}

rule('batch-meter-usage.unknown-product', async (ctx) => {
  const arbitrary = batches(ctx, ctx.nowMs(), { max: 5, modes: ['legacy', 'account'] });
  if (!arbitrary) return notApplicable(ctx, noBatch('batch with ProductCode'));
  const known = new Set(ctx.fixtures.products.map((p) => p.code));
  const scenario = fc.record({ generated: arbitrary, code: fc.stringMatching(/^[-a-zA-Z0-9/=:_.@]{1,64}$/).filter((code) => !known.has(code)) });
  await ctx.property(scenario, async ({ generated: { batch }, code }, run) => {
    const { outcome } = await send(run, { ...batch, ProductCode: code });
    expectError(outcome, 'InvalidProductCodeException', `HTTP 4xx InvalidProductCodeException for ProductCode ${JSON.stringify(code)}, which names no published product`);
    await expectNothingRecorded(ctx, run, batch, batch.UsageRecords, 'the batch with an unknown ProductCode');
  });
});

rule('batch-meter-usage.unknown-customer', async (ctx) => {
  const arbitrary = unknownCustomerBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(ctx, noBatch('batch with ProductCode'));
  await ctx.property(arbitrary, async ({ batch, index }, run) => {
    const sent = await send(run, batch);
    const { outcome } = sent;
    if (outcome.kind === 'error') {
      expectError(outcome, 'InvalidCustomerIdentifierException', 'HTTP 4xx InvalidCustomerIdentifierException, or Status CustomerNotSubscribed for the record');
      return;
    }
    const a = settled(sent, 'HTTP 200')[index];
    if (a.status !== 'CustomerNotSubscribed') fail(`InvalidCustomerIdentifierException, or Status CustomerNotSubscribed for record ${index} (a customer that does not exist)`, a);
  });
});

rule('batch-meter-usage.unknown-customer-code', async (ctx) => {
  const arbitrary = unknownCustomerBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(ctx, noBatch('batch with ProductCode'));
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ kind, batch, index }, run) => {
      const sent = await send(run, batch);
      seen.add(kind, sent.slots ? `HTTP ${sent.outcome.status}, record Status ${slotText(sent.slots[index])}` : answerText(sent));
    },
    { numRuns: Math.min(ctx.context.runs, 20) },
  );
  seen.record(ctx);
});

// ---- time window ----------------------------------------------------------------------

rule('batch-meter-usage.window-accepted', async (ctx) => {
  const now = ctx.nowMs();
  const base = batches(ctx, now);
  if (!base) return notApplicable(ctx, noBatch('valid batch'));
  const { earliest } = windowAt(ctx, now);
  // One record from the oldest hour of the window; the others anywhere in it.
  const arbitrary = base
    .chain(({ batch }) =>
      fc.tuple(fc.integer({ min: earliest, max: Math.min(now, earliest + HOUR_MS) }), fc.nat({ max: batch.UsageRecords.length - 1 })).map(([old, index]) => {
        const records = batch.UsageRecords.map((r, i) => (i === index ? { ...r, Timestamp: new Date(old) } : r));
        return { ...batch, UsageRecords: records };
      }),
    )
    .filter((batch) => new Set(batch.UsageRecords.map((r) => `${customerOf(ctx, r)?.accountId}|${r.Dimension}|${hourOf(r.Timestamp.getTime())}`)).size === batch.UsageRecords.length);
  await ctx.property(arbitrary, async (batch, run) => {
    expectHonored(await submit(run, batch, 'HTTP 200 for records inside the window'), 'records inside the window');
  });
});

rule('batch-meter-usage.stale-record-rejects-batch', async (ctx) => {
  const now = ctx.nowMs();
  const base = batches(ctx, now);
  if (!base) return notApplicable(ctx, noBatch('valid batch'));
  const { window } = windowAt(ctx, now);
  const arbitrary = base.chain(({ batch }) =>
    fc.tuple(fc.nat({ max: batch.UsageRecords.length - 1 }), staleTimestamp(now, window, MARGIN_MS)).map(([index, stale]) => ({
      batch: { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, Timestamp: stale } : r)) },
      index,
    })),
  );
  await ctx.property(arbitrary, async ({ batch, index }, run) => {
    expectError(await run.call('BatchMeterUsage', { ...batch }), 'TimestampOutOfBoundsException');
    const others = batch.UsageRecords.filter((_, i) => i !== index);
    await expectNothingRecorded(ctx, run, batch, others, 'the batch rejected for a stale record');
  });
});

/** A one-record batch at an instant computed when the request is sent (clock-relative rules). */
function oneRecord(ctx: RuleContext, nowMs: number) {
  return batches(ctx, nowMs, { min: 1, max: 1 });
}

rule('batch-meter-usage.window-boundary', async (ctx) => {
  const now = ctx.nowMs();
  const single = oneRecord(ctx, now);
  if (!single) return notApplicable(ctx, noBatch('valid batch'));
  const { window } = windowAt(ctx, now);
  const offsets = [-SECOND_MS, 0, SECOND_MS];
  const arbitrary = fc.tuple(single, fc.constantFrom(...offsets));
  const fixed = sampleOf(ctx, single);
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ([{ batch }, offset], run) => {
      const sentAt = ctx.nowMs();
      const age = window.rejectBeyondMs + offset;
      const record = { ...batch.UsageRecords[0], Timestamp: new Date(sentAt - age) };
      const sent = await send(run, { ...batch, UsageRecords: [record] });
      const monthStart = Date.UTC(new Date(sentAt).getUTCFullYear(), new Date(sentAt).getUTCMonth(), 1);
      const note = window.monthCloseMs !== undefined && sentAt - age < monthStart && sentAt >= monthStart + window.monthCloseMs ? ' (previous month, after the month close)' : '';
      const label = offset === 0 ? 'exactly' : offset < 0 ? `${-offset / SECOND_MS} s younger than` : `${offset / SECOND_MS} s older than`;
      seen.add(`a record ${label} ${window.rejectBeyondMs / HOUR_MS} h old${note}`, answerText(sent));
    },
    { examples: offsets.map((o) => [fixed, o] as [Generated, number]), numRuns: offsets.length },
  );
  seen.record(ctx);
});

// ---- month close: a clock set for the rule's own caller ------------------------------

/** Sends a batch as of the caller's clock: the raw driver signs with that time; the SDK corrects its skew from the answer's Date header. */
async function sendAt(ctx: RuleContext, run: PropertyRun, batch: BatchMeterUsageInput, clock: CallerClock | undefined): Promise<Outcome> {
  if (!clock || ctx.context.driver !== 'raw') return run.call('BatchMeterUsage', { ...batch });
  return run.send({ operation: 'BatchMeterUsage', body: encodeInput({ ...batch }), signing: { date: new Date(callerNow(clock)) } });
}

const monthStartOf = (ms: number) => Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth(), 1);
const nextMonthStart = (ms: number) => Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth() + 1, 1);

rule('batch-meter-usage.month-close', async (ctx) => {
  const now = ctx.nowMs();
  const { window } = windowAt(ctx, now);
  const closeAfter = window.monthCloseMs ?? 0;
  // Clocks between the month close and the end of the 1st, where a previous-month record can be less than a window old.
  const inside = (monthStart: number) => ({ from: monthStart + closeAfter + MARGIN_MS, to: monthStart + window.acceptWithinMs - 2 * MARGIN_MS });
  const natural = inside(monthStartOf(now));
  const ownClock = now >= natural.from && now <= natural.to;
  if (!ownClock && !ctx.description.capabilities.clockControl) {
    return notApplicable(
      ctx,
      `the target's clock (${new Date(now).toISOString()}) is not between 06:00 and 24:00 UTC on the first day of a month and the target declares no clock control`,
    );
  }
  if (!ownClock && ctx.context.driver === 'boto3') return notApplicable(ctx, BOTO3_CLOCK_SKEW);
  const monthStart = ownClock ? monthStartOf(now) : nextMonthStart(now);
  const range = inside(monthStart);
  // Records of the new month, valid at every clock of the range.
  const base = batches(ctx, range.from);
  if (!base) return notApplicable(ctx, noBatch('valid batch'));
  const arbitrary = fc
    .tuple(base, ownClock ? fc.constant(now) : fc.integer({ min: range.from, max: range.to }))
    .chain(([{ batch }, clockMs]) =>
      fc.tuple(fc.nat({ max: batch.UsageRecords.length - 1 }), fc.integer({ min: clockMs - window.acceptWithinMs + MARGIN_MS, max: monthStart - 1 })).map(([index, at]) => ({
        clockMs,
        batch: { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, Timestamp: new Date(at) } : r)) },
      })),
    );
  await ctx.property(arbitrary, async ({ clockMs, batch }, run) => {
    const clock = ownClock ? undefined : await setCallerClock(ctx, run, clockMs);
    expectError(await sendAt(ctx, run, batch, clock), 'TimestampOutOfBoundsException', 'HTTP 4xx TimestampOutOfBoundsException for a previous-month record after the month close');
  });
});

rule('batch-meter-usage.month-close-boundary', async (ctx) => {
  const now = ctx.nowMs();
  const { window } = windowAt(ctx, now);
  const monthStart = nextMonthStart(now);
  const close = monthStart + (window.monthCloseMs ?? 0);
  if (ctx.context.driver === 'boto3') return notApplicable(ctx, BOTO3_CLOCK_SKEW);
  const single = batches(ctx, close - MINUTE_MS, { min: 1, max: 1 });
  if (!single) return notApplicable(ctx, noBatch('valid batch'));
  const offsets = [-SECOND_MS, 0, SECOND_MS];
  const fixed = sampleOf(ctx, single);
  const seen = new Observations();
  await ctx.property(
    fc.tuple(single, fc.constantFrom(...offsets)),
    async ([{ batch }, offset], run) => {
      const clock = await setCallerClock(ctx, run, close + offset);
      const record = { ...batch.UsageRecords[0], Timestamp: new Date(monthStart - SECOND_MS) };
      const outcome = await sendAt(ctx, run, { ...batch, UsageRecords: [record] }, clock);
      const label = offset === 0 ? 'at 06:00:00' : offset < 0 ? `${-offset / SECOND_MS} s before 06:00` : `${offset / SECOND_MS} s after 06:00`;
      seen.add(`previous month's last second, clock ${label} UTC on the 1st (plus request latency)`, answerText({ outcome }));
    },
    { examples: offsets.map((o) => [fixed, o] as [Generated, number]), numRuns: offsets.length },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.future-rejected', async (ctx) => {
  const now = ctx.nowMs();
  const base = batches(ctx, now);
  if (!base) return notApplicable(ctx, noBatch('valid batch'));
  const arbitrary = base.chain(({ batch }) =>
    fc.tuple(fc.nat({ max: batch.UsageRecords.length - 1 }), farFutureTimestamp(now, MARGIN_MS)).map(([index, ahead]) => ({
      batch: { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, Timestamp: ahead } : r)) },
      index,
    })),
  );
  await ctx.property(arbitrary, async ({ batch, index }, run) => {
    expectError(await run.call('BatchMeterUsage', { ...batch }), 'TimestampOutOfBoundsException', 'HTTP 4xx TimestampOutOfBoundsException for a record more than an hour ahead');
    const others = batch.UsageRecords.filter((_, i) => i !== index);
    await expectNothingRecorded(ctx, run, batch, others, 'the batch rejected for a future record');
  });
});

rule('batch-meter-usage.future-tolerance', async (ctx) => {
  const single = oneRecord(ctx, ctx.nowMs());
  if (!single) return notApplicable(ctx, noBatch('valid batch'));
  const offsets = [MINUTE_MS, 5 * MINUTE_MS, 59 * MINUTE_MS];
  const fixed = sampleOf(ctx, single);
  const seen = new Observations();
  await ctx.property(
    fc.tuple(single, fc.constantFrom(...offsets)),
    async ([{ batch }, ahead], run) => {
      const record = { ...batch.UsageRecords[0], Timestamp: new Date(ctx.nowMs() + ahead) };
      seen.add(`+${ahead / MINUTE_MS} min`, answerText(await send(run, { ...batch, UsageRecords: [record] })));
    },
    { examples: offsets.map((o) => [fixed, o] as [Generated, number]), numRuns: offsets.length },
  );
  seen.record(ctx);
});

// ---- size limits ----------------------------------------------------------------------

rule('batch-meter-usage.too-many-records', async (ctx) => {
  const limit = modelLimits(ctx.model).records;
  const arbitrary = batches(ctx, ctx.nowMs(), { min: limit + 1, max: limit + 1 });
  if (!arbitrary) return notApplicable(ctx, noBatch(`batch of ${limit + 1} distinct records`));
  await ctx.property(
    arbitrary,
    async ({ batch }, run) => {
      expectClientError(await run.call('BatchMeterUsage', { ...batch }), `an HTTP 4xx for ${limit + 1} records`);
      await expectNothingRecorded(ctx, run, batch, batch.UsageRecords.slice(0, limit), `the request of ${limit + 1} records`);
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
});

/** Batches padded to just under or just over a megabyte; undefined when the fixtures allow none. */
function sizedBatches(ctx: RuleContext, nowMs: number, side: 'under' | 'over'): fc.Arbitrary<BatchMeterUsageInput> | undefined {
  for (const mode of modesOf(ctx, nowMs)) {
    try {
      return batchNearSizeLimit(ctx.model, ctx.fixtures, nowMs, side, { ...mode.options, marginMs: MARGIN_MS });
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
    }
  }
  return undefined;
}

rule('batch-meter-usage.oversize-bytes', async (ctx) => {
  const arbitrary = sizedBatches(ctx, ctx.nowMs(), 'over');
  if (!arbitrary) return notApplicable(ctx, noBatch('batch large enough to pass 1 MB'));
  await ctx.property(
    arbitrary,
    async (batch, run) => {
      expectClientError(await run.call('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for a request of more than 1 MB');
    },
    { numRuns: Math.min(ctx.context.runs, 3) },
  );
});

rule('batch-meter-usage.near-size-limit-accepted', async (ctx) => {
  const arbitrary = sizedBatches(ctx, ctx.nowMs(), 'under');
  if (!arbitrary) return notApplicable(ctx, noBatch('batch large enough to approach 1 MB'));
  await ctx.property(
    arbitrary,
    async (batch, run) => {
      expectHonored(await submit(run, batch, 'HTTP 200 for a valid request just under 1 MB'), 'a valid request just under 1 MB');
    },
    { numRuns: Math.min(ctx.context.runs, 3) },
  );
});

// ---- request shape --------------------------------------------------------------------

const modelHas = (ctx: RuleContext, shape: string, member: string) => memberShape(ctx.model, shape, member) !== undefined;
const productCodeOptional = (ctx: RuleContext) => !structure(ctx.model, 'BatchMeterUsageRequest').required.includes('ProductCode');

/** Legacy batches with one record that also names its customer's account id. */
function bothIdsBatches(ctx: RuleContext, nowMs: number) {
  const base = batches(ctx, nowMs, { modes: ['legacy'] });
  if (!base || !modelHas(ctx, 'UsageRecord', 'CustomerAWSAccountId')) return undefined;
  return base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).map((index) => ({
      ...batch,
      UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, CustomerAWSAccountId: customerOf(ctx, r)!.accountId } : r)),
    })),
  );
}

/** Batches with ProductCode in which one record names no customer. */
function noIdBatches(ctx: RuleContext, nowMs: number) {
  const base = batches(ctx, nowMs, { modes: ['legacy', 'account'] });
  if (!base) return undefined;
  return base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).map((index) => ({
      ...batch,
      UsageRecords: batch.UsageRecords.map((r, i) => {
        if (i !== index) return r;
        const { CustomerIdentifier: _i, CustomerAWSAccountId: _a, ...rest } = r;
        return rest;
      }),
    })),
  );
}

/** Legacy batches sent without ProductCode (absent, or "" with `empty`). */
function legacyWithoutProductCode(ctx: RuleContext, nowMs: number, empty: fc.Arbitrary<boolean>) {
  const base = batches(ctx, nowMs, { modes: ['legacy'] });
  if (!base || !productCodeOptional(ctx)) return undefined;
  return fc.tuple(base, empty).map(([{ batch }, asEmpty]) => ({ batch: { ...batch, ProductCode: asEmpty ? '' : undefined }, original: batch }));
}

rule('batch-meter-usage.rejection-codes', async (ctx) => {
  const now = ctx.nowMs();
  const limit = modelLimits(ctx.model).records;
  const cases: [string, fc.Arbitrary<BatchMeterUsageInput> | undefined][] = [
    [`${limit + 1} records`, batches(ctx, now, { min: limit + 1, max: limit + 1 })?.map((g) => g.batch)],
    ['more than 1 MB', sizedBatches(ctx, now, 'over')],
    ['a record with both CustomerIdentifier and CustomerAWSAccountId', bothIdsBatches(ctx, now)],
    ['a record with neither CustomerIdentifier nor CustomerAWSAccountId', noIdBatches(ctx, now)],
    ['a legacy CustomerIdentifier record without ProductCode', legacyWithoutProductCode(ctx, now, fc.constant(false))?.map((c) => c.batch)],
  ];
  const usable = cases.filter((c): c is [string, fc.Arbitrary<BatchMeterUsageInput>] => c[1] !== undefined);
  if (usable.length === 0) return notApplicable(ctx, noBatch('batch for any of the rejection cases'));
  const examples = usable.map(([situation, arbitrary]) => ({ situation, batch: sampleOf(ctx, arbitrary) }));
  const seen = new Observations();
  await ctx.property(
    fc.constantFrom(...examples),
    async ({ situation, batch }, run) => {
      seen.add(situation, answerText({ outcome: await run.call('BatchMeterUsage', { ...batch }) }));
    },
    { examples, numRuns: examples.length },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.empty-batch', async (ctx) => {
  const saas = ctx.fixtures.products.filter((p) => p.kind === 'saas');
  const codes = fc.constantFrom(...saas.map((p) => p.code));
  const productCodes = productCodeOptional(ctx) ? fc.option(codes, { nil: undefined }) : codes;
  const arbitrary = productCodes.map((code): BatchMeterUsageInput => ({ UsageRecords: [], ...(code !== undefined ? { ProductCode: code } : {}) }));
  await ctx.property(
    arbitrary,
    async (batch, run) => {
      const outcome = await run.call('BatchMeterUsage', { ...batch });
      expectSuccess(outcome, 'HTTP 200 for an empty batch');
      for (const member of ['Results', 'UnprocessedRecords']) {
        if (listMember(outcome, member).length > 0) fail(`an empty or absent ${member} for an empty batch`, outcome);
      }
    },
    { examples: saas.slice(0, 1).map((p) => ({ ProductCode: p.code, UsageRecords: [] })), numRuns: Math.min(ctx.context.runs, 10) },
  );
});

rule('batch-meter-usage.both-customer-ids', async (ctx) => {
  const arbitrary = bothIdsBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(ctx, noBatch('legacy batch'));
  await ctx.property(arbitrary, async (batch, run) => {
    expectClientError(await run.call('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for a record with both CustomerIdentifier and CustomerAWSAccountId');
  });
});

rule('batch-meter-usage.no-customer-id', async (ctx) => {
  const arbitrary = noIdBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(ctx, noBatch('batch with ProductCode'));
  await ctx.property(arbitrary, async (batch, run) => {
    expectClientError(await run.call('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for a record with neither CustomerIdentifier nor CustomerAWSAccountId');
  });
});

rule('batch-meter-usage.empty-product-code', async (ctx) => {
  const now = ctx.nowMs();
  const license = batches(ctx, now, { modes: ['license'] });
  if (!license) return notApplicable(ctx, noBatch('LicenseArn batch'));
  const legacy = legacyWithoutProductCode(ctx, now, fc.constant(true));
  type Case = { expect: 'accepted' | 'rejected'; batch: BatchMeterUsageInput };
  const accepted = license.map(({ batch }): Case => ({ expect: 'accepted', batch: { ...batch, ProductCode: '' } }));
  const rejected = legacy?.map(({ batch }): Case => ({ expect: 'rejected', batch }));
  await ctx.property(rejected ? fc.oneof(accepted, rejected) : accepted, async ({ expect, batch }, run) => {
    if (expect === 'accepted') {
      expectHonored(await submit(run, batch, 'HTTP 200 for LicenseArn records with ProductCode "" (as without ProductCode)'), 'LicenseArn records with ProductCode ""');
    } else {
      expectClientError(await run.call('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for legacy records with ProductCode "" (as without ProductCode)');
    }
  });
});

rule('batch-meter-usage.empty-customer-identifier', async (ctx) => {
  const base = batches(ctx, ctx.nowMs(), { modes: ['account', 'license'] });
  if (!base) return notApplicable(ctx, noBatch('CustomerAWSAccountId batch'));
  const arbitrary = base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).map((index) => ({
      ...batch,
      UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, CustomerIdentifier: '' } : r)),
    })),
  );
  await ctx.property(arbitrary, async (batch, run) => {
    expectHonored(await submit(run, batch, 'HTTP 200 for a record with CustomerIdentifier "" beside its CustomerAWSAccountId'), 'a record with CustomerIdentifier ""');
  });
});

rule('batch-meter-usage.legacy-without-product-code', async (ctx) => {
  const arbitrary = legacyWithoutProductCode(ctx, ctx.nowMs(), fc.constant(false));
  if (!arbitrary) return notApplicable(ctx, noBatch('legacy batch'));
  await ctx.property(arbitrary, async ({ batch, original }, run) => {
    expectClientError(await run.call('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for legacy CustomerIdentifier records without ProductCode');
    await expectNothingRecorded(ctx, run, original, original.UsageRecords, 'the legacy request without ProductCode');
  });
});

/** Pattern-valid license ARNs that no fixture holds. */
function unknownLicenseArn(known: Set<string>): fc.Arbitrary<string> {
  return fc
    .tuple(fc.stringMatching(/^[0-9]{12}$/), fc.stringMatching(/^[0-9a-f]{32}$/))
    .map(([account, id]) => `arn:aws:license-manager::${account}:license:l-${id}`)
    .filter((arn) => !known.has(arn));
}

rule('batch-meter-usage.invalid-license', async (ctx) => {
  const base = batches(ctx, ctx.nowMs(), { modes: ['license'] });
  if (!base) return notApplicable(ctx, noBatch('LicenseArn batch'));
  const licensed = ctx.fixtures.customers.filter((c) => c.licenseArn !== undefined);
  const known = new Set(licensed.map((c) => c.licenseArn!));
  // Built once: regular-expression arbitraries cost far more to build than to draw from.
  const unknown = unknownLicenseArn(known);
  const arbitrary = base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).chain((index) => {
      const record = batch.UsageRecords[index];
      const product = customerOf(ctx, record)?.productCode;
      // Another customer's license of the same product, so only the customer can be wrong.
      const others = licensed.filter((c) => c.accountId !== record.CustomerAWSAccountId && c.productCode === product).map((c) => c.licenseArn!);
      const arn = others.length > 0 ? fc.oneof(unknown, fc.constantFrom(...others)) : unknown;
      return arn.map((LicenseArn) => ({ ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, LicenseArn } : r)) }));
    }),
  );
  await ctx.property(arbitrary, async (batch, run) => {
    expectError(await run.call('BatchMeterUsage', { ...batch }), 'InvalidLicenseException');
  });
});

type RecordFault = 'unknown dimension' | 'invalid tag character' | 'six tags' | 'allocations not adding up';
const FAULT_ERRORS: Record<RecordFault, string> = {
  'unknown dimension': 'InvalidUsageDimensionException',
  'invalid tag character': 'InvalidTagException',
  'six tags': 'InvalidTagException',
  'allocations not adding up': 'InvalidUsageAllocationsException',
};

rule('batch-meter-usage.invalid-record-fails-request', async (ctx) => {
  const base = batches(ctx, ctx.nowMs());
  if (!base) return notApplicable(ctx, noBatch('valid batch'));
  const tagLimit = modelLimits(ctx.model).tags ?? 5;
  const dimensionName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,40}$/);
  const faulty = (record: UsageRecord, dimensions: string[]): fc.Arbitrary<{ fault: RecordFault; record: UsageRecord }> => {
    const q = record.Quantity ?? 0;
    const { UsageAllocations: _dropped, ...bare } = record;
    const withAllocations = (fault: RecordFault, a: fc.Arbitrary<UsageAllocation[]>) => a.map((UsageAllocations) => ({ fault, record: { ...bare, UsageAllocations } }));
    return fc.oneof(
      dimensionName.filter((d) => !dimensions.includes(d)).map((Dimension) => ({ fault: 'unknown dimension' as const, record: { ...record, Dimension } })),
      withAllocations('invalid tag character', edgeCharacterAllocations(ctx.model, q, 'rejected')),
      withAllocations('six tags', allocationWithTagCount(ctx.model, q, tagLimit + 1)),
      withAllocations('allocations not adding up', allocationsNotSummingTo(ctx.model, q)),
    );
  };
  const arbitrary = base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).chain((index) =>
      faulty(batch.UsageRecords[index], productOf(ctx, batch).dimensions).map(({ fault, record }) => ({
        fault,
        index,
        batch: { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? record : r)) },
      })),
    ),
  );
  await ctx.property(arbitrary, async ({ fault, index, batch }, run) => {
    expectError(await run.call('BatchMeterUsage', { ...batch }), FAULT_ERRORS[fault], `HTTP 4xx ${FAULT_ERRORS[fault]} for the whole request (one record has ${fault})`);
    const others = batch.UsageRecords.filter((_, i) => i !== index);
    await expectNothingRecorded(ctx, run, batch, others, `the request rejected for ${fault}`);
  });
});

// ---- licenses across products and keys -----------------------------------------------

rule('batch-meter-usage.mixed-license-products', async (ctx) => {
  const now = ctx.nowMs();
  const { earliest } = windowAt(ctx, now);
  const licensed = ctx.fixtures.customers.filter((c) => c.subscribed && c.licenseArn !== undefined && ctx.fixtures.products.some((p) => p.kind === 'saas' && p.code === c.productCode));
  const byProduct = new Map<string, CustomerFixture>();
  for (const c of licensed) if (!byProduct.has(c.productCode)) byProduct.set(c.productCode, c);
  if (byProduct.size < 2 || !modelHas(ctx, 'UsageRecord', 'CustomerAWSAccountId')) {
    return notApplicable(ctx, 'needs two SaaS products with a subscribed, licensed customer each, which the target does not declare (target.yaml: fixtures.products, fixtures.customers[].licenseArn)');
  }
  const record = (customer: CustomerFixture) => {
    const product = ctx.fixtures.products.find((p) => p.code === customer.productCode)!;
    return fc.record({ Dimension: fc.constantFrom(...product.dimensions), at: fc.integer({ min: earliest, max: now }), Quantity: fc.nat({ max: 1000 }) }).map(
      ({ Dimension, at, Quantity }): UsageRecord => ({ Timestamp: new Date(at), Dimension, Quantity, CustomerAWSAccountId: customer.accountId, LicenseArn: customer.licenseArn }),
    );
  };
  const customers = [...byProduct.values()].slice(0, 2);
  const seen = new Observations();
  await ctx.property(
    fc.tuple(record(customers[0]), record(customers[1])).map((records): BatchMeterUsageInput => ({ UsageRecords: records })),
    async (batch, run) => {
      seen.add('LicenseArns of two products in one batch', answerText(await send(run, batch)));
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.product-and-license-keys', async (ctx) => {
  const base = batches(ctx, ctx.nowMs(), { modes: ['account'] });
  const licensed = new Set(ctx.fixtures.customers.filter((c) => c.licenseArn !== undefined).map((c) => c.accountId));
  if (!base || !modelHas(ctx, 'UsageRecord', 'LicenseArn')) return notApplicable(ctx, noBatch('CustomerAWSAccountId batch with a licensed customer'));
  const arbitrary = base
    .filter(({ batch }) => batch.UsageRecords.some((r) => licensed.has(r.CustomerAWSAccountId ?? '')))
    .chain(({ batch }) => {
      const record = batch.UsageRecords.find((r) => licensed.has(r.CustomerAWSAccountId ?? ''))!;
      return recordWithOtherQuantity(ctx.model, record).map((other) => ({
        first: { ...batch, UsageRecords: [record] },
        second: { UsageRecords: [{ ...other, LicenseArn: customerOf(ctx, record)!.licenseArn }] } as BatchMeterUsageInput,
      }));
    });
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ first, second }, run) => {
      expectHonored(await submit(run, first), 'the ProductCode record');
      seen.add('a LicenseArn record after a ProductCode record of the same customer, dimension and hour with another quantity', answerText(await send(run, second)));
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
  seen.record(ctx);
});
