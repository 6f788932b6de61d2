// The valid rest of a request that breaks one model constraint: every other member valid for
// the target (a product and dimension it knows, a subscribed customer, a registration it
// entitles, a timestamp inside the window) and clear of the rules the model cannot state
// (allocations adding up to the quantity, distinct tag sets and keys, one customer identity,
// no DryRun). Only then can a derived rule accept just the errors about the broken member
// (generators/treatment.ts): any other answer names a member that was valid.
import fc from 'fast-check';
import type { CustomerFixture, ProductFixture, TargetFixtures } from '../core/description.js';
import type { ValueOptions } from './arbitraries.js';
import type { Tag } from './inputs.js';
import { modelLimits } from './limits.js';
import { acceptedMeterUsageTimestamp, meterableProducts } from './meter-usage.js';
import { tagSetKey } from './tags.js';
import type { ModelConstraint } from './invalid.js';
import { memberShape, structure, type ServiceModel, type StringShape } from '../core/model.js';
import { codePointLength, matchesPattern } from './patterns.js';

export interface FaultSurroundings {
  /** Options for singleFaults: pins from the fixtures and the rules the model cannot state. */
  options: ValueOptions;
  /**
   * Why the target's fixtures cannot make the rest of the request valid; the rule then accepts
   * any modeled client error of the operation. Undefined when they can.
   */
  unmet?: string;
}

type Constraint = Pick<ModelConstraint, 'operation' | 'path'>;

/** Small allocated quantities, so that their sum stays a valid usage quantity. */
const ALLOCATED = fc.integer({ min: 0, max: 1000 });

/** Tag keys from a pool of at most the TagList max, so that no allocation list uses more distinct keys than one allocation may. */
function keyPool(model: ServiceModel): string[] | undefined {
  const key = model.shapes.TagKey as StringShape | undefined;
  const max = modelLimits(model).tags;
  if (!key || max === undefined) return undefined;
  const pool = [...'abcdefghijklmnopqrstuvwxyz'].filter((c) => matchesPattern(key.pattern, c) && codePointLength(c) >= (key.min ?? 0) && codePointLength(c) <= (key.max ?? 1));
  return pool.length > 0 ? pool.slice(0, max) : undefined;
}

/** Sets the quantity member to the sum of the allocations, when every allocated quantity is valid. */
function balance(model: ServiceModel, quantityMember: string): (value: Record<string, unknown>) => Record<string, unknown> {
  const quantityMax = modelLimits(model).quantity;
  const allocatedMax = modelLimits(model).allocatedQuantity;
  return (value) => {
    const allocations = value.UsageAllocations;
    if (!Array.isArray(allocations) || allocations.length === 0) return value;
    let sum = 0;
    for (const a of allocations) {
      const q = (a as { AllocatedUsageQuantity?: unknown } | null)?.AllocatedUsageQuantity;
      if (typeof q !== 'number' || !Number.isInteger(q) || q < 0 || q > allocatedMax) return value;
      sum += q;
    }
    return sum > quantityMax ? value : { ...value, [quantityMember]: sum };
  };
}

/** The rules every valid rest of a request keeps, fixtures aside. */
function domainOptions(model: ServiceModel, nowMs: number, c: Constraint): ValueOptions {
  const underTags = /(^|\.)Tags(\.|$)/.test(c.path);
  const pool = underTags ? undefined : keyPool(model);
  return {
    timestamp: acceptedMeterUsageTimestamp(model, nowMs),
    // Small valid surroundings: the members around the fault are not under test, and big ones only cost time.
    small: true,
    maxItemsWeight: 0,
    unique: {
      TagList: (tag) => String((tag as Partial<Tag> | null)?.Key),
      // Tags that are not a list (a fault) count as none: their allocation must not pass for a second untagged one.
      UsageAllocations: (allocation) => {
        const tags = (allocation as { Tags?: unknown } | null)?.Tags;
        return tagSetKey(Array.isArray(tags) ? (tags as Tag[]) : undefined);
      },
    },
    complete: { MeterUsageRequest: balance(model, 'UsageQuantity'), UsageRecord: balance(model, 'Quantity') },
    pin: {
      UsageAllocation: { AllocatedUsageQuantity: ALLOCATED },
      ...(pool ? { Tag: { Key: fc.constantFrom(...pool) } } : {}),
    },
  };
}

function withPins(options: ValueOptions, pins: NonNullable<ValueOptions['pin']>): ValueOptions {
  const merged: NonNullable<ValueOptions['pin']> = { ...options.pin };
  for (const [shape, members] of Object.entries(pins)) merged[shape] = { ...merged[shape], ...members };
  return { ...options, pin: merged };
}

