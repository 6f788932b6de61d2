// The comparison of several reports (`metering-conformance compare`): one row per rule, one
// column per report, and for two runs of one target the diff between them. Pure functions;
// matrix.json is this value (schema: reports/matrix.schema.json).
import { VERDICT_LABELS } from './format.js';
import type { DriverName } from '../target/types.js';
import type { FailureDetail, Level, Report, RuleResult, RunInfo, RunOutcome, Verdict } from './types.js';

const MATRIX_SCHEMA_VERSION = 1;

/** A rule a report does not list is `absent`: never read as pass. */
export type CellVerdict = Verdict | 'absent';

/** The client library a run called through (run.client; absent from older reports). */
export type ClientInfo = NonNullable<RunInfo['client']>;

export interface MatrixColumn {
  /** The report.json as given on the command line. */
  file: string;
  target: string;
  driver: DriverName;
  client?: ClientInfo;
  /** Fault modes the target published (run.faults), so a column of a faulty emulator says so. */
  faults?: string[];
  model: string;
  startedAt: string;
  seed: number;
  runs: number;
  tool: string;
  outcome: RunOutcome;
  /** Rules with a verdict about the target (pass, fail, observed) and rules in the report. */
  coverage: { judged: number; total: number };
}

export interface MatrixCell {
  verdict: CellVerdict;
  reason?: string;
  observed?: string;
  failure?: FailureDetail;
}

export interface MatrixRow {
  id: string;
  family: string;
  level: Level;
  statement: string;
  cells: MatrixCell[];
  /** The columns do not all have the same verdict (absent counts as one). */
  differs: boolean;
}

export interface DiffEntry {
  id: string;
  from: CellVerdict;
  to: CellVerdict;
}

export interface MatrixDiff {
  regressions: DiffEntry[];
  fixes: DiffEntry[];
  newlyJudged: DiffEntry[];
  newlyNotApplicable: DiffEntry[];
}

export interface Matrix {
  schemaVersion: typeof MATRIX_SCHEMA_VERSION;
  columns: MatrixColumn[];
  rows: MatrixRow[];
  /** What a reader must know before reading the cells side by side (different seeds, rule sets). */
  notes: string[];
  /** Only for exactly two reports of the same target: from the first to the second. */
  diff?: MatrixDiff;
}

export interface ComparedReport {
  file: string;
  report: Report;
}

export const DIFF_KINDS = ['regressions', 'fixes', 'newlyJudged', 'newlyNotApplicable'] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

const FAILING: readonly CellVerdict[] = ['fail', 'error'];
const JUDGED: readonly CellVerdict[] = ['pass', 'fail', 'observed', 'error'];
const UNJUDGED: readonly CellVerdict[] = ['not-applicable', 'absent'];

/** Which kind of change going from `from` to `to` is, if any. */
export function classifyChange(from: CellVerdict, to: CellVerdict): DiffKind | undefined {
  if ((from === 'pass' || from === 'observed') && FAILING.includes(to)) return 'regressions';
  if (FAILING.includes(from) && to === 'pass') return 'fixes';
  if (UNJUDGED.includes(from) && JUDGED.includes(to)) return 'newlyJudged';
  if (JUDGED.includes(from) && to === 'not-applicable') return 'newlyNotApplicable';
  return undefined;
}

/** How a cell's verdict reads: the report's labels (n/a), and absent. */
export function cellLabel(verdict: CellVerdict): string {
  return verdict === 'absent' ? 'absent' : VERDICT_LABELS[verdict];
}

export function isFailing(verdict: CellVerdict): boolean {
  return FAILING.includes(verdict);
}

function columnOf({ file, report }: ComparedReport): MatrixColumn {
  const { run, summary } = report;
  const { client } = run;
  return {
    file,
    target: run.target,
    driver: run.driver,
    ...(client !== undefined ? { client: { name: client.name, version: client.version, location: client.location } } : {}),
    ...(run.faults !== undefined && run.faults.length > 0 ? { faults: [...run.faults] } : {}),
    model: run.model,
    startedAt: run.startedAt,
    seed: run.seed,
    runs: run.runs,
    tool: `${run.tool.name} ${run.tool.version}`,
    outcome: summary.outcome,
    coverage: { judged: summary.coverage.judged, total: summary.total },
  };
}

/**
 * Rows in catalogue order, rules the catalogue does not know after them in the order the
 * reports list them; then the rows of a family are kept together (families in the order their
 * first rule comes), so a family's unknown rule sits at the end of its family.
 */
