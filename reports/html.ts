// Renders report.html: one self-contained page (inline CSS and JS, no network) that works
// opened from disk. Everything from the report is escaped: target output is hostile input.
// The page's Content-Security-Policy only allows its one script (reports/html-assets.ts, by
// hash), so even a string that slipped through escaping could not run.
import { expectedRulesFor } from '../emulator/fault-expectations.js';
import { FAULT_MODES } from '../emulator/faults.js';
import { OPERATIONS } from '../target/types.js';
import { knownFailures, nowPassing } from './baseline.js';
import {
  JUDGED_LEVELS,
  VERDICT_LABELS,
  VERDICT_ORDER,
  formatDuration,
  formatPercent,
  levelScore,
  outcomeLine,
  prettyValue,
  needsAttention,
  shortReason,
  truncate,
} from './format.js';
import { pageHead, SCRIPT, STYLE } from './html-assets.js';
import type { FailureDetail, Level, Report, RuleResult, RunOutcome, TranscriptEntry, TranscriptMessage, Verdict } from './types.js';

/** Longest text shown in one block; report.json keeps everything. */
const MAX_BLOCK = 20_000;

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const esc = escapeHtml;

function block(text: string): string {
  const shown = text.length > MAX_BLOCK ? `${text.slice(0, MAX_BLOCK)}\n… (${text.length - MAX_BLOCK} more characters in report.json)` : text;
  return esc(shown);
}

function pill(verdict: Verdict): string {
  return `<span class="pill v-${verdict}">${esc(VERDICT_LABELS[verdict])}</span>`;
}

function copyable(label: string, text: string): string {
  return `<div class="cmd"><div class="cmd-head"><span>${esc(label)}</span><button type="button" class="copy">Copy</button></div><pre>${block(text)}</pre></div>`;
}

function statusClass(status: number): string {
  return status >= 200 && status < 300 ? 's-ok' : status >= 400 && status < 500 ? 's-client' : 's-other';
}

/** A body for reading: JSON indented, anything else as it came. */
function readableBody(message: TranscriptMessage): string {
  let body = message.body;
  if (message.bodyOmitted === undefined) {
    try {
      body = JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      // not JSON: as it came
    }
  }
  return message.bodyOmitted !== undefined ? `${body}\n… (${message.bodyOmitted} more characters not kept)` : body;
}

function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}

/** One exchange, collapsed to a line: label, status, time; open for the request and response. */
function exchangeHtml(entry: TranscriptEntry, index: number): string {
  const status = entry.response !== undefined ? `<span class="ex-status ${statusClass(entry.response.status)}">HTTP ${esc(entry.response.status)}</span>` : '<span class="ex-status s-other">no answer</span>';
  const notes = [
    entry.attempt > 1 || entry.retried ? `attempt ${entry.attempt}${entry.retried ? ', retried' : ''}` : '',
    entry.retries ? `after ${entry.retries} retried answer${entry.retries === 1 ? '' : 's'}` : '',
    entry.durationMs !== undefined ? formatDuration(entry.durationMs) : '',
    entry.startedAt !== undefined ? entry.startedAt.replace('T', ' ').replace('Z', ' UTC') : '',
  ].filter((n) => n !== '');
  const request = `${entry.request.method} ${entry.request.url}\n${headerLines(entry.request.headers)}\n\n${readableBody(entry.request)}`;
  const response =
    entry.response !== undefined ? `HTTP ${entry.response.status}\n${headerLines(entry.response.headers)}\n\n${readableBody(entry.response)}` : undefined;
  return `<details class="ex"><summary><span class="ex-n">${index + 1}</span><code>${esc(entry.label)}</code>${status}<span class="ex-notes">${esc(notes.join(' · '))}</span></summary>
<div class="ex-body"><h4>Request</h4><pre>${block(request)}</pre>${response !== undefined ? `<h4>Response</h4><pre>${block(response)}</pre>` : ''}${entry.error !== undefined ? `<h4>No usable answer</h4><pre>${block(entry.error)}</pre>` : ''}</div>
</details>`;
}

function transcriptHtml(title: string, transcript: TranscriptEntry[], omitted: number | undefined): string {
  const count = `${transcript.length} exchange${transcript.length === 1 ? '' : 's'}${omitted ? `; the ${omitted} before them are not kept` : ''}`;
  return `<div class="transcript"><h4>${esc(title)} <span class="muted">${esc(count)}</span></h4>
${transcript.map(exchangeHtml).join('\n')}
</div>`;
}

