// BatchMeterUsage batches about who the records name and which product: unsubscribed and
// unknown customers mixed into valid batches, records naming both or neither customer id,
// legacy records without ProductCode, wrong and mixed licenses, empty ProductCode and
// CustomerIdentifier, unknown products. Each returns undefined
// when the model or the fixtures allow no such batch.
import fc from 'fast-check';
import { SECOND_MS, hourStart } from '../core/calendar.js';
import type { CustomerFixture, ProductFixture } from '../core/description.js';
import { memberShape, structure, type ServiceModel } from '../core/model.js';
import { batches, batchWindowAt, customerOf, fixedSample, insertAt, modesOf, productOf, type BatchSetting, type Generated, type Mode } from './batch-modes.js';
import type { BatchMeterUsageInput, UsageRecord } from './inputs.js';
import { modelLimits } from './limits.js';
import { recordWithOtherQuantity } from './retries.js';

const modelHas = (model: ServiceModel, shape: string, member: string) => memberShape(model, shape, member) !== undefined;
/** True when this model version's BatchMeterUsageRequest may leave out ProductCode. */
export const productCodeOptional = (model: ServiceModel) => !structure(model, 'BatchMeterUsageRequest').required.includes('ProductCode');

/** Unsubscribed customers of `product` that a batch in `mode` can name. */
function unsubscribedFor(setting: BatchSetting, mode: Mode, product: ProductFixture): CustomerFixture[] {
  return setting.fixtures.customers.filter(
    (c) =>
      !c.subscribed &&
      c.productCode === product.code &&
      (mode.name !== 'legacy' || c.identifier !== undefined) &&
      (mode.name !== 'license' || c.licenseArn !== undefined),
  );
}

/** Records of unsubscribed customers of the batch's product, in the batch's mode, at distinct keys. */
function unsubscribedRecords(setting: BatchSetting, generated: Generated, nowMs: number, count: { min: number; max: number }): fc.Arbitrary<UsageRecord[]> {
  const { mode, batch } = generated;
  const product = productOf(setting, batch);
  const customers = unsubscribedFor(setting, mode, product);
  if (customers.length === 0 || count.max === 0) return fc.constant([]);
  const { earliest } = batchWindowAt(setting.model, nowMs);
  const record = fc.record({
    customer: fc.constantFrom(...customers),
    dimension: fc.constantFrom(...product.dimensions),
    at: fc.integer({ min: earliest, max: nowMs }),
    quantity: fc.integer({ min: 0, max: 1000 }),
  });
  return fc
    .uniqueArray(record, { minLength: count.min, maxLength: count.max, selector: (r) => `${r.customer.accountId}|${r.dimension}|${hourStart(r.at)}` })
    .map((picked) =>
      picked.map(({ customer, dimension, at, quantity }): UsageRecord => ({
        Timestamp: new Date(Math.floor(at / SECOND_MS) * SECOND_MS),
        Dimension: dimension,
        Quantity: quantity,
        ...(mode.name === 'legacy' ? { CustomerIdentifier: customer.identifier } : { CustomerAWSAccountId: customer.accountId }),
        ...(mode.name === 'license' ? { LicenseArn: customer.licenseArn } : {}),
      })),
    );
}

/**
 * A batch of subscribed customers with `count` records of unsubscribed customers mixed in
 * (`unsubscribed` holds their positions). With count.min > 0, only modes whose product has an
 * unsubscribed customer to name are used; undefined when there is none.
 */
