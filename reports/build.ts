// Turns vitest test outcomes into the per-rule report. Pure: no I/O, no clock.
import { coverageHintOfNeed, quotedUnmetNeed } from '../catalogue/needs.js';
import type { Rule } from '../catalogue/rules.js';
import {
  REPORT_SCHEMA_VERSION,
  VERDICTS,
  type ControlResult,
  type Coverage,
  type FailureDetail,
  type Level,
  type Report,
  type RuleMeta,
  type RuleResult,
  type RunInfo,
  type RunOutcome,
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

/** What one test (or one shard) concluded about one rule: the judged part of its RuleResult. */
export type Judgement = Pick<RuleResult, 'verdict' | 'reason' | 'observed' | 'failure' | 'numRuns' | 'skippedRuns' | 'retries' | 'durationMs' | 'tests'>;

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
    ...(meta?.skippedRuns !== undefined ? { skippedRuns: meta.skippedRuns } : {}),
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
  const skippedRuns = sumDefined(judgements.map((j) => j.skippedRuns));
  const retries = sumDefined(judgements.map((j) => j.retries));
  return {
    verdict,
    ...(reason !== undefined ? { reason } : {}),
    ...(observed !== undefined ? { observed } : {}),
    ...(failure !== undefined ? { failure } : {}),
    ...(numRuns !== undefined ? { numRuns } : {}),
    ...(skippedRuns !== undefined ? { skippedRuns } : {}),
    ...(retries !== undefined ? { retries } : {}),
    durationMs: judgements.reduce((total, j) => total + j.durationMs, 0),
    tests: judgements.flatMap((j) => j.tests),
  };
}

function emptyCounts(): Record<Verdict, number> {
  return Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
}

/** How the reason of a rule demoted by withoutVacuousPasses starts. */
const VACUOUS_PREFIX = 'not judged: every request of this rule expects a rejection';

