// Reads a report.json of any schema version the tool has written and brings it to the
// current one, so that `report --from`, `--merge` and `--baseline` take older reports too.
import { summarize } from './build.js';
import { REPORT_SCHEMA_VERSION, type Report } from './types.js';
import { validateReport } from './validate.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Version 1 had no summary.outcome, summary.coverage, rule roles or controls, and scored a run
 * that judged nothing as 1. Its summary is computed again from its verdicts; without roles,
 * no pass of version 1 can be checked against a control, so its verdicts stay as they were.
 */
function fromVersion1(doc: Record<string, unknown>): Record<string, unknown> {
  const summary = isRecord(doc.summary) ? doc.summary : {};
  return {
    ...doc,
    schemaVersion: REPORT_SCHEMA_VERSION,
    // Placeholders that let the schema check the rest; replaced once the document is valid.
    summary: { ...summary, score: null, outcome: 'inconclusive', coverage: { judged: 0, notJudged: 0, reasons: [] } },
  };
}

/** The report in `doc`, at the current schema version, or the schema's complaints about it. */
export function readReportDocument(doc: unknown): { report: Report; problems?: undefined } | { report?: undefined; problems: string[] } {
  const version1 = isRecord(doc) && doc.schemaVersion === 1;
  const current = version1 ? fromVersion1(doc) : doc;
  const problems = validateReport(current);
  if (problems.length > 0) return { problems };
  const report = current as Report;
  if (!version1) return { report };
  const { firstFailureMs } = report.summary;
  const summary = summarize(report.rules, report.run.level, report.problems ?? []);
  return { report: { ...report, summary: firstFailureMs === undefined ? summary : { ...summary, firstFailureMs } } };
}
