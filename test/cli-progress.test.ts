// Progress on stderr: the reporter's lines (with a fake clock), and `run --progress` keeping
// stdout for the summary alone. (Without --progress and a terminal there is none: see the
// run without a baseline in cli-baseline.test.ts.)
import { describe, expect, test } from 'vitest';
import type { TestCase, TestModule } from 'vitest/node';
import { formatElapsed, ProgressReporter } from '../reports/progress.js';
import { runCli, tempDir } from './support/cli.js';

function finished(ruleIds: string[] | undefined): TestCase {
  return { meta: () => (ruleIds === undefined ? {} : { conformance: { ruleIds } }) } as unknown as TestCase;
}

function moduleNamed(relativeModuleId: string): TestModule {
  return { relativeModuleId } as unknown as TestModule;
}

function reporter(live: boolean) {
  let clock = 1_000_000;
  const output: string[] = [];
  const progress = new ProgressReporter({ ruleIds: ['a', 'b', 'c'], live, write: (t) => output.push(t), intervalMs: 0, now: () => clock });
  return { progress, output, advance: (ms: number) => (clock += ms) };
}

describe('ProgressReporter', () => {
  test('counts each selected rule once, ignores other rules, prints a line per finished file', () => {
    const { progress, output, advance } = reporter(false);
    progress.onTestRunStart();
    progress.onTestCaseResult(finished(['a', 'outside']));
    progress.onTestCaseResult(finished(['a']));
    progress.onTestCaseResult(finished(undefined));
    advance(3_400);
    progress.onTestModuleEnd(moduleNamed('suites/meter-usage.test.js'));
    progress.onTestCaseResult(finished(['b', 'c']));
    advance(62_000);
    progress.onTestModuleEnd(moduleNamed('suites/auth.test.js'));
    progress.onTestRunEnd();
    expect(output).toEqual([
      'progress: 1/3 rules · 3 s · suites/meter-usage.test.js done\n',
      'progress: 3/3 rules · 1 min 5 s · suites/auth.test.js done\n',
    ]);
  });

  test('on a terminal, one line rewritten in place and cleared at the end', () => {
    const { progress, output } = reporter(true);
    progress.onTestRunStart();
    progress.onTestCaseResult(finished(['c']));
    progress.onTestRunEnd();
    expect(output).toEqual(['\r\u001b[Kprogress: 1/3 rules · 0 s', '\r\u001b[K']);
  });

  test('elapsed time', () => {
    expect([formatElapsed(0), formatElapsed(59_999), formatElapsed(60_000), formatElapsed(3_725_000)]).toEqual(['0 s', '59 s', '1 min 0 s', '62 min 5 s']);
  });
});

describe('run --progress', { timeout: 600_000 }, () => {
  test('progress lines go to stderr only', async () => {
    const result = await runCli(['run', '--progress', '--out', tempDir(), '--runs', '5', '--seed', '2', '--rules', 'meter-usage.accepts-valid,auth.wrong-secret'], { timeoutMs: 600_000 });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^progress: \d\/2 rules · \d+ (min \d+ )?s · suites\/\S+\.test\.js done$/m);
    expect(result.stderr).toMatch(/^progress: 2\/2 rules/m);
    expect(result.stdout).not.toMatch(/progress/);
  });
});
