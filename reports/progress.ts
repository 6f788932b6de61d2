// Progress of a long run, for stderr: "12/132 rules · 3 s". On a terminal one line is
// rewritten in place; elsewhere (CI logs, --progress) a line is printed per finished suite
// file and every few seconds, so a log that stays quiet for long means a hung run.
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export interface ProgressOptions {
  /** The rules this run judges; tests also naming other rules count only these. */
  ruleIds: readonly string[];
  /** Where progress goes (stderr in the CLI; never stdout, which carries the summary). */
  write: (text: string) => void;
  /** Rewrite one line in place (a terminal) instead of printing lines. */
  live: boolean;
  /** How often a line is printed while nothing else happens; 0 for never. */
  intervalMs?: number;
  now?: () => number;
}

const DEFAULT_INTERVAL_MS = { live: 1_000, lines: 5_000 };

export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export class ProgressReporter implements Reporter {
  readonly #options: ProgressOptions;
  readonly #selected: Set<string>;
  readonly #done = new Set<string>();
  readonly #now: () => number;
  #startedAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#selected = new Set(options.ruleIds);
    this.#now = options.now ?? Date.now;
  }

  /** The progress line, without line ending. */
  line(detail?: string): string {
    const counts = `${this.#done.size}/${this.#selected.size} rules · ${formatElapsed(this.#now() - this.#startedAt)}`;
    return detail === undefined ? counts : `${counts} · ${detail}`;
  }

  #show(detail?: string): void {
    const text = `progress: ${this.line(detail)}`;
    this.#options.write(this.#options.live ? `\r\u001b[K${text}` : `${text}\n`);
  }

  onTestRunStart(): void {
    this.#startedAt = this.#now();
    this.#done.clear();
    const interval = this.#options.intervalMs ?? (this.#options.live ? DEFAULT_INTERVAL_MS.live : DEFAULT_INTERVAL_MS.lines);
    if (interval > 0) {
      this.#timer = setInterval(() => this.#show(), interval);
      // Progress must never keep the process alive.
      this.#timer.unref();
    }
  }

  onTestCaseResult(testCase: TestCase): void {
    for (const id of testCase.meta().conformance?.ruleIds ?? []) {
      if (this.#selected.has(id)) this.#done.add(id);
    }
    if (this.#options.live) this.#show();
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.#show(`${testModule.relativeModuleId} done`);
  }

  onTestRunEnd(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    // The summary follows on stdout: leave the terminal line clean.
    if (this.#options.live) this.#options.write('\r\u001b[K');
  }
}
