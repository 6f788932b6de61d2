// buildReport: the verdict of each rule from its tests, and the summary that gates the run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Rule } from '../catalogue/rules.js';
import { buildReport, combineJudgements, judgeTest, NO_TEST_REASON, replayCommand, type Judgement, type TestOutcome } from '../reports/build.js';
import { mergeReports } from '../reports/merge.js';
import { VERDICTS, type FailureDetail, type RuleMeta, type Verdict } from '../reports/types.js';
import { makeRule, RUN } from './reports-fixtures.js';

const MUST = makeRule('mu.must', 'must', 'meter-usage', ['MeterUsage']);
const SHOULD = makeRule('mu.should', 'should', 'meter-usage', ['MeterUsage']);
const IMPL = makeRule('mu.impl', 'implementation-defined', 'meter-usage', ['MeterUsage']);

const DETAIL: FailureDetail = {
  counterexample: { UsageQuantity: -1 },
  expected: 'ValidationException',
  actual: { status: 200 },
  seed: 1,
  path: '3:0',
  replay: 'npx metering-conformance run --seed 1 --rules mu.must --replay 3:0',
};

function test(name: string, state: TestOutcome['state'], meta?: Partial<RuleMeta> & { ruleIds: string[] }, errors: string[] = []): TestOutcome {
  return { name, state, durationMs: 10, errors, ...(meta ? { meta: meta as RuleMeta } : {}) };
}

function build(tests: TestOutcome[], rules: Rule[] = [MUST, SHOULD, IMPL], gateLevel: 'must' | 'should' = 'should') {
  return buildReport({ run: RUN, rules, tests, gateLevel });
}

function only(rule: Rule, ...tests: TestOutcome[]) {
  return build(tests, [rule]).rules[0]!;
}

