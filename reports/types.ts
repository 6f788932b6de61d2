// The shape of report.json (schema: reports/report.schema.json) and of the per-test
// metadata that suites attach for the reporter.
import type { RuleQuote } from '../catalogue/rules.js';
import type { DriverName, Level, RunOutcome, RuleRole, Verdict } from '../core/vocabulary.js';

// The vocabulary lives in core/; report readers find it here too.
export { RUN_OUTCOMES, VERDICTS, type Level, type RunOutcome, type RuleRole, type Verdict } from '../core/vocabulary.js';

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
  /**
   * A curl line reproducing the last request of the counterexample: the built-in test
   * credentials inline, other credentials as the variables $AWS_ACCESS_KEY_ID and
   * $AWS_SECRET_ACCESS_KEY.
   */
  curl?: string;
  /** A POSIX sh script sending every request of the counterexample in order, as a fresh caller. */
  script?: string;
  /** How many property runs passed before the first failure. */
  numRuns?: number;
  shrinks?: number;
  /** Set when shrinking ran out of its time budget: the counterexample may not be minimal. */
  shrinkingStopped?: string;
  /** Why the failure was not confirmed by a second run of its counterexample (a target without a clean ledger). */
  notConfirmed?: string;
  /** The exchanges of the minimal counterexample, in order, redacted and bounded in size. */
  transcript?: TranscriptEntry[];
  /** The earliest exchanges left out of `transcript` (a counterexample keeps its last 100). */
  transcriptOmitted?: number;
  /** The counterexample failed once and passed when run again (verdict error). */
  flaky?: boolean;
  /** When the re-run did not confirm the failure: each run of the counterexample, the failing one first. */
  attempts?: FailureAttempt[];
}

/** One request of a counterexample and what came back. */
export interface TranscriptEntry {
  /** The operation (from X-Amz-Target), "control: <what>" for the target's control API, else method and path. */
  label: string;
  /** 1-based attempt of the call; earlier attempts got transient answers and were retried. */
  attempt: number;
  /** This attempt's answer was transient (throttling, 5xx, reset) and the call was retried. */
  retried?: boolean;
  /** Transient answers retried before this one, when the driver counts them without showing them. */
  retries?: number;
  /** When it was sent (ISO 8601, the harness's clock) and how long the answer took. */
  startedAt?: string;
  durationMs?: number;
  request: TranscriptMessage & { method: string; url: string };
  response?: TranscriptMessage & { status: number };
  /** Why there was no usable answer. */
  error?: string;
}

export interface TranscriptMessage {
  headers: Record<string, string>;
  body: string;
  /** Characters of the body left out: bodies over 4 KB are cut. */
  bodyOmitted?: number;
}

/** One run of a counterexample: the first failing one, then its re-run on a fresh caller. */
export interface FailureAttempt {
  outcome: 'fail' | 'pass' | 'error';
  /** What the target answered (fail) or why the run could not be judged (error). */
  actual?: unknown;
  transcript: TranscriptEntry[];
  transcriptOmitted?: number;
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
  /** Inputs not judged on a target without a clean ledger: they met another property run's record, or the rule had had its share of fresh keys. */
  skippedRuns?: number;
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
  /** The sentences of the documentation or model the rule rests on, quoted. */
  info?: RuleQuote[];
  /** The project's reading where the sources are silent or ambiguous. */
  treatment?: string;
  verdict: Verdict;
  reason?: string;
  observed?: string;
  failure?: FailureDetail;
  numRuns?: number;
  /** See RuleMeta.skippedRuns. */
  skippedRuns?: number;
  retries?: number;
  durationMs: number;
  /** Vitest test names that checked this rule. */
  tests: string[];
  /** Set when the run's baseline lists this rule as a known divergence. */
  baseline?: RuleBaseline;
  /** control: its valid requests must be accepted; negative: its pass counts only beside a passed control. */
  role?: RuleRole;
}

/** The positive control of one operation in a run: was a valid request of it accepted? */
export interface ControlResult {
  operation: string;
  /** The control rule (it may have run only as a control, outside the --rules selection). */
  rule: string;
  verdict: Verdict;
  reason?: string;
}

/** How much of the selection the run could judge, and what stood in the way of the rest. */
export interface Coverage {
  /** Rules with a verdict about the target: pass, fail or observed. */
  judged: number;
  /** Rules without one: not-applicable or error. */
  notJudged: number;
  /** What would make the rules not judged judgeable, most common first. */
  reasons: { reason: string; rules: number }[];
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
  driver: DriverName;
  /**
   * The client library the calls went through: the loaded @aws-sdk/client-marketplace-metering
   * (run --sdk PATH or the installed one) or the tool's raw driver. Absent from older reports.
   */
  client?: { name: string; version: string; location: string };
  /** Service model file and version (API version plus model date). */
  model: string;
  level: 'must' | 'should';
  startedAt: string;
  durationMs: number;
  node: string;
  /** The --rules filter of the run, when it had one. */
  ruleFilter?: string;
  /** Where the credentials came from ("built-in test credentials", an environment variable, a profile); never their values. */
  credentials?: string;
  /** The fault modes the target says it runs with (the reference emulator's describe document, `serve --fault`); absent when none. */
  faults?: string[];
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
  /** Passed must+should rules over judged must+should rules (pass+fail+error), 0..1; null when there were none. */
  score: number | null;
  /** What the run concluded; the exit code follows it (0 for conformant and observed). */
  outcome: RunOutcome;
  /** outcome is conformant or observed: no gated rule failed or errored (except known failures of the baseline), and one was judged. */
  conformant: boolean;
  coverage: Coverage;
  /** Milliseconds from the start of the tests until the first test that failed a rule had finished; absent when no rule failed. */
  firstFailureMs?: number;
}

/** report.json's schema version; readers also take version 1 (reports/upgrade.ts). */
export const REPORT_SCHEMA_VERSION = 2;

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  run: RunInfo;
  summary: Summary;
  rules: RuleResult[];
  /** The positive control of each operation the run's negative rules needed. */
  controls?: ControlResult[];
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
