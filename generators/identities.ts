// Who a request names: the customer members of a BatchMeterUsage record, ClientTokens, and a
// ClientToken reused on a request with other parameters.
import fc from 'fast-check';
import { MINUTE_MS } from '../core/calendar.js';
import type { CustomerFixture, TargetFixtures } from '../core/description.js';
import { ModelError, type ServiceModel } from '../core/model.js';
import type { MeterUsageInput, UsageRecord } from './inputs.js';
import { meterUsageHasMember } from './meter-usage.js';
import { sameKeyOtherQuantity } from './retries.js';

export type IdentityMode = 'identifier' | 'account' | 'both' | 'neither';

/** The customer members of a UsageRecord for `mode`. */
export function customerIdentity(customer: CustomerFixture, mode: IdentityMode): Pick<UsageRecord, 'CustomerIdentifier' | 'CustomerAWSAccountId'> {
  const needsIdentifier = mode === 'identifier' || mode === 'both';
  if (needsIdentifier && customer.identifier === undefined) throw new ModelError(`customer ${customer.accountId} has no CustomerIdentifier fixture`);
  return {
    ...(needsIdentifier ? { CustomerIdentifier: customer.identifier } : {}),
    ...(mode === 'account' || mode === 'both' ? { CustomerAWSAccountId: customer.accountId } : {}),
  };
}

/** ClientTokens as SDKs make them (UUIDs) or as a caller might choose them (1..64 characters). */
export const clientToken: fc.Arbitrary<string> = fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/));

/** True when this model version's MeterUsageRequest has ClientToken. */
export function hasClientToken(model: ServiceModel): boolean {
  return meterUsageHasMember(model, 'ClientToken');
}

export interface TokenReuse {
  /** The member that differs from the original request. */
  changed: 'UsageQuantity' | 'UsageDimension' | 'Timestamp';
  request: MeterUsageInput;
}

/** The original's ClientToken on a request whose other parameters differ (IdempotencyConflictException). */
export function clientTokenReuse(model: ServiceModel, fixtures: TargetFixtures, request: MeterUsageInput): fc.Arbitrary<TokenReuse> {
  if (request.ClientToken === undefined) throw new ModelError('the original request has no ClientToken to reuse');
  const original = request.Timestamp.getTime();
  const otherDimensions = (fixtures.products.find((p) => p.code === request.ProductCode)?.dimensions ?? []).filter((d) => d !== request.UsageDimension);
  const choices: fc.Arbitrary<TokenReuse>[] = [
    sameKeyOtherQuantity(model, request).map((r) => ({ changed: 'UsageQuantity' as const, request: { ...r, Timestamp: request.Timestamp, ClientToken: request.ClientToken } })),
    fc
      .integer({ min: 1, max: MINUTE_MS })
      .map((back) => ({ changed: 'Timestamp' as const, request: { ...request, Timestamp: new Date(original - back) } })),
  ];
  if (otherDimensions.length > 0) {
    choices.push(fc.constantFrom(...otherDimensions).map((d) => ({ changed: 'UsageDimension' as const, request: { ...request, UsageDimension: d } })));
  }
  return fc.oneof(...choices);
}