describe('verdict of one test', () => {
  it('uses meta.verdict with its reason, observation and failure', () => {
    expect(only(MUST, test('t', 'passed', { ruleIds: ['mu.must'], verdict: 'not-applicable', reason: 'no product fixture' }))).toMatchObject({
      verdict: 'not-applicable',
      reason: 'no product fixture',
    });
    expect(only(MUST, test('t', 'failed', { ruleIds: ['mu.must'], verdict: 'fail', failure: DETAIL }))).toMatchObject({ verdict: 'fail', failure: DETAIL });
    expect(only(MUST, test('t', 'failed', { ruleIds: ['mu.must'], verdict: 'error', reason: 'target timed out' }))).toMatchObject({
      verdict: 'error',
      reason: 'target timed out',
    });
  });

  it('fails a failed test, with meta.failure or a detail built from the error', () => {
    expect(only(MUST, test('t', 'failed', { ruleIds: ['mu.must'], failure: DETAIL }, ['boom'])).failure).toEqual(DETAIL);
    const built = only(MUST, test('t', 'failed', { ruleIds: ['mu.must'] }, ['expected 400, got 200']));
    expect(built.verdict).toBe('fail');
    expect(built.failure).toMatchObject({ expected: MUST.statement, actual: 'expected 400, got 200', seed: RUN.seed });
    expect(built.failure?.replay).toContain(`--seed ${RUN.seed}`);
    expect(built.failure?.replay).toContain('--rules mu.must');
  });

  it('makes a skipped test not-applicable, with its reason or "skipped"', () => {
    expect(only(MUST, test('t', 'skipped', { ruleIds: ['mu.must'], reason: 'no clock control' }))).toMatchObject({ verdict: 'not-applicable', reason: 'no clock control' });
    expect(only(MUST, test('t', 'skipped', { ruleIds: ['mu.must'] }))).toMatchObject({ verdict: 'not-applicable', reason: 'skipped' });
  });

  it('passes a passed test, but only observes an implementation-defined rule', () => {
    expect(only(MUST, test('t', 'passed', { ruleIds: ['mu.must'] })).verdict).toBe('pass');
    expect(only(IMPL, test('t', 'passed', { ruleIds: ['mu.impl'], observed: 'accepted 2 h old' }))).toMatchObject({ verdict: 'observed', observed: 'accepted 2 h old' });
    expect(only(IMPL, test('t', 'passed', { ruleIds: ['mu.impl'] }))).toMatchObject({ verdict: 'observed', observed: 'no observation recorded' });
  });

  it('never fails an implementation-defined rule unless the test says so', () => {
    const thrown = only(IMPL, test('t', 'failed', { ruleIds: ['mu.impl'] }, ['TypeError: x is undefined']));
    expect(thrown).toMatchObject({ verdict: 'error', reason: 'TypeError: x is undefined' });
    expect(thrown.failure).toBeUndefined();
    const promised = only(IMPL, test('t', 'failed', { ruleIds: ['mu.impl'], verdict: 'fail', failure: DETAIL }));
    expect(promised).toMatchObject({ verdict: 'fail', failure: DETAIL });
  });

  it('treats a test that recorded a good verdict and then threw as an error', () => {
    expect(only(MUST, test('t', 'failed', { ruleIds: ['mu.must'], verdict: 'pass' }, ['late failure']))).toMatchObject({ verdict: 'error' });
    expect(only(MUST, test('t', 'failed', { ruleIds: ['mu.must'], verdict: 'pass' }, ['late failure'])).reason).toContain('late failure');
  });

  it('errors on a test that did not finish', () => {
    expect(only(MUST, test('t', 'pending', { ruleIds: ['mu.must'] })).verdict).toBe('error');
  });

  it('gives a rule that no test checked an error', () => {
    const report = build([test('t', 'passed', { ruleIds: ['mu.must'] })]);
    expect(report.rules.find((r) => r.id === 'mu.should')).toMatchObject({ verdict: 'error', reason: NO_TEST_REASON, tests: [] });
  });

  it('throws on a test naming a rule outside the catalogue, and ignores catalogue rules outside the selection', () => {
    expect(() => build([test('t', 'passed', { ruleIds: ['mu.typo'] })])).toThrow(/mu\.typo.*not in the rule catalogue/);
    expect(() => build([test('t', 'passed', { ruleIds: [] })])).toThrow(/non-empty list/);
    const selected = buildReport({ run: RUN, rules: [MUST], catalogue: [MUST, SHOULD], tests: [test('t', 'passed', { ruleIds: ['mu.must', 'mu.should'] })], gateLevel: 'should' });
    expect(selected.rules.map((r) => [r.id, r.verdict])).toEqual([['mu.must', 'pass']]);
  });

  it('turns a failing test that names no rule into a run problem', () => {
    const report = build([test('stray', 'failed', undefined, ['oops']), test('fine', 'passed')]);
    expect(report.problems).toEqual(['test "stray" failed but names no rule: oops']);
    expect(report.summary.conformant).toBe(false);
  });
});

describe('several tests of one rule', () => {
  const pass = test('a', 'passed', { ruleIds: ['mu.must'], numRuns: 100 });
  const fail = test('b', 'failed', { ruleIds: ['mu.must'], failure: DETAIL, numRuns: 36 });
  const error = test('c', 'failed', { ruleIds: ['mu.must'], verdict: 'error', reason: 'timeout' });
  const na = test('d', 'skipped', { ruleIds: ['mu.must'], reason: 'no fixture' });
  const na2 = test('e', 'skipped', { ruleIds: ['mu.must'], reason: 'no clock' });
  const observed = test('f', 'passed', { ruleIds: ['mu.must'], verdict: 'observed', observed: 'saw 409' });

  it('combines by precedence: fail, error, observed, all n/a, pass', () => {
    expect(only(MUST, pass, error, fail).verdict).toBe('fail');
    expect(only(MUST, pass, na, error).verdict).toBe('error');
    expect(only(MUST, pass, observed, na).verdict).toBe('observed');
    expect(only(MUST, na, na2)).toMatchObject({ verdict: 'not-applicable', reason: 'no fixture; no clock' });
    expect(only(MUST, na, pass).verdict).toBe('pass');
  });

  it('keeps every test name, sums durations and runs, and keeps the failure', () => {
    const combined = only(MUST, pass, fail);
    expect(combined).toMatchObject({ tests: ['a', 'b'], durationMs: 20, numRuns: 136, failure: DETAIL });
  });

  it('agrees with the precedence for any mix of verdicts (property)', () => {
    const rank: Verdict[] = ['fail', 'error', 'observed'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...VERDICTS), { minLength: 1, maxLength: 8 }), (verdicts) => {
        const judgements: Judgement[] = verdicts.map((verdict, i) => ({ verdict, durationMs: i, tests: [`t${i}`], ...(verdict === 'fail' ? { failure: DETAIL } : {}) }));
        const combined = combineJudgements(judgements);
        const expected = rank.find((v) => verdicts.includes(v)) ?? (verdicts.every((v) => v === 'not-applicable') ? 'not-applicable' : 'pass');
        expect(combined.verdict).toBe(expected);
        expect(combined.tests).toHaveLength(verdicts.length);
      }),
    );
  });
});

