// `rule(id, body)`: one vitest test per rule (or set of rules), with the rule's needs
// checked first and the verdict details attached for the reporter (task.meta.conformance).
// The body ends with an outcome (outcomes.ts): a normal return, a returned or thrown
// NotApplicable, a thrown Violation; here (and in property.ts for a property's failure) it
// becomes the verdict, its reason and the failure detail. Suites never write them.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, test, type TestContext } from 'vitest';
import { findRule } from '../../catalogue/catalogue.js';
import type { Rule } from '../../catalogue/rules.js';
import { loadModel, type ServiceModel } from '../../core/model.js';
import type { RuleMeta } from '../../reports/types.js';
import { ledgerModeOf, type DescribedRequest, type LedgerMode, type TargetDescription, type TargetFixtures } from '../../core/description.js';
import { dryRunOnly, REAL_SERVICE_REASON, RefusedOnRealService } from '../../target/dry-run-only.js';
import { isRealServiceHost } from '../../target/guard.js';
import { ControlClient } from '../../target/control-client.js';
import { politeTarget } from '../../target/politeness.js';
import { rawTargetFor } from '../../target/raw-driver.js';
import { TargetError, type CallOptions, type Credentials, type Exchange, type Operation, type OperationInput, type Outcome, type RawCapableTarget, type RawRequest, type Target } from '../../target/types.js';
import { conformanceContext, type ConformanceContext } from './context.js';
import { Violation } from './expect.js';
import { unmetNeeds } from './needs.js';
import { NotApplicable, type RuleOutcome } from './outcomes.js';
import { runProperty, type PropertyArbitrary, type PropertyOptions } from './property.js';
import { replayCommand } from './replay.js';
import { TargetLease } from './target-lease.js';
import { KeyTaken, RunLedger, type HeldRecord, type LedgerOperation, type ReserveUse, type UsageRecordStanding } from './run-ledger.js';
import { steerDrawsAround } from '../../generators/key-steering.js';

declare module '@vitest/runner' {
  interface TaskMeta {
    conformance?: RuleMeta;
  }
}

let sharedTarget: Target | undefined;
// The AWS SDK is heavy to import: loaded only for runs with the sdk driver.
let sdkDriver: typeof import('../../target/sdk-driver.js') | undefined;
// The boto3 driver's module is small, but only boto3 runs need it.
let boto3Driver: typeof import('../../target/boto3-driver.js') | undefined;

function targetFor(context: ConformanceContext): Target {
  if (!sharedTarget) {
    // The drivers refuse the real service unless allowed; when allowed, only calls that record nothing go out.
    const realService = isRealServiceHost(new URL(context.target.endpoint).hostname);
    const allowRealService = realService && context.allowRealService === true;
    const timeoutMs = context.requestTimeoutMs;
    const driver =
      context.driver === 'sdk'
        ? sdkDriver!.createSdkTarget(context.target, {
            allowRealService,
            ...(timeoutMs ? { timeoutMs } : {}),
            // run --sdk PATH: the client module of that folder (loaded once per worker), not the installed one.
            ...(context.sdk !== undefined ? { sdk: sdkDriver!.loadSdk(context.sdk).module } : {}),
          })
        : context.driver === 'boto3'
          ? // One adapter process per worker; the main process checked Python and boto3 (probeBoto3).
            boto3Driver!.createBoto3Target(context.target, {
              allowRealService,
              ...(timeoutMs ? { timeoutMs } : {}),
              ...(context.python !== undefined ? { python: context.python } : {}),
              ...(context.sdk !== undefined ? { sdk: context.sdk } : {}),
            })
          : rawTargetFor(context.target, { allowRealService, clockOffsetMs: context.clockOffsetMs, ...(timeoutMs ? { timeouts: { total: timeoutMs } } : {}) });
    // One gate for every rule of the run: --max-in-flight and --rate bound the whole worker.
    sharedTarget = politeTarget(realService ? dryRunOnly(driver) : driver, context.politeness ?? {});
  }
  return sharedTarget;
}

