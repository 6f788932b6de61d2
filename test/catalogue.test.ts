// The rule catalogue loads, and malformed entries are rejected with the rule and field named.
import { describe, expect, test } from 'vitest';
import { catalogueFor, findRule } from '../catalogue/catalogue.js';
import { loadRules, parseRules } from '../catalogue/rules.js';
import { derivedRules } from '../catalogue/derived.js';
import { loadModel } from '../core/model.js';

describe('rule catalogue', () => {
  test('specs/rules.yaml loads and every rule has a level, family and a source', () => {
    const rules = loadRules();
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.sources.length).toBeGreaterThan(0);
      expect(['must', 'should', 'implementation-defined']).toContain(rule.level);
    }
  });
  const good = { id: 'x.y', statement: 's', level: 'must', family: 'f', operations: ['MeterUsage'], sources: ['https://example.org'], treatment: 't' };
  const yaml = (entry: object) => JSON.stringify([entry]);
  test.each([
    [{ ...good, level: 'may' }, /level must be one of/],
    [{ ...good, operations: ['Meter'] }, /unknown operation Meter/],
    [{ ...good, sources: ['ftp://x'] }, /neither an https URL/],
    [{ ...good, needs: { capabilities: ['time-travel'] } }, /unknown capability/],
    [{ ...good, id: 'Bad Id' }, /id must be/],
  ])('rejects %j', (entry, message) => {
    expect(() => parseRules(yaml(entry), 'rules.yaml')).toThrow(message);
  });
  test('rejects duplicate ids', () => {
    expect(() => parseRules(JSON.stringify([good, good]), 'rules.yaml')).toThrow(/duplicate id/);
  });
});

describe('what a rule rests on (info, treatment) and its former ids (aliases)', () => {
  const base = { id: 'x.y', statement: 's', level: 'must', family: 'f', operations: ['MeterUsage'], sources: ['https://example.org'] };
  const parse1 = (entry: object) => parseRules(JSON.stringify([entry]), 'rules.yaml')[0]!;
  const quote = (source: string, text: string) => ({ ...base, info: [{ source, quote: text }] });

  test('every hand-written rule quotes its sources or states a treatment, and no rule points to the semantics brief', () => {
    for (const rule of loadRules()) {
      expect((rule.info?.length ?? 0) > 0 || rule.treatment !== undefined, rule.id).toBe(true);
      expect(JSON.stringify(rule), rule.id).not.toMatch(/semantics|§/);
    }
  });
  test('a model quote is found in the documentation at its path, HTML and white space aside', () => {
    const rule = parse1(quote('model:shapes.InvalidUsageDimensionException.documentation', 'does not match one of the UsageDimensions associated'));
    expect(rule.info).toEqual([{ source: 'model:shapes.InvalidUsageDimensionException.documentation', quote: 'does not match one of the UsageDimensions associated' }]);
    // A trait is quoted as the JSON the model gives it.
    expect(parse1(quote('model:shapes.UsageRecordList', '"max": 25')).info).toHaveLength(1);
    expect(parse1({ ...base, treatment: 'the project reads it so' }).treatment).toBe('the project reads it so');
  });
  test.each([
    [base, /info \(at least one quote\) or a treatment is required/],
    [{ ...base, info: [] }, /info \(at least one quote\) or a treatment is required/],
    [{ ...base, treatment: ' ' }, /treatment must be a non-empty string/],
    [{ ...base, info: 'a quote' }, /info must be a list/],
    [quote('model:shapes.NoSuchShape.documentation', 'x'), /model:shapes.NoSuchShape.documentation is no path of the model/],
    [quote('model:shapes.InvalidTokenException.documentation', 'Registration token is expired.'), /the quote is not in model:shapes.InvalidTokenException.documentation/],
    [quote('model:shapes.UsageRecordList', '"max":26'), /the quote is not in/],
    [quote('https://example.org/page', ''), /quote must be a non-empty string/],
    [quote('semantics.md §5', 'x'), /neither an https URL nor a model: path/],
    [{ ...base, info: [{ source: 'https://example.org', quote: 'q', note: 'n' }] }, /unknown field note/],
    [{ ...base, treatment: 't', aliases: 'old.id' }, /aliases must be a list of strings/],
    [{ ...base, treatment: 't', aliases: ['Old Id'] }, /alias Old Id must be a dotted lower-case name/],
  ])('rejects %j', (entry, message) => {
    expect(() => parse1(entry)).toThrow(message);
  });
  test('an alias belongs to one rule and is never the id of a current rule', () => {
    const a = { ...base, treatment: 't', id: 'a.now', aliases: ['a.before'] };
    expect(parse1(a).aliases).toEqual(['a.before']);
    expect(() => parseRules(JSON.stringify([a, { ...a, id: 'b.now' }]), 'rules.yaml')).toThrow(/alias a.before is already an alias of a.now/);
    expect(() => parseRules(JSON.stringify([a, { ...base, treatment: 't', id: 'a.before' }]), 'rules.yaml')).toThrow(/alias a.before is the id of a current rule/);
  });
  test('derived rules quote the constraint trait they derive from', () => {
    const derived = derivedRules(loadModel());
    const info = (id: string) => derived.find((r) => r.id === id)?.info;
    expect(info('model.MeterUsage.UsageQuantity.max')).toEqual([{ source: 'model:shapes.UsageQuantity', quote: '"max":2147483647' }]);
    expect(info('model.MeterUsage.ProductCode.required')).toEqual([{ source: 'model:shapes.MeterUsageRequest', quote: '"required":["ProductCode","Timestamp","UsageDimension"]' }]);
    expect(derived.every((r) => (r.info?.length ?? 0) > 0)).toBe(true);
    // Loading them as catalogue entries checks every quote against the model.
    expect(parseRules(JSON.stringify(derived), 'derived')).toEqual(derived);
  });
});

