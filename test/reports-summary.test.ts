// The summary side of reports/build.ts: coverage hints and their grouping, the score and the
// gate (outcome at the must and should levels), the controls and the vacuous-pass demotion.
import { describe, expect, it } from 'vitest';
import type { Rule } from '../catalogue/rules.js';
import { coverageHintOfNeed, unmetCapabilityReason, unmetFixtureReason } from '../catalogue/needs.js';
import { controlResults, coverageHint, coverageOf, summarize, withoutVacuousPasses, type Judgement } from '../reports/build.js';
import type { ControlResult, Level, Report, RuleResult, Verdict } from '../reports/types.js';
import { coverageText } from '../reports/format.js';
import { makeRule } from './reports-fixtures.js';

function result(id: string, level: Level, verdict: Verdict, extra: Partial<RuleResult> = {}): RuleResult {
  return { id, statement: `Statement of ${id}.`, level, family: 'f', operations: ['MeterUsage'], sources: [], verdict, durationMs: 1, tests: ['t'], ...extra };
}

const VACUOUS = 'not judged: every request of this rule expects a rejection, and no valid request of its operation was accepted in this run, so a rejection proves nothing';

describe('coverageHint', () => {
  const long = 'x'.repeat(130);
  it.each([
    ['an error, whatever its reason', 'error', 'the target config declares no product', 'errored: no judgeable answer (see the rules)'],
    ['no reason at all', 'not-applicable', undefined, ''],
    ['an unmet fixture need', 'not-applicable', unmetFixtureReason('product'), 'declare an AMI or container product with at least one dimension in target.yaml (fixtures.products (kind ami or container))'],
    ['an unmet capability need', 'not-applicable', unmetCapabilityReason('tokenIssue'), 'declare capabilities.tokenIssue: true in target.yaml (token issue)'],
    ['the old fixture wording', 'not-applicable', 'the target config declares no subscribed customer', 'declare subscribed customer in target.yaml'],
    ['the old fixture wording over two lines', 'not-applicable', 'the target config declares no customer\nor product', 'the target config declares no customer\nor product'],
    ['the old fixture wording, not at the start', 'not-applicable', 'so the target config declares no customer', 'so the target config declares no customer'],
    ['the old capability wording with its key', 'not-applicable', 'the target does not declare clock control (capabilities.clockControl)', 'declare the clock control capability in target.yaml'],
    ['the old capability wording alone', 'not-applicable', 'the target does not declare ledger read', 'declare the ledger read capability in target.yaml'],
    ['a capability in capitals', 'not-applicable', 'the target does not declare Clock control', 'the target does not declare Clock control'],
    ['a capability followed by other words', 'not-applicable', 'the target does not declare reset, sadly', 'the target does not declare reset, sadly'],
    ['the capability wording, not at the start', 'not-applicable', 'as the target does not declare reset', 'as the target does not declare reset'],
    ['an unimplemented operation', 'not-applicable', 'the target does not implement Batch MeterUsage: HTTP 501', 'the target does not implement Batch MeterUsage'],
    ['an unimplemented operation without a colon', 'not-applicable', 'the target does not implement BatchMeterUsage', 'the target does not implement BatchMeterUsage'],
    ['an unimplemented operation with digits', 'not-applicable', 'the target does not implement V2: no', 'the target does not implement V2: no'],
    ['unimplemented, not at the start', 'not-applicable', 'so the target does not implement X: no', 'so the target does not implement X: no'],
    ['a vacuous pass', 'not-applicable', `${VACUOUS} (MeterUsage: no control ran)`, 'no valid request of its operation was accepted (positive control not passed)'],
    [
      'a vacuous pass whose control lacked a declaration',
      'not-applicable',
      `${VACUOUS} (MeterUsage: control meter-usage.accepts-valid not-applicable (${unmetCapabilityReason('cleanLedger')}))`,
      'declare capabilities.callerIsolation: true, or capabilities.reset in target.yaml (a clean ledger for every property run)',
    ],
    ['the vacuous wording, not at the start', 'not-applicable', `so ${VACUOUS.slice(0, 58)}`, 'so not judged: every request of this rule expects a rejection'],
    ['the raw driver', 'not-applicable', 'needs the raw driver (the SDK cannot send it)', 'run with --driver raw'],
    ['the raw driver, not at the start', 'not-applicable', 'it needs the raw driver', 'it needs the raw driver'],
    ['a reason of 120 characters', 'not-applicable', 'y'.repeat(120), 'y'.repeat(120)],
    ['a longer reason, cut', 'not-applicable', long, `${'x'.repeat(119)}…`],
  ] as [string, Verdict, string | undefined, string][])('%s', (_, verdict, reason, hint) => {
    expect(coverageHint({ verdict, ...(reason !== undefined ? { reason } : {}) })).toBe(hint);
  });
});

