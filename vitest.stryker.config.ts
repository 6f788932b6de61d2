import { defineConfig } from 'vitest/config';

// The tests StrykerJS runs against each mutant of the modules stryker.config.json lists
// (`npm run test:mutation`): the in-process tests that reach those modules. Tests that spawn
// the CLI run dist/, which mutants never reach, so they are left out.
export default defineConfig({
  test: {
    include: ['test/reports-redact.test.ts', 'test/target-guard.test.ts', 'test/cli-main.test.ts', 'test/reports-transcript.test.ts', 'test/target-wire.test.ts', 'test/reports-baseline.test.ts', 'test/catalogue.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