const ATTEMPT_TITLES = { fail: 'failed', pass: 'passed', error: 'got no judgeable answer' } as const;

/** Also used by matrix.html (reports/matrix-html.ts) for a failing cell. */
export function failureHtml(failure: FailureDetail): string {
  const facts = [
    `seed <code>${esc(failure.seed)}</code>`,
    failure.path !== undefined ? `path <code>${esc(failure.path)}</code>` : '',
    failure.numRuns !== undefined ? `${esc(failure.numRuns)} runs passed before the failure` : '',
    failure.shrinks !== undefined ? `${esc(failure.shrinks)} shrink steps` : '',
  ].filter((f) => f !== '');
  const counterexample =
    failure.counterexample === null || failure.counterexample === undefined
      ? ''
      : `<h4>Minimal counterexample</h4>\n<pre class="json">${block(prettyValue(failure.counterexample))}</pre>`;
  const flaky = failure.flaky
    ? '<div class="note note-error"><h4>Flaky</h4><p>The minimal counterexample failed once and passed when run again as a new caller; both runs are below. A flaky failure gates as error.</p></div>'
    : '';
  const notConfirmed = failure.notConfirmed !== undefined ? `<div class="note"><h4>Not confirmed</h4><p>${esc(failure.notConfirmed)}</p></div>` : '';
  return `<div class="failure">
${flaky}
${notConfirmed}
${counterexample}
<div class="cmp">
<div><h4>Expected</h4><pre class="expected">${block(failure.expected)}</pre></div>
<div><h4>Actual</h4><pre class="actual">${block(prettyValue(failure.actual))}</pre></div>
</div>
${copyable('Replay', failure.replay)}
${failure.curl !== undefined ? copyable('curl (last request)', failure.curl) : ''}
${failure.script !== undefined ? copyable('sh script (every request, as a new caller)', failure.script) : ''}
${
  failure.attempts !== undefined
    ? failure.attempts.map((a, i) => transcriptHtml(`Run ${i + 1} of the counterexample: ${ATTEMPT_TITLES[a.outcome]}`, a.transcript, a.transcriptOmitted)).join('\n')
    : failure.transcript !== undefined
      ? transcriptHtml('Transcript of the counterexample', failure.transcript, failure.transcriptOmitted)
      : ''
}
<p class="facts-line">${facts.join(' · ')}</p>
</div>`;
}

