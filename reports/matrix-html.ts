// Renders matrix.html: several reports side by side, one self-contained page (inline CSS and
// JS, no network) in the style of report.html, whose CSS and failure rendering it reuses.
// Everything from the reports is escaped, and the page's Content-Security-Policy only allows
// its one script (by hash), as report.html does.
import { cellLabel, DIFF_KINDS, DIFF_TITLES, isFailing, type CellVerdict, type Matrix, type MatrixCell, type MatrixColumn, type MatrixRow } from './compare.js';
import { escapeHtml as esc, failureHtml } from './html.js';
import { COPY_BUTTONS_SCRIPT, FILTER_BUTTONS_SCRIPT, pageHead, STYLE } from './html-assets.js';
import type { Level, RunOutcome } from './types.js';

const LEVELS: readonly Level[] = ['must', 'should', 'implementation-defined'];
const OUTCOME_TITLES: Record<RunOutcome, string> = { conformant: 'Conformant', 'non-conformant': 'Not conformant', inconclusive: 'Inconclusive', observed: 'Observed' };
const OUTCOME_CLASSES: Record<RunOutcome, string> = { conformant: 'ok', 'non-conformant': 'bad', inconclusive: 'warn', observed: 'info' };

function pill(verdict: CellVerdict): string {
  return `<span class="pill v-${verdict}">${esc(cellLabel(verdict))}</span>`;
}

function columnHead(column: MatrixColumn, index: number): string {
  // The raw driver's client is the tool itself: naming it again says nothing.
  const driver = column.client !== undefined && column.driver !== 'raw' ? `${column.driver} · ${column.client.name} ${column.client.version}` : column.driver;
  const faults = column.faults !== undefined ? `<span class="col-meta col-faults">fault: ${esc(column.faults.join(', '))}</span>` : '';
  const started = column.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return `<th scope="col" class="col" title="${esc(column.file)}"><span class="col-n">#${index + 1}</span><span class="col-target">${esc(column.target)}</span>
<span class="col-meta">${esc(driver)}</span>${faults}<span class="col-meta">${esc(column.model)}</span><span class="col-meta">${esc(started)} · seed ${esc(column.seed)}</span></th>`;
}

function outcomeCell(column: MatrixColumn): string {
  const { judged, total } = column.coverage;
  return `<td class="oc-cell"><span class="oc ${OUTCOME_CLASSES[column.outcome]}">${esc(OUTCOME_TITLES[column.outcome])}</span><span class="col-meta">${judged} of ${total} judged</span></td>`;
}

function cellHtml(cell: MatrixCell): string {
  const reason = cell.reason !== undefined ? `<div class="note note-${cell.verdict}"><h4>${cell.verdict === 'error' ? 'Why error' : 'Note'}</h4><p>${esc(cell.reason)}</p></div>` : '';
  if (isFailing(cell.verdict) && (cell.failure !== undefined || cell.reason !== undefined)) {
    return `<td class="cell c-${cell.verdict}"><details class="cell-d"><summary>${pill(cell.verdict)}<span class="more">details</span></summary><div class="cell-body">${reason}${cell.failure !== undefined ? failureHtml(cell.failure) : ''}</div></details></td>`;
  }
  const hint = cell.observed ?? cell.reason;
  return `<td class="cell c-${cell.verdict}"${hint !== undefined ? ` title="${esc(hint)}"` : ''}>${pill(cell.verdict)}</td>`;
}

function rowHtml(row: MatrixRow): string {
  const failing = row.cells.some((c) => isFailing(c.verdict));
  return `<tr class="rrow" id="row-${esc(row.id)}" data-family="${esc(row.family)}" data-level="${esc(row.level)}" data-differs="${row.differs}" data-failing="${failing}">
<th scope="row"><code class="rid">${esc(row.id)}</code> <span class="lvl lvl-${esc(row.level)}">${esc(row.level)}</span><span class="stmt">${esc(row.statement)}</span></th>${row.cells.map(cellHtml).join('')}</tr>`;
}

function families(rows: MatrixRow[]): Map<string, MatrixRow[]> {
  const map = new Map<string, MatrixRow[]>();
  for (const row of rows) map.set(row.family, [...(map.get(row.family) ?? []), row]);
  return map;
}

function tableHtml(matrix: Matrix): string {
  const span = matrix.columns.length + 1;
  const body = [...families(matrix.rows)]
    .map(
      ([family, rows]) =>
        `<tr class="fam" data-family="${esc(family)}"><th colspan="${span}" scope="rowgroup">${esc(family)} <span class="muted">${rows.length} rule${rows.length === 1 ? '' : 's'}</span></th></tr>\n${rows.map(rowHtml).join('\n')}`,
    )
    .join('\n');
  return `<div class="mx-wrap"><table class="mx">
<thead><tr><th scope="col" class="rule-col">Rule</th>${matrix.columns.map(columnHead).join('')}</tr>
<tr class="outcomes"><th scope="row">Outcome</th>${matrix.columns.map(outcomeCell).join('')}</tr></thead>
<tbody>
${body}
</tbody></table></div>`;
}