describe('summary', () => {
  it('counts by verdict and level and scores must+should rules only', () => {
    const report = build([
      test('a', 'passed', { ruleIds: ['mu.must'] }),
      test('b', 'failed', { ruleIds: ['mu.should'] }, ['x']),
      test('c', 'passed', { ruleIds: ['mu.impl'] }),
    ]);
    expect(report.summary.counts).toEqual({ pass: 1, fail: 1, error: 0, 'not-applicable': 0, observed: 1 });
    expect(report.summary.byLevel.should.fail).toBe(1);
    expect(report.summary.byLevel['implementation-defined'].observed).toBe(1);
    expect(report.summary.score).toBe(0.5);
    expect(report.summary.total).toBe(3);
  });

  it('gates on must rules, and on should rules unless the gate is must', () => {
    const shouldFails = [test('a', 'passed', { ruleIds: ['mu.must'] }), test('b', 'failed', { ruleIds: ['mu.should'] }, ['x']), test('c', 'passed', { ruleIds: ['mu.impl'] })];
    expect(build(shouldFails, undefined, 'should').summary.conformant).toBe(false);
    expect(build(shouldFails, undefined, 'must').summary.conformant).toBe(true);
    const mustErrors = [test('a', 'pending', { ruleIds: ['mu.must'] }), test('b', 'passed', { ruleIds: ['mu.should'] }), test('c', 'passed', { ruleIds: ['mu.impl'] })];
    expect(build(mustErrors, undefined, 'must').summary.conformant).toBe(false);
  });

  it('never lets an implementation-defined rule decide conformance', () => {
    const tests = [
      test('a', 'passed', { ruleIds: ['mu.must'] }),
      test('b', 'passed', { ruleIds: ['mu.should'] }),
      test('c', 'failed', { ruleIds: ['mu.impl'], verdict: 'fail', failure: DETAIL }),
    ];
    const report = build(tests);
    expect(report.rules.find((r) => r.id === 'mu.impl')?.verdict).toBe('fail');
    expect(report.summary).toMatchObject({ conformant: true, score: 1 });
  });

  it('is inconclusive, unscored and not conformant when no gated rule ended pass or fail', () => {
    const report = build([test('a', 'skipped', { ruleIds: ['mu.must'], reason: 'the target config declares no a subscribed customer' }), test('c', 'passed', { ruleIds: ['mu.impl'] })], [MUST, IMPL]);
    expect(report.summary).toMatchObject({ score: null, outcome: 'inconclusive', conformant: false });
    expect(report.summary.coverage).toEqual({ judged: 1, notJudged: 1, reasons: [{ reason: 'declare a subscribed customer in target.yaml', rules: 1 }] });
    // A should rule is not gated at the must level: nothing gated was judged there either.
    expect(build([test('a', 'skipped', { ruleIds: ['mu.must'] }), test('b', 'passed', { ruleIds: ['mu.should'] })], [MUST, SHOULD], 'must').summary.outcome).toBe('inconclusive');
  });

  it('is observed (exit 0) when the selection holds no gated rule, inconclusive when nothing at all was judged', () => {
    expect(build([test('c', 'passed', { ruleIds: ['mu.impl'] })], [IMPL]).summary).toMatchObject({ outcome: 'observed', conformant: true, score: null });
    expect(build([test('c', 'skipped', { ruleIds: ['mu.impl'] })], [IMPL]).summary).toMatchObject({ outcome: 'inconclusive', conformant: false });
    // A passing should rule alone (a replay) is conformant at the should gate.
    expect(build([test('b', 'passed', { ruleIds: ['mu.should'] })], [SHOULD]).summary).toMatchObject({ outcome: 'conformant', conformant: true, score: 1 });
  });

  it('is conformant on the rules it judged and counts the rest as not judged', () => {
    const report = build([test('a', 'passed', { ruleIds: ['mu.must'] }), test('b', 'skipped', { ruleIds: ['mu.should'], reason: 'the target does not declare clock control' })]);
    expect(report.summary).toMatchObject({ outcome: 'conformant', conformant: true, score: 1 });
    expect(report.summary.coverage).toEqual({ judged: 1, notJudged: 2, reasons: [{ reason: 'declare the clock control capability in target.yaml', rules: 1 }, { reason: 'errored: no judgeable answer (see the rules)', rules: 1 }] });
  });

  it('is non-conformant when a gated rule failed, whatever else was judged', () => {
    const report = build([test('a', 'failed', { ruleIds: ['mu.must'], verdict: 'fail', failure: DETAIL })], [MUST, IMPL]);
    expect(report.summary).toMatchObject({ outcome: 'non-conformant', conformant: false, score: 0 });
  });

  it('is non-conformant when the run had problems', () => {
    const report = buildReport({ run: RUN, rules: [MUST], tests: [test('a', 'passed', { ruleIds: ['mu.must'] })], gateLevel: 'should', problems: ['unhandled error: boom'] });
    expect(report.summary.conformant).toBe(false);
    expect(report.problems).toEqual(['unhandled error: boom']);
  });
});