function orderedIds(reports: Report[], catalogueOrder: readonly string[]): string[] {
  const position = new Map(catalogueOrder.map((id, i) => [id, i]));
  const seen = new Map<string, number>();
  for (const report of reports) for (const rule of report.rules) if (!seen.has(rule.id)) seen.set(rule.id, seen.size);
  const rank = (id: string) => position.get(id) ?? catalogueOrder.length + seen.get(id)!;
  return [...seen.keys()].sort((a, b) => rank(a) - rank(b));
}

function cellOf(rule: RuleResult | undefined): MatrixCell {
  if (rule === undefined) return { verdict: 'absent' };
  return {
    verdict: rule.verdict,
    ...(rule.reason !== undefined ? { reason: rule.reason } : {}),
    ...(rule.observed !== undefined ? { observed: rule.observed } : {}),
    ...(rule.failure !== undefined ? { failure: rule.failure } : {}),
  };
}

function buildRows(reports: Report[], catalogueOrder: readonly string[]): MatrixRow[] {
  const byId = reports.map((r) => new Map(r.rules.map((rule) => [rule.id, rule])));
  const rows = orderedIds(reports, catalogueOrder).map((id): MatrixRow => {
    // Statement, family and level from the newest report listing the rule (the last given).
    const rule = byId.map((rules) => rules.get(id)).filter((r) => r !== undefined).pop()!;
    const cells = byId.map((rules) => cellOf(rules.get(id)));
    return { id, family: rule.family, level: rule.level, statement: rule.statement, cells, differs: new Set(cells.map((c) => c.verdict)).size > 1 };
  });
  const families = [...new Set(rows.map((r) => r.family))];
  return families.flatMap((family) => rows.filter((r) => r.family === family));
}

/** The changes from the first column to the second, each list in row order. */
function diffColumns(rows: MatrixRow[], from = 0, to = 1): MatrixDiff {
  const diff: MatrixDiff = { regressions: [], fixes: [], newlyJudged: [], newlyNotApplicable: [] };
  for (const row of rows) {
    const before = row.cells[from]!.verdict;
    const after = row.cells[to]!.verdict;
    const kind = classifyChange(before, after);
    if (kind !== undefined) diff[kind].push({ id: row.id, from: before, to: after });
  }
  return diff;
}

function notesOf(reports: Report[], rows: MatrixRow[]): string[] {
  const notes: string[] = [];
  const seeds = [...new Set(reports.map((r) => r.run.seed))];
  if (seeds.length > 1) {
    notes.push(`The reports have different seeds (${seeds.join(', ')}): the property runs tried different cases, so a verdict that differs may come from the cases rather than the target.`);
  }
  const runs = [...new Set(reports.map((r) => r.run.runs))];
  if (runs.length > 1) notes.push(`The reports ran different numbers of property runs per rule (${runs.join(', ')}).`);
  const sets = new Set(reports.map((r) => JSON.stringify(r.rules.map((x) => x.id).sort())));
  if (sets.size > 1) {
    const partial = rows.filter((r) => r.cells.some((c) => c.verdict === 'absent')).length;
    notes.push(`The reports list different rule sets (another catalogue, model version or --rules selection): ${partial} of ${rows.length} rules are absent from at least one report, shown as absent.`);
  }
  const targets = new Set(reports.map((r) => r.run.target));
  if (reports.length === 2 && targets.size > 1) notes.push('The two reports are of different targets: no diff between them (a diff compares two runs of one target).');
  return notes;
}

/** The comparison of `inputs`, in the order given; `catalogueOrder` is the bundled catalogue's rule ids. */
export function buildMatrix(inputs: ComparedReport[], catalogueOrder: readonly string[]): Matrix {
  const reports = inputs.map((i) => i.report);
  const rows = buildRows(reports, catalogueOrder);
  const diffable = reports.length === 2 && reports[0]!.run.target === reports[1]!.run.target;
  return {
    schemaVersion: MATRIX_SCHEMA_VERSION,
    columns: inputs.map(columnOf),
    rows,
    notes: notesOf(reports, rows),
    ...(diffable ? { diff: diffColumns(rows) } : {}),
  };
}

/** 1 when a rule got worse between the two runs of one target (a CI gate), else 0. */
export function compareExitCode(matrix: Matrix): 0 | 1 {
  return (matrix.diff?.regressions.length ?? 0) > 0 ? 1 : 0;
}

export const DIFF_TITLES: Record<DiffKind, string> = {
  regressions: 'Regressions',
  fixes: 'Fixes',
  newlyJudged: 'Newly judged',
  newlyNotApplicable: 'Newly not applicable',
};
