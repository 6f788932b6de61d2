// reports/baseline.ts in-process: parsing a baseline, and what applying one does to a
// report's verdicts, gate and every output. The command itself: cli-baseline.test.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Rule } from '../catalogue/rules.js';
import { applyBaseline, BaselineError, checkBaselineRules, knownFailures, loadBaseline, nowPassing, parseBaseline } from '../reports/baseline.js';
import { buildReport, type TestOutcome } from '../reports/build.js';
import { gateExplanation } from '../reports/format.js';
import { renderHtml } from '../reports/html.js';
import { renderJunit } from '../reports/junit.js';
import { renderConsoleSummary, renderSummaryMarkdown } from '../reports/summary.js';
import { validateReport } from '../reports/validate.js';
import type { Report } from '../reports/types.js';
import { makeRule, RUN } from './reports-fixtures.js';
import { tempDir } from './support/cli.js';

const EXAMPLE = 'expected a list of { rule, reason }, e.g. "- rule: meter-usage.identical-retry\\n  reason: tracked in JIRA-123"';

/** The BaselineError `fn` throws (fails the test if it throws nothing or something else). */
function baselineError(fn: () => unknown): BaselineError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BaselineError);
    return error as BaselineError;
  }
  throw new Error('expected a BaselineError');
}

describe('parseBaseline', () => {
  test('YAML and JSON lists of { rule, reason }', () => {
    const entries = [{ rule: 'meter-usage.identical-retry', reason: 'tracked in ISSUE-12' }];
    expect(parseBaseline('- rule: meter-usage.identical-retry\n  reason: tracked in ISSUE-12\n', 'b.yaml').entries).toEqual(entries);
    expect(parseBaseline(JSON.stringify(entries), 'b.json').entries).toEqual(entries);
    expect(parseBaseline('', 'empty.yaml').entries).toEqual([]);
  });

  test.each([
    ['rule: a\nreason: b\n', /expected a list of \{ rule, reason \}/],
    ['- rule: a\n', /entry 1 \(a\): "reason" must say why/],
    ['- reason: why\n', /entry 1: "rule" must be a rule id/],
    ['- rule: a\n  reason: b\n  owner: me\n', /unexpected field "owner"/],
    ['- rule: a\n  reason: b\n- rule: a\n  reason: c\n', /entry 2: rule a is listed twice/],
    ['- rule: [unclosed\n', /not valid YAML or JSON/],
  ])('refuses %j', (text, message) => {
    expect(() => parseBaseline(text, 'b.yaml')).toThrow(message);
  });

  test('an empty document, a comment or null is an empty baseline', () => {
    for (const text of ['', '# nothing yet\n', '~\n', 'null', '[]']) expect(parseBaseline(text, 'b.yaml')).toEqual({ file: 'b.yaml', entries: [] });
  });

  test('rule and reason are trimmed; entries keep their order', () => {
    const text = '- rule: "  b.two  "\n  reason: "  known  "\n- rule: a.one\n  reason: also known\n';
    expect(parseBaseline(text, 'b.yaml')).toEqual({
      file: 'b.yaml',
      entries: [
        { rule: 'b.two', reason: 'known' },
        { rule: 'a.one', reason: 'also known' },
      ],
    });
    // The trimmed id is what counts as a duplicate.
    expect(baselineError(() => parseBaseline('- rule: a\n  reason: x\n- rule: " a "\n  reason: y\n', 'b.yaml')).message).toBe('baseline b.yaml: entry 2: rule a is listed twice');
  });

  test.each([
    ['rule: a\nreason: b\n', `baseline b.yaml: ${EXAMPLE}`],
    ['"just text"', `baseline b.yaml: ${EXAMPLE}`],
    ['- 5\n', `baseline b.yaml: entry 1: ${EXAMPLE}`],
    ['- just a string\n', `baseline b.yaml: entry 1: ${EXAMPLE}`],
    ['- rule: a\n  reason: b\n- null\n', `baseline b.yaml: entry 2: ${EXAMPLE}`],
    ['- ~\n', `baseline b.yaml: entry 1: ${EXAMPLE}`],
    ['- [a, b]\n', `baseline b.yaml: entry 1: ${EXAMPLE}`],
    ['- []\n', `baseline b.yaml: entry 1: ${EXAMPLE}`],
    ['- rule: a\n', 'baseline b.yaml: entry 1 (a): "reason" must say why the divergence is accepted'],
    ['- rule: a\n  reason: 7\n', 'baseline b.yaml: entry 1 (a): "reason" must say why the divergence is accepted'],
    ['- rule: a\n  reason: "   "\n', 'baseline b.yaml: entry 1 (a): "reason" must say why the divergence is accepted'],
    ['- rule: a\n  reason: ""\n', 'baseline b.yaml: entry 1 (a): "reason" must say why the divergence is accepted'],
    ['- reason: why\n', 'baseline b.yaml: entry 1: "rule" must be a rule id'],
    ['- rule: 12\n  reason: why\n', 'baseline b.yaml: entry 1: "rule" must be a rule id'],
    ['- rule: "   "\n  reason: why\n', 'baseline b.yaml: entry 1: "rule" must be a rule id'],
    ['- rule: ""\n  reason: why\n', 'baseline b.yaml: entry 1: "rule" must be a rule id'],
    ['- rule: a\n  reason: b\n  owner: me\n  team: x\n', 'baseline b.yaml: entry 1: unexpected field "owner" (only rule and reason)'],
    ['- rule: a\n  reason: b\n- rule: a\n  reason: c\n', 'baseline b.yaml: entry 2: rule a is listed twice'],
    ['- rule: [unclosed\n', 'baseline b.yaml: not valid YAML or JSON: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:'],
    ['{"a": 1,,}', 'baseline b.yaml: not valid YAML or JSON: Unexpected , in flow map at line 1, column 9:'],
  ])('the exact error for %j', (text, message) => {
    const error = baselineError(() => parseBaseline(text, 'b.yaml'));
    expect(error.message).toBe(message);
    expect(error.name).toBe('BaselineError');
  });

  test('names no rule outside the catalogue', () => {
    const baseline = parseBaseline('- rule: no.such-rule\n  reason: typo\n', 'b.yaml');
    expect(() => checkBaselineRules(baseline, ['a', 'b'])).toThrow(/b.yaml names a rule not in the catalogue: no.such-rule/);
  });
});

