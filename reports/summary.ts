// Short summaries of a report: markdown for $GITHUB_STEP_SUMMARY and the one-screen console text.
import { join } from 'node:path';
import {
  answerText,
  VERDICT_LABELS,
  VERDICT_ORDER,
  formatDuration,
  levelScore,
  needsAttention,
  oneLine,
  outcomeLine,
  scoreText,
  shortReason,
  truncate,
  code,
  md,
} from './format.js';
import { knownFailures, nowPassing } from './baseline.js';
import type { Level, Report, RuleResult } from './types.js';

const LEVELS: Level[] = ['must', 'should', 'implementation-defined'];
/** Rules listed in summary.md; the rest are in report.html. */
const MARKDOWN_MAX_LISTED = 50;
/** The console summary fits one screen. */
const CONSOLE_MAX_LINES = 25;
const CONSOLE_WIDTH = 110;

function scoreLine(report: Report): string {
  const parts = (['must', 'should'] as const)
    .map((l) => ({ l, ...levelScore(report, l) }))
    .filter((s) => s.judged > 0)
    .map((s) => `${s.l} ${s.passed}/${s.judged}`);
  return `${scoreText(report)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** " · shard 2/3" on the report of one shard. */
function shardText(report: Report): string {
  const shard = report.run.shard;
  return shard === undefined ? '' : ` · shard ${shard.index}/${shard.count}`;
}

// ---- markdown ----

function fenced(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function markdownRule(rule: RuleResult): string {
  const icon = rule.verdict === 'fail' ? '❌' : '⚠️';
  const lines = [`- ${icon} **${code(rule.id)}** (${rule.level}, ${VERDICT_LABELS[rule.verdict]}): ${md(rule.statement)}`];
  const reason = shortReason(rule);
  if (reason !== '') lines.push(`  ${md(truncate(reason, 400))}`);
  if (rule.failure?.flaky === true) lines.push(`  ${md('The minimal counterexample failed once and passed when run again as a new caller: a flaky failure gates as error.')}`);
  if (rule.failure !== undefined) lines.push(fenced(rule.failure.replay, 'sh').replace(/^/gm, '  '));
  return lines.join('\n');
}

export function renderSummaryMarkdown(report: Report): string {
  const { run, summary } = report;
  const icon = { conformant: '✅', 'non-conformant': '❌', inconclusive: '⚠️', observed: 'ℹ️' }[summary.outcome];
  const header = [
    `## ${icon} ${md(outcomeLine(report))}`,
    '',
    `**Score ${scoreLine(report)}** · target ${code(run.target)}${shardText(report)} · ${run.driver} driver${run.client !== undefined ? ` (${code(`${run.client.name} ${run.client.version}`)})` : ''} · seed ${run.seed} · gate: ${run.level === 'must' ? 'must' : 'must and should'} rules · ${formatDuration(run.durationMs)} · ${md(`${run.tool.name} ${run.tool.version}`)}`,
    '',
  ];
  const columns = VERDICT_ORDER;
  const table = [
    `| level | ${columns.map((v) => VERDICT_LABELS[v]).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...LEVELS.map((l) => `| ${l} | ${columns.map((v) => summary.byLevel[l][v]).join(' | ')} |`),
    `| **total** | ${columns.map((v) => `**${summary.counts[v]}**`).join(' | ')} |`,
    '',
  ];
  const attention = needsAttention(report);
  const listed = attention.slice(0, MARKDOWN_MAX_LISTED);
  const failures =
    attention.length === 0
      ? []
      : [
          `### ${report.run.baseline === undefined ? 'Failed and errored rules' : 'New failed and errored rules (not in the baseline)'} (${attention.length})`,
          '',
          ...listed.map(markdownRule),
          ...(attention.length > listed.length ? ['', `…and ${attention.length - listed.length} more; see report.html.`] : []),
          '',
        ];
  const known = knownFailures(report);
  const knownLines =
    known.length === 0
      ? []
      : [
          `### Known failures, in the baseline (${known.length})`,
          '',
          'These rules still fail, as the baseline expects; they do not fail the run.',
          '',
          ...known.slice(0, MARKDOWN_MAX_LISTED).map((r) => `- ${code(r.id)} (${r.level}, ${VERDICT_LABELS[r.verdict]}): ${md(truncate(r.baseline!.reason, 200))}`),
          ...(known.length > MARKDOWN_MAX_LISTED ? ['', `…and ${known.length - MARKDOWN_MAX_LISTED} more; see report.html.`] : []),
          '',
        ];
  const fixed = nowPassing(report);
  const fixedLines =
    fixed.length === 0
      ? []
      : [`### Fixed: remove from the baseline (${fixed.length})`, '', ...fixed.map((r) => `- ${code(r.id)} (${VERDICT_LABELS[r.verdict]}); the baseline said: ${md(truncate(r.baseline!.reason, 200))}`), ''];
  const problems = report.problems ?? [];
  const problemLines =
    problems.length === 0 ? [] : ['### Run problems', '', ...problems.slice(0, 10).map((p) => `- ${md(truncate(p, 400))}`), ''];
  return [...header, ...table, ...failures, ...fixedLines, ...knownLines, ...problemLines].join('\n');
}

