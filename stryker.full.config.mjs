// The by-hand run (`npm run test:mutation:full`): the CI set of stryker.config.json plus SigV4
// on both sides, constraint checking and the report's verdict logic, with the tests that reach
// them (STRYKER_FULL=1 in vitest.stryker.config.ts). Too slow for CI on two cores (docs/mutation.md).
import { readFileSync } from 'node:fs';

const base = JSON.parse(readFileSync(new URL('./stryker.config.json', import.meta.url), 'utf8'));

export default {
  ...base,
  mutate: [...base.mutate, 'core/sigv4.ts', 'emulator/sigv4.ts', 'emulator/constraints.ts', 'reports/build.ts'],
  thresholds: { high: 98, low: 95, break: 95 },
  htmlReporter: { fileName: 'mutation-report/full/index.html' },
  jsonReporter: { fileName: 'mutation-report/full/mutation.json' },
  tempDirName: '.stryker-tmp-full',
};
