// MeterUsage: acceptance, idempotency, duplicates, bounds, allocations, window, DryRun, ClientToken.
import fc from 'fast-check';
import { allocationsSummingTo, meterableProducts, meterUsageWithDuplicateTagKey, meterUsageWithTagCount, modelLimits, plainMeterUsage, staleMeterUsageTimestamp, tagList, validMeterUsage, type MeterUsageInput } from '../generators/index.js';
import type { Outcome } from '../target/types.js';
import { expectClientError, expectError, expectStringMember, expectSuccess, fail } from './harness/expect.js';
import { Observations } from './harness/observations.js';
import { rule } from './harness/rule.js';
import { nothingRecordedCheck } from './harness/nothing-recorded.js';

rule('meter-usage.accepts-valid', async (ctx) => {
  await ctx.property(validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), async (request, run) => {
    const outcome = await run.call('MeterUsage', { ...request });
    expectSuccess(outcome, 'HTTP 200 with a MeteringRecordId');
    expectStringMember(outcome, 'MeteringRecordId');
  });
});

rule('meter-usage.identical-retry', async (ctx) => {
  await ctx.property(validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), async (request, run) => {
    const first = await run.call('MeterUsage', { ...request });
    expectSuccess(first);
    const id = expectStringMember(first, 'MeteringRecordId');
    const retry = await run.call('MeterUsage', { ...request });
    expectSuccess(retry, `the identical retry to succeed with MeteringRecordId ${id}`);
    if (retry.output.MeteringRecordId !== id) fail(`the identical retry to return MeteringRecordId ${id}`, retry);
  });
});

rule('meter-usage.duplicate-quantity', async (ctx) => {
  const max = modelLimits(ctx.model).quantity;
  const scenario = fc
    .tuple(plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), fc.integer({ min: 0, max }))
    .filter(([request, other]) => other !== request.UsageQuantity);
  await ctx.property(scenario, async ([request, otherQuantity], run) => {
    expectSuccess(await run.call('MeterUsage', { ...request }));
    const second = await run.call('MeterUsage', { ...request, UsageQuantity: otherQuantity });
    expectError(second, 'DuplicateRequestException');
  });
});

rule('meter-usage.quantity-bounds-accepted', async (ctx) => {
  const max = modelLimits(ctx.model).quantity;
  await ctx.property(plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs(), { quantity: fc.constantFrom(0, max) }), async (request, run) => {
    const outcome = await run.call('MeterUsage', { ...request });
    expectSuccess(outcome, `HTTP 200 for UsageQuantity ${request.UsageQuantity}`);
    expectStringMember(outcome, 'MeteringRecordId');
  });
});

rule('meter-usage.quantity-out-of-range', async (ctx) => {
  const max = modelLimits(ctx.model).quantity;
  const scenario = fc.tuple(plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs(), { quantity: fc.constantFrom(-1, max + 1) }), fc.integer({ min: 0, max }));
  await ctx.property(scenario, async ([request, validQuantity], run) => {
    const nothingRecorded = await nothingRecordedCheck(run, request);
    expectClientError(await run.callToBeRejected('MeterUsage', { ...request }), `a client error for UsageQuantity ${request.UsageQuantity}`);
    await nothingRecorded(validQuantity, 'the rejected request to have recorded nothing (a valid quantity for the same hour is then accepted)');
  });
});

rule('meter-usage.allocation-sum', async (ctx) => {
  const scenario = plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs(), { quantity: fc.integer({ min: 0, max: 1_000_000 }) }).chain((request) =>
    fc
      .tuple(allocationsSummingTo(ctx.model, request.UsageQuantity!), fc.integer({ min: 1, max: 1000 }), fc.boolean())
      .map(([allocs, delta, up]): MeterUsageInput => {
        // Move one allocation off by delta so the sum no longer equals UsageQuantity.
        const first = allocs[0].AllocatedUsageQuantity;
        const changed = up || first < delta ? first + delta : first - delta;
        return { ...request, UsageAllocations: [{ ...allocs[0], AllocatedUsageQuantity: changed }, ...allocs.slice(1)] };
      }),
  );
  await ctx.property(scenario, async (request, run) => {
    expectError(await run.call('MeterUsage', { ...request }), 'InvalidUsageAllocationsException');
  });
});

rule('meter-usage.allocation-duplicate-tags', async (ctx) => {
  const scenario = fc
    .tuple(plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs(), { quantity: fc.integer({ min: 0, max: 1_000_000 }) }), tagList(ctx.model), fc.nat())
    .map(([request, tags, cut]): MeterUsageInput => {
      const q = request.UsageQuantity!;
      const a = cut % (q + 1);
      // The same tag set twice, the second copy in reverse order: still the same set.
      return {
        ...request,
        UsageAllocations: [
          { AllocatedUsageQuantity: a, Tags: tags },
          { AllocatedUsageQuantity: q - a, Tags: [...tags].reverse() },
        ],
      };
    });
  await ctx.property(scenario, async (request, run) => {
    expectError(await run.call('MeterUsage', { ...request }), ['InvalidUsageAllocationsException', 'InvalidTagException']);
  });
});

rule('meter-usage.too-many-tags', async (ctx) => {
  // One tag more than the model's TagList max, in one allocation of the whole quantity.
  const scenario = meterUsageWithTagCount(ctx.fixtures, ctx.model, ctx.nowMs());
  await ctx.property(scenario, async (request, run) => {
    expectError(await run.call('MeterUsage', { ...request }), 'InvalidTagException');
  });
});

