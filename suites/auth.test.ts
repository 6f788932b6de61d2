// Authentication (SigV4): unsigned, malformed, wrongly signed, stale and mis-scoped requests,
// and requests that leave host out of the signed headers, are rejected with a 4xx and record
// nothing. Which code and status a target uses, and how much clock skew it tolerates, are not
// documented for this service: they are observed. The faults and the requests carrying them
// are built in generators/auth-faults.ts.
import fc from 'fast-check';
import {
  anyAuthFault,
  authFaultExamples,
  FAULT_TEXT,
  faultyRequest,
  hostUnsignedRequest,
  malformed,
  staleDate,
  wrongRegion,
  wrongSecret,
  wrongService,
  type AuthFault,
  type AuthSigning,
} from '../generators/auth-faults.js';
import { exampleMeterUsage, modelLimits, plainMeterUsage, type MeterUsageInput } from '../generators/index.js';
import { expectClientError } from './harness/expect.js';
import { nothingRecordedCheck } from './harness/nothing-recorded.js';
import { Observations } from './harness/observations.js';
import { rule, type PropertyRun, type RuleContext } from './harness/rule.js';


const plainRequests = (ctx: RuleContext) => plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs());

/** A fixed valid request, for the examples of observation rules (fresh caller per run). */
const exampleRequest = (ctx: RuleContext): MeterUsageInput => exampleMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs());

/** What this run's requests are signed with: its caller, the target's Region, the model's signing name, the target's clock now. */
const signingOf = (ctx: RuleContext, run: PropertyRun): AuthSigning => ({
  credentials: run.caller,
  region: ctx.description.region,
  service: ctx.model.signingName,
  nowMs: ctx.nowMs(),
});

/**
 * The faulty request gets a 4xx, and it recorded nothing: a correctly signed request from the
 * same caller for the same hour with another quantity is accepted afterwards.
 */
async function rejectedWithoutRecord(ctx: RuleContext, faults: fc.Arbitrary<AuthFault>): Promise<void> {
  const max = modelLimits(ctx.model).quantity;
  const scenario = fc.tuple(plainRequests(ctx), fc.integer({ min: 0, max }), faults).filter(([request, other]) => other !== request.UsageQuantity);
  await ctx.property(scenario, async ([request, otherQuantity, fault], run) => {
    const nothingRecorded = await nothingRecordedCheck(run, request);
    expectClientError(await run.send(faultyRequest(request, fault, signingOf(ctx, run))), `an HTTP 4xx for ${FAULT_TEXT[fault.kind]}`);
    await nothingRecorded(otherQuantity, 'the rejected request to have recorded nothing (a correctly signed request for the same hour with another quantity is then accepted)');
  });
}

rule('auth.missing-authorization', async (ctx) => {
  // Unsigned, the request names no caller, so "nothing recorded" cannot be checked per caller.
  await ctx.property(plainRequests(ctx), async (request, run) => {
    expectClientError(await run.send(faultyRequest(request, { kind: 'missing' }, signingOf(ctx, run))), `an HTTP 4xx for ${FAULT_TEXT.missing}`);
  });
});

rule('auth.malformed-authorization', (ctx) => rejectedWithoutRecord(ctx, malformed));

rule('auth.wrong-secret', (ctx) => rejectedWithoutRecord(ctx, wrongSecret));

rule('auth.stale-date', (ctx) => rejectedWithoutRecord(ctx, staleDate));

rule('auth.wrong-region', (ctx) => rejectedWithoutRecord(ctx, wrongRegion(ctx.description.region, ctx.fixtures)));

rule('auth.wrong-service', (ctx) => rejectedWithoutRecord(ctx, wrongService(ctx.model.signingName)));

rule('auth.unsigned-host', async (ctx) => {
  // Which 4xx is implementation-defined: judged is 4xx and nothing recorded, the code is observed.
  const seen = new Observations();
  const max = modelLimits(ctx.model).quantity;
  const scenario = fc.tuple(plainRequests(ctx), fc.integer({ min: 0, max })).filter(([request, other]) => other !== request.UsageQuantity);
  try {
    await ctx.property(scenario, async ([request, otherQuantity], run) => {
      const nothingRecorded = await nothingRecordedCheck(run, request);
      const outcome = await run.send(hostUnsignedRequest(request, { ...signingOf(ctx, run), endpoint: ctx.description.endpoint }));
      seen.add('host left out of SignedHeaders', outcome);
      expectClientError(outcome, 'an HTTP 4xx for an Authorization whose SignedHeaders leave out host');
      await nothingRecorded(otherQuantity, 'the rejected request to have recorded nothing (a correctly signed request for the same hour with another quantity is then accepted)');
    });
  } finally {
    seen.record(ctx);
  }
});

rule('auth.rejection-codes', async (ctx) => {
  const seen = new Observations();
  const fixed = exampleRequest(ctx);
  const faults = authFaultExamples(ctx.description.region);
  const anyFault = anyAuthFault({ region: ctx.description.region, fixtures: ctx.fixtures, signingName: ctx.model.signingName });
  await ctx.property(
    fc.tuple(plainRequests(ctx), anyFault),
    async ([request, fault], run) => {
      seen.add(FAULT_TEXT[fault.kind], await run.send(faultyRequest(request, fault, signingOf(ctx, run))));
    },
    { examples: faults.map((f): [MeterUsageInput, AuthFault] => [fixed, f]), numRuns: Math.max(faults.length, Math.min(ctx.context.runs, 30)) },
  );
  seen.record(ctx);
});

rule('auth.clock-skew-window', async (ctx) => {
  const seen = new Observations();
  const fixed = exampleRequest(ctx);
  const offsets = [-14, -6, -4, 4, 6, 14];
  const describe = (minutes: number) => `X-Amz-Date ${Math.abs(minutes)} min ${minutes < 0 ? 'behind' : 'ahead of'} the target clock`;
  // Every offset is tried exactly once, in order, as an example.
  await ctx.property(
    fc.tuple(plainRequests(ctx), fc.constantFrom(...offsets)),
    async ([request, offsetMinutes], run) => {
      seen.add(describe(offsetMinutes), await run.send(faultyRequest(request, { kind: 'skewed-date', offsetMinutes }, signingOf(ctx, run))));
    },
    { examples: offsets.map((o): [MeterUsageInput, number] => [fixed, o]), numRuns: offsets.length },
  );
  seen.record(ctx);
});
