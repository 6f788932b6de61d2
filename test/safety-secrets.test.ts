// Secrets never reach an output: a run signs with a recognisable secret key and session
// token, against a loopback target that accepts any signature and gets several rules wrong
// (so that reports carry counterexamples, requests and curl lines), and every output is
// searched for the secrets and for request signatures.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { readReport, runCli, tempDir, type CliResult } from './support/cli.js';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';

const SECRET_KEY = 'SafetyTestSecretKey0123456789abcdefSECRET';
const SESSION_TOKEN = 'SafetyTestSessionToken0123456789abcdefTOKEN';
// Not shaped like a real key id (AKIA…), so no scanner mistakes it for one.
const ACCESS_KEY = 'MCSAFETYTESTKEY00001';
const SIGNATURE = /Signature=[0-9a-f]{64}/i;

interface Outputs {
  result: CliResult;
  out: string;
  files: Record<string, string>;
}

/** Runs against a proxy that hides the emulator's describe, so the environment's credentials sign. */
async function runWithSecrets(proxy: RecordingProxy, args: string[], capabilities: Record<string, boolean>, fixtures: unknown): Promise<Outputs> {
  const out = tempDir();
  const config = join(tempDir(), 'target.yaml');
  writeFileSync(config, JSON.stringify({ region: 'us-east-1', fixtures, capabilities }));
  const result = await runCli(['run', '--endpoint', proxy.url, '--config', config, '--out', out, '--runs', '5', '--seed', '11', ...args], {
    env: { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN },
    timeoutMs: 240_000,
  });
  const files = Object.fromEntries(readdirSync(out).map((name) => [name, readFileSync(join(out, name), 'utf8')]));
  return { result, out, files };
}

function expectNoSecrets(outputs: Outputs): void {
  const texts: Record<string, string> = { stdout: outputs.result.stdout, stderr: outputs.result.stderr, ...outputs.files };
  for (const name of ['report.html', 'report.json', 'junit.xml', 'summary.md']) expect(Object.keys(texts), name).toContain(name);
  for (const [name, text] of Object.entries(texts)) {
    expect(text.includes(SECRET_KEY), `${name} holds the secret access key`).toBe(false);
    expect(text.includes(SESSION_TOKEN), `${name} holds the session token`).toBe(false);
    expect(text, `${name} holds a request signature`).not.toMatch(SIGNATURE);
    expect(text, `${name} holds an unredacted Authorization credential`).not.toMatch(/Credential=AKIA/);
  }
}

describe('no secret in any output', () => {
  let emulator: RunningEmulator;
  let proxy: RecordingProxy;
  let raw: Outputs;
  let sdk: Outputs;

  beforeAll(async () => {
    emulator = await startEmulator({ faults: ['accept-any-signature', 'new-id-on-retry', 'wrong-exception-name'] });
    proxy = await startRecordingProxy(emulator.url);
    const fixtures = emulator.describe().fixtures;
    // Raw driver with caller isolation: the secret signs every request (fresh callers keep it).
    // SDK driver without it: every request also carries the configured session token.
    [raw, sdk] = await Promise.all([
      runWithSecrets(proxy, ['--rules', 'meter-usage.*,auth.*,protocol.*'], { callerIsolation: true }, fixtures),
      runWithSecrets(proxy, ['--driver', 'sdk', '--rules', 'model.MeterUsage.*'], {}, fixtures),
    ]);
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
    await emulator?.close();
  });

  test('the runs used the secrets and produced failures with requests to show', () => {
    expect(raw.result.stderr).not.toMatch(/internal error/);
    expect(sdk.result.stderr).not.toMatch(/internal error/);
    expect(raw.result.code).toBe(1);
    expect([0, 1]).toContain(sdk.result.code);
    // The secrets were on the wire (signed with, sent as a header): the searches below mean something.
    expect(proxy.requests.some((r) => SIGNATURE.test(String(r.headers.authorization)))).toBe(true);
    expect(proxy.requests.some((r) => r.headers['x-amz-security-token'] === SESSION_TOKEN)).toBe(true);
    const failures = [...readReport(raw.out).rules, ...readReport(sdk.out).rules].filter((r) => r.verdict === 'fail');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.some((r) => r.failure?.curl)).toBe(true);
  });

  test('raw driver: report.html, report.json, junit.xml, summary.md, stdout and stderr are clean', () => {
    expectNoSecrets(raw);
  });

  test('sdk driver: every output is clean', () => {
    expectNoSecrets(sdk);
  });
});
