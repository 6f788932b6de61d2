// How the BatchMeterUsage suites send a batch and read its answer: every input record paired with
// its result or with UnprocessedRecords (resubmitted as the documentation asks), the honored
// records, and the text observation rules record.
import { withNextQuantity, type BatchMeterUsageInput, type UsageRecord } from '../../generators/index.js';
import { TargetError, type Outcome, type SuccessOutcome } from '../../target/types.js';
import { expectSuccess, fail } from '../harness/expect.js';
import { outcomeText } from '../harness/observations.js';
import type { PropertyRun, RuleContext } from '../harness/rule.js';
import { KeyTaken, type HeldUsageRecord } from '../harness/run-ledger.js';
import { recordsAsSent, timestampMs } from '../stateful/batch-results.js';

/** UnprocessedRecords are retried as-is this many times before giving up. */
export const UNPROCESSED_RESUBMISSIONS = 2;

/**
 * boto3 signs with the local clock and, unlike the JS SDK, does not correct it from the Date of
 * an answer that refuses a skewed signature: a request on a caller clock moved by clock control
 * is refused as a stale signature before its records are judged.
 */
export const BOTO3_CLOCK_SKEW = "the boto3 driver signs with the local clock and does not correct it from the target's answer, so a request on a caller clock moved by clock control is refused as a stale signature; judge it with --driver raw or sdk";

export const noBatch = (what: string) => `the target's fixtures allow no ${what} (a SaaS product with subscribed customers of the right kind)`;

/** What the target said about one input record. */
export interface Answer {
  status: unknown;
  id: unknown;
  /** The UsageRecord the result echoes. */
  record: Record<string, unknown>;
}
export type Slot = Answer | 'unprocessed';

export const present = (s: unknown) => (s === undefined || s === null || s === '' ? undefined : s);

/** Who, what and when: enough to tell apart the records of one generated batch. */
export function recordKey(record: Record<string, unknown> | UsageRecord): string {
  const r = record as Record<string, unknown>;
  return JSON.stringify([present(r.CustomerIdentifier) ?? null, present(r.CustomerAWSAccountId) ?? null, present(r.LicenseArn) ?? null, r.Dimension, timestampMs(r.Timestamp) ?? null]);
}

export function listMember(outcome: SuccessOutcome, member: string): Record<string, unknown>[] {
  const value = outcome.output[member];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => v === null || typeof v !== 'object')) fail(`${member} to be a list of objects`, outcome);
  return value as Record<string, unknown>[];
}

/**
 * Pairs every input record with its result or with UnprocessedRecords. A record answered
 * nowhere, twice, or an answer matching no record breaks the partition.
 */
