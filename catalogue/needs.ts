// What each need of a rule asks of a target: in words, as the target.yaml key that provides
// it, and as a test of declared fixtures. One table, read by the harness (is this rule
// judgeable here?), by `rules --needs` and by the report (what would make it judgeable?).
import { ledgerModeOf, type RegionFixture, type TargetCapabilities, type TargetFixtures } from '../core/description.js';
import type { CapabilityNeed, FixtureNeed, Rule } from './rules.js';

export interface FixtureNeedSpec {
  /** What the target must declare, in words ("a subscribed customer"). */
  text: string;
  /** The target.yaml key that declares it. */
  key: string;
  /** Whether `fixtures` declare it for `rule` (Region needs depend on the rule's operations). */
  present(fixtures: TargetFixtures, rule: Rule): boolean;
}

const otherRegions = (f: TargetFixtures) => f.otherRegions ?? [];
const disables = (region: RegionFixture, rule: Rule) => rule.operations.some((op) => region.disabledApis?.includes(op));
/** True when a valid token resolves to a customer whose subscribed flag is `subscribed`. */
const validTokenOf = (f: TargetFixtures, subscribed: boolean) =>
  f.tokens.some((t) => t.state === 'valid' && f.customers.some((c) => c.accountId === t.customerAccountId && c.subscribed === subscribed));
const registrationIn = (f: TargetFixtures, entitlement: string) => f.registrations.some((r) => r.entitlement === entitlement && r.publicKeyVersions.length > 0);

/** Every fixture need; a Record, so a new need without its words, key and test fails typechecking. */
export const FIXTURE_NEED_SPECS: Record<FixtureNeed, FixtureNeedSpec> = {
  product: {
    text: 'an AMI or container product with at least one dimension',
    key: 'fixtures.products (kind ami or container)',
    present: (f) => f.products.some((p) => p.kind !== 'saas' && p.entitled !== false && p.dimensions.length > 0),
  },
  'saas-product': { text: 'a SaaS product with at least one dimension', key: 'fixtures.products (kind saas)', present: (f) => f.products.some((p) => p.kind === 'saas' && p.dimensions.length > 0) },
  customer: { text: 'a subscribed customer', key: 'fixtures.customers (subscribed: true)', present: (f) => f.customers.some((c) => c.subscribed) },
  'legacy-customer': {
    text: 'a subscribed customer with a legacy CustomerIdentifier',
    key: 'fixtures.customers[].identifier (subscribed: true)',
    present: (f) => f.customers.some((c) => c.subscribed && c.identifier !== undefined),
  },
  'unsubscribed-customer': { text: 'an unsubscribed customer', key: 'fixtures.customers (subscribed: false)', present: (f) => f.customers.some((c) => !c.subscribed) },
  token: { text: 'a valid registration token of a subscribed customer', key: 'fixtures.tokens (state valid)', present: (f) => validTokenOf(f, true) },
  'unsubscribed-token': { text: 'a valid registration token of an unsubscribed customer', key: 'fixtures.tokens (state valid)', present: (f) => validTokenOf(f, false) },
  'expired-token': { text: 'an expired registration token', key: 'fixtures.tokens (state expired)', present: (f) => f.tokens.some((t) => t.state === 'expired') },
  license: { text: 'a customer with a LicenseArn', key: 'fixtures.customers[].licenseArn', present: (f) => f.customers.some((c) => c.licenseArn !== undefined) },
  registration: { text: 'an entitled RegisterUsage product with a public key version', key: 'fixtures.registrations (entitlement entitled)', present: (f) => registrationIn(f, 'entitled') },
  'registration-not-entitled': {
    text: 'a RegisterUsage product whose customer is not entitled',
    key: 'fixtures.registrations (entitlement not-entitled)',
    present: (f) => registrationIn(f, 'not-entitled'),
  },
  'registration-platform-not-supported': {
    text: 'a RegisterUsage product called from an unsupported platform',
    key: 'fixtures.registrations (entitlement platform-not-supported)',
    present: (f) => registrationIn(f, 'platform-not-supported'),
  },
  'unentitled-product': {
    text: 'an AMI or container product the callers are not entitled to',
    key: 'fixtures.products (entitled: false)',
    present: (f) => f.products.some((p) => p.kind !== 'saas' && p.entitled === false && p.dimensions.length > 0),
  },
  'other-region': {
    text: 'a served Region besides the home one where the operation is not disabled',
    key: 'fixtures.otherRegions',
    present: (f, rule) => otherRegions(f).some((r) => !disables(r, rule)),
  },
  'disabled-api-region': {
    text: 'a served Region that disables the operation',
    key: 'fixtures.otherRegions[].disabledApis',
    present: (f, rule) => otherRegions(f).some((r) => disables(r, rule)),
  },
};