afterAll(async () => {
  await sharedTarget?.close();
  sharedTarget = undefined;
});

/** How a property run meets the run-wide ledger (RunLedger) of a target without a clean ledger. */
interface LedgerKeys {
  ledger: RunLedger;
  /** This run's number in the ledger. */
  run: number;
  /** The caller the run signs as: 0 for the run's credentials, 1 and on for those target.yaml declares. */
  caller: number;
  /** The rule needs a clean ledger: a duplicate answer another run's record explains ends the run unjudged (KeyTaken). */
  guarded: boolean;
  /** How the rules may use the keys kept free for the rules that expect only rejections (RunLedger.offLimits). */
  reserve: ReserveUse;
  /** The rule's share of fresh keys is spent: the run records on none, and judges its case on a record another run made (reuseHeldRecord). */
  reuse: boolean;
  /** Keeps the rest of the rule's draws off the keys kept free for the rules that expect only rejections. */
  drawOff: () => void;
}

/** The JSON body of a hand-built request, when it has one. */
function jsonBody(request: RawRequest): unknown {
  try {
    return JSON.parse(request.body.toString());
  } catch {
    return undefined;
  }
}

/** One property run: calls go out as this run's caller and are recorded for the counterexample. */
export class PropertyRun {
  readonly exchanges: Exchange[] = [];
  constructor(
    private readonly target: Target,
    /** The caller this run signs as (fresh per run when the target isolates callers). */
    readonly caller: Credentials,
    private readonly keys?: LedgerKeys,
  ) {}

  async call(operation: Operation, input: OperationInput, options: CallOptions = {}): Promise<Outcome> {
    return this.onLedger(operation, input, () => this.sent(operation, input, options));
  }

  /**
   * Sends a request a conformant target must reject whole, on any ledger. Where another run's
   * record explains a duplicate answer, an answer that accepts it (HTTP 200, a batch's
   * DuplicateRecord too) still fails the rule, so only a rejection ends the run unjudged.
   */
  async callToBeRejected(operation: Operation, input: OperationInput): Promise<Outcome> {
    return this.onLedger(operation, input, () => this.sent(operation, input, {}), 'to be rejected');
  }

  /** The driver's answer to one call as this run's caller, recorded with the run's exchanges. */
  private async sent(operation: Operation, input: OperationInput, options: CallOptions): Promise<Outcome> {
    try {
      const outcome = await this.target.call(operation, input, { credentials: this.caller, ...options });
      this.record(outcome.retries > 0 && outcome.exchange.earlierAttempts === undefined ? { ...outcome.exchange, retries: outcome.retries } : outcome.exchange);
      return outcome;
    } catch (error) {
      if (error instanceof TargetError && error.exchange) this.exchanges.push(error.exchange);
      throw error;
    }
  }

  /** Sends a hand-built wire request (raw driver only). */
  async send(request: RawRequest, options: CallOptions = {}): Promise<Outcome> {
    if (this.target.driver !== 'raw') throw new Error('send() needs the raw driver; the rule should declare needs.driver: raw');
    return this.onLedger(request.operation ?? '', jsonBody(request), async () => {
      const outcome = await (this.target as RawCapableTarget).send(request, { credentials: this.caller, ...options });
      this.exchanges.push(outcome.exchange);
      return outcome;
    });
  }

