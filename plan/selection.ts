// Which rules a run judges: the --rules globs, then the --shard slice, and the vitest
// test-name filter that runs exactly the tests of those rules.
import type { Rule } from '../catalogue/rules.js';
import { suitesOf } from '../catalogue/families.js';
import { UsageError } from './usage-error.js';

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** A plain id only a rule's aliases know (a retired id) stands for that rule: its current id, with a warning. */
function currentId(all: Rule[], glob: string, warn: (message: string) => void): string {
  if (glob.includes('*') || all.some((rule) => rule.id === glob)) return glob;
  const renamed = all.find((rule) => rule.aliases?.includes(glob));
  if (renamed === undefined) return glob;
  warn(`--rules names retired rule id ${glob}; it is now ${renamed.id}`);
  return renamed.id;
}

export function selectRules(all: Rule[], globs: string | undefined, warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`)): Rule[] {
  if (!globs) return all;
  const patterns = globs
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
    .map((g) => globToRegExp(currentId(all, g, warn)));
  const selected = all.filter((rule) => patterns.some((p) => p.test(rule.id)));
  if (selected.length === 0) throw new UsageError(`--rules ${globs} matches no rule (see metering-conformance rules)`);
  return selected;
}

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard must be INDEX/COUNT with 1 <= INDEX <= COUNT, e.g. 2/3; got "${value}"`);
  }
  return { index, count };
}

/**
 * The rules of one shard: the rule ids sorted by code unit (no locale, so every machine
 * agrees) and dealt round-robin, which spreads each family over all shards. Kept in
 * catalogue order, as an unsharded run lists them.
 */
export function shardRules(rules: Rule[], shard: Shard): Rule[] {
  const ids = rules.map((r) => r.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mine = new Set(ids.filter((_, position) => position % shard.count === shard.index - 1));
  if (mine.size === 0) {
    throw new UsageError(`--shard ${shard.index}/${shard.count} has no rules: only ${rules.length} rule${rules.length === 1 ? ' is' : 's are'} selected; use at most ${rules.length} shards`);
  }
  return rules.filter((r) => mine.has(r.id));
}

/** vitest test-name filter: a test runs when one of its rule ids is selected. */
export function testNamePattern(selected: Rule[], all: Rule[]): RegExp | undefined {
  if (selected.length === all.length) return undefined;
  const ids = selected.map((r) => r.id.replace(/[.+?^${}()|[\]\\*]/g, '\\$&'));
  return new RegExp(`(^| \\+ )(${ids.join('|')})( \\+ |$)`);
}

/**
 * The suite files that hold the tests of `selected`: a family's files are those
 * catalogue/families.ts lists (test/catalogue-families.test.ts checks the table).
 * Loading only those keeps a run of a few rules from collecting every suite.
 */
export function suiteFiles(selected: Rule[], all: Rule[]): string[] {
  if (selected.length === all.length) return ['suites/*.test.js'];
  const families = [...new Set(selected.map((r) => r.family))].sort();
  return families.flatMap((family) => suitesOf(family).map((file) => `suites/${file.replace(/\.ts$/, '.js')}`));
}
