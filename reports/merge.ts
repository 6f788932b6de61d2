// Merges the reports of shards of one run (vitest --shard) into one report. Each shard lists
// every rule; a rule its shard did not test shows as "no test checked this rule" there.
import { combineJudgements, summarize, type Judgement } from './build.js';
import type { Report, RuleResult, RunInfo } from './types.js';

/** Run fields that must agree between shards of one run. */
const SAME_RUN: (keyof RunInfo)[] = ['seed', 'runs', 'target', 'driver', 'model', 'level'];
/** Rule fields that must agree between shards (they come from the same catalogue). */
const SAME_RULE: (keyof RuleResult)[] = ['statement', 'level', 'family'];

function mergeRun(runs: RunInfo[]): RunInfo {
  const first = runs[0]!;
  for (const run of runs.slice(1)) {
    for (const key of SAME_RUN) {
      if (run[key] !== first[key]) {
        throw new Error(`cannot merge reports of different runs: ${key} is ${JSON.stringify(first[key])} in one and ${JSON.stringify(run[key])} in another`);
      }
    }
  }
  // Shards run side by side: the run spans from the first start to the last end.
  const starts = runs.map((r) => Date.parse(r.startedAt));
  const start = Math.min(...starts);
  const end = Math.max(...runs.map((r, i) => starts[i]! + r.durationMs));
  return { ...first, startedAt: new Date(start).toISOString(), durationMs: end - start };
}

function judgementOf(rule: RuleResult): Judgement {
  const { verdict, reason, observed, failure, numRuns, retries, durationMs, tests } = rule;
  return {
    verdict,
    durationMs,
    tests,
    ...(reason !== undefined ? { reason } : {}),
    ...(observed !== undefined ? { observed } : {}),
    ...(failure !== undefined ? { failure } : {}),
    ...(numRuns !== undefined ? { numRuns } : {}),
    ...(retries !== undefined ? { retries } : {}),
  };
}

export function mergeReports(reports: Report[]): Report {
  if (reports.length === 0) throw new Error('mergeReports needs at least one report');
  const run = mergeRun(reports.map((r) => r.run));
  const byId = new Map<string, RuleResult[]>();
  for (const report of reports) {
    for (const rule of report.rules) byId.set(rule.id, [...(byId.get(rule.id) ?? []), rule]);
  }
  const rules = [...byId.values()].map((shards): RuleResult => {
    const first = shards[0]!;
    for (const shard of shards) {
      for (const key of SAME_RULE) {
        if (shard[key] !== first[key]) throw new Error(`cannot merge reports: rule ${first.id} has a different ${key} in two shards`);
      }
    }
    // Only shards that ran a test for the rule have something to say about it.
    const tested = shards.filter((s) => s.tests.length > 0).map(judgementOf);
    const { id, statement, level, family, operations, sources } = first;
    return { id, statement, level, family, operations, sources, ...combineJudgements(tested) };
  });
  const problems = [...new Set(reports.flatMap((r) => r.problems ?? []))];
  return { schemaVersion: 1, run, summary: summarize(rules, run.level, problems), rules, problems };
}
