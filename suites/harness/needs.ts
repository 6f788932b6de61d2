// Decides whether a rule can be judged against this target, model and driver. A rule
// that cannot is reported not-applicable with the reason, never passed.
import type { FixtureNeed, Rule } from '../../catalogue/rules.js';
import type { ServiceModel } from '../../generators/model.js';
import type { TargetFixtures } from '../../target/description.js';
import type { ConformanceContext } from './context.js';

const FIXTURE_TESTS: Record<FixtureNeed, [string, (f: TargetFixtures) => boolean]> = {
  product: ['an AMI or container product with at least one dimension', (f) => f.products.some((p) => p.kind !== 'saas' && p.dimensions.length > 0)],
  'saas-product': ['a SaaS product with at least one dimension', (f) => f.products.some((p) => p.kind === 'saas' && p.dimensions.length > 0)],
  customer: ['a subscribed customer', (f) => f.customers.some((c) => c.subscribed)],
  'legacy-customer': ['a subscribed customer with a legacy CustomerIdentifier', (f) => f.customers.some((c) => c.subscribed && c.identifier !== undefined)],
  'unsubscribed-customer': ['an unsubscribed customer', (f) => f.customers.some((c) => !c.subscribed)],
  token: ['a valid registration token', (f) => f.tokens.some((t) => t.state === 'valid')],
  'expired-token': ['an expired registration token', (f) => f.tokens.some((t) => t.state === 'expired')],
  license: ['a customer with a LicenseArn', (f) => f.customers.some((c) => c.licenseArn !== undefined)],
  registration: ['an entitled RegisterUsage product with a public key version', (f) => f.registrations.some((r) => r.entitlement === 'entitled' && r.publicKeyVersions.length > 0)],
  'registration-not-entitled': [
    'a RegisterUsage product whose customer is not entitled (entitlement not-entitled)',
    (f) => f.registrations.some((r) => r.entitlement === 'not-entitled' && r.publicKeyVersions.length > 0),
  ],
  'registration-platform-not-supported': [
    'a RegisterUsage product called from an unsupported platform (entitlement platform-not-supported)',
    (f) => f.registrations.some((r) => r.entitlement === 'platform-not-supported' && r.publicKeyVersions.length > 0),
  ],
};

const CAPABILITY_TEXT: Record<string, string> = {
  callerIsolation: 'caller isolation (every access key id its own caller, so each property run starts from a clean ledger)',
  clockControl: 'clock control',
  reset: 'reset',
  ledgerRead: 'ledger read',
  tokenIssue: 'token issue (POST /__metering-conformance/v1/tokens)',
};

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
      const [text, present] = FIXTURE_TESTS[need];
      if (!present(context.target.fixtures)) return `the target config declares no ${text}`;
    }
    for (const capability of rule.needs.capabilities ?? []) {
      if (!context.target.capabilities[capability]) return `the target does not declare ${CAPABILITY_TEXT[capability]}`;
    }
  }
  return undefined;
}
