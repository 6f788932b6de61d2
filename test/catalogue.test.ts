// The rule catalogue loads, and malformed entries are rejected with the rule and field named.
import { describe, expect, test } from 'vitest';
import { catalogueFor, findRule } from '../catalogue/catalogue.js';
import { loadRules, parseRules } from '../catalogue/rules.js';
import { derivedRules } from '../generators/invalid.js';
import { loadModel } from '../generators/model.js';

describe('rule catalogue', () => {
  test('specs/rules.yaml loads and every rule has a level, family and a source', () => {
    const rules = loadRules();
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.sources.length).toBeGreaterThan(0);
      expect(['must', 'should', 'implementation-defined']).toContain(rule.level);
    }
  });
  const good = { id: 'x.y', statement: 's', level: 'must', family: 'f', operations: ['MeterUsage'], sources: ['https://example.org'] };
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
