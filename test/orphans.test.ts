// Every rule of the catalogue has a test in suites/, and every test in suites/ names rules
// that exist. Adding one without its partner fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import { loadRules } from '../catalogue/rules.js';

/** Rule ids named by `rule('id', …)` or `rule(['a', 'b'], …)` calls in a suite's source. */
export function ruleIdsInSuite(source: string): string[] {
  const ids: string[] = [];
  for (const call of source.matchAll(/\brule\(\s*(\[[^\]]*\]|'[^']*'|"[^"]*")/g)) {
    for (const id of call[1].matchAll(/['"]([^'"]+)['"]/g)) ids.push(id[1]);
  }
  return ids;
}

const suitesDir = join(PACKAGE_ROOT, 'suites');
const suiteFiles = readdirSync(suitesDir).filter((f) => f.endsWith('.test.ts'));
const tested = new Map<string, string>();
for (const file of suiteFiles) for (const id of ruleIdsInSuite(readFileSync(join(suitesDir, file), 'utf8'))) tested.set(id, file);

describe('rules and tests are paired', () => {
  test('the scanner finds rule calls', () => {
    expect(ruleIdsInSuite(`rule('a.b', async () => {});\nrule(['c.d', "e.f"], fn)`)).toEqual(['a.b', 'c.d', 'e.f']);
  });
  test('every catalogue rule has a test', () => {
    const missing = loadRules()
      .map((r) => r.id)
      .filter((id) => !tested.has(id));
    expect(missing, 'rules without a test').toEqual([]);
  });
  test("every rule is tested in its family's suite file (suites/<family>.test.ts or suites/<family>-*.test.ts)", () => {
    const misplaced = loadRules()
      .filter((r) => tested.has(r.id))
      .filter((r) => {
        const file = tested.get(r.id)!.replace(/\.test\.ts$/, '');
        return file !== r.family && !file.startsWith(`${r.family}-`);
      })
      .map((r) => `${r.id} (family ${r.family}, tested in ${tested.get(r.id)})`);
    expect(misplaced).toEqual([]);
  });
  test('every test names a catalogue rule', () => {
    const known = new Set(loadRules().map((r) => r.id));
    const unknown = [...tested].filter(([id]) => !known.has(id)).map(([id, file]) => `${id} (${file})`);
    expect(unknown, 'tests naming unknown rules').toEqual([]);
  });
});
