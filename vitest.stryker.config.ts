import { defineConfig } from 'vitest/config';

// The tests StrykerJS runs against each mutant (`npm run test:mutation`, stryker.config.json):
// fast in-process tests of the modules it mutates. Tests that spawn the CLI run dist/, which
// mutants never reach, and tests that start an emulator cost seconds per mutant: both are left
// out. With STRYKER_FULL=1 (stryker.full.config.mjs, the by-hand run) the SigV4, constraint
// and report-building modules are mutated too, and the tests that reach them are added.
// STRYKER_TESTS=a.test.ts,b.test.ts narrows a by-hand run to the tests of one module.
const CI_SET = [
  'test/reports-redact.test.ts',
  'test/target-guard.test.ts',
  'test/target-curl.test.ts',
  'test/cli-main.test.ts',
  'test/reports-transcript.test.ts',
  'test/target-wire.test.ts',
  'test/reports-baseline.test.ts',
  'test/catalogue.test.ts',
  'test/rule-aliases.test.ts',
];
const FULL_SET = [
  'test/target-sigv4.test.ts',
  'test/emulator-sigv4.test.ts',
  'test/emulator-constraints.test.ts',
  'test/reports-build.test.ts',
  'test/reports-summary.test.ts',
];

export default defineConfig({
  test: {
    include: process.env.STRYKER_TESTS?.split(',') ?? (process.env.STRYKER_FULL === '1' ? [...CI_SET, ...FULL_SET] : CI_SET),
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
