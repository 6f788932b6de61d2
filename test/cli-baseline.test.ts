// Baselines: known divergences are shown but do not fail the run; new failures still do; a
// baselined rule that passes is reported. Unit checks of reports/baseline.ts, then the
// command against a fault-mode emulator (issue 7, acceptance 3).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Rule } from '../catalogue/rules.js';
import { applyBaseline, checkBaselineRules, knownFailures, nowPassing, parseBaseline } from '../reports/baseline.js';
import { buildReport, type TestOutcome } from '../reports/build.js';
import { gateExplanation } from '../reports/format.js';
import { renderJunit } from '../reports/junit.js';
import { renderConsoleSummary, renderSummaryMarkdown } from '../reports/summary.js';
import { renderHtml } from '../reports/html.js';
import { validateReport } from '../reports/validate.js';
import { makeRule, RUN } from './reports-fixtures.js';
import { readReport, runCli, serveAround, tempDir } from './support/cli.js';

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

// Generous limits: the machine that runs these may be busy; the runs themselves are small.
describe('run --baseline against a fault-mode emulator', { timeout: 600_000 }, () => {
  // new-id-on-retry answers an identical retry with a new record id: meter-usage.identical-retry fails.
  const RULES = 'meter-usage.identical-retry,meter-usage.accepts-valid,meter-usage.dry-run';
  const served = serveAround(['--fault', 'new-id-on-retry']);

  function baselineFile(rule: string): string {
    const file = join(tempDir('mc-baseline-'), 'baseline.yaml');
    writeFileSync(file, `- rule: ${rule}\n  reason: known divergence, tracked elsewhere\n`);
    return file;
  }

  function run(extra: string[]) {
    const out = tempDir();
    return runCli(['run', '--endpoint', served.url, '--out', out, '--seed', '11', '--runs', '10', '--rules', RULES, ...extra], { timeoutMs: 600_000 }).then((result) => ({ ...result, out }));
  }

  test('known failure → exit 0; without the baseline → exit 1; a baseline of another rule → exit 1', async () => {
    const [known, plain, other] = await Promise.all([
      run(['--baseline', baselineFile('meter-usage.identical-retry')]),
      run([]),
      run(['--baseline', baselineFile('meter-usage.accepts-valid')]),
    ]);
    for (const result of [known, plain, other]) expect(result.stderr).not.toMatch(/internal error/);

    expect(plain.code).toBe(1);
    // stderr is not a terminal here and --progress was not given: no progress lines.
    expect(plain.stderr).not.toMatch(/progress:/);
    expect(readReport(plain.out).rules.find((r) => r.id === 'meter-usage.identical-retry')?.verdict).toBe('fail');

    expect(known.code).toBe(0);
    const knownReport = readReport(known.out);
    expect(knownReport.summary.conformant).toBe(true);
    expect(knownReport.rules.find((r) => r.id === 'meter-usage.identical-retry')).toMatchObject({ verdict: 'fail', baseline: { status: 'known-failure' } });
    expect(known.stdout).toMatch(/CONFORMANT .*1 known failure \(baseline\)/);
    expect(known.stdout).toMatch(/Known failures in the baseline \(1, not gating\):\n {2}meter-usage\.identical-retry/);

    expect(other.code).toBe(1);
    const otherReport = readReport(other.out);
    expect(otherReport.rules.find((r) => r.id === 'meter-usage.accepts-valid')?.baseline?.status).toBe('now-passing');
    expect(other.stdout).toMatch(/NOT CONFORMANT: 1 new must rule failed/);
    expect(other.stdout).toMatch(/Fixed, remove from the baseline \(1\):\n {2}meter-usage\.accepts-valid/);
  });

  test('a baseline naming no catalogue rule, or not a list, is a usage error before anything runs', async () => {
    for (const [text, message] of [
      ['- rule: meter-usage.no-such-rule\n  reason: typo\n', /names a rule not in the catalogue: meter-usage.no-such-rule/],
      ['rule: x\n', /expected a list of \{ rule, reason \}/],
    ] as const) {
      const file = join(tempDir('mc-baseline-'), 'baseline.yaml');
      writeFileSync(file, text);
      const result = await runCli(['run', '--baseline', file]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });
});
