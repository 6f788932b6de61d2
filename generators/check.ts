// Checks a generated sample against the model's schemas: a valid sample must validate, and a
// single-fault sample must fail exactly where its label says. Suites use the same checks on
// shrunk counterexamples, so shrinking can never turn a labelled fault into something else.
import { inputShape, type ServiceModel } from '../core/model.js';
import { modelPath, toWire, validator, type ConstraintKind } from './schemas.js';

/** The label of a single-fault request: the constraint it breaks, where, and what that implies. */
export interface FaultLabel {
  path: string;
  constraint: ConstraintKind;
  implies?: ConstraintKind[];
}

/** Why `value` is not a valid `shapeName` (empty when it is). Timestamps may be Dates. */
export function validSampleProblems(model: ServiceModel, shapeName: string, value: unknown): string[] {
  return validator(model, shapeName)(toWire(value)).errors.map((e) => `${e.keyword} at ${e.path || '/'}: ${e.message}`);
}

/** Why `request` is not a request that breaks exactly the labelled constraint (empty when it is). */
export function faultSampleProblems(
  model: ServiceModel,
  operation: string,
  fault: FaultLabel,
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
