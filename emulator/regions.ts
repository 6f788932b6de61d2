// Requests signed for a served Region other than the home one (fixtures otherRegions). Every
// caller runs in the home Region: MeterUsage from elsewhere is InvalidEndpointRegionException
// (model shapes.InvalidEndpointRegionException, "must match the Region of the instance"),
// RegisterUsage is InvalidRegionException ("called in the Region the task was launched in");
// BatchMeterUsage and ResolveCustomer come from the seller's own software and are served as at
// home. A Region may disable operations: DisabledApiException.
import { ServiceError } from './errors.js';
import type { Faults } from './faults.js';
import type { EmulatorFixtures } from './fixtures.js';

/** Throws the answer of `operation` signed for `region` when that Region does not serve it as home does. */
export function checkRegion(fixtures: EmulatorFixtures, faults: Faults, operation: string, region: string): void {
  if (region === fixtures.region) return;
  const served = fixtures.otherRegions?.find((r) => r.region === region);
  if (served?.disabledApis?.some((op) => op === operation)) {
    throw new ServiceError('DisabledApiException', `The ${operation} API is disabled in ${region}.`);
  }
  if (faults.has('ignore-endpoint-region')) return;
  if (operation === 'MeterUsage') {
    throw new ServiceError('InvalidEndpointRegionException', `The caller runs in ${fixtures.region}: call MeterUsage at the endpoint of ${fixtures.region}, not ${region}.`);
  }
  if (operation === 'RegisterUsage') {
    throw new ServiceError('InvalidRegionException', `The task was launched in ${fixtures.region}: call RegisterUsage in ${fixtures.region}, not ${region}.`);
  }
}
