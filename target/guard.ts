// Refuses endpoints of the real AWS Marketplace Metering Service: a conformance run sends
// metering records, and on the real service those bill real customers.
/** DNS suffixes of AWS partitions that serve the real service (endpoint rules and tests). */
export const REAL_SERVICE_SUFFIXES = [
  'amazonaws.com',
  'amazonaws.com.cn',
  'api.aws',
  'api.amazonwebservices.com.cn',
  'amazonaws.eu',
  'c2s.ic.gov',
  'sc2s.sgov.gov',
  'cloud.adc-e.uk',
  'csp.hci.ic.gov',
];

export function isRealServiceHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return REAL_SERVICE_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`));
}

/** Why a real-service endpoint is refused, for the one-line error a user sees. */
export function realServiceRefusal(host: string, source = 'endpoint'): string {
  return `${source} ${host} belongs to the real AWS service (AWS Marketplace Metering); a conformance run sends metering records, which bill real customers. Refusing (nothing was sent). Point it at an emulator or test double, or pass --allow-real-service to send DryRun requests only.`;
}
