// Merges the reports of shards of one run into one report. A shard of `run --shard i/n` lists
// its slice of the rules; a shard that lists every rule (vitest file sharding) shows the rules
// it did not test as "no test checked this rule", and only the shards that tested a rule count.
import { applyBaseline } from './baseline.js';
import { combineJudgements, type Judgement } from './build.js';
import { REPORT_SCHEMA_VERSION, type ControlResult, type Report, type RuleResult, type RunInfo } from './types.js';

/** Run fields that must agree between shards of one run. */
const SAME_RUN: (keyof RunInfo)[] = ['seed', 'runs', 'target', 'driver', 'model', 'level', 'ruleFilter', 'baseline'];
/** Rule fields that must agree between shards (they come from the same catalogue). */
const SAME_RULE: (keyof RuleResult)[] = ['statement', 'level', 'family'];

/** Shards of `run --shard i/n` must be all n of them, each once. */
function checkShards(runs: RunInfo[]): void {
  const sharded = runs.filter((r) => r.shard !== undefined);
  if (sharded.length === 0) return;
  if (sharded.length !== runs.length) throw new Error('cannot merge reports: some come from run --shard and some do not');
  const count = sharded[0]!.shard!.count;
  const indexes = new Set<number>();
  for (const { shard } of sharded) {
    if (shard!.count !== count) throw new Error(`cannot merge reports: shard ${shard!.index}/${shard!.count} is not one of ${count} shards`);
    if (indexes.has(shard!.index)) throw new Error(`cannot merge reports: shard ${shard!.index}/${count} is given twice`);
    indexes.add(shard!.index);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !indexes.has(i));
  if (missing.length > 0) throw new Error(`cannot merge reports: shard ${missing.map((i) => `${i}/${count}`).join(', ')} missing`);
}

function mergeRun(runs: RunInfo[]): RunInfo {
  const first = runs[0]!;
  for (const run of runs.slice(1)) {
    for (const key of SAME_RUN) {
      if (JSON.stringify(run[key]) !== JSON.stringify(first[key])) {
        throw new Error(`cannot merge reports of different runs: ${key} is ${JSON.stringify(first[key]) ?? 'not set'} in one and ${JSON.stringify(run[key]) ?? 'not set'} in another`);
      }
    }
  }
  // Shards of one run call through the same client library; its folder may differ between machines.
  for (const run of runs.slice(1)) {
    const [a, b] = [first.client, run.client].map((c) => (c === undefined ? 'not set' : `${c.name} ${c.version}`));
    if (a !== b) throw new Error(`cannot merge reports of different runs: client is ${a} in one and ${b} in another`);
  }
  checkShards(runs);
  // Shards run side by side: the run spans from the first start to the last end.
  const starts = runs.map((r) => Date.parse(r.startedAt));
  const start = Math.min(...starts);
  const end = Math.max(...runs.map((r, i) => starts[i]! + r.durationMs));
  const { shard: _shard, ...whole } = first;
  return { ...whole, startedAt: new Date(start).toISOString(), durationMs: end - start };
}

function judgementOf(rule: RuleResult): Judgement {
  const { verdict, reason, observed, failure, numRuns, skippedRuns, retries, durationMs, tests } = rule;
  return {
    verdict,
    durationMs,
    tests,
    ...(reason !== undefined ? { reason } : {}),
    ...(observed !== undefined ? { observed } : {}),
    ...(failure !== undefined ? { failure } : {}),
    ...(numRuns !== undefined ? { numRuns } : {}),
    ...(skippedRuns !== undefined ? { skippedRuns } : {}),
    ...(retries !== undefined ? { retries } : {}),
  };
}

/**
 * Every shard runs the controls its negative rules need, and judged its own rules against
 * them; the merged list keeps, per operation, a passing control if any shard had one.
 */
function mergeControls(controls: ControlResult[]): ControlResult[] {
  const byOperation = new Map<string, ControlResult>();
  for (const control of controls) {
    if (byOperation.get(control.operation)?.verdict !== 'pass') byOperation.set(control.operation, control);
  }
  return [...byOperation.values()].sort((a, b) => (a.operation < b.operation ? -1 : 1));
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
    const { id, statement, level, family, operations, sources, role } = first;
    return { id, statement, level, family, operations, sources, ...(role !== undefined ? { role } : {}), ...combineJudgements(tested) };
  });
  const problems = [...new Set(reports.flatMap((r) => r.problems ?? []))];
  const controls = mergeControls(reports.flatMap((r) => r.controls ?? []));
  // The baseline is judged again on the merged verdicts (and the summary computed with it).
  const merged: Report = { schemaVersion: REPORT_SCHEMA_VERSION, run, summary: reports[0]!.summary, rules, ...(controls.length > 0 ? { controls } : {}), problems };
  return applyBaseline(merged, run.baseline);
}