describe('coverageOf', () => {
  it('counts pass, fail and observed as judged and groups the rest by hint, most common first, then by name', () => {
    const rules = [
      result('a', 'must', 'not-applicable', { reason: 'zeta' }),
      result('b', 'must', 'pass'),
      result('c', 'should', 'not-applicable', { reason: 'beta' }),
      result('d', 'must', 'fail'),
      result('e', 'implementation-defined', 'observed'),
      result('f', 'must', 'error', { reason: 'timeout' }),
      result('g', 'must', 'not-applicable', { reason: 'alpha' }),
      result('h', 'must', 'not-applicable', { reason: 'zeta' }),
    ];
    expect(coverageOf(rules)).toStrictEqual({
      judged: 3,
      notJudged: 5,
      reasons: [
        { reason: 'zeta', rules: 2 },
        { reason: 'alpha', rules: 1 },
        { reason: 'beta', rules: 1 },
        { reason: 'errored: no judgeable answer (see the rules)', rules: 1 },
      ],
    });
  });

  it('puts the larger group first wherever it is met', () => {
    const rules = [result('a', 'must', 'not-applicable', { reason: 'a' }), result('b', 'must', 'not-applicable', { reason: 'b' }), result('c', 'must', 'not-applicable', { reason: 'b' })];
    expect(coverageOf(rules).reasons).toStrictEqual([
      { reason: 'b', rules: 2 },
      { reason: 'a', rules: 1 },
    ]);
    expect(coverageOf([])).toStrictEqual({ judged: 0, notJudged: 0, reasons: [] });
  });
});