/**
 * Holds an answer to a target's promise (target.yaml `promises`) where the promise is
 * recognisable: one naming error types (…Exception, …Error) is kept by a 4xx of one of them;
 * one that names none and says the request is accepted (not "not accepted") by a success.
 * Any other promise is only shown beside what the target did.
 */
function holdToPromise(outcome: Outcome, promise: string | undefined): void {
  if (promise === undefined) return;
  const errorTypes = [...promise.matchAll(/\b[A-Z][A-Za-z0-9]*(?:Exception|Error)\b/g)].map((m) => m[0]);
  const expected = `the promised answer: ${JSON.stringify(promise)}`;
  if (errorTypes.length > 0) expectError(outcome, errorTypes, expected);
  else if (/\baccept/i.test(promise) && !/\b(not|never|no|reject\w*)\b/i.test(promise)) expectSuccess(outcome, expected);
}

// Duplicate keys within one allocation are left open by the sources:
// what the target answers is recorded, per kind of duplicate; a declared promise is held.
rule('meter-usage.duplicate-tag-keys', async (ctx) => {
  const promise = ctx.description.promises?.['meter-usage.duplicate-tag-keys'];
  const seen = new Observations();
  await ctx.property(
    meterUsageWithDuplicateTagKey(ctx.fixtures, ctx.model, ctx.nowMs()),
    async (request, run) => {
      const tags = request.UsageAllocations![0].Tags!;
      const twins = tags.filter((t, i) => tags.findIndex((o) => o.Key === t.Key) !== i);
      const original = tags.find((t) => t.Key === twins[0].Key)!;
      const outcome = await run.call('MeterUsage', { ...request });
      seen.add(original.Value === twins[0].Value ? 'one tag twice (same Key and Value)' : 'one Key with two Values', outcome);
      holdToPromise(outcome, promise);
    },
    { numRuns: Math.min(ctx.context.runs, 20) },
  );
  seen.record(ctx);
  if (promise !== undefined) ctx.observe(`promised by the target: ${promise}`);
});

rule('meter-usage.stale-timestamp', async (ctx) => {
  const scenario = validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs(), { timestamp: staleMeterUsageTimestamp(ctx.model, ctx.nowMs()) });
  await ctx.property(scenario, async (request, run) => {
    expectError(await run.call('MeterUsage', { ...request }), 'TimestampOutOfBoundsException');
  });
});

rule('meter-usage.unknown-dimension', async (ctx) => {
  const scenario = fc
    .tuple(validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,40}$/))
    .filter(([request, dimension]) => !meterableProducts(ctx.fixtures).find((p) => p.code === request.ProductCode)!.dimensions.includes(dimension));
  await ctx.property(scenario, async ([request, dimension], run) => {
    expectError(await run.call('MeterUsage', { ...request, UsageDimension: dimension }), 'InvalidUsageDimensionException');
  });
});

rule('meter-usage.unknown-product', async (ctx) => {
  const known = new Set(ctx.fixtures.products.map((p) => p.code));
  const scenario = fc
    .tuple(validMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), fc.stringMatching(/^[-a-zA-Z0-9/=:_.@]{1,64}$/))
    .filter(([, code]) => !known.has(code));
  await ctx.property(scenario, async ([request, code], run) => {
    expectError(await run.call('MeterUsage', { ...request, ProductCode: code }), 'InvalidProductCodeException');
  });
});

rule('meter-usage.not-entitled', async (ctx) => {
  const unentitled = ctx.fixtures.products.filter((p) => p.kind !== 'saas' && p.entitled === false && p.dimensions.length > 0);
  // A valid request in every other respect: an entitled product's request moved to an unentitled product and one of its dimensions.
  const scenario = fc
    .tuple(plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), fc.constantFrom(...unentitled))
    .chain(([request, product]) => fc.constantFrom(...product.dimensions).map((dimension) => ({ ...request, ProductCode: product.code, UsageDimension: dimension })));
  await ctx.property(scenario, async (request, run) => {
    expectError(await run.call('MeterUsage', { ...request }), 'CustomerNotEntitledException', `HTTP 4xx CustomerNotEntitledException for product ${request.ProductCode}, which the caller holds no subscription to`);
  });
});

rule('meter-usage.dry-run', async (ctx) => {
  const max = modelLimits(ctx.model).quantity;
  const scenario = fc.tuple(plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), fc.integer({ min: 0, max })).filter(([request, q]) => q !== request.UsageQuantity);
  await ctx.property(scenario, async ([request, otherQuantity], run) => {
    const nothingRecorded = await nothingRecordedCheck(run, request);
    const dry = await run.call('MeterUsage', { ...request, DryRun: true });
    if (dry.kind !== 'error' || dry.errorType !== 'DryRunOperation') fail('an error of type DryRunOperation', dry);
    await nothingRecorded(otherQuantity, 'the DryRun request to have recorded nothing (a later real request for the same hour is accepted)');
  });
});

rule('meter-usage.client-token-conflict', async (ctx) => {
  const token = fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/);
  await ctx.property(fc.tuple(plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs()), token), async ([request, clientToken], run) => {
    expectSuccess(await run.call('MeterUsage', { ...request, ClientToken: clientToken }));
    // An hour earlier is a fresh key (accepted without a token), so only the token can conflict.
    const other = { ...request, Timestamp: new Date(request.Timestamp.getTime() - 3_600_000), ClientToken: clientToken };
    expectError(await run.call('MeterUsage', other), 'IdempotencyConflictException');
  });
});