const has = (model: ServiceModel, owner: string, member: string) => model.shapes[owner] !== undefined && memberShape(model, owner, member) !== undefined;

function saasCustomers(fixtures: TargetFixtures, keep: (c: CustomerFixture) => boolean): { product: ProductFixture; customer: CustomerFixture } | undefined {
  for (const customer of fixtures.customers) {
    if (!customer.subscribed || !keep(customer)) continue;
    const product = fixtures.products.find((p) => p.code === customer.productCode && p.kind === 'saas' && p.dimensions.length > 0);
    if (product) return { product, customer };
  }
  return undefined;
}

/**
 * The valid rest of a request breaking `c`, from the target's fixtures. When the fixtures lack
 * what that takes, `unmet` says what is missing and the options are those of a request whose
 * other members are valid for the model only.
 */
export function faultSurroundings(model: ServiceModel, fixtures: TargetFixtures, nowMs: number, c: Constraint): FaultSurroundings {
  const options = domainOptions(model, nowMs, c);
  const member = c.path.split('.')[0];
  switch (c.operation) {
    case 'MeterUsage': {
      const product = meterableProducts(fixtures)[0];
      // A DryRun request may be answered before it is validated; a
      // ClientToken binds parameters. Neither is part of a plain valid request.
      const dryRunRequired = structure(model, 'MeterUsageRequest').required.includes('DryRun');
      const plain = withPins(options, { MeterUsageRequest: { DryRun: dryRunRequired ? false : undefined, ClientToken: undefined, UsageAllocations: undefined } });
      if (!product) return { options: plain, unmet: 'the target declares no product that MeterUsage can meter (an AMI or container product with a dimension)' };
      return { options: withPins(plain, { MeterUsageRequest: { ProductCode: product.code, UsageDimension: fc.constantFrom(...product.dimensions) } }) };
    }
    case 'RegisterUsage': {
      const registration = fixtures.registrations.find((r) => r.entitlement === 'entitled' && r.publicKeyVersions.length > 0);
      if (!registration) return { options, unmet: 'the target declares no registration that RegisterUsage entitles' };
      return { options: withPins(options, { RegisterUsageRequest: { ProductCode: registration.productCode, PublicKeyVersion: fc.constantFrom(...registration.publicKeyVersions) } }) };
    }
    case 'BatchMeterUsage':
      return batchSurroundings(model, fixtures, options, c);
    default:
      // ResolveCustomer: the token is the whole request.
      return { options };
  }
}

function batchSurroundings(model: ServiceModel, fixtures: TargetFixtures, options: ValueOptions, c: Constraint): FaultSurroundings {
  const recordMember = c.path.startsWith('UsageRecords.member.') ? c.path.split('.')[2] : undefined;
  const hasAccount = has(model, 'UsageRecord', 'CustomerAWSAccountId');
  const productCodeRequired = structure(model, 'BatchMeterUsageRequest').required.includes('ProductCode');
  const base = withPins(options, { UsageRecord: { UsageAllocations: undefined, ...(has(model, 'UsageRecord', 'LicenseArn') ? { LicenseArn: undefined } : {}) } });
  // One customer identity per record: CustomerIdentifier and CustomerAWSAccountId are
  // exclusive. A record whose identifier is under test carries only
  // the identifier, so its valid siblings do too.
  const byIdentifier = recordMember === 'CustomerIdentifier' || !hasAccount;
  const byLicense = recordMember === 'LicenseArn';
  const found = saasCustomers(fixtures, (cu) => (byIdentifier ? cu.identifier !== undefined : true) && (byLicense ? cu.licenseArn !== undefined : true));
  if (!found) {
    const what = byLicense ? 'with a license' : byIdentifier ? 'with a CustomerIdentifier' : '';
    return { options: base, unmet: `the target declares no subscribed customer${what ? ` ${what}` : ''} of a SaaS product with a dimension` };
  }
  const { product, customer } = found;
  const identity = byIdentifier
    ? { CustomerIdentifier: customer.identifier, ...(hasAccount ? { CustomerAWSAccountId: undefined } : {}) }
    : { CustomerAWSAccountId: customer.accountId, ...(has(model, 'UsageRecord', 'CustomerIdentifier') ? { CustomerIdentifier: undefined } : {}) };
  // LicenseArn identifies the product: such records go without ProductCode where the model allows.
  const productCode = byLicense && !productCodeRequired ? undefined : product.code;
  return {
    options: withPins(base, {
      BatchMeterUsageRequest: { ProductCode: productCode },
      UsageRecord: { Dimension: fc.constantFrom(...product.dimensions), ...identity, ...(byLicense ? { LicenseArn: customer.licenseArn } : {}) },
    }),
  };
}
