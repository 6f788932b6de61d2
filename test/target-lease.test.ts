import { describe, expect, test } from 'vitest';
import { TargetLease, type LeaseKind } from '../suites/harness/target-lease.js';

/** Work that records when it starts and ends, and ends when told. */
function work(log: string[], name: string) {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  return {
    end: () => end(),
    body: async () => {
      log.push(`${name}+`);
      await ended;
      log.push(`${name}-`);
      return name;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the target lease', () => {
  test('shared runs overlap; a run that must be alone waits for them, and the runs after it wait for it', async () => {
    const lease = new TargetLease();
    const log: string[] = [];
    const plan: [string, LeaseKind][] = [['a', 'shared'], ['b', 'shared'], ['x', 'exclusive'], ['c', 'shared']];
    const works = new Map(plan.map(([name]) => [name, work(log, name)]));
    const done = plan.map(([name, kind]) => lease.run(kind, works.get(name)!.body));
    await settle();
    expect(log).toEqual(['a+', 'b+']);
    works.get('a')!.end();
    await settle();
    expect(log).toEqual(['a+', 'b+', 'a-']);
    works.get('b')!.end();
    await settle();
    expect(log).toEqual(['a+', 'b+', 'a-', 'b-', 'x+']);
    works.get('x')!.end();
    await settle();
    expect(log.slice(-2)).toEqual(['x-', 'c+']);
    works.get('c')!.end();
    expect(await Promise.all(done)).toEqual(['a', 'b', 'x', 'c']);
  });

  test('two runs that must be alone never overlap, and a failing run gives its turn back', async () => {
    const lease = new TargetLease();
    let inFlight = 0;
    let most = 0;
    const exclusive = (fail: boolean) =>
      lease.run('exclusive', async () => {
        most = Math.max(most, ++inFlight);
        await settle();
        inFlight--;
        if (fail) throw new Error('run failed');
      });
    const results = await Promise.allSettled([exclusive(true), exclusive(false), exclusive(false)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(most).toBe(1);
  });
});