describe('catalogueFor and findRule', () => {
  const model = loadModel();
  const handWritten = loadRules();
  const derived = derivedRules(model);

  test('the model derives rules, and none of them is hand-written', () => {
    expect(derived.length).toBeGreaterThan(0);
    expect(derived.every((r) => r.id.startsWith('model.'))).toBe(true);
    expect(handWritten.some((r) => r.id.startsWith('model.'))).toBe(false);
  });

  test('the hand-written rules first, as loaded, then every derived rule as a negative rule', () => {
    const rules = catalogueFor(model);
    expect(rules).toHaveLength(handWritten.length + derived.length);
    expect(rules.slice(0, handWritten.length)).toEqual(handWritten);
    expect(rules.slice(handWritten.length)).toEqual(derived.map((rule) => ({ ...rule, role: 'negative' })));
    expect(rules.filter((r) => r.id.startsWith('model.')).map((r) => r.id)).toEqual(derived.map((r) => r.id));
    expect(rules.filter((r) => r.id.startsWith('model.')).every((r) => r.role === 'negative')).toBe(true);
    expect(rules[0]!.id).toBe('meter-usage.accepts-valid');
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });

  test('the catalogue of a model is built once', () => {
    const first = catalogueFor(model);
    expect(catalogueFor(model)).toBe(first);
    // Another model object (even with the same content) gets a catalogue of its own.
    const other = { ...model };
    expect(catalogueFor(other)).not.toBe(first);
    expect(catalogueFor(other)).toEqual(first);
  });

  test('findRule finds hand-written and derived rules by exact id', () => {
    const rules = catalogueFor(model);
    expect(findRule(model, 'meter-usage.accepts-valid')).toBe(rules[0]);
    expect(findRule(model, 'meter-usage.identical-retry')).toBe(rules[1]);
    const lastHandWritten = handWritten[handWritten.length - 1]!;
    expect(findRule(model, lastHandWritten.id)).toBe(rules[handWritten.length - 1]);
    const firstDerived = derived[0]!;
    expect(findRule(model, firstDerived.id)).toBe(rules[handWritten.length]);
    expect(findRule(model, firstDerived.id)).toEqual({ ...firstDerived, role: 'negative' });
    const lastDerived = derived[derived.length - 1]!;
    expect(findRule(model, lastDerived.id)).toBe(rules[rules.length - 1]);
    for (const rule of rules) expect(findRule(model, rule.id)).toBe(rule);
  });

  test('findRule gives undefined for an unknown id, a prefix or a different case', () => {
    expect(findRule(model, 'no.such-rule')).toBeUndefined();
    expect(findRule(model, '')).toBeUndefined();
    expect(findRule(model, 'meter-usage')).toBeUndefined();
    expect(findRule(model, 'METER-USAGE.ACCEPTS-VALID')).toBeUndefined();
    expect(findRule(model, 'model.')).toBeUndefined();
  });
});