describe('mergeReports', () => {
  // Built inside the tests: a report built while collecting would hide its errors from the mutation run.
  const shardA = () => build([test('a', 'passed', { ruleIds: ['mu.must'] })], [MUST, SHOULD]);
  const shardB = () => build([test('b', 'failed', { ruleIds: ['mu.should'] }, ['x']), test('c', 'passed', { ruleIds: ['mu.must'] })], [MUST, SHOULD]);

  it('takes each rule from the shards that tested it', () => {
    const merged = mergeReports([shardA(), shardB()]);
    expect(merged.rules.map((r) => [r.id, r.verdict, r.tests])).toEqual([
      ['mu.must', 'pass', ['a', 'c']],
      ['mu.should', 'fail', ['b']],
    ]);
    expect(merged.summary).toMatchObject({ total: 2, conformant: false, score: 0.5 });
  });

  it('keeps "no test" when no shard tested a rule', () => {
    const merged = mergeReports([shardA(), shardA()]);
    expect(merged.rules.find((r) => r.id === 'mu.should')).toMatchObject({ verdict: 'error', reason: NO_TEST_REASON });
  });

  it('refuses shards of different runs', () => {
    expect(() => mergeReports([shardA(), { ...shardB(), run: { ...RUN, seed: 99 } }])).toThrow(/different runs: seed/);
  });
});

