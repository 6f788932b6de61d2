// `npm run bench`: throughput, wall time and memory, side by side, in one run. Prints a table
// and writes bench/results.json. Numbers, never assertions: the machines are shared and noisy.
// `node dist/bench/run.js --hostile-only` (after compiling) runs row (g) alone and only prints it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { PACKAGE_ROOT } from '../core/paths.js';
import { CONTROL_PREFIX, TEST_CREDENTIALS } from '../core/description.js';
import { signedHeaders } from '../core/sigv4.js';
import { encodeInput, JSON_CONTENT_TYPE, SIGNING_NAME, TARGET_PREFIX } from '../core/wire.js';
import { type Operation } from '../target/types.js';
import { generationRows } from './generation.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'metering-conformance.js');
const CONCURRENCY = 32;
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARM_UP_SECONDS = 2;
const quick = process.argv.includes('--quick');

interface Row {
  name: string;
  value: number;
  unit: string;
  note?: string;
}
const rows: Row[] = [];
function record(name: string, value: number, unit: string, note?: string): number {
  rows.push({ name, value, unit, ...(note ? { note } : {}) });
  process.stderr.write(`  ${name}: ${format(value)} ${unit}${note ? ` (${note})` : ''}\n`);
  return value;
}
function format(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** A /proc/<pid>/<file> field in kB (0 when the process is gone). */
function procKb(pid: number, file: 'status' | 'smaps_rollup', field: string): number {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Peak resident set (VmHWM) of a process, in MB. */
function peakRssMb(pid: number): number {
  return procKb(pid, 'status', 'VmHWM') / 1024;
}

/** Child processes of a pid (for the vitest workers of a run), from /proc. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let children: string;
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  } catch {
    return out;
  }
  for (const child of children.split(/\s+/).filter(Boolean).map(Number)) out.push(child, ...descendants(child));
  return out;
}

/**
 * Memory of a process tree over its life, sampled every 100 ms: the peak of the summed RSS
 * (shared pages such as node's own code count once per process), the peak of the summed PSS
 * (shared pages split between the processes that map them) and each process's own peak.
 */
function memorySampler(root: number): { stop(): { rssMb: number; pssMb: number; processes: number[] } } {
  let rssKb = 0;
  let pssKb = 0;
  const peaks = new Map<number, number>();
  const timer = setInterval(() => {
    const pids = [root, ...descendants(root)];
    let rss = 0;
    let pss = 0;
    for (const pid of pids) {
      rss += procKb(pid, 'status', 'VmRSS');
      pss += procKb(pid, 'smaps_rollup', 'Pss');
      peaks.set(pid, Math.max(peaks.get(pid) ?? 0, peakRssMb(pid)));
    }
    rssKb = Math.max(rssKb, rss);
    pssKb = Math.max(pssKb, pss);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return { rssMb: rssKb / 1024, pssMb: pssKb / 1024, processes: [...peaks.values()].map(Math.round) };
    },
  };
}

/** Keeps CONCURRENCY requests of `send` in flight for `seconds`; returns requests/second. */
async function load(send: (i: number) => Promise<unknown>, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = worker; performance.now() < deadline; i += CONCURRENCY) {
        await send(i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/**
 * Requests/second of `send` over LOAD_SECONDS, after WARM_UP_SECONDS of `warmUp` that are not
 * counted: server and client run optimised code, as they do through most of a suite run.
 */
async function drive(send: (i: number) => Promise<unknown>, warmUp: (i: number) => Promise<unknown> = send): Promise<number> {
  await load(warmUp, WARM_UP_SECONDS);
  return load(send, LOAD_SECONDS);
}

function startServe(args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1], child });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

/** (a) a bare node:http server answering a fixed small JSON body, in its own process. */
async function loopbackCeiling(): Promise<number> {
  const script = `const http=require('node:http');const body=Buffer.from('{"MeteringRecordId":"00000000-0000-0000-0000-000000000000"}');
http.createServer((req,res)=>{req.resume();req.on('end',()=>{res.writeHead(200,{'content-type':'application/x-amz-json-1.1','content-length':body.length});res.end(body);});}).listen(0,'127.0.0.1',function(){process.stdout.write(String(this.address().port)+'\\n');});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY });
  const body = JSON.stringify({ ProductCode: 'conformance-ami-1', Timestamp: 1, UsageDimension: 'Hours', UsageQuantity: 1 });
  try {
    return await drive(async () => {
      const res = await pool.request({ method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1' }, body });
      await res.body.text();
    });
  } finally {
    await pool.close();
    await stop(child);
  }
}

interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

/** Requests signed up front (valid for the five minutes of SigV4 skew): (b) measures the emulator, not the client's signing. */
function signedRequests(origin: string, operation: Operation, inputs: Record<string, unknown>[], callerPrefix: string): SignedRequest[] {
  const host = new URL(origin).host;
  const date = new Date();
  return inputs.map((input, i) => {
    const body = encodeInput(input);
    const credentials = { accessKeyId: `${callerPrefix}${String(i % 256).padStart(6, '0')}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey };
    const headers = signedHeaders({
      method: 'POST',
      path: '/',
      headers: { host, 'content-type': JSON_CONTENT_TYPE, 'x-amz-target': `${TARGET_PREFIX}.${operation}` },
      body: Buffer.from(body),
      credentials,
      region: 'us-east-1',
      service: SIGNING_NAME,
      date,
    });
    return { headers, body };
  });
}

