// Checks a generated sample against the model's schemas: a valid sample must validate, and a
// single-fault sample must fail exactly where its label says. Suites use the same checks on
// shrunk counterexamples, so shrinking can never turn a labelled fault into something else.
import type { FaultCase } from './invalid.js';
import { inputShape, type ServiceModel } from './model.js';
import { modelPath, toWire, validator } from './schemas.js';

/** Why `value` is not a valid `shapeName` (empty when it is). Timestamps may be Dates. */
export function validSampleProblems(model: ServiceModel, shapeName: string, value: unknown): string[] {
  return validator(model, shapeName)(toWire(value)).errors.map((e) => `${e.keyword} at ${e.path || '/'}: ${e.message}`);
}

/** Why `request` is not a request that breaks exactly the labelled constraint (empty when it is). */
export function faultSampleProblems(
  model: ServiceModel,
  operation: string,
  fault: Pick<FaultCase, 'path' | 'constraint' | 'implies'>,
  request: unknown,
): string[] {
  const result = validator(model, inputShape(model, operation).name)(toWire(request));
  if (result.ok) return [`no fault: the request validates, expected ${fault.constraint} at ${fault.path}`];
  const allowed = [fault.constraint, ...(fault.implies ?? [])];
  const problems = result.errors
    .filter((e) => modelPath(e.path) !== fault.path || e.constraint === undefined || !allowed.includes(e.constraint))
    .map((e) => `unlabelled fault: ${e.keyword} at ${e.path || '/'} (${e.message})`);
  if (!result.errors.some((e) => modelPath(e.path) === fault.path && e.constraint === fault.constraint)) {
    problems.push(`labelled fault missing: no ${fault.constraint} error at ${fault.path}`);
  }
  return problems;
}