describe('positive controls', () => {
  const CONTROL = { ...makeRule('mu.accepts-valid', 'must', 'meter-usage', ['MeterUsage']), role: 'control' as const };
  const NEGATIVE = { ...makeRule('mu.rejects-bad', 'must', 'meter-usage', ['MeterUsage']), role: 'negative' as const };
  const AUTH = { ...makeRule('auth.rejects', 'must', 'auth', ['MeterUsage', 'ResolveCustomer']), role: 'negative' as const };
  const RESOLVE = { ...makeRule('rc.valid-token', 'must', 'resolve-customer', ['ResolveCustomer']), role: 'control' as const };
  const catalogue = [CONTROL, NEGATIVE, AUTH, RESOLVE];
  const run = (rules: Rule[], tests: TestOutcome[]) => buildReport({ run: RUN, rules, catalogue, tests, gateLevel: 'should' });

  it('a negative rule passes only beside a passed control of its operation', () => {
    const report = run([CONTROL, NEGATIVE], [test('c', 'passed', { ruleIds: ['mu.accepts-valid'] }), test('n', 'passed', { ruleIds: ['mu.rejects-bad'] })]);
    expect(report.rules.map((r) => r.verdict)).toEqual(['pass', 'pass']);
    expect(report.controls).toEqual([{ operation: 'MeterUsage', rule: 'mu.accepts-valid', verdict: 'pass' }]);
    expect(report.summary.outcome).toBe('conformant');
  });

  it('a rejection proves nothing when no valid request was accepted: not-applicable, saying which control did not pass', () => {
    const report = run([CONTROL, NEGATIVE], [test('c', 'failed', { ruleIds: ['mu.accepts-valid'], verdict: 'fail', failure: DETAIL }), test('n', 'passed', { ruleIds: ['mu.rejects-bad'] })]);
    const negative = report.rules.find((r) => r.id === 'mu.rejects-bad')!;
    expect(negative.verdict).toBe('not-applicable');
    expect(negative.reason).toMatch(/^not judged: every request of this rule expects a rejection, and no valid request of its operation was accepted in this run, so a rejection proves nothing \(MeterUsage: control mu\.accepts-valid fail\)$/);
    expect(report.summary.outcome).toBe('non-conformant');
  });

  it('a target that rejects everything, without fixtures for the controls, is inconclusive', () => {
    const report = run([CONTROL, NEGATIVE], [test('c', 'skipped', { ruleIds: ['mu.accepts-valid'], reason: 'the target config declares no product' }), test('n', 'passed', { ruleIds: ['mu.rejects-bad'] })]);
    expect(report.rules.map((r) => r.verdict)).toEqual(['not-applicable', 'not-applicable']);
    expect(report.summary).toMatchObject({ outcome: 'inconclusive', conformant: false, score: null });
    expect(report.summary.coverage.reasons).toContainEqual({ reason: 'no valid request of its operation was accepted (positive control not passed)', rules: 1 });
  });

  it('a control outside the selection still counts, and shows in controls only', () => {
    const report = run([NEGATIVE], [test('c', 'passed', { ruleIds: ['mu.accepts-valid'] }), test('n', 'passed', { ruleIds: ['mu.rejects-bad'] })]);
    expect(report.rules.map((r) => [r.id, r.verdict])).toEqual([['mu.rejects-bad', 'pass']]);
    expect(report.controls).toEqual([{ operation: 'MeterUsage', rule: 'mu.accepts-valid', verdict: 'pass' }]);
  });

  it('a rule of several operations needs a passed control of one of them; a fail is never demoted', () => {
    const passedResolve = test('r', 'passed', { ruleIds: ['rc.valid-token'] });
    expect(run([AUTH], [passedResolve, test('a', 'passed', { ruleIds: ['auth.rejects'] })]).rules[0]!.verdict).toBe('pass');
    expect(run([AUTH], [test('a', 'passed', { ruleIds: ['auth.rejects'] })]).rules[0]!.reason).toMatch(/MeterUsage: no control ran; ResolveCustomer: no control ran/);
    expect(run([AUTH], [test('a', 'failed', { ruleIds: ['auth.rejects'], verdict: 'fail', failure: DETAIL })]).rules[0]!.verdict).toBe('fail');
  });

  it('merged shards keep a passing control of any shard', () => {
    const first = run([NEGATIVE], [test('c', 'passed', { ruleIds: ['mu.accepts-valid'] }), test('n', 'passed', { ruleIds: ['mu.rejects-bad'] })]);
    const second = run([CONTROL], [test('c', 'passed', { ruleIds: ['mu.accepts-valid'] })]);
    const merged = mergeReports([
      { ...first, run: { ...RUN, shard: { index: 1, count: 2 } } },
      { ...second, run: { ...RUN, shard: { index: 2, count: 2 } } },
    ]);
    expect(merged.controls).toEqual([{ operation: 'MeterUsage', rule: 'mu.accepts-valid', verdict: 'pass' }]);
    expect(merged.summary.outcome).toBe('conformant');
    expect(merged.rules.find((r) => r.id === 'mu.rejects-bad')).toMatchObject({ verdict: 'pass', role: 'negative' });
  });
});

