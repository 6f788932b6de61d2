// How a run is scheduled: near targets are CPU-bound (8 rules at once, vitest's workers), far
// ones latency-bound (32 rules at once in 4 workers); the distance is the preflight's quickest warm round trip.
import { describe, expect, test } from 'vitest';
import { REMOTE_ROUND_TRIP_MS, schedulingFor } from '../plan/vitest-options.js';

describe('schedulingFor', () => {
  test('a near target: eight rules at once, vitest chooses the workers', () => {
    expect(schedulingFor(0)).toStrictEqual({ maxConcurrency: 8 });
    expect(schedulingFor(REMOTE_ROUND_TRIP_MS - 0.01)).toStrictEqual({ maxConcurrency: 8 });
  });

  test('a far target: 32 rules at once in each of four workers', () => {
    expect(REMOTE_ROUND_TRIP_MS).toBe(20);
    expect(schedulingFor(REMOTE_ROUND_TRIP_MS)).toStrictEqual({ maxConcurrency: 32, maxWorkers: 4 });
    expect(schedulingFor(100)).toStrictEqual({ maxConcurrency: 32, maxWorkers: 4 });
  });
});
