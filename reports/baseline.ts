// Baselines: a team's list of known divergences (rule id and reason). A baselined rule that
// fails is shown as a known failure and does not fail the run, so CI can gate on regressions
// only; a baselined rule that now passes is reported, so the entry can be removed.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { summarize } from './build.js';
import type { BaselineEntry, BaselineStatus, Report, RuleResult, Verdict } from './types.js';

export interface Baseline {
  /** The file as the user named it (shown in reports). */
  file: string;
  entries: BaselineEntry[];
}

export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

const EXAMPLE = 'expected a list of { rule, reason }, e.g. "- rule: meter-usage.identical-retry\\n  reason: tracked in JIRA-123"';

/** Parses baseline text (YAML, or JSON, which is YAML too); errors name the file and the entry. */
export function parseBaseline(text: string, file: string): Baseline {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new BaselineError(`baseline ${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  // Stryker disable next-line ConditionalExpression: yaml's parse() gives null, never undefined, for an empty document, so `doc === undefined` -> false changes nothing
  if (doc === null || doc === undefined) doc = [];
  if (!Array.isArray(doc)) throw new BaselineError(`baseline ${file}: ${EXAMPLE}`);
  const seen = new Set<string>();
  const entries = doc.map((item: unknown, i): BaselineEntry => {
    const where = `baseline ${file}: entry ${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new BaselineError(`${where}: ${EXAMPLE}`);
    const { rule, reason, ...extra } = item as Record<string, unknown>;
    const unexpected = Object.keys(extra);
    if (unexpected.length > 0) throw new BaselineError(`${where}: unexpected field "${unexpected[0]}" (only rule and reason)`);
    if (typeof rule !== 'string' || rule.trim() === '') throw new BaselineError(`${where}: "rule" must be a rule id`);
    if (typeof reason !== 'string' || reason.trim() === '') throw new BaselineError(`${where} (${rule}): "reason" must say why the divergence is accepted`);
    const id = rule.trim();
    if (seen.has(id)) throw new BaselineError(`${where}: rule ${id} is listed twice`);
    seen.add(id);
    return { rule: id, reason: reason.trim() };
  });
  return { file, entries };
}

export function loadBaseline(file: string, shownAs = file): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new BaselineError(`cannot read baseline ${shownAs}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseBaseline(text, shownAs);
}

/**
 * The baseline with every entry that names a retired rule id (an alias in specs/rules.yaml)
 * moved to the rule's current id, with a warning for each; an id that is neither current nor
 * an alias is left as it is, for checkBaselineRules to refuse.
 */
export function renameRetiredRules(
  baseline: Baseline,
  rules: readonly { id: string; aliases?: string[] }[],
  warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
): Baseline {
  const current = new Set(rules.map((r) => r.id));
  const entries = baseline.entries.map((entry): BaselineEntry => {
    if (current.has(entry.rule)) return entry;
    const renamed = rules.find((r) => r.aliases?.includes(entry.rule));
    if (renamed === undefined) return entry;
    warn(`baseline names retired rule id ${entry.rule}; it is now ${renamed.id}`);
    return { ...entry, rule: renamed.id };
  });
  const seen = new Set<string>();
  for (const { rule } of entries) {
    if (seen.has(rule)) throw new BaselineError(`baseline ${baseline.file}: rule ${rule} is listed twice (once under a retired id)`);
    seen.add(rule);
  }
  return { ...baseline, entries };
}

/** Entries naming no rule of the catalogue: a typo would otherwise silently cover nothing. */
export function checkBaselineRules(baseline: Baseline, ruleIds: Iterable<string>): void {
  const known = new Set(ruleIds);
  const unknown = baseline.entries.filter((e) => !known.has(e.rule)).map((e) => e.rule);
  if (unknown.length > 0) {
    throw new BaselineError(`baseline ${baseline.file} names ${unknown.length === 1 ? 'a rule' : 'rules'} not in the catalogue: ${unknown.join(', ')} (see metering-conformance rules)`);
  }
}

function statusOf(verdict: Verdict): BaselineStatus {
  if (verdict === 'fail' || verdict === 'error') return 'known-failure';
  return verdict === 'not-applicable' ? 'not-judged' : 'now-passing';
}

/**
 * The report judged against `baseline` (undefined: against none). Any earlier baseline is
 * replaced, and the summary is computed again.
 */
export function applyBaseline(report: Report, baseline: Baseline | undefined): Report {
  // Stryker disable next-line ArrayDeclaration: a non-entry in the fallback list maps to the key undefined, which no rule id looks up
  const reasons = new Map((baseline?.entries ?? []).map((e) => [e.rule, e.reason]));
  const rules = report.rules.map((rule): RuleResult => {
    const { baseline: _previous, ...rest } = rule;
    const reason = reasons.get(rule.id);
    return reason === undefined ? rest : { ...rest, baseline: { reason, status: statusOf(rule.verdict) } };
  });
  const { baseline: _previousRun, ...run } = report.run;
  const judgedRun = baseline === undefined ? run : { ...run, baseline: { file: baseline.file, entries: baseline.entries } };
  return { ...report, run: judgedRun, rules, summary: summarize(rules, run.level, report.problems ?? []) };
}

/** Baselined rules that failed or errored as expected. */
export function knownFailures(report: Report): RuleResult[] {
  return report.rules.filter((r) => r.baseline?.status === 'known-failure');
}

/** Baselined rules that passed: their entries can be removed. */
export function nowPassing(report: Report): RuleResult[] {
  return report.rules.filter((r) => r.baseline?.status === 'now-passing');
}
