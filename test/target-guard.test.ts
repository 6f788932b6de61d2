// Loopback detection: the built-in test credentials and an exposed emulator's warnings depend
// on it, so the whole of 127/8 and every spelling of ::1 count, and look-alikes never do.
import { describe, expect, test } from 'vitest';
import { isLoopbackHost } from '../core/hosts.js';
import { isRealServiceHost, REAL_SERVICE_SUFFIXES, realServiceRefusal } from '../target/guard.js';

describe('isLoopbackHost', () => {
  test.each(['localhost', 'LOCALHOST', 'localhost.', '127.0.0.1', '127.0.0.2', '127.1.2.3', '127.255.255.254', '::1', '[::1]', '0:0:0:0:0:0:0:1', '[0000::0001]', '::ffff:127.0.0.1', '[::ffff:127.9.8.7]'])(
    '%s is loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );

  test.each([
    '128.0.0.1',
    '126.255.255.255',
    '10.0.0.1',
    '0.0.0.0',
    '::',
    '::2',
    '::ffff:128.0.0.1',
    '::ffff:10.0.0.1',
    '127.0.0.1.example.com',
    '127.0.0.1.nip.io',
    'localhost.example.com',
    'mylocalhost',
    '127.0.0',
    '127.0.0.256',
    'example.com',
    '',
  ])('%s is not loopback', (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe('isLoopbackHost, brackets and IPv4-mapped addresses', () => {
  test.each(['[127.0.0.1]', '[localhost]', '::ffff:7f00:1', '::ffff:7fff:ffff', '[::FFFF:127.0.0.1]'])('%s is loopback', (host) =>
    expect(isLoopbackHost(host)).toBe(true),
  );

  // Brackets are removed only at the ends; the mapped form only as the whole address.
  test.each(['local[host', 'local]host', '127.0.[0.1', '127.0]0.1', '::[1', ':]:1', '1::ffff:7f00:1', '[1::ffff:127.0.0.1]', '::ffff:7f00:1:0', '::ffff:127.0.0.1:0', '::1:0', '::ffff:8000:1'])(
    '%s is not loopback',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});

describe('isRealServiceHost', () => {
  // Written out here, not taken from REAL_SERVICE_SUFFIXES: a suffix dropped from the code must fail.
  const suffixes = [
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

  test('the suffixes are exactly the partitions that serve the real service', () => {
    expect(REAL_SERVICE_SUFFIXES).toEqual(suffixes);
  });

  test.each(suffixes.flatMap((s) => [s, `metering.marketplace.us-east-1.${s}`, `a.${s}`, `${s}.`, `A.${s.toUpperCase()}`, `a.${s.toUpperCase()}.`]))('%s is real', (host) =>
    expect(isRealServiceHost(host)).toBe(true),
  );

  test.each([
    ...suffixes.flatMap((s) => [`${s}.example.org`, `not${s}`, `x-${s}.example`, `${s}x`, s.slice(1), `${s}..`]),
    'amazonaws.com.example.org',
    'notamazonaws.com',
    'amazonaws',
    'aws',
    'com',
    'localhost',
    '127.0.0.1',
    'metering.example.com',
    '',
  ])('%s is not real', (host) => expect(isRealServiceHost(host)).toBe(false));
});

describe('realServiceRefusal', () => {
  test('names the host and its source, and says nothing was sent', () => {
    expect(realServiceRefusal('metering.marketplace.us-east-1.amazonaws.com')).toBe(
      'endpoint metering.marketplace.us-east-1.amazonaws.com belongs to the real AWS service (AWS Marketplace Metering); a conformance run sends metering records, which bill real customers. Refusing (nothing was sent). Point it at an emulator or test double, or pass --allow-real-service to send DryRun requests only.',
    );
    expect(realServiceRefusal('h.api.aws', 'AWS_ENDPOINT_URL')).toBe(
      'AWS_ENDPOINT_URL h.api.aws belongs to the real AWS service (AWS Marketplace Metering); a conformance run sends metering records, which bill real customers. Refusing (nothing was sent). Point it at an emulator or test double, or pass --allow-real-service to send DryRun requests only.',
    );
  });
});
