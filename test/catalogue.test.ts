// The rule catalogue loads, and malformed entries are rejected with the rule and field named.
import { describe, expect, test } from 'vitest';
import { loadRules, parseRules } from '../catalogue/rules.js';

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
