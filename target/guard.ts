// Refuses endpoints of the real AWS Marketplace Metering Service: a conformance run sends
// metering records, and on the real service those bill real customers.
import { isIP } from 'node:net';

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

/**
 * True for a host name that stays on this machine: localhost, any IPv4 address of 127/8, and
 * the IPv6 loopback (::1 in any spelling, and IPv4-mapped 127/8). Names that only look like
 * one (127.0.0.1.example.com, localhost.example.com) are not.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) !== 6) return false;
  // WHATWG URL spelling of the address: ::1, or ::ffff:7fxx:xxxx for IPv4-mapped 127/8.
  const canonical = new URL(`http://[${host}]/`).hostname.slice(1, -1);
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

/** Why a real-service endpoint is refused, for the one-line error a user sees. */
export function realServiceRefusal(host: string, source = 'endpoint'): string {
  return `${source} ${host} belongs to the real AWS service (AWS Marketplace Metering); a conformance run sends metering records, which bill real customers. Refusing (nothing was sent). Point it at an emulator or test double, or pass --allow-real-service to send DryRun requests only.`;
}
