// Renders junit.xml for CI systems: one testsuite per rule family, one testcase per rule.
import { oneLine, prettyValue, shortReason, truncate } from './format.js';
import type { Report, RuleResult } from './types.js';

/** Characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are dropped. */
function xmlText(value: unknown): string {
  return String(value)
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Attribute values also escape quotes and keep line breaks as character references. */
function xmlAttr(value: unknown): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function ruleText(rule: RuleResult): string {
  const lines = [`${rule.level}: ${rule.statement}`];
  if (rule.reason !== undefined) lines.push(`reason: ${rule.reason}`);
  if (rule.observed !== undefined) lines.push(`observed: ${rule.observed}`);
  if (rule.baseline !== undefined) lines.push(`baseline (${rule.baseline.status}): ${rule.baseline.reason}`);
  const f = rule.failure;
  if (f !== undefined) {
    lines.push(
      `counterexample:\n${prettyValue(f.counterexample)}`,
      `expected: ${f.expected}`,
      `actual:\n${prettyValue(f.actual)}`,
      `replay: ${f.replay}`,
    );
    if (f.curl !== undefined) lines.push(`curl: ${f.curl}`);
  }
  lines.push(`sources: ${rule.sources.join(' ')}`);
  return lines.join('\n');
}

function message(rule: RuleResult): string {
  return truncate(shortReason(rule) || rule.verdict, 300);
}

function testcase(rule: RuleResult): string {
  const open = `    <testcase classname="${xmlAttr(rule.family)}" name="${xmlAttr(rule.id)}" time="${seconds(rule.durationMs)}"`;
  // A known failure of the baseline must not fail a CI job that reads junit.xml: it is skipped, with the details kept.
  if (rule.baseline?.status === 'known-failure') {
    return `${open}>\n      <skipped message="${xmlAttr(truncate(`known failure (baseline): ${rule.baseline.reason}`, 300))}"/>\n      <system-out>${xmlText(ruleText(rule))}</system-out>\n    </testcase>`;
  }
  switch (rule.verdict) {
    case 'fail':
      return `${open}>\n      <failure message="${xmlAttr(message(rule))}" type="${xmlAttr(rule.level)}">${xmlText(ruleText(rule))}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error message="${xmlAttr(message(rule))}" type="error">${xmlText(ruleText(rule))}</error>\n    </testcase>`;
    case 'not-applicable':
      return `${open}>\n      <skipped message="${xmlAttr(message(rule))}"/>\n    </testcase>`;
    case 'observed':
      return `${open}>\n      <system-out>${xmlText(ruleText(rule))}</system-out>\n    </testcase>`;
    case 'pass':
      return `${open}/>`;
  }
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  ms: number;
}

function known(rule: RuleResult): boolean {
  return rule.baseline?.status === 'known-failure';
}

function count(rules: RuleResult[]): Counts {
  return {
    tests: rules.length,
    failures: rules.filter((r) => r.verdict === 'fail' && !known(r)).length,
    errors: rules.filter((r) => r.verdict === 'error' && !known(r)).length,
    skipped: rules.filter((r) => r.verdict === 'not-applicable' || known(r)).length,
    ms: rules.reduce((n, r) => n + r.durationMs, 0),
  };
}

function countAttrs(c: Counts): string {
  return `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${seconds(c.ms)}"`;
}

export function renderJunit(report: Report): string {
  const families = new Map<string, RuleResult[]>();
  for (const rule of report.rules) families.set(rule.family, [...(families.get(rule.family) ?? []), rule]);
  const run = report.run;
  const properties = [
    ['target', run.target],
    ['driver', run.driver],
    ['model', run.model],
    ['seed', String(run.seed)],
    ['runs', String(run.runs)],
    ['gate', run.level],
    ['conformant', String(report.summary.conformant)],
    ['outcome', report.summary.outcome],
    ['judged', `${report.summary.coverage.judged} of ${report.summary.total}`],
  ]
    .map(([name, value]) => `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`)
    .join('\n');
  const suites = [...families].map(
    ([family, rules]) =>
      `  <testsuite name="${xmlAttr(family)}" ${countAttrs(count(rules))} timestamp="${xmlAttr(run.startedAt.replace(/Z$/, ''))}">\n    <properties>\n${properties}\n    </properties>\n${rules.map(testcase).join('\n')}\n  </testsuite>`,
  );
  const problems = report.problems ?? [];
  // Run problems have no rule; a synthetic suite keeps them visible in CI test views.
  if (problems.length > 0) {
    const cases = problems.map(
      (p, i) =>
        `    <testcase classname="run" name="problem ${i + 1}" time="0">\n      <error message="${xmlAttr(truncate(oneLine(p), 300))}" type="run-problem">${xmlText(p)}</error>\n    </testcase>`,
    );
    suites.push(`  <testsuite name="run" tests="${problems.length}" failures="0" errors="${problems.length}" skipped="0" time="0">\n${cases.join('\n')}\n  </testsuite>`);
  }
  const all = count(report.rules);
  all.tests += problems.length;
  all.errors += problems.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlAttr(`${run.tool.name} ${run.tool.version}`)}" ${countAttrs({ ...all, ms: run.durationMs })}>\n${suites.join('\n')}\n</testsuites>\n`;
}
