// Which rules must catch each emulator fault mode: the suite's detection power, per defect.
export const FAULT_EXPECTATIONS: Record<string, string[]> = {
  'new-id-on-retry': ['meter-usage.identical-retry'],
  'accept-conflicting-quantity': ['meter-usage.duplicate-quantity'],
  'accept-stale-timestamp': ['meter-usage.stale-timestamp'],
  'ignore-allocation-sum': ['meter-usage.allocation-sum'],
  'accept-duplicate-tag-sets': ['meter-usage.allocation-duplicate-tags'],
  'accept-six-tags': ['meter-usage.too-many-tags'],
  'dry-run-records': ['meter-usage.dry-run'],
  'ignore-client-token': ['meter-usage.client-token-conflict'],
  'wrong-exception-name': ['meter-usage.unknown-dimension', 'protocol.error-type'],
  'error-500-on-malformed-json': ['protocol.malformed-json', 'protocol.malformed-never-5xx'],
  'accept-any-signature': ['auth.wrong-secret'],
  'no-request-id': ['protocol.request-id'],
};
