// The vitest reporter of a conformance run: collects every test's outcome and rule metadata,
// builds the report, writes the report files and hands the report to the caller (the CLI
// decides the exit code and prints the console summary from it).
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SerializedError } from 'vitest';
import type { Reporter, TestCase, TestModule, TestRunEndReason } from 'vitest/node';
import type { Rule } from '../catalogue/rules.js';
import { applyBaseline, type Baseline } from './baseline.js';
import { buildReport, type TestOutcome } from './build.js';
import { redactReport } from './redact.js';
import type { Report, RunInfo } from './types.js';
import { writeReports } from './write.js';

export interface ConformanceReporterOptions {
  outDir: string;
  run: Omit<RunInfo, 'durationMs'>;
  /** The rules this run judges. */
  rules: Rule[];
  /** The whole catalogue when `rules` is a selection; see BuildInput.catalogue. */
  catalogue?: Rule[];
  gateLevel: 'must' | 'should';
  /** Known divergences: shown, but they do not fail the run. */
  baseline?: Baseline;
  /** Credentials to scrub from every file and from the report handed to onReport. */
  secrets?: string[];
  /** Called with the redacted report and the paths of the files written. */
  onReport?: (report: Report, files: string[]) => void;
}

function errorText(error: SerializedError): string {
  const name = typeof error.name === 'string' && error.name !== 'Error' ? `${error.name}: ` : '';
  return `${name}${error.message ?? String(error)}`;
}

/** Unhandled errors carry the name and file of the test that was running, when there was one. */
function testKey(path: string, name: string): string {
  return `${path}\u0000${name}`;
}

function outcomeOf(testCase: TestCase, unhandled: string[] | undefined, setupErrors: string[]): TestOutcome {
  const result = testCase.result();
  const diagnostic = testCase.diagnostic();
  let meta = testCase.meta().conformance;
  if (meta !== undefined && result.state === 'skipped' && meta.reason === undefined && result.note !== undefined) {
    meta = { ...meta, reason: result.note };
  }
  // A test whose suite setup failed, or that raised an unhandled error, tells nothing about
  // the target: the rule gets `error`, never `fail`.
  const harnessErrors = [...setupErrors, ...(unhandled ?? [])];
  if (meta !== undefined && harnessErrors.length > 0 && meta.verdict === undefined) {
    meta = { ...meta, verdict: 'error', reason: harnessErrors.join('; ') };
  }
  return {
    name: `${testCase.module.relativeModuleId} > ${testCase.fullName}`,
    state: result.state,
    durationMs: Math.round((diagnostic?.duration ?? 0) * 10) / 10,
    errors: (result.errors ?? []).map(errorText),
    ...(meta !== undefined ? { meta } : {}),
  };
}

/** Errors of the suites around a test (failed beforeAll/afterAll hooks, collection errors). */
function setupErrorsOf(testCase: TestCase): string[] {
  const errors: string[] = [];
  for (let parent: TestCase['parent'] | undefined = testCase.parent; parent !== undefined; ) {
    for (const e of parent.errors()) errors.push(`setup of ${parent.type === 'module' ? parent.relativeModuleId : parent.fullName} failed: ${errorText(e)}`);
    parent = parent.type === 'module' ? undefined : parent.parent;
  }
  return errors;
}

/**
 * When the first test that failed one of `failed` (rule ids) finished, in ms after
 * `startedAtEpochMs`: how soon a run shows a defect.
 */
function firstFailureMs(testModules: ReadonlyArray<TestModule>, failed: ReadonlySet<string>, startedAtEpochMs: number): number | undefined {
  let first: number | undefined;
  for (const module of testModules) {
    for (const testCase of module.children.allTests()) {
      const diagnostic = testCase.diagnostic();
      const meta = testCase.meta().conformance;
      const failedHere = testCase.result().state === 'failed' || meta?.verdict === 'fail';
      if (diagnostic === undefined || !failedHere || !(meta?.ruleIds ?? []).some((id) => failed.has(id))) continue;
      const finished = Math.max(0, Math.round(diagnostic.startTime + diagnostic.duration - startedAtEpochMs));
      first = first === undefined ? finished : Math.min(first, finished);
    }
  }
  return first;
}

export class ConformanceReporter implements Reporter {
  readonly #options: ConformanceReporterOptions;
  #startedAt = performance.now();
  #startedAtEpochMs = Date.now();

  constructor(options: ConformanceReporterOptions) {
    this.#options = options;
  }

  onTestRunStart(): void {
    this.#startedAt = performance.now();
    this.#startedAtEpochMs = Date.now();
  }

  async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): Promise<void> {
    const options = this.#options;
    const problems: string[] = [];
    const unhandledByTest = new Map<string, string[]>();
    for (const error of unhandledErrors) {
      const name = typeof error.VITEST_TEST_NAME === 'string' ? error.VITEST_TEST_NAME : undefined;
      const path = typeof error.VITEST_TEST_PATH === 'string' ? error.VITEST_TEST_PATH : undefined;
      const where = [name !== undefined ? ` in test "${name}"` : '', path !== undefined ? ` (${relative(process.cwd(), path)})` : ''].join('');
      problems.push(`unhandled error${where}: ${errorText(error)}`);
      if (name !== undefined && path !== undefined) {
        const key = testKey(path, name);
        unhandledByTest.set(key, [...(unhandledByTest.get(key) ?? []), `unhandled error: ${errorText(error)}`]);
      }
    }

    const tests: TestOutcome[] = [];
    for (const module of testModules) {
      // A file that failed to load, or a failed beforeAll, leaves tests that never ran and
      // so never named their rules: the error must reach the report by itself.
      for (const e of module.errors()) problems.push(`${module.relativeModuleId}: ${errorText(e)}`);
      for (const suite of module.children.allSuites()) {
        for (const e of suite.errors()) problems.push(`${module.relativeModuleId} > ${suite.fullName}: ${errorText(e)}`);
      }
      for (const testCase of module.children.allTests()) {
        tests.push(outcomeOf(testCase, unhandledByTest.get(testKey(module.moduleId, testCase.name)), setupErrorsOf(testCase)));
      }
    }
    if (reason === 'interrupted') problems.push('the run was interrupted before all tests finished');

    const built = buildReport({
      run: { ...options.run, durationMs: Math.round(performance.now() - this.#startedAt) },
      rules: options.rules,
      ...(options.catalogue !== undefined ? { catalogue: options.catalogue } : {}),
      tests,
      gateLevel: options.gateLevel,
      problems,
    });
    const judged = options.baseline === undefined ? built : applyBaseline(built, options.baseline);
    const firstFailure = firstFailureMs(testModules, new Set(judged.rules.filter((r) => r.verdict === 'fail').map((r) => r.id)), this.#startedAtEpochMs);
    const report = firstFailure === undefined ? judged : { ...judged, summary: { ...judged.summary, firstFailureMs: firstFailure } };
    const secrets = options.secrets ?? [];
    const clean = redactReport(report, secrets);
    const files = await writeReports(clean, options.outDir, { secrets });
    options.onReport?.(clean, files);
  }
}
