// Runs one rule's property with fast-check, then turns a failure into report material:
// the shrunk counterexample, expected against actual, the replay command, a curl line, a
// script of every request and the transcript. A failure is confirmed by running its minimal
// counterexample once more before it gates; one that does not come back is flaky (error).
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { transcriptOf } from '../../reports/transcript.js';
import type { FailureAttempt, FailureDetail } from '../../reports/types.js';
import { curlLine, curlScript, type CurlCredentials } from '../../target/curl.js';
import { isTestCredentials } from '../../core/description.js';
import { TargetError } from '../../target/types.js';
import { Violation } from './expect.js';
import { NotApplicable } from './outcomes.js';
import { FRESH_KEYS_RAN_OUT } from '../../catalogue/needs.js';
import { KeyTaken } from './run-ledger.js';
import { replayCommand } from './replay.js';
import type { Rule } from '../../catalogue/rules.js';
import type { TargetDescription } from '../../core/description.js';
import type { RuleMeta } from '../../reports/types.js';
import type { Credentials, Exchange } from '../../target/types.js';
import type { ConformanceContext } from './context.js';

/** What the runner reads of one property run (harness/rule.ts PropertyRun): its caller and what it exchanged. */
export interface RunRecord {
  readonly caller: Credentials;
  readonly exchanges: Exchange[];
}

/** What the runner needs of the rule it runs (harness/rule.ts RuleContext). */
export interface PropertyHost<R extends RunRecord> {
  readonly rules: readonly Rule[];
  readonly context: ConformanceContext;
  readonly description: TargetDescription;
  readonly meta: RuleMeta;
  /** A new property run: a new caller where the target isolates callers. */
  newRun(): R;
  /** Runs `body`, the whole of property run `run`, on a clean ledger (see RuleContext.onCleanLedger). */
  onCleanLedger<T>(run: R, body: () => Promise<T>): Promise<T>;
  /** False when a second run of a counterexample would not start from the ledger the first one did. */
  readonly rerunnable: boolean;
  /** The keys a target without a clean ledger offers and those the run has recorded on, in words (RunLedger.supply). */
  keySupply(): string | undefined;
  /** What to do before each fresh draw (`fresh`) and shrink step of this property (set how the run-wide ledger steers its draws), if anything. */
  readonly beforeDraws?: (fresh: boolean) => void;
  /** What to do after each fresh draw (learn the caller the draw chose), if anything. */
  readonly afterDraw?: () => void;
}

export interface PropertyOptions<T> {
  /** Documented examples, always tried first. */
  examples?: T[];
  /** Overrides the run's property-run count (e.g. for costly properties). */
  numRuns?: number;
  /**
   * How a failure shows its counterexample, read from fast-check's run details (the shrunk
   * counterexample): e.g. the steps of a command sequence instead of the commands, and the
   * replay state an arbitrary keeps beside fast-check's path (fc.commands' replayPath).
   * `run` is the failing run of the counterexample (what it exchanged, and any state the
   * predicate kept for it).
   */
  failure?: (counterexample: T, run: RunRecord) => FailureShape;
  /**
   * Independent lanes the runs are split into, each its own fast-check check with a seed of
   * its own, run at once (default 1). Only on a target that isolates callers (every run its
   * own ledger); a long sequential property then costs a remote target's latency once per
   * lane's run instead of once per run. The lane count is part of the rule, not of the
   * target's speed, so that a seed draws the same inputs wherever it runs.
   */
  lanes?: number;
}

/** See PropertyOptions.failure. */
export interface FailureShape {
  /** What the report shows as the counterexample (default: the generated value). */
  counterexample?: unknown;
  /** The counterexample in one line for the test's message, and what it is called there. */
  summary?: { label: string; text: string };
  /** Replay state beside fast-check's path, joined to it after REPLAY_SEPARATOR in the replay path. */
  replayState?: string;
}

/**
 * Separates fast-check's path from an arbitrary's own replay state in a replay path
 * ("0:1:0~AAB:x"): a replay gives fast-check the part before it, and the rule the part after
 * (replayState()).
 */
export const REPLAY_SEPARATOR = '~';

