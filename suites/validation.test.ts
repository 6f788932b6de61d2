// Validation: one rule per constraint of every input member, derived from the service model.
// Each request breaks exactly its labelled constraint (checked again on every sample, so
// shrinking can never blame the target for a request that became valid), and everything else
// in it is valid for the target, from its fixtures (generators/surroundings.ts). The answer
// must be one the project's treatment accepts (generators/treatment.ts): a generic validation
// error, or a modeled error about the broken member; any 4xx where the sources leave the code
// open. An error about another, valid member fails. Without the fixtures for a valid rest, any
// modeled client error of the operation passes, and the report says why.
// The value just past the bound and the documented values run first (FaultCase.examples).
import {
  faultSampleProblems,
  faultSurroundings,
  GENERIC_VALIDATION_ERRORS,
  modeledClientErrors,
  oneOf,
  singleFaults,
  treatmentOf,
  type FaultSurroundings,
  type ModelConstraint,
} from '../generators/index.js';
import { loadModel } from '../core/model.js';
import { OPERATIONS } from '../target/types.js';
import { conformanceContext } from './harness/context.js';
import { fail } from './harness/expect.js';
import { rule, type PropertyRun } from './harness/rule.js';

const context = conformanceContext();
const model = loadModel(context.modelFile);
const fixtures = context.target.fixtures;
const nowMs = Date.now() + context.clockOffsetMs;

for (const operation of OPERATIONS.filter((op) => op in model.operations)) {
  const anyModeled = [...GENERIC_VALIDATION_ERRORS, ...modeledClientErrors(model, operation)];
  const surroundings = new Map<string, FaultSurroundings>();
  const around = (c: ModelConstraint) => {
    const found = faultSurroundings(model, fixtures, nowMs, c);
    surroundings.set(c.ruleId, found);
    return found.options;
  };
  for (const fault of singleFaults(model, operation, around)) {
    const { unmet } = surroundings.get(fault.ruleId)!;
    const treatment = treatmentOf(model, operation, fault.path, fault.constraint);
    const broken = `${fault.path} breaks ${fault.constraint}`;
    const wide = unmet !== undefined && !treatment.anyClientError;
    const accepted = new Set(wide ? anyModeled : treatment.accepted);
    const expected = treatment.anyClientError
      ? `any client (4xx) error (${broken}; ${treatment.reason})`
      : wide
        ? `a client (4xx) error of type ${oneOf(anyModeled)} (${broken}; any modeled error of ${operation} is accepted because ${unmet})`
        : `a client (4xx) error of type ${oneOf(treatment.accepted)} (${broken}; ${treatment.reason}; every other member is valid)`;
    rule(fault.ruleId, async (ctx) => {
      const predicate = async (request: Record<string, unknown>, run: PropertyRun) => {
        const problems = faultSampleProblems(ctx.model, operation, fault, request);
        if (problems.length > 0) throw new Error(`generator produced a mislabelled sample for ${fault.ruleId}: ${problems.join('; ')}`);
        const outcome = await run.call(operation, request);
        const clientError = outcome.kind === 'error' && outcome.status >= 400 && outcome.status < 500;
        if (!clientError || (!treatment.anyClientError && !accepted.has(outcome.errorType))) fail(expected, outcome);
      };
      await ctx.property(fault.arbitrary, predicate, { examples: fault.examples() });
      if (wide) {
        // A pass keeps its observation in the report (not its reason): say why the set was wide.
        ctx.observe(`judged with any modeled client error of ${operation} accepted, not only ${oneOf(treatment.accepted)}, because ${unmet}`);
      }
    });
  }
}
