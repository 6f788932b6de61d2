import { defineConfig } from 'vitest/config';

// Two projects: `self` is the project's own tests (test/), `conformance` runs the suites
// against the target described by the METERING_CONFORMANCE_TARGET environment (the CLI
// sets it up; `metering-conformance run` is the usual way in).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'self',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'conformance',
          include: ['suites/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