describe('checkBaselineRules', () => {
  const baseline = (...rules: string[]) => ({ file: 'b.yaml', entries: rules.map((rule) => ({ rule, reason: 'known' })) });

  test('entries that all name catalogue rules, or none at all, pass', () => {
    expect(checkBaselineRules(baseline('a', 'b'), ['a', 'b', 'c'])).toBeUndefined();
    expect(checkBaselineRules(baseline(), [])).toBeUndefined();
    expect(checkBaselineRules(baseline('b'), new Set(['a', 'b']))).toBeUndefined();
  });

  test('only the unknown entries are named, in order: one rule, or several', () => {
    const one = baselineError(() => checkBaselineRules(baseline('a', 'typo.one', 'b'), ['a', 'b']));
    expect(one.message).toBe('baseline b.yaml names a rule not in the catalogue: typo.one (see metering-conformance rules)');
    const two = baselineError(() => checkBaselineRules(baseline('typo.two', 'a', 'typo.one'), ['a', 'b']));
    expect(two.message).toBe('baseline b.yaml names rules not in the catalogue: typo.two, typo.one (see metering-conformance rules)');
    expect(two.name).toBe('BaselineError');
  });
});

describe('loadBaseline', () => {
  test('reads the file and names it as shown', () => {
    const dir = tempDir();
    const file = join(dir, 'baseline.yaml');
    writeFileSync(file, '- rule: a.b\n  reason: " tracked "\n');
    expect(loadBaseline(file)).toEqual({ file, entries: [{ rule: 'a.b', reason: 'tracked' }] });
    expect(loadBaseline(file, 'ci/baseline.yaml')).toEqual({ file: 'ci/baseline.yaml', entries: [{ rule: 'a.b', reason: 'tracked' }] });
    writeFileSync(file, '- rule: a.b\n');
    expect(baselineError(() => loadBaseline(file, 'ci/baseline.yaml')).message).toBe('baseline ci/baseline.yaml: entry 1 (a.b): "reason" must say why the divergence is accepted');
  });

  test('a file that cannot be read is named with the error code', () => {
    const dir = tempDir();
    const missing = join(dir, 'missing.yaml');
    expect(baselineError(() => loadBaseline(missing)).message).toBe(`cannot read baseline ${missing}: ENOENT`);
    expect(baselineError(() => loadBaseline(missing, 'shown.yaml')).message).toBe('cannot read baseline shown.yaml: ENOENT');
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expect(baselineError(() => loadBaseline(folder, 'folder')).message).toBe('cannot read baseline folder: EISDIR');
  });
});

