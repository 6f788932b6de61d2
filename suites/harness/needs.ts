// Decides whether a rule can be judged against this target, model and driver. A rule
// that cannot is reported not-applicable with the reason, never passed.
import { CAPABILITY_NEED_SPECS, FIXTURE_NEED_SPECS, unmetCapabilityReason, unmetFixtureReason } from '../../catalogue/needs.js';
import { ledgerModeOf } from '../../core/description.js';
import type { Rule } from '../../catalogue/rules.js';
import type { ServiceModel } from '../../core/model.js';
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

/** The part of the rule's model path that the driver's own model of the service lacks (the boto3 probe), if any. */
function driverModelGap(rule: Rule, context: ConformanceContext): string | undefined {
  const gaps = context.driverModelGaps ?? [];
  if (gaps.length === 0) return undefined;
  // An operation the library lacks covers every rule of it; shapes.S covers shapes.S.members.M.
  const operation = rule.operations.map((op) => `operations.${op}`).find((g) => gaps.includes(g));
  const path = rule.model;
  return operation ?? (path === undefined ? undefined : gaps.find((g) => path === g || path.startsWith(`${g}.`)));
}

export const CLEAN_LEDGER_NEEDS_ONE_WORKER =
  'needs a clean ledger for every property run: the target has no caller isolation, so each such run holds the target alone (after a reset, or on keys no other run recorded on), which holds only while the run has one vitest worker (maxWorkers: 1; `metering-conformance run` sets it itself)';

export const CLOCK_NEEDS_ISOLATION_OR_RESET =
  'needs clock control that moves one property run\'s clock only (each caller its own, or put back by a reset), which the target does not declare (target.yaml: capabilities.callerIsolation or capabilities.reset, beside capabilities.clockControl)';

export const DESCRIBED_CLOCK_NEEDS_RESET =
  "needs clock control that moves one property run's clock only: the target's own clock request sets the whole target's clock, which property runs side by side would share (target.yaml: capabilities.reset without capabilities.callerIsolation, so that they go one at a time)";

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
    const gap = driverModelGap(rule, context);
    if (gap !== undefined) return `the ${context.driver} driver's client library (${context.driverClient ?? context.driver}) has no ${gap} in its model of the service, so it cannot send or read it`;
    if (rule.since && model.version !== 'latest' && model.version < rule.since) {
      return `the rule applies from model ${rule.since}; the model under test is ${model.version}`;
    }
    if (rule.needs.driver === 'raw' && context.driver !== 'raw') return 'needs the raw driver: it sends requests an AWS SDK cannot produce (malformed, unsigned or without the members the SDK fills in)';
    for (const need of rule.needs.fixtures ?? []) {
      if (!FIXTURE_NEED_SPECS[need].present(context.target.fixtures, rule)) return unmetFixtureReason(need);
    }
    for (const need of rule.needs.capabilities ?? []) {
      if (need === 'cleanLedger') {
        // Met by caller isolation; otherwise each such run holds the target alone (after a reset,
        // or on keys no other run recorded on), which holds only while nothing else talks to the target.
        if (ledgerModeOf(context.target.capabilities) !== 'caller-isolation' && context.oneWorker !== true) return CLEAN_LEDGER_NEEDS_ONE_WORKER;
      } else if (!CAPABILITY_NEED_SPECS[need].present(context.target.capabilities)) return unmetCapabilityReason(need);
      // Without caller isolation a caller's clock is the target's: only a reset puts it back.
      else if (need === 'clockControl' && ledgerModeOf(context.target.capabilities) === 'fresh-keys') return CLOCK_NEEDS_ISOLATION_OR_RESET;
      // A clock another control plane sets is the whole target's: runs must go one at a time.
      else if (need === 'clockControl' && typeof context.target.capabilities.clockControl === 'object' && ledgerModeOf(context.target.capabilities) !== 'reset') return DESCRIBED_CLOCK_NEEDS_RESET;
    }
  }
  return undefined;
}
