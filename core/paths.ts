// Locates files shipped with the package, whether code runs from TypeScript sources
// (vitest in the repository) or compiled JavaScript (dist/ or an installed package).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'metering-conformance') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('metering-conformance: cannot find the package root');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const SPECS_DIR = join(PACKAGE_ROOT, 'specs');
export const LATEST_MODEL_PATH = join(SPECS_DIR, 'meteringmarketplace-2016-01-14.service-2.json');
export const RULES_PATH = join(SPECS_DIR, 'rules.yaml');

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The boto3 driver's Python adapter (target/boto3-driver.ts), shipped as source. */
export const BOTO3_ADAPTER_PATH = join(PACKAGE_ROOT, 'target', 'boto3-adapter.py');
