// Rule selection of `run`: --rules globs, --shard slices and the vitest test-name filter.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { catalogueFor } from '../catalogue/catalogue.js';
import { loadModel } from '../core/model.js';
import { parseShard, selectRules, shardRules, testNamePattern } from '../plan/selection.js';

const CATALOGUE = catalogueFor(loadModel());

describe('parseShard', () => {
  test.each(['1/3', '3/3', '1/1', '10/12'])('accepts %s', (value) => {
    const [index, count] = value.split('/').map(Number);
    expect(parseShard(value)).toEqual({ index, count });
  });

  test.each(['0/3', '4/3', '1/0', '1', '1/3/5', 'a/b', '-1/3', ' 1/3'])('refuses %j with a usage error', (value) => {
    expect(() => parseShard(value)).toThrow(/--shard must be INDEX\/COUNT/);
  });
});

describe('shardRules', () => {
  test('the shards of any count partition the selection, none empty, each in catalogue order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.subarray(CATALOGUE, { minLength: 12 }), (count, rules) => {
        const shards = Array.from({ length: count }, (_, i) => shardRules(rules, { index: i + 1, count }));
        const ids = shards.flat().map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(new Set(ids)).toEqual(new Set(rules.map((r) => r.id)));
        for (const shard of shards) {
          expect(shard.length).toBeGreaterThan(0);
          expect(shard).toEqual(rules.filter((r) => shard.includes(r)));
        }
        // Round-robin over sorted ids: sizes differ by at most one.
        const sizes = shards.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 40 },
    );
  });

  test('a shard depends on the rule ids only, not on the order they come in', () => {
    const reversed = [...CATALOGUE].reverse();
    for (const index of [1, 2, 3]) {
      const ids = (rules: typeof CATALOGUE) => new Set(shardRules(rules, { index, count: 3 }).map((r) => r.id));
      expect(ids(reversed)).toEqual(ids(CATALOGUE));
    }
  });

  test('more shards than rules is a usage error', () => {
    const two = CATALOGUE.slice(0, 2);
    expect(() => shardRules(two, { index: 3, count: 3 })).toThrow(/--shard 3\/3 has no rules: only 2 rules are selected/);
  });
});

describe('selectRules and testNamePattern', () => {
  test('globs select by id; the pattern matches exactly the tests naming a selected rule', () => {
    const selected = selectRules(CATALOGUE, 'meter-usage.identical-retry, auth.*');
    expect(selected.map((r) => r.id)).toContain('meter-usage.identical-retry');
    expect(selected.every((r) => r.id === 'meter-usage.identical-retry' || r.id.startsWith('auth.'))).toBe(true);
    const pattern = testNamePattern(selected, CATALOGUE)!;
    expect(pattern.test('meter-usage.identical-retry')).toBe(true);
    expect(pattern.test('meter-usage.dry-run + meter-usage.identical-retry')).toBe(true);
    expect(pattern.test('meter-usage.identical-retry-extra')).toBe(false);
    expect(pattern.test('meter-usage.dry-run')).toBe(false);
    expect(testNamePattern(CATALOGUE, CATALOGUE)).toBeUndefined();
  });

  test('a glob that matches nothing is a usage error', () => {
    expect(() => selectRules(CATALOGUE, 'nothing.*')).toThrow(/matches no rule/);
  });
});
