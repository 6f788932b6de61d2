// fast-check commands for model-based testing of the metering ledger. Each command sends one
// request, checks the answer against the LedgerModel and updates it; with ledger read, the
// target's own ledger is compared with the model after every step. A command keeps only its
// generated parameters: which earlier record a retry repeats is decided when it runs, from the
// model, so shrinking can drop any command and the rest still make sense.
import fc from 'fast-check';
import { HOUR_MS, hourStart } from '../../core/calendar.js';
import {
  acceptedRange,
  batchRequests,
  clientToken,
  hasClientToken,
  meterUsageRequest,
  modelLimits,
  type BatchMeterUsageInput,
  type MeterUsageInput,
  type UsageRecord,
} from '../../generators/index.js';
import type { ServiceModel } from '../../core/model.js';
import type { TargetFixtures } from '../../core/description.js';
import type { Operation, Outcome } from '../../target/types.js';
import { summarizeOutcome, Violation } from '../harness/expect.js';
import { plain } from '../harness/property.js';
import type { PropertyRun } from '../harness/rule.js';
import type { BatchEntry, LedgerModel } from './ledger-model.js';
import { pairBatchResults, type RecordResult } from './batch-results.js';
import { ledgerById, type TargetLedgerRecord } from './target-ledger.js';

/** One step of a command sequence as the failure report shows it. */
export interface Step {
  step: number;
  command: string;
  request?: unknown;
  expected: string;
  answer?: unknown;
}

/** The target side of the model run: the property run's caller, a transcript, the ledger reader. */
export class LedgerTarget {
  readonly steps: Step[] = [];
  constructor(
    private readonly run: PropertyRun,
    readonly nowMs: () => number,
    private readonly readLedger?: () => Promise<TargetLedgerRecord[]>,
  ) {}

  async call(command: LedgerCommand, operation: Operation, input: object, expected: string): Promise<Outcome> {
    const step: Step = { step: this.steps.length + 1, command: command.toString(), request: plain(input), expected };
    this.steps.push(step);
    const outcome = await this.run.call(operation, { ...input });
    step.answer = summarizeOutcome(outcome);
    return outcome;
  }

  /** The answer of the last step broke the model: a Violation naming the step. */
  fail(expected: string, actual: Outcome | unknown): never {
    const last = this.steps.at(-1);
    const where = last ? `step ${last.step} (${last.command}): ` : '';
    const shown = actual && typeof actual === 'object' && 'kind' in actual ? summarizeOutcome(actual as Outcome) : actual;
    throw new Violation(`${where}${expected}`, shown);
  }

  /** With ledger read: the target holds exactly the model's records, each with its quantity. */
  async compareLedger(model: LedgerModel): Promise<void> {
    if (!this.readLedger) return;
    const { byId, repeated } = ledgerById(await this.readLedger());
    const expected = Object.fromEntries(model.quantities);
    const actual = Object.fromEntries(byId);
    const extra = [...byId.keys()].filter((id) => !model.quantities.has(id));
    const missing = [...model.quantities.keys()].filter((id) => !byId.has(id));
    const changed = [...byId].filter(([id, q]) => model.quantities.has(id) && model.quantities.get(id) !== q).map(([id]) => id);
    if (repeated.length + extra.length + missing.length + changed.length === 0) return;
    const problems = [
      repeated.length ? `ids recorded twice: ${repeated.join(', ')}` : '',
      extra.length ? `records the model does not have: ${extra.join(', ')}` : '',
      missing.length ? `records missing: ${missing.join(', ')}` : '',
      changed.length ? `quantities changed: ${changed.join(', ')}` : '',
    ].filter(Boolean);
    this.fail(`the target's ledger to hold exactly the model's records (MeteringRecordId → quantity) ${JSON.stringify(expected)}; ${problems.join('; ')}`, {
      ledger: actual,
    });
  }
}

export abstract class LedgerCommand implements fc.AsyncCommand<LedgerModel, LedgerTarget> {
  abstract check(model: Readonly<LedgerModel>): boolean;
  abstract run(model: LedgerModel, target: LedgerTarget): Promise<void>;
  /** One line naming the command and its generated parameters (fast-check prints sequences with it). */
  abstract toString(): string;
}

// ------------------------------------------------------------------ shared checks

function describeRequest(r: MeterUsageInput): string {
  const parts = [`${r.ProductCode}/${r.UsageDimension}`, r.Timestamp.toISOString(), `q=${r.UsageQuantity ?? 0}`];
  if (r.UsageAllocations) parts.push(`${r.UsageAllocations.length} allocation(s)`);
  if (r.ClientToken !== undefined) parts.push(`token=${r.ClientToken}`);
  return parts.join(' ');
}

