// The reporter of a conformance project inside a user's vitest run: the conformance reporter,
// fed only the conformance project's test modules, with the target the project's globalSetup
// resolved (read from the project's provided context when the run ends).
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import type { RunPlan } from '../plan/run-plan.js';
import { reporterOptions } from '../plan/vitest-options.js';
import { outcomeLine } from '../reports/format.js';
import { renderConsoleSummary } from '../reports/summary.js';
import type { Report } from '../reports/types.js';
import { ConformanceReporter } from '../reports/vitest-reporter.js';
import type {} from '../suites/harness/context.js';
import type { TargetDescription } from '../core/description.js';

export class ConformanceProjectReporter implements Reporter {
  #vitest: Vitest | undefined;
  #inner: ConformanceReporter | undefined;
  #target: TargetDescription | undefined;

  constructor(
    private readonly plan: RunPlan,
    private readonly projectName: string,
    private readonly printSummary: boolean,
  ) {}

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunStart(): void {
    this.#target = undefined;
    const outDir = this.plan.outDir;
    const printSummary = this.printSummary;
    const onReport = (report: Report): void => {
      if (printSummary) process.stdout.write(`\n${renderConsoleSummary(report, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, outDir })}\n`);
      // vitest exits 0 when every test was skipped: a run that judged nothing must not look like a pass.
      if (report.summary.outcome === 'inconclusive') {
        if (!printSummary) process.stderr.write(`metering-conformance: ${outcomeLine(report)}\n`);
        process.exitCode = 1;
      }
    };
    this.#inner = new ConformanceReporter(reporterOptions(this.plan, () => this.#target, onReport));
    this.#inner.onTestRunStart();
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): Promise<void> {
    const project = this.#vitest?.projects.find((p) => p.name === this.projectName);
    this.#target = project?.getProvidedContext().conformance?.target;
    const mine = testModules.filter((m) => m.project.name === this.projectName);
    // The conformance project was filtered out of this run (--project, file filters): no report.
    if (this.#inner === undefined || (mine.length === 0 && this.#target === undefined)) return;
    const paths = new Set(mine.map((m) => m.moduleId));
    const errors = unhandledErrors.filter((e) => typeof e.VITEST_TEST_PATH !== 'string' || paths.has(e.VITEST_TEST_PATH));
    await this.#inner.onTestRunEnd(mine, errors, reason);
  }
}
