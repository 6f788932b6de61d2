// Reaching targets where they are, from the command line: HTTPS with a private certificate
// authority (--ca-file, or caFile in target.yaml) and the proxies the environment names
// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), for every request of the run: describe probe,
// preflight, rules and control calls. target-reach.test.ts tests target/reach.ts itself.
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTROL_PREFIX } from '../core/description.js';
import { loadTargetConfig } from '../target/config.js';
import { privateCa, startForwardProxy, startTlsFront, type Front, type PrivateCa } from './support/reach-servers.js';
import { hermeticEnv, mainInProcess, publishedConfig, readReport, runCli, serveAround, tempDir, verdicts } from './support/cli.js';

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
    const config = await publishedConfig(served.url, { endpoint: front.url, caFile: 'ca.pem', capabilities: { callerIsolation: true } }, dir);
    const configured = await runCli(['run', '--config', config, '--rules', 'meter-usage.accepts-valid', '--out', tempDir()]);
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
    // A proxy URL may carry credentials: used, never shown.
    const password = 'proxy-password-0123456789';
    const withCredentials = proxy.url.replace('http://', `http://conformance:${password}@`);
    const out = tempDir();
    const through = await runCli([...args, '--out', out], { env: hermeticEnv({ HTTP_PROXY: withCredentials }) });
    expect(through.code, through.stderr).toBe(0);
    expect(through.stderr).toContain(`note: reaching ${served.url} through the proxy ${proxy.url}/ (HTTP_PROXY; NO_PROXY exempts hosts)`);
    expect(proxy.authorizations.at(-1)).toBe(`Basic ${Buffer.from(`conformance:${password}`).toString('base64')}`);
    expect(`${through.stdout}${through.stderr}${JSON.stringify(readReport(out))}`).not.toContain(password);
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