function recordId(target: LedgerTarget, outcome: Outcome, expected: string): string {
  if (outcome.kind !== 'success') target.fail(expected, outcome);
  const id = outcome.output.MeteringRecordId;
  if (typeof id !== 'string' || id === '') target.fail(`${expected} (a non-empty MeteringRecordId)`, outcome);
  return id;
}

function expectErrorType(target: LedgerTarget, outcome: Outcome, type: string, expected: string): void {
  if (outcome.kind !== 'error' || outcome.status < 400 || outcome.status >= 500 || outcome.errorType !== type) target.fail(expected, outcome);
}

/** A quantity other than `q` (delta ≥ 1), within 0..max. */
function otherQuantity(q: number, delta: number, down: boolean, max: number): number {
  if (down && q - delta >= 0) return q - delta;
  if (q + delta <= max) return q + delta;
  if (q - delta >= 0) return q - delta;
  return q > 0 ? 0 : 1;
}

/** An earlier record (picked by `pick`) sent again with another quantity: the conflict commands of both operations. */
abstract class QuantityConflict extends LedgerCommand {
  constructor(
    readonly pick: number,
    readonly delta: number,
    readonly down: boolean,
    readonly max: number,
  ) {
    super();
  }
  protected otherThan(quantity: number): number {
    return otherQuantity(quantity, this.delta, this.down, this.max);
  }
  protected describe(operation: string): string {
    return `${operation}.conflictingQuantity(record ${this.pick} mod count, ${this.down ? '-' : '+'}${this.delta})`;
  }
  /** Draws the command's choices; `make` builds the command of one operation from them. */
  static arbitrary<C>(max: number, make: (pick: number, delta: number, down: boolean, max: number) => C): fc.Arbitrary<C> {
    return fc.tuple(fc.nat(), fc.integer({ min: 1, max: 1000 }), fc.boolean()).map(([pick, delta, down]) => make(pick, delta, down, max));
  }
}

/** An instant of `hour` inside the accepted range at `nowMs`, `position` in [0, 1); undefined when the hour has left the range. */
function instantOfHour(hour: number, nowMs: number, position: number, wholeSecond: boolean): Date | undefined {
  const { from, to } = acceptedRange(nowMs);
  const lo = Math.max(from, hour);
  const hi = Math.min(to, hour + HOUR_MS - 1);
  if (hi < lo) return undefined;
  const t = lo + Math.floor(position * (hi - lo + 1));
  const [firstSecond, lastSecond] = [Math.ceil(lo / 1000) * 1000, Math.floor(hi / 1000) * 1000];
  if (!wholeSecond || firstSecond > lastSecond) return new Date(t);
  return new Date(Math.min(Math.max(Math.round(t / 1000) * 1000, firstSecond), lastSecond));
}

// ------------------------------------------------------------------ MeterUsage commands

/** A request for a key the model has not recorded yet: a new record with a new id. */
class MeterUsageNew extends LedgerCommand {
  constructor(readonly request: MeterUsageInput) {
    super();
  }
  check(model: Readonly<LedgerModel>): boolean {
    return model.meterUsageAt(this.request) === undefined && (this.request.ClientToken === undefined || !model.tokenUsed(this.request.ClientToken));
  }
  async run(model: LedgerModel, target: LedgerTarget): Promise<void> {
    const expected = 'HTTP 200 with a new MeteringRecordId (no record for this product, dimension and hour yet)';
    const outcome = await target.call(this, 'MeterUsage', this.request, expected);
    const id = recordId(target, outcome, expected);
    if (model.quantities.has(id)) target.fail(`a MeteringRecordId that no earlier record has (${id} is taken)`, outcome);
    model.recordMeterUsage(this.request, id);
    await target.compareLedger(model);
  }
  toString(): string {
    return `MeterUsage.new(${describeRequest(this.request)})`;
  }
}

/** The identical request of an earlier record again (with its ClientToken, if it had one). */
class MeterUsageRetry extends LedgerCommand {
  constructor(readonly pick: number) {
    super();
  }
  check(model: Readonly<LedgerModel>): boolean {
    return model.meterUsage.length > 0;
  }
  async run(model: LedgerModel, target: LedgerTarget): Promise<void> {
    const entry = model.meterUsage[this.pick % model.meterUsage.length];
    const expected = `HTTP 200 with the first MeteringRecordId ${entry.id} (an identical request)`;
    const outcome = await target.call(this, 'MeterUsage', entry.request, expected);
    if (recordId(target, outcome, expected) !== entry.id) target.fail(expected, outcome);
    await target.compareLedger(model);
  }
  toString(): string {
    return `MeterUsage.identicalRetry(record ${this.pick} mod count)`;
  }
}

