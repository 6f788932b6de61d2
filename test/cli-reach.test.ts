// Reaching targets where they are: HTTPS with a private certificate authority (--ca-file, or
// caFile in target.yaml) and the proxies the environment names (HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY, read as botocore reads them), for every request of the run: describe probe,
// preflight, rules and control calls.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTROL_PREFIX } from '../core/description.js';
import { ConfigError, loadTargetConfig } from '../target/config.js';
import { exemptFromProxy, proxyFor, shownProxy } from '../target/reach.js';
import { privateCa, startForwardProxy, startTlsFront, type Front, type PrivateCa } from './support/reach-servers.js';
import { hermeticEnv, mainInProcess, readReport, runCli, serveAround, tempDir, verdicts } from './support/cli.js';

describe('which proxy, as botocore decides', () => {
  test('HTTPS_PROXY for https, HTTP_PROXY for http, the upper-case name first; none without one', () => {
    const env = { HTTPS_PROXY: 'http://secure:3128', http_proxy: 'plain.example:8080', HTTP_PROXY: 'http://upper:8080' };
    expect(proxyFor('https://target.example', env)).toEqual({ proxy: 'http://secure:3128/', variable: 'HTTPS_PROXY' });
    expect(proxyFor('http://target.example', env)).toEqual({ proxy: 'http://upper:8080/', variable: 'HTTP_PROXY' });
    expect(proxyFor('http://target.example', { http_proxy: 'plain.example:8080' })).toEqual({ proxy: 'http://plain.example:8080/', variable: 'http_proxy' });
    expect(proxyFor('https://target.example', { HTTP_PROXY: 'http://upper:8080' })).toBeUndefined();
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
    expect(proxyFor('http://127.0.0.1:5055', { HTTP_PROXY: 'http://p:1', no_proxy: 'localhost,127.0.0.1' })).toBeUndefined();
  });

  test('a proxy that is no http(s) URL is one line; notes show a proxy without its credentials', () => {
    expect(() => proxyFor('http://t.example', { HTTP_PROXY: 'socks5://p:1080' })).toThrow(new ConfigError('HTTP_PROXY must be an http or https URL, not socks5:'));
    expect(shownProxy('http://user:pa55word@proxy.example:3128/')).toBe('http://proxy.example:3128/');
  });
});

describe('HTTPS with a private certificate authority', () => {
  // A target with a defect, so that a failure shows its replay line.
  const served = serveAround(['--fault', 'wrong-exception-name']);
  let ca: PrivateCa;
  let front: Front;
  beforeAll(async () => {
    ca = privateCa(tempDir());
    front = await startTlsFront(served.url, ca);
  });
  afterAll(() => front.close());

  test('without --ca-file: one line naming the way out, exit 2; with it: judged as over http, and a failure replays with its --ca-file', async () => {
    const refused = await runCli(['run', '--endpoint', front.url, '--rules', 'meter-usage.accepts-valid', '--out', tempDir()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual([
      `metering-conformance: cannot reach endpoint ${front.url}: its certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); pass --ca-file FILE with the authority that signed it`,
    ]);

    const args = ['--rules', 'meter-usage.*,protocol.content-type', '--seed', '3', '--runs', '5'];
    const direct = tempDir();
    expect((await runCli(['run', '--endpoint', served.url, ...args, '--out', direct])).code).toBe(1);
    const out = tempDir();
    const result = await runCli(['run', '--endpoint', front.url, '--ca-file', ca.caFile, ...args, '--out', out]);
    expect(result.code, result.stderr).toBe(1);
    expect(front.count).toBeGreaterThan(20);
    const report = readReport(out);
    expect(verdicts(report)).toEqual(verdicts(readReport(direct)));
    const failure = report.rules.find((r) => r.id === 'meter-usage.unknown-dimension')!.failure!;
    expect(failure.replay).toContain(` --ca-file ${ca.caFile} `);
  });

  test('caFile in target.yaml is relative to it; init names the file it was given as caFile, relative to what it writes', async () => {
    const dir = tempDir();
    copyFileSync(ca.caFile, join(dir, 'ca.pem'));
    const fixtures = (await (await fetch(`${served.url}/__metering-conformance/v1/describe`)).json()).fixtures;
    writeFileSync(join(dir, 'target.yaml'), JSON.stringify({ endpoint: front.url, caFile: 'ca.pem', fixtures, capabilities: { callerIsolation: true } }));
    const configured = await runCli(['run', '--config', join(dir, 'target.yaml'), '--rules', 'meter-usage.accepts-valid', '--out', tempDir()]);
    expect(configured.code, configured.stderr).toBe(0);

    const file = join(tempDir(), 'target.yaml');
    const init = await mainInProcess(['init', '--endpoint', front.url, '--ca-file', ca.caFile, '--out', file]);
    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(`\ncaFile: ${relative(dirname(file), ca.caFile)}\n`);
    expect(loadTargetConfig(file).caFile).toBe(relative(dirname(file), ca.caFile));
  });
});

describe('HTTP_PROXY and HTTPS_PROXY', () => {
  const served = serveAround();
  let proxy: Awaited<ReturnType<typeof startForwardProxy>>;
  beforeAll(async () => {
    proxy = await startForwardProxy();
  });
  afterAll(() => proxy.close());

  test('every request goes through the proxy the environment names, control calls included; NO_PROXY keeps them direct', async () => {
    const args = ['run', '--endpoint', served.url, '--rules', 'meter-usage.*,stateful.meter-usage-sequences', '--seed', '3', '--runs', '5'];
    const through = await runCli([...args, '--out', tempDir()], { env: hermeticEnv({ HTTP_PROXY: proxy.url }) });
    expect(through.code, through.stderr).toBe(0);
    expect(through.stderr).toContain(`note: reaching ${served.url} through the proxy ${proxy.url}/ (HTTP_PROXY; NO_PROXY exempts hosts)`);
    const carried = proxy.count;
    expect(carried).toBeGreaterThan(50);
    // The stateful rule reads the ledger: its control calls went through the proxy too.
    expect(proxy.paths.some((path) => path.startsWith(`${CONTROL_PREFIX}/ledger`))).toBe(true);
    const direct = await runCli([...args, '--out', tempDir()], { env: hermeticEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }) });
    expect(direct.code, direct.stderr).toBe(0);
    expect(proxy.count).toBe(carried);
  });

  test('the boto3 driver: botocore reads HTTP_PROXY itself, as the AWS CLI does', async () => {
    const before = proxy.count;
    const result = await runCli(['run', '--endpoint', served.url, '--driver', 'boto3', '--rules', 'meter-usage.accepts-valid', '--runs', '5', '--out', tempDir()], {
      env: hermeticEnv({ HTTP_PROXY: proxy.url }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.count - before).toBeGreaterThan(5);
  });

  test('an https target is reached through a CONNECT tunnel, trusting --ca-file inside it', async () => {
    const ca = privateCa(tempDir());
    const front = await startTlsFront(served.url, ca);
    try {
      const result = await runCli(['run', '--endpoint', front.url, '--ca-file', ca.caFile, '--rules', 'meter-usage.accepts-valid', '--runs', '5', '--out', tempDir()], {
        env: hermeticEnv({ HTTPS_PROXY: proxy.url }),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.tunnels).toBeGreaterThan(0);
      expect(front.count).toBeGreaterThan(5);
    } finally {
      await front.close();
    }
  });
});
