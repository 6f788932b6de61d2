// The comparison of reports (metering-conformance compare): rows, absent cells, differing rows,
// the diff of two runs of one target and its exit code, notes, matrix.json against its schema,
// version 1 reports, and escaping in matrix.html and matrix.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { readReport } from '../cli/report-file.js';
import { buildMatrix, classifyChange, compareExitCode, type Matrix } from '../reports/compare.js';
import matrixSchema from '../reports/matrix.schema.json' with { type: 'json' };
import { renderMatrixHtml } from '../reports/matrix-html.js';
import { renderMatrixMarkdown } from '../reports/matrix-md.js';
import { renderCompareConsole, validateMatrix, writeMatrix } from '../reports/matrix-write.js';
import reportSchema from '../reports/report.schema.json' with { type: 'json' };
import type { Report } from '../reports/types.js';
import { extraRule, failureWithTranscript, SAMPLE_ORDER, variant } from './compare-fixtures.js';
import { HOSTILE, sampleReport } from './reports-fixtures.js';
import { tempDir } from './support/cli.js';

const base = sampleReport();
const cols = (...reports: Report[]) => reports.map((report, i) => ({ file: `r${i + 1}.json`, report }));

/** The "after" run of the diff tests: one rule per category, and changes that belong to none. */
const after = variant(base, {
  changes: {
    'protocol.rule-1': { verdict: 'fail', failure: failureWithTranscript('protocol.rule-1') }, // pass -> fail
    'protocol.rule-5': { verdict: 'error', reason: 'timed out' }, // observed -> error
    'meter-usage.rule-2': { verdict: 'pass' }, // fail -> pass
    'auth.rule-3': { verdict: 'pass' }, // error -> pass
    'register-usage.rule-2': { verdict: 'fail', failure: failureWithTranscript('register-usage.rule-2') }, // n/a -> fail
    'validation.rule-1': { verdict: 'not-applicable', reason: 'not declared' }, // pass -> n/a
    'validation.rule-4': { verdict: 'error', reason: 'reset' }, // fail -> error: no category
  },
  drop: ['batch-meter-usage.rule-1'], // pass -> absent: no category
  add: [extraRule('idempotency.rule-9', 'idempotency', 'pass')], // absent -> pass
});

