// Valid BatchMeterUsage requests for a SaaS product of the fixtures: subscribed customers named
// every way the model allows, the product's dimensions, timestamps inside the window, distinct
// (customer, dimension, hour) keys.
import fc from 'fast-check';
import { HOUR_MS, hourStartsBetween } from '../core/calendar.js';
import type { CustomerFixture, ProductFixture, TargetFixtures } from '../core/description.js';
import { memberShape, ModelError, shapeOf, type ServiceModel } from '../core/model.js';
import { CROSS_SHRINK } from './arbitraries.js';
import { allocationsSummingTo } from './allocations.js';
import { customerIdentity, type IdentityMode } from './identities.js';
import type { BatchMeterUsageInput, UsageRecord } from './inputs.js';
import { instantBetween } from './instants.js';
import { modelLimits, requireShape } from './limits.js';
import { earliestAccepted, timestampWindow } from './time-windows.js';

export interface BatchOptions {
  /** Records in the batch; above the model's limit on purpose is allowed (26). */
  size: number;
  /** Default: `account` when the model knows CustomerAWSAccountId, else `identifier`. */
  identity?: IdentityMode;
  /** Records carry the customers' LicenseArn; the request carries ProductCode only when `with-product-code`. */
  license?: 'with-product-code' | 'without-product-code';
  /** Give records UsageAllocations adding up to their Quantity sometimes (default: when the model has them). */
  allocations?: boolean;
  /** The SaaS product (default: any SaaS product fixture with a suitable customer). */
  productCode?: string;
  marginMs?: number;
}

function saasProducts(fixtures: TargetFixtures): ProductFixture[] {
  return fixtures.products.filter((p) => p.kind === 'saas' && p.dimensions.length > 0);
}

function suitableCustomers(fixtures: TargetFixtures, product: ProductFixture, identity: IdentityMode, license: boolean): CustomerFixture[] {
  return fixtures.customers.filter(
    (c) =>
      c.subscribed &&
      c.productCode === product.code &&
      (!license || c.licenseArn !== undefined) &&
      (identity === 'account' || identity === 'neither' || c.identifier !== undefined),
  );
}

/**
 * Valid BatchMeterUsage requests for a SaaS product of the fixtures: subscribed customers,
 * the product's dimensions, timestamps inside the window. Records have distinct
 * (customer, dimension, hour) keys, so no record duplicates another.
 */
