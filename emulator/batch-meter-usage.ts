// BatchMeterUsage (SaaS products). Whole-request checks run record by record (customer
// identity → product or license → dimension → time window → allocations → customer
// identifier); any failure rejects the whole batch with no partial output. Then each record gets a status: Success (new or identical to an earlier record,
// same MeteringRecordId), DuplicateRecord (same key, another quantity or allocations) or
// CustomerNotSubscribed. Sources: model operations.BatchMeterUsage, shapes.UsageRecord,
// shapes.UsageRecordResult.
import { randomUUID } from 'node:crypto';
import type { CustomerFixture, ProductFixture } from '../core/description.js';
import { canonicalAllocations, checkAllocations, sameAllocations, type AllocationInput } from './allocations.js';
import { callerKey, HOUR_MS, isoTime, modelAtLeast, type OperationContext } from './context.js';
import { ServiceError } from './errors.js';
import type { LedgerChange, LedgerRecord } from './ledger.js';

interface UsageRecordInput {
  Timestamp: number;
  Dimension: string;
  Quantity?: number;
  UsageAllocations?: AllocationInput[];
  CustomerIdentifier?: string;
  CustomerAWSAccountId?: string;
  LicenseArn?: string;
}

interface BatchInput {
  UsageRecords: UsageRecordInput[];
  ProductCode?: string;
}

/** A record that passed the whole-request checks. */
interface Resolved {
  input: UsageRecordInput;
  product: ProductFixture;
  /** The subscribed customer the record bills, if any. */
  customer: CustomerFixture | undefined;
  timestampMs: number;
  quantity: number;
}

const MAX_AHEAD_MS = 5 * 60_000;

/** Record errors that the fault mode batch-unprocessed-invalid-records answers per record. */
const INVALID_RECORD_ERRORS = new Set(['InvalidUsageDimensionException', 'InvalidUsageAllocationsException']);

/**
 * How far back records are accepted, per model version: 24 hours (2026-07-01 on; "aren't
 * accepted 24 hours or more", so 24 h itself is out), 6 hours (2022-02-03 on), 1 hour before.
 */
function windowOf(ctx: OperationContext): { maxAgeMs: number; inclusive: boolean } {
  if (modelAtLeast(ctx.model, '2026-07-01')) return { maxAgeMs: 24 * HOUR_MS, inclusive: false };
  if (modelAtLeast(ctx.model, '2022-02-03')) return { maxAgeMs: 6 * HOUR_MS, inclusive: true };
  return { maxAgeMs: HOUR_MS, inclusive: true };
}

function startOfMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Why a timestamp is out of range, or undefined when it is in range. */
function outOfRange(timestampMs: number, ctx: OperationContext): string | undefined {
  const now = ctx.nowMs;
  const { maxAgeMs, inclusive } = windowOf(ctx);
  const age = now - timestampMs;
  if (age > maxAgeMs || (!inclusive && age === maxAgeMs)) return `more than ${maxAgeMs / HOUR_MS} hour(s) in the past`;
  if (-age > MAX_AHEAD_MS && !ctx.faults.has('accept-future-timestamp')) return 'more than 5 minutes in the future';
  // Month end (model 2026-07-07 on): previous-month records close at 06:00 UTC on day 1.
  const monthStart = startOfMonth(now);
  if (modelAtLeast(ctx.model, '2026-07-07') && timestampMs < monthStart && now >= monthStart + 6 * HOUR_MS && !ctx.faults.has('batch-ignore-month-end')) {
    return 'in a previous month, which closed at 06:00 UTC on the first day of this month';
  }
  return undefined;
}

const present = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);

/** Sort key of a record by its customer, then dimension (fault mode batch-results-misattributed). */
const customerOrder = (r: UsageRecordInput) => `${present(r.CustomerIdentifier) ?? r.CustomerAWSAccountId ?? ''}\u0000${r.Dimension}`;

function resolveRecord(record: UsageRecordInput, index: number, requestProduct: string | undefined, ctx: OperationContext): Resolved {
  const where = `UsageRecords/${index}: `;
  const { fixtures } = ctx;
  const identifier = present(record.CustomerIdentifier);
  const accountId = record.CustomerAWSAccountId;
  if (identifier !== undefined && accountId !== undefined && !ctx.faults.has('accept-both-customer-ids')) {
    throw new ServiceError('ValidationException', `${where}CustomerIdentifier and CustomerAWSAccountId are mutually exclusive.`);
  }
  if (identifier === undefined && accountId === undefined) {
    throw new ServiceError('ValidationException', `${where}one of CustomerIdentifier or CustomerAWSAccountId is required.`);
  }

  let product: ProductFixture | undefined;
  let licensee: CustomerFixture | undefined;
  if (record.LicenseArn !== undefined) {
    licensee = fixtures.customers.find((c) => c.licenseArn === record.LicenseArn);
    if (!licensee) throw new ServiceError('InvalidLicenseException', `${where}LicenseArn ${record.LicenseArn} is not a license granted for any product.`);
    if (requestProduct !== undefined && requestProduct !== licensee.productCode) {
      throw new ServiceError('InvalidLicenseException', `${where}LicenseArn ${record.LicenseArn} is not a license for product '${requestProduct}'.`);
    }
    product = fixtures.products.find((p) => p.code === licensee!.productCode);
  } else {
    if (requestProduct === undefined) {
      throw new ServiceError('ValidationException', `${where}ProductCode is required for records without a LicenseArn.`);
    }
    product = fixtures.products.find((p) => p.code === requestProduct && p.kind === 'saas');
  }
  if (!product || product.kind !== 'saas') {
    throw new ServiceError('InvalidProductCodeException', `Product code '${requestProduct ?? licensee?.productCode}' is not a published SaaS product.`);
  }
  if (!product.dimensions.includes(record.Dimension)) {
    throw new ServiceError('InvalidUsageDimensionException', `${where}Usage dimension '${record.Dimension}' is not a dimension of product '${product.code}'.`);
  }
  const timestampMs = Math.round(record.Timestamp * 1000);
  const reason = outOfRange(timestampMs, ctx);
  if (reason !== undefined) {
    throw new ServiceError('TimestampOutOfBoundsException', `${where}Timestamp ${isoTime(timestampMs)} is ${reason} (now ${isoTime(ctx.nowMs)}); no record of the batch was processed.`);
  }
  const quantity = record.Quantity ?? 0;
  checkAllocations(quantity, record.UsageAllocations, ctx.faults, where);

  let customer: CustomerFixture | undefined;
  if (identifier !== undefined) {
    customer = fixtures.customers.find((c) => c.identifier === identifier);
    if (!customer) throw new ServiceError('InvalidCustomerIdentifierException', `${where}CustomerIdentifier '${identifier}' does not exist.`);
  } else {
    customer = fixtures.customers.find((c) => c.accountId === accountId && c.productCode === product.code);
  }
  if (licensee && (identifier !== undefined ? licensee.identifier !== identifier : licensee.accountId !== accountId)) {
    throw new ServiceError('InvalidLicenseException', `${where}LicenseArn ${record.LicenseArn} was not granted to this customer.`);
  }
  const billable = customer !== undefined && customer.productCode === product.code && (customer.subscribed || ctx.faults.has('batch-bill-unsubscribed'));
  return { input: record, product, customer: billable ? customer : undefined, timestampMs, quantity };
}