describe('buildMatrix: rows and cells', () => {
  it('has one row per rule of any report, in catalogue order, unknown rules at the end of their family', () => {
    const first = variant(base, { drop: ['protocol.rule-1'], add: [extraRule('extra.rule-x', 'extra', 'fail'), extraRule('auth.rule-9', 'auth', 'pass')] });
    const matrix = buildMatrix(cols(first, base), [...SAMPLE_ORDER].reverse());
    const families = [...new Set([...SAMPLE_ORDER].reverse().map((id) => id.split('.')[0]))];
    const expected = families.flatMap((f) => [...[...SAMPLE_ORDER].reverse().filter((id) => id.startsWith(`${f}.`)), ...(f === 'auth' ? ['auth.rule-9'] : [])]);
    expect(matrix.rows.map((r) => r.id)).toEqual([...expected, 'extra.rule-x']);
    expect(matrix.rows).toHaveLength(SAMPLE_ORDER.length + 2);
    expect(new Set(matrix.rows.map((r) => r.id)).size).toBe(matrix.rows.length);
  });

  it('shows a rule a report does not list as absent, never as pass', () => {
    const first = variant(base, { drop: ['protocol.rule-1'] });
    const matrix = buildMatrix(cols(first, base), SAMPLE_ORDER);
    const row = matrix.rows.find((r) => r.id === 'protocol.rule-1')!;
    expect(row.cells).toEqual([{ verdict: 'absent' }, { verdict: 'pass' }]);
    expect(row.differs).toBe(true);
    expect(renderMatrixHtml(matrix)).toContain('<tr class="rrow" id="row-protocol.rule-1" data-family="protocol" data-level="must" data-differs="true" data-failing="false">');
    expect(renderMatrixHtml(matrix)).toMatch(/id="row-protocol\.rule-1"[^]*?<td class="cell c-absent"><span class="pill v-absent">absent<\/span><\/td><td class="cell c-pass"><span class="pill v-pass">pass<\/span>/);
    expect(renderMatrixMarkdown(matrix)).toContain('| `protocol.rule-1` ≠ | must | _absent_ | pass |');
  });

  it('keeps a cell\'s reason, observation and failure', () => {
    const matrix = buildMatrix(cols(base), SAMPLE_ORDER);
    const cell = (id: string) => matrix.rows.find((r) => r.id === id)!.cells[0]!;
    expect(cell('auth.rule-3')).toEqual({ verdict: 'error', reason: 'target request timed out after 10 s (headers) on 3 attempts' });
    expect(cell('meter-usage.rule-2').failure).toEqual(base.rules.find((r) => r.id === 'meter-usage.rule-2')!.failure);
    expect(cell('protocol.rule-5')).toEqual({ verdict: 'observed', observed: 'accepted a timestamp 4 minutes old' });
  });

  it('marks exactly the rows whose columns differ', () => {
    expect(buildMatrix(cols(base, base, base), SAMPLE_ORDER).rows.filter((r) => r.differs)).toEqual([]);
    const changed = variant(base, { changes: { 'auth.rule-1': { verdict: 'fail', failure: failureWithTranscript('auth.rule-1') } } });
    const matrix = buildMatrix(cols(base, changed, base), SAMPLE_ORDER);
    expect(matrix.rows.filter((r) => r.differs).map((r) => r.id)).toEqual(['auth.rule-1']);
    expect(buildMatrix(cols(base), SAMPLE_ORDER).rows.filter((r) => r.differs)).toEqual([]);
  });

  it('labels each column with target, driver, SDK, model, date, outcome and coverage', () => {
    const client = { name: '@aws-sdk/client-marketplace-metering', version: '3.1138.0', location: '/x/node_modules/@aws-sdk/client-marketplace-metering' };
    const sdk = variant(base, { run: { driver: 'sdk', client } });
    const matrix = buildMatrix(cols(base, sdk), SAMPLE_ORDER);
    const { target, model, startedAt, seed, runs } = base.run;
    const common = { target, model, startedAt, seed, runs, tool: 'metering-conformance 0.1.0', outcome: 'non-conformant', coverage: { judged: 34, total: 40 } };
    expect(matrix.columns).toEqual([
      { file: 'r1.json', driver: 'raw', ...common },
      { file: 'r2.json', driver: 'sdk', client, ...common },
    ]);
    const html = renderMatrixHtml(matrix);
    expect(html).toContain('<span class="col-meta">sdk · @aws-sdk/client-marketplace-metering 3.1138.0</span>');
    expect(html).toContain('<span class="col-meta">raw</span>');
    expect(html.match(/34 of 40 judged/g)).toHaveLength(2);
  });
});

describe('columns', () => {
  it('name the fault modes a target published, and the client of an SDK driver but not the raw driver\'s own', () => {
    const faulty: Report = { ...base, run: { ...base.run, faults: ['new-id-on-retry', 'accept-six-tags'], client: { name: 'metering-conformance raw driver', version: '0.1.0', location: '/pkg' } } };
    const sdk: Report = { ...base, run: { ...base.run, driver: 'sdk', client: { name: '@aws-sdk/client-marketplace-metering', version: '3.1.0', location: '/sdk' } } };
    const matrix = buildMatrix(cols(faulty, sdk, base), SAMPLE_ORDER);
    expect(matrix.columns.map((c) => c.faults)).toEqual([['new-id-on-retry', 'accept-six-tags'], undefined, undefined]);
    expect(validateMatrix(matrix)).toEqual([]);
    const html = renderMatrixHtml(matrix);
    expect(html.match(/<span class="col-meta col-faults">[^<]*<\/span>/g)).toEqual(['<span class="col-meta col-faults">fault: new-id-on-retry, accept-six-tags</span>']);
    expect(html).toContain('<span class="col-meta">raw</span>');
    expect(html).toContain('<span class="col-meta">sdk · @aws-sdk/client-marketplace-metering 3.1.0</span>');
    expect(renderMatrixMarkdown(matrix)).toContain(' · fault: new\\-id\\-on\\-retry, accept\\-six\\-tags | raw |');
  });
});

