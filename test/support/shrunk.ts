// The counterexample fast-check shrinks to, for tests of how an arbitrary shrinks.
import fc from 'fast-check';
import { expect } from 'vitest';

/** The counterexample fast-check shrinks to for a property failing on `fails` (which must fail within 200 runs). */
export function shrunk<T>(arbitrary: fc.Arbitrary<T>, fails: (value: T) => boolean, seed: number): T {
  const result = fc.check(
    fc.property(arbitrary, (v) => !fails(v)),
    { seed, numRuns: 200 },
  );
  expect(result.failed).toBe(true);
  return result.counterexample![0];
}
