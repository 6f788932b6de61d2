// Which host names stay on this machine. The real-service guard lets loopback targets use the
// built-in test credentials; the emulator keeps its control API to loopback unless it has a token.
import { isIP } from 'node:net';

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