export function mixedBatches(setting: BatchSetting, nowMs: number, count: { min: number; max: number }): fc.Arbitrary<{ batch: BatchMeterUsageInput; unsubscribed: number[] }> | undefined {
  const limit = modelLimits(setting.model).records;
  const modes = modesOf(setting, nowMs)
    .filter((mode) => count.min === 0 || unsubscribedFor(setting, mode, productOf(setting, fixedSample(setting, batches(setting, nowMs, { modes: [mode.name], max: 1 })!).batch)).length > 0)
    .map((m) => m.name);
  const base = modes.length > 0 ? batches(setting, nowMs, { max: limit - count.max, modes }) : undefined;
  if (!base) return undefined;
  return base.chain((generated) =>
    fc.tuple(unsubscribedRecords(setting, generated, nowMs, count), fc.array(fc.nat(), { minLength: count.max, maxLength: count.max })).map(([extras, positions]) => {
      let records = generated.batch.UsageRecords;
      extras.forEach((extra, i) => (records = insertAt(records, extra, positions[i]).records));
      const marked = new Set<UsageRecord>(extras);
      return { batch: { ...generated.batch, UsageRecords: records }, unsubscribed: records.flatMap((r, i) => (marked.has(r) ? [i] : [])) };
    }),
  );
}

/** A valid batch (legacy or account mode) with one record, at `index`, of a customer that does not exist. */
export function unknownCustomerBatches(setting: BatchSetting, nowMs: number) {
  const limit = modelLimits(setting.model).records;
  const base = batches(setting, nowMs, { min: 0, max: limit - 1, modes: ['legacy', 'account'] });
  if (!base) return undefined;
  const identifiers = new Set(setting.fixtures.customers.map((c) => c.identifier));
  const accounts = new Set(setting.fixtures.customers.map((c) => c.accountId));
  const { earliest } = batchWindowAt(setting.model, nowMs);
  // Built once, outside the chain: regular-expression arbitraries are costly to build.
  const unknownIdentifier = fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/).filter((s) => !identifiers.has(s)).map((s) => ({ CustomerIdentifier: s }));
  const unknownAccount = fc.stringMatching(/^[0-9]{12}$/).filter((s) => !accounts.has(s)).map((s) => ({ CustomerAWSAccountId: s }));
  return base.chain(({ mode, batch }) => {
    const product = productOf(setting, batch);
    const who = mode.name === 'legacy' ? unknownIdentifier : unknownAccount;
    const record = fc.record({ who, dimension: fc.constantFrom(...product.dimensions), at: fc.integer({ min: earliest, max: nowMs }), quantity: fc.nat({ max: 1000 }) });
    return fc.tuple(record, fc.nat()).map(([r, at]) => {
      const unknown: UsageRecord = { Timestamp: new Date(r.at), Dimension: r.dimension, Quantity: r.quantity, ...r.who };
      const placed = insertAt(batch.UsageRecords, unknown, at);
      return { kind: mode.name === 'legacy' ? 'unknown CustomerIdentifier' : 'unknown CustomerAWSAccountId', batch: { ...batch, UsageRecords: placed.records }, index: placed.index };
    });
  });
}

/** Legacy batches with one record that also names its customer's account id. */
export function bothIdsBatches(setting: BatchSetting, nowMs: number) {
  const base = batches(setting, nowMs, { modes: ['legacy'] });
  if (!base || !modelHas(setting.model, 'UsageRecord', 'CustomerAWSAccountId')) return undefined;
  return base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).map((index) => ({
      ...batch,
      UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, CustomerAWSAccountId: customerOf(setting, r)!.accountId } : r)),
    })),
  );
}

/** Batches with ProductCode in which one record names no customer. */
export function noIdBatches(setting: BatchSetting, nowMs: number) {
  const base = batches(setting, nowMs, { modes: ['legacy', 'account'] });
  if (!base) return undefined;
  return base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).map((index) => ({
      ...batch,
      UsageRecords: batch.UsageRecords.map((r, i) => {
        if (i !== index) return r;
        const { CustomerIdentifier: _i, CustomerAWSAccountId: _a, ...rest } = r;
        return rest;
      }),
    })),
  );
}