describe('judgeTest, exactly', () => {
  const outcome = (state: TestOutcome['state'], meta?: Partial<RuleMeta>, errors: string[] = []): TestOutcome => ({
    name: 't',
    state,
    durationMs: 7,
    errors,
    ...(meta ? { meta: { ruleIds: ['mu.must'], ...meta } } : {}),
  });
  const base = { durationMs: 7, tests: ['t'] };
  const built = (rule: Rule, actual: string): FailureDetail => ({
    counterexample: null,
    expected: rule.statement,
    actual,
    seed: 5,
    replay: `npx metering-conformance run --seed 5 --rules ${rule.id}`,
  });
  it.each([
    ['a passed test without meta', MUST, outcome('passed'), { verdict: 'pass' }],
    ['a passed test with its runs and retries', MUST, outcome('passed', { numRuns: 3, retries: 2 }), { numRuns: 3, retries: 2, verdict: 'pass' }],
    ['a recorded pass, then a throw', MUST, outcome('failed', { verdict: 'pass' }, ['late', 'later']), { verdict: 'error', reason: 'the test recorded "pass" and then failed: late' }],
    [
      'a recorded observation, then a silent throw',
      IMPL,
      outcome('failed', { verdict: 'observed', observed: 'o' }),
      { verdict: 'error', reason: 'the test recorded "observed" and then failed: the test failed without an error message' },
    ],
    ['a recorded pass with a reason and an observation', MUST, outcome('passed', { verdict: 'pass', reason: 'r', observed: 'o' }), { verdict: 'pass', reason: 'r', observed: 'o' }],
    ['a recorded pass with a failure', MUST, outcome('passed', { verdict: 'pass', failure: DETAIL }), { verdict: 'pass', failure: DETAIL }],
    ['a recorded not-applicable, then a throw', MUST, outcome('failed', { verdict: 'not-applicable', reason: 'no fixture' }, ['x']), { verdict: 'not-applicable', reason: 'no fixture' }],
    ['a recorded not-applicable without a reason', MUST, outcome('skipped', { verdict: 'not-applicable', observed: 'o' }), { verdict: 'not-applicable', observed: 'o', reason: 'the test reported the rule not applicable without a reason' }],
    ['a recorded fail with its failure', MUST, outcome('failed', { verdict: 'fail', failure: DETAIL }, ['x']), { verdict: 'fail', failure: DETAIL }],
    ['a recorded fail with a reason only', MUST, outcome('passed', { verdict: 'fail', reason: 'bad' }), { verdict: 'fail', reason: 'bad', failure: built(MUST, 'bad') }],
    ['a recorded fail with errors', MUST, outcome('failed', { verdict: 'fail', reason: 'bad' }, ['e1', 'e2']), { verdict: 'fail', reason: 'bad', failure: built(MUST, 'e1\ne2') }],
    ['a recorded fail without detail', MUST, outcome('failed', { verdict: 'fail' }), { verdict: 'fail', failure: built(MUST, 'the test recorded a failure without detail') }],
    ['a recorded error with a reason and a failure', MUST, outcome('failed', { verdict: 'error', reason: 'flaky', failure: DETAIL }, ['x']), { verdict: 'error', reason: 'flaky', failure: DETAIL }],
    ['a recorded error without a reason', MUST, outcome('failed', { verdict: 'error' }, ['boom', 'bang']), { verdict: 'error', reason: 'boom' }],
    ['a recorded error without a reason or errors', MUST, outcome('failed', { verdict: 'error' }), { verdict: 'error', reason: 'the test reported an error without a reason' }],
    ['a recorded observation', IMPL, outcome('passed', { verdict: 'observed', observed: 'saw 409' }), { verdict: 'observed', observed: 'saw 409' }],
    ['a recorded observation of nothing', IMPL, outcome('passed', { verdict: 'observed' }), { verdict: 'observed', observed: 'no observation recorded' }],
    ['a thrown implementation-defined test', IMPL, outcome('failed', {}, ['TypeError']), { verdict: 'error', reason: 'TypeError' }],
    ['a silently thrown implementation-defined test', IMPL, outcome('failed'), { verdict: 'error', reason: 'the test failed without an error message' }],
    ['a failed test without meta or errors', MUST, outcome('failed'), { verdict: 'fail', failure: built(MUST, 'the test failed') }],
    ['a failed test with errors', SHOULD, outcome('failed', {}, ['a', 'b']), { verdict: 'fail', failure: built(SHOULD, 'a\nb') }],
    ['a failed test with its failure', MUST, outcome('failed', { failure: DETAIL, retries: 1 }, ['a']), { retries: 1, verdict: 'fail', failure: DETAIL }],
    ['a skipped test without meta', MUST, outcome('skipped'), { verdict: 'not-applicable', reason: 'skipped' }],
    ['a skipped test with a reason', MUST, outcome('skipped', { reason: 'no clock' }), { verdict: 'not-applicable', reason: 'no clock' }],
    ['an unfinished test', MUST, outcome('pending', {}), { verdict: 'error', reason: 'the test did not finish (the run was interrupted or timed out)' }],
    ['a passed implementation-defined test without meta', IMPL, outcome('passed'), { verdict: 'observed', observed: 'no observation recorded' }],
    ['a passed implementation-defined test', IMPL, outcome('passed', { observed: 'kept 2 h' }), { verdict: 'observed', observed: 'kept 2 h' }],
  ] as [string, Rule, TestOutcome, Omit<Judgement, 'durationMs' | 'tests'>][])('%s', (_, rule, tested, expected) => {
    expect(judgeTest(rule, tested, 5)).toStrictEqual({ ...base, ...expected });
  });

  it('writes the replay command, with the counterexample path when there is one', () => {
    expect(replayCommand(7, 'mu.must')).toBe('npx metering-conformance run --seed 7 --rules mu.must');
    expect(replayCommand(7, 'mu.must', '3:0')).toBe('npx metering-conformance run --seed 7 --rules mu.must --replay 3:0');
  });
});