/** An earlier token-less record again at another instant of its hour: identical after rounding down. */
class MeterUsageSameHour extends LedgerCommand {
  constructor(
    readonly pick: number,
    readonly position: number,
    readonly wholeSecond: boolean,
  ) {
    super();
  }
  private candidates(model: Readonly<LedgerModel>) {
    return model.meterUsage.filter((e) => e.request.ClientToken === undefined);
  }
  check(model: Readonly<LedgerModel>): boolean {
    return this.candidates(model).length > 0;
  }
  async run(model: LedgerModel, target: LedgerTarget): Promise<void> {
    const entries = this.candidates(model);
    const entry = entries[this.pick % entries.length];
    const instant = instantOfHour(hourStart(entry.request.Timestamp.getTime()), target.nowMs(), this.position, this.wholeSecond) ?? entry.request.Timestamp;
    const expected = `HTTP 200 with the first MeteringRecordId ${entry.id} (the same hour, the same quantity: identical after rounding down)`;
    const outcome = await target.call(this, 'MeterUsage', { ...entry.request, Timestamp: instant }, expected);
    if (recordId(target, outcome, expected) !== entry.id) target.fail(expected, outcome);
    await target.compareLedger(model);
  }
  toString(): string {
    return `MeterUsage.sameHourRetry(token-less record ${this.pick} mod count, at ${(this.position * 100).toFixed(1)}% of its hour)`;
  }
}

/** An earlier record's key with another quantity (no token, no allocations): DuplicateRequestException. */
class MeterUsageConflict extends QuantityConflict {
  check(model: Readonly<LedgerModel>): boolean {
    return model.meterUsage.length > 0;
  }
  async run(model: LedgerModel, target: LedgerTarget): Promise<void> {
    const entry = model.meterUsage[this.pick % model.meterUsage.length];
    const { ProductCode, Timestamp, UsageDimension } = entry.request;
    const quantity = this.otherThan(entry.request.UsageQuantity ?? 0);
    const expected = `DuplicateRequestException (record ${entry.id} has quantity ${entry.request.UsageQuantity ?? 0} for this hour)`;
    const outcome = await target.call(this, 'MeterUsage', { ProductCode, Timestamp, UsageDimension, UsageQuantity: quantity }, expected);
    expectErrorType(target, outcome, 'DuplicateRequestException', expected);
    await target.compareLedger(model);
  }
  toString(): string {
    return this.describe('MeterUsage');
  }
}

type TokenChange = 'quantity' | 'dimension' | 'timestamp';

/** An earlier ClientToken with one parameter changed: IdempotencyConflictException, nothing recorded. */
class MeterUsageTokenConflict extends LedgerCommand {
  constructor(
    readonly pick: number,
    readonly change: TokenChange,
    readonly amount: number,
    readonly fixtures: TargetFixtures,
    readonly max: number,
  ) {
    super();
  }
  private candidates(model: Readonly<LedgerModel>) {
    return model.meterUsage.filter((e) => e.request.ClientToken !== undefined);
  }
  check(model: Readonly<LedgerModel>): boolean {
    return this.candidates(model).length > 0;
  }
  private changed(original: MeterUsageInput, nowMs: number): MeterUsageInput {
    const dimensions = this.fixtures.products.find((p) => p.code === original.ProductCode)?.dimensions.filter((d) => d !== original.UsageDimension) ?? [];
    if (this.change === 'dimension' && dimensions.length > 0) return { ...original, UsageDimension: dimensions[this.amount % dimensions.length] };
    if (this.change === 'timestamp') {
      const { from, to } = acceptedRange(nowMs);
      const t = original.Timestamp.getTime();
      const shift = 1 + (this.amount % 60_000);
      if (t - shift >= from) return { ...original, Timestamp: new Date(t - shift) };
      if (t + shift <= to) return { ...original, Timestamp: new Date(t + shift) };
    }
    const { UsageAllocations: _dropped, ...rest } = original;
    return { ...rest, UsageQuantity: otherQuantity(original.UsageQuantity ?? 0, 1 + (this.amount % 1000), this.amount % 2 === 0, this.max) };
  }
  async run(model: LedgerModel, target: LedgerTarget): Promise<void> {
    const entries = this.candidates(model);
    const entry = entries[this.pick % entries.length];
    const expected = `IdempotencyConflictException (ClientToken ${entry.request.ClientToken} was first used with other parameters)`;
    const outcome = await target.call(this, 'MeterUsage', this.changed(entry.request, target.nowMs()), expected);
    expectErrorType(target, outcome, 'IdempotencyConflictException', expected);
    await target.compareLedger(model);
  }
  toString(): string {
    return `MeterUsage.tokenConflict(tokened record ${this.pick} mod count, other ${this.change})`;
  }
}

