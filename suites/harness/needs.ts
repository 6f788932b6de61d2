// Decides whether a rule can be judged against this target, model and driver. A rule
// that cannot is reported not-applicable with the reason, never passed.
import { FIXTURE_NEED_SPECS, unmetCapabilityReason, unmetFixtureReason } from '../../catalogue/needs.js';
import type { Rule } from '../../catalogue/rules.js';
import type { ServiceModel } from '../../generators/model.js';
import type { ConformanceContext } from './context.js';

/** True when `path` (e.g. shapes.MeterUsageRequest.members.ClientToken) exists in the model. */
export function modelPathExists(model: ServiceModel, path: string): boolean {
  const [root, name, section, member] = path.split('.');
  if (root === 'operations') return name in model.operations;
  if (root !== 'shapes' || !(name in model.shapes)) return false;
  if (section !== 'members' || member === undefined) return true;
  const shape = model.shapes[name];
  return shape.type === 'structure' && member in shape.members;
}

export function unmetNeeds(rules: Rule[], context: ConformanceContext, model: ServiceModel): string | undefined {
  for (const rule of rules) {
    for (const op of rule.operations) {
      if (!(op in model.operations)) return `the service model under test (${model.version}) has no ${op} operation`;
    }
    const unimplemented = context.target.unimplemented ?? {};
    if (rule.operations.every((op) => unimplemented[op] !== undefined)) {
      return `the target does not implement ${rule.operations.join(' or ')}: no awsJson answer in the preflight (${rule.operations.map((op) => unimplemented[op]).join('; ')})`;
    }
    if (rule.model && !modelPathExists(model, rule.model)) return `the service model under test (${model.version}) has no ${rule.model}`;
    if (rule.since && model.version !== 'latest' && model.version < rule.since) {
      return `the rule applies from model ${rule.since}; the model under test is ${model.version}`;
    }
    if (rule.needs.driver === 'raw' && context.driver !== 'raw') return 'needs the raw driver: it sends requests an AWS SDK cannot produce (malformed, unsigned or without the members the SDK fills in)';
    for (const need of rule.needs.fixtures ?? []) {
      if (!FIXTURE_NEED_SPECS[need].present(context.target.fixtures, rule)) return unmetFixtureReason(need);
    }
    for (const capability of rule.needs.capabilities ?? []) {
      if (!context.target.capabilities[capability]) return unmetCapabilityReason(capability);
    }
  }
  return undefined;
}