describe('summarize', () => {
  it('counts by verdict and by level, and scores passed must+should rules over pass, fail and error', () => {
    const rules = [
      result('m1', 'must', 'pass'),
      result('m2', 'must', 'pass'),
      result('m3', 'must', 'fail'),
      result('m4', 'must', 'error'),
      result('s1', 'should', 'pass'),
      result('s2', 'should', 'not-applicable'),
      result('s3', 'should', 'observed'),
      result('i1', 'implementation-defined', 'pass'),
      result('i2', 'implementation-defined', 'fail'),
      result('i3', 'implementation-defined', 'error'),
    ];
    const summary = summarize(rules, 'should');
    expect(summary).toStrictEqual({
      total: 10,
      counts: { pass: 4, fail: 2, error: 2, 'not-applicable': 1, observed: 1 },
      byLevel: {
        must: { pass: 2, fail: 1, error: 1, 'not-applicable': 0, observed: 0 },
        should: { pass: 1, fail: 0, error: 0, 'not-applicable': 1, observed: 1 },
        'implementation-defined': { pass: 1, fail: 1, error: 1, 'not-applicable': 0, observed: 0 },
      },
      score: 0.6,
      outcome: 'non-conformant',
      conformant: false,
      coverage: { judged: 7, notJudged: 3, reasons: [{ reason: 'errored: no judgeable answer (see the rules)', rules: 2 }, { reason: '', rules: 1 }] },
    });
  });

  it('scores null when no must or should rule was judged', () => {
    expect(summarize([result('s', 'should', 'not-applicable'), result('i', 'implementation-defined', 'pass')], 'should').score).toBeNull();
    expect(summarize([result('s', 'should', 'error')], 'should').score).toBe(0);
  });

  const known = { baseline: { reason: 'accepted for now', status: 'known-failure' as const } };
  const other = { baseline: { reason: 'accepted for now', status: 'not-judged' as const } };
  it.each([
    ['a passing must rule', [result('m', 'must', 'pass')], 'must', [], 'conformant'],
    ['a failing must rule', [result('m', 'must', 'fail')], 'must', [], 'non-conformant'],
    ['an erroring must rule', [result('m', 'must', 'error')], 'must', [], 'non-conformant'],
    ['a passing must rule and a run problem', [result('m', 'must', 'pass')], 'must', ['unhandled error'], 'non-conformant'],
    ['a known failure of the baseline', [result('m', 'must', 'fail', known)], 'must', [], 'conformant'],
    ['a known error of the baseline', [result('m', 'must', 'error', known)], 'must', [], 'inconclusive'],
    ['a known error beside a pass', [result('m', 'must', 'error', known), result('n', 'must', 'pass')], 'should', [], 'conformant'],
    ['a baselined failure that is not a known failure', [result('m', 'must', 'fail', other)], 'must', [], 'non-conformant'],
    ['a not-applicable must rule', [result('m', 'must', 'not-applicable')], 'must', [], 'inconclusive'],
    ['an observed must rule', [result('m', 'must', 'observed')], 'should', [], 'inconclusive'],
    ['a failing should rule at the should gate', [result('m', 'must', 'pass'), result('s', 'should', 'fail')], 'should', [], 'non-conformant'],
    ['a failing should rule at the must gate', [result('m', 'must', 'pass'), result('s', 'should', 'fail')], 'must', [], 'conformant'],
    ['an erroring should rule at the must gate', [result('m', 'must', 'pass'), result('s', 'should', 'error')], 'must', [], 'conformant'],
    ['a passing should rule alone at the should gate', [result('s', 'should', 'pass')], 'should', [], 'conformant'],
    ['a passing should rule alone at the must gate', [result('s', 'should', 'pass')], 'must', [], 'inconclusive'],
    ['a failing should rule alone at the must gate', [result('s', 'should', 'fail')], 'must', [], 'inconclusive'],
    ['a should rule and an observation at the must gate', [result('s', 'should', 'pass'), result('i', 'implementation-defined', 'observed')], 'must', [], 'observed'],
    ['only observations', [result('i', 'implementation-defined', 'observed')], 'should', [], 'observed'],
    ['only observations and a run problem', [result('i', 'implementation-defined', 'observed')], 'should', ['suite failed to load'], 'non-conformant'],
    ['a failing implementation-defined rule alone', [result('i', 'implementation-defined', 'fail')], 'should', [], 'inconclusive'],
    ['no rules at all', [], 'should', [], 'inconclusive'],
  ] as [string, RuleResult[], 'must' | 'should', string[], string][])('%s: %s', (_, rules, gate, problems, outcome) => {
    const summary = summarize(rules, gate, problems);
    expect(summary.outcome).toBe(outcome);
    expect(summary.conformant).toBe(outcome === 'conformant' || outcome === 'observed');
  });

  it('has no problems unless told', () => {
    expect(summarize([result('m', 'must', 'pass')], 'must')).toMatchObject({ outcome: 'conformant', conformant: true });
  });
});

describe('controlResults', () => {
  const judgement = (verdict: Verdict, reason?: string, tests = ['t']): Judgement => ({ verdict, durationMs: 1, tests, ...(reason !== undefined ? { reason } : {}) });
  const control = (id: string, operations: Rule['operations']): Rule => ({ ...makeRule(id, 'must', 'f', operations), role: 'control' });

  it('takes each operation from its control rules that a test checked, a passing one first, sorted by operation', () => {
    const judged = [
      { rule: control('c.resolve', ['ResolveCustomer', 'BatchMeterUsage']), judgement: judgement('error', 'timeout') },
      { rule: control('c.meter-pass', ['MeterUsage']), judgement: judgement('pass') },
      { rule: control('c.meter-fail', ['MeterUsage']), judgement: judgement('fail', 'rejected') },
      { rule: control('c.batch-na', ['BatchMeterUsage']), judgement: judgement('not-applicable') },
      { rule: control('c.register-untested', ['RegisterUsage']), judgement: judgement('error', 'no test checked this rule', []) },
      { rule: { ...makeRule('n.negative', 'must', 'f', ['RegisterUsage']), role: 'negative' as const }, judgement: judgement('pass') },
      { rule: makeRule('p.plain', 'must', 'f', ['RegisterUsage']), judgement: judgement('pass') },
    ];
    expect(controlResults(judged)).toStrictEqual([
      { operation: 'BatchMeterUsage', rule: 'c.batch-na', verdict: 'not-applicable' },
      { operation: 'MeterUsage', rule: 'c.meter-pass', verdict: 'pass' },
      { operation: 'ResolveCustomer', rule: 'c.resolve', verdict: 'error', reason: 'timeout' },
    ]);
  });

  it('keeps a passing control over any control met before it', () => {
    const judged = [
      { rule: control('c.first', ['MeterUsage']), judgement: judgement('fail') },
      { rule: control('c.second', ['MeterUsage']), judgement: judgement('pass') },
      { rule: control('c.third', ['MeterUsage']), judgement: judgement('pass') },
    ];
    expect(controlResults(judged)).toStrictEqual([{ operation: 'MeterUsage', rule: 'c.second', verdict: 'pass' }]);
    expect(controlResults([])).toStrictEqual([]);
  });
});

