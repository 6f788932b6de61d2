// A rule's family names its suite file, checked both ways: catalogue/families.ts maps every
// family of the catalogue to suite files that exist, every suite file to one family, and each
// rule id a suite file names in rule('…') / rule(['…']) belongs to that file's family.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { catalogueFor } from '../catalogue/catalogue.js';
import { FAMILY_SUITES, familyOfSuite, suitesOf } from '../catalogue/families.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { loadModel } from '../core/model.js';
import { suiteFiles } from '../plan/selection.js';

const suitesDir = join(PACKAGE_ROOT, 'suites');
/** Suite files; harness helpers (suites/harness/, suites/stateful/) are not *.test.ts files here. */
const files = readdirSync(suitesDir).filter((f) => f.endsWith('.test.ts')).sort();
const catalogue = catalogueFor(loadModel());
const familyOf = new Map(catalogue.map((r) => [r.id, r.family]));

/** Rule ids a suite's source names literally in rule('id', …) or rule(['a', 'b'], …). */
function namedRuleIds(source: string): string[] {
  const ids: string[] = [];
  for (const call of source.matchAll(/\brule\(\s*(\[[^\]]*\]|'[^']*'|"[^"]*")/g)) {
    for (const id of call[1]!.matchAll(/['"]([^'"]+)['"]/g)) ids.push(id[1]!);
  }
  return ids;
}

describe('rule families and suite files', () => {
  test('the scanner reads both call forms', () => {
    expect(namedRuleIds(`rule('a.b', async () => {});\nrule([\n  'c.d',\n  "e.f",\n], fn);\nrule(fault.ruleId, fn)`)).toEqual(['a.b', 'c.d', 'e.f']);
  });

  test('every family of the catalogue maps to suite files that exist', () => {
    const families = [...new Set(catalogue.map((r) => r.family))].sort();
    const unmapped = families.filter((f) => suitesOf(f).length === 0);
    expect(unmapped, 'families missing from catalogue/families.ts').toEqual([]);
    const missing = families.flatMap((f) => suitesOf(f).filter((file) => !existsSync(join(suitesDir, file))).map((file) => `${f} → ${file}`));
    expect(missing, 'suite files that do not exist').toEqual([]);
  });

  test('every family in the table has rules, and by default a family is named after its first file', () => {
    const families = new Set(catalogue.map((r) => r.family));
    expect(Object.keys(FAMILY_SUITES).filter((f) => !families.has(f)), 'families without rules').toEqual([]);
    for (const [family, suites] of Object.entries(FAMILY_SUITES)) expect(suites[0], family).toBe(`${family}.test.ts`);
  });

  test("every positive control is tested in its family's first file (the run orders those files first)", () => {
    const controls = catalogue.filter((r) => r.role === 'control');
    expect(controls.length).toBeGreaterThan(1);
    const misplaced = controls.filter((r) => !namedRuleIds(readFileSync(join(suitesDir, suitesOf(r.family)[0]!), 'utf8')).includes(r.id)).map((r) => r.id);
    expect(misplaced).toEqual([]);
  });

  test('every suite file belongs to exactly one family', () => {
    expect(files.filter((file) => familyOfSuite(file) === undefined), 'suite files of no family').toEqual([]);
    const listed = Object.values(FAMILY_SUITES).flat();
    expect(listed.filter((file, i) => listed.indexOf(file) !== i), 'files in two families').toEqual([]);
  });

  test("every rule id a suite file names is a catalogue rule of that file's family", () => {
    const wrong: string[] = [];
    for (const file of files) {
      const family = familyOfSuite(file);
      for (const id of namedRuleIds(readFileSync(join(suitesDir, file), 'utf8'))) {
        const actual = familyOf.get(id);
        if (actual !== family) wrong.push(`${file} names ${id} (${actual === undefined ? 'no such rule' : `family ${actual}`}, file family ${family})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('a run of some rules loads exactly the suite files of their families', () => {
    const pick = (id: string) => catalogue.find((r) => r.id === id)!;
    expect(suiteFiles([pick('meter-usage.stale-timestamp'), pick('auth.wrong-secret')], catalogue)).toEqual([
      'suites/auth.test.js',
      'suites/meter-usage.test.js',
      'suites/meter-usage-window.test.js',
    ]);
    expect(suiteFiles(catalogue, catalogue)).toEqual(['suites/*.test.js']);
  });
});
