// MeterUsage (AMI and container products). Checks run in the documented order after the
// model checks: product → entitlement → dimension → time window → allocations → ClientToken → DryRun →
// ledger. Sources: model operations.MeterUsage and shapes.MeterUsageRequest.
import { randomUUID } from 'node:crypto';
import { canonicalAllocations, checkAllocations, sameAllocations, type AllocationInput } from './allocations.js';
import { callerKey, HOUR_MS, isoTime, modelAtLeast, type OperationContext } from './context.js';
import { ServiceError } from './errors.js';
import type { LedgerChange, LedgerRecord } from './ledger.js';

interface MeterUsageInput {
  ProductCode: string;
  Timestamp: number;
  UsageDimension: string;
  UsageQuantity?: number;
  DryRun?: boolean;
  UsageAllocations?: AllocationInput[];
  ClientToken?: string;
}

/** "Not accepted more than 6 hours after the event"; exactly 6 hours is accepted. */
const MAX_AGE_MS = 6 * HOUR_MS;
/** Clock-skew tolerance for timestamps ahead of the emulator clock. */
const MAX_AHEAD_MS = 5 * 60_000;
/** How long the insert takes under the fault check-then-insert-race: long enough for requests sent together to meet. */
const RACE_WINDOW_MS = 20;

function dryRunAnswer(): ServiceError {
  return new ServiceError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}

export function meterUsage(raw: Record<string, unknown>, ctx: OperationContext): Record<string, unknown> {
  const input = raw as unknown as MeterUsageInput;
  const quantity = input.UsageQuantity ?? (ctx.faults.has('quantity-defaults-to-one') ? 1 : 0);
  const dryRun = input.DryRun ?? false;
  const timestampMs = Math.round(input.Timestamp * 1000);

  const product = ctx.fixtures.products.find((p) => p.code === input.ProductCode && p.kind !== 'saas');
  if (!product) {
    throw new ServiceError('InvalidProductCodeException', `Product code '${input.ProductCode}' is not a published AMI or container product.`);
  }
  // Models before 2019-11-14 have no CustomerNotEntitledException on MeterUsage.
  if (product.entitled === false && modelAtLeast(ctx.model, '2019-11-14') && !ctx.faults.has('skip-entitlement-check')) {
    throw new ServiceError('CustomerNotEntitledException', `The caller's account has no subscription to product '${product.code}'.`);
  }
  if (!product.dimensions.includes(input.UsageDimension)) {
    const type = ctx.faults.has('wrong-exception-name') ? 'ValidationException' : 'InvalidUsageDimensionException';
    throw new ServiceError(type, `Usage dimension '${input.UsageDimension}' is not a dimension of product '${product.code}'.`);
  }
  const age = ctx.nowMs - timestampMs;
  const maxAgeMs = ctx.faults.has('window-off-by-one-second') ? MAX_AGE_MS + 1000 : MAX_AGE_MS;
  if ((age > maxAgeMs && !ctx.faults.has('accept-stale-timestamp')) || (-age > MAX_AHEAD_MS && !ctx.faults.has('accept-future-timestamp'))) {
    throw new ServiceError(
      'TimestampOutOfBoundsException',
      `Timestamp ${isoTime(timestampMs)} is outside the accepted range: at most 6 hours in the past and 5 minutes in the future of ${isoTime(ctx.nowMs)}.`,
    );
  }
  checkAllocations(quantity, input.UsageAllocations, ctx.faults);
  const allocations = canonicalAllocations(input.UsageAllocations);

  // The parameters a ClientToken binds to: every member, defaults made explicit, the exact
  // timestamp; DryRun is a permission check, not a parameter of the usage.
  const fingerprint = JSON.stringify([input.ProductCode, timestampMs, input.UsageDimension, quantity, allocations ?? null]);
  const tokenKey = input.ClientToken !== undefined && !ctx.faults.has('ignore-client-token') ? callerKey(ctx.caller, 'MeterUsage', input.ClientToken) : undefined;
  if (tokenKey !== undefined) {
    const binding = ctx.ledger.token(tokenKey);
    if (binding && binding.fingerprint !== fingerprint) {
      throw new ServiceError('IdempotencyConflictException', 'The ClientToken is being used for multiple requests.');
    }
    if (binding && dryRun) throw dryRunAnswer();
    if (binding && !ctx.faults.has('new-id-on-retry')) return { MeteringRecordId: binding.meteringRecordId };
  }
  if (dryRun && !ctx.faults.has('dry-run-records')) throw dryRunAnswer();

  // One record per caller (instance/task/pod), product, dimension and hour.
  const hourMs = Math.floor(timestampMs / HOUR_MS) * HOUR_MS;
  const keyTimeMs = ctx.faults.has('seconds-in-duplicate-key') ? Math.floor(timestampMs / 1000) * 1000 : hourMs;
  const key = callerKey(ctx.caller, 'MeterUsage', input.ProductCode, input.UsageDimension, String(keyTimeMs));
  const existing = ctx.ledger.find(key);
  const changes: LedgerChange[] = [];
  const identical = existing !== undefined && existing.quantity === quantity && sameAllocations(existing.allocations, allocations);
  const fresh =
    existing === undefined ||
    (identical && ctx.faults.has('new-id-on-retry')) ||
    (!identical && existing.quantity !== quantity && ctx.faults.has('accept-conflicting-quantity'));
  if (!fresh && (!identical || ctx.faults.has('duplicate-on-identical-retry'))) {
    throw new ServiceError(
      'DuplicateRequestException',
      `A record for dimension '${input.UsageDimension}' of product '${input.ProductCode}' in the hour starting ${isoTime(hourMs)} was already reported with a different quantity or allocations.`,
    );
  }
  let id: string;
  if (existing && !fresh) {
    id = existing.meteringRecordId;
  } else {
    const record: LedgerRecord = {
      meteringRecordId: randomUUID(),
      caller: ctx.caller,
      operation: 'MeterUsage',
      productCode: input.ProductCode,
      dimension: input.UsageDimension,
      quantity,
      timestampMs,
      hourMs,
      ...(allocations !== undefined ? { allocations } : {}),
      recordedAtMs: ctx.nowMs,
    };
    changes.push({ kind: 'record', key, record });
    id = record.meteringRecordId;
  }
  if (tokenKey !== undefined) changes.push({ kind: 'token', key: tokenKey, binding: { fingerprint, meteringRecordId: id } });
  if (ctx.faults.has('check-then-insert-race')) {
    // The insert is awaited after the check with nothing held in between (an asynchronous
    // store without a unique key): requests in flight together all pass the check.
    ctx.pendingWrite = new Promise((resolve) => setTimeout(resolve, RACE_WINDOW_MS)).then(() => ctx.ledger.commit(changes));
  } else {
    ctx.ledger.commit(changes);
  }
  if (dryRun) throw dryRunAnswer();
  return { MeteringRecordId: id };
}
