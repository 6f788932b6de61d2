// How the bench reads a runner's CPU (bench/process-stats.ts) and compares two runs' rules
// (bench/suite-runs.ts): a real shell's waited-for CPU, and small fixed inputs.
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { waitedForCpuSeconds } from '../bench/process-stats.js';
import { slowestRules, verdictChanges } from '../bench/suite-runs.js';

describe('bench measures', () => {
  test("a shell's stat line holds the CPU of the children it waited for, grandchildren included", { timeout: 30_000 }, () => {
    // node spins 300 ms of CPU in a grandchild of the shell (sh → node → node).
    const spin = `require('node:child_process').execFileSync(process.execPath, ['-e', 'const end = Date.now() + 300; while (Date.now() < end);'])`;
    const stat = execFileSync('sh', ['-c', '"$0" -e "$1"; cat /proc/$$/stat', process.execPath, spin], { encoding: 'utf8' });
    expect(waitedForCpuSeconds(stat)).toBeGreaterThanOrEqual(0.25);
  });

  test('stat fields count from after the command name, whatever it holds', () => {
    // pid (comm) state ppid … : utime stime cutime cstime are fields 14 to 17.
    const fields = ['S', ...Array.from({ length: 10 }, () => '0'), '7', '8', '150', '50', '20', '0'];
    const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
    expect(waitedForCpuSeconds(`42 (a) b (c) ${fields.join(' ')}`)).toBeCloseTo(200 / clockTicks);
  });

  test('verdict changes name each rule that differs or is missing on one side; slowest rules come first', () => {
    const before = [
      { id: 'a', verdict: 'pass', durationMs: 100 },
      { id: 'b', verdict: 'pass', durationMs: 2_500 },
      { id: 'c', verdict: 'observed', durationMs: 900 },
    ];
    expect(verdictChanges(before, before)).toEqual([]);
    const after = [
      { id: 'a', verdict: 'fail', durationMs: 100 },
      { id: 'b', verdict: 'pass', durationMs: 2_500 },
      { id: 'd', verdict: 'pass', durationMs: 1 },
    ];
    expect(verdictChanges(before, after)).toEqual(['a (pass → fail)', 'c (observed → absent)', 'd (absent → pass)']);
    expect(slowestRules(before, 2)).toEqual(['b 2.5 s', 'c 0.9 s']);
  });
});
