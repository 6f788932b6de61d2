// The shape of report.json (schema: reports/report.schema.json) and of the per-test
// metadata that suites attach for the reporter.

export type Level = 'must' | 'should' | 'implementation-defined';
export type Verdict = 'pass' | 'fail' | 'error' | 'not-applicable' | 'observed';
export const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'error', 'not-applicable', 'observed'];

export interface FailureDetail {
  /** The shrunk counterexample: the generated input(s) of the failing case. */
  counterexample: unknown;
  /** What the rule expected, in words. */
  expected: string;
  /** What the target answered (status, error type or output). */
  actual: unknown;
  /** fast-check seed and path: `run --seed <seed> --replay <path>` reproduces it. */
  seed: number;
  path?: string;
  replay: string;
  /** A curl line reproducing the last request of the counterexample, credentials as variables. */
  curl?: string;
  /** How many property runs passed before the first failure. */
  numRuns?: number;
  shrinks?: number;
}

/** Attached by suites to each vitest test (task.meta.conformance). JSON-serialisable. */
export interface RuleMeta {
  ruleIds: string[];
  /** Set when the test decided a verdict other than the one its pass/fail state implies. */
  verdict?: Verdict;
  /** Why not-applicable or error. */
  reason?: string;
  /** For implementation-defined rules: what the target did. */
  observed?: string;
  failure?: FailureDetail;
  numRuns?: number;
  /** Transient answers retried during the test. */
  retries?: number;
}

export interface RuleResult {
  id: string;
  statement: string;
  level: Level;
  family: string;
  operations: string[];
  sources: string[];
  verdict: Verdict;
  reason?: string;
  observed?: string;
  failure?: FailureDetail;
  numRuns?: number;
  retries?: number;
  durationMs: number;
  /** Vitest test names that checked this rule. */
  tests: string[];
  /** Set when the run's baseline lists this rule as a known divergence. */
  baseline?: RuleBaseline;
}

/**
 * How a baselined rule fared: `known-failure` (failed or errored, as the baseline expects; it
 * does not fail the run), `now-passing` (passed or observed: remove it from the baseline),
 * `not-judged` (not-applicable here, so the run says nothing about it).
 */
export type BaselineStatus = 'known-failure' | 'now-passing' | 'not-judged';

export interface RuleBaseline {
  reason: string;
  status: BaselineStatus;
}

/** One known divergence: a rule id and why the team accepts it for now. */
export interface BaselineEntry {
  rule: string;
  reason: string;
}

export interface RunInfo {
  tool: { name: string; version: string };
  seed: number;
  runs: number;
  target: string;
  driver: 'raw' | 'sdk';
  /** Service model file and version (API version plus model date). */
  model: string;
  level: 'must' | 'should';
  startedAt: string;
  durationMs: number;
  node: string;
  /** The --rules filter of the run, when it had one. */
  ruleFilter?: string;
  /** Set on the report of one shard (`run --shard index/count`); a merged report has none. */
  shard?: { index: number; count: number };
  /** The baseline the verdicts were judged against (`--baseline FILE`). */
  baseline?: { file: string; entries: BaselineEntry[] };
}

export interface Summary {
  total: number;
  counts: Record<Verdict, number>;
  /** By level: pass and fail counts. */
  byLevel: Record<Level, Record<Verdict, number>>;
  /** Passed must+should rules over judged must+should rules (pass+fail+error), 0..1. */
  score: number;
  /** No must (and, at the should gate, should) rule failed or errored, except known failures of the baseline. */
  conformant: boolean;
  /** Milliseconds from the start of the tests until the first test that failed a rule had finished; absent when no rule failed. */
  firstFailureMs?: number;
}

export interface Report {
  schemaVersion: 1;
  run: RunInfo;
  summary: Summary;
  rules: RuleResult[];
  /**
   * Run-level problems that belong to no single rule: unhandled errors, suite files that
   * failed to load, an interrupted run. Any problem makes the run non-conformant, because
   * its verdicts cannot be trusted.
   */
  problems?: string[];
}

// Suites attach RuleMeta as `task.meta.conformance`; this makes that field typed.
declare module 'vitest' {
  interface TaskMeta {
    conformance?: RuleMeta;
  }
}
