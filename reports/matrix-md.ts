// Renders matrix.md: the comparison as markdown (for $GITHUB_STEP_SUMMARY or a pull request):
// the columns, the notes, the diff, a table per family and the failures with their replay lines.
import { cellLabel, DIFF_KINDS, DIFF_TITLES, isFailing, type CellVerdict, type Matrix, type MatrixRow } from './compare.js';
import { code, md, oneLine, prettyValue, truncate } from './format.js';

/** In a table a pipe ends the cell, even inside a code span, unless escaped. */
function cellCode(text: string): string {
  return code(text).replace(/\|/g, '\\|');
}

function verdictText(verdict: CellVerdict): string {
  return isFailing(verdict) ? `**${cellLabel(verdict)}**` : verdict === 'absent' ? '_absent_' : cellLabel(verdict);
}

function familyTable(family: string, rows: MatrixRow[], columns: number): string {
  const head = `| ${md(family)} | level | ${Array.from({ length: columns }, (_, i) => `#${i + 1}`).join(' | ')} |`;
  const rule = `|---|---|${'---|'.repeat(columns)}`;
  const lines = rows.map((r) => `| ${cellCode(r.id)}${r.differs ? ' ≠' : ''} | ${r.level} | ${r.cells.map((c) => verdictText(c.verdict)).join(' | ')} |`);
  return [head, rule, ...lines].join('\n');
}

/** The failing cells, each with what it expected and got and how to replay it. */
function failures(matrix: Matrix): string[] {
  const lines: string[] = [];
  for (const row of matrix.rows) {
    row.cells.forEach((cell, i) => {
      if (!isFailing(cell.verdict)) return;
      lines.push(`- ${code(row.id)} in #${i + 1}: ${cellLabel(cell.verdict)}`);
      if (cell.reason !== undefined) lines.push(`  ${md(truncate(cell.reason, 300))}`);
      if (cell.failure !== undefined) {
        lines.push(`  expected ${md(truncate(cell.failure.expected, 200))}; actual ${code(truncate(oneLine(prettyValue(cell.failure.actual)), 200))}`);
        lines.push(`  replay: ${code(cell.failure.replay)}`);
      }
    });
  }
  return lines;
}

export function renderMatrixMarkdown(matrix: Matrix): string {
  const out: string[] = ['## Conformance comparison', ''];
  out.push('| # | target | driver | SDK | model | started | seed | outcome | judged |', '|---|---|---|---|---|---|---|---|---|');
  matrix.columns.forEach((c, i) => {
    const sdk = c.client !== undefined ? md(`${c.client.name} ${c.client.version}`) : '';
    const target = c.faults !== undefined ? `${md(c.target)} · fault: ${md(c.faults.join(', '))}` : md(c.target);
    out.push(`| #${i + 1} | ${target} | ${c.driver} | ${sdk} | ${md(c.model)} | ${md(c.startedAt)} | ${c.seed} | ${c.outcome} | ${c.coverage.judged} of ${c.coverage.total} |`);
  });
  out.push('');
  for (const note of matrix.notes) out.push(`> ${md(note)}`, '');
  if (matrix.diff !== undefined) {
    out.push('### From #1 to #2', '');
    for (const kind of DIFF_KINDS) {
      const entries = matrix.diff[kind];
      out.push(`- **${DIFF_TITLES[kind]}** (${entries.length})${entries.length > 0 ? ':' : ''}`);
      for (const e of entries) out.push(`  - ${code(e.id)}: ${cellLabel(e.from)} → ${cellLabel(e.to)}`);
    }
    out.push('');
  }
  const differ = matrix.rows.filter((r) => r.differs).length;
  out.push(`### Rules`, '', `${matrix.rows.length} rules; ${differ} differ between the reports (marked ≠). _absent_: the report does not list the rule.`, '');
  const families = new Map<string, MatrixRow[]>();
  for (const row of matrix.rows) families.set(row.family, [...(families.get(row.family) ?? []), row]);
  for (const [family, rows] of families) out.push(familyTable(family, rows, matrix.columns.length), '');
  const failed = failures(matrix);
  if (failed.length > 0) out.push('### Failures', '', ...failed, '');
  out.push('The counterexamples and transcripts are in matrix.html and matrix.json.', '');
  return out.join('\n');
}
