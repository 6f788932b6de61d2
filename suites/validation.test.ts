// Validation: one rule per constraint of every input member, derived from the service model.
// Each request breaks exactly its labelled constraint (checked again on every sample, so
// shrinking can never blame the target for a request that became valid).
import { acceptedMeterUsageTimestamp, faultSampleProblems, meterableProducts, singleFaults } from '../generators/index.js';
import { loadModel } from '../generators/model.js';
import { OPERATIONS } from '../target/types.js';
import { conformanceContext } from './harness/context.js';
import { fail } from './harness/expect.js';
import { rule } from './harness/rule.js';

const context = conformanceContext();
const model = loadModel(context.modelFile);
const fixtures = context.target.fixtures;
const product = meterableProducts(fixtures)[0];
const saas = fixtures.products.find((p) => p.kind === 'saas');

// Everything but the faulty member is as valid as the target's fixtures allow, so the
// constraint under test is the only reason to reject the request.
const pins = {
  MeterUsageRequest: product ? { ProductCode: product.code, UsageDimension: product.dimensions[0] } : {},
  RegisterUsageRequest: product ? { ProductCode: product.code } : {},
  BatchMeterUsageRequest: saas ? { ProductCode: saas.code } : {},
  UsageRecord: saas ? { Dimension: saas.dimensions[0] } : {},
};

for (const operation of OPERATIONS.filter((op) => op in model.operations)) {
  const clientErrors = new Set([...model.operations[operation].errors.filter((e) => !model.shapes[e] || !('fault' in model.shapes[e])), 'ValidationException', 'SerializationException']);
  // Small valid surroundings: the members around the fault are not under test, and big ones only cost time.
  const options = { pin: pins, timestamp: acceptedMeterUsageTimestamp(model, Date.now() + context.clockOffsetMs), small: true, maxItemsWeight: 0 };
  for (const fault of singleFaults(model, operation, options)) {
    rule(fault.ruleId, async (ctx) => {
      await ctx.property(fault.arbitrary, async (request, run) => {
        const problems = faultSampleProblems(ctx.model, operation, fault, request);
        if (problems.length > 0) throw new Error(`generator produced a mislabelled sample for ${fault.ruleId}: ${problems.join('; ')}`);
        const outcome = await run.call(operation, request);
        const expected = `a client error (4xx: ValidationException, SerializationException or one of ${operation}'s modeled errors) because ${fault.path} breaks ${fault.constraint}`;
        if (outcome.kind !== 'error' || outcome.status < 400 || outcome.status >= 500 || !clientErrors.has(outcome.errorType)) fail(expected, outcome);
      });
    });
  }
}