/** Legacy batches sent without ProductCode (absent, or "" with `empty`), with the original batch. */
export function legacyWithoutProductCode(setting: BatchSetting, nowMs: number, empty: fc.Arbitrary<boolean>) {
  const base = batches(setting, nowMs, { modes: ['legacy'] });
  if (!base || !productCodeOptional(setting.model)) return undefined;
  return fc.tuple(base, empty).map(([{ batch }, asEmpty]) => ({ batch: { ...batch, ProductCode: asEmpty ? '' : undefined }, original: batch }));
}

/** Empty batches of a SaaS product of the fixtures, with or without ProductCode as the model allows. */
export function emptyBatches(setting: BatchSetting): fc.Arbitrary<BatchMeterUsageInput> {
  const saas = setting.fixtures.products.filter((p) => p.kind === 'saas');
  const codes = fc.constantFrom(...saas.map((p) => p.code));
  const productCodes = productCodeOptional(setting.model) ? fc.option(codes, { nil: undefined }) : codes;
  return productCodes.map((code): BatchMeterUsageInput => ({ UsageRecords: [], ...(code !== undefined ? { ProductCode: code } : {}) }));
}

export interface EmptyProductCodeCase {
  expect: 'accepted' | 'rejected';
  batch: BatchMeterUsageInput;
}

/**
 * ProductCode "" read as no ProductCode: LicenseArn batches (to be accepted) and, where the model
 * allows leaving ProductCode out, legacy batches (to be rejected). Undefined without a LicenseArn batch.
 */
export function emptyProductCodeCases(setting: BatchSetting, nowMs: number): fc.Arbitrary<EmptyProductCodeCase> | undefined {
  const license = batches(setting, nowMs, { modes: ['license'] });
  if (!license) return undefined;
  const legacy = legacyWithoutProductCode(setting, nowMs, fc.constant(true));
  const accepted = license.map(({ batch }): EmptyProductCodeCase => ({ expect: 'accepted', batch: { ...batch, ProductCode: '' } }));
  const rejected = legacy?.map(({ batch }): EmptyProductCodeCase => ({ expect: 'rejected', batch }));
  return rejected ? fc.oneof(accepted, rejected) : accepted;
}

/** CustomerAWSAccountId batches in which one record also carries CustomerIdentifier "". */
export function emptyCustomerIdentifierBatches(setting: BatchSetting, nowMs: number): fc.Arbitrary<BatchMeterUsageInput> | undefined {
  const base = batches(setting, nowMs, { modes: ['account', 'license'] });
  if (!base) return undefined;
  return base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).map((index) => ({
      ...batch,
      UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, CustomerIdentifier: '' } : r)),
    })),
  );
}

/** Pattern-valid license ARNs that no fixture holds. */
function unknownLicenseArn(known: Set<string>): fc.Arbitrary<string> {
  return fc
    .tuple(fc.stringMatching(/^[0-9]{12}$/), fc.stringMatching(/^[0-9a-f]{32}$/))
    .map(([account, id]) => `arn:aws:license-manager::${account}:license:l-${id}`)
    .filter((arn) => !known.has(arn));
}

/** LicenseArn batches in which one record carries a license that is not its customer's: unknown, or another customer's of the same product. */
export function invalidLicenseBatches(setting: BatchSetting, nowMs: number): fc.Arbitrary<BatchMeterUsageInput> | undefined {
  const base = batches(setting, nowMs, { modes: ['license'] });
  if (!base) return undefined;
  const licensed = setting.fixtures.customers.filter((c) => c.licenseArn !== undefined);
  const known = new Set(licensed.map((c) => c.licenseArn!));
  // Built once: regular-expression arbitraries cost far more to build than to draw from.
  const unknown = unknownLicenseArn(known);
  return base.chain(({ batch }) =>
    fc.nat({ max: batch.UsageRecords.length - 1 }).chain((index) => {
      const record = batch.UsageRecords[index];
      const product = customerOf(setting, record)?.productCode;
      // Another customer's license of the same product, so only the customer can be wrong.
      const others = licensed.filter((c) => c.accountId !== record.CustomerAWSAccountId && c.productCode === product).map((c) => c.licenseArn!);
      const arn = others.length > 0 ? fc.oneof(unknown, fc.constantFrom(...others)) : unknown;
      return arn.map((LicenseArn) => ({ ...batch, UsageRecords: batch.UsageRecords.map((r, i) => (i === index ? { ...r, LicenseArn } : r)) }));
    }),
  );
}