/** The replay state after REPLAY_SEPARATOR in the path this run replays for `ruleId`, if any. */
export function replayState(context: ConformanceContext, ruleId: string): string | undefined {
  return context.replay?.ruleId === ruleId ? parseReplayPath(context.replay.path).state : undefined;
}

/**
 * Separates a lane from fast-check's path in a replay path ("2/37:1:0"): lane 0 has no prefix,
 * so rules without lanes keep plain fast-check paths.
 */
export const LANE_SEPARATOR = '/';

/** A replay path taken apart: its lane, fast-check's path and the arbitrary's own state. */
export function parseReplayPath(path: string): { lane: number; fastCheckPath: string; state?: string } {
  const at = path.indexOf(REPLAY_SEPARATOR);
  const head = at < 0 ? path : path.slice(0, at);
  const lanePart = /^(\d+)\//.exec(head);
  return {
    lane: lanePart ? Number(lanePart[1]) : 0,
    fastCheckPath: lanePart ? head.slice(lanePart[0].length) : head,
    ...(at < 0 ? {} : { state: path.slice(at + REPLAY_SEPARATOR.length) }),
  };
}

/** A stable 32-bit seed per rule (and lane), so a rule's inputs do not depend on which other rules ran. */
export function ruleSeed(runSeed: number, ruleId: string, lane = 0): number {
  let hash = 0x811c9dc5 ^ runSeed;
  for (const ch of lane === 0 ? ruleId : `${ruleId}${LANE_SEPARATOR}${lane}`) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** JSON-friendly copy of a generated value (Dates as ISO strings with epoch seconds). */
export function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
      const raw = key === '' ? v : this[key];
      return raw instanceof Date ? `${raw.toISOString()} (${raw.getTime() / 1000})` : v;
    }),
  );
}

/** One execution of the predicate: its input, the run it made and how it ended. */
interface Execution<T> {
  value: T;
  run: RunRecord;
  error: unknown;
}

/**
 * How the curl lines of a run signed as `caller` sign: inline with the public test credentials;
 * from the variables or the profile target.yaml names for a declared caller; else from the AWS
 * variables, where the run's own credentials are expected.
 */
export function curlCredentialsOf(caller: Credentials, description: TargetDescription): CurlCredentials {
  if (isTestCredentials(caller)) return { kind: 'inline', accessKeyId: caller.accessKeyId, secretAccessKey: caller.secretAccessKey };
  const declared = description.callers?.find((c) => c.credentials.accessKeyId === caller.accessKeyId)?.source;
  if (declared === undefined) return { kind: 'variables' };
  return 'profile' in declared ? { kind: 'profile', profile: declared.profile } : { kind: 'variables', ...declared };
}

/** The recorded evidence of one run of a counterexample: transcript, curl line, script. */
function evidenceOf(ctx: PropertyHost<RunRecord>, run: RunRecord): Pick<FailureDetail, 'curl' | 'script' | 'transcript' | 'transcriptOmitted'> {
  const description = ctx.description;
  const credentials = curlCredentialsOf(run.caller, description);
  const { transcript, omitted } = transcriptOf(run.exchanges);
  const last = run.exchanges.filter((e) => e.control === undefined).at(-1);
  const service = run.exchanges.some((e) => e.control === undefined);
  return {
    ...(last ? { curl: curlLine(last.request, last.signedRegion ?? description.region, credentials) } : {}),
    ...(service
      ? {
          script: curlScript(run.exchanges, {
            title: `${ctx.rules[0].id}: the requests of the minimal counterexample (metering-conformance)`,
            region: description.region,
            credentials,
            caller: run.caller.accessKeyId,
            freshCaller: description.capabilities.callerIsolation,
          }),
        }
      : {}),
    transcript,
    ...(omitted > 0 ? { transcriptOmitted: omitted } : {}),
  };
}

function attemptOf(ctx: PropertyHost<RunRecord>, run: RunRecord, outcome: FailureAttempt['outcome'], actual?: unknown): FailureAttempt {
  const { transcript, omitted } = transcriptOf(run.exchanges);
  return { outcome, ...(actual !== undefined ? { actual } : {}), transcript, ...(omitted > 0 ? { transcriptOmitted: omitted } : {}) };
}

export const FLAKY_REASON = 'flaky: failed once, passed on re-run';

