// Throttling: the target throttles the rule's caller for one request (capability throttle), the
// call goes out once, without the driver's retries, and its answer is judged as it came; then the
// same call goes out again and is judged as a first call, which shows the throttled one had no
// effect. Sources: model shapes.ThrottlingException and each operation's errors; SDKs retry it
// (boto3 retries guide), so a throttled call that recorded usage would bill twice.
import fc from 'fast-check';
import { batchRequests, meterUsageRequest, modelLimits } from '../generators/index.js';
import type { Operation, OperationInput, Outcome } from '../target/types.js';
import { expectError, expectStringMember, expectSuccess, fail } from './harness/expect.js';
import { nothingRecordedCheck } from './harness/nothing-recorded.js';
import { rule, type PropertyRun, type RuleContext } from './harness/rule.js';
import { issueToken } from './stateful/issue-token.js';
import { throttleCaller } from './stateful/throttle-caller.js';

/** Sends `input` once while the run's caller is throttled, and judges the throttled answer. */
async function throttledCall(ctx: RuleContext, run: PropertyRun, operation: Operation, input: OperationInput): Promise<void> {
  await throttleCaller(ctx, run);
  const throttled = await run.call(operation, input, { singleAttempt: true });
  expectError(throttled, 'ThrottlingException', `HTTP 4xx ThrottlingException for a ${operation} while the caller is throttled`);
}

/** A quantity other than `quantity` within the model's range. */
const otherQuantity = (ctx: RuleContext, quantity: number | undefined) => fc.integer({ min: 0, max: modelLimits(ctx.model).quantity }).filter((q) => q !== (quantity ?? 0));

rule('throttling.meter-usage', async (ctx) => {
  const scenario = meterUsageRequest(ctx.fixtures, ctx.model, ctx.nowMs(), { allocations: false }).chain((request) =>
    otherQuantity(ctx, request.UsageQuantity).map((quantity) => ({ request, quantity })),
  );
  await ctx.property(
    scenario,
    async ({ request, quantity }, run) => {
      const nothingRecorded = await nothingRecordedCheck(run, request);
      await throttledCall(ctx, run, 'MeterUsage', { ...request });
      const after = await nothingRecorded(quantity, 'the throttled MeterUsage to have recorded nothing (the same hour then takes another quantity)');
      expectStringMember(after, 'MeteringRecordId');
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
});

rule('throttling.batch-meter-usage', async (ctx) => {
  const scenario = batchRequests(ctx.fixtures, ctx.model, ctx.nowMs()).chain((batch) =>
    fc.tuple(...batch.UsageRecords.map((r) => otherQuantity(ctx, r.Quantity))).map((quantities) => ({ batch, quantities })),
  );
  await ctx.property(
    scenario,
    async ({ batch, quantities }, run) => {
      await throttledCall(ctx, run, 'BatchMeterUsage', { ...batch });
      const changed = { ...batch, UsageRecords: batch.UsageRecords.map((r, i) => ({ ...r, Quantity: quantities[i], UsageAllocations: undefined })) };
      const after = await run.call('BatchMeterUsage', changed);
      expectSuccess(after, 'the throttled batch to have recorded nothing (its records then take other quantities)');
      const results = Array.isArray(after.output.Results) ? (after.output.Results as { Status?: unknown }[]) : [];
      if (results.length !== changed.UsageRecords.length || results.some((r) => r.Status !== 'Success')) {
        fail(`every one of the ${changed.UsageRecords.length} records to succeed (Status Success): the throttled batch recorded none of them`, after);
      }
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
});

rule('throttling.register-usage', async (ctx) => {
  const entitled = ctx.fixtures.registrations.filter((r) => r.entitlement === 'entitled' && r.publicKeyVersions.length > 0);
  const requests = fc.constantFrom(...entitled).chain((r) => fc.constantFrom(...r.publicKeyVersions).map((version) => ({ ProductCode: r.productCode, PublicKeyVersion: version })));
  await ctx.property(
    requests,
    async (request, run) => {
      await throttledCall(ctx, run, 'RegisterUsage', request);
      const after: Outcome = await run.call('RegisterUsage', request);
      expectSuccess(after, 'HTTP 200 with a Signature once the throttle has passed');
      expectStringMember(after, 'Signature');
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
});

rule('throttling.resolve-customer', async (ctx) => {
  const customers = ctx.fixtures.customers.filter((c) => c.subscribed);
  await ctx.property(
    fc.constantFrom(...customers),
    async (customer, run) => {
      const token = await issueToken(ctx, run, { customer: customer.accountId, product: customer.productCode });
      await throttledCall(ctx, run, 'ResolveCustomer', { RegistrationToken: token });
      const after = await run.call('ResolveCustomer', { RegistrationToken: token });
      expectSuccess(after, 'the token to resolve once the throttle has passed (the throttled call did not use it up)');
      if (after.output.ProductCode !== customer.productCode) fail(`the token to resolve to product ${customer.productCode}`, after);
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
});