describe('combineJudgements, exactly', () => {
  const FAILURE_2: FailureDetail = { ...DETAIL, path: '9:9' };
  const j = (verdict: Verdict, extra: Partial<Judgement> = {}): Judgement => ({ verdict, durationMs: 2, tests: [verdict], ...extra });

  it.each([
    ['no judgement', [], { verdict: 'error', reason: 'no test checked this rule', durationMs: 0, tests: [] }],
    [
      'passes: no reason, every observation once, runs and retries summed',
      [j('pass', { reason: 'r', observed: 'o1', numRuns: 2, durationMs: 1 }), j('pass', { observed: 'o1', numRuns: 3, retries: 1 }), j('not-applicable', { reason: 'n', observed: '' })],
      { verdict: 'pass', observed: 'o1', numRuns: 5, retries: 1, durationMs: 5, tests: ['pass', 'pass', 'not-applicable'] },
    ],
    [
      'errors: the distinct reasons of the errors only',
      [j('error', { reason: 'x' }), j('not-applicable', { reason: 'n' }), j('error', { reason: '' }), j('error'), j('error', { reason: 'x', retries: 0 }), j('error', { reason: 'y' })],
      { verdict: 'error', reason: 'x; y', retries: 0, durationMs: 12, tests: ['error', 'not-applicable', 'error', 'error', 'error', 'error'] },
    ],
    [
      'a fail: the failure of a fail, observations of every verdict',
      [j('error', { failure: FAILURE_2, reason: 'e', observed: 'q' }), j('fail', { observed: 'r' }), j('fail', { failure: DETAIL }), j('fail', { failure: FAILURE_2 })],
      { verdict: 'fail', observed: 'q; r', failure: DETAIL, durationMs: 8, tests: ['error', 'fail', 'fail', 'fail'] },
    ],
    ['not-applicables without reasons', [j('not-applicable'), j('not-applicable', { reason: '' })], { verdict: 'not-applicable', durationMs: 4, tests: ['not-applicable', 'not-applicable'] }],
    ['not-applicables with reasons', [j('not-applicable', { reason: 'a' }), j('not-applicable', { reason: 'b' })], { verdict: 'not-applicable', reason: 'a; b', durationMs: 4, tests: ['not-applicable', 'not-applicable'] }],
    ['an observation: neither the reason nor the failure of another verdict', [j('pass', { failure: DETAIL }), j('observed', { reason: 'why' })], { verdict: 'observed', durationMs: 4, tests: ['pass', 'observed'] }],
  ] as [string, Judgement[], Judgement][])('%s', (_, judgements, expected) => {
    expect(combineJudgements(judgements)).toStrictEqual(expected);
  });
});