/**
 * How long shrinking may talk to the target after the first failure. Against a slow target
 * (every answer retried, or 50 ms away) a few hundred shrink steps would cost minutes; past the
 * budget the remaining candidates are skipped without a request and the smallest failing input
 * found so far is the counterexample (its path still replays it exactly).
 */
const SHRINK_BUDGET_MS = 5_000;

/** What one lane's check left: fast-check's details and the executions the report needs. */
interface LaneResult<T> {
  lane: number;
  result: fc.RunDetails<[T]>;
  /** The last execution that failed: the minimal counterexample once shrinking is over. */
  failing?: Execution<T>;
  targetError?: TargetError;
  /** The target error came on the lane's first failing execution (not while shrinking another failure). */
  targetErrorFirst: boolean;
  shrinkingCut: boolean;
  /** Inputs skipped because they met a key another property run recorded on. */
  skipped: number;
}

/** One lane's fast-check check: `numRuns` runs from the lane's own seed, or the replay of one path. */
async function checkLane<T, R extends RunRecord>(
  ctx: PropertyHost<R>,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T, run: R) => Promise<void>,
  lane: { index: number; numRuns: number; examples?: T[]; path?: string },
): Promise<LaneResult<T>> {
  const state: Omit<LaneResult<T>, 'result'> = { lane: lane.index, targetErrorFirst: false, shrinkingCut: false, skipped: 0 };
  const skip = (): never => {
    state.skipped++;
    fc.pre(false);
  };
  let firstFailureAt: number | undefined;
  const property = fc.asyncProperty(arbitrary, async (value) => {
    // Once the target has failed to answer, stop talking to it: shrinking would only wait again.
    if (state.targetError) throw state.targetError;
    if (firstFailureAt !== undefined && performance.now() - firstFailureAt > SHRINK_BUDGET_MS) {
      state.shrinkingCut = true;
      fc.pre(false);
    }
    const run = ctx.newRun();
    try {
      await ctx.onCleanLedger(run, () => predicate(value, run));
    } catch (error) {
      // A request met another run's record: the run judged nothing (what it recorded stays in the ledger).
      if (error instanceof KeyTaken) skip();
      if (error instanceof TargetError) {
        state.targetError = error;
        state.targetErrorFirst = state.failing === undefined;
      }
      state.failing = { value, run, error };
      firstFailureAt ??= performance.now();
      throw error;
    }
  });
  const result = await fc.check(property, {
    seed: ruleSeed(ctx.context.seed, ctx.rules[0].id, lane.index),
    // fast-check counts the examples in numRuns and, replaying a path, walks them first: the
    // run count stays the random runs after the examples, and a replay keeps them.
    numRuns: lane.path !== undefined ? 1 : lane.numRuns + (lane.examples?.length ?? 0),
    ...(lane.path !== undefined ? { path: lane.path } : {}),
    ...(lane.examples ? { examples: lane.examples.map((e) => [e] as [T]) } : {}),
    // Where inputs meet taken keys, give up on fresh ones soon: a skip can cost requests.
    ...(ctx.rerunnable ? {} : { maxSkipsPerRun: SKIPS_PER_RUN }),
  });
  return { ...state, result };
}

/** On a target without a clean ledger, inputs tried per run asked before the rule settles for the runs it judged. */
const SKIPS_PER_RUN = 10;

/** How many lanes a property runs in here: see PropertyOptions.lanes. */
function laneCount(ctx: PropertyHost<RunRecord>, runs: number, lanes = 1): number {
  return ctx.description.capabilities.callerIsolation ? Math.max(1, Math.min(lanes, runs)) : 1;
}

/**
 * What a property draws from: an arbitrary, or a function making one per lane for an arbitrary
 * that keeps state between draws (fc.commands keeps the replay path of its last shrink).
 */
export type PropertyArbitrary<T> = fc.Arbitrary<T> | (() => fc.Arbitrary<T>);

/**
 * `inner` with `before` called ahead of each draw and each shrink step, and `after` after each
 * draw. Drawing is synchronous, so whatever `before` sets (how the run-wide ledger steers
 * draws) holds for the whole draw, whichever other properties drew in between.
 */