/** DryRun for a key the model has not recorded: DryRunOperation, and nothing is recorded. */
class MeterUsageDryRun extends LedgerCommand {
  constructor(readonly request: MeterUsageInput) {
    super();
  }
  check(model: Readonly<LedgerModel>): boolean {
    return model.meterUsageAt(this.request) === undefined;
  }
  async run(model: LedgerModel, target: LedgerTarget): Promise<void> {
    const expected = 'an error of type DryRunOperation, recording nothing';
    const outcome = await target.call(this, 'MeterUsage', { ...this.request, DryRun: true }, expected);
    if (outcome.kind !== 'error' || outcome.errorType !== 'DryRunOperation') target.fail(expected, outcome);
    await target.compareLedger(model);
  }
  toString(): string {
    return `MeterUsage.dryRun(${describeRequest(this.request)})`;
  }
}

/** The MeterUsage commands for this model version and these fixtures. */
export function meterUsageCommands(fixtures: TargetFixtures, model: ServiceModel, nowMs: number): fc.Arbitrary<LedgerCommand>[] {
  const max = modelLimits(model).quantity;
  const tokens = hasClientToken(model);
  const fresh = meterUsageRequest(fixtures, model, nowMs);
  const withToken = tokens ? fc.tuple(fresh, fc.option(clientToken, { freq: 2 })).map(([r, t]) => (t === null ? r : { ...r, ClientToken: t })) : fresh;
  const newRecord = withToken.map((r): LedgerCommand => new MeterUsageNew(r));
  const retry = fc.nat().map((pick): LedgerCommand => new MeterUsageRetry(pick));
  // fast-check picks among the arbitraries evenly: repeats weight new records and retries up.
  const commands: fc.Arbitrary<LedgerCommand>[] = [
    newRecord,
    newRecord,
    newRecord,
    retry,
    retry,
    fc.tuple(fc.nat(), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.boolean()).map(([pick, position, whole]) => new MeterUsageSameHour(pick, position, whole)),
    QuantityConflict.arbitrary(max, (...args) => new MeterUsageConflict(...args)),
    fresh.map(({ ClientToken: _none, ...r }) => new MeterUsageDryRun(r)),
  ];
  if (tokens) {
    commands.push(
      fc
        .tuple(fc.nat(), fc.constantFrom<TokenChange>('quantity', 'dimension', 'timestamp'), fc.nat())
        .map(([pick, change, amount]) => new MeterUsageTokenConflict(pick, change, amount, fixtures, max)),
    );
  }
  return commands;
}

// ------------------------------------------------------------------ BatchMeterUsage commands

/** Pairs records and results, or fails the step. */
function pairResults(target: LedgerTarget, records: UsageRecord[], outcome: Outcome, expected: string): (RecordResult | undefined)[] {
  if (outcome.kind !== 'success') target.fail(expected, outcome);
  const paired = pairBatchResults(records, outcome);
  if (typeof paired === 'string') target.fail(`${expected} (${paired})`, outcome);
  return paired;
}

function describeRecord(r: UsageRecord): string {
  const who = r.CustomerIdentifier ?? r.CustomerAWSAccountId ?? '?';
  return `${who}${r.LicenseArn ? '+license' : ''}/${r.Dimension} ${r.Timestamp.toISOString()} q=${r.Quantity ?? 0}`;
}

