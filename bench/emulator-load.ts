// Loads on servers: the loopback ceiling (a), the emulator's own throughput (b), and a valid
// request's latency beside hostile bodies (g).
import { spawn } from 'node:child_process';
import { Pool } from 'undici';
import { procKb, peakRssMb } from './process-stats.js';
import { CONCURRENCY, drive, driveSigned, LOAD_SECONDS, signedRequests, WARM_UP_SECONDS, type SignedRequest } from './load.js';
import { describeEmulator, startServe, stop } from './serve.js';
import { format, type Table } from './table.js';

/** (a) a bare node:http server answering a fixed small JSON body, in its own process. */
export async function loopbackCeiling(): Promise<number> {
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

/** (b) the emulator's signed, keep-alive MeterUsage and BatchMeterUsage throughput, and its peak RSS. */
export async function emulatorThroughput(): Promise<{ meterUsage: number; batch: number; rssMb: number }> {
  const { url, child } = await startServe();
  const description = await describeEmulator(url);
  const product = description.fixtures.products.find((p) => p.kind !== 'saas')!;
  const saas = description.fixtures.products.find((p) => p.kind === 'saas')!;
  const customer = description.fixtures.customers.find((c) => c.subscribed && c.productCode === saas.code);
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
export async function hostileLoad(): Promise<HostileLoad> {
  const { url, child } = await startServe();
  const description = await describeEmulator(url);
  const product = description.fixtures.products.find((p) => p.kind !== 'saas')!;
  const saas = description.fixtures.products.find((p) => p.kind === 'saas')!;
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

export function recordHostileLoad(table: Table, h: HostileLoad): void {
  table.record(
    `(g) valid MeterUsage p99 beside ${HOSTILE_RATE}/s hostile 1 MB bodies`,
    h.hostile.p99,
    'ms',
    `p50 ${format(h.hostile.p50)}, max ${format(h.hostile.max)} ms (${h.hostile.requests} requests); without them p50 ${format(h.quiet.p50)} / p99 ${format(h.quiet.p99)} / max ${format(h.quiet.max)} ms; emulator RSS +${Math.round(h.rssGrowthMb)} MB; ${h.hostileAnswers} hostile answers, largest ${h.hostileLargestAnswer} B`,
  );
}

