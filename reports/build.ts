// Turns vitest test outcomes into the per-rule report. Pure: no I/O, no clock.
import type { Rule } from '../catalogue/rules.js';
import {
  VERDICTS,
  type FailureDetail,
  type Level,
  type Report,
  type RuleMeta,
  type RuleResult,
  type RunInfo,
  type Summary,
  type Verdict,
} from './types.js';

export interface TestOutcome {
  name: string;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  durationMs: number;
  errors: string[];
  meta?: RuleMeta;
}

export interface BuildInput {
  run: RunInfo;
  rules: Rule[];
  tests: TestOutcome[];
  gateLevel: 'must' | 'should';
  /**
   * The whole catalogue when `rules` is a selection (`--rules`): a test may also name
   * catalogue rules outside the selection, which are left out of the report. Ids in
   * neither list are a programming error.
   */
  catalogue?: Rule[];
  /** Run-level problems (unhandled errors, modules that failed to load); see Report.problems. */
  problems?: string[];
}

/** What one test (or one shard) concluded about one rule. */
export interface Judgement {
  verdict: Verdict;
  reason?: string;
  observed?: string;
  failure?: FailureDetail;
  numRuns?: number;
  retries?: number;
  durationMs: number;
  tests: string[];
}

export const NO_TEST_REASON = 'no test checked this rule';
const LEVELS: Level[] = ['must', 'should', 'implementation-defined'];

/** The command that re-runs one rule with the run's seed (and, with a fast-check path, exactly one counterexample). */
export function replayCommand(seed: number, ruleId: string, path?: string): string {
  return `npx metering-conformance run --seed ${seed} --rules ${ruleId}${path === undefined ? '' : ` --replay ${path}`}`;
}

function failureFromErrors(rule: Rule, test: TestOutcome, seed: number, fallback: string): FailureDetail {
  return {
    counterexample: null,
    expected: rule.statement,
    actual: test.errors.length > 0 ? test.errors.join('\n') : fallback,
    seed,
    replay: replayCommand(seed, rule.id),
  };
}

function firstError(test: TestOutcome): string {
  return test.errors[0] ?? 'the test failed without an error message';
}

/** The verdict one test gives one rule, following the rules in the reports brief. */
export function judgeTest(rule: Rule, test: TestOutcome, seed: number): Judgement {
  const meta = test.meta;
  const base = {
    durationMs: test.durationMs,
    tests: [test.name],
    ...(meta?.numRuns !== undefined ? { numRuns: meta.numRuns } : {}),
    ...(meta?.retries !== undefined ? { retries: meta.retries } : {}),
  };
  const implementationDefined = rule.level === 'implementation-defined';

  if (meta?.verdict !== undefined) {
    // A test that recorded a good verdict and then threw is contradicting itself: trust neither.
    if (test.state === 'failed' && (meta.verdict === 'pass' || meta.verdict === 'observed')) {
      return { ...base, verdict: 'error', reason: `the test recorded "${meta.verdict}" and then failed: ${firstError(test)}` };
    }
    const verdict = meta.verdict;
    return {
      ...base,
      verdict,
      ...(meta.reason !== undefined ? { reason: meta.reason } : {}),
      ...(meta.observed !== undefined ? { observed: meta.observed } : {}),
      ...(verdict === 'fail'
        ? { failure: meta.failure ?? failureFromErrors(rule, test, seed, meta.reason ?? 'the test recorded a failure without detail') }
        : meta.failure !== undefined
          ? { failure: meta.failure }
          : {}),
      ...(verdict === 'observed' && meta.observed === undefined ? { observed: 'no observation recorded' } : {}),
      ...(verdict === 'error' && meta.reason === undefined ? { reason: test.errors[0] ?? 'the test reported an error without a reason' } : {}),
      ...(verdict === 'not-applicable' && meta.reason === undefined ? { reason: 'the test reported the rule not applicable without a reason' } : {}),
    };
  }

  switch (test.state) {
    case 'failed':
      // An implementation-defined rule fails only when the test says so explicitly (a broken
      // promise from the target config); anything else that throws is a harness problem.
      if (implementationDefined) return { ...base, verdict: 'error', reason: firstError(test) };
      return { ...base, verdict: 'fail', failure: meta?.failure ?? failureFromErrors(rule, test, seed, 'the test failed') };
    case 'skipped':
      return { ...base, verdict: 'not-applicable', reason: meta?.reason ?? 'skipped' };
    case 'pending':
      return { ...base, verdict: 'error', reason: 'the test did not finish (the run was interrupted or timed out)' };
    case 'passed':
      return implementationDefined
        ? { ...base, verdict: 'observed', observed: meta?.observed ?? 'no observation recorded' }
        : { ...base, verdict: 'pass' };
  }
}

function winningVerdict(verdicts: Verdict[]): Verdict {
  for (const v of ['fail', 'error', 'observed'] as const) if (verdicts.includes(v)) return v;
  return verdicts.every((v) => v === 'not-applicable') ? 'not-applicable' : 'pass';
}

