// Loopback detection: the built-in test credentials and an exposed emulator's warnings depend
// on it, so the whole of 127/8 and every spelling of ::1 count, and look-alikes never do.
import { describe, expect, test } from 'vitest';
import { isLoopbackHost } from '../target/guard.js';

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