// ---- console ----

type Paint = (code: string, text: string) => string;

export interface ConsoleSummaryOptions {
  color: boolean;
  /** The folder the report files were written to, printed last. */
  outDir?: string;
}

export function renderConsoleSummary(report: Report, options: ConsoleSummaryOptions): string {
  const paint: Paint = options.color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
  const verdictColor: Record<string, string> = { pass: '32', fail: '31', error: '33', observed: '35', 'not-applicable': '90' };
  const { run, summary } = report;
  const fit = (text: string, indent: number) => truncate(oneLine(text), CONSOLE_WIDTH - indent);

  const counts = VERDICT_ORDER.filter((v) => summary.counts[v] > 0 || v === 'fail')
    .map((v) => paint(summary.counts[v] > 0 ? verdictColor[v]! : '90', `${summary.counts[v]} ${VERDICT_LABELS[v]}`))
    .join(', ');
  const lines = [
    paint('1', `${run.tool.name} ${run.tool.version}`) + paint('90', ` · ${fit(run.target, 60)}${shardText(report)} · ${run.driver} driver · seed ${run.seed} · ${formatDuration(run.durationMs)}`),
    `Rules ${summary.total}: ${counts}`,
    `Score ${paint('1', scoreLine(report))} · gate: ${run.level === 'must' ? 'must' : 'must and should'} rules`,
    paint({ conformant: '1;32', 'non-conformant': '1;31', inconclusive: '1;33', observed: '1;35' }[summary.outcome], outcomeLine(report)),
  ];

  const problems = report.problems ?? [];
  const footer: string[] = [];
  if (problems.length > 0) {
    footer.push('', paint('33', `Run problems (${problems.length}):`), `  ${fit(problems[0]!, 2)}`);
    if (problems.length > 1) footer.push(paint('90', `  …and ${problems.length - 1} more in report.html`));
  }
  const fixed = nowPassing(report);
  if (fixed.length > 0) {
    footer.push('', paint('32', `Fixed, remove from the baseline (${fixed.length}):`), `  ${fit(fixed.map((r) => r.id).join(', '), 2)}`);
  }
  const known = knownFailures(report);
  if (known.length > 0) {
    footer.push('', paint('90', `Known failures in the baseline (${known.length}, not gating):`), paint('90', `  ${fit(known.map((r) => r.id).join(', '), 2)}`));
  }
  if (options.outDir !== undefined) footer.push('', `Report: ${join(options.outDir, 'report.html')}`);

  const attention = needsAttention(report);
  if (attention.length > 0) {
    lines.push('', report.run.baseline === undefined ? 'Failed and errored rules:' : 'New failed and errored rules (not in the baseline):');
    // Leave room for the footer and one "and K more" line.
    const budget = CONSOLE_MAX_LINES - lines.length - footer.length - 1;
    let used = 0;
    let shown = 0;
    for (const rule of attention) {
      const tag = paint(verdictColor[rule.verdict]!, rule.verdict === 'fail' ? 'FAIL ' : 'ERROR');
      const entry = [`  ${tag} ${rule.id} ${paint('90', `(${rule.level})`)}`];
      const failure = rule.failure;
      if (rule.verdict === 'fail' && failure !== undefined) {
        // Expected and actual on lines of their own, so that the answer is not cut away.
        if (failure.expected !== rule.statement) entry.push(`        ${fit(`expected ${failure.expected}`, 8)}`);
        entry.push(`        ${fit(`got ${answerText(failure.actual)}`, 8)}`);
      } else {
        const reason = shortReason(rule);
        if (reason !== '') entry.push(`        ${fit(failure?.flaky === true ? `${reason} (a flaky failure gates as error)` : reason, 8)}`);
      }
      if (failure !== undefined) entry.push(paint('90', `        replay: ${failure.replay}`));
      if (used + entry.length > budget) break;
      lines.push(...entry);
      used += entry.length;
      shown += 1;
    }
    if (shown < attention.length) lines.push(paint('90', `  …and ${attention.length - shown} more (see report.html)`));
  }
  return [...lines, ...footer].join('\n') + '\n';
}
