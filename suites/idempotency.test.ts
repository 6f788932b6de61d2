// Idempotency of MeterUsage: what counts as the same request (explicit defaults, the hour
// key, allocations and their order, ClientToken), and that a retry after a lost answer is
// recorded once. Member order is in protocol.test.ts; BatchMeterUsage retries in
// batch-meter-usage.test.ts. The rules' info and treatment (specs/rules.yaml) state the sources.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { MINUTE_MS, monthStart } from '../core/calendar.js';
import {
  allocationsSummingTo,
  anotherSecondOfHour,
  canonicalAllocations,
  clientToken,
  inAcceptedRange,
  meterableProducts,
  meterUsageRequest,
  modelLimits,
  otherHourPair,
  sameHourPair,
  tagList,
  type MeterUsageInput,
} from '../generators/index.js';
import { encodeInput } from '../core/wire.js';
import type { Outcome } from '../target/types.js';
import { expectError, expectStringMember, expectSuccess, fail } from './harness/expect.js';
import { Observations, outcomeText } from './harness/observations.js';
import { rule, type PropertyRun, type RuleContext } from './harness/rule.js';
import type { HeldRecord } from './harness/run-ledger.js';
import { readTargetLedger } from './stateful/target-ledger.js';

/** Observation rules run a few random cases beside their examples. */
const observationRuns = (ctx: RuleContext) => Math.min(ctx.context.runs, 20);

/** Valid requests without allocations, DryRun or token: the base the variants change. */
const plainRequest = (ctx: RuleContext, quantity?: fc.Arbitrary<number>) =>
  meterUsageRequest(ctx.fixtures, ctx.model, ctx.nowMs(), { allocations: false, ...(quantity ? { quantity } : {}) }).map(({ DryRun: _dropped, ...r }) => r);

/** A fixed request ten minutes old (or from the month's start), for documented examples. */
function exampleRequest(ctx: RuleContext, quantity: number): MeterUsageInput {
  const product = meterableProducts(ctx.fixtures)[0];
  const now = ctx.nowMs();
  const timestamp = Math.max(Math.floor(now / 1000) * 1000 - 10 * MINUTE_MS, monthStart(now));
  return { ProductCode: product.code, UsageDimension: product.dimensions[0], UsageQuantity: quantity, Timestamp: new Date(timestamp) };
}

async function firstRecord(run: PropertyRun, request: MeterUsageInput): Promise<string> {
  const first = await run.call('MeterUsage', { ...request });
  expectSuccess(first, 'the first request to succeed');
  return expectStringMember(first, 'MeteringRecordId');
}

/** A held record's request: one the suites built (RunLedger.heldRecords), so a MeterUsageInput. */
const heldRequest = (held: HeldRecord) => held.request as unknown as MeterUsageInput;

/** A number from a drawn request that picks among held records (PropertyRun.reuseHeldRecord): the same case, the same pick. */
const pickOf = (request: MeterUsageInput) => Math.floor(request.Timestamp.getTime() / 1000);

/** How a repeat compares with the first answer, for observations. */
function repeatAnswer(outcome: Outcome, firstId: string): string {
  if (outcome.kind !== 'success') return outcomeText(outcome);
  return outcome.output.MeteringRecordId === firstId ? 'the first MeteringRecordId' : 'accepted with a new MeteringRecordId';
}

// ---- what counts as the same request ------------------------------------------------------

type DefaultMember = 'UsageQuantity' | 'DryRun';

interface DefaultsCase {
  request: MeterUsageInput;
  /** The members spelled out in one request of the pair and left out in the other. */
  members: DefaultMember[];
  explicitFirst: boolean;
}

