// Valid BatchMeterUsage requests for a SaaS product of the fixtures: subscribed customers named
// every way the model allows, the product's dimensions, timestamps inside the window, distinct
// (customer, dimension, hour) keys.
import fc from 'fast-check';
import { HOUR_MS, hourStart, hourStartsBetween } from '../core/calendar.js';
import type { CustomerFixture, ProductFixture, TargetFixtures } from '../core/description.js';
import { memberShape, ModelError, shapeOf, type ServiceModel } from '../core/model.js';
import { CROSS_SHRINK } from './arbitraries.js';
import { allocatedQuantity, quantityOf, type AllocatedQuantity } from './allocations.js';
import { drawerOf, itemsDrawnBy } from './draws.js';
import { customerIdentity, type IdentityMode } from './identities.js';
import type { BatchMeterUsageInput, UsageRecord } from './inputs.js';
import { instantBetween } from './instants.js';
import { modelLimits, requireShape } from './limits.js';
import { earliestAccepted, timestampWindow } from './time-windows.js';
import { firstFree, takenKeys } from './key-steering.js';

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
  const quantity = fc.oneof(CROSS_SHRINK, fc.integer({ min: 0, max: Math.min(quantityMax, 1000) }), fc.constantFrom(0, quantityMax));
  // Allocations drawn with their quantity (half the records): no chain, nothing built per value.
  const amount: fc.Arbitrary<AllocatedQuantity> = withAllocations ? allocatedQuantity(model, quantity) : quantity.map((q) => ({ quantity: q }), quantityOf);
  const names = (customer: CustomerFixture | undefined) => ({ ...(customer ? customerIdentity(customer, identity) : {}), ...(license && customer ? { LicenseArn: customer.licenseArn } : {}) });
  // What each key needs, built at its first use and reused by every batch drawn (batches() builds a batchRequest per draw).
  type Keyed = (typeof keys)[number] & { names: ReturnType<typeof names>; instant: fc.Arbitrary<Date>; drawInstant: (mrng: fc.Random, bias: number | undefined) => Date; shrinker?: fc.Arbitrary<UsageRecord> };
  const keyedAt: Keyed[] = [];
  const keyed = (i: number): Keyed => {
    if (!keyedAt[i]) {
      const instant = instantBetween(Math.max(earliest, keys[i].hour), Math.min(nowMs, keys[i].hour + HOUR_MS - 1));
      keyedAt[i] = { ...keys[i], names: names(keys[i].customer), instant, drawInstant: drawerOf(instant) };
    }
    return keyedAt[i];
  };
  const drawAmount = drawerOf(amount);
  const recordOf = (key: Keyed, timestamp: Date, { quantity: q, allocations }: AllocatedQuantity): UsageRecord => {
    const record: UsageRecord = { Timestamp: timestamp, Dimension: key.dimension, Quantity: q };
    // Member by member (in the order of the model): spreading made two objects per record.
    if (key.names.CustomerIdentifier !== undefined) record.CustomerIdentifier = key.names.CustomerIdentifier;
    if (key.names.CustomerAWSAccountId !== undefined) record.CustomerAWSAccountId = key.names.CustomerAWSAccountId;
    if (key.names.LicenseArn !== undefined) record.LicenseArn = key.names.LicenseArn;
    if (allocations) record.UsageAllocations = allocations;
    return record;
  };
  // As fc.shuffledSubarray picks `size` keys (in a random order), each record drawn as fc.tuple(instant, amount) would.
  const draw = (mrng: fc.Random, bias: number | undefined): UsageRecord[] => {
    const ids = keys.map((_, i) => i);
    const records: UsageRecord[] = [];
    const taken = takenKeys();
    const isFree = (id: number) => keys[id].customer === undefined || !taken.batchRecord(keys[id].customer.accountId, keys[id].dimension, keys[id].hour);
    for (let i = 0; i < options.size; i++) {
      const drawn = mrng.nextInt(0, ids.length - 1 - i);
      // Steered off a key that already holds a record, to the next free one still unpicked (key-steering.ts).
      const j = i + firstFree(drawn, ids.length - i, (k) => isFree(ids[i + k]));
      [ids[i], ids[j]] = [ids[j], ids[i]];
      const key = keyed(ids[i]);
      records.push(recordOf(key, key.drawInstant(mrng, bias), drawAmount(mrng, bias)));
    }
    return records;
  };
  // Shrinking only: a record as fc.tuple(instant, amount) of its key, mapped both ways.
  let byName: Map<string, number> | undefined;
  const shrinkerOf = (record: UsageRecord): fc.Arbitrary<UsageRecord> | undefined => {
    byName ??= new Map(keys.map((key, i) => [recordName(keyed(i).names, key.dimension, key.hour), i]));
    const at = record.Timestamp instanceof Date ? byName.get(recordName(record, record.Dimension, hourStart(record.Timestamp.getTime()))) : undefined;
    if (at === undefined) return undefined;
    const key = keyed(at);
    return (key.shrinker ??= fc.tuple(key.instant, amount).map(
      ([timestamp, a]) => recordOf(key, timestamp, a),
      (value): [Date, AllocatedQuantity] => {
        const r = value as UsageRecord;
        return [r.Timestamp, { quantity: r.Quantity ?? NaN, ...(r.UsageAllocations ? { allocations: r.UsageAllocations } : {}) }];
      },
    ));
  };
  const includeProductCode = options.license !== 'without-product-code';
  // The keys stay as drawn when shrinking (fc.shuffledSubarray of a fixed size did not shrink them either); the records shrink in place.
  return itemsDrawnBy(draw, shrinkerOf).map((records) => ({ ...(includeProductCode ? { ProductCode: product.code } : {}), UsageRecords: records }));
}

/** What tells the records of a batch apart: the customer members, the dimension, the hour. */
function recordName(names: Pick<UsageRecord, 'CustomerIdentifier' | 'CustomerAWSAccountId' | 'LicenseArn'>, dimension: string, hour: number): string {
  return JSON.stringify([names.CustomerIdentifier ?? null, names.CustomerAWSAccountId ?? null, names.LicenseArn ?? null, dimension, hour]);
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