/** A not-judged rule's reason, shortened to what would make it judgeable (grouped in the coverage line). */
export function coverageHint(rule: Pick<RuleResult, 'verdict' | 'reason'>): string {
  if (rule.verdict === 'error') return 'errored: no judgeable answer (see the rules)';
  const reason = rule.reason ?? '';
  const need = coverageHintOfNeed(reason);
  if (need !== undefined) return need;
  // The wording of reports written before the reasons named target.yaml keys.
  const fixture = /^the target config declares no (.+)$/.exec(reason);
  if (fixture) return `declare ${fixture[1]} in target.yaml`;
  const capability = /^the target does not declare ([a-z ]+?)(?: \(|$)/.exec(reason);
  if (capability) return `declare the ${capability[1]} capability in target.yaml`;
  const unimplemented = /^the target does not implement ([A-Za-z ]+):/.exec(reason);
  if (unimplemented) return `the target does not implement ${unimplemented[1]}`;
  if (reason.startsWith(VACUOUS_PREFIX)) {
    // What the positive control lacked is what these rules wait for too: one group with the control's.
    const unmet = quotedUnmetNeed(reason);
    return unmet !== undefined ? coverageHintOfNeed(unmet)! : 'no valid request of its operation was accepted (positive control not passed)';
  }
  if (reason.startsWith('needs the raw driver')) return 'run with --driver raw';
  return reason.length > 120 ? `${reason.slice(0, 119)}…` : reason;
}

export function coverageOf(rules: RuleResult[]): Coverage {
  const reasons = new Map<string, number>();
  let judged = 0;
  for (const rule of rules) {
    if (rule.verdict === 'pass' || rule.verdict === 'fail' || rule.verdict === 'observed') {
      judged += 1;
      continue;
    }
    const hint = coverageHint(rule);
    reasons.set(hint, (reasons.get(hint) ?? 0) + 1);
  }
  return {
    judged,
    notJudged: rules.length - judged,
    reasons: [...reasons].map(([reason, count]) => ({ reason, rules: count })).sort((a, b) => b.rules - a.rules || (a.reason < b.reason ? -1 : 1)),
  };
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
  const gatedLevels: Level[] = gateLevel === 'must' ? ['must'] : ['must', 'should'];
  const gated = rules.filter((r) => gatedLevels.includes(r.level));
  // A known failure of the baseline is shown, counted and scored, but does not gate the run.
  const broken = gated.some((r) => (r.verdict === 'fail' || r.verdict === 'error') && r.baseline?.status !== 'known-failure');
  const decided = gated.some((r) => r.verdict === 'pass' || r.verdict === 'fail');
  let outcome: RunOutcome;
  if (problems.length > 0 || broken) outcome = 'non-conformant';
  else if (gated.length === 0) outcome = rules.some((r) => r.verdict === 'observed') ? 'observed' : 'inconclusive';
  else outcome = decided ? 'conformant' : 'inconclusive';
  return {
    total: rules.length,
    counts,
    byLevel,
    score: denominator === 0 ? null : passed / denominator,
    outcome,
    conformant: outcome === 'conformant' || outcome === 'observed',
    coverage: coverageOf(rules),
  };
}

/**
 * The controls of a run, one per operation: the verdict of each control rule that a test
 * checked (selected, or run only as a control), passing controls first.
 */
export function controlResults(judged: { rule: Rule; judgement: Judgement }[]): ControlResult[] {
  const byOperation = new Map<string, ControlResult>();
  for (const { rule, judgement } of judged) {
    if (rule.role !== 'control' || judgement.tests.length === 0) continue;
    for (const operation of rule.operations) {
      const known = byOperation.get(operation);
      if (known?.verdict === 'pass') continue;
      byOperation.set(operation, { operation, rule: rule.id, verdict: judgement.verdict, ...(judgement.reason !== undefined ? { reason: judgement.reason } : {}) });
    }
  }
  return [...byOperation.values()].sort((a, b) => (a.operation < b.operation ? -1 : 1));
}

/**
 * A negative rule only ever expects rejections, so a target that rejects everything passes it.
 * Its pass counts only when a valid request of one of its operations was accepted in the same
 * run (a passed control); otherwise the rule is not-applicable, and says which control did
 * not pass. Fails are kept: accepting what must be rejected is a fault either way.
 */
export function withoutVacuousPasses(rules: RuleResult[], controls: ControlResult[]): RuleResult[] {
  const accepted = new Set(controls.filter((c) => c.verdict === 'pass').map((c) => c.operation));
  return rules.map((rule) => {
    if (rule.role !== 'negative' || rule.verdict !== 'pass' || rule.operations.some((op) => accepted.has(op))) return rule;
    const why = rule.operations.map((op) => {
      const control = controls.find((c) => c.operation === op);
      if (control === undefined) return `${op}: no control ran`;
      // A long reason is cut, unless it names what the target would have to declare: that goes whole.
      const reason = control.reason === undefined || control.reason.length <= 160 || coverageHintOfNeed(control.reason) !== undefined ? control.reason : `${control.reason.slice(0, 159)}…`;
      return `${op}: control ${control.rule} ${control.verdict}${reason !== undefined ? ` (${reason})` : ''}`;
    });
    return { ...rule, verdict: 'not-applicable' as const, reason: `${VACUOUS_PREFIX}, and no valid request of its operation was accepted in this run, so a rejection proves nothing (${why.join('; ')})` };
  });
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
  const catalogue = new Map([...(input.catalogue ?? []), ...input.rules].map((r) => [r.id, r]));
  // Control rules outside the selection run as controls: judged, but reported in `controls` only.
  const judgedIds = new Set([...selected.keys(), ...[...catalogue.values()].filter((r) => r.role === 'control').map((r) => r.id)]);
  const byRule = new Map<string, Judgement[]>([...judgedIds].map((id) => [id, []]));
  const problems = [...(input.problems ?? [])];

  for (const test of input.tests) {
    if (test.meta === undefined) {
      // A failing test that names no rule would otherwise vanish from the report.
      if (test.state === 'failed') problems.push(`test "${test.name}" failed but names no rule: ${firstError(test)}`);
      continue;
    }
    checkMeta(test, new Set(catalogue.keys()));
    for (const id of new Set(test.meta.ruleIds)) {
      if (judgedIds.has(id)) byRule.get(id)!.push(judgeTest(catalogue.get(id)!, test, input.run.seed));
    }
  }

  const controls = controlResults([...judgedIds].map((id) => ({ rule: catalogue.get(id)!, judgement: combineJudgements(byRule.get(id)!) })));
  const results: RuleResult[] = input.rules.map((rule) => ({
    id: rule.id,
    statement: rule.statement,
    level: rule.level,
    family: rule.family,
    operations: [...rule.operations],
    sources: [...rule.sources],
    ...(rule.info !== undefined ? { info: rule.info.map((q) => ({ ...q })) } : {}),
    ...(rule.treatment !== undefined ? { treatment: rule.treatment } : {}),
    ...(rule.role !== undefined ? { role: rule.role } : {}),
    ...combineJudgements(byRule.get(rule.id)!),
  }));
  const rules = withoutVacuousPasses(results, controls);

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    run: input.run,
    summary: summarize(rules, input.gateLevel, problems),
    rules,
    ...(controls.length > 0 ? { controls } : {}),
    problems,
  };
}
