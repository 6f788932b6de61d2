// target/reach.ts in-process: which proxy the environment names for an endpoint (as botocore
// decides), and the dispatchers that reach a target through it or over HTTPS with a private
// certificate authority, for the raw driver's requests and the control API's.
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTROL_PREFIX, TEST_CREDENTIALS } from '../core/description.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { ConfigError } from '../target/config.js';
import { ControlClient } from '../target/control-client.js';
import { createRawTarget } from '../target/raw-driver.js';
import { exemptFromProxy, proxyFor, reachFor, sharedDispatcher, shownProxy, trustedAuthorities } from '../target/reach.js';
import { TargetError, type Outcome } from '../target/types.js';
import { privateCa, startForwardProxy, startTlsFront, type Front, type PrivateCa } from './support/reach-servers.js';
import { tempDir } from './support/cli.js';

describe('which proxy, as botocore decides', () => {
  test('HTTPS_PROXY for https, HTTP_PROXY for http, the upper-case name first; none without one', () => {
    const env = { HTTPS_PROXY: 'http://secure:3128', http_proxy: 'plain.example:8080', HTTP_PROXY: 'http://upper:8080' };
    expect(proxyFor('https://target.example', env)).toEqual({ proxy: 'http://secure:3128/', variable: 'HTTPS_PROXY' });
    expect(proxyFor('http://target.example', env)).toEqual({ proxy: 'http://upper:8080/', variable: 'HTTP_PROXY' });
    expect(proxyFor('http://target.example', { http_proxy: 'plain.example:8080' })).toEqual({ proxy: 'http://plain.example:8080/', variable: 'http_proxy' });
    expect(proxyFor('https://target.example', { HTTP_PROXY: 'http://upper:8080' })).toBeUndefined();
    // An empty variable is no proxy: the other spelling is read.
    expect(proxyFor('http://target.example', { HTTP_PROXY: '', http_proxy: 'http://lower:1' })).toEqual({ proxy: 'http://lower:1/', variable: 'http_proxy' });
    expect(proxyFor('https://target.example', { HTTPS_PROXY: 'https://tls-proxy:443' })).toEqual({ proxy: 'https://tls-proxy/', variable: 'HTTPS_PROXY' });
  });

  test('NO_PROXY: * for all, a name for itself and the hosts below it, with or without the port', () => {
    const at = (url: string) => new URL(url);
    expect(exemptFromProxy(at('https://a.example.com'), '*')).toBe(true);
    expect(exemptFromProxy(at('https://api.example.com'), 'other.org, example.com')).toBe(true);
    expect(exemptFromProxy(at('https://api.example.com'), '.example.com')).toBe(true);
    expect(exemptFromProxy(at('https://example.com'), '.example.com')).toBe(true);
    expect(exemptFromProxy(at('https://badexample.com'), 'example.com')).toBe(false);
    expect(exemptFromProxy(at('http://127.0.0.1:5055'), '127.0.0.1:5055')).toBe(true);
    expect(exemptFromProxy(at('http://127.0.0.1:5055'), '127.0.0.1:9999')).toBe(false);
    expect(exemptFromProxy(at('https://[::1]:8443'), '::1')).toBe(true);
    // Without a port in the URL, the scheme's default one is compared.
    expect(exemptFromProxy(at('https://h.example'), 'h.example:443')).toBe(true);
    expect(exemptFromProxy(at('http://h.example'), 'h.example:80')).toBe(true);
    expect(exemptFromProxy(at('https://h.example'), 'h.example:80')).toBe(false);
    // An empty entry exempts nothing, not even a name written with its final dot.
    expect(exemptFromProxy(at('http://example.com.'), 'other.org,,')).toBe(false);
    expect(proxyFor('http://127.0.0.1:5055', { HTTP_PROXY: 'http://p:1', no_proxy: 'localhost,127.0.0.1' })).toBeUndefined();
  });

  test('a proxy that is no http(s) URL is one line; notes show a proxy without its credentials', () => {
    expect(() => proxyFor('http://t.example', { HTTP_PROXY: 'socks5://p:1080' })).toThrow(new ConfigError('HTTP_PROXY must be an http or https URL, not socks5:'));
    expect(() => proxyFor('http://t.example', { HTTP_PROXY: 'http://[bad' })).toThrow(new ConfigError('HTTP_PROXY is not a URL'));
    expect(shownProxy('http://user:pa55word@proxy.example:3128/')).toBe('http://proxy.example:3128/');
  });
});

