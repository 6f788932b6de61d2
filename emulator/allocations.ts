// UsageAllocations rules shared by MeterUsage and BatchMeterUsage: the allocated
// quantities add up to the usage quantity, and no two allocations carry the same tag set
// (at most one untagged bucket). Model: shapes.UsageAllocations and
// MeterUsageRequest.members.UsageAllocations; Seller Guide container-metering-meterusage.
import { ServiceError } from './errors.js';
import type { Faults } from './faults.js';
import type { CanonicalAllocation } from './ledger.js';

export interface AllocationInput {
  AllocatedUsageQuantity: number;
  Tags?: { Key: string; Value: string }[];
}

function tagSet(allocation: AllocationInput): [string, string][] {
  return (allocation.Tags ?? []).map((t): [string, string] => [t.Key, t.Value]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

/** InvalidUsageAllocationsException, with the status the fault mode wrong-http-status gets wrong. */
function allocationsError(message: string, faults: Faults): ServiceError {
  return new ServiceError('InvalidUsageAllocationsException', message, faults.has('wrong-http-status') ? 500 : 400);
}

/** Checks the allocation rules; `where` prefixes messages (e.g. "UsageRecords/3: "). */
export function checkAllocations(quantity: number, allocations: AllocationInput[] | undefined, faults: Faults, where = ''): void {
  if (allocations === undefined) return;
  const sum = allocations.reduce((total, a) => total + a.AllocatedUsageQuantity, 0);
  if (sum !== quantity && !faults.has('ignore-allocation-sum')) {
    throw allocationsError(`${where}The sum of AllocatedUsageQuantity across UsageAllocations (${sum}) does not equal the usage quantity (${quantity}).`, faults);
  }
  if (faults.has('accept-duplicate-tag-sets')) return;
  const seen = new Map<string, number>();
  allocations.forEach((a, i) => {
    const key = JSON.stringify(tagSet(a));
    const first = seen.get(key);
    if (first !== undefined) {
      throw allocationsError(
        `${where}UsageAllocations ${first} and ${i} have the same set of tags; each allocation must have a unique set of tags (at most one without tags).`,
        faults,
      );
    }
    seen.set(key, i);
  });
}

/** Allocations as an order-insensitive value, for comparing retries and storing records. */
export function canonicalAllocations(allocations: AllocationInput[] | undefined): CanonicalAllocation[] | undefined {
  if (allocations === undefined) return undefined;
  return allocations
    .map((a) => ({ quantity: a.AllocatedUsageQuantity, tags: tagSet(a) }))
    .sort((x, y) => {
      const kx = JSON.stringify(x.tags);
      const ky = JSON.stringify(y.tags);
      return kx < ky ? -1 : kx > ky ? 1 : x.quantity - y.quantity;
    });
}

export function sameAllocations(a: CanonicalAllocation[] | undefined, b: CanonicalAllocation[] | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