export interface CapabilityNeedSpec {
  /** What the target must be able to do, in words; an explanation may follow in parentheses. */
  text: string;
  /** The target.yaml key that declares it (for cleanLedger, either of two). */
  key: string;
  /** How to declare it in target.yaml. */
  declare: string;
  /** Whether `capabilities` provide it. */
  present(capabilities: TargetCapabilities): boolean;
}

/** A capability met by one boolean key of target.yaml. */
const flag = (key: keyof TargetCapabilities, text: string): CapabilityNeedSpec => ({
  text,
  key: `capabilities.${key}`,
  declare: `capabilities.${key}: true`,
  present: (c) => c[key] === true,
});

/** Every capability need; a Record, so a new need without its words, key and test fails typechecking. */
export const CAPABILITY_NEED_SPECS: Record<CapabilityNeed, CapabilityNeedSpec> = {
  // What the target provides. Without it a run still judges these rules, on keys no earlier
  // property run recorded on (suites/harness/run-ledger.ts): fewer runs, and none once they run out.
  cleanLedger: {
    text: 'a clean ledger for every property run (caller isolation: every access key id its own caller; or a reset the run sends before each property run; without either, a rule judges only inputs on keys no earlier property run recorded on, so fewer runs, and none once the keys run out)',
    key: 'capabilities.callerIsolation or capabilities.reset',
    declare: 'capabilities.callerIsolation: true, or capabilities.reset',
    present: (c) => ledgerModeOf(c) !== 'fresh-keys',
  },
  // true, or the request that sets the target's clock (README); the reason names the simple form.
  clockControl: { ...flag('clockControl', 'clock control'), present: (c) => c.clockControl !== false },
  ledgerRead: flag('ledgerRead', 'ledger read'),
  tokenIssue: flag('tokenIssue', 'token issue (POST /__metering-conformance/v1/tokens)'),
  throttle: flag('throttle', 'throttling on request (POST /__metering-conformance/v1/throttle)'),
};

// The not-applicable reasons of unmet needs, and the short hints the report's coverage line
// groups them by. The reasons name the target.yaml key; coverageHintOfNeed reads them back.
const UNMET_REASON = /^needs (.+?), which the target does not declare \(target\.yaml: (.+)\)$/;

export const unmetFixtureReason = (need: FixtureNeed): string => `needs ${FIXTURE_NEED_SPECS[need].text}, which the target does not declare (target.yaml: ${FIXTURE_NEED_SPECS[need].key})`;

export const unmetCapabilityReason = (need: CapabilityNeed): string => `needs ${CAPABILITY_NEED_SPECS[need].text}, which the target does not declare (target.yaml: ${CAPABILITY_NEED_SPECS[need].declare})`;

/** The coverage hint of a reason made by unmetFixtureReason or unmetCapabilityReason; undefined for any other reason. */
export function coverageHintOfNeed(reason: string): string | undefined {
  const unmet = UNMET_REASON.exec(reason);
  if (!unmet) return undefined;
  const [, text, key] = unmet;
  // A capability's words carry an explanation in parentheses; its key says enough.
  return key.startsWith('capabilities.') ? `declare ${key} in target.yaml (${text.split(' (')[0]})` : `declare ${text} in target.yaml (${key})`;
}

/**
 * The reason of a rule that needs a clean ledger and judged none of its inputs on a target
 * without one: each met a record of an earlier property run (suites/harness/run-ledger.ts).
 * Shaped as an unmet need, so the coverage line names what would make it judgeable.
 */
export const FRESH_KEYS_RAN_OUT =
  'needs inputs on duplicate keys no earlier property run recorded on (every input drawn met a record of one), which the target does not declare (target.yaml: capabilities.callerIsolation or capabilities.reset, or more products, dimensions, customers or callers)';

/** Every not-applicable reason of an unmet need, fixture needs first. */
const UNMET_REASONS: readonly string[] = [
  ...(Object.keys(FIXTURE_NEED_SPECS) as FixtureNeed[]).map(unmetFixtureReason),
  ...(Object.keys(CAPABILITY_NEED_SPECS) as CapabilityNeed[]).map(unmetCapabilityReason),
  FRESH_KEYS_RAN_OUT,
];

/** The unmet need a longer reason quotes (a positive control's, inside a dependent rule's), if any. */
export function quotedUnmetNeed(reason: string): string | undefined {
  return UNMET_REASONS.find((unmet) => reason.includes(unmet));
}
