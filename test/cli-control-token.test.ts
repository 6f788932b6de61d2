// run --control-token T: a run against an emulator started with a control token sends the token
// on its control requests (flag first, then METERING_CONFORMANCE_CONTROL_TOKEN, then target.yaml),
// writes it nowhere (report files, HAR, stdout, stderr), and leaves the replay line and the
// script of a failure reading it from the environment. Without it, the rule that needs the
// control API errors with one line saying where the token goes; a bad token is a usage error.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { CONTROL_TOKEN_ENV } from '../core/description.js';
import { hermeticEnv, readReport, runCli, tempDir, verdicts, type CliResult } from './support/cli.js';

const TOKEN = 'ct-secret-7f3a9c21e5';
/** Needs clockControl: it sets its caller's clock through POST /__metering-conformance/v1/clock. */
const RULE = 'meter-usage.window-past-boundary';
/** No token from the environment of whoever runs the tests (node leaves undefined variables out). */
const NO_TOKEN_ENV = { [CONTROL_TOKEN_ENV]: undefined };

let emulator: RunningEmulator;
/** Accepts timestamps 6 hours and 1 second old: RULE fails, so the report holds a replay line and a script. */
let faulty: RunningEmulator;
beforeAll(async () => {
  [emulator, faulty] = await Promise.all([startEmulator({ controlToken: TOKEN }), startEmulator({ controlToken: TOKEN, faults: ['window-off-by-one-second'] })]);
});
afterAll(async () => {
  await Promise.all([emulator?.close(), faulty?.close()]);
});

/** Every file under `dir`, with its text. */
function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name), readFileSync(join(entry.parentPath, entry.name), 'utf8'));
  }
  return files;
}

/** The token appears in no file of `outDir` and in neither output stream. */
function expectNoToken(result: CliResult, outDir: string): void {
  expect(result.stdout).not.toContain(TOKEN);
  expect(result.stderr).not.toContain(TOKEN);
  const files = filesUnder(outDir);
  expect(files.size).toBeGreaterThanOrEqual(4);
  for (const [file, text] of files) expect(text, file).not.toContain(TOKEN);
}

const runRule = (endpoint: string, out: string, extra: string[] = [], env: NodeJS.ProcessEnv = NO_TOKEN_ENV) =>
  runCli(['run', '--endpoint', endpoint, '--rules', RULE, '--runs', '3', '--out', out, ...extra], { env });

describe('run --control-token', () => {
  test('the token reaches the control API (the flag before a wrong variable) and appears in no output', async () => {
    const out = tempDir();
    const result = await runRule(emulator.url, out, ['--control-token', TOKEN], { [CONTROL_TOKEN_ENV]: 'wrong-token-00000' });
    expect(result.code, result.stderr).toBe(0);
    expect(verdicts(readReport(out))).toEqual({ [RULE]: 'pass' });
    expectNoToken(result, out);
  }, 120_000);

  test("target.yaml's controlToken is used when neither the flag nor the variable is given", async () => {
    const out = tempDir();
    const config = join(tempDir(), 'target.yaml');
    // The emulator's AMI products: every caller is entitled to them.
    const products = emulator.describe().fixtures.products.filter((p) => p.kind === 'ami').map(({ code, kind, dimensions }) => ({ code, kind, dimensions }));
    writeFileSync(config, JSON.stringify({ controlToken: TOKEN, fixtures: { products }, capabilities: { callerIsolation: true, clockControl: true } }));
    const result = await runRule(emulator.url, out, ['--config', config]);
    expect(result.code, result.stderr).toBe(0);
    expect(verdicts(readReport(out))).toEqual({ [RULE]: 'pass' });
    expectNoToken(result, out);
  }, 120_000);

  test("a failure's replay line and script read the token from the variable, and work with it set", async () => {
    const out = tempDir();
    const result = await runRule(faulty.url, out, ['--control-token', TOKEN, '--har', join(out, 'failures.har')]);
    expect(result.code, result.stderr).toBe(1);
    expectNoToken(result, out);
    const failure = readReport(out).rules[0].failure!;
    expect(readReport(out).rules[0].verdict).toBe('fail');
    expect(failure.replay).not.toContain('--control-token');
    expect(failure.script).toContain(`-H "Authorization: Bearer $${CONTROL_TOKEN_ENV}"`);

    // The script, with the token in the environment: the clock call is accepted and the stale MeterUsage too (the fault).
    // (Not execFileSync: the emulator answers from this process.)
    const { stdout: answers } = await promisify(execFile)('sh', ['-c', failure.script!], { env: { ...hermeticEnv(), [CONTROL_TOKEN_ENV]: TOKEN }, timeout: 30_000 });
    expect([...answers.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((m) => m[1])).toEqual(['200', '200']);

    // The replay line, with the token in the environment, reproduces the failure.
    const replay = failure.replay!.replace(/^npx metering-conformance /, '').split(' ');
    const replayOut = tempDir();
    const replayed = await runCli([...replay, '--out', replayOut], { env: { [CONTROL_TOKEN_ENV]: TOKEN } });
    expect(replayed.code, replayed.stderr).toBe(1);
    expect(verdicts(readReport(replayOut))).toEqual({ [RULE]: 'fail' });
    expectNoToken(replayed, replayOut);
  }, 180_000);

  test('without the token the rule errors with one line saying where the token goes', async () => {
    const out = tempDir();
    const result = await runRule(emulator.url, out);
    expect(result.code, result.stderr).toBe(1);
    const rule = readReport(out).rules[0];
    expect(rule.verdict).toBe('error');
    expect(rule.reason).toBe(
      `target answered POST /__metering-conformance/v1/clock with HTTP 401: the control API wants the target's token (run --control-token T, or ${CONTROL_TOKEN_ENV}=T)`,
    );
  }, 120_000);

  test.each([['short'], ['has a space'], ['']])('a bad token (%j) is one line, exit 2, and not quoted back', async (bad) => {
    const result = await runRule(emulator.url, tempDir(), ['--control-token', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('metering-conformance: --control-token must be at least 8 printable characters without spaces\n');
    expect(result.stdout).toBe('');
  });

  test("a bad controlToken in target.yaml is one line, exit 2, and not quoted back", async () => {
    const config = join(tempDir(), 'target.yaml');
    writeFileSync(config, 'controlToken: "two words here"\n');
    const result = await runRule(emulator.url, tempDir(), ['--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`metering-conformance: ${config}: controlToken: must match ^[!-~]{8,}$ (got a secret, not shown)\n`);
  });

  test('run --help documents the flag and where a replay gets the token', async () => {
    const help = await runCli(['run', '--help']);
    expect(help.stdout).toContain('  --control-token T');
    expect(help.stdout).toContain(`replay with ${CONTROL_TOKEN_ENV}=T set`);
  });
});