rule('idempotency.explicit-defaults', async (ctx) => {
  const quantity = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }) });
  const scenario = fc
    .tuple(plainRequest(ctx, quantity), fc.subarray<DefaultMember>(['UsageQuantity', 'DryRun'], { minLength: 1 }), fc.boolean())
    .map(([request, members, explicitFirst]): DefaultsCase => ({
      request,
      // UsageQuantity can only be left out when it is the default.
      members: request.UsageQuantity === 0 ? members : ['DryRun'],
      explicitFirst,
    }));
  const example: DefaultsCase = { request: exampleRequest(ctx, 0), members: ['UsageQuantity', 'DryRun'], explicitFirst: true };
  // On a record another run made (once the share of fresh keys is spent on a target without a
  // clean ledger): leaving out UsageQuantity needs one of quantity 0.
  const fits = (members: DefaultMember[]) => (held: HeldRecord) => inAcceptedRange(heldRequest(held).Timestamp, ctx.nowMs()) && (!members.includes('UsageQuantity') || (heldRequest(held).UsageQuantity ?? 0) === 0);
  await ctx.property(
    scenario,
    async (drawn, run) => {
      // Where fresh keys are few, a run on one judges the example's case on the key it was
      // steered to; the record of quantity 0 it leaves is one the later runs can reuse.
      const { request, members, explicitFirst } = run.onFewFreshKeys ? { ...example, request: { ...drawn.request, UsageQuantity: 0 } } : drawn;
      const held = await run.reuseHeldRecord(pickOf(request), fits(members));
      let id: string;
      let second: MeterUsageInput;
      if (held === undefined) {
        const explicit: MeterUsageInput = { ...request, ...(members.includes('DryRun') ? { DryRun: false } : {}) };
        const omitted: MeterUsageInput = { ...request };
        if (members.includes('UsageQuantity')) delete omitted.UsageQuantity;
        const [first, repeat] = explicitFirst ? [explicit, omitted] : [omitted, explicit];
        id = await firstRecord(run, first);
        second = repeat;
      } else {
        // The record's request was the first: the repeat flips each member, spelled out or left out.
        id = held.id;
        second = { ...heldRequest(held) };
        for (const member of members) {
          if (second[member] === undefined) Object.assign(second, { [member]: member === 'DryRun' ? false : 0 });
          else delete second[member];
        }
      }
      const repeat = await run.call('MeterUsage', { ...second });
      const changes = members.map((member) => `${member} ${second[member] === undefined ? 'left out' : 'spelled out'}`).join(' and ');
      const expected = `the same request with ${changes} to succeed with MeteringRecordId ${id}`;
      expectSuccess(repeat, expected);
      if (repeat.output.MeteringRecordId !== id) fail(expected, repeat);
    },
    { examples: [example] },
  );
});

type HourCase = { kind: 'same quantity' | 'other quantity' | 'other hour'; first: MeterUsageInput; second: MeterUsageInput };

rule('idempotency.same-hour-key', async (ctx) => {
  const now = ctx.nowMs();
  const max = modelLimits(ctx.model).quantity;
  const base = meterUsageRequest(ctx.fixtures, ctx.model, now).map(({ DryRun: _dropped, ...r }) => r);
  const sameHour = fc.tuple(base, sameHourPair(now), fc.integer({ min: 1, max: 1000 }), fc.boolean()).map(([request, [a, b], delta, sameQuantity]): HourCase => {
    const first = { ...request, Timestamp: a };
    if (sameQuantity) return { kind: 'same quantity', first, second: { ...first, Timestamp: b } };
    const q = first.UsageQuantity ?? 0;
    const other = q + delta <= max ? q + delta : q - delta;
    const { UsageAllocations: _none, ...plain } = first;
    return { kind: 'other quantity', first, second: { ...plain, Timestamp: b, UsageQuantity: other } };
  });
  const hours = otherHourPair(now);
  const otherHour = hours && fc.tuple(base, hours).map(([request, [a, b]]): HourCase => ({ kind: 'other hour', first: { ...request, Timestamp: a }, second: { ...request, Timestamp: b } }));
  /**
   * Once the share of fresh keys is spent on a target without a clean ledger, the case moves
   * onto a record another run made: its request is the first (already answered with its id),
   * and the second keeps the case's change, another second of that hour or another quantity.
   * Another hour would need a fresh key.
   */
  const onHeldRecord = (drawn: HourCase, held: HeldRecord): HourCase => {
    const first = heldRequest(held);
    // The record's own instant only if the range moved past that hour's other seconds since `fits`.
    const at = anotherSecondOfHour(first.Timestamp, drawn.second.Timestamp, ctx.nowMs()) ?? first.Timestamp;
    if (drawn.kind === 'same quantity') return { kind: drawn.kind, first, second: { ...first, Timestamp: at } };
    const [q, delta] = [first.UsageQuantity ?? 0, Math.abs((drawn.second.UsageQuantity ?? 0) - (drawn.first.UsageQuantity ?? 0))];
    const { UsageAllocations: _none, ...plain } = first;
    return { kind: drawn.kind, first, second: { ...plain, Timestamp: at, UsageQuantity: q + delta <= max ? q + delta : q - delta } };
  };
  const fits = (drawn: HourCase) => (held: HeldRecord) =>
    drawn.kind !== 'other hour' && inAcceptedRange(heldRequest(held).Timestamp, ctx.nowMs()) && anotherSecondOfHour(heldRequest(held).Timestamp, drawn.second.Timestamp, ctx.nowMs()) !== undefined;
  const hourCases = otherHour ? fc.oneof({ weight: 2, arbitrary: sameHour }, { weight: 1, arbitrary: otherHour }) : sameHour;
  await ctx.property(hourCases, async (drawn, run) => {
    const held = await run.reuseHeldRecord(pickOf(drawn.first), fits(drawn));
    const { kind, first, second } = held === undefined ? drawn : onHeldRecord(drawn, held);
    const id = held?.id ?? (await firstRecord(run, first));
    const outcome = await run.call('MeterUsage', { ...second });
    if (kind === 'other quantity') {
      expectError(outcome, 'DuplicateRequestException', 'DuplicateRequestException for another quantity in the same hour');
      return;
    }
    if (kind === 'same quantity') {
      const expected = `a request identical after rounding down to the hour to succeed with MeteringRecordId ${id}`;
      expectSuccess(outcome, expected);
      if (outcome.output.MeteringRecordId !== id) fail(expected, outcome);
      return;
    }
    const expected = `a request for another hour to be a new record (HTTP 200, a MeteringRecordId other than ${id})`;
    expectSuccess(outcome, expected);
    if (expectStringMember(outcome, 'MeteringRecordId') === id) fail(expected, outcome);
  });
});