/**
 * Drives signed requests round-robin, each answer checked by `accept`. The warm-up sends the
 * same requests from other callers: the measured requests still meet an empty ledger.
 */
async function driveSigned(pool: Pool, sign: (callerPrefix: string) => SignedRequest[], accept: (status: number, text: string) => boolean): Promise<number> {
  const sender = (requests: SignedRequest[]) => async (i: number) => {
    const request = requests[i % requests.length];
    const res = await pool.request({ method: 'POST', path: '/', headers: request.headers, body: request.body });
    const text = await res.body.text();
    if (!accept(res.statusCode, text)) throw new Error(`bench: unexpected answer HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  };
  return drive(sender(sign('MCBENCH')), sender(sign('MCWARMUP')));
}

/** (b) the emulator's signed, keep-alive MeterUsage and BatchMeterUsage throughput, and its peak RSS. */
async function emulatorThroughput(): Promise<{ meterUsage: number; batch: number; rssMb: number }> {
  const { url, child } = await startServe();
  const describe = (await (await fetch(`${url}${CONTROL_PREFIX}/describe`)).json()) as {
    fixtures: { products: { code: string; kind: string; dimensions: string[] }[]; customers: { accountId: string; productCode: string; subscribed: boolean; licenseArn?: string }[] };
  };
  const product = describe.fixtures.products.find((p) => p.kind !== 'saas')!;
  const saas = describe.fixtures.products.find((p) => p.kind === 'saas')!;
  const customer = describe.fixtures.customers.find((c) => c.subscribed && c.productCode === saas.code);
  const pool = new Pool(url, { connections: CONCURRENCY });
  const now = Date.now();
  // 256 callers, several hours and quantities: first sends record, repeats are identical
  // retries or DuplicateRequestException, as in a suite's traffic.
  const meterUsage = (callerPrefix: string) =>
    signedRequests(
      url,
      'MeterUsage',
      Array.from({ length: 4096 }, (_, i) => ({
        ProductCode: product.code,
        Timestamp: new Date(now - ((i >> 8) % 5) * 3_600_000),
        UsageDimension: product.dimensions[i % product.dimensions.length],
        UsageQuantity: i % 7,
      })),
      callerPrefix,
    );
  const meterUsageAnswer = (status: number, text: string) => status === 200 || text.includes('DuplicateRequestException');
  try {
    const meterUsageRate = await driveSigned(pool, meterUsage, meterUsageAnswer);
    let batchRate = 0;
    if (customer) {
      const batches = (callerPrefix: string) =>
        signedRequests(
          url,
          'BatchMeterUsage',
          Array.from({ length: 1024 }, (_, i) => ({
            UsageRecords: Array.from({ length: 25 }, (_, r) => ({
              Timestamp: new Date(now - (r % 5) * 60_000),
              Dimension: saas.dimensions[r % saas.dimensions.length],
              Quantity: i,
              CustomerAWSAccountId: customer.accountId,
              ...(customer.licenseArn ? { LicenseArn: customer.licenseArn } : {}),
            })),
          })),
          callerPrefix,
        );
      batchRate = await driveSigned(pool, batches, (status) => status === 200);
    }
    return { meterUsage: meterUsageRate, batch: batchRate, rssMb: peakRssMb(child.pid!) };
  } finally {
    await pool.close();
    await stop(child);
  }
}

/** Hostile senders' amplification bodies per second, and valid senders measured beside them. */
const HOSTILE_RATE = 4;
const HOSTILE_RECORDS = 349_000;
const LATENCY_WORKERS = 4;

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

interface HostileLoad {
  quiet: { p50: number; p99: number; max: number; requests: number };
  hostile: { p50: number; p99: number; max: number; requests: number };
  rssGrowthMb: number;
  hostileAnswers: number;
  hostileLargestAnswer: number;
}

/**
 * (g) bounded cost for any input: a valid MeterUsage's latency (LATENCY_WORKERS closed-loop
 * senders) for LOAD_SECONDS alone, then for LOAD_SECONDS while hostile senders post signed
 * 1 MB BatchMeterUsage bodies of 349,000 `{}` records at HOSTILE_RATE per second (open loop,
 * whatever the answers take); and how far the emulator's RSS grows over its quiet level.
 */
async function hostileLoad(): Promise<HostileLoad> {
  const { url, child } = await startServe();
  const describe = (await (await fetch(`${url}${CONTROL_PREFIX}/describe`)).json()) as { fixtures: { products: { code: string; kind: string; dimensions: string[] }[] } };
  const product = describe.fixtures.products.find((p) => p.kind !== 'saas')!;
  const saas = describe.fixtures.products.find((p) => p.kind === 'saas')!;
  const valid = new Pool(url, { connections: LATENCY_WORKERS });
  const hostile = new Pool(url, { connections: 2 * HOSTILE_RATE });
  const now = Date.now();
  const meterUsage = (callerPrefix: string) =>
    signedRequests(
      url,
      'MeterUsage',
      Array.from({ length: 4096 }, (_, i) => ({ ProductCode: product.code, Timestamp: new Date(now - ((i >> 8) % 5) * 3_600_000), UsageDimension: product.dimensions[i % product.dimensions.length], UsageQuantity: i % 7 })),
      callerPrefix,
    );
  const [amplification] = signedRequests(url, 'BatchMeterUsage', [{ ProductCode: saas.code, UsageRecords: Array.from({ length: HOSTILE_RECORDS }, () => ({})) }], 'MCHOSTILE');
  const latencies = async (requests: SignedRequest[], seconds: number) => {
    const deadline = performance.now() + seconds * 1000;
    const ms: number[] = [];
    await Promise.all(
      Array.from({ length: LATENCY_WORKERS }, async (_, worker) => {
        for (let i = worker; performance.now() < deadline; i += LATENCY_WORKERS) {
          const request = requests[i % requests.length];
          const started = performance.now();
          const res = await valid.request({ method: 'POST', path: '/', headers: request.headers, body: request.body });
          const text = await res.body.text();
          ms.push(performance.now() - started);
          if (res.statusCode !== 200 && !text.includes('DuplicateRequestException')) throw new Error(`bench: unexpected answer HTTP ${res.statusCode} ${text.slice(0, 200)}`);
        }
      }),
    );
    ms.sort((a, b) => a - b);
    return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), max: ms.at(-1) ?? NaN, requests: ms.length };
  };
  try {
    await latencies(meterUsage('MCWARMUP'), WARM_UP_SECONDS);
    const quiet = await latencies(meterUsage('MCQUIET'), LOAD_SECONDS);
    const quietRssKb = procKb(child.pid!, 'status', 'VmRSS');
    let peakRssKb = quietRssKb;
    const sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, procKb(child.pid!, 'status', 'VmRSS'))), 50);
    let hostileAnswers = 0;
    let hostileLargestAnswer = 0;
    let hostileFailure: unknown;
    const inFlight = new Set<Promise<void>>();
    const sendHostile = () => {
      // Open loop, bounded only so that a stalled emulator does not exhaust the bench's memory.
      if (inFlight.size >= 8 * HOSTILE_RATE) return;
      const sent = (async () => {
        const res = await hostile.request({ method: 'POST', path: '/', headers: amplification.headers, body: amplification.body });
        const text = await res.body.text();
        if (res.statusCode !== 400 || !text.includes('ValidationException')) throw new Error(`bench: unexpected hostile answer HTTP ${res.statusCode} ${text.slice(0, 200)}`);
        hostileAnswers++;
        hostileLargestAnswer = Math.max(hostileLargestAnswer, Buffer.byteLength(text));
      })()
        .catch((error: unknown) => void (hostileFailure ??= error))
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
    };
    const pacer = setInterval(sendHostile, 1000 / HOSTILE_RATE);
    sendHostile();
    let hostileLatency;
    try {
      hostileLatency = await latencies(meterUsage('MCHOSTILE'), LOAD_SECONDS);
    } finally {
      clearInterval(pacer);
    }
    await Promise.all(inFlight);
    clearInterval(sampler);
    if (hostileFailure) throw hostileFailure;
    return { quiet, hostile: hostileLatency, rssGrowthMb: (peakRssKb - quietRssKb) / 1024, hostileAnswers, hostileLargestAnswer };
  } finally {
    await valid.close();
    await hostile.close();
    await stop(child);
  }
}

function recordHostileLoad(h: HostileLoad): void {
  record(
    `(g) valid MeterUsage p99 beside ${HOSTILE_RATE}/s hostile 1 MB bodies`,
    h.hostile.p99,
    'ms',
    `p50 ${format(h.hostile.p50)}, max ${format(h.hostile.max)} ms (${h.hostile.requests} requests); without them p50 ${format(h.quiet.p50)} / p99 ${format(h.quiet.p99)} / max ${format(h.quiet.max)} ms; emulator RSS +${Math.round(h.rssGrowthMb)} MB; ${h.hostileAnswers} hostile answers, largest ${h.hostileLargestAnswer} B`,
  );
}

interface FullRun {
  wallMs: number;
  /** The vitest run's own duration (report.json): the suites' time, without start-up and reporting. */
  testsMs: number;
  requests: number;
  runner: { rssMb: number; pssMb: number; processes: number[] };
  emulatorRssMb: number;
  exit: number | null;
}

/** (c, d, f) a full run against a served emulator: wall time, conformance requests/s, peak memory. */
async function fullRun(runs?: number): Promise<FullRun> {
  const { url, child: emulator } = await startServe();
  const out = join(PACKAGE_ROOT, 'bench', '.run-report');
  const started = performance.now();
  const args = [BIN, 'run', '--endpoint', url, '--seed', '1', '--out', out, ...(runs ? ['--runs', String(runs)] : [])];
  const runner = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const memory = memorySampler(runner.pid!);
  const exit = await new Promise<number | null>((done) => runner.on('exit', done));
  const wallMs = performance.now() - started;
  const stats = (await (await fetch(`${url}${CONTROL_PREFIX}/describe`)).json()) as { stats?: { requests?: number } };
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { run: { durationMs: number } };
  const emulatorRssMb = peakRssMb(emulator.pid!);
  await stop(emulator);
  return { wallMs, testsMs: report.run.durationMs, requests: stats.stats?.requests ?? 0, runner: memory.stop(), emulatorRssMb, exit };
}

async function main(): Promise<void> {
  if (process.argv.includes('--hostile-only')) {
    // This one measurement, printed only: bench/results.json is left as it is.
    recordHostileLoad(await hostileLoad());
    return;
  }
  process.stderr.write(`metering-conformance bench (concurrency ${CONCURRENCY}, ${LOAD_SECONDS} s per load after ${WARM_UP_SECONDS} s of warm-up)\n`);
  const ceiling = record('(a) loopback ceiling, bare node:http', await loopbackCeiling(), 'req/s');
  const emulator = await emulatorThroughput();
  record('(b) emulator MeterUsage, signed keep-alive (pre-signed)', emulator.meterUsage, 'req/s', `${((emulator.meterUsage / ceiling) * 100).toFixed(0)}% of (a)`);
  record('(b) emulator BatchMeterUsage (25 records)', emulator.batch, 'req/s', `${format(emulator.batch * 25)} records/s`);
  const run = await fullRun();
  const suiteRate = run.requests / (run.wallMs / 1000);
  const testsRate = run.requests / (run.testsMs / 1000);
  const ofB = (rate: number) => `${((rate / emulator.meterUsage) * 100).toFixed(0)}% of (b)`;
  record('(c) suite throughput, default run, per wall second', suiteRate, 'req/s', `${ofB(suiteRate)}; ${run.requests} requests`);
  record('(c) suite throughput, default run, per second of tests', testsRate, 'req/s', `${ofB(testsRate)}; tests ran ${(run.testsMs / 1000).toFixed(1)} s`);
  record('(d) default full run, wall time', run.wallMs / 1000, 's', `exit ${run.exit}`);
  if (!quick) {
    const big = await fullRun(1000);
    record('(d) full run with --runs 1000, wall time', big.wallMs / 1000, 's', `exit ${big.exit}`);
  }
  for (const row of generationRows(quick)) record(row.name, row.value, row.unit, row.note);
  record('(f) peak RSS, runner (CLI + vitest worker, summed)', run.runner.rssMb, 'MB', `PSS ${Math.round(run.runner.pssMb)} MB; per process ${run.runner.processes.join(' + ')} MB`);
  record('(f) peak RSS, emulator under load', Math.max(emulator.rssMb, run.emulatorRssMb), 'MB');
  recordHostileLoad(await hostileLoad());

  const width = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`\n${'measure'.padEnd(width)}  ${'value'.padStart(12)}  unit   note\n`);
  for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${format(r.value).padStart(12)}  ${r.unit.padEnd(5)}  ${r.note ?? ''}\n`);
  const results = { date: new Date().toISOString(), node: process.version, cores: (await import('node:os')).cpus().length, concurrency: CONCURRENCY, loadSeconds: LOAD_SECONDS, warmUpSeconds: WARM_UP_SECONDS, rows };
  writeFileSync(join(PACKAGE_ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwritten to bench/results.json\n`);
}

await main();