function sourceHtml(source: string): string {
  if (/^https:\/\//.test(source)) return `<a href="${esc(source)}" rel="noreferrer noopener" target="_blank">${esc(source)}</a>`;
  return `<code>${esc(source)}</code>`;
}

const BASELINE_LABELS = { 'known-failure': 'known failure', 'now-passing': 'fixed', 'not-judged': 'baselined' } as const;
const BASELINE_TITLES = {
  'known-failure': 'Known failure (baseline): does not fail the run',
  'now-passing': 'In the baseline, but now passes: remove it from the baseline',
  'not-judged': 'In the baseline; not judged in this run',
} as const;

/** What the rule rests on: its quotes with their sources, and the project's treatment where the sources are silent. */
function restsOnHtml(rule: RuleResult): string {
  const quotes = (rule.info ?? []).map((q) => `<blockquote cite="${esc(q.source)}"><p>${esc(q.quote)}</p><div class="quote-source">${sourceHtml(q.source)}</div></blockquote>`);
  const treatment = rule.treatment !== undefined ? `<h4>Treatment where the sources are silent</h4><p>${esc(rule.treatment)}</p>` : '';
  return `<div class="note note-basis">${quotes.length > 0 ? `<h4>Rests on</h4>${quotes.join('')}` : ''}${treatment}</div>`;
}

function ruleHtml(rule: RuleResult): string {
  const known = rule.baseline?.status === 'known-failure';
  const open = (rule.verdict === 'fail' || rule.verdict === 'error') && !known ? ' open' : '';
  const search = `${rule.id} ${rule.statement} ${rule.family} ${rule.level}${rule.baseline ? ` baseline ${BASELINE_LABELS[rule.baseline.status]}` : ''}`.toLowerCase();
  const notes: string[] = [];
  if (rule.baseline !== undefined) {
    notes.push(`<div class="note note-baseline"><h4>${esc(BASELINE_TITLES[rule.baseline.status])}</h4><p>${esc(rule.baseline.reason)}</p></div>`);
  }
  if (rule.reason !== undefined) {
    const title = rule.verdict === 'not-applicable' ? 'Why not applicable' : rule.verdict === 'error' ? 'Why error' : 'Note';
    notes.push(`<div class="note note-${rule.verdict}"><h4>${title}</h4><p>${esc(rule.reason)}</p></div>`);
  }
  if (rule.observed !== undefined) {
    notes.push(`<div class="note note-observed"><h4>What the target did</h4><p>${esc(rule.observed)}</p></div>`);
  }
  if (rule.info !== undefined || rule.treatment !== undefined) notes.push(restsOnHtml(rule));
  const facts = [
    rule.numRuns !== undefined ? `<div><dt>Runs</dt><dd>${esc(rule.numRuns)}${rule.skippedRuns !== undefined ? ` (${esc(rule.skippedRuns)} inputs not judged: each met another property run's record, or the rule had had its share of fresh keys)` : ''}</dd></div>` : '',
    rule.retries !== undefined ? `<div><dt>Retried answers</dt><dd>${esc(rule.retries)}</dd></div>` : '',
    `<div><dt>Duration</dt><dd>${esc(formatDuration(rule.durationMs))}</dd></div>`,
    `<div class="wide"><dt>Tests</dt><dd>${rule.tests.length === 0 ? '<em>none</em>' : rule.tests.map((t) => `<code>${esc(t)}</code>`).join('<br>')}</dd></div>`,
    `<div class="wide"><dt>Sources</dt><dd>${rule.sources.map(sourceHtml).join('<br>')}</dd></div>`,
  ].join('');
  return `<details class="rule" id="rule-${esc(rule.id)}" data-verdict="${esc(rule.verdict)}" data-ops="${esc(rule.operations.join(' '))}" data-search="${esc(search)}"${open}>
<summary>${pill(rule.verdict)}<code class="rid">${esc(rule.id)}${rule.baseline ? ` <span class="bl bl-${esc(rule.baseline.status)}">${esc(BASELINE_LABELS[rule.baseline.status])}</span>` : ''}</code><span class="lvl lvl-${esc(rule.level)}">${esc(rule.level)}</span><span class="ops">${esc(rule.operations.join(', '))}</span><span class="stmt">${esc(rule.statement)}</span></summary>
<div class="rule-body">
${notes.join('\n')}
${rule.failure !== undefined ? failureHtml(rule.failure) : ''}
<dl class="facts">${facts}</dl>
</div>
</details>`;
}

function familiesOf(report: Report): Map<string, RuleResult[]> {
  const families = new Map<string, RuleResult[]>();
  for (const rule of report.rules) {
    const list = families.get(rule.family) ?? [];
    list.push(rule);
    families.set(rule.family, list);
  }
  return families;
}

function operationsOf(report: Report): string[] {
  const present = new Set(report.rules.flatMap((r) => r.operations));
  const known = OPERATIONS.filter((op) => present.has(op));
  return [...known, ...[...present].filter((op) => !(OPERATIONS as readonly string[]).includes(op)).sort()];
}

function countsBar(counts: Record<Verdict, number>, total: number): string {
  if (total === 0) return '<div class="bar"></div>';
  const segments = VERDICT_ORDER.filter((v) => counts[v] > 0).map(
    (v) => `<span class="seg v-${v}" style="flex-grow:${counts[v]}" title="${esc(`${counts[v]} ${VERDICT_LABELS[v]}`)}"></span>`,
  );
  return `<div class="bar">${segments.join('')}</div>`;
}

function levelCard(report: Report, level: Level): string {
  const counts = report.summary.byLevel[level];
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const gated = level === 'must' || (level === 'should' && report.run.level === 'should');
  let headline: string;
  if (level === 'implementation-defined') {
    headline = `<strong>${counts.observed}</strong> observed`;
  } else {
    const { passed, judged } = levelScore(report, level);
    headline = judged === 0 ? '<strong>—</strong> nothing judged' : `<strong>${passed}</strong> / ${judged} passed · ${esc(formatPercent(passed / judged))}`;
  }
  const detail = VERDICT_ORDER.filter((v) => counts[v] > 0)
    .map((v) => `<span class="mini v-${v}">${counts[v]} ${esc(VERDICT_LABELS[v])}</span>`)
    .join(' ');
  const tag = level === 'implementation-defined' ? 'never gates' : gated ? 'gates the run' : 'not gated';
  return `<div class="level-card"><div class="level-head"><span class="lvl lvl-${level}">${level}</span><span class="gate">${tag}</span></div>
<div class="level-score">${headline}</div>${countsBar(counts, total)}<div class="level-detail">${detail || '<span class="muted">no rules</span>'}</div></div>`;
}

function scoreRing(report: Report): string {
  const judged = JUDGED_LEVELS.reduce((n, l) => n + levelScore(report, l).judged, 0);
  const score = report.summary.score;
  const percent = (score ?? 0) * 100;
  const label = score === null ? '—' : formatPercent(score);
  const passed = JUDGED_LEVELS.reduce((n, l) => n + levelScore(report, l).passed, 0);
  const caption = judged === 0 ? 'no must or should rule was judged' : `${passed} of ${judged} judged must and should rules passed`;
  return `<div class="ring" style="--p:${percent.toFixed(2)}"><div class="ring-inner"><span class="ring-value">${esc(label)}</span><span class="ring-label">score</span></div></div>
<p class="ring-caption">${esc(caption)}</p>`;
}

function metaList(report: Report): string {
  const run = report.run;
  const started = run.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  const items: [string, string][] = [
    ['Target', run.target],
    ['Driver', run.driver],
    ['Service model', run.model],
    ['Seed', String(run.seed)],
    ['Runs per property', String(run.runs)],
    ['Gate', run.level === 'must' ? 'must rules' : 'must and should rules'],
    ['Started', started],
    ['Duration', formatDuration(run.durationMs)],
    ['Tool', `${run.tool.name} ${run.tool.version}`],
    ['Node', run.node],
  ];
  // After Driver: the client library the calls went through and where it was loaded from.
  if (run.client !== undefined) items.splice(2, 0, ['Client', `${run.client.name} ${run.client.version} (${run.client.location})`]);
  if (run.ruleFilter !== undefined) items.push(['Rules', run.ruleFilter]);
  if (run.credentials !== undefined) items.push(['Credentials', run.credentials]);
  if (run.faults !== undefined && run.faults.length > 0) items.push(['Fault modes', run.faults.join(', ')]);
  if (run.shard !== undefined) items.push(['Shard', `${run.shard.index} of ${run.shard.count}`]);
  if (run.baseline !== undefined) items.push(['Baseline', `${run.baseline.file} (${run.baseline.entries.length} entr${run.baseline.entries.length === 1 ? 'y' : 'ies'})`]);
  // A negative rule's pass counts only beside a passed control of its operation.
  const controls = report.controls ?? [];
  if (controls.length > 0) items.push(['Positive controls', controls.map((c) => `${c.operation} ${VERDICT_LABELS[c.verdict]} (${c.rule})`).join(', ')]);
  return `<dl class="run-meta">${items.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>`;
}

/** A family's dot shows its worst judged verdict; observed and n/a only when nothing was judged. */
const FAMILY_DOT_ORDER: readonly Verdict[] = ['fail', 'error', 'pass', 'observed', 'not-applicable'];

function matrixHtml(families: Map<string, RuleResult[]>, operations: string[]): string {
  const head = operations.map((op) => `<th scope="col">${esc(op)}</th>`).join('');
  const rows = [...families].map(([family, rules]) => {
    const cells = operations.map((op) => {
      const inCell = rules.filter((r) => r.operations.includes(op));
      const squares = inCell
        .map((r) => `<a class="sq v-${r.verdict}" href="#rule-${esc(r.id)}" title="${esc(`${r.id}: ${VERDICT_LABELS[r.verdict]}`)}"></a>`)
        .join('');
      return `<td>${squares || '<span class="none">·</span>'}</td>`;
    });
    const worst = FAMILY_DOT_ORDER.find((v) => rules.some((r) => r.verdict === v)) ?? 'pass';
    return `<tr><th scope="row"><a href="#family-${esc(family)}">${esc(family)}</a> <span class="dot v-${worst}"></span><span class="muted"> ${rules.length}</span></th>${cells.join('')}</tr>`;
  });
  return `<div class="matrix-wrap"><table class="matrix"><thead><tr><th scope="col">Family</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>
<p class="legend">${VERDICT_ORDER.map((v) => `<span><span class="sq v-${v}"></span>${esc(VERDICT_LABELS[v])}</span>`).join('')}</p>`;
}

function filterButtons(report: Report, operations: string[]): string {
  const counts = report.summary.counts;
  const verdicts = [
    `<button type="button" data-filter="verdict" data-value="all" aria-pressed="true">All <span class="n">${report.summary.total}</span></button>`,
    ...VERDICT_ORDER.map(
      (v) =>
        `<button type="button" class="f-${v}" data-filter="verdict" data-value="${v}" aria-pressed="false"${counts[v] === 0 ? ' disabled' : ''}>${esc(VERDICT_LABELS[v])} <span class="n">${counts[v]}</span></button>`,
    ),
  ];
  const ops = [
    '<button type="button" data-filter="op" data-value="all" aria-pressed="true">All operations</button>',
    ...operations.map((op) => `<button type="button" data-filter="op" data-value="${esc(op)}" aria-pressed="false">${esc(op)}</button>`),
  ];
  return `<div class="filters" role="toolbar" aria-label="Filter rules">
<div class="filter-row"><span class="filter-label">Verdict</span><div class="group">${verdicts.join('')}</div></div>
<div class="filter-row"><span class="filter-label">Operation</span><div class="group">${ops.join('')}</div></div>
<div class="filter-row"><span class="filter-label">Search</span><input type="search" id="q" placeholder="rule id or words in the statement" autocomplete="off">
<button type="button" id="expand">Expand all</button><button type="button" id="collapse">Collapse all</button></div>
</div>`;
}

function attentionHtml(report: Report): string {
  const rules = needsAttention(report);
  if (rules.length === 0) return '';
  const rows = rules.map(
    (r) =>
      `<tr><td>${pill(r.verdict)}</td><td><a href="#rule-${esc(r.id)}"><code>${esc(r.id)}</code></a></td><td><span class="lvl lvl-${esc(r.level)}">${esc(r.level)}</span></td><td class="why">${esc(truncate(shortReason(r), 240))}</td></tr>`,
  );
  return `<section class="attention card"><h2>${report.run.baseline === undefined ? 'Needs attention' : 'New failures, not in the baseline'} <span class="muted">${rules.length}</span></h2><table>${rows.join('')}</table></section>`;
}

/** Known failures (shown, not gating) and fixed entries (to remove from the baseline). */
function baselineHtml(report: Report): string {
  const row = (r: RuleResult) =>
    `<tr><td>${pill(r.verdict)}</td><td><a href="#rule-${esc(r.id)}"><code>${esc(r.id)}</code></a></td><td><span class="lvl lvl-${esc(r.level)}">${esc(r.level)}</span></td><td class="why">${esc(truncate(r.baseline!.reason, 240))}</td></tr>`;
  const fixed = nowPassing(report);
  const known = knownFailures(report);
  const sections: string[] = [];
  if (fixed.length > 0) {
    sections.push(`<section class="attention card fixed"><h2>Fixed: remove from the baseline <span class="muted">${fixed.length}</span></h2><table>${fixed.map(row).join('')}</table></section>`);
  }
  if (known.length > 0) {
    sections.push(
      `<section class="attention card known"><h2>Known failures, in the baseline <span class="muted">${known.length} · not gating</span></h2><table>${known.map(row).join('')}</table></section>`,
    );
  }
  return sections.join('\n');
}

const DETECTION_STATUS = {
  caught: { pill: 'pass', title: 'an expected rule failed' },
  missed: { pill: 'fail', title: 'the expected rules ran and none failed' },
  'not run': { pill: 'not-applicable', title: 'no expected rule was in this run' },
} as const;

/**
 * A run against a target with fault modes (the reference emulator's `serve --fault`): per fault
 * mode, the rules expected to catch it (emulator/fault-expectations.ts) and whether one failed.
 */
export function detectionPowerHtml(report: Report): string {
  const faults = report.run.faults ?? [];
  if (faults.length === 0) return '';
  const verdicts = new Map(report.rules.map((r) => [r.id, r.verdict]));
  let caught = 0;
  const rows = faults.map((fault) => {
    const expected = expectedRulesFor(fault);
    const status = expected.some((id) => verdicts.get(id) === 'fail') ? 'caught' : expected.some((id) => verdicts.has(id)) ? 'missed' : 'not run';
    if (status === 'caught') caught++;
    const rules = expected.map((id) => {
      const verdict = verdicts.get(id);
      const label = verdict === undefined ? 'not in this run' : VERDICT_LABELS[verdict];
      return verdict === undefined ? `<code>${esc(id)}</code> <span class="muted">${esc(label)}</span>` : `<a href="#rule-${esc(id)}"><code>${esc(id)}</code></a> <span class="muted">${esc(label)}</span>`;
    });
    const description = FAULT_MODES.find((f) => f.name === fault)?.description ?? 'not a fault mode of this version of the emulator';
    const { pill: pillClass, title } = DETECTION_STATUS[status];
    return `<tr data-fault="${esc(fault)}"><td><span class="pill v-${pillClass}" title="${esc(title)}">${esc(status)}</span></td><td><code>${esc(fault)}</code></td><td>${rules.join('<br>') || '<span class="muted">no expected rules listed</span>'}</td><td class="why">${esc(description)}</td></tr>`;
  });
  return `<section class="attention card detection"><h2>Detection power <span class="muted">${caught} of ${faults.length} fault mode${faults.length === 1 ? '' : 's'} caught</span></h2><p class="muted">The target runs with deliberate defects. A fault mode is caught when a rule expected to catch it failed in this run.</p><table>${rows.join('')}</table></section>`;
}

function problemsHtml(report: Report): string {
  const problems = report.problems ?? [];
  if (problems.length === 0) return '';
  return `<section class="problems"><h2>Run problems</h2><p>These happened outside any single rule; while there are any, the run cannot be called conformant.</p><ul>${problems
    .map((p) => `<li><pre>${block(p)}</pre></li>`)
    .join('')}</ul></section>`;
}

const OUTCOME_TITLES: Record<RunOutcome, string> = { conformant: 'Conformant', 'non-conformant': 'Not conformant', inconclusive: 'Inconclusive', observed: 'Observed' };
const STATUS_CLASSES: Record<RunOutcome, string> = { conformant: 'ok', 'non-conformant': 'bad', inconclusive: 'warn', observed: 'info' };

export function renderHtml(report: Report): string {
  const families = familiesOf(report);
  const operations = operationsOf(report);
  const outcome = report.summary.outcome;
  const title = `Conformance report — ${report.run.target}`;
  const familySections = [...families]
    .map(
      ([family, rules]) => `<section class="family" id="family-${esc(family)}"><h2>${esc(family)} <span class="muted">${rules.length} rule${rules.length === 1 ? '' : 's'}</span></h2>
${rules.map(ruleHtml).join('\n')}
</section>`,
    )
    .join('\n');
  return `${pageHead(esc(title), SCRIPT, STYLE)}
<body>
<div class="wrap">
<header class="top">
<div><div class="brand">${esc(report.run.tool.name)} ${esc(report.run.tool.version)} · AWS Marketplace Metering Service</div>
<h1>Conformance report</h1></div>
<div class="status ${STATUS_CLASSES[outcome]}" id="status">${esc(OUTCOME_TITLES[outcome])}<small>${esc(outcomeLine(report))}</small></div>
</header>
<section class="overview">
<div class="card score-card" title="passed must and should rules over judged (pass + fail + error) ones">${scoreRing(report)}</div>
<div class="card"><div class="levels">${(['must', 'should', 'implementation-defined'] as const).map((l) => levelCard(report, l)).join('')}</div>
${metaList(report)}</div>
</section>
${problemsHtml(report)}
${attentionHtml(report)}
${baselineHtml(report)}
${detectionPowerHtml(report)}
<h2>Rule matrix</h2>
${matrixHtml(families, operations)}
<h2>Rules</h2>
${filterButtons(report, operations)}
<p id="shown">Showing ${report.rules.length} of ${report.rules.length} rules</p>
<main>
${familySections}
<p id="empty" hidden>No rule matches these filters.</p>
</main>
<footer>Generated by ${esc(report.run.tool.name)} ${esc(report.run.tool.version)} · seed ${esc(report.run.seed)} · the same data is in report.json</footer>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