  /**
   * Sends through the run-wide ledger, if the run has one: the answer teaches the ledger which
   * keys now hold a record, and a duplicate answer that another run's record explains (or one
   * from before the run) ends a run that needs a clean ledger unjudged (KeyTaken).
   */
  private async onLedger(operation: string, body: unknown, send: () => Promise<Outcome>, expected?: 'to be rejected'): Promise<Outcome> {
    if (this.keys === undefined) return send();
    const { ledger, run, caller, guarded, reserve, reuse } = this.keys;
    // The ledger keys batch records without the caller, as the seller is one; a target may key them by caller too (serve does).
    if (operation === 'BatchMeterUsage' && caller !== 0) throw new Error(`a rule whose operations leave out BatchMeterUsage sent one, as declared caller ${caller}: list the operation in the rule`);
    const keys = ledger.keysOf(operation, body, caller);
    const offLimits = guarded ? ledger.offLimits(keys, reserve, !reuse) : undefined;
    if (offLimits !== undefined) throw new KeyTaken(`${operation} key ${offLimits} is another shard's, kept free for the rules that expect only rejections, or fresh where this rule's share of fresh keys is spent`);
    const first = ledger.firstSends(keys);
    let outcome: Outcome | undefined;
    try {
      outcome = await send();
    } finally {
      const explained = ledger.learn(run, caller, operation, body, first, outcome);
      // A rule that expects only rejections may still record (one of two twins honored): its
      // later draws then keep off the kept-free keys, which it would use up hour by hour.
      if (reserve === 'always' && ledger.recordedKeptFree(run, keys)) this.keys.drawOff();
      // Thrown only after an answer (a finally that throws would hide the send's own error).
      const acceptedWrongly = expected === 'to be rejected' && outcome?.kind === 'success';
      if (explained && guarded && outcome !== undefined && !acceptedWrongly) throw new KeyTaken(`${operation} answered a duplicate of a record this property run did not make`);
    }
    return outcome;
  }

  /** The MeterUsage record another property run made on the key of `input`, on a target without a clean ledger (RunLedger.heldElsewhere). */
  heldElsewhere(input: OperationInput): HeldRecord | undefined {
    return this.keys?.ledger.heldElsewhere(this.keys.run, this.keys.caller, input);
  }

  /**
   * Sends the request that made `held` (another run's record) again. Answered with its id, the
   * record is this run's too (the ledger takes it over): the rule may judge on its key as on a
   * key it recorded on. Answered otherwise (another id, or the record replaced), nothing can be
   * judged on it: the run ends unjudged (KeyTaken).
   */
  async answeredAsBefore(held: HeldRecord): Promise<void> {
    const before = await this.call('MeterUsage', { ...held.request });
    if (before.kind !== 'success' || before.output.MeteringRecordId !== held.id) {
      throw new KeyTaken(`the record another property run made on this MeterUsage key is no longer answered with its MeteringRecordId ${held.id}`);
    }
  }

  /** The run stands on a run-wide ledger (a target without a clean ledger) and may record on its fresh keys: few, so a rule may spend them on its most telling case. */
  get onFewFreshKeys(): boolean {
    return this.keys !== undefined && !this.keys.reuse;
  }

  /**
   * Once this rule's share of fresh keys is spent (a target without a clean ledger): a
   * MeterUsage record another property run made, one that `fits`, picked by `choice`, and made
   * this run's own (answeredAsBefore). The rule then judges its case on a key whose state the
   * ledger knows: an identical retry of a known record, or a conflicting quantity on its key,
   * is a test case too. Undefined while the run may record on fresh keys, or stands on a clean
   * ledger; KeyTaken when no record fits.
   */
  async reuseHeldRecord(choice: number, fits: (record: HeldRecord) => boolean = () => true): Promise<HeldRecord | undefined> {
    if (!this.keys?.reuse) return undefined;
    const records = this.keys.ledger.heldRecords(this.keys.run, this.keys.caller).filter(fits);
    if (records.length === 0) throw new KeyTaken("this rule's share of fresh MeterUsage keys is spent, and no record another property run made as this run's caller fits its case");
    const held = records[Math.abs(Math.trunc(choice)) % records.length];
    await this.answeredAsBefore(held);
    return held;
  }

  /** Where the key of a usage record stands for this run (RunLedger.usageRecordStanding): free wherever the run stands on a clean ledger. */
  usageRecordStanding(record: unknown): UsageRecordStanding {
    return this.keys?.ledger.usageRecordStanding(this.keys.run, record) ?? { kind: 'free' };
  }

