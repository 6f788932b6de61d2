// Reports of schema version 1 (before outcome, coverage, roles and controls) still read.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReportDocument } from '../reports/upgrade.js';
import type { Report } from '../reports/types.js';
import { sampleReport } from './reports-fixtures.js';
import { readReport, runCli, tempDir } from './support/cli.js';

/** What version 1 of the tool wrote: no outcome or coverage, a score of 1 when nothing was judged. */
function version1(report: Report): Record<string, unknown> {
  const { outcome: _o, coverage: _c, ...summary } = report.summary;
  return {
    ...report,
    schemaVersion: 1,
    summary: { ...summary, score: summary.score ?? 1 },
    rules: report.rules.map(({ role: _role, ...rule }) => rule),
  };
}

describe('reading a version 1 report', () => {
  it('upgrades it to the current version with outcome and coverage computed from its verdicts', () => {
    const current = sampleReport();
    const { report, problems } = readReportDocument(version1(current));
    expect(problems).toBeUndefined();
    expect(report!.schemaVersion).toBe(2);
    expect(report!.summary.outcome).toBe(current.summary.outcome);
    expect(report!.summary.coverage).toEqual(current.summary.coverage);
  });

  it('no longer calls a version 1 run that judged nothing conformant', () => {
    const nothing = sampleReport();
    const rules = nothing.rules.map((r) => ({ ...r, verdict: 'not-applicable' as const, reason: 'the target config declares no a subscribed customer', failure: undefined }));
    const old = version1({ ...nothing, rules: rules.map(({ failure: _f, ...r }) => r) });
    (old.summary as Record<string, unknown>).conformant = true;
    const { report } = readReportDocument(old);
    expect(report!.summary).toMatchObject({ outcome: 'inconclusive', conformant: false, score: null });
  });

  it('is rendered by report --from, with the exit code of its outcome', async () => {
    const dir = tempDir();
    const file = join(dir, 'old.json');
    writeFileSync(file, JSON.stringify(version1(sampleReport())));
    const result = await runCli(['report', '--from', file, '--out', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^NOT CONFORMANT: /m);
    expect(readReport(dir).schemaVersion).toBe(2);
  });
});