export function align(outcome: SuccessOutcome, given: UsageRecord[]): Slot[] {
  const pending = new Map<string, number[]>();
  // Judged against the records as the driver sent them (a Timestamp in whole seconds under boto3).
  const records = recordsAsSent(given, outcome);
  records.forEach((r, i) => {
    const key = recordKey(r);
    const at = pending.get(key);
    if (at) at.push(i);
    else pending.set(key, [i]);
  });
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

export interface Sent {
  outcome: Outcome;
  /** Per input record, when the request succeeded; 'unprocessed' if still so after resubmissions. */
  slots?: Slot[];
}

/** Sends a batch; UnprocessedRecords are resubmitted as-is, as the documentation asks. */
export async function send(run: PropertyRun, batch: BatchMeterUsageInput): Promise<Sent> {
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
export function settled(sent: Sent, what: string): Answer[] {
  expectSuccess(sent.outcome, what);
  if (sent.slots!.some((s) => s === 'unprocessed')) {
    throw new TargetError(`left records in UnprocessedRecords after ${UNPROCESSED_RESUBMISSIONS} resubmissions`, sent.outcome.exchange);
  }
  return sent.slots as Answer[];
}

/** Sends a batch that must succeed; the answers, one per input record. */
export async function submit(run: PropertyRun, batch: BatchMeterUsageInput, what = 'HTTP 200'): Promise<Answer[]> {
  return settled(await send(run, batch), what);
}

export const isHonored = (a: Answer) => a.status === 'Success' && typeof a.id === 'string' && a.id !== '';

/** Every record Success with a non-empty MeteringRecordId; the ids, in input order. */
export function expectHonored(answers: Answer[], what: string): string[] {
  answers.forEach((a, i) => {
    if (!isHonored(a)) fail(`${what}: record ${i} with Status Success and a non-empty MeteringRecordId`, { record: i, Status: a.status, MeteringRecordId: a.id });
  });
  return answers.map((a) => a.id as string);
}

/** A record left in UnprocessedRecords, among the ids resendHeld gives. */
const UNPROCESSED = Symbol('unprocessed');

/** Checks, once the rejected batch has been answered, that it recorded nothing; `what` names the rejected request. */
export type BatchNothingRecorded = (what: string) => Promise<void>;

/**
 * Call before sending a batch the target must reject (`records`: its valid records); the check
 * it returns is called after. The records on keys free for this run are sent again with other
 * quantities and must be new records (Success, not DuplicateRecord). On a target without a clean
 * ledger, a record on a key another property run holds is judged by that run's record: sent
 * again as it was, answered with its id before and after (a record replaced by the rejected
 * request would not be); records on keys kept free for the rules that expect only rejections
 * (the probe would use them up), or holding a record the ledger knows nothing of, are left out.
 * With none left to judge the run is not judged (KeyTaken).
 */
export async function batchNothingRecordedCheck(ctx: RuleContext, run: PropertyRun, batch: BatchMeterUsageInput, records: UsageRecord[]): Promise<BatchNothingRecorded> {
  const free: UsageRecord[] = [];
  const held: HeldUsageRecord[] = [];
  for (const record of records) {
    const standing = run.usageRecordStanding(record);
    if (standing.kind === 'free') free.push(record);
    else if (standing.kind === 'held') held.push(standing.held);
  }
  if (records.length > 0 && free.length + held.length === 0) throw new KeyTaken('every valid record of the rejected batch is on a key kept free or holding a record this run knows nothing of');
  // Before: other runs' records are answered with their ids, or there is nothing to compare with.
  const before = await resendHeld(run, held);
  if (before === undefined || before.some((id, i) => id !== held[i].id)) {
    throw new KeyTaken('a record another property run made on a key of this batch is no longer answered with its MeteringRecordId');
  }
  return async (what) => {
    if (free.length > 0) {
      const probe = { ...batch, UsageRecords: free.map((r) => withNextQuantity(ctx.model, r)) };
      const answers = await submit(run, probe, `HTTP 200 for the valid records of the rejected request, sent again with other quantities`);
      expectHonored(answers, `${what} recorded nothing, so its valid records with other quantities are new records`);
    }
    const after = await resendHeld(run, held);
    // A request rejected whole says nothing of the records (a window edge passed since): not judged.
    if (after === undefined) throw new KeyTaken('the records other property runs made on keys of this batch were refused when sent again');
    if (after.includes(UNPROCESSED)) throw new TargetError(`left records in UnprocessedRecords after ${UNPROCESSED_RESUBMISSIONS} resubmissions`);
    after.forEach((id, i) => {
      const expected = `${what} recorded nothing; another property run's record holds the hour of one of its records, so: that record still answered with its MeteringRecordId ${held[i].id}`;
      if (id !== held[i].id) fail(expected, { record: held[i].record, MeteringRecordId: id });
    });
  };
}

/**
 * Sends other runs' records again as they were sent (one request per ProductCode): the id each
 * is answered with (Success; undefined for another status, UNPROCESSED if left unprocessed), in
 * order, or undefined when a request is rejected whole.
 */
async function resendHeld(run: PropertyRun, held: HeldUsageRecord[]): Promise<unknown[] | undefined> {
  const ids: unknown[] = new Array(held.length);
  for (const productCode of new Set(held.map((h) => h.productCode))) {
    const at = held.flatMap((h, i) => (h.productCode === productCode ? [i] : []));
    const batch = { ...(productCode !== undefined ? { ProductCode: productCode } : {}), UsageRecords: at.map((i) => held[i].record as unknown as UsageRecord) };
    const { slots } = await send(run, batch);
    if (slots === undefined) return undefined;
    slots.forEach((slot, j) => (ids[at[j]] = slot === 'unprocessed' ? UNPROCESSED : slot.status === 'Success' ? slot.id : undefined));
  }
  return ids;
}

export const slotText = (slot: Slot) => (slot === 'unprocessed' ? 'left in UnprocessedRecords' : String(slot.status));

/** Status and error type, or the statuses of the records, for observation rules. */
export function answerText({ outcome, slots }: Sent): string {
  if (outcome.kind === 'error') return outcomeText(outcome);
  const statuses = slots ? slots.map(slotText) : listMember(outcome, 'Results').map((r) => String(r.Status));
  return `HTTP ${outcome.status} with Status ${statuses.join(', ') || '(no results)'}`;
}