/** A batch whose records all have keys the model has not recorded: Success with new ids. */
class BatchNew extends LedgerCommand {
  constructor(readonly batch: BatchMeterUsageInput) {
    super();
  }
  check(model: Readonly<LedgerModel>): boolean {
    return this.batch.UsageRecords.every((r) => model.batchEntryAt(r) === undefined);
  }
  async run(model: LedgerModel, target: LedgerTarget): Promise<void> {
    const expected = 'HTTP 200, every record Success with a new MeteringRecordId (or unprocessed)';
    const outcome = await target.call(this, 'BatchMeterUsage', this.batch, expected);
    const results = pairResults(target, this.batch.UsageRecords, outcome, expected);
    const entries: BatchEntry[] = [];
    const seen = new Set<string>();
    results.forEach((result, i) => {
      if (result === undefined) return;
      const id = result.MeteringRecordId;
      if (result.Status !== 'Success' || typeof id !== 'string' || id === '') target.fail(`${expected}: record ${i + 1} Success with a MeteringRecordId`, outcome);
      if (model.quantities.has(id) || seen.has(id)) target.fail(`${expected}: record ${i + 1} with an id no other record has (${id} is taken)`, outcome);
      seen.add(id);
      entries.push({ record: this.batch.UsageRecords[i], ...(this.batch.ProductCode !== undefined ? { productCode: this.batch.ProductCode } : {}), id });
    });
    model.recordBatch(entries);
    await target.compareLedger(model);
  }
  toString(): string {
    return `BatchMeterUsage.new(${this.batch.ProductCode ?? 'no ProductCode'}: ${this.batch.UsageRecords.map(describeRecord).join(', ')})`;
  }
}

function batchOf(entries: BatchEntry[]): BatchMeterUsageInput {
  const productCode = entries[0].productCode;
  return { ...(productCode !== undefined ? { ProductCode: productCode } : {}), UsageRecords: entries.map((e) => e.record) };
}

/** A non-empty subset of an earlier batch's honored records, in another order: the same ids. */
class BatchRetry extends LedgerCommand {
  constructor(
    readonly pick: number,
    readonly mask: number,
    readonly rotate: number,
  ) {
    super();
  }
  check(model: Readonly<LedgerModel>): boolean {
    return model.batches.length > 0;
  }
  async run(model: LedgerModel, target: LedgerTarget): Promise<void> {
    const batch = model.batches[this.pick % model.batches.length];
    let subset = batch.filter((_, i) => (this.mask >> i) & 1);
    if (subset.length === 0) subset = batch;
    const turn = this.rotate % subset.length;
    subset = [...subset.slice(turn), ...subset.slice(0, turn)];
    const expected = `HTTP 200, every record Success with its first MeteringRecordId (${subset.map((e) => e.id).join(', ')})`;
    const request = batchOf(subset);
    const outcome = await target.call(this, 'BatchMeterUsage', request, expected);
    const results = pairResults(target, request.UsageRecords, outcome, expected);
    results.forEach((result, i) => {
      if (result !== undefined && (result.Status !== 'Success' || result.MeteringRecordId !== subset[i].id)) target.fail(expected, outcome);
    });
    await target.compareLedger(model);
  }
  toString(): string {
    return `BatchMeterUsage.subsetRetry(batch ${this.pick} mod count, mask ${this.mask.toString(2)}, rotated by ${this.rotate})`;
  }
}

/** An earlier batch record with the same customer, dimension and timestamp but another quantity: DuplicateRecord. */
class BatchConflict extends QuantityConflict {
  check(model: Readonly<LedgerModel>): boolean {
    return model.batches.length > 0;
  }
  async run(model: LedgerModel, target: LedgerTarget): Promise<void> {
    const all = model.allBatchEntries();
    const entry = all[this.pick % all.length];
    const { UsageAllocations: _dropped, ...rest } = entry.record;
    const record: UsageRecord = { ...rest, Quantity: this.otherThan(entry.record.Quantity ?? 0) };
    const expected = `HTTP 200 with Status DuplicateRecord (record ${entry.id} has quantity ${entry.record.Quantity ?? 0})`;
    const request = batchOf([{ ...entry, record }]);
    const outcome = await target.call(this, 'BatchMeterUsage', request, expected);
    const results = pairResults(target, request.UsageRecords, outcome, expected);
    if (results[0] !== undefined && results[0].Status !== 'DuplicateRecord') target.fail(expected, outcome);
    await target.compareLedger(model);
  }
  toString(): string {
    return this.describe('BatchMeterUsage');
  }
}

/** The BatchMeterUsage commands. */
export function batchCommands(fixtures: TargetFixtures, model: ServiceModel, nowMs: number): fc.Arbitrary<LedgerCommand>[] {
  const max = modelLimits(model).quantity;
  const newBatch = batchRequests(fixtures, model, nowMs).map((b): LedgerCommand => new BatchNew(b));
  const retry = fc.tuple(fc.nat(), fc.nat({ max: 15 }), fc.nat()).map(([pick, mask, rotate]): LedgerCommand => new BatchRetry(pick, mask, rotate));
  return [
    newBatch,
    newBatch,
    newBatch,
    retry,
    retry,
    QuantityConflict.arbitrary(max, (...args) => new BatchConflict(...args)),
  ];
}
