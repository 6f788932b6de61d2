// Regions: requests signed for a Region the target serves besides the caller's home Region
// (target.yaml fixtures.otherRegions). MeterUsage and RegisterUsage run on the buyer's resource
// and must be called in its Region (InvalidEndpointRegionException, InvalidRegionException); an
// operation a Region disables answers DisabledApiException. Each call is otherwise valid, so the
// Region is the only reason to refuse it; where a refusal could hide a recorded side effect, the
// same request at home afterwards shows there was none. Sources: model shapes
// InvalidEndpointRegionException, InvalidRegionException, DisabledApiException.
import fc from 'fast-check';
import { batchRequests, meterUsageRequest, modelLimits } from '../generators/index.js';
import type { RegionFixture } from '../core/description.js';
import type { Operation } from '../target/types.js';
import { expectError, expectStringMember, expectSuccess, fail } from './harness/expect.js';
import { nothingRecordedCheck } from './harness/nothing-recorded.js';
import { rule, type RuleContext } from './harness/rule.js';

/** Served Regions other than home where `operation` is enabled (or, with `disabled`, disabled). */
function regionsFor(ctx: RuleContext, operation: Operation, disabled: boolean): string[] {
  return (ctx.fixtures.otherRegions ?? []).filter((r: RegionFixture) => (r.disabledApis ?? []).includes(operation) === disabled).map((r) => r.region);
}

const registrationRequests = (ctx: RuleContext) =>
  fc
    .constantFrom(...ctx.fixtures.registrations.filter((r) => r.entitlement === 'entitled' && r.publicKeyVersions.length > 0))
    .chain((r) => fc.constantFrom(...r.publicKeyVersions).map((version) => ({ ProductCode: r.productCode, PublicKeyVersion: version })));

rule('regions.meter-usage-other-region', async (ctx) => {
  const max = modelLimits(ctx.model).quantity;
  const scenario = fc.record({
    request: meterUsageRequest(ctx.fixtures, ctx.model, ctx.nowMs(), { allocations: false }),
    region: fc.constantFrom(...regionsFor(ctx, 'MeterUsage', false)),
    quantity: fc.integer({ min: 0, max }),
  });
  await ctx.property(scenario, async ({ request, region, quantity }, run) => {
    const nothingRecorded = await nothingRecordedCheck(run, request);
    const away = await run.call('MeterUsage', { ...request }, { region });
    expectError(away, 'InvalidEndpointRegionException', `HTTP 4xx InvalidEndpointRegionException for a MeterUsage signed for ${region}, not the caller's home ${ctx.description.region}`);
    await nothingRecorded(quantity, `the MeterUsage signed for ${region} to have recorded nothing (the same hour at home then takes quantity ${quantity})`);
  });
});

rule('regions.register-usage-other-region', async (ctx) => {
  const scenario = fc.record({ request: registrationRequests(ctx), region: fc.constantFrom(...regionsFor(ctx, 'RegisterUsage', false)) });
  await ctx.property(
    scenario,
    async ({ request, region }, run) => {
      const away = await run.call('RegisterUsage', request, { region });
      expectError(away, 'InvalidRegionException', `HTTP 4xx InvalidRegionException for a RegisterUsage signed for ${region}, not the home ${ctx.description.region}`);
      const home = await run.call('RegisterUsage', request);
      expectSuccess(home, `HTTP 200 with a Signature for the same RegisterUsage at home (${ctx.description.region})`);
      expectStringMember(home, 'Signature');
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
});

rule('regions.batch-meter-usage-disabled', async (ctx) => {
  const scenario = fc.record({ batch: batchRequests(ctx.fixtures, ctx.model, ctx.nowMs()), region: fc.constantFrom(...regionsFor(ctx, 'BatchMeterUsage', true)) });
  await ctx.property(scenario, async ({ batch, region }, run) => {
    const away = await run.call('BatchMeterUsage', { ...batch }, { region });
    expectError(away, 'DisabledApiException', `HTTP 4xx DisabledApiException for a BatchMeterUsage signed for ${region}, which disables it`);
    const home = await run.call('BatchMeterUsage', { ...batch });
    expectSuccess(home, `the batch signed for ${region} to have recorded nothing (the same records at home then succeed)`);
    const results = Array.isArray(home.output.Results) ? (home.output.Results as { Status?: unknown }[]) : [];
    if (results.length !== batch.UsageRecords.length || results.some((r) => r.Status !== 'Success')) {
      fail(`every one of the ${batch.UsageRecords.length} records at home to succeed (Status Success, not DuplicateRecord)`, home);
    }
  });
});

rule('regions.register-usage-disabled', async (ctx) => {
  const scenario = fc.record({ request: registrationRequests(ctx), region: fc.constantFrom(...regionsFor(ctx, 'RegisterUsage', true)) });
  await ctx.property(
    scenario,
    async ({ request, region }, run) => {
      expectError(await run.call('RegisterUsage', request, { region }), 'DisabledApiException', `HTTP 4xx DisabledApiException for a RegisterUsage signed for ${region}, which disables it`);
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
});

rule('regions.resolve-customer-disabled', async (ctx) => {
  const valid = ctx.fixtures.tokens.filter((t) => t.state === 'valid').map((t) => t.token);
  const scenario = fc.record({ token: fc.constantFrom(...valid), region: fc.constantFrom(...regionsFor(ctx, 'ResolveCustomer', true)) });
  await ctx.property(
    scenario,
    async ({ token, region }, run) => {
      expectError(await run.call('ResolveCustomer', { RegistrationToken: token }, { region }), 'DisabledApiException', `HTTP 4xx DisabledApiException for a ResolveCustomer signed for ${region}, which disables it`);
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
});