describe('buildReport, exactly', () => {
  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    return 'did not throw';
  };

  it.each([
    ['no rule ids', {}, 'test "t": meta.conformance.ruleIds must be a non-empty list of rule ids'],
    ['rule ids that are not a list', { ruleIds: 'mu.must' }, 'test "t": meta.conformance.ruleIds must be a non-empty list of rule ids'],
    ['an empty list', { ruleIds: [] }, 'test "t": meta.conformance.ruleIds must be a non-empty list of rule ids'],
    ['a rule id that is not a string', { ruleIds: ['mu.must', 3] }, 'test "t": meta.conformance.ruleIds must be a non-empty list of rule ids'],
    ['an unknown rule after a known one', { ruleIds: ['mu.must', 'mu.nope'] }, 'test "t" names rule "mu.nope", which is not in the rule catalogue'],
    ['an unknown verdict', { ruleIds: ['mu.must'], verdict: 'maybe' }, 'test "t": meta.conformance.verdict "maybe" is not one of pass, fail, error, not-applicable, observed'],
  ])('refuses a test with %s', (_, meta, expected) => {
    expect(message(() => build([{ name: 't', state: 'passed', durationMs: 1, errors: [], meta: meta as RuleMeta }]))).toBe(expected);
  });

  it('accepts every known verdict', () => {
    for (const verdict of VERDICTS) expect(message(() => build([test('t', 'passed', { ruleIds: ['mu.must'], verdict })]))).toBe('did not throw');
  });

  it('builds the whole report of a small run', () => {
    const negative = { ...MUST, role: 'negative' as const };
    const treated = { ...SHOULD, info: undefined, treatment: 'Our reading.' };
    const control = { ...makeRule('mu.control', 'must', 'meter-usage', ['MeterUsage']), role: 'control' as const };
    const report = buildReport({
      run: RUN,
      rules: [negative, treated],
      catalogue: [control],
      tests: [test('n', 'passed', { ruleIds: ['mu.must', 'mu.must'], numRuns: 4 }), test('c', 'passed', { ruleIds: ['mu.control'] }), test('s', 'skipped', { ruleIds: ['mu.should'], reason: 'no clock' })],
      gateLevel: 'must',
    });
    expect(report).toStrictEqual({
      schemaVersion: 2,
      run: RUN,
      summary: {
        total: 2,
        counts: { pass: 1, fail: 0, error: 0, 'not-applicable': 1, observed: 0 },
        byLevel: {
          must: { pass: 1, fail: 0, error: 0, 'not-applicable': 0, observed: 0 },
          should: { pass: 0, fail: 0, error: 0, 'not-applicable': 1, observed: 0 },
          'implementation-defined': { pass: 0, fail: 0, error: 0, 'not-applicable': 0, observed: 0 },
        },
        score: 1,
        outcome: 'conformant',
        conformant: true,
        coverage: { judged: 1, notJudged: 1, reasons: [{ reason: 'no clock', rules: 1 }] },
      },
      rules: [
        { id: 'mu.must', statement: MUST.statement, level: 'must', family: 'meter-usage', operations: ['MeterUsage'], sources: MUST.sources, info: MUST.info, role: 'negative', verdict: 'pass', numRuns: 4, durationMs: 10, tests: ['n'] },
        { id: 'mu.should', statement: SHOULD.statement, level: 'should', family: 'meter-usage', operations: ['MeterUsage'], sources: SHOULD.sources, treatment: 'Our reading.', verdict: 'not-applicable', reason: 'no clock', durationMs: 10, tests: ['s'] },
      ],
      controls: [{ operation: 'MeterUsage', rule: 'mu.control', verdict: 'pass' }],
      problems: [],
    });
    expect(report.rules[0]!.operations).not.toBe(negative.operations);
    expect(report.rules[0]!.sources).not.toBe(negative.sources);
    expect(report.rules[0]!.info![0]).not.toBe(negative.info![0]);
  });

  it('has no controls when no control ran, and adds to a copy of the problems it was given', () => {
    const problems = ['worker crashed'];
    const report = buildReport({ run: RUN, rules: [MUST], tests: [test('stray', 'failed'), test('skip', 'skipped'), test('a', 'passed', { ruleIds: ['mu.must'] })], gateLevel: 'must', problems });
    expect(report).not.toHaveProperty('controls');
    expect(report.problems).toStrictEqual(['worker crashed', 'test "stray" failed but names no rule: the test failed without an error message']);
    expect(problems).toStrictEqual(['worker crashed']);
    expect(report.summary.outcome).toBe('non-conformant');
  });
});
