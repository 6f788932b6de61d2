// (i) the emulator beside a peer, moto (`python3 -m moto.server`), when python3 can import it:
// the same client sends both the same signed 1-record BatchMeterUsage, the one operation moto
// implements, PEER_IN_FLIGHT at a time over keep-alive connections.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { Pool } from 'undici';
import { driveSigned, type SignedRequest, signedRequests } from './load.js';
import { describeEmulator, startServe, stop } from './serve.js';

export const PEER_IN_FLIGHT = 8;

export type PeerComparison = { emulator: PeerRate; moto: PeerRate; motoVersion: string } | { skipped: string };

/** moto's version, or why python3 cannot import it. */
function motoVersion(): { version: string } | { missing: string } {
  const probe = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status === 0) return { version: probe.stdout.trim() };
  return { missing: probe.error ? `python3: ${probe.error.message}` : `python3 -c 'import moto' failed: ${probe.stderr.trim().split('\n').at(-1) ?? ''}` };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs` or if `child` exits first. */
async function accepting(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto.server exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(true));
      socket.on('error', () => resolve(false));
      socket.on('connect', () => socket.destroy());
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`moto.server did not listen within ${timeoutMs / 1000} s`);
}

interface PeerRate {
  rate: number;
  /** Whether the server answers Connection: close, so that every request costs a new connection. */
  closesConnections: boolean;
}

/** Requests per second at `url`, PEER_IN_FLIGHT in flight; every answer must be HTTP 200 with Results. */
async function rate(url: string, sign: (origin: string, callerPrefix: string) => SignedRequest[]): Promise<PeerRate> {
  const pool = new Pool(url, { connections: PEER_IN_FLIGHT });
  const accept = (status: number, text: string) => status === 200 && text.includes('"Results"');
  try {
    const [probe] = sign(url, 'MCPROBE');
    const answer = await pool.request({ method: 'POST', path: '/', headers: probe.headers, body: probe.body });
    const text = await answer.body.text();
    if (!accept(answer.statusCode, text)) throw new Error(`${url} answered HTTP ${answer.statusCode} ${text.slice(0, 200)}`);
    const closesConnections = answer.headers.connection === 'close';
    return { rate: await driveSigned(pool, (callerPrefix) => sign(url, callerPrefix), accept, PEER_IN_FLIGHT), closesConnections };
  } finally {
    await pool.close();
  }
}

export async function peerComparison(): Promise<PeerComparison> {
  const moto = motoVersion();
  if ('missing' in moto) return { skipped: moto.missing };
  const { url, child: emulator } = await startServe();
  let motoServer: ChildProcess | undefined;
  try {
    // A legacy customer (CustomerIdentifier), which moto's records carry; the emulator knows it as subscribed.
    const { fixtures } = await describeEmulator(url);
    const customer = fixtures.customers.find((c) => c.identifier !== undefined && c.subscribed)!;
    const product = fixtures.products.find((p) => p.code === customer.productCode)!;
    const timestamp = new Date(Date.now() - 60_000);
    // Signed for each server's own host; one caller, so the emulator answers the repeats as identical retries.
    const sign = (origin: string, callerPrefix: string) =>
      signedRequests(origin, 'BatchMeterUsage', [{ ProductCode: product.code, UsageRecords: [{ Timestamp: timestamp, CustomerIdentifier: customer.identifier, Dimension: product.dimensions[0], Quantity: 1 }] }], callerPrefix);
    const emulatorRate = await rate(url, sign);

    const port = await freePort();
    motoServer = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    await accepting(port, motoServer, 30_000);
    const motoRate = await rate(`http://127.0.0.1:${port}`, sign);
    return { emulator: emulatorRate, moto: motoRate, motoVersion: moto.version };
  } catch (error) {
    return { skipped: `failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    // Bounded: moto gets 3 s to stop on SIGTERM, then SIGKILL.
    if (motoServer) await stop(motoServer, 3_000);
    await stop(emulator);
  }
}
