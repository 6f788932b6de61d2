// Which rules must catch each emulator fault mode: the suite's detection power, per defect.
// The rules listed are the ones whose property targets the defect; a full run may fail more
// (`npm run mutation` shows them, unmarked). The self-test (test/cli-faults.test.ts) runs the
// families of these rules against each fault mode; `npm run mutation` runs every rule, and
// report.html shows, for a run against an emulator with fault modes, whether these rules failed.
// Keyed by FaultName: a fault mode without an entry, or an entry for no fault mode, does not compile.
import type { FaultName } from './faults.js';

export const FAULT_EXPECTATIONS: Readonly<Record<FaultName, string[]>> = {
  // MeterUsage: idempotency and duplicates
  'new-id-on-retry': ['meter-usage.identical-retry'],
  'duplicate-on-identical-retry': ['meter-usage.identical-retry'],
  'accept-conflicting-quantity': ['meter-usage.duplicate-quantity'],
  'seconds-in-duplicate-key': ['idempotency.same-hour-key'],
  'quantity-defaults-to-one': ['idempotency.explicit-defaults'],
  'ignore-client-token': ['meter-usage.client-token-conflict'],
  'dry-run-records': ['meter-usage.dry-run'],
  'check-then-insert-race': ['concurrency.identical-meter-usage', 'concurrency.conflicting-meter-usage'],
  // MeterUsage: time window
  'accept-stale-timestamp': ['meter-usage.stale-timestamp'],
  'window-off-by-one-second': ['meter-usage.window-past-boundary'],
  'accept-future-timestamp': ['meter-usage.future-timestamp', 'batch-meter-usage.future-rejected'],
  // MeterUsage: quantities, allocations, tags
  'reject-max-quantity': ['meter-usage.quantity-bounds-accepted'],
  'ignore-allocation-sum': ['meter-usage.allocation-sum'],
  'accept-duplicate-tag-sets': ['meter-usage.allocation-duplicate-tags'],
  'accept-six-tags': ['meter-usage.too-many-tags'],
  'wrong-http-status': ['meter-usage.allocation-sum', 'meter-usage.allocation-duplicate-tags'],
  // Protocol and authentication
  'wrong-exception-name': ['meter-usage.unknown-dimension', 'protocol.error-type'],
  'wrong-error-long-dimension': ['model.MeterUsage.UsageDimension.max'],
  'error-500-on-malformed-json': ['protocol.malformed-json', 'protocol.malformed-never-5xx'],
  'no-request-id': ['protocol.request-id'],
  'accept-any-signature': ['auth.wrong-secret'],
  'accept-unsigned-host': ['auth.unsigned-host'],
  // BatchMeterUsage
  'batch-new-ids-on-retry': ['batch-meter-usage.identical-retry', 'batch-meter-usage.subset-retry'],
  'batch-new-ids-on-subset-retry': ['batch-meter-usage.subset-retry'],
  'batch-accept-conflicting-quantity': ['batch-meter-usage.duplicate-record'],
  'batch-results-misattributed': ['batch-meter-usage.subset-retry', 'batch-meter-usage.unsubscribed-customer'],
  'batch-bill-unsubscribed': ['batch-meter-usage.unsubscribed-customer'],
  'batch-partial-timestamp-rejection': ['batch-meter-usage.stale-record-rejects-batch'],
  'batch-unprocessed-invalid-records': ['batch-meter-usage.invalid-record-fails-request'],
  'batch-ignore-month-end': ['batch-meter-usage.month-close'],
  'batch-accept-oversize': ['batch-meter-usage.too-many-records'],
  'accept-both-customer-ids': ['batch-meter-usage.both-customer-ids'],
  // RegisterUsage and ResolveCustomer
  'register-usage-drop-nonce': ['register-usage.signature-jwt'],
  'register-usage-wrong-key': ['register-usage.signature-verifies'],
  'accept-expired-token': ['resolve-customer.expired-token'],
  // Throttling, Regions, entitlement
  'throttle-records': ['throttling.meter-usage', 'throttling.batch-meter-usage'],
  'ignore-endpoint-region': ['regions.meter-usage-other-region', 'regions.register-usage-other-region'],
  'skip-entitlement-check': ['meter-usage.not-entitled'],
};

/** The rules expected to catch `fault`; none for a name that is no fault mode. */
export function expectedRulesFor(fault: string): readonly string[] {
  return Object.hasOwn(FAULT_EXPECTATIONS, fault) ? FAULT_EXPECTATIONS[fault as FaultName] : [];
}
