// docs/detection-power.md: the rendering of `npm run mutation`'s results, on a fixed results
// object, line by line; and the committed file against the emulator's fault modes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import { FAULT_MODES } from '../emulator/index.js';
import { renderDetectionPower, type MutationResults } from '../mutation/detection-power.js';

const RESULTS: MutationResults = {
  startedAt: '2026-03-04T05:06:07.890Z',
  seed: 11,
  runs: 9,
  tool: { name: 'metering-conformance', version: '9.8.7' },
  baselineFailures: [],
  faults: [
    {
      fault: 'fault-a',
      description: 'Answers a | b\nacross lines.',
      status: 'killed',
      killedByExpected: true,
      expectedRules: ['x.expected'],
      catchingRules: [
        { id: 'x.expected', expected: true },
        { id: 'y.other', expected: false },
      ],
      firstFailureMs: 1549,
      durationMs: 9000,
    },
    {
      fault: 'fault-b',
      description: 'Caught by others only.',
      status: 'killed',
      killedByExpected: false,
      expectedRules: ['x.missed'],
      catchingRules: [{ id: 'y.other', expected: false }],
      firstFailureMs: 20_000,
      durationMs: 30_000,
    },
    { fault: 'fault-c', description: 'Nobody notices.', status: 'survived', killedByExpected: false, expectedRules: ['x.one', 'x.two'], catchingRules: [], durationMs: 40_000 },
    {
      fault: 'fault-d',
      description: 'The run broke.',
      status: 'error',
      killedByExpected: false,
      expectedRules: ['x.three'],
      catchingRules: [],
      durationMs: 1000,
      note: 'run exited with 2 and wrote no report: boom',
    },
    {
      fault: 'fault-e',
      description: 'Unlisted.',
      status: 'survived',
      killedByExpected: false,
      expectedRules: [],
      catchingRules: [],
      durationMs: 500,
      note: 'no expected rules in emulator/fault-expectations.ts',
    },
  ],
  score: { killedByExpected: 1, total: 5, ratio: 0.2 },
};

describe('renderDetectionPower', () => {
  const text = renderDetectionPower(RESULTS);
  const lines = text.split('\n');

  test('says how it was produced and how to regenerate it', () => {
    expect(lines[0]).toBe('# Detection power');
    expect(lines).toContain('Produced on 2026-03-04 by `npm run mutation -- --seed 11 --runs 9` with metering-conformance 9.8.7:');
    expect(lines).toContain('every rule, seed 11, 9 runs per rule, against each of the 5 fault modes (one run of');
    expect(lines).toContain('fault mode). `npm run mutation` regenerates this file and `mutation/results.json`.');
    expect(lines).toContain('Against the fault-free emulator no rule fails.');
  });

  test('one row per fault mode: status, catching rules with the expected ones marked, time to first failure', () => {
    const header = lines.indexOf('| Fault mode | Description | Status | Rules that kill it (expected in bold) | First failure |');
    expect(header).toBeGreaterThan(0);
    expect(lines.slice(header + 1, header + 7)).toEqual([
      '|---|---|---|---|---|',
      '| `fault-a` | Answers a \\| b across lines. | killed | **`x.expected`**, `y.other` | 1.5 s |',
      '| `fault-b` | Caught by others only. | killed (unexpected rules only) | `y.other` | 20.0 s |',
      '| `fault-c` | Nobody notices. | survived | none (expected: `x.one`, `x.two`) | – |',
      '| `fault-d` | The run broke. | error | run error: run exited with 2 and wrote no report: boom | – |',
      '| `fault-e` | Unlisted. | survived | none (expected: none listed) | – |',
    ]);
    expect(lines[header + 7]).toBe('');
  });

  test('notes, then the score line', () => {
    expect(lines.slice(-6)).toEqual(['Notes:', '', '- `fault-e`: no expected rules in emulator/fault-expectations.ts', '', 'Mutation score: **20.0%** (1 of 5 fault modes killed by an expected rule).', '']);
  });

  test('rules failing without a fault, an unrecorded tool version, and no notes', () => {
    const other = renderDetectionPower({ ...RESULTS, tool: undefined, baselineFailures: ['p.q', 'r.s'], faults: RESULTS.faults.slice(0, 1), score: { killedByExpected: 1, total: 1, ratio: 1 } });
    expect(other).toContain('with metering-conformance (version not recorded):\n');
    expect(other).toContain('\nAgainst the fault-free emulator 2 rules fail (`p.q`, `r.s`); they count for no fault mode.\n');
    expect(other).not.toContain('Notes:');
    expect(other.endsWith('| 1.5 s |\n\nMutation score: **100.0%** (1 of 1 fault modes killed by an expected rule).\n')).toBe(true);
  });
});

describe('docs/detection-power.md', () => {
  const doc = readFileSync(join(PACKAGE_ROOT, 'docs', 'detection-power.md'), 'utf8');

  test('has a row for every fault mode of the emulator, and no other', () => {
    const rows = [...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(FAULT_MODES.map((f) => f.name).sort());
  });

  test('is what renderDetectionPower makes: a header and a score line', () => {
    expect(doc).toMatch(/^# Detection power\n/);
    expect(doc).toMatch(/\nMutation score: \*\*\d+\.\d%\*\* \(\d+ of \d+ fault modes killed by an expected rule\)\.\n$/);
  });
});