  /** Whether a MeterUsage of `input` would record on a key kept free for the rules that expect only rejections (RunLedger.onKeptFreeKey). */
  onKeptFreeKey(input: OperationInput): boolean {
    return this.keys?.ledger.onKeptFreeKey('MeterUsage', input, this.keys.caller) ?? false;
  }

  /** The rest of this rule's draws keep off the keys kept free for rules that expect only rejections: it records too. */
  drawOffKeptFreeKeys(): void {
    this.keys?.drawOff();
  }

  /** The operations of which this run recorded on a key no run had recorded on before (run-wide ledger only). */
  get recordedOn(): ReadonlySet<LedgerOperation> {
    return this.keys === undefined ? new Set() : this.keys.ledger.operationsRecordedBy(this.keys.run);
  }

  /** The run set the whole target's clock (a clock request target.yaml describes): it is set back after the run. */
  targetClockMoved = false;

  /** Records an exchange made outside the driver (a control call such as the caller's clock), in order with the others. */
  record(exchange: Exchange): void {
    this.exchanges.push(exchange);
  }
}

/**
 * On a target without caller isolation, the property runs holding it: on one cleaned by reset,
 * one run at a time; on one with neither, the runs that need a clean ledger alone and the others
 * side by side. The run keeps one worker there (schedulingFor), so this lease covers every request.
 */
const targetLease = new TargetLease();

/**
 * On a target without a clean ledger, per rule and operation: the judged property runs that
 * may record on fresh keys, and the runs that may record on them at all (a run that then meets
 * another run's record is not judged, but its records stay). MeterUsage has a few keys an hour
 * per caller; BatchMeterUsage a few an hour for every customer, over a window of a day. Past
 * the share, the rule's runs judge on keys other runs recorded on (see shareSpent).
 */
const FRESH_KEY_SHARES: Record<LedgerOperation, { judged: number; all: number }> = {
  MeterUsage: { judged: 1, all: 5 },
  BatchMeterUsage: { judged: 3, all: 8 },
};

/** The run-wide ledger of a target without a clean ledger: one per worker, which is the whole run (see schedulingFor). */
let sharedRunLedger: RunLedger | undefined;
/** Property runs numbered for the run-wide ledger (0 stands for the time before the run). */
let ledgerRuns = 0;

/** The run-wide ledger, made at the first rule; the generators steer their draws around its records from then on. */
function runWideLedger(context: ConformanceContext): RunLedger {
  if (sharedRunLedger === undefined) {
    const callers = 1 + (context.target.callers?.length ?? 0);
    sharedRunLedger = new RunLedger(context.target.fixtures, { ...(context.shard ? { shard: context.shard } : {}), callers, now: () => Date.now() + context.clockOffsetMs });
    steerDrawsAround(sharedRunLedger);
  }
  return sharedRunLedger;
}

// Caller ids are unique per run: random per process (workers and shards do not collide), then
// counted, which spares a system call per property run.
const CALLER_PREFIX = `MC${randomBytes(5).toString('hex').toUpperCase()}`;
let callersMade = 0;

export class RuleContext {
  readonly model: ServiceModel;
  readonly fixtures: TargetFixtures;
  readonly description: TargetDescription;
  private readonly observations: string[] = [];
  /** The run-wide ledger, on a target that gives property runs no clean ledger of their own. */
  private readonly runLedger: RunLedger | undefined;
  /** Property runs of these rules that recorded on a fresh key of the run-wide ledger, judged or not (see shareSpent). */
  private readonly recordingRuns: Record<LedgerOperation, { judged: number; all: number }> = { MeterUsage: { judged: 0, all: 0 }, BatchMeterUsage: { judged: 0, all: 0 } };
  /** How this rule's draws and runs may use the keys kept free for the rules that expect only rejections (its reserveUse, until a run records where it must not). */
  private drawPolicy: ReserveUse = 'never';
  /** On the run-wide ledger, the caller the next property run signs as (chosen at each fresh draw: see beforeDraws). */
  private runCaller = 0;
  /**
   * Whether these rules' runs may sign as the callers target.yaml declares: MeterUsage callers,
   * so not where a rule sends BatchMeterUsage, whose records the ledger keys without the caller
   * (a target may key them by caller too: such a run signs with the run's credentials).
   */
  private readonly picksCallers: boolean;
  private controlClient: ControlClient | undefined;
  /** How property runs get a clean ledger here: caller isolation, a reset, or keys no other run recorded on. */
  private readonly ledgerMode: LedgerMode;
  /** Whether the rules need a clean ledger for each property run (needs.capabilities cleanLedger). */
  private readonly needsCleanLedger: boolean;
  /** How these rules may use the keys kept free for the rules that expect only rejections. */
  private readonly reserveUse: ReserveUse;