function button(filter: string, value: string, label: string, count: number | undefined, pressed: boolean): string {
  const n = count !== undefined ? ` <span class="n">${count}</span>` : '';
  return `<button type="button" data-filter="${filter}" data-value="${esc(value)}" aria-pressed="${pressed}"${count === 0 ? ' disabled' : ''}>${esc(label)}${n}</button>`;
}

function filtersHtml(matrix: Matrix): string {
  const rows = matrix.rows;
  const failing = rows.filter((r) => r.cells.some((c) => isFailing(c.verdict))).length;
  const show = [
    button('show', 'all', 'All rules', rows.length, true),
    button('show', 'differs', 'Columns differ', rows.filter((r) => r.differs).length, false),
    button('show', 'failing', 'Failures', failing, false),
  ];
  const fams = [button('family', 'all', 'All families', undefined, true), ...[...families(rows)].map(([f, list]) => button('family', f, f, list.length, false))];
  const levels = [button('level', 'all', 'All levels', undefined, true), ...LEVELS.map((l) => button('level', l, l, rows.filter((r) => r.level === l).length, false))];
  return `<div class="filters" role="toolbar" aria-label="Filter rules">
<div class="filter-row"><span class="filter-label">Show</span><div class="group">${show.join('')}</div></div>
<div class="filter-row"><span class="filter-label">Family</span><div class="group">${fams.join('')}</div></div>
<div class="filter-row"><span class="filter-label">Level</span><div class="group">${levels.join('')}</div></div>
</div>`;
}

function diffHtml(matrix: Matrix): string {
  const diff = matrix.diff;
  if (diff === undefined) return '';
  const groups = DIFF_KINDS.map((kind) => {
    const entries = diff[kind];
    const items = entries.map((e) => `<li><a href="#row-${esc(e.id)}"><code>${esc(e.id)}</code></a> <span class="change">${pill(e.from)} <span class="arrow">→</span> ${pill(e.to)}</span></li>`).join('');
    return `<div class="diff-group d-${kind}" id="diff-${kind}"><h3>${esc(DIFF_TITLES[kind])} <span class="muted">${entries.length}</span></h3>${entries.length > 0 ? `<ul>${items}</ul>` : '<p class="muted">none</p>'}</div>`;
  });
  return `<section class="card diff" id="diff"><h2>From #1 to #2</h2><div class="diff-groups">${groups.join('')}</div></section>`;
}

function statusHtml(matrix: Matrix): string {
  const differ = matrix.rows.filter((r) => r.differs).length;
  if (matrix.diff === undefined) {
    return `<div class="status info" id="status">${matrix.columns.length} report${matrix.columns.length === 1 ? '' : 's'}<small>${matrix.rows.length} rules · ${differ} differ</small></div>`;
  }
  const worse = matrix.diff.regressions.length;
  return worse > 0
    ? `<div class="status bad" id="status">${worse} regression${worse === 1 ? '' : 's'}<small>rules that passed in #1 and fail in #2</small></div>`
    : `<div class="status ok" id="status">No regression<small>${matrix.diff.fixes.length} fixed · ${differ} rules differ</small></div>`;
}

