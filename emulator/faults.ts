// Fault modes: realistic defects a real implementation could ship. Each one is a small
// switch at the point of the defect; the project's own tests use them to prove that the
// suites detect each defect.
import { EmulatorConfigError } from './errors.js';

const MODES = [
  { name: 'new-id-on-retry', description: 'An identical MeterUsage retry gets a new MeteringRecordId and is recorded a second time.' },
  { name: 'accept-conflicting-quantity', description: 'MeterUsage with the same key (product, dimension, hour) but a different quantity is accepted as a new record instead of DuplicateRequestException.' },
  { name: 'accept-stale-timestamp', description: 'No lower bound on the MeterUsage time window: timestamps older than 6 hours are accepted.' },
  { name: 'ignore-allocation-sum', description: 'UsageAllocations whose quantities do not add up to the usage quantity are accepted.' },
  { name: 'accept-duplicate-tag-sets', description: 'Two UsageAllocations with the same tag set are accepted.' },
  { name: 'accept-six-tags', description: 'The 5-tag limit per UsageAllocation is not enforced.' },
  { name: 'dry-run-records', description: 'A DryRun request answers DryRunOperation but records the usage anyway.' },
  { name: 'ignore-client-token', description: 'ClientToken is ignored: reuse with different parameters is not rejected with IdempotencyConflictException.' },
  { name: 'wrong-exception-name', description: 'An unknown usage dimension is answered as ValidationException instead of InvalidUsageDimensionException.' },
  { name: 'wrong-error-long-dimension', description: "A MeterUsage UsageDimension longer than the model's maximum is answered as InvalidProductCodeException (the product lookup fails first) instead of a validation error." },
  { name: 'error-500-on-malformed-json', description: 'An unparseable JSON body is answered with HTTP 500 InternalServiceErrorException instead of SerializationException.' },
  { name: 'batch-new-ids-on-retry', description: 'An identical or subset BatchMeterUsage retry gets new MeteringRecordIds and is recorded again.' },
  { name: 'batch-accept-conflicting-quantity', description: 'A BatchMeterUsage record with the key of an earlier record but another quantity gets Success instead of DuplicateRecord.' },
  { name: 'batch-bill-unsubscribed', description: 'BatchMeterUsage records of unsubscribed customers get Success and are recorded instead of CustomerNotSubscribed.' },
  { name: 'batch-partial-timestamp-rejection', description: 'Out-of-range BatchMeterUsage records go to UnprocessedRecords and the rest is processed, instead of TimestampOutOfBoundsException for the whole batch.' },
  { name: 'batch-ignore-month-end', description: 'Previous-month BatchMeterUsage records are accepted after 06:00 UTC on the first day of the month.' },
  { name: 'batch-accept-oversize', description: 'BatchMeterUsage accepts more than 25 records.' },
  { name: 'accept-both-customer-ids', description: 'A BatchMeterUsage record with both CustomerIdentifier and CustomerAWSAccountId is accepted.' },
  { name: 'register-usage-drop-nonce', description: 'The RegisterUsage JWT Signature leaves out the Nonce of the request.' },
  { name: 'register-usage-wrong-key', description: 'The RegisterUsage JWT is signed with a key other than the published public key.' },
  { name: 'accept-expired-token', description: 'ResolveCustomer resolves expired registration tokens instead of ExpiredTokenException.' },
  { name: 'accept-any-signature', description: 'SigV4 signatures are not compared: a well-formed Authorization header with a wrong signature is accepted.' },
  { name: 'accept-unsigned-host', description: 'The SigV4 verifier no longer requires host among the signed headers: a request whose SignedHeaders leave out host, correctly signed over the headers it names, is accepted.' },
  { name: 'no-request-id', description: 'Answers carry no x-amzn-RequestId header.' },
  { name: 'duplicate-on-identical-retry', description: 'MeterUsage checks only that its key (product, dimension, hour) is taken: an identical retry gets DuplicateRequestException instead of the first MeteringRecordId.' },
  { name: 'accept-future-timestamp', description: 'No upper bound on the time window: MeterUsage and BatchMeterUsage accept timestamps hours or days ahead of the clock.' },
  { name: 'window-off-by-one-second', description: 'The MeterUsage window is one second too wide: a timestamp 6 hours and 1 second old is accepted.' },
  { name: 'seconds-in-duplicate-key', description: 'The MeterUsage duplicate key keeps the seconds of the Timestamp instead of rounding down to the hour: another second of the same hour with another quantity is a new record.' },
  { name: 'quantity-defaults-to-one', description: 'An omitted MeterUsage UsageQuantity is taken as 1 instead of the documented default 0.' },
  { name: 'reject-max-quantity', description: 'Integer ranges are checked with an exclusive upper bound: the model maximum (UsageQuantity 2147483647) is rejected with ValidationException.' },
  { name: 'wrong-http-status', description: 'InvalidUsageAllocationsException is answered with HTTP 500 (as an unmapped exception) instead of 400.' },
  { name: 'check-then-insert-race', description: 'MeterUsage awaits its ledger insert after the duplicate check with no lock: identical requests in flight at once all pass the check and make separate records.' },
  { name: 'batch-results-misattributed', description: 'BatchMeterUsage sorts the echoed UsageRecords by customer but not the outcomes beside them, so MeteringRecordIds and statuses are attached to the wrong records.' },
  { name: 'batch-new-ids-on-subset-retry', description: "The BatchMeterUsage dedupe key includes the record's position in the request: an identical retry matches, but a subset or reordered retry gets new MeteringRecordIds and is recorded again." },
  { name: 'batch-unprocessed-invalid-records', description: 'BatchMeterUsage records with an unknown dimension or allocations that do not add up go to UnprocessedRecords and the rest of the batch is processed, instead of failing the whole request.' },
  { name: 'throttle-records', description: 'A throttled MeterUsage or BatchMeterUsage is answered ThrottlingException but its usage is recorded anyway, so the retry an SDK makes bills a second time.' },
  { name: 'ignore-endpoint-region', description: 'MeterUsage and RegisterUsage signed for another Region the emulator serves are processed as at home instead of InvalidEndpointRegionException and InvalidRegionException.' },
  { name: 'skip-entitlement-check', description: "MeterUsage does not check the caller's entitlement: usage of a product the caller holds no subscription to is accepted instead of CustomerNotEntitledException." },
] as const;

export type FaultName = (typeof MODES)[number]['name'];

export const FAULT_MODES: ReadonlyArray<{ name: string; description: string }> = MODES;

/** The fault modes switched on in one emulator. */
export type Faults = ReadonlySet<FaultName>;

const NAMES: ReadonlySet<string> = new Set(FAULT_MODES.map((f) => f.name));

export function parseFaults(names: readonly string[] = []): Faults {
  const unknown = names.filter((n) => !NAMES.has(n));
  if (unknown.length > 0) {
    throw new EmulatorConfigError(
      `unknown fault mode${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; valid fault modes: ${[...NAMES].join(', ')}`,
    );
  }
  return new Set(names as FaultName[]);
}