  constructor(
    readonly rules: Rule[],
    readonly context: ConformanceContext,
    readonly meta: RuleMeta,
  ) {
    this.model = loadModel(context.modelFile);
    this.description = context.target;
    this.fixtures = context.target.fixtures;
    // Fixed for the rule's life, and read at every property run.
    this.ledgerMode = ledgerModeOf(this.description.capabilities);
    this.needsCleanLedger = rules.some((r) => r.needs.capabilities?.includes('cleanLedger'));
    this.reserveUse = rules.every((r) => r.role === 'negative') ? 'always' : rules.some((r) => r.role === 'control') ? 'last' : 'never';
    this.runLedger = this.ledgerMode === 'fresh-keys' ? runWideLedger(context) : undefined;
    this.picksCallers = (this.description.callers?.length ?? 0) > 0 && !rules.some((r) => r.operations.includes('BatchMeterUsage'));
  }

  get target(): Target {
    return targetFor(this.context);
  }

  /** The target's control API (clock, tokens, throttle, ledger, public key), with the run's --timeout. */
  get control(): ControlClient {
    const timeoutMs = this.context.requestTimeoutMs;
    this.controlClient ??= new ControlClient(this.description.endpoint, { ...(timeoutMs ? { timeoutMs } : {}), ...(this.description.reach ? { reach: this.description.reach } : {}) });
    return this.controlClient;
  }

  /** The target's clock now, in epoch milliseconds. */
  nowMs(): number {
    return Date.now() + this.context.clockOffsetMs;
  }

  /**
   * The credentials of a new property run: a new caller on targets with callerIsolation; on a
   * run-wide ledger, the caller chosen for it (runCaller); else the run's credentials.
   */
  newCaller(): Credentials {
    const base = this.description.credentials;
    if (this.runLedger !== undefined && this.runCaller > 0) return this.description.callers![this.runCaller - 1]!.credentials;
    if (!this.description.capabilities.callerIsolation) return base;
    callersMade++;
    return { accessKeyId: `${CALLER_PREFIX}${callersMade.toString(16).toUpperCase().padStart(8, '0')}`, secretAccessKey: base.secretAccessKey };
  }


  newRun(): PropertyRun {
    const ledger = this.runLedger;
    const keys = ledger && { ledger, run: ++ledgerRuns, caller: this.runCaller, guarded: this.needsCleanLedger, reserve: this.drawPolicy, reuse: this.shareSpent, drawOff: () => (this.drawPolicy = 'never') };
    return new PropertyRun(this.target, this.newCaller(), keys);
  }


  /** On a target without a clean ledger, the keys it offers and those the run has recorded on, in words (RunLedger.supply). */
  keySupply(): string | undefined {
    return this.runLedger?.supply();
  }

  /**
   * Before each draw of this rule's properties: the run-wide ledger steers it by this rule's
   * policy, its share of fresh keys and the caller its run will sign as, whatever rule drew
   * last. A fresh draw (not a shrink step, which must stay on its counterexample's keys) picks
   * that caller (RunLedger.callerFor).
   */
  get beforeDraws(): ((fresh: boolean) => void) | undefined {
    const ledger = this.runLedger;
    return (
      ledger &&
      ((fresh) => {
        const freshKeys = !this.shareSpent;
        if (fresh && this.picksCallers) this.runCaller = ledger.callerFor(freshKeys);
        ledger.drawFor(this.drawPolicy, this.runCaller, freshKeys, fresh && this.picksCallers);
      })
    );
  }