rule('idempotency.allocations-differ', async (ctx) => {
  const scenario = plainRequest(ctx, fc.integer({ min: 1, max: 1000 }))
    .chain((request) => fc.tuple(fc.constant(request), allocationsSummingTo(ctx.model, request.UsageQuantity!), allocationsSummingTo(ctx.model, request.UsageQuantity!)))
    .filter(([, a, b]) => canonicalAllocations(a) !== canonicalAllocations(b));
  const seen = new Observations();
  await ctx.property(
    scenario,
    async ([request, a, b], run) => {
      const first = await run.call('MeterUsage', { ...request, UsageAllocations: a });
      if (first.kind !== 'success') return seen.add('first request (valid) rejected', first);
      const second = await run.call('MeterUsage', { ...request, UsageAllocations: b });
      seen.add('same key and quantity, other allocations', repeatAnswer(second, String(first.output.MeteringRecordId)));
    },
    { numRuns: observationRuns(ctx) },
  );
  seen.record(ctx);
});

type OrderCase = { change: 'tags within an allocation reversed' | 'allocations in reverse order'; request: MeterUsageInput; reordered: MeterUsageInput };

rule('idempotency.tag-order', async (ctx) => {
  const base = plainRequest(ctx, fc.integer({ min: 1, max: 1000 }));
  const tagOrder = fc.tuple(base, tagList(ctx.model, { minTags: 2 })).map(([request, tags]): OrderCase => {
    const q = request.UsageQuantity!;
    return {
      change: 'tags within an allocation reversed',
      request: { ...request, UsageAllocations: [{ AllocatedUsageQuantity: q, Tags: tags }] },
      reordered: { ...request, UsageAllocations: [{ AllocatedUsageQuantity: q, Tags: [...tags].reverse() }] },
    };
  });
  const allocationOrder = base
    .chain((request) => fc.tuple(fc.constant(request), allocationsSummingTo(ctx.model, request.UsageQuantity!)))
    .filter(([, list]) => list.length >= 2)
    .map(([request, list]): OrderCase => ({
      change: 'allocations in reverse order',
      request: { ...request, UsageAllocations: list },
      reordered: { ...request, UsageAllocations: [...list].reverse() },
    }));
  const seen = new Observations();
  await ctx.property(
    fc.oneof(tagOrder, allocationOrder),
    async ({ change, request, reordered }, run) => {
      const first = await run.call('MeterUsage', { ...request });
      if (first.kind !== 'success') return seen.add('first request (valid) rejected', first);
      seen.add(change, repeatAnswer(await run.call('MeterUsage', { ...reordered }), String(first.output.MeteringRecordId)));
    },
    { numRuns: observationRuns(ctx) },
  );
  seen.record(ctx);
});

