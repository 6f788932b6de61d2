// Rule ids are a public interface: a baseline or --rules naming a retired id (an alias in
// specs/rules.yaml) means the rule that carries it now, with a warning; an id that is neither
// current nor an alias is refused as before.
import { describe, expect, test, vi } from 'vitest';
import { catalogueFor } from '../catalogue/catalogue.js';
import { loadModel } from '../core/model.js';
import { selectRules } from '../plan/selection.js';
import { UsageError } from '../plan/usage-error.js';
import { BaselineError, checkBaselineRules, parseBaseline, renameRetiredRules } from '../reports/baseline.js';

// No rule has been renamed yet: give one an alias, as specs/rules.yaml would after a rename.
const catalogue = catalogueFor(loadModel()).map((rule) => (rule.id === 'meter-usage.identical-retry' ? { ...rule, aliases: ['meter-usage.retry-identical'] } : rule));
const ids = catalogue.map((r) => r.id);

describe('a baseline naming a retired rule id', () => {
  const baseline = parseBaseline('- rule: meter-usage.retry-identical\n  reason: JIRA-1\n- rule: auth.wrong-secret\n  reason: JIRA-2\n', 'baseline.yaml');

  test('is mapped to the current id with a warning, and then passes the catalogue check', () => {
    const warnings: string[] = [];
    const current = renameRetiredRules(baseline, catalogue, (m) => warnings.push(m));
    expect(current.entries).toEqual([
      { rule: 'meter-usage.identical-retry', reason: 'JIRA-1' },
      { rule: 'auth.wrong-secret', reason: 'JIRA-2' },
    ]);
    expect(warnings).toEqual(['baseline names retired rule id meter-usage.retry-identical; it is now meter-usage.identical-retry']);
    expect(() => checkBaselineRules(current, ids)).not.toThrow();
  });

  test('warns on stderr by default', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      renameRetiredRules(baseline, catalogue);
      expect(write).toHaveBeenCalledWith('baseline names retired rule id meter-usage.retry-identical; it is now meter-usage.identical-retry\n');
    } finally {
      write.mockRestore();
    }
  });

  test('an id that is neither current nor an alias is still refused', () => {
    const unknown = parseBaseline('- rule: meter-usage.no-such-rule\n  reason: JIRA-3\n', 'baseline.yaml');
    const warnings: string[] = [];
    const same = renameRetiredRules(unknown, catalogue, (m) => warnings.push(m));
    expect(same.entries).toEqual(unknown.entries);
    expect(warnings).toEqual([]);
    expect(() => checkBaselineRules(same, ids)).toThrow(BaselineError);
    expect(() => checkBaselineRules(same, ids)).toThrow(/names a rule not in the catalogue: meter-usage.no-such-rule/);
  });

  test('a current id is never renamed, even where another rule lists it as an alias', () => {
    const rules = [{ id: 'a.one' }, { id: 'a.two', aliases: ['a.one', 'a.old'] }];
    const listed = parseBaseline('- rule: a.one\n  reason: kept\n- rule: a.old\n  reason: moved\n', 'baseline.yaml');
    const warnings: string[] = [];
    expect(renameRetiredRules(listed, rules, (m) => warnings.push(m)).entries).toEqual([
      { rule: 'a.one', reason: 'kept' },
      { rule: 'a.two', reason: 'moved' },
    ]);
    expect(warnings).toEqual(['baseline names retired rule id a.old; it is now a.two']);
  });

  test('the old and the new id of one rule in one baseline is a duplicate', () => {
    const both = parseBaseline('- rule: meter-usage.retry-identical\n  reason: a\n- rule: meter-usage.identical-retry\n  reason: b\n', 'baseline.yaml');
    expect(() => renameRetiredRules(both, catalogue, () => {})).toThrow(/rule meter-usage.identical-retry is listed twice/);
  });
});

describe('--rules naming a retired rule id', () => {
  test('selects the rule under its current id, with a warning', () => {
    const warnings: string[] = [];
    const selected = selectRules(catalogue, 'meter-usage.retry-identical, auth.wrong-secret', (m) => warnings.push(m));
    expect(selected.map((r) => r.id)).toEqual(['meter-usage.identical-retry', 'auth.wrong-secret']);
    expect(warnings).toEqual(['--rules names retired rule id meter-usage.retry-identical; it is now meter-usage.identical-retry']);
  });

  test('current ids and globs select as before, without warnings', () => {
    const warnings: string[] = [];
    expect(selectRules(catalogue, 'meter-usage.identical-retry', (m) => warnings.push(m)).map((r) => r.id)).toEqual(['meter-usage.identical-retry']);
    expect(selectRules(catalogue, 'meter-usage.identical-*', (m) => warnings.push(m)).map((r) => r.id)).toEqual(['meter-usage.identical-retry']);
    // Globs match current ids only: a pattern is no id, so it is never taken for a retired one.
    expect(() => selectRules(catalogue, 'meter-usage.retry-*', (m) => warnings.push(m))).toThrow(UsageError);
    expect(warnings).toEqual([]);
  });

  test('an id that is neither current nor an alias is still a usage error', () => {
    expect(() => selectRules(catalogue, 'meter-usage.no-such-rule', () => {})).toThrow(UsageError);
  });
});
