// reports/baseline.ts in-process: parsing a baseline, and what applying one does to a
// report's verdicts, gate and every output. The command itself: cli-baseline.test.ts.
import { describe, expect, test } from 'vitest';
import type { Rule } from '../catalogue/rules.js';
import { applyBaseline, checkBaselineRules, knownFailures, nowPassing, parseBaseline } from '../reports/baseline.js';
import { buildReport, type TestOutcome } from '../reports/build.js';
import { gateExplanation } from '../reports/format.js';
import { renderHtml } from '../reports/html.js';
import { renderJunit } from '../reports/junit.js';
import { renderConsoleSummary, renderSummaryMarkdown } from '../reports/summary.js';
import { validateReport } from '../reports/validate.js';
import { makeRule, RUN } from './reports-fixtures.js';

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

  test('names no rule outside the catalogue', () => {
    const baseline = parseBaseline('- rule: no.such-rule\n  reason: typo\n', 'b.yaml');
    expect(() => checkBaselineRules(baseline, ['a', 'b'])).toThrow(/b.yaml names a rule not in the catalogue: no.such-rule/);
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