  /** After each fresh draw: a draw that judges on other runs' records may have landed on another caller's (RunLedger.drawnCaller). */
  get afterDraw(): (() => void) | undefined {
    const ledger = this.runLedger;
    return ledger && (() => (this.runCaller = ledger.drawnCaller));
  }

  /** False where a second run of a counterexample would meet the first run's records (see property.ts). */
  get rerunnable(): boolean {
    return this.ledgerMode !== 'fresh-keys';
  }

  /**
   * On a target without a clean ledger, whether these rules (needing one) have had their share
   * of its few fresh keys: the FRESH_KEY_SHARES of one operation. From then on their draws are
   * steered to keys other runs recorded on, and a run that would record on a fresh key anyway
   * ends unjudged before it sends (RunLedger.offLimits): the other rules keep the fresh keys.
   */
  private get shareSpent(): boolean {
    if (this.ledgerMode !== 'fresh-keys' || !this.needsCleanLedger) return false;
    return (Object.keys(FRESH_KEY_SHARES) as LedgerOperation[]).some((op) => this.recordingRuns[op].judged >= FRESH_KEY_SHARES[op].judged || this.recordingRuns[op].all >= FRESH_KEY_SHARES[op].all);
  }

  /**
   * Runs `body`, the whole of property run `run`, on a clean ledger: a new caller has one on a
   * target that isolates callers; on one that resets instead, `run` holds the target, reset
   * first; on one with neither, `run` holds the target if these rules need a clean ledger, so
   * that every record the run-wide ledger does not know of is one made before the run (runs of
   * other rules share the target, and wait for such a run).
   */
  onCleanLedger<T>(run: PropertyRun, body: () => Promise<T>): Promise<T> {
    const mode = this.ledgerMode;
    if (mode === 'caller-isolation') return body();
    const alone = mode === 'reset' || this.needsCleanLedger;
    return targetLease.run(alone ? 'exclusive' : 'shared', async () => {
      if (mode === 'reset') await this.resetTarget(run);
      let judged = false;
      try {
        const result = await body();
        judged = true;
        return result;
      } finally {
        for (const op of run.recordedOn) {
          this.recordingRuns[op].all++;
          if (judged) this.recordingRuns[op].judged++;
        }
        // Not left for the reset: another control plane's reset may keep the clock where it is.
        if (run.targetClockMoved) await this.setTargetClockBack(run, judged);
      }
    });
  }

  /**
   * Sets the whole target's clock back to the time of day after a property run moved it. A
   * target that does not take it gets the run an error, unless the run already ended in one
   * (`judged` false: its own end speaks first).
   */
  private async setTargetClockBack(run: PropertyRun, judged: boolean): Promise<void> {
    const clock = this.description.capabilities.clockControl as DescribedRequest;
    try {
      const { status, text } = await this.control.setDescribedClock(clock, this.nowMs(), { record: (exchange) => run.record(exchange) });
      if (status < 200 || status > 299) throw new TargetError(`answered the clock request setting its clock back after a property run with HTTP ${status} ${text.slice(0, 200)}`, run.exchanges.at(-1));
    } catch (error) {
      if (judged) throw error;
    }
  }

  /** Resets the target (its reset is part of the run's exchanges, so a counterexample's script sends it too). */
  private async resetTarget(run: PropertyRun): Promise<void> {
    const reset = this.description.capabilities.reset;
    const record = (exchange: Exchange) => run.record(exchange);
    const answer = reset === true ? await this.control.post('/reset', {}, { record }) : await this.control.described(reset as DescribedRequest, 'reset', { record });
    if (answer.status < 200 || answer.status > 299) {
      throw new TargetError(`answered the reset before a property run with HTTP ${answer.status}: ${answer.text.slice(0, 200)}`, run.exchanges.at(-1));
    }
  }