describe('applyBaseline', () => {
  const rules: Rule[] = [
    makeRule('mu.fails', 'must', 'meter-usage', ['MeterUsage']),
    makeRule('mu.errors', 'should', 'meter-usage', ['MeterUsage']),
    makeRule('mu.passes', 'must', 'meter-usage', ['MeterUsage']),
    makeRule('mu.na', 'must', 'meter-usage', ['MeterUsage']),
  ];
  const tests: TestOutcome[] = [
    { name: 'f', state: 'failed', durationMs: 1, errors: ['wrong answer'], meta: { ruleIds: ['mu.fails'] } },
    { name: 'e', state: 'pending', durationMs: 1, errors: [], meta: { ruleIds: ['mu.errors'] } },
    { name: 'p', state: 'passed', durationMs: 1, errors: [], meta: { ruleIds: ['mu.passes'] } },
    { name: 'n', state: 'skipped', durationMs: 1, errors: [], meta: { ruleIds: ['mu.na'], reason: 'no fixture' } },
  ];
  const report = buildReport({ run: RUN, rules, tests, gateLevel: 'should' });
  const entry = (rule: string) => ({ rule, reason: `${rule} is known` });

  test('without a baseline the failures gate the run', () => {
    expect(report.summary.conformant).toBe(false);
  });

  test('known failures do not gate; counts and score stay as they are', () => {
    const judged = applyBaseline(report, { file: 'b.yaml', entries: [entry('mu.fails'), entry('mu.errors')] });
    expect(judged.summary.conformant).toBe(true);
    expect(judged.summary.counts).toEqual(report.summary.counts);
    expect(judged.summary.score).toBe(report.summary.score);
    expect(knownFailures(judged).map((r) => r.id)).toEqual(['mu.fails', 'mu.errors']);
    expect(judged.rules[0]!.baseline).toEqual({ reason: 'mu.fails is known', status: 'known-failure' });
    expect(gateExplanation(judged)).toBe('no new must or should rule failed; 2 known failures (baseline)');
    expect(validateReport(judged)).toEqual([]);
  });

  test('a failure the baseline does not list still gates; passing and n/a entries are marked', () => {
    const judged = applyBaseline(report, { file: 'b.yaml', entries: [entry('mu.errors'), entry('mu.passes'), entry('mu.na')] });
    expect(judged.summary.conformant).toBe(false);
    expect(gateExplanation(judged)).toMatch(/^1 new must rule failed, 1 known failure \(baseline\), 1 baseline entry now passes$/);
    expect(nowPassing(judged).map((r) => r.id)).toEqual(['mu.passes']);
    expect(judged.rules.find((r) => r.id === 'mu.na')?.baseline?.status).toBe('not-judged');
    expect(validateReport(judged)).toEqual([]);
  });

  test('a later baseline replaces an earlier one; none removes it', () => {
    const first = applyBaseline(report, { file: 'one.yaml', entries: [entry('mu.fails'), entry('mu.errors')] });
    const second = applyBaseline(first, { file: 'two.yaml', entries: [entry('mu.passes')] });
    expect(second.run.baseline?.file).toBe('two.yaml');
    expect(second.rules.filter((r) => r.baseline).map((r) => r.id)).toEqual(['mu.passes']);
    expect(second.summary.conformant).toBe(false);
    const none = applyBaseline(first, undefined);
    expect(none.run.baseline).toBeUndefined();
    expect(none.rules.some((r) => r.baseline)).toBe(false);
  });

  test('applying a baseline changes only the baselined rules and the gate', () => {
    const judged = applyBaseline(report, { file: 'b.yaml', entries: [entry('mu.fails'), entry('mu.errors'), entry('mu.passes'), entry('mu.na')] });
    expect(judged.rules.map((r) => [r.id, r.verdict, r.baseline])).toEqual([
      ['mu.fails', 'fail', { reason: 'mu.fails is known', status: 'known-failure' }],
      ['mu.errors', 'error', { reason: 'mu.errors is known', status: 'known-failure' }],
      ['mu.passes', 'pass', { reason: 'mu.passes is known', status: 'now-passing' }],
      ['mu.na', 'not-applicable', { reason: 'mu.na is known', status: 'not-judged' }],
    ]);
    expect(judged.rules.map(({ baseline: _b, ...rest }) => rest)).toEqual(report.rules);
    expect(judged.run).toEqual({ ...report.run, baseline: { file: 'b.yaml', entries: [entry('mu.fails'), entry('mu.errors'), entry('mu.passes'), entry('mu.na')] } });
    expect(judged.summary).toEqual({ ...report.summary, outcome: 'conformant', conformant: true });
    expect(judged.problems).toEqual(report.problems);
    expect(knownFailures(judged).map((r) => r.id)).toEqual(['mu.fails', 'mu.errors']);
    expect(nowPassing(judged).map((r) => r.id)).toEqual(['mu.passes']);
    // The input report is left as it was.
    expect(report.summary.outcome).toBe('non-conformant');
    expect(report.rules.some((r) => 'baseline' in r)).toBe(false);
    expect('baseline' in report.run).toBe(false);
  });

  test('rules the baseline does not list carry no baseline field; an empty baseline still records the file', () => {
    const judged = applyBaseline(report, { file: 'b.yaml', entries: [entry('mu.passes')] });
    expect(judged.rules.filter((r) => 'baseline' in r).map((r) => r.id)).toEqual(['mu.passes']);
    const empty = applyBaseline(report, { file: 'empty.yaml', entries: [] });
    expect(empty.run.baseline).toEqual({ file: 'empty.yaml', entries: [] });
    expect(empty.rules).toEqual(report.rules);
    expect(empty.summary).toEqual(report.summary);
    expect(knownFailures(empty)).toEqual([]);
    expect(nowPassing(empty)).toEqual([]);
  });

  test('without a baseline nothing but the summary is computed again', () => {
    const none = applyBaseline(report, undefined);
    expect(none).toEqual(report);
    expect('baseline' in none.run).toBe(false);
  });

  test('run problems still gate a fully baselined run; a report without problems is judged by its rules', () => {
    const withProblems = buildReport({ run: RUN, rules, tests, gateLevel: 'should', problems: ['suite x.test.ts failed to load'] });
    const judged = applyBaseline(withProblems, { file: 'b.yaml', entries: [entry('mu.fails'), entry('mu.errors')] });
    expect(judged.summary.outcome).toBe('non-conformant');
    expect(judged.summary.conformant).toBe(false);
    expect(judged.problems).toEqual(['suite x.test.ts failed to load']);

    const { problems: _problems, ...rest } = report;
    const noProblems: Report = rest;
    const judgedWithout = applyBaseline(noProblems, { file: 'b.yaml', entries: [entry('mu.fails'), entry('mu.errors')] });
    expect(judgedWithout.summary.outcome).toBe('conformant');
    expect(judgedWithout.summary.conformant).toBe(true);
    expect(applyBaseline(noProblems, undefined).summary.outcome).toBe('non-conformant');
  });

  test('the gate level of the run decides which known failures matter', () => {
    const mustOnly = buildReport({ run: { ...RUN, level: 'must' }, rules, tests, gateLevel: 'must' });
    expect(mustOnly.summary.outcome).toBe('non-conformant');
    const judged = applyBaseline(mustOnly, { file: 'b.yaml', entries: [entry('mu.fails')] });
    expect(judged.summary.outcome).toBe('conformant');
  });

  test('every output separates known failures from new ones', () => {
    const judged = applyBaseline(report, { file: 'b.yaml', entries: [entry('mu.fails'), entry('mu.passes')] });
    const junit = renderJunit(judged);
    expect(junit).toMatch(/<testcase classname="meter-usage" name="mu.fails"[^>]*>\s*<skipped message="known failure \(baseline\): mu.fails is known"/);
    expect(junit).toMatch(/<testcase [^>]*name="mu.errors"[^>]*>\s*<error /);
    const markdown = renderSummaryMarkdown(judged);
    expect(markdown).toMatch(/### New failed and errored rules \(not in the baseline\) \(1\)[\s\S]*mu\.errors/);
    expect(markdown).toMatch(/### Known failures, in the baseline \(1\)[\s\S]*mu\.fails/);
    expect(markdown).toMatch(/### Fixed: remove from the baseline \(1\)[\s\S]*mu\.passes/);
    const console = renderConsoleSummary(judged, { color: false });
    expect(console).toMatch(/Known failures in the baseline \(1, not gating\):\n {2}mu\.fails/);
    expect(console).toMatch(/Fixed, remove from the baseline \(1\):\n {2}mu\.passes/);
    const html = renderHtml(judged);
    expect(html).toContain('Known failures, in the baseline');
    expect(html).toContain('Fixed: remove from the baseline');
    expect(html).toContain('New failures, not in the baseline');
  });
});
