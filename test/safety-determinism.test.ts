// The same seed against the same target sends the same requests. Two runs go through
// recording proxies to two fresh reference emulators; their request logs are compared.
//
// What must differ is normalised away: Authorization and X-Amz-Date (signing time, and the
// fresh access key id of each property run's caller). Generated timestamps are relative to
// the target's clock, so both runs see the same clock: the process hooks freeze Date.now()
// in the CLI processes at one instant, and the emulators (in this process) are frozen at the
// same instant, so that no time passes between a generated timestamp and its judgement: every
// rule passes however long the runs take, and a run exits exactly 0. Rules run concurrently,
// so the comparison is of the multiset of requests per X-Amz-Target, not of their order.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { runCli, tempDir, type CliResult } from './support/cli.js';
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from './support/recording-proxy.js';

const HOOKS = join(PACKAGE_ROOT, 'test', 'support', 'process-hooks.mjs');
// Every family; auth.clock-skew-window is left out: it probes the emulator's real clock with
// skews of a few minutes, which the time between the frozen instant and the request shifts.
const RULES = [
  'meter-usage.*',
  'batch-meter-usage.*',
  'idempotency.*',
  'stateful.*',
  'register-usage.*',
  'resolve-customer.*',
  'protocol.*',
  'model.*',
  'auth.missing-authorization',
  'auth.malformed-authorization',
  'auth.wrong-secret',
  'auth.stale-date',
  'auth.wrong-region',
  'auth.wrong-service',
].join(',');

interface Run {
  result: CliResult;
  requests: RecordedRequest[];
}

/** One comparable line per request: everything but the signing time and the signature. */
function normalised(request: RecordedRequest): string {
  const target = String(request.headers['x-amz-target'] ?? '(none)');
  return `${target} ${request.method} ${request.path} ${String(request.headers['content-type'] ?? '')}\n${request.body}`;
}

function byTarget(requests: RecordedRequest[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const request of requests) (out[String(request.headers['x-amz-target'] ?? '(none)')] ??= []).push(normalised(request));
  for (const list of Object.values(out)) list.sort();
  return out;
}

describe('same seed, same target, same requests', () => {
  const started: { emulator: RunningEmulator; proxy: RecordingProxy }[] = [];
  const frozenNowMs = Date.now();

  async function run(seed: string): Promise<Run> {
    const emulator = await startEmulator();
    const proxy = await startRecordingProxy(emulator.url);
    started.push({ emulator, proxy });
    const dir = tempDir();
    const config = join(dir, 'target.yaml');
    writeFileSync(config, JSON.stringify({ region: 'us-east-1', fixtures: emulator.describe().fixtures, capabilities: { callerIsolation: true } }));
    const result = await runCli(['run', '--endpoint', proxy.url, '--config', config, '--rules', RULES, '--runs', '5', '--seed', seed, '--out', dir], {
      env: { NODE_OPTIONS: `--import ${HOOKS}`, MC_HOOKS_NOW_MS: String(frozenNowMs) },
      timeoutMs: 400_000,
    });
    return { result, requests: proxy.requests };
  }

  let first: Run;
  let second: Run;
  let otherSeed: Run;
  beforeAll(async () => {
    // The emulators' clock (emulator/clock.ts reads Date.now()) stands where the CLIs' does.
    vi.spyOn(Date, 'now').mockReturnValue(frozenNowMs);
    [first, second] = await Promise.all([run('31337'), run('31337')]);
    otherSeed = await run('31338');
  }, 1_300_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const { emulator, proxy } of started) {
      await proxy.close();
      await emulator.close();
    }
  });

  test('the runs completed, every rule conforming, and sent many requests', () => {
    // Exit 0: with both clocks frozen at one instant no rule can fail on time passing, and the
    // emulator has no fault. (Exit 1 would mean a rule failed against a correct target.)
    for (const r of [first, second, otherSeed]) {
      expect(r.result.stderr).not.toMatch(/internal error/);
      expect(r.result.code, r.result.stdout).toBe(0);
    }
    expect(first.requests.length).toBeGreaterThan(100);
  });

  test('the same seed sends the same multiset of requests per X-Amz-Target', () => {
    const a = byTarget(first.requests);
    const b = byTarget(second.requests);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const target of Object.keys(a)) {
      expect(b[target].length, target).toBe(a[target].length);
      expect(b[target], target).toEqual(a[target]);
    }
  });

  test('another seed sends other requests (the comparison can fail)', () => {
    expect(byTarget(otherSeed.requests)).not.toEqual(byTarget(first.requests));
  });
});