// ---- ClientToken ----------------------------------------------------------------------------

rule('idempotency.client-token-replay', async (ctx) => {
  const scenario = fc.tuple(meterUsageRequest(ctx.fixtures, ctx.model, ctx.nowMs()), clientToken, fc.integer({ min: 1, max: 3 }));
  await ctx.property(scenario, async ([request, token, replays], run) => {
    const withToken = { ...request, ClientToken: token };
    const id = await firstRecord(run, withToken);
    for (let i = 1; i <= replays; i++) {
      const replay = await run.call('MeterUsage', { ...withToken });
      const expected = `replay ${i} with the same ClientToken and parameters to succeed with MeteringRecordId ${id}`;
      expectSuccess(replay, expected);
      if (replay.output.MeteringRecordId !== id) fail(expected, replay);
    }
  });
});

type TokenSituation = 'first with a ClientToken, retry without' | 'first without a ClientToken, retry with one' | 'retry with another ClientToken';

rule('idempotency.token-less-retry', async (ctx) => {
  const situations: TokenSituation[] = ['first with a ClientToken, retry without', 'first without a ClientToken, retry with one', 'retry with another ClientToken'];
  const scenario = fc
    .tuple(meterUsageRequest(ctx.fixtures, ctx.model, ctx.nowMs()), fc.constantFrom(...situations), clientToken, clientToken)
    .filter(([, , a, b]) => a !== b);
  const seen = new Observations();
  await ctx.property(
    scenario,
    async ([request, situation, a, b], run) => {
      const tokens: [string | undefined, string | undefined] =
        situation === 'first with a ClientToken, retry without' ? [a, undefined] : situation === 'first without a ClientToken, retry with one' ? [undefined, a] : [a, b];
      const send = (token: string | undefined) => run.call('MeterUsage', token === undefined ? { ...request } : { ...request, ClientToken: token });
      const first = await send(tokens[0]);
      if (first.kind !== 'success') return seen.add('first request (valid) rejected', first);
      seen.add(situation, repeatAnswer(await send(tokens[1]), String(first.output.MeteringRecordId)));
    },
    { numRuns: Math.max(situations.length, observationRuns(ctx)) },
  );
  seen.record(ctx);
});

// ---- retries --------------------------------------------------------------------------------

rule('idempotency.retry-after-transient', async (ctx) => {
  const scenario = fc.record({
    request: meterUsageRequest(ctx.fixtures, ctx.model, ctx.nowMs()),
    token: fc.option(clientToken, { nil: undefined }),
    lostSecondsAgo: fc.integer({ min: 1, max: 60 }),
  });
  await ctx.property(scenario, async ({ request, token, lostSecondsAgo }, run) => {
    const input = token === undefined ? { ...request } : { ...request, ClientToken: token };
    let first: Outcome;
    let retry: Outcome;
    if (ctx.target.driver === 'raw') {
      // As an SDK retries: one invocation id, the attempt counted up, the request signed anew.
      const body = encodeInput(input);
      const invocation = randomUUID();
      const headers = (attempt: number) => ({ 'amz-sdk-invocation-id': invocation, 'amz-sdk-request': `attempt=${attempt}; max=3` });
      first = await run.send({ operation: 'MeterUsage', body, headers: headers(1), signing: { date: new Date(Date.now() - lostSecondsAgo * 1000) } });
      retry = await run.send({ operation: 'MeterUsage', body, headers: headers(2) });
    } else {
      first = await run.call('MeterUsage', input);
      retry = await run.call('MeterUsage', input);
    }
    expectSuccess(first, 'the first attempt to succeed');
    const id = expectStringMember(first, 'MeteringRecordId');
    const expected = `the retry to succeed with the first MeteringRecordId ${id}`;
    expectSuccess(retry, expected);
    if (retry.output.MeteringRecordId !== id) fail(expected, retry);
    const records = await readTargetLedger(ctx.control, run.caller.accessKeyId);
    if (records.length !== 1) fail(`one record in the target's ledger after the retry (${id})`, { records: records.map((r) => ({ id: r.meteringRecordId, quantity: r.quantity })) });
  });
});
