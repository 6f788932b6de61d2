// The run-wide ledger of a target that gives no property run a clean ledger (no caller
// isolation, no reset): which duplicate keys hold a record, and which property run made it.
// A property run of a rule that needs a clean ledger is judged only while its requests meet
// the ledger a clean one would show them: a duplicate answer explained by another run's
// record (or by one from before the run) ends it unjudged, and the rule counts it as skipped.
// Any other answer is the rule's to judge: a request the target rejects for what it is, or
// takes as an identical retry, answers the same on a clean ledger.
//
// The keys, as the documents define duplicates: MeterUsage product × dimension × caller × hour
// (the caller a property run signs as: the run's credentials, or one target.yaml declares);
// BatchMeterUsage customer × dimension × hour (the customer's account however a record names
// it; the product is left out, so two records that might be one key are never taken for two).
// Callers are numbered: 0 is the run's credentials, 1 and on the declared ones in order.
import { HOUR_MS, hourStart } from '../../core/calendar.js';
import type { TargetFixtures } from '../../core/description.js';
import { meterableProducts, type UsageAllocation } from '../../generators/index.js';
import { meterUsagePayload, type TakenKeys } from '../../generators/key-steering.js';
import type { Outcome } from '../../target/types.js';

/**
 * Who may use the keys kept free for the rules that expect only rejections: those rules
 * (always), a positive control once no other key of the hour is free (last), anyone else never.
 */
export type ReserveUse = 'always' | 'last' | 'never';

/** The operations whose requests record on duplicate keys. */
export type LedgerOperation = 'MeterUsage' | 'BatchMeterUsage';

/** A MeterUsage record of the run-wide ledger: the request that made it, and its MeteringRecordId. */
export interface HeldRecord {
  request: Record<string, unknown>;
  id: string;
}

/** A BatchMeterUsage record of the run-wide ledger: the record as a request of the suites sent it, that request's ProductCode, and the record's MeteringRecordId. */
export interface HeldUsageRecord {
  productCode?: string;
  record: Record<string, unknown>;
  id: string;
}

/** Where the key of a usage record stands for a property run (RunLedger.usageRecordStanding). */
export type UsageRecordStanding = { kind: 'free' } | { kind: 'kept-free' } | { kind: 'held'; held: HeldUsageRecord } | { kind: 'unknown' };

/** What a run-wide ledger is made for: a shard of a run against the same target, the callers property runs sign as, the target's clock. */
export interface RunLedgerOptions {
  /** The run is one of several shards, each with a ledger of its own: it uses only the keys whose (caller and product, or customer; dimension) pair falls to it. */
  shard?: { index: number; count: number };
  /** How many callers the property runs sign as: the run's credentials and the declared ones (default 1). */
  callers?: number;
  /** The target's clock now, in epoch ms (default the local clock). */
  now?: () => number;
}

/**
 * How far back a conformant target may still record, per operation: the documented windows
 * (MeterUsage six hours; BatchMeterUsage up to a day, by model version) and an hour for the
 * clocks; ahead, minutes, and the same hour. A key outside them records nothing on a
 * conformant target, whoever sends it.
 */
const RECORDABLE_PAST_MS: Record<LedgerOperation, number> = { MeterUsage: 7 * HOUR_MS, BatchMeterUsage: 25 * HOUR_MS };
const RECORDABLE_FUTURE_MS = 2 * HOUR_MS;

/** A request of this property run met a record another run made: the run is skipped, not judged. */
export class KeyTaken extends Error {
  override readonly name = 'KeyTaken';
}