function joinDistinct(texts: (string | undefined)[]): string | undefined {
  const distinct = [...new Set(texts.filter((t): t is string => t !== undefined && t !== ''))];
  return distinct.length > 0 ? distinct.join('; ') : undefined;
}

function sumDefined(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? defined.reduce((a, b) => a + b, 0) : undefined;
}

/** Several tests (or shards) about one rule: any fail → fail, else error, else observed, else all n/a → n/a, else pass. */
export function combineJudgements(judgements: Judgement[]): Judgement {
  if (judgements.length === 0) return { verdict: 'error', reason: NO_TEST_REASON, durationMs: 0, tests: [] };
  const verdict = winningVerdict(judgements.map((j) => j.verdict));
  const winners = judgements.filter((j) => j.verdict === verdict);
  const reason = verdict === 'error' || verdict === 'not-applicable' ? joinDistinct(winners.map((j) => j.reason)) : undefined;
  const observed = joinDistinct(judgements.map((j) => j.observed));
  const failure = winners.find((j) => j.failure !== undefined)?.failure;
  const numRuns = sumDefined(judgements.map((j) => j.numRuns));
  const retries = sumDefined(judgements.map((j) => j.retries));
  return {
    verdict,
    ...(reason !== undefined ? { reason } : {}),
    ...(observed !== undefined ? { observed } : {}),
    ...(failure !== undefined ? { failure } : {}),
    ...(numRuns !== undefined ? { numRuns } : {}),
    ...(retries !== undefined ? { retries } : {}),
    durationMs: judgements.reduce((total, j) => total + j.durationMs, 0),
    tests: judgements.flatMap((j) => j.tests),
  };
}

function emptyCounts(): Record<Verdict, number> {
  return Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
}

export function summarize(rules: RuleResult[], gateLevel: 'must' | 'should', problems: string[] = []): Summary {
  const counts = emptyCounts();
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, emptyCounts()])) as Record<Level, Record<Verdict, number>>;
  for (const r of rules) {
    counts[r.verdict] += 1;
    byLevel[r.level][r.verdict] += 1;
  }
  const judged = (['must', 'should'] as const).map((l) => byLevel[l]);
  const passed = judged.reduce((n, c) => n + c.pass, 0);
  const denominator = judged.reduce((n, c) => n + c.pass + c.fail + c.error, 0);
  // A known failure of the baseline is shown, counted and scored, but does not gate the run.
  const broken = (level: Level) =>
    rules.some((r) => r.level === level && (r.verdict === 'fail' || r.verdict === 'error') && r.baseline?.status !== 'known-failure');
  const conformant = problems.length === 0 && !broken('must') && !(gateLevel === 'should' && broken('should'));
  return { total: rules.length, counts, byLevel, score: denominator === 0 ? 1 : passed / denominator, conformant };
}

function checkMeta(test: TestOutcome, known: Set<string>): void {
  const ids: unknown = test.meta?.ruleIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
    throw new Error(`test "${test.name}": meta.conformance.ruleIds must be a non-empty list of rule ids`);
  }
  for (const id of ids as string[]) {
    if (!known.has(id)) throw new Error(`test "${test.name}" names rule "${id}", which is not in the rule catalogue`);
  }
  if (test.meta?.verdict !== undefined && !VERDICTS.includes(test.meta.verdict)) {
    throw new Error(`test "${test.name}": meta.conformance.verdict "${String(test.meta.verdict)}" is not one of ${VERDICTS.join(', ')}`);
  }
}

export function buildReport(input: BuildInput): Report {
  const selected = new Map(input.rules.map((r) => [r.id, r]));
  const known = new Set([...selected.keys(), ...(input.catalogue ?? []).map((r) => r.id)]);
  const byRule = new Map<string, Judgement[]>(input.rules.map((r) => [r.id, []]));
  const problems = [...(input.problems ?? [])];

  for (const test of input.tests) {
    if (test.meta === undefined) {
      // A failing test that names no rule would otherwise vanish from the report.
      if (test.state === 'failed') problems.push(`test "${test.name}" failed but names no rule: ${firstError(test)}`);
      continue;
    }
    checkMeta(test, known);
    for (const id of new Set(test.meta.ruleIds)) {
      const rule = selected.get(id);
      if (rule !== undefined) byRule.get(id)!.push(judgeTest(rule, test, input.run.seed));
    }
  }

  const rules: RuleResult[] = input.rules.map((rule) => ({
    id: rule.id,
    statement: rule.statement,
    level: rule.level,
    family: rule.family,
    operations: [...rule.operations],
    sources: [...rule.sources],
    ...combineJudgements(byRule.get(rule.id)!),
  }));

  return {
    schemaVersion: 1,
    run: input.run,
    summary: summarize(rules, input.gateLevel, problems),
    rules,
    problems,
  };
}
