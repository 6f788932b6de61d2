// Whole `metering-conformance run`s, as users start them: wall time, the runner's CPU and
// memory, and what report.json says of each rule.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';
import { DEFAULT_FIXTURES_PATH, loadFixtures } from '../emulator/fixtures.js';
import { startDelayProxy } from './delay-proxy.js';
import { memorySampler, peakRssMb, waitedForCpuSeconds, type TreeMemory } from './process-stats.js';
import { cliArgs, describeEmulator, startServe, stop } from './serve.js';

const REPORTS = join(PACKAGE_ROOT, 'bench', '.run-report');
/** Every run uses this seed: the same requests, so runs compare rule by rule. */
export const SEED = 1;

export interface RuleResult {
  id: string;
  verdict: string;
  durationMs: number;
}

export interface SuiteRun {
  wallMs: number;
  exit: number | null;
  /** The vitest run's own duration (report.json run.durationMs): the suites' time, without start-up and reporting. */
  testsMs: number;
  rules: RuleResult[];
  /** User + system CPU seconds of the runner: the CLI and every process under it (vitest workers, an embedded emulator). */
  cpuSeconds: number;
}

// The shell runs the command ("$0" "$@"), then copies its own /proc stat line, whose cutime and
// cstime by then hold the CPU of the command and of every worker the command waited for.
const CPU_WRAPPER = '"$0" "$@"; status=$?; cat /proc/$$/stat > "$BENCH_STAT_FILE"; exit $status';

/**
 * `run --seed SEED --out bench/.run-report/<name> ARGS`. With `sampleMemory`, its memory too:
 * only where a row needs it, since reading smaps_rollup costs the bench a tenth of a core,
 * taken from the run on a small machine.
 */
async function suiteRun(name: string, args: string[], sampleMemory = false): Promise<SuiteRun & { memory?: TreeMemory }> {
  const out = join(REPORTS, name);
  const statFile = join(REPORTS, `${name}.stat`);
  // A report left by an earlier bench must not pass for this run's.
  rmSync(out, { recursive: true, force: true });
  mkdirSync(REPORTS, { recursive: true });
  const started = performance.now();
  const command = cliArgs(['run', '--seed', String(SEED), '--out', out, ...args]);
  const shell = spawn('sh', ['-c', CPU_WRAPPER, process.execPath, ...command], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BENCH_STAT_FILE: statFile },
  });
  const memory = sampleMemory ? memorySampler(shell.pid!) : undefined;
  const exit = await new Promise<number | null>((done) => shell.on('exit', done));
  const wallMs = performance.now() - started;
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { run: { durationMs: number }; rules: RuleResult[] };
  return {
    wallMs,
    exit,
    testsMs: report.run.durationMs,
    rules: report.rules.map(({ id, verdict, durationMs }) => ({ id, verdict, durationMs })),
    cpuSeconds: waitedForCpuSeconds(readFileSync(statFile, 'utf8')),
    ...(memory ? { memory: memory.stop() } : {}),
  };
}

export interface ServedRun extends SuiteRun {
  /** Service requests the emulator answered: the requests the suites judged. */
  requests: number;
  emulatorRssMb: number;
}

/** A run against `serve` in a process of its own: the runner's CPU is the suites' alone. */
export async function servedRun(runs?: number): Promise<ServedRun> {
  const { url, child } = await startServe();
  try {
    const run = await suiteRun(runs === undefined ? 'served' : `served-runs-${runs}`, ['--endpoint', url, ...(runs === undefined ? [] : ['--runs', String(runs)])]);
    const { stats } = await describeEmulator(url);
    return { ...run, requests: stats.requests, emulatorRssMb: peakRssMb(child.pid!) };
  } finally {
    await stop(child);
  }
}

/** The default run: no endpoint, so the command serves the embedded emulator itself (its CPU and memory count as the runner's). */
export async function embeddedRun(): Promise<SuiteRun & { memory: TreeMemory }> {
  const { memory, ...run } = await suiteRun('embedded', [], true);
  return { ...run, memory: memory! };
}

export interface RemoteRun extends SuiteRun {
  /** Connections the runner opened through the proxy. */
  connections: number;
  /** CPU seconds of the bench's own process during the run: the proxy's. */
  proxyCpuSeconds: number;
}

/** A run against `serve` behind the delay proxy: a target `delayMs` away each way. */
export async function remoteRun(delayMs: number): Promise<RemoteRun> {
  const { url, child } = await startServe();
  const proxy = await startDelayProxy(url, delayMs);
  try {
    const cpuBefore = process.cpuUsage();
    const run = await suiteRun('remote', ['--endpoint', proxy.url]);
    const cpu = process.cpuUsage(cpuBefore);
    return { ...run, connections: proxy.connections(), proxyCpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await proxy.close();
    await stop(child);
  }
}

/** Rules whose verdict differs between two runs, as "id (verdict → verdict)". */
export function verdictChanges(before: RuleResult[], after: RuleResult[]): string[] {
  const was = new Map(before.map((r) => [r.id, r.verdict]));
  const is = new Map(after.map((r) => [r.id, r.verdict]));
  return [...new Set([...was.keys(), ...is.keys()])].filter((id) => was.get(id) !== is.get(id)).map((id) => `${id} (${was.get(id) ?? 'absent'} → ${is.get(id) ?? 'absent'})`);
}

/** The `count` slowest rules of a run, as "id 1.2 s". */
export function slowestRules(rules: RuleResult[], count: number): string[] {
  return [...rules]
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, count)
    .map((r) => `${r.id} ${(r.durationMs / 1000).toFixed(1)} s`);
}

/** A target.yaml declaring the emulator's default fixtures and no capabilities: a target that is not ours, as a user would describe it. */
function fixturesOnlyConfig(): string {
  const { region: _region, secretAccessKey: _secret, ...fixtures } = loadFixtures(DEFAULT_FIXTURES_PATH);
  mkdirSync(REPORTS, { recursive: true });
  const file = join(REPORTS, 'fixtures-only.json');
  writeFileSync(file, JSON.stringify({ region: 'us-east-1', fixtures }));
  return file;
}

/** A run against `serve --shared-ledger --no-control`: neither caller isolation nor a reset, so the run-wide ledger judges the rules that need a clean one. */
export async function freshKeysRun(): Promise<SuiteRun> {
  const { url, child } = await startServe(['--shared-ledger', '--no-control']);
  try {
    return await suiteRun('fresh-keys', ['--endpoint', url, '--config', fixturesOnlyConfig()]);
  } finally {
    await stop(child);
  }
}

/** The per-request time limit of the unavailable-target run (the verdict gate's). */
export const UNAVAILABLE_TIMEOUT_MS = 3_000;

/** The whole catalogue against a target that answers every request with a 503 (awsJson), as a new user would start it: no config. */
export async function unavailableRun(): Promise<SuiteRun> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(503, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'ServiceUnavailableException', message: 'try again later' }));
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  try {
    return await suiteRun('unavailable', ['--endpoint', `http://127.0.0.1:${port}`, '--timeout', String(UNAVAILABLE_TIMEOUT_MS)]);
  } finally {
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
  }
}