/** An instant however a request carries it: a Date (suites), epoch seconds (the wire), or a string of either. */
function instantMs(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds > 1e11 ? seconds : seconds * 1000;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** `{ [name]: value }` for a string value, `{}` otherwise. */
const optionalText = <K extends string>(name: K, value: unknown): { [P in K]?: string } => (typeof value === 'string' ? ({ [name]: value } as { [P in K]?: string }) : {});

/** The key of one MeterUsage request signed as `caller`, when it names a product, a dimension and a readable instant. */
function meterUsageKey(input: Record<string, unknown>, caller: number): string | undefined {
  const at = instantMs(input.Timestamp);
  const [product, dimension] = [text(input.ProductCode), text(input.UsageDimension)];
  return at === undefined || product === undefined || dimension === undefined ? undefined : meterUsageKeyOf(caller, product, dimension, hourStart(at));
}

/** The caller and the product in one owner of a MeterUsage key: "2:PRODUCT" (the caller's number has no colon). */
const meterUsageOwner = (caller: number, product: string) => `${caller}:${product}`;
const callerOfKey = (key: string) => Number((JSON.parse(key) as [string, string])[1].split(':')[0]);
const meterUsageKeyOf = (caller: number, product: string, dimension: string, hourMs: number) => JSON.stringify(['MeterUsage', meterUsageOwner(caller, product), dimension, hourMs]);
const recordKeyOf = (account: string, dimension: string, hourMs: number) => JSON.stringify(['BatchMeterUsage', account, dimension, hourMs]);

/** A key without its hour: the operation and its (product or customer, dimension) pair. */
const pairOf = (operation: string, owner: string, dimension: string) => JSON.stringify([operation, owner, dimension]);
const pairOfKey = (key: string) => JSON.stringify((JSON.parse(key) as unknown[]).slice(0, 3));

/** A ClientToken is kept beside the keys: whose it is tells a token conflict another run caused. */
const tokenKeyOf = (token: string) => JSON.stringify(['ClientToken', token]);
const isTokenKey = (key: string) => key.startsWith('["ClientToken"');

export class RunLedger implements TakenKeys {
  /** Key → the property run that recorded on it (0: a record from before the run); ClientTokens too, by the run that first used one. */
  private readonly recordedBy = new Map<string, number>();
  /** Property run → the operations whose keys it recorded on first (see operationsRecordedBy). */
  private readonly firstRecordsOf = new Map<number, Set<LedgerOperation>>();
  /** Key → the other runs the target answered as if they had made its record (see claim). */
  private readonly takenOver = new Map<string, Set<number>>();
  /** MeterUsage key → the request that made its record, and the record's id. */
  private readonly made = new Map<string, HeldRecord>();
  /** BatchMeterUsage key → the record that made it as the suites sent it (a Date for a Timestamp), and its id. */
  private readonly madeRecords = new Map<string, HeldUsageRecord>();
  /** Key → how many requests of this run have been sent for it. */
  private readonly sends = new Map<string, number>();
  /** First requests on a key that the target accepted, and those it answered as duplicates of a record from before the run. */
  private acceptedFirst = 0;
  private explainedFirst = 0;
  /**
   * Keys kept free, in every hour, for the rules that expect only rejections (role negative):
   * on a correct target those record nothing, so they can share them all run long, and on one
   * that wrongly accepts, a free key is where the acceptance shows instead of a duplicate. The
   * last (product, dimension) that MeterUsage meters, and the last (customer, dimension) of a
   * SaaS product; the other rules' draws are steered off them, and their requests not sent there.
   */
  private readonly reserved = new Set<string>();
  /** Pair → the shard (0-based) whose keys it names. */
  private readonly shardOf = new Map<string, number>();
  /** This shard's pairs, per operation. */
  private readonly pairs: Record<LedgerOperation, string[]> = { MeterUsage: [], BatchMeterUsage: [] };
  /** How the rule drawing now may use the kept-free keys (set before each of its draws: RuleContext.beforeDraws). */
  private drawing: ReserveUse = 'never';
  /** The caller the run drawing now signs as (set with `drawing`). */
  private drawingCaller = 0;
  /** Whether the run drawing now may record on keys no run has recorded on (set with `drawing`): not once its rule's share of them is spent. */
  private drawingFresh = true;
  /** Whether the draw may move the run to another caller, one holding a record it can judge on (see drawnCaller). */
  private drawingPicksCaller = false;
  /** Caller → how many MeterUsage keys runs signed as it have recorded on (see callerFor). */
  private readonly recordsPerCaller: number[];

  private readonly shard?: { index: number; count: number };
  private readonly now: () => number;

  constructor(
    private readonly fixtures: TargetFixtures,
    { shard, callers = 1, now = Date.now }: RunLedgerOptions = {},
  ) {
    this.shard = shard;
    this.now = now;
    this.recordsPerCaller = Array.from({ length: Math.max(1, callers) }, () => 0);
    const meterable = this.recordsPerCaller.flatMap((_, caller) => meterableProducts(fixtures).flatMap((p) => p.dimensions.map((d) => pairOf('MeterUsage', meterUsageOwner(caller, p.code), d))));
    const saas = fixtures.products.filter((p) => p.kind === 'saas' && p.dimensions.length > 0);
    const customers = fixtures.customers.filter((c) => c.subscribed && saas.some((p) => p.code === c.productCode));
    const records = customers.flatMap((c) => saas.find((p) => p.code === c.productCode)!.dimensions.map((d) => pairOf('BatchMeterUsage', c.accountId, d)));
    for (const [operation, pairs] of [['MeterUsage', meterable], ['BatchMeterUsage', records]] as const) {
      // Dealt round-robin in code-unit order, as shardRules deals rules: every machine agrees.
      [...new Set(pairs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).forEach((pair, i) => this.shardOf.set(pair, shard === undefined ? 0 : i % shard.count));
      this.pairs[operation] = pairs.filter((pair) => this.inShard(pair));
      const last = this.pairs[operation].at(-1);
      if (last !== undefined) this.reserved.add(last);
    }
  }

  /** Whether a pair is this shard's (a pair the fixtures do not name records nothing on a correct target: everyone's). */
  private inShard(pair: string): boolean {
    const owner = this.shardOf.get(pair);
    return this.shard === undefined || owner === undefined || owner === this.shard.index - 1;
  }

  /** Whether `key` is kept free for the rules that expect only rejections (whatever its hour). */
  private isReserved(key: string): boolean {
    return this.reserved.has(pairOfKey(key));
  }

  /**
   * The first of `keys` a property run must leave alone: one of another shard; one kept free for
   * the rules that expect only rejections, unless these are such rules (or a positive control
   * that still may record on fresh keys); and, once the rule's share of fresh keys is spent
   * (`fresh` false), any other no run has recorded on where a conformant target may record (a
   * request elsewhere, for an unknown product or an hour long gone, spends no key).
   */
  offLimits(keys: readonly string[], reserve: ReserveUse, fresh = true): string | undefined {
    return keys.find(
      (key) => !this.inShard(pairOfKey(key)) || (!this.recordedBy.has(key) && (this.isReserved(key) ? reserve === 'never' || (!fresh && reserve === 'last') : !fresh && this.mayRecord(key))),
    );
  }

  /** Whether a conformant target may record on `key`: a pair of the fixtures, in an hour its operation's window reaches (RECORDABLE_PAST_MS). */
  private mayRecord(key: string): boolean {
    const [operation, , , hour] = JSON.parse(key) as [LedgerOperation, string, string, number];
    const now = this.now();
    return this.shardOf.has(pairOfKey(key)) && hour >= now - RECORDABLE_PAST_MS[operation] && hour <= now + RECORDABLE_FUTURE_MS;
  }

  /** Whether property run `run` made a record on one of `keys` kept free for the rules that expect only rejections (one such rule's twin was honored, say). */
  recordedKeptFree(run: number, keys: readonly string[]): boolean {
    return keys.some((key) => this.isReserved(key) && this.recordedBy.get(key) === run);
  }

  /** Whether a request of `operation` with this input, signed as `caller`, would record on a key still kept free for the rules that expect only rejections. */
  onKeptFreeKey(operation: string, input: unknown, caller: number): boolean {
    return this.keysOf(operation, input, caller).some((key) => this.isReserved(key) && !this.recordedBy.has(key));
  }

  /**
   * The draws from now on are those of a run signed as `caller`, of a rule that may use the
   * kept-free keys so (see ReserveUse), and that may record on fresh keys (`fresh`) or must
   * judge on keys other runs recorded on. `picksCaller`: a new draw of the latter kind, which
   * may land on a record any caller made; the run then signs as that caller (drawnCaller).
   */
  drawFor(reserve: ReserveUse, caller = 0, fresh = true, picksCaller = false): void {
    this.drawing = reserve;
    this.drawingCaller = caller;
    this.drawingFresh = fresh;
    this.drawingPicksCaller = picksCaller && !fresh;
  }

  /** The caller of the last draw: the one set with drawFor, or the one whose record it landed on. */
  get drawnCaller(): number {
    return this.drawingCaller;
  }

  /**
   * The caller the next property run signs as: for a run that may record on fresh keys, the one
   * whose runs have recorded on the fewest MeterUsage keys (the most left); for one that judges
   * on keys other runs recorded on, the one with the most records. The first of those tied.
   */
  callerFor(fresh: boolean): number {
    return this.recordsPerCaller.indexOf((fresh ? Math.min : Math.max)(...this.recordsPerCaller));
  }

  /** The customer account a usage record names, however it names it. */
  private accountOf(record: Record<string, unknown>): string {
    const account = text(record.CustomerAWSAccountId);
    if (account !== undefined && account !== '') return account;
    const [identifier, license] = [text(record.CustomerIdentifier), text(record.LicenseArn)];
    const customer = this.fixtures.customers.find((c) => (identifier !== undefined && c.identifier === identifier) || (license !== undefined && c.licenseArn === license));
    return customer?.accountId ?? `unknown:${identifier ?? license ?? ''}`;
  }

  private recordKey(record: unknown): string | undefined {
    if (typeof record !== 'object' || record === null) return undefined;
    const r = record as Record<string, unknown>;
    const at = instantMs(r.Timestamp);
    const dimension = text(r.Dimension);
    return at === undefined || dimension === undefined ? undefined : recordKeyOf(this.accountOf(r), dimension, hourStart(at));
  }

  /** The duplicate keys a request of `operation` with this input (or wire body), signed as `caller`, would record on. */
  keysOf(operation: string, input: unknown, caller: number): string[] {
    if (typeof input !== 'object' || input === null) return [];
    const body = input as Record<string, unknown>;
    if (operation === 'MeterUsage') return [meterUsageKey(body, caller)].filter((k): k is string => k !== undefined);
    if (operation === 'BatchMeterUsage' && Array.isArray(body.UsageRecords)) return body.UsageRecords.map((r) => this.recordKey(r)).filter((k): k is string => k !== undefined);
    return [];
  }

  /** Counts a request sent for `keys`; returns those no request of the run had been sent for before. */
  firstSends(keys: readonly string[]): string[] {
    const first = keys.filter((key) => !this.sends.has(key));
    for (const key of keys) this.sends.set(key, (this.sends.get(key) ?? 0) + 1);
    return first;
  }

  /** Whether property run `run` made the record on `key`, or took it over (see learn). */
  private holds(key: string, run: number): boolean {
    return this.recordedBy.get(key) === run || (this.takenOver.get(key)?.has(run) ?? false);
  }

  /**
   * `run` now stands where a clean ledger would have it: a record it made, or another run's
   * record that the target answered it as its own (an identical request accepted), whose
   * content then equals what this run's request would have recorded.
   */
  private claim(key: string, run: number): void {
    const owner = this.recordedBy.get(key);
    if (owner === undefined) this.recordOn(key, run);
    else if (owner !== run) this.takenOver.set(key, (this.takenOver.get(key) ?? new Set()).add(run));
  }

  /**
   * Learns from an answer which keys now hold a record: a MeterUsage accepted or answered as a
   * duplicate, a batch record answered Success or DuplicateRecord, and every key of a request
   * that got no answer (it may have been recorded). A rejection records nothing, as documented.
   * Returns whether the answer is explained by what property run `run` did not do: a duplicate
   * of another run's record (or of one from before the run, see explainsFirstDuplicate), or a
   * ClientToken conflict with another run's use of the token.
   */
  learn(run: number, caller: number, operation: string, body: unknown, first: readonly string[], outcome: Outcome | undefined): boolean {
    const keys = this.keysOf(operation, body, caller);
    const token = operation === 'MeterUsage' ? text((body as Record<string, unknown> | undefined)?.ClientToken) : undefined;
    const tokenKey = token === undefined ? undefined : tokenKeyOf(token);
    if (outcome === undefined || outcome.status >= 500) {
      for (const key of keys) this.claim(key, run);
      return false;
    }
    const duplicates: string[] = [];
    if (operation === 'MeterUsage') {
      if (outcome.kind === 'success') {
        for (const key of [...keys, ...(tokenKey ? [tokenKey] : [])]) this.claim(key, run);
        const id = outcome.output.MeteringRecordId;
        // keys is empty unless body is a request object.
        if (typeof id === 'string') for (const key of keys) if (!this.made.has(key)) this.made.set(key, { request: body as Record<string, unknown>, id });
      } else if (outcome.errorType === 'DuplicateRequestException') duplicates.push(...keys);
    } else if (operation === 'BatchMeterUsage' && outcome.kind === 'success') {
      const results = Array.isArray(outcome.output.Results) ? (outcome.output.Results as Record<string, unknown>[]) : [];
      const sent = this.sentRecords(body);
      for (const result of results) {
        const key = this.recordKey(result?.UsageRecord);
        if (key === undefined) continue;
        if (result.Status === 'Success') {
          this.claim(key, run);
          const [record, id] = [sent.get(key), result.MeteringRecordId];
          if (record !== undefined && typeof id === 'string' && !this.madeRecords.has(key)) this.madeRecords.set(key, { ...optionalText('productCode', (body as Record<string, unknown>).ProductCode), record, id });
        } else if (result.Status === 'DuplicateRecord') duplicates.push(key);
      }
    }
    const tokenConflict = outcome.kind === 'error' && outcome.errorType === 'IdempotencyConflictException' && tokenKey !== undefined && this.recordedBy.has(tokenKey) && !this.holds(tokenKey, run);
    // Only while this is still the one request ever sent for the key: requests sent at once (a
    // concurrency rule's) answer each other's duplicates.
    const firstDuplicates = duplicates.filter((key) => first.includes(key) && this.sends.get(key) === 1 && !this.recordedBy.has(key));
    this.acceptedFirst += first.filter((key) => this.recordedBy.get(key) === run).length;
    const othersRecord = duplicates.some((key) => this.recordedBy.has(key) && !this.holds(key, run));
    const beforeRun = firstDuplicates.length > 0 && this.explainsFirstDuplicate(firstDuplicates.length);
    for (const key of duplicates) if (!this.recordedBy.has(key)) this.recordOn(key, beforeRun && firstDuplicates.includes(key) ? 0 : run);
    return othersRecord || beforeRun || tokenConflict;
  }

  /**
   * A duplicate answer to the first request ever sent on a key is explained by a record from
   * before the run (the target's own data, an earlier run in the same hour), but only as often
   * as the target has accepted first requests: a target that answers every request as a
   * duplicate is judged, and fails, rather than leaving every rule unjudged.
   */
  private explainsFirstDuplicate(count: number): boolean {
    if (this.explainedFirst + count > this.acceptedFirst) return false;
    this.explainedFirst += count;
    return true;
  }

  /**
   * Taken for a draw: recorded on, another shard's, kept free from the rule drawing now, or
   * fresh where the rule may not record on fresh keys (the kept-free keys stay free for the
   * rules that expect only rejections: they record nothing there on a conformant target).
   */
  private takenForDraws(key: string): boolean {
    if (this.recordedBy.has(key) || !this.inShard(pairOfKey(key))) return true;
    if (!this.isReserved(key)) return !this.drawingFresh;
    if (this.drawing === 'always') return false;
    return this.drawing === 'never' || !this.drawingFresh || this.freeBesidesReserve(key);
  }

  /** Whether the hour of `key` has a free key besides the kept-free ones. */
  private freeBesidesReserve(key: string): boolean {
    const [operation, , , hour] = JSON.parse(key) as [LedgerOperation, string, string, number];
    return this.pairs[operation].some((pair) => !this.reserved.has(pair) && !this.recordedBy.has(JSON.stringify([...(JSON.parse(pair) as unknown[]), hour])));
  }

  meterUsage(productCode: string, dimension: string, hourMs: number): boolean {
    return this.takenForDraws(meterUsageKeyOf(this.drawingCaller, productCode, dimension, hourMs));
  }

  meterUsageHolds(productCode: string, dimension: string, hourMs: number, payload: string): boolean {
    return this.someCallerHolds(productCode, dimension, hourMs, ({ request }) => {
      const made = request as { UsageQuantity?: number; UsageAllocations?: UsageAllocation[] };
      return meterUsagePayload(made.UsageQuantity, made.UsageAllocations) === payload;
    });
  }

  meterUsageHeld(productCode: string, dimension: string, hourMs: number): boolean {
    return this.someCallerHolds(productCode, dimension, hourMs, () => true);
  }

  /**
   * Whether the drawing caller's key holds a known record that `fits` or, in a draw that picks
   * its caller, any caller's: the first such caller becomes the drawing one (the draw's later
   * keys look there first, and the run signs as it).
   */
  private someCallerHolds(productCode: string, dimension: string, hourMs: number, fits: (record: HeldRecord) => boolean): boolean {
    const others = this.drawingPicksCaller ? this.recordsPerCaller.map((_, c) => c).filter((c) => c !== this.drawingCaller) : [];
    const caller = [this.drawingCaller, ...others].find((c) => {
      const record = this.knownRecord(meterUsageKeyOf(c, productCode, dimension, hourMs));
      return record !== undefined && fits(record);
    });
    if (caller !== undefined) this.drawingCaller = caller;
    return caller !== undefined;
  }

  /** The record on a MeterUsage key of this shard, not kept free, whose request and id the ledger knows. */
  private knownRecord(key: string): HeldRecord | undefined {
    return this.inShard(pairOfKey(key)) && !this.isReserved(key) ? this.made.get(key) : undefined;
  }

  /**
   * The record another property run made on the key of MeterUsage `input` signed as `caller`,
   * when run `run` has not made or taken it over: the request that made it (an identical one is
   * answered with its id) and its id. Undefined when the key is the run's own, free, or holds a
   * record the ledger knows no request of.
   */
  heldElsewhere(run: number, caller: number, input: unknown): HeldRecord | undefined {
    const [key] = this.keysOf('MeterUsage', input, caller);
    return key === undefined || this.holds(key, run) ? undefined : this.made.get(key);
  }

  /**
   * The MeterUsage records other property runs signed as `caller` made, in the order they were
   * made, whose key this shard uses and is not kept free, and whose request the suites built (a
   * Date for a Timestamp: one the SDK drivers can send again) without a ClientToken (a variant
   * of the request would be a token conflict). Those `run` has made or taken over are left out.
   */
  heldRecords(run: number, caller: number): HeldRecord[] {
    const reusable = ([key, { request }]: [string, HeldRecord]) =>
      callerOfKey(key) === caller && request.Timestamp instanceof Date && request.ClientToken === undefined && this.knownRecord(key) !== undefined && !this.holds(key, run);
    return [...this.made].filter(reusable).map(([, record]) => record);
  }

  /** The usage records of a batch the suites built (a Date for a Timestamp), by key. */
  private sentRecords(body: unknown): Map<string, Record<string, unknown>> {
    const records = (body as { UsageRecords?: unknown }).UsageRecords;
    const sent = new Map<string, Record<string, unknown>>();
    for (const record of Array.isArray(records) ? (records as Record<string, unknown>[]) : []) {
      const key = record?.Timestamp instanceof Date ? this.recordKey(record) : undefined;
      if (key !== undefined) sent.set(key, record);
    }
    return sent;
  }

  /**
   * Where the key of a usage record stands for property run `run`: free (or the run's own), kept
   * free for the rules that expect only rejections, holding another run's record the ledger
   * knows (how it was sent and its id), or holding a record the ledger knows nothing of.
   */
  usageRecordStanding(run: number, record: unknown): UsageRecordStanding {
    const key = this.recordKey(record);
    if (key === undefined) return { kind: 'free' };
    if (this.isReserved(key) && !this.recordedBy.has(key)) return { kind: 'kept-free' };
    if (!this.recordedBy.has(key) || this.holds(key, run)) return { kind: 'free' };
    const held = this.madeRecords.get(key);
    return held === undefined ? { kind: 'unknown' } : { kind: 'held', held };
  }

  batchRecord(accountId: string, dimension: string, hourMs: number): boolean {
    return this.takenForDraws(recordKeyOf(accountId, dimension, hourMs));
  }

  /**
   * The keys this shard offers and those the run has recorded on, in words: what a rule that
   * ran out of fresh keys tells the user to add to.
   */
  supply(): string {
    const recorded: Record<LedgerOperation, number> = { MeterUsage: 0, BatchMeterUsage: 0 };
    for (const key of this.recordedBy.keys()) if (!isTokenKey(key)) recorded[(JSON.parse(key) as [LedgerOperation])[0]]++;
    const [meterUsage, batch] = [this.pairs.MeterUsage.length, this.pairs.BatchMeterUsage.length];
    const keptFree = [meterUsage > 0 && 'one MeterUsage', batch > 0 && 'one BatchMeterUsage'].filter(Boolean).join(' and ');
    const callers = this.recordsPerCaller.length;
    return (
      `the run (or its shard) may use ${meterUsage} MeterUsage (caller, product, dimension) keys (${callers} caller${callers === 1 ? '' : 's'}) and ${batch} BatchMeterUsage (customer, dimension) keys an hour` +
      `${keptFree === '' ? '' : ` (${keptFree} kept free for the rules that expect only rejections)`}; ` +
      `the run had recorded on ${recorded.MeterUsage} MeterUsage and ${recorded.BatchMeterUsage} BatchMeterUsage keys`
    );
  }

  /** Key `key` holds a record property run `run` made (0: from before the run). */
  private recordOn(key: string, run: number): void {
    this.recordedBy.set(key, run);
    if (isTokenKey(key)) return;
    const operation = (JSON.parse(key) as [LedgerOperation])[0];
    this.firstRecordsOf.set(run, (this.firstRecordsOf.get(run) ?? new Set<LedgerOperation>()).add(operation));
    if (operation === 'MeterUsage') this.recordsPerCaller[callerOfKey(key)]++;
  }

  /** The operations whose duplicate keys property run `run` recorded on first. */
  operationsRecordedBy(run: number): ReadonlySet<LedgerOperation> {
    return this.firstRecordsOf.get(run) ?? new Set();
  }
}