export class DrawnAfter<T> extends fc.Arbitrary<T> {
  constructor(
    private readonly inner: fc.Arbitrary<T>,
    private readonly before: (fresh: boolean) => void,
    private readonly after: () => void = () => undefined,
  ) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    this.before(true);
    const value = this.inner.generate(mrng, biasFactor);
    this.after();
    return value;
  }

  canShrinkWithoutContext(value: unknown): value is T {
    return this.inner.canShrinkWithoutContext(value);
  }

  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    const before = () => this.before(false);
    before();
    const steps = this.inner.shrink(value, context)[Symbol.iterator]();
    return new fc.Stream<fc.Value<T>>({
      next: () => (before(), steps.next()),
      [Symbol.iterator]() {
        return this;
      },
    });
  }
}

export async function runProperty<T, R extends RunRecord>(
  ctx: PropertyHost<R>,
  arbitrary: PropertyArbitrary<T>,
  predicate: (value: T, run: R) => Promise<void>,
  options: PropertyOptions<T>,
): Promise<void> {
  const ruleId = ctx.rules[0].id;
  const runSeed = ctx.context.seed;
  const replayArgs = ctx.context.replayArgs ?? [];
  // A replay runs the one lane its path names; fast-check gets its own part of the path.
  const replay = ctx.context.replay?.ruleId === ruleId ? parseReplayPath(ctx.context.replay.path) : undefined;
  const runs = options.numRuns ?? ctx.context.runs;
  const lanes = replay !== undefined ? [replay.lane] : Array.from({ length: laneCount(ctx, runs, options.lanes) }, (_, i) => i);
  // The runs are shared out between the lanes; the documented examples go to lane 0.
  const drawn = (arb: fc.Arbitrary<T>) => (ctx.beforeDraws === undefined ? arb : new DrawnAfter(arb, ctx.beforeDraws, ctx.afterDraw));
  const results = await Promise.all(
    lanes.map((index) =>
      checkLane(ctx, drawn(typeof arbitrary === 'function' ? arbitrary() : arbitrary), predicate, {
        index,
        numRuns: Math.floor((runs + lanes.length - 1 - index) / lanes.length),
        ...(index === 0 && options.examples ? { examples: options.examples } : {}),
        ...(replay !== undefined ? { path: replay.fastCheckPath } : {}),
      }),
    ),
  );
  ctx.meta.numRuns = results.reduce((sum, r) => sum + r.result.numRuns, 0);
  const skipped = results.reduce((sum, r) => sum + r.skipped, 0);
  if (skipped > 0) ctx.meta.skippedRuns = skipped;
  // A lane that gave up on inputs meeting taken keys ran out of them; it did not fail.
  const ranOut = (r: LaneResult<T>) => r.result.failed && r.result.counterexample === null && r.failing === undefined && r.skipped > 0;
  // The first lane that failed speaks for the rule: the same one whatever the lanes' timing.
  const failed = results.find((r) => r.result.failed && !ranOut(r));
  if (failed === undefined) {
    if (ctx.meta.numRuns === 0 && skipped > 0) throw new NotApplicable(`${FRESH_KEYS_RAN_OUT}: ${skipped} inputs not judged; ${ctx.keySupply() ?? 'no run-wide ledger'}`);
    return;
  }
  const { result, failing, targetError, targetErrorFirst, shrinkingCut } = failed;
  const lanePath = (path: string) => (failed.lane === 0 ? path : `${failed.lane}${LANE_SEPARATOR}${path}`);

  /** The failure as the report shows it: what was expected and seen, how to replay it, and its evidence. */
  const failureOf = (run: RunRecord, counterexample: unknown, expected: string, actual: unknown, path: string | undefined): FailureDetail => ({
    counterexample,
    expected,
    actual,
    seed: runSeed,
    ...(path ? { path } : {}),
    replay: replayCommand(ruleId, runSeed, path, replayArgs),
    ...evidenceOf(ctx, run),
    numRuns: result.numRuns,
    shrinks: result.numShrinks,
  });

  if (targetError) {
    // Shrinking stopped at the target error, so fast-check's counterexample never ran: report
    // the input that met the error, and its path only when it was the run's first failure.
    if (failing !== undefined && failing.error === targetError) {
      const firstPath = targetErrorFirst ? result.counterexamplePath?.split(':')[0] : undefined;
      const path = firstPath !== undefined ? lanePath(firstPath) : undefined;
      ctx.meta.failure = failureOf(failing.run, plain(failing.value), 'a judgeable answer from the target', `target ${targetError.message}`, path);
    }
    throw targetError;
  }
  const error = failing?.error ?? result.errorInstance;
  if (!(error instanceof Violation) || failing === undefined) {
    // A bug in the suite itself, not a verdict about the target: let vitest show it.
    throw error instanceof Error ? error : new Error(String(error));
  }
  // fast-check's shrunk counterexample is the last failing execution's value.
  const shape = options.failure?.(result.counterexample !== null ? result.counterexample[0] : failing.value, failing.run) ?? {};
  const path = result.counterexamplePath ? lanePath(`${result.counterexamplePath}${shape.replayState ? `${REPLAY_SEPARATOR}${shape.replayState}` : ''}`) : undefined;
  const detail: FailureDetail = {
    ...failureOf(failing.run, shape.counterexample ?? plain(failing.value), error.expected, error.actual, path),
    ...(shrinkingCut ? { shrinkingStopped: `shrinking stopped after ${SHRINK_BUDGET_MS / 1000} s of requests; the counterexample may not be minimal` } : {}),
  };

  // Before the failure gates, the minimal counterexample runs once more, as a fresh caller.
  // A failure that does not come back is flaky: verdict error, both runs kept. Where no run
  // starts from a clean ledger, a second run would meet the first one's records: not re-run.
  if (!ctx.rerunnable) {
    ctx.meta.verdict = 'fail';
    ctx.meta.failure = { ...detail, notConfirmed: NOT_RERUN };
    throw new Violation(detail.expected, detail.actual, failureMessage(ruleId, detail, shape));
  }
  const again = ctx.newRun();
  let second: { outcome: FailureAttempt['outcome']; error?: unknown };
  try {
    await ctx.onCleanLedger(again, () => predicate(failing.value, again));
    second = { outcome: 'pass' };
  } catch (rerunError) {
    if (rerunError instanceof Violation) second = { outcome: 'fail', error: rerunError };
    else if (rerunError instanceof TargetError) second = { outcome: 'error', error: rerunError };
    else throw rerunError;
  }
  if (second.outcome !== 'fail') {
    const rerunActual = second.error instanceof TargetError ? `target ${second.error.message}` : undefined;
    ctx.meta.verdict = 'error';
    ctx.meta.reason =
      second.outcome === 'pass' ? FLAKY_REASON : `failed once; the re-run of the counterexample got no judgeable answer (${rerunActual ?? 'target error'})`;
    ctx.meta.failure = {
      ...detail,
      ...(second.outcome === 'pass' ? { flaky: true } : {}),
      attempts: [attemptOf(ctx, failing.run, 'fail', error.actual), attemptOf(ctx, again, second.outcome, rerunActual)],
    };
    // Not a Violation and not a TargetError: rule() keeps the verdict and reason set here.
    throw new Error(`${ruleId}: ${ctx.meta.reason}\n  first run: expected ${detail.expected}\n  actual: ${JSON.stringify(detail.actual)}\n  replay: ${detail.replay}`);
  }

  ctx.meta.verdict = 'fail';
  ctx.meta.failure = detail;
  throw new Violation(detail.expected, detail.actual, failureMessage(ruleId, detail, shape));
}

/** The test's message of a failure: expected, actual, the counterexample and the replay line. */
function failureMessage(ruleId: string, detail: FailureDetail, shape: FailureShape): string {
  return [
    `${ruleId}: expected ${detail.expected}`,
    `  actual: ${JSON.stringify(detail.actual)}`,
    `  ${shape.summary?.label ?? 'counterexample'} (after ${detail.shrinks} shrinks): ${shape.summary?.text ?? JSON.stringify(detail.counterexample)}`,
    `  replay: ${detail.replay}`,
  ].join('\n');
}

export const NOT_RERUN =
  'not run a second time: the target gives no property run a clean ledger (neither caller isolation nor a reset), so a second run would meet the records of the first. The replay line draws the counterexample as the seed gives it, where this run may have moved its keys (product, dimension, customer, the caller it signs as) off keys that earlier runs held or onto their records: against the target as this run left it, the replay may name other keys, and meets the records this run made on them. The curl line and the script send the failing requests exactly as they went.';