const MATRIX_STYLE = `
.v-absent{color:var(--muted);background:transparent;box-shadow:inset 0 0 0 1px var(--line)}
.notes{margin-top:16px;display:grid;gap:8px}
.notes .note{margin:0;background:var(--error-bg)}
.notes .note p{padding-top:6px}
.diff{margin-top:20px}
.diff h2{margin:0 0 8px;font-size:16px}
.diff-groups{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:8px 20px}
.diff-group h3{margin:8px 0 6px;font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.d-regressions h3{color:var(--fail)}
.d-fixes h3{color:var(--pass)}
.diff-group ul{list-style:none;margin:0;padding:0}
.diff-group li{padding:4px 0;border-top:1px solid var(--soft);display:flex;flex-wrap:wrap;align-items:center;gap:6px}
.diff-group li:first-child{border-top:0}
.diff-group a{color:var(--ink);font-weight:600;text-decoration:none;margin-right:auto;overflow-wrap:anywhere}
.diff-group .pill{min-width:0}
.change{white-space:nowrap}
.arrow{color:var(--muted)}
.mx-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:12px}
table.mx{border-collapse:collapse;width:100%}
.mx th,.mx td{padding:8px 10px;border-bottom:1px solid var(--soft);text-align:left;vertical-align:top}
.mx thead th,.mx thead td{background:var(--soft);font-size:12px}
.mx thead th.rule-col{vertical-align:bottom;color:var(--muted)}
.col{min-width:180px;max-width:260px}
.col span{display:block;overflow-wrap:anywhere}
.col-faults{color:var(--fail);font-weight:600}
.col-n{color:var(--muted);font-weight:600}
.col-target{font-weight:600;font-size:13px;color:var(--ink)}
.col-meta{color:var(--muted);font-size:12px;font-weight:400}
.outcomes th{color:var(--muted);font-weight:600}
.oc{display:inline-block;font-weight:650;font-size:12px;padding:1px 8px;border-radius:6px;margin-bottom:2px}
.oc.ok{background:var(--pass-bg);color:var(--pass)}
.oc.bad{background:var(--fail-bg);color:var(--fail)}
.oc.warn{background:var(--error-bg);color:var(--error)}
.oc.info{background:var(--observed-bg);color:var(--observed)}
.oc-cell .col-meta{display:block}
tr.fam th{background:var(--bg);font-size:14px;font-weight:650;padding-top:14px}
tr.fam th .muted{font-weight:400;font-size:12px}
tr.rrow>th{font-weight:400;min-width:260px;max-width:460px}
tr.rrow>th .stmt{display:block;font-size:13px;margin-top:2px}
tr.rrow:target>th{box-shadow:inset 4px 0 0 var(--accent)}
tr.rrow[data-differs=true]>th{box-shadow:inset 3px 0 0 var(--observed)}
tr.rrow[data-differs=true]:target>th{box-shadow:inset 4px 0 0 var(--accent)}
td.cell{white-space:nowrap}
details.cell-d>summary{display:inline-flex;align-items:center;gap:6px;padding:0;grid-template-columns:none}
details.cell-d>summary:hover{background:none}
details.cell-d>summary .more{font-size:12px;color:var(--accent);text-decoration:underline}
details.cell-d[open]>summary .more{color:var(--muted)}
.cell-body{white-space:normal;min-width:min(560px,80vw);max-width:760px;padding-top:4px}
.cell-body .cmp{grid-template-columns:1fr}
@media (max-width:760px){.col{min-width:120px}tr.rrow>th{min-width:200px}}
`;

const SCRIPT = `
(function () {
  var state = { show: 'all', family: 'all', level: 'all' };
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.rrow'));
  var heads = Array.prototype.slice.call(document.querySelectorAll('tr.fam'));
  var shown = document.getElementById('shown');
  var empty = document.getElementById('empty');
  function matches(el) {
    return (state.show === 'all' || (state.show === 'differs' ? el.getAttribute('data-differs') : el.getAttribute('data-failing')) === 'true') &&
      (state.family === 'all' || el.getAttribute('data-family') === state.family) &&
      (state.level === 'all' || el.getAttribute('data-level') === state.level);
  }
  function apply() {
    var count = 0;
    var families = {};
    rows.forEach(function (el) { var ok = matches(el); el.hidden = !ok; if (ok) { count++; families[el.getAttribute('data-family')] = true; } });
    heads.forEach(function (el) { el.hidden = !families[el.getAttribute('data-family')]; });
    shown.textContent = 'Showing ' + count + ' of ' + rows.length + ' rules';
    empty.hidden = count !== 0;
  }
${FILTER_BUTTONS_SCRIPT}
${COPY_BUTTONS_SCRIPT}
  // A link from the diff to a row the filters hide shows every row again.
  function showFromHash() {
    var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!el || !el.classList.contains('rrow')) return;
    if (el.hidden) { select('show', 'all'); select('family', 'all'); select('level', 'all'); apply(); }
    el.scrollIntoView({ block: 'center' });
  }
  window.addEventListener('hashchange', showFromHash);
  apply();
  showFromHash();
})();
`;

export function renderMatrixHtml(matrix: Matrix): string {
  const count = matrix.columns.length;
  const notes = matrix.notes.length > 0 ? `<section class="notes">${matrix.notes.map((n) => `<div class="note"><p>${esc(n)}</p></div>`).join('')}</section>` : '';
  return `${pageHead(`Conformance comparison — ${count} report${count === 1 ? '' : 's'}`, SCRIPT, `${STYLE}${MATRIX_STYLE}`)}
<body>
<div class="wrap">
<header class="top">
<div><div class="brand">metering-conformance · AWS Marketplace Metering Service</div>
<h1>Conformance comparison</h1></div>
${statusHtml(matrix)}
</header>
${notes}
${diffHtml(matrix)}
<h2>Rules by report</h2>
${filtersHtml(matrix)}
<p id="shown">Showing ${matrix.rows.length} of ${matrix.rows.length} rules</p>
<main>
${tableHtml(matrix)}
<p id="empty" hidden>No rule matches these filters.</p>
</main>
<footer>Generated by metering-conformance compare · the same data is in matrix.json</footer>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
