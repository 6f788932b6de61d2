// Small text helpers shared by the report renderers (HTML, junit, markdown, console).
import type { FailureDetail, Level, Report, RuleResult, Verdict } from './types.js';

export const VERDICT_LABELS: Record<Verdict, string> = {
  pass: 'pass',
  fail: 'fail',
  error: 'error',
  'not-applicable': 'n/a',
  observed: 'observed',
};

/** Display order: what needs attention first. */
export const VERDICT_ORDER: readonly Verdict[] = ['fail', 'error', 'observed', 'not-applicable', 'pass'];
export const JUDGED_LEVELS: readonly Level[] = ['must', 'should'];

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  return `${percent === 100 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)}%`;
}

/** Passed over judged (pass + fail + error) rules of one level. */
export function levelScore(report: Report, level: Level): { passed: number; judged: number } {
  const c = report.summary.byLevel[level];
  return { passed: c.pass, judged: c.pass + c.fail + c.error };
}

/** JSON for people: two-space indent; strings are shown as they are. */
export function prettyValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '(none)';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One line, no control characters: target output must not move a terminal's cursor or forge lines. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Failed and errored rules, except known failures of the baseline, most serious first: fail before error, must before should. */
export function needsAttention(report: Report): RuleResult[] {
  const rank = (r: RuleResult) => (r.verdict === 'fail' ? 0 : 1) + (r.level === 'must' ? 0 : r.level === 'should' ? 2 : 4);
  return report.rules
    .filter((r) => (r.verdict === 'fail' || r.verdict === 'error') && r.baseline?.status !== 'known-failure')
    .sort((a, b) => rank(a) - rank(b));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What the baseline did to this run, e.g. "2 known failures (baseline), 1 baseline entry now passes"; empty without a baseline. */
function baselineExplanation(report: Report): string {
  if (report.run.baseline === undefined) return '';
  const known = report.rules.filter((r) => r.baseline?.status === 'known-failure').length;
  const fixed = report.rules.filter((r) => r.baseline?.status === 'now-passing').length;
  const parts = [`${plural(known, 'known failure')} (baseline)`];
  if (fixed > 0) parts.push(fixed === 1 ? '1 baseline entry now passes' : `${fixed} baseline entries now pass`);
  return parts.join(', ');
}

/** Why a rule got its verdict, in one short sentence (for console, markdown and junit messages). */
export function shortReason(rule: { statement: string; verdict: Verdict; reason?: string; observed?: string; failure?: FailureDetail }): string {
  if (rule.failure !== undefined && (rule.verdict === 'fail' || rule.reason === undefined)) {
    const actual = answerText(rule.failure.actual);
    // A failure built from a bare assertion message only "expects" the rule's statement.
    return oneLine(rule.failure.expected === rule.statement ? actual : `expected ${rule.failure.expected}; got ${actual}`);
  }
  return oneLine(rule.reason ?? rule.observed ?? '');
}

/**
 * What the target answered, in one line that leads with what matters: "HTTP 400
 * ValidationException: message", "HTTP 200 {"MeteringRecordId":"…"}", or the text as it is.
 */
export function answerText(actual: unknown): string {
  if (typeof actual === 'string') return oneLine(actual);
  if (actual !== null && typeof actual === 'object' && typeof (actual as { status?: unknown }).status === 'number') {
    const { status, errorType, message, output, retries, ...rest } = actual as { status: number; errorType?: unknown; message?: unknown; output?: unknown; retries?: unknown };
    const parts = [`HTTP ${status}`];
    if (typeof errorType === 'string') parts.push(errorType === '' ? '(no error type)' : errorType);
    const text = [parts.join(' '), typeof message === 'string' ? `: ${message}` : ''].join('');
    const more = output !== undefined ? output : Object.keys(rest).length > 0 ? rest : undefined;
    const retried = typeof retries === 'number' && retries > 0 ? ` (after ${retries} retried answer${retries === 1 ? '' : 's'})` : '';
    return oneLine(`${text}${more !== undefined ? ` ${JSON.stringify(more)}` : ''}${retried}`);
  }
  return oneLine(JSON.stringify(actual) ?? String(actual));
}

/** Why the run is (not) conformant, e.g. "2 must rules failed, 1 should rule errored". */
export function gateExplanation(report: Report): string {
  const parts: string[] = [];
  const levels: Level[] = report.run.level === 'must' ? ['must'] : ['must', 'should'];
  // Known failures of the baseline do not gate, so they are not among the reasons.
  const gating = needsAttention(report);
  const baselined = report.run.baseline !== undefined;
  for (const level of levels) {
    const fail = gating.filter((r) => r.level === level && r.verdict === 'fail').length;
    const error = gating.filter((r) => r.level === level && r.verdict === 'error').length;
    if (fail > 0) parts.push(`${fail} ${baselined ? 'new ' : ''}${level} rule${fail === 1 ? '' : 's'} failed`);
    if (error > 0) parts.push(`${error} ${baselined ? 'new ' : ''}${level} rule${error === 1 ? '' : 's'} errored`);
  }
  const promises = gating.filter((r) => r.level === 'implementation-defined' && r.verdict === 'fail').length;
  if (promises > 0) parts.push(`${promises} promise${promises === 1 ? '' : 's'} of the target config broken`);
  const problems = report.problems?.length ?? 0;
  if (problems > 0) parts.push(`${problems} run problem${problems === 1 ? '' : 's'}`);
  const baseline = baselineExplanation(report);
  if (parts.length > 0) return [...parts, ...(baseline ? [baseline] : [])].join(', ');
  return `no ${baselined ? 'new ' : ''}${levels.join(' or ')} rule failed${baseline ? `; ${baseline}` : ''}`;
}

/** "101 of 200 rules (99 not judged: declare … in target.yaml (60); …)": how much the run could judge. */
export function coverageText(report: Report, maxReasons = 3): string {
  const { coverage, total } = report.summary;
  const judged = `${coverage.judged} of ${plural(total, 'rule')}`;
  if (coverage.notJudged === 0) return judged;
  const reasons = coverage.reasons.slice(0, maxReasons).map((r) => `${r.reason} (${r.rules})`);
  const rest = coverage.reasons.length - maxReasons;
  const more = rest > 0 ? `; ${rest} more reason${rest === 1 ? '' : 's'} in the report` : '';
  return `${judged} (${coverage.notJudged} not judged: ${reasons.join('; ')}${more})`;
}

/** The one line that states a run's outcome and its coverage, the same in every output. */
export function outcomeLine(report: Report): string {
  const levels = report.run.level === 'must' ? 'must' : 'must or should';
  switch (report.summary.outcome) {
    case 'conformant':
      return `CONFORMANT on ${coverageText(report)}: ${gateExplanation(report)}`;
    case 'non-conformant':
      return `NOT CONFORMANT: ${gateExplanation(report)}; judged ${coverageText(report)}`;
    case 'inconclusive':
      return `INCONCLUSIVE: no ${levels} rule ended pass or fail; judged ${coverageText(report)}`;
    case 'observed':
      return `OBSERVED: the selection holds no ${levels} rule; judged ${coverageText(report)}`;
  }
}

/** The run's score as shown: a percentage, or "n/a" when no must or should rule was judged. */
export function scoreText(report: Report): string {
  return report.summary.score === null ? 'n/a' : formatPercent(report.summary.score);
}

/** Markdown text that renders as plain text: its punctuation and HTML escaped, on one line (summary.md, matrix.md). */
export function md(text: string): string {
  return oneLine(text).replace(/[\\`*_{}[\]<>()#+\-!|~&]/g, (c) => `\\${c}`);
}

/** An inline code span holding `text` on one line, fenced with more backticks than it contains. */
export function code(text: string): string {
  const line = oneLine(text);
  const longest = Math.max(0, ...[...line.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${line} ${fence}` : `${fence}${line}${fence}`;
}