/**
 * Two-record LicenseArn batches whose records are of two SaaS products (a subscribed, licensed
 * customer of each); undefined unless the fixtures have two such products and the model has CustomerAWSAccountId.
 */
export function mixedLicenseBatches(setting: BatchSetting, nowMs: number): fc.Arbitrary<BatchMeterUsageInput> | undefined {
  const { fixtures, model } = setting;
  const { earliest } = batchWindowAt(model, nowMs);
  const licensed = fixtures.customers.filter((c) => c.subscribed && c.licenseArn !== undefined && fixtures.products.some((p) => p.kind === 'saas' && p.code === c.productCode));
  const byProduct = new Map<string, CustomerFixture>();
  for (const c of licensed) if (!byProduct.has(c.productCode)) byProduct.set(c.productCode, c);
  if (byProduct.size < 2 || !modelHas(model, 'UsageRecord', 'CustomerAWSAccountId')) return undefined;
  const record = (customer: CustomerFixture) => {
    const product = fixtures.products.find((p) => p.code === customer.productCode)!;
    return fc.record({ Dimension: fc.constantFrom(...product.dimensions), at: fc.integer({ min: earliest, max: nowMs }), Quantity: fc.nat({ max: 1000 }) }).map(
      ({ Dimension, at, Quantity }): UsageRecord => ({ Timestamp: new Date(at), Dimension, Quantity, CustomerAWSAccountId: customer.accountId, LicenseArn: customer.licenseArn }),
    );
  };
  const customers = [...byProduct.values()].slice(0, 2);
  return fc.tuple(record(customers[0]), record(customers[1])).map((records): BatchMeterUsageInput => ({ UsageRecords: records }));
}

/**
 * A one-record ProductCode batch of a licensed customer (`first`), then a LicenseArn batch of the
 * same customer, dimension and time with another quantity (`second`); undefined without such a
 * customer or without LicenseArn in the model.
 */
export function productThenLicenseBatches(setting: BatchSetting, nowMs: number) {
  const base = batches(setting, nowMs, { modes: ['account'] });
  const licensed = new Set(setting.fixtures.customers.filter((c) => c.licenseArn !== undefined).map((c) => c.accountId));
  if (!base || !modelHas(setting.model, 'UsageRecord', 'LicenseArn')) return undefined;
  return base
    .filter(({ batch }) => batch.UsageRecords.some((r) => licensed.has(r.CustomerAWSAccountId ?? '')))
    .chain(({ batch }) => {
      const record = batch.UsageRecords.find((r) => licensed.has(r.CustomerAWSAccountId ?? ''))!;
      return recordWithOtherQuantity(setting.model, record).map((other) => ({
        first: { ...batch, UsageRecords: [record] },
        second: { UsageRecords: [{ ...other, LicenseArn: customerOf(setting, record)!.licenseArn }] } as BatchMeterUsageInput,
      }));
    });
}

/** Batches with ProductCode (at most 5 records) and a pattern-valid ProductCode that names no product of the fixtures. */
export function unknownProductBatches(setting: BatchSetting, nowMs: number) {
  const arbitrary = batches(setting, nowMs, { max: 5, modes: ['legacy', 'account'] });
  if (!arbitrary) return undefined;
  const known = new Set(setting.fixtures.products.map((p) => p.code));
  return fc.record({ generated: arbitrary, code: fc.stringMatching(/^[-a-zA-Z0-9/=:_.@]{1,64}$/).filter((code) => !known.has(code)) });
}