  /** Records what the target did, for implementation-defined rules (verdict `observed`). */
  observe(text: string): void {
    this.observations.push(text);
    this.meta.observed = this.observations.join('; ');
  }

  /** Checks `predicate` over `arbitrary` as a fast-check property; see property.ts. */
  property<T>(arbitrary: PropertyArbitrary<T>, predicate: (value: T, run: PropertyRun) => Promise<void>, options: PropertyOptions<T> = {}): Promise<void> {
    this.drawPolicy = this.reserveUse;
    return runProperty(this, arbitrary, predicate, options);
  }
}

export interface RuleTestOptions {
  timeout?: number;
}

/**
 * Declares the test of one or more rules. The test is named after its rule ids; every id
 * must exist in the catalogue (a typo is an error at collection time, not a silent gap).
 */
export function rule(ids: string | string[], body: (ctx: RuleContext) => Promise<RuleOutcome>, options: RuleTestOptions = {}): void {
  const ruleIds = Array.isArray(ids) ? ids : [ids];
  const model = loadModel(conformanceContext().modelFile);
  const rules = ruleIds.map((id) => {
    const found = findRule(model, id);
    if (!found) throw new Error(`suite names rule ${id}, which is neither in specs/rules.yaml nor derived from the model`);
    return found;
  });
  // Rules are independent (each property run is its own caller), so they run concurrently:
  // a target 50 ms away costs latency once per wave, not once per request. On a target with
  // neither caller isolation nor a reset, a rule that needs a clean ledger runs alone: its
  // draws are steered off the keys recorded so far (run-ledger.ts), all of them.
  const alone = ledgerModeOf(conformanceContext().target.capabilities) === 'fresh-keys' && rules.some((r) => r.needs.capabilities?.includes('cleanLedger'));
  (alone ? test : test.concurrent)(ruleIds.join(' + '), async (vitestContext: TestContext) => {
    const meta: RuleMeta = { ruleIds };
    vitestContext.task.meta.conformance = meta;
    const context = conformanceContext();
    if (context.driver === 'sdk') sdkDriver ??= await import('../../target/sdk-driver.js');
    if (context.driver === 'boto3') boto3Driver ??= await import('../../target/boto3-driver.js');
    const ctx = new RuleContext(rules, context, meta);
    const notApplicable = (reason: string): void => {
      meta.verdict = 'not-applicable';
      meta.reason = reason;
      vitestContext.skip(reason);
    };
    const unmet = unmetNeeds(rules, context, ctx.model);
    if (unmet) return notApplicable(unmet);
    let outcome: RuleOutcome;
    try {
      outcome = await body(ctx);
    } catch (error) {
      if (error instanceof RefusedOnRealService) return notApplicable(REAL_SERVICE_REASON);
      if (error instanceof NotApplicable && meta.verdict === undefined) return notApplicable(error.reason);
      if (error instanceof TargetError) {
        meta.verdict = 'error';
        meta.reason = `target ${error.message}`;
      } else if (error instanceof Violation && meta.verdict === undefined) {
        meta.verdict = 'fail';
        // A violation outside ctx.property: no counterexample, but the replay line of this run.
        meta.failure ??= { counterexample: null, expected: error.expected, actual: error.actual, seed: context.seed, replay: replayCommand(ruleIds[0], context.seed, undefined, context.replayArgs) };
      } else if (meta.verdict === undefined) {
        // Not a judgement about the target: a defect of the suite itself. Never blame the target.
        meta.verdict = 'error';
        meta.reason = `internal error in the suite: ${(error as Error)?.message ?? String(error)}`;
      }
      throw error;
    }
    if (outcome instanceof NotApplicable) return notApplicable(outcome.reason);
    // A normal return passes. The reporter calls a passed implementation-defined rule observed;
    // a rule that must or should hold keeps what it observed only with its pass decided here.
    if (meta.observed !== undefined && rules.every((r) => r.level !== 'implementation-defined')) meta.verdict = 'pass';
  }, options.timeout);
}
