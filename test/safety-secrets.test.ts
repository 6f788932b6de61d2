// Secrets never reach an output: a run signs with a recognisable secret key and session
// token, against a loopback target that accepts any signature and gets several rules wrong
// (so that reports carry counterexamples, requests and curl lines), and every output is
// searched for the secrets and for request signatures.
import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { readReport, runCli, tempDir, type CliResult } from './support/cli.js';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';

/** `length` characters drawn from `alphabet`. */
function randomText(alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_ALPHABET = `${UPPER_ALNUM}abcdefghijklmnopqrstuvwxyz/+`;
// Shaped like real credentials (a long-term key id AKIA + 16, a 40-character secret), so that a
// redaction that only recognises test-looking values fails here. Built afresh each run: no
// credential-shaped literal is committed, and nothing can pass by matching a fixed string.
const ACCESS_KEY = `AKIA${randomText(UPPER_ALNUM, 16)}`;
const SECRET_KEY = randomText(SECRET_ALPHABET, 40);
const SESSION_TOKEN = `IQoJb3JpZ2luX2Vj${randomText(SECRET_ALPHABET, 200)}`;
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
    for (const [what, secret] of [
      ['access key id', ACCESS_KEY],
      ['secret access key', SECRET_KEY],
      ['session token', SESSION_TOKEN],
    ]) {
      // As written, and as a URL or a JSON string would escape it.
      for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), secret.replaceAll('/', '\\/')])) {
        expect(text.includes(form), `${name} holds the ${what}`).toBe(false);
      }
    }
    expect(text, `${name} holds a request signature`).not.toMatch(SIGNATURE);
    expect(text, `${name} holds a long-term access key id`).not.toMatch(/AKIA[A-Z0-9]{16}/);
  }
}

describe('no secret in any output', () => {
  let emulator: RunningEmulator;
  let proxy: RecordingProxy;
  let raw: Outputs;
  let sdk: Outputs;

  beforeAll(async () => {
    emulator = await startEmulator({ faults: ['accept-any-signature', 'new-id-on-retry', 'wrong-exception-name', 'accept-expired-token'] });
    proxy = await startRecordingProxy(emulator.url);
    const fixtures = emulator.describe().fixtures;
    // Raw driver with caller isolation: the secret signs every request (fresh callers keep it).
    // SDK driver without it: every request is signed with the configured access key id and
    // carries the session token; resolve-customer.expired-token fails (accept-expired-token),
    // so its report shows requests of the configured caller.
    [raw, sdk] = await Promise.all([
      runWithSecrets(proxy, ['--rules', 'meter-usage.*,auth.*,protocol.*'], { callerIsolation: true }, fixtures),
      runWithSecrets(proxy, ['--driver', 'sdk', '--rules', 'model.MeterUsage.*,resolve-customer.*'], {}, fixtures),
    ]);
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
    await emulator?.close();
  });

  test('the runs used the secrets and produced failures with requests to show', () => {
    expect(raw.result.stderr).not.toMatch(/internal error/);
    expect(sdk.result.stderr).not.toMatch(/internal error/);
    // Both exit 1, non-conformant: the fault modes fail rules of each run.
    expect(raw.result.code, raw.result.stdout).toBe(1);
    expect(readReport(raw.out).summary.outcome).toBe('non-conformant');
    expect(sdk.result.code, sdk.result.stdout).toBe(1);
    expect(readReport(sdk.out).summary.outcome).toBe('non-conformant');
    expect(readReport(sdk.out).rules.find((r) => r.id === 'resolve-customer.expired-token')?.verdict).toBe('fail');
    // The secrets were on the wire (signed with, sent as a header): the searches below mean something.
    expect(proxy.requests.some((r) => SIGNATURE.test(String(r.headers.authorization)))).toBe(true);
    expect(proxy.requests.some((r) => String(r.headers.authorization).includes(`Credential=${ACCESS_KEY}/`))).toBe(true);
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