describe('reachFor and the authorities', () => {
  test('a --ca-file that cannot be read, or holds no certificate, is one line', () => {
    const dir = tempDir();
    const missing = join(dir, 'missing.pem');
    expect(() => reachFor('https://t.example', {}, missing)).toThrow(new ConfigError(`--ca-file ${missing}: cannot read it (ENOENT)`));
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'not a certificate\n');
    expect(() => reachFor('https://t.example', {}, empty)).toThrow(new ConfigError(`--ca-file ${empty}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)`));
  });

  test('the reach of an endpoint: the file and the proxy, each only when there is one', () => {
    const ca = privateCa(tempDir());
    expect(reachFor('http://t.example', {})).toStrictEqual({});
    expect(reachFor('http://t.example', { HTTP_PROXY: 'http://p:1' }, ca.caFile)).toStrictEqual({ caFile: ca.caFile, proxy: 'http://p:1/', proxyVariable: 'HTTP_PROXY' });
    const authorities = trustedAuthorities({ caFile: ca.caFile })!;
    expect(authorities.at(-1)).toContain('-----BEGIN CERTIFICATE-----');
    expect(authorities.length).toBeGreaterThan(1);
    expect(trustedAuthorities({})).toBeUndefined();
    expect(trustedAuthorities(undefined)).toBeUndefined();
    // Read once per process: the file may go away once the run has started.
    const copy = join(tempDir(), 'ca.pem');
    copyFileSync(ca.caFile, copy);
    expect(trustedAuthorities({ caFile: copy })).toEqual(authorities);
    rmSync(copy);
    expect(trustedAuthorities({ caFile: copy })).toEqual(authorities);
    expect(sharedDispatcher('http://t.example', {})).toBeUndefined();
    expect(sharedDispatcher('http://t.example', undefined)).toBeUndefined();
    const one = sharedDispatcher('http://t.example', { proxy: 'http://p:1/' });
    expect(one).toBeDefined();
    expect(sharedDispatcher('http://t.example', { proxy: 'http://p:1/' })).toBe(one);
    expect(sharedDispatcher('http://t.example', { proxy: 'http://p:2/' })).not.toBe(one);
  });
});

const kind = (outcome: Outcome) => (outcome.kind === 'error' ? outcome.errorType : 'success');
const nobodysToken = { RegistrationToken: 'nobody-issued-this' };

describe('the raw driver and the control API reach the target', () => {
  let emulator: RunningEmulator;
  let ca: PrivateCa;
  let front: Front;
  let proxy: Awaited<ReturnType<typeof startForwardProxy>>;
  beforeAll(async () => {
    emulator = await startEmulator();
    ca = privateCa(tempDir());
    front = await startTlsFront(emulator.url, ca);
    proxy = await startForwardProxy();
  });
  afterAll(async () => {
    await Promise.all([front.close(), proxy.close()]);
    await emulator.close();
  });

  const raw = (endpoint: string, reach = {}) => createRawTarget({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1, reach });

  test('over HTTPS: trusting the private authority, and refusing without it', async () => {
    const trusting = raw(front.url, { caFile: ca.caFile });
    const plain = raw(front.url);
    try {
      expect(kind(await trusting.call('ResolveCustomer', nobodysToken))).toBe('InvalidTokenException');
      await expect(plain.call('ResolveCustomer', nobodysToken)).rejects.toThrow(TargetError);
      const answer = await new ControlClient(front.url, { reach: { caFile: ca.caFile } }).get('/describe', { open: true });
      expect(answer.status).toBe(200);
    } finally {
      await Promise.all([trusting.close(), plain.close()]);
    }
  });

  test('through a proxy: an http target by requests in absolute form, an https one through a tunnel', async () => {
    const viaProxy = raw(emulator.url, { proxy: proxy.url });
    const tunnelled = raw(front.url, { proxy: proxy.url, caFile: ca.caFile });
    try {
      const [count, tunnels] = [proxy.count, proxy.tunnels];
      expect(kind(await viaProxy.call('ResolveCustomer', nobodysToken))).toBe('InvalidTokenException');
      expect(proxy.count).toBe(count + 1);
      expect(kind(await tunnelled.call('ResolveCustomer', nobodysToken))).toBe('InvalidTokenException');
      expect(proxy.tunnels).toBe(tunnels + 1);
      expect((await new ControlClient(emulator.url, { reach: { proxy: proxy.url } }).get('/describe', { open: true })).status).toBe(200);
      expect(proxy.paths.at(-1)).toBe(`${CONTROL_PREFIX}/describe`);
    } finally {
      await Promise.all([viaProxy.close(), tunnelled.close()]);
    }
  });
});