describe('buildMatrix: the diff of two runs of one target', () => {
  it('classifies every change', () => {
    expect(classifyChange('pass', 'fail')).toBe('regressions');
    expect(classifyChange('observed', 'error')).toBe('regressions');
    expect(classifyChange('fail', 'pass')).toBe('fixes');
    expect(classifyChange('error', 'pass')).toBe('fixes');
    expect(classifyChange('absent', 'observed')).toBe('newlyJudged');
    expect(classifyChange('not-applicable', 'error')).toBe('newlyJudged');
    expect(classifyChange('error', 'not-applicable')).toBe('newlyNotApplicable');
    expect(classifyChange('observed', 'not-applicable')).toBe('newlyNotApplicable');
    for (const [from, to] of [['fail', 'error'], ['pass', 'pass'], ['pass', 'absent'], ['fail', 'observed'], ['not-applicable', 'absent'], ['absent', 'not-applicable']] as const) {
      expect(classifyChange(from, to), `${from} -> ${to}`).toBeUndefined();
    }
  });

  it('lists regressions, fixes, newly judged and newly not-applicable rules, in row order', () => {
    const matrix = buildMatrix(cols(base, after), SAMPLE_ORDER);
    expect(matrix.diff).toEqual({
      regressions: [
        { id: 'protocol.rule-1', from: 'pass', to: 'fail' },
        { id: 'protocol.rule-5', from: 'observed', to: 'error' },
      ],
      fixes: [
        { id: 'auth.rule-3', from: 'error', to: 'pass' },
        { id: 'meter-usage.rule-2', from: 'fail', to: 'pass' },
      ],
      newlyJudged: [
        { id: 'register-usage.rule-2', from: 'not-applicable', to: 'fail' },
        { id: 'idempotency.rule-9', from: 'absent', to: 'pass' },
      ],
      newlyNotApplicable: [{ id: 'validation.rule-1', from: 'pass', to: 'not-applicable' }],
    });
    expect(compareExitCode(matrix)).toBe(1);
  });

  it('prints the diff as a short list', () => {
    const text = renderCompareConsole(buildMatrix(cols(base, after), SAMPLE_ORDER), '/out');
    expect(text).toBe(
      [
        'Compared 2 reports on 41 rules; 9 rules differ.',
        'Note: The reports list different rule sets (another catalogue, model version or --rules selection): 2 of 41 rules are absent from at least one report, shown as absent.',
        'Regressions: 2',
        '  protocol.rule-1  pass -> fail',
        '  protocol.rule-5  observed -> error',
        'Fixes: 2',
        '  auth.rule-3  error -> pass',
        '  meter-usage.rule-2  fail -> pass',
        'Newly judged: 2',
        '  register-usage.rule-2  n/a -> fail',
        '  idempotency.rule-9  absent -> pass',
        'Newly not applicable: 1',
        '  validation.rule-1  pass -> n/a',
        '',
        'Matrix: /out/matrix.html',
      ].join('\n'),
    );
  });

  it('exits 1 only when a rule regressed', () => {
    const fixedOnly = variant(base, { changes: { 'meter-usage.rule-2': { verdict: 'pass' }, 'validation.rule-1': { verdict: 'not-applicable', reason: 'x' } } });
    expect(compareExitCode(buildMatrix(cols(base, fixedOnly), SAMPLE_ORDER))).toBe(0);
    expect(compareExitCode(buildMatrix(cols(base, base), SAMPLE_ORDER))).toBe(0);
    // The same regression, but not as two runs of one target: a matrix only.
    expect(compareExitCode(buildMatrix(cols(base, after, after), SAMPLE_ORDER))).toBe(0);
    expect(buildMatrix(cols(base, after, after), SAMPLE_ORDER).diff).toBeUndefined();
    const elsewhere = variant(after, { run: { target: 'http://127.0.0.1:6000' } });
    const other = buildMatrix(cols(base, elsewhere), SAMPLE_ORDER);
    expect(other.diff).toBeUndefined();
    expect(compareExitCode(other)).toBe(0);
    expect(other.notes).toContain('The two reports are of different targets: no diff between them (a diff compares two runs of one target).');
    expect(compareExitCode(buildMatrix(cols(after, base), SAMPLE_ORDER))).toBe(1);
  });
});

describe('buildMatrix: notes', () => {
  it('says when the seeds differ, and not when they are the same', () => {
    const reseeded = variant(base, { run: { seed: 7 } });
    expect(buildMatrix(cols(base, reseeded), SAMPLE_ORDER).notes).toEqual([
      'The reports have different seeds (424242, 7): the property runs tried different cases, so a verdict that differs may come from the cases rather than the target.',
    ]);
    expect(buildMatrix(cols(base, base), SAMPLE_ORDER).notes).toEqual([]);
  });

  it('says when the rule sets differ', () => {
    const fewer = variant(base, { drop: ['auth.rule-1', 'auth.rule-2'] });
    expect(buildMatrix(cols(base, fewer, base), SAMPLE_ORDER).notes).toEqual([
      'The reports list different rule sets (another catalogue, model version or --rules selection): 2 of 40 rules are absent from at least one report, shown as absent.',
    ]);
  });
});

