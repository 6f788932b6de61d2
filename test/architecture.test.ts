// The folders' allowed directions (.dependency-cruiser.cjs), checked with dependency-cruiser on
// the source tree; the rules are shown to catch an upward import, a sideways one and a cycle on
// a small tree of their own; and the README's Architecture section names every floor.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import { tempDir } from './support/cli.js';

const CONFIG = join(PACKAGE_ROOT, '.dependency-cruiser.cjs');
const { FLOORS } = createRequire(import.meta.url)(CONFIG) as { FLOORS: string[][] };
const DEPCRUISE = join(PACKAGE_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** The violations dependency-cruiser finds under `cwd` with the project's rules. */
function violations(cwd: string, folders: string[]): Violation[] {
  const run = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...folders], { cwd, encoding: 'utf8', timeout: 60_000 });
  expect(run.error).toBeUndefined();
  const result = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  expect(result.summary.totalCruised).toBeGreaterThan(0);
  return result.summary.violations;
}

describe('architecture', () => {
  test('every source folder stands on a floor, and the tree breaks no rule', () => {
    const folders = readdirSync(PACKAGE_ROOT).filter((name) => statSync(join(PACKAGE_ROOT, name)).isDirectory() && readdirSync(join(PACKAGE_ROOT, name)).some((f) => f.endsWith('.ts')));
    expect(folders.filter((f) => f !== 'test').sort()).toEqual(FLOORS.flat().sort());
    expect(violations(PACKAGE_ROOT, FLOORS.flat()).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 90_000);

  test('the rules catch an upward import, a sideways one, a cycle, and the emulator or suites reaching where they must not', () => {
    const root = tempDir('mc-arch-');
    const files: Record<string, string> = {
      'core/paths.ts': "import '../reports/types.js';\nexport const a = 1;\n",
      'reports/types.ts': 'export const b = 2;\n',
      'target/types.ts': "import '../generators/domain.js';\nexport const c = 3;\n",
      'generators/domain.ts': "import { e } from './cycle.js';\nexport const d = e;\n",
      'generators/cycle.ts': "import { d } from './domain.js';\nexport const e = 1;\nexport const f = () => d;\n",
      'emulator/index.ts': "import '../catalogue/rules.js';\n",
      'catalogue/rules.ts': 'export const g = 1;\n',
      'suites/a.test.ts': "import '../emulator/index.js';\n",
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: false } }),
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const found = violations(root, ['core', 'reports', 'target', 'generators', 'emulator', 'catalogue', 'suites']).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'floor-0-core: core/paths.ts → reports/types.ts',
        'floor-1-target: target/types.ts → generators/domain.ts',
        'floor-1-emulator: emulator/index.ts → catalogue/rules.ts',
        'emulator-stands-on-core-only: emulator/index.ts → catalogue/rules.ts',
        'suites-never-import-the-emulator: suites/a.test.ts → emulator/index.ts',
      ]),
    );
    expect(found.some((v) => v.startsWith('no-cycles: generators/'))).toBe(true);
  }, 90_000);

  test("README's Architecture section names every floor's folders, in order, and no other", () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const section = /## Architecture\n([^]*?)\n## /.exec(readme)?.[1] ?? '';
    const listed = [...section.matchAll(/^\d\. (.+?) — /gm)].map((m) => [...m[1].matchAll(/`([a-z]+)\/`/g)].map((f) => f[1]));
    expect(listed).toEqual(FLOORS);
  });
});