export function batchMeterUsage(raw: Record<string, unknown>, ctx: OperationContext): Record<string, unknown> {
  const input = raw as unknown as BatchInput;
  const requestProduct = present(input.ProductCode);
  const resolved: Resolved[] = [];
  const unprocessed: UsageRecordInput[] = [];
  input.UsageRecords.forEach((record, i) => {
    try {
      resolved.push(resolveRecord(record, i, requestProduct, ctx));
    } catch (error) {
      const perRecord =
        error instanceof ServiceError &&
        ((error.type === 'TimestampOutOfBoundsException' && ctx.faults.has('batch-partial-timestamp-rejection')) ||
          (INVALID_RECORD_ERRORS.has(error.type) && ctx.faults.has('batch-unprocessed-invalid-records')));
      if (perRecord) {
        unprocessed.push(record);
        return;
      }
      throw error;
    }
  });

  const changes: LedgerChange[] = [];
  const pending = new Map<string, LedgerRecord>();
  const results = resolved.map(({ input: record, product, customer, timestampMs, quantity }, position) => {
    if (!customer) return { UsageRecord: record, Status: 'CustomerNotSubscribed' };
    const hourMs = Math.floor(timestampMs / HOUR_MS) * HOUR_MS;
    // ProductCode-keyed and LicenseArn-keyed records do not dedupe against each other (AR-BMU).
    const billedAs = record.LicenseArn !== undefined ? `license:${record.LicenseArn}` : `product:${product.code}`;
    const customerAs = present(record.CustomerIdentifier) !== undefined ? `identifier:${record.CustomerIdentifier}` : `account:${record.CustomerAWSAccountId}`;
    const key = callerKey(
      ctx.caller,
      'BatchMeterUsage',
      billedAs,
      customerAs,
      record.Dimension,
      String(hourMs),
      ...(ctx.faults.has('batch-new-ids-on-subset-retry') ? [String(position)] : []),
    );
    const allocations = canonicalAllocations(record.UsageAllocations);
    const existing = pending.get(key) ?? ctx.ledger.find(key);
    if (existing) {
      const identical = existing.quantity === quantity && sameAllocations(existing.allocations, allocations);
      if (identical && !ctx.faults.has('batch-new-ids-on-retry')) return { UsageRecord: record, MeteringRecordId: existing.meteringRecordId, Status: 'Success' };
      if (!identical && !ctx.faults.has('batch-accept-conflicting-quantity')) return { UsageRecord: record, Status: 'DuplicateRecord' };
    }
    const entry: LedgerRecord = {
      meteringRecordId: randomUUID(),
      caller: ctx.caller,
      operation: 'BatchMeterUsage',
      productCode: product.code,
      dimension: record.Dimension,
      quantity,
      timestampMs,
      hourMs,
      ...(allocations !== undefined ? { allocations } : {}),
      ...(present(record.CustomerIdentifier) !== undefined ? { customerIdentifier: record.CustomerIdentifier } : {}),
      ...(record.CustomerAWSAccountId !== undefined ? { customerAWSAccountId: record.CustomerAWSAccountId } : {}),
      ...(record.LicenseArn !== undefined ? { licenseArn: record.LicenseArn } : {}),
      recordedAtMs: ctx.nowMs,
    };
    pending.set(key, entry);
    changes.push({ kind: 'record', key, record: entry });
    return { UsageRecord: record, MeteringRecordId: entry.meteringRecordId, Status: 'Success' };
  });
  ctx.ledger.commit(changes);
  if (ctx.faults.has('batch-results-misattributed')) {
    // The echoed records are sorted by customer for the answer; the outcomes beside them are not.
    const echoed = results.map((r) => r.UsageRecord).sort((a, b) => customerOrder(a).localeCompare(customerOrder(b)));
    return { Results: results.map((r, i) => ({ ...r, UsageRecord: echoed[i] })), UnprocessedRecords: unprocessed };
  }
  return { Results: results, UnprocessedRecords: unprocessed };
}