describe('matrix.json', () => {
  /** A validator of its own, from the schema files, so the tool's validator is checked too. */
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).addSchema(reportSchema);
  const check = ajv.compile(matrixSchema);

  it('is written valid against reports/matrix.schema.json, with the three files', async () => {
    const dir = tempDir();
    const client = { name: '@aws-sdk/client-marketplace-metering', version: '3.1', location: '/x' };
    const written = await writeMatrix(buildMatrix(cols(base, variant(after, { run: { client } })), SAMPLE_ORDER), dir);
    expect(written).toEqual(['matrix.json', 'matrix.html', 'matrix.md'].map((f) => join(dir, f)));
    const doc = JSON.parse(readFileSync(join(dir, 'matrix.json'), 'utf8')) as Matrix;
    expect(check(doc), JSON.stringify(check.errors)).toBe(true);
    expect(validateMatrix(doc)).toEqual([]);
    expect(doc.diff!.regressions.map((e) => e.id)).toEqual(['protocol.rule-1', 'protocol.rule-5']);
    expect(doc.columns[1]!.client).toEqual(client);
  });

  it('the schema rejects what is not a matrix', () => {
    const matrix = buildMatrix(cols(base, after), SAMPLE_ORDER);
    const broken = { ...matrix, rows: matrix.rows.map((r, i) => (i === 0 ? { ...r, cells: [{ verdict: 'maybe' }, ...r.cells.slice(1)] } : r)) };
    expect(check(broken)).toBe(false);
    expect(validateMatrix(broken)).toEqual(['matrix/rows/0/cells/0/verdict must be equal to one of the allowed values']);
    const { diff: _d, ...noDiff } = matrix;
    expect(validateMatrix({ ...noDiff, diff: { regressions: [] } })).toEqual([
      "matrix/diff must have required property 'fixes'",
      "matrix/diff must have required property 'newlyJudged'",
      "matrix/diff must have required property 'newlyNotApplicable'",
    ]);
    expect(validateMatrix({ ...matrix, columns: [] })).toEqual(['matrix/columns must NOT have fewer than 1 items']);
  });
});

describe('reading reports of every schema version', () => {
  it('compares a version 1 report with a current one', async () => {
    const dir = tempDir();
    const { outcome: _o, coverage: _c, ...summary } = base.summary;
    const v1 = { ...base, schemaVersion: 1, summary: { ...summary, score: summary.score ?? 1 }, rules: base.rules.map(({ role: _r, ...rule }) => rule) };
    writeFileSync(join(dir, 'v1.json'), JSON.stringify(v1));
    const old = await readReport(join(dir, 'v1.json'));
    const matrix = buildMatrix([{ file: 'v1.json', report: old }, ...cols(base)], SAMPLE_ORDER);
    expect(matrix.columns.map((c) => [c.outcome, c.coverage])).toEqual([
      ['non-conformant', { judged: 34, total: 40 }],
      ['non-conformant', { judged: 34, total: 40 }],
    ]);
    expect(matrix.rows.filter((r) => r.differs)).toEqual([]);
    expect(matrix.diff).toEqual({ regressions: [], fixes: [], newlyJudged: [], newlyNotApplicable: [] });
  });
});

describe('escaping', () => {
  it('escapes every report-derived string in matrix.html and matrix.md', () => {
    const hostile = sampleReport({ hostile: true });
    const matrix = buildMatrix(cols(hostile, variant(hostile, { add: [extraRule(`x.${HOSTILE}`, HOSTILE, 'pass')] })), SAMPLE_ORDER);
    const html = renderMatrixHtml(matrix);
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<img');
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    // Markdown shows a code span's text as it is; outside code spans no HTML gets through.
    const md = renderMatrixMarkdown(matrix);
    expect(md).toContain('| `x.</script><img src=x onerror="alert(1)"><script>alert(2)</script>&amp;` ≠ | must | _absent_ | pass |');
    const prose = md.replace(/`[^`\n]*`/g, '');
    expect(prose).not.toMatch(/(?<!\\)</);
    expect(prose).toContain('\\</script\\>\\<img src=x');
  });
});
