// Lanes of a property (PropertyOptions.lanes): the runs shared out between independent
// fast-check checks, each with its own seed; the failing lane is named in the replay path,
// and replaying that path runs that lane's counterexample again.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TEST_CREDENTIALS, type TargetDescription } from '../core/description.js';
import type { RuleMeta } from '../reports/types.js';
import { fail } from '../suites/harness/expect.js';
import { parseReplayPath, ruleSeed, runProperty } from '../suites/harness/property.js';
import { PropertyRun, type RuleContext } from '../suites/harness/rule.js';
import type { Outcome, Target } from '../target/types.js';

const RULE = 'stateful.meter-usage-sequences';
const URL_ = 'http://127.0.0.1:5055/';
const values = fc.integer({ min: 0, max: 2 ** 30 });

describe('parseReplayPath', () => {
  test.each([
    ['37:1:0', { lane: 0, fastCheckPath: '37:1:0' }],
    ['2/37:1:0', { lane: 2, fastCheckPath: '37:1:0' }],
    ['3/4:0~AAB:x', { lane: 3, fastCheckPath: '4:0', state: 'AAB:x' }],
    ['12~/x', { lane: 0, fastCheckPath: '12', state: '/x' }],
  ])('%s', (path, parsed) => {
    expect(parseReplayPath(path)).toStrictEqual(parsed);
  });
});

/** A host whose target answers every call, and the values its runs sent, lane by lane of callers. */
function host(options: { isolation: boolean; replay?: string }): { ctx: RuleContext; meta: RuleMeta; sent: number[] } {
  const sent: number[] = [];
  const target: Target = {
    driver: 'raw',
    call: async (_op, input): Promise<Outcome> => {
      sent.push(input.n as number);
      return { kind: 'success', status: 200, headers: {}, retries: 0, output: {}, exchange: { request: { method: 'POST', url: URL_, headers: {}, body: JSON.stringify(input) }, response: { status: 200, headers: {}, body: '{}' } } };
    },
    close: async () => {},
  };
  const meta: RuleMeta = { ruleIds: [RULE] };
  const description = { endpoint: URL_, region: 'us-east-1', label: 't', credentials: TEST_CREDENTIALS, capabilities: { callerIsolation: options.isolation } } as TargetDescription;
  let callers = 0;
  const ctx = {
    rules: [{ id: RULE }],
    context: { seed: 42, runs: 20, replayArgs: [], ...(options.replay !== undefined ? { replay: { ruleId: RULE, path: options.replay } } : {}) },
    meta,
    description,
    newRun: () => new PropertyRun(target, { accessKeyId: `MCCALLER${++callers}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey }),
    onCleanLedger: <T>(_run: PropertyRun, body: () => Promise<T>) => body(),
    rerunnable: true,
  } as unknown as RuleContext;
  return { ctx, meta, sent };
}

/** The first `count` values a lane draws. */
const laneValues = (lane: number, count: number) => fc.sample(values, { seed: ruleSeed(42, RULE, lane), numRuns: count });

const send = async (n: number, run: PropertyRun) => {
  await run.call('MeterUsage', { n });
};

describe('lanes', () => {
  test('the runs are shared out between the lanes, each drawing from its own seed', async () => {
    const { ctx, meta, sent } = host({ isolation: true });
    await runProperty(ctx, values, send, { lanes: 4 });
    expect(meta.numRuns).toBe(20);
    expect(sent).toHaveLength(20);
    expect(new Set(sent)).toStrictEqual(new Set([0, 1, 2, 3].flatMap((lane) => laneValues(lane, 5))));
  });

  test('without caller isolation the runs stay in one lane: the rule seed alone, one after the other', async () => {
    const { ctx, meta, sent } = host({ isolation: false });
    await runProperty(ctx, values, send, { lanes: 4 });
    expect(meta.numRuns).toBe(20);
    expect(sent).toStrictEqual(laneValues(0, 20));
  });

  test('an arbitrary given as a function is made once per lane (fc.commands keeps state between draws)', async () => {
    const { ctx, meta } = host({ isolation: true });
    let made = 0;
    await runProperty(ctx, () => (made++, values), send, { lanes: 4 });
    expect(made).toBe(4);
    expect(meta.numRuns).toBe(20);
  });

  test('never more lanes than runs', async () => {
    const { ctx, meta, sent } = host({ isolation: true });
    await runProperty(ctx, values, send, { lanes: 4, numRuns: 2 });
    expect(meta.numRuns).toBe(2);
    expect(new Set(sent)).toStrictEqual(new Set([laneValues(0, 1)[0], laneValues(1, 1)[0]]));
  });

  test('a failure in lane 2 is replayed by its path, which names the lane', async () => {
    const bad = laneValues(2, 3)[2]!;
    const failing = async (n: number, run: PropertyRun) => {
      await send(n, run);
      if (n === bad) fail('not the bad value', { n });
    };
    const first = host({ isolation: true });
    await expect(runProperty(first.ctx, values, failing, { lanes: 4 })).rejects.toThrow(/expected not the bad value/);
    expect(first.meta.verdict).toBe('fail');
    const failure = first.meta.failure!;
    expect(failure.counterexample).toBe(bad);
    expect(failure.path).toMatch(/^2\/2(:|$)/);
    expect(failure.replay).toBe(`npx metering-conformance run --rules ${RULE} --seed 42 --replay ${failure.path}`);

    const replay = host({ isolation: true, replay: failure.path! });
    await expect(runProperty(replay.ctx, values, failing, { lanes: 4 })).rejects.toThrow(/expected not the bad value/);
    expect(replay.meta.failure!.counterexample).toBe(bad);
    expect(replay.meta.failure!.path).toBe(failure.path);
    // The replay starts from that counterexample (fast-check then tries its shrinks again), no other lane's draws.
    expect(replay.sent[0]).toBe(bad);
    expect(replay.sent.every((n) => n <= bad)).toBe(true);
  });
});