describe('withoutVacuousPasses', () => {
  const negative = (verdict: Verdict, operations: Rule['operations'] = ['MeterUsage']) => result('n', 'must', verdict, { role: 'negative', operations });
  const ctl = (operation: string, verdict: Verdict, reason?: string): ControlResult => ({ operation, rule: `c.${operation}`, verdict, ...(reason !== undefined ? { reason } : {}) });

  it('keeps a negative pass beside a passed control of one of its operations', () => {
    const rule = negative('pass', ['ResolveCustomer', 'MeterUsage']);
    expect(withoutVacuousPasses([rule], [ctl('ResolveCustomer', 'fail'), ctl('MeterUsage', 'pass')])[0]).toBe(rule);
  });

  it.each([
    ['a negative fail', negative('fail')],
    ['a negative error', negative('error')],
    ['a pass of a rule without a role', result('p', 'must', 'pass')],
    ['a pass of a control', result('c', 'must', 'pass', { role: 'control' })],
  ])('leaves %s alone without any control', (_, rule) => {
    expect(withoutVacuousPasses([rule], [])[0]).toBe(rule);
  });

  it('demotes any other negative pass, naming each operation and what its control did', () => {
    const rule = negative('pass', ['MeterUsage', 'ResolveCustomer', 'BatchMeterUsage']);
    const controls = [ctl('RegisterUsage', 'pass'), ctl('MeterUsage', 'error', 'target timed out'), ctl('BatchMeterUsage', 'not-applicable')];
    expect(withoutVacuousPasses([rule], controls)).toStrictEqual([
      {
        ...rule,
        verdict: 'not-applicable',
        reason: `${VACUOUS} (MeterUsage: control c.MeterUsage error (target timed out); ResolveCustomer: no control ran; BatchMeterUsage: control c.BatchMeterUsage not-applicable)`,
      },
    ]);
  });

  it('cuts a control reason longer than 160 characters', () => {
    const reasonOf = (controlReason: string) => withoutVacuousPasses([negative('pass')], [ctl('MeterUsage', 'fail', controlReason)])[0]!.reason;
    expect(reasonOf('r'.repeat(160))).toBe(`${VACUOUS} (MeterUsage: control c.MeterUsage fail (${'r'.repeat(160)}))`);
    expect(reasonOf('s'.repeat(161))).toBe(`${VACUOUS} (MeterUsage: control c.MeterUsage fail (${'s'.repeat(159)}…))`);
  });

  it('keeps a long control reason whole when it names what the target would have to declare, which the coverage line then shows', () => {
    const unmet = unmetCapabilityReason('cleanLedger');
    expect(unmet.length).toBeGreaterThan(160);
    const demoted = withoutVacuousPasses([negative('pass')], [ctl('MeterUsage', 'not-applicable', unmet)])[0]!;
    expect(demoted.reason).toBe(`${VACUOUS} (MeterUsage: control c.MeterUsage not-applicable (${unmet}))`);
    // Grouped with the rules that lack it themselves.
    expect(coverageHint(demoted)).toBe(coverageHintOfNeed(unmet));
  });
});

describe('coverageText', () => {
  const reportWith = (reasons: number) =>
    ({ summary: { total: 10, coverage: { judged: 10 - reasons, notJudged: reasons, reasons: Array.from({ length: reasons }, (_, i) => ({ reason: `declare k${i} in target.yaml`, rules: 1 })) } } }) as unknown as Report;

  it('names the first three reasons, and counts the rest in the right number', () => {
    expect(coverageText(reportWith(0))).toBe('10 of 10 rules');
    expect(coverageText(reportWith(3))).toBe('7 of 10 rules (3 not judged: declare k0 in target.yaml (1); declare k1 in target.yaml (1); declare k2 in target.yaml (1))');
    expect(coverageText(reportWith(4))).toMatch(/\(1\); 1 more reason in the report\)$/);
    expect(coverageText(reportWith(5))).toMatch(/\(1\); 2 more reasons in the report\)$/);
  });
});
