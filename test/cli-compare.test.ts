// `metering-conformance compare` through main(), in process: the exit code gates on a
// regression between two runs of one target, the files are written, usage errors are one line.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Matrix } from '../reports/compare.js';
import type { Report } from '../reports/types.js';
import { failureWithTranscript, variant } from './compare-fixtures.js';
import { sampleReport } from './reports-fixtures.js';
import { mainInProcess, tempDir } from './support/cli.js';

const cli = mainInProcess;

afterEach(() => vi.restoreAllMocks());

function save(dir: string, name: string, report: Report): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(report));
  return file;
}

const base = sampleReport();
// Rule ids of the sample report are not in the bundled catalogue: they keep the report's order.
const worse = variant(base, { changes: { 'protocol.rule-2': { verdict: 'fail', failure: failureWithTranscript('protocol.rule-2') } } });

describe('compare', () => {
  test('two runs of one target, the second with a rule turned to fail: exit 1 and the regression printed', async () => {
    const dir = tempDir();
    const out = join(dir, 'cmp');
    const result = await cli(['compare', save(dir, 'a.json', base), save(dir, 'b.json', worse), '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        'Compared 2 reports on 40 rules; 1 rule differs.',
        'Regressions: 1',
        '  protocol.rule-2  pass -> fail',
        'Fixes: 0',
        'Newly judged: 0',
        'Newly not applicable: 0',
        '',
        `Matrix: ${join(out, 'matrix.html')}`,
        '',
      ].join('\n'),
    );
    const matrix = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8')) as Matrix;
    expect(matrix.diff!.regressions).toEqual([{ id: 'protocol.rule-2', from: 'pass', to: 'fail' }]);
    expect(matrix.columns.map((c) => c.file)).toEqual([join(dir, 'a.json'), join(dir, 'b.json')]);
  });

  test('the same two runs the other way round: a fix, exit 0', async () => {
    const dir = tempDir();
    const result = await cli(['compare', save(dir, 'b.json', worse), save(dir, 'a.json', base), '--out', join(dir, 'cmp')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Regressions: 0\nFixes: 1\n  protocol.rule-2  fail -> pass\n');
  });

  test('three reports: exit 0 and the three files written, a matrix without a diff', async () => {
    const dir = tempDir();
    const out = join(dir, 'cmp');
    const files = [save(dir, 'a.json', base), save(dir, 'b.json', worse), save(dir, 'c.json', variant(worse, { run: { seed: 9 } }))];
    const result = await cli(['compare', ...files, '--out', out]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    for (const name of ['matrix.html', 'matrix.json', 'matrix.md']) expect(existsSync(join(out, name)), name).toBe(true);
    const matrix = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8')) as Matrix;
    expect(matrix.columns).toHaveLength(3);
    expect(matrix.diff).toBeUndefined();
    expect(result.stdout).not.toContain('Regressions');
    expect(result.stdout).toContain('Note: The reports have different seeds (424242, 9)');
  });

  test('one report gives a one-column matrix, exit 0', async () => {
    const dir = tempDir();
    const result = await cli(['compare', save(dir, 'a.json', worse), '--out', join(dir, 'cmp')]);
    expect(result.code).toBe(0);
    expect((JSON.parse(readFileSync(join(dir, 'cmp', 'matrix.json'), 'utf8')) as Matrix).columns).toHaveLength(1);
  });

  test('usage and file errors are one line, exit 2, and write nothing', async () => {
    const dir = tempDir();
    expect(await cli(['compare', '--out', join(dir, 'x')])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'metering-conformance: compare: needs at least one report.json (see metering-conformance compare --help)\n',
    });
    const missing = join(dir, 'nope.json');
    expect(await cli(['compare', save(dir, 'a.json', base), missing, '--out', join(dir, 'y')])).toEqual({
      code: 2,
      stdout: '',
      stderr: `metering-conformance: cannot read ${missing}: ENOENT\n`,
    });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ schemaVersion: 2, run: {} }));
    const invalid = await cli(['compare', bad]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(new RegExp(`^metering-conformance: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid report\\.json \\(reports/report\\.schema\\.json\\): [^\\n]+\\n$`));
    const afile = save(dir, 'afile', base);
    expect(await cli(['compare', afile, '--out', join(afile, 'sub')])).toEqual({
      code: 2,
      stdout: '',
      stderr: `metering-conformance: --out ${join(afile, 'sub')}: cannot make the folder (ENOTDIR)\n`,
    });
    expect(await cli(['compare', afile, '--bogus'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "metering-conformance: compare: unknown option '--bogus' (see metering-conformance compare --help)\n",
    });
    expect(existsSync(join(dir, 'x')) || existsSync(join(dir, 'y'))).toBe(false);
  });
});