export function batchRequest(model: ServiceModel, fixtures: TargetFixtures, nowMs: number, options: BatchOptions): fc.Arbitrary<BatchMeterUsageInput> {
  requireShape(model, 'UsageRecord', 'BatchMeterUsage requests');
  const hasAccount = memberShape(model, 'UsageRecord', 'CustomerAWSAccountId') !== undefined;
  const identity = options.identity ?? (hasAccount ? 'account' : 'identifier');
  if ((identity === 'account' || identity === 'both') && !hasAccount) throw new ModelError(`model ${model.version} has no UsageRecord.CustomerAWSAccountId`);
  const license = options.license !== undefined;
  if (license && memberShape(model, 'UsageRecord', 'LicenseArn') === undefined) throw new ModelError(`model ${model.version} has no UsageRecord.LicenseArn`);
  const productCodeRequired = (shapeOf(model, 'BatchMeterUsageRequest') as { required: string[] }).required.includes('ProductCode');
  if (options.license === 'without-product-code' && productCodeRequired) throw new ModelError(`model ${model.version} requires BatchMeterUsageRequest.ProductCode`);

  const candidates = saasProducts(fixtures).filter((p) => options.productCode === undefined || p.code === options.productCode);
  const product = candidates.find((p) => suitableCustomers(fixtures, p, identity, license).length > 0);
  if (!product) throw new ModelError(`the fixtures have no SaaS product with a subscribed customer suited to identity ${identity}${license ? ' and a license' : ''}`);
  const customers = suitableCustomers(fixtures, product, identity, license);

  const window = timestampWindow(model, 'BatchMeterUsage');
  const earliest = earliestAccepted(nowMs, window, { marginMs: options.marginMs });
  const hours = hourStartsBetween(earliest, nowMs);
  // With no customer in the record, only (dimension, hour) tells records apart.
  const who = identity === 'neither' ? [undefined] : customers;
  const keys = who.flatMap((customer) => product.dimensions.flatMap((dimension) => hours.map((hour) => ({ customer, dimension, hour }))));
  if (keys.length < options.size) throw new ModelError(`the fixtures allow only ${keys.length} distinct records for product ${product.code}; ${options.size} were asked`);

  const quantityMax = modelLimits(model).quantity;
  const withAllocations = (options.allocations ?? true) && model.shapes.UsageAllocations !== undefined;
  // Built once per key and reused by every batch drawn: building arbitraries costs more than drawing.
  const records = new Map<(typeof keys)[number], fc.Arbitrary<UsageRecord>>();
  const record = (key: (typeof keys)[number]): fc.Arbitrary<UsageRecord> => {
    let arbitrary = records.get(key);
    if (!arbitrary) records.set(key, (arbitrary = recordFor(key)));
    return arbitrary;
  };
  const recordFor = (key: (typeof keys)[number]): fc.Arbitrary<UsageRecord> =>
    fc
      .record(
        {
        timestamp: instantBetween(Math.max(earliest, key.hour), Math.min(nowMs, key.hour + HOUR_MS - 1)),
        quantity: fc.oneof(CROSS_SHRINK, fc.integer({ min: 0, max: Math.min(quantityMax, 1000) }), fc.constantFrom(0, quantityMax)),
        allocate: fc.boolean(),
        },
        { noNullPrototype: true },
      )
      .chain(({ timestamp, quantity, allocate }) => {
        const base: UsageRecord = {
          Timestamp: timestamp,
          Dimension: key.dimension,
          Quantity: quantity,
          ...(key.customer ? customerIdentity(key.customer, identity) : {}),
          ...(license && key.customer ? { LicenseArn: key.customer.licenseArn } : {}),
        };
        if (!withAllocations || !allocate) return fc.constant(base);
        return allocationsSummingTo(model, quantity).map((a) => ({ ...base, UsageAllocations: a }));
      });
  const includeProductCode = options.license !== 'without-product-code';
  return fc
    .shuffledSubarray(keys, { minLength: options.size, maxLength: options.size })
    .chain((chosen): fc.Arbitrary<UsageRecord[]> => (chosen.length === 0 ? fc.constant([]) : fc.tuple(...chosen.map(record))))
    .map((records) => ({ ...(includeProductCode ? { ProductCode: product.code } : {}), UsageRecords: records }));
}

/** The batch sizes worth trying: empty, one, the model's limit and one over it (0, 1, 25, 26). */
export function batchSizes(model: ServiceModel): number[] {
  const limit = modelLimits(model).records;
  return [0, 1, limit, limit + 1];
}

export interface BatchRequestsOptions {
  /** Most records in a batch (default 4); fewer when the fixtures leave fewer distinct keys. */
  maxSize?: number;
}

/**
 * Valid batches of 1..maxSize records that name customers every way the fixtures and the model
 * allow (account id with ProductCode, legacy CustomerIdentifier, account id with LicenseArn).
 */
export function batchRequests(fixtures: TargetFixtures, model: ServiceModel, nowMs: number, { maxSize = 4 }: BatchRequestsOptions = {}): fc.Arbitrary<BatchMeterUsageInput> {
  const styles: BatchOptions[] = [
    { size: 1, identity: 'account' },
    { size: 1, identity: 'identifier' },
    { size: 1, identity: 'account', license: 'without-product-code' },
  ];
  /** The largest batch of `style` the fixtures allow now, up to maxSize (0: none); fewer keys are left near the end of an hour. */
  const largest = (style: (typeof styles)[number]): number => {
    for (let size = maxSize; size >= 1; size--) {
      try {
        batchRequest(model, fixtures, nowMs, { ...style, size });
        return size;
      } catch (error) {
        if (!(error instanceof ModelError)) throw error;
      }
    }
    return 0;
  };
  const batches = styles.flatMap((style) => {
    const max = largest(style);
    return max === 0 ? [] : [fc.integer({ min: 1, max }).chain((size) => batchRequest(model, fixtures, nowMs, { ...style, size }))];
  });
  if (batches.length === 0) throw new ModelError('the fixtures allow no BatchMeterUsage request (a SaaS product with a subscribed customer)');
  return fc.oneof(...batches);
}
