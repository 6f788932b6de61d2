// Runs one rule's property with fast-check, then turns a failure into report material:
// the shrunk counterexample, expected against actual, the replay command and a curl line.
import fc from 'fast-check';
import type { FailureDetail } from '../../reports/types.js';
import { curlLine } from '../../target/curl.js';
import { TargetError, type Exchange } from '../../target/types.js';
import { Violation } from './expect.js';
import type { PropertyRun, RuleContext } from './rule.js';

export interface PropertyOptions<T> {
  /** Documented examples, always tried first. */
  examples?: T[];
  /** Overrides the run's property-run count (e.g. for costly properties). */
  numRuns?: number;
}

/** A stable 32-bit seed per rule, so a rule's inputs do not depend on which other rules ran. */
export function ruleSeed(runSeed: number, ruleId: string): number {
  let hash = 0x811c9dc5 ^ runSeed;
  for (const ch of ruleId) {
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

export function replayCommand(ruleId: string, runSeed: number, path: string | undefined): string {
  return `npx metering-conformance run --rules ${ruleId} --seed ${runSeed}${path ? ` --replay ${path}` : ''}`;
}

export async function runProperty<T>(
  ctx: RuleContext,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T, run: PropertyRun) => Promise<void>,
  options: PropertyOptions<T>,
): Promise<void> {
  const ruleId = ctx.rules[0].id;
  const runSeed = ctx.context.seed;
  const seed = ruleSeed(runSeed, ruleId);
  const replay = ctx.context.replay?.ruleId === ruleId ? ctx.context.replay.path : undefined;
  let targetError: TargetError | undefined;
  let failing: { exchanges: Exchange[]; error: unknown } | undefined;

  const property = fc.asyncProperty(arbitrary, async (value) => {
    // Once the target has failed to answer, stop talking to it: shrinking would only wait again.
    if (targetError) throw targetError;
    const run = ctx.newRun();
    try {
      await predicate(value, run);
    } catch (error) {
      if (error instanceof TargetError) targetError = error;
      failing = { exchanges: run.exchanges, error };
      throw error;
    }
  });

  const result = await fc.check(property, {
    seed,
    numRuns: replay ? 1 : (options.numRuns ?? ctx.context.runs),
    ...(replay ? { path: replay } : {}),
    ...(options.examples && !replay ? { examples: options.examples.map((e) => [e] as [T]) } : {}),
  });
  ctx.meta.numRuns = result.numRuns;
  if (!result.failed) return;

  if (targetError) throw targetError;
  const error = failing?.error ?? result.errorInstance;
  if (!(error instanceof Violation)) {
    // A bug in the suite itself, not a verdict about the target: let vitest show it.
    throw error instanceof Error ? error : new Error(String(error));
  }
  const last = failing?.exchanges.at(-1);
  const detail: FailureDetail = {
    counterexample: plain(result.counterexample?.[0]),
    expected: error.expected,
    actual: error.actual,
    seed: runSeed,
    ...(result.counterexamplePath ? { path: result.counterexamplePath } : {}),
    replay: replayCommand(ruleId, runSeed, result.counterexamplePath ?? undefined),
    ...(last ? { curl: curlLine(last.request, ctx.description.region) } : {}),
    numRuns: result.numRuns,
    shrinks: result.numShrinks,
  };
  ctx.meta.verdict = 'fail';
  ctx.meta.failure = detail;
  const message = [
    `${ruleId}: expected ${detail.expected}`,
    `  actual: ${JSON.stringify(detail.actual)}`,
    `  counterexample (after ${detail.shrinks} shrinks): ${JSON.stringify(detail.counterexample)}`,
    `  replay: ${detail.replay}`,
  ].join('\n');
  throw new Violation(detail.expected, detail.actual, message);
}
