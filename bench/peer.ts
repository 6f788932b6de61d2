// (i) the emulator beside a peer, moto (`python3 -m moto.server`), when python3 can import it:
// the same client sends both the same signed 1-record BatchMeterUsage, the one operation moto
// implements, PEER_IN_FLIGHT at a time over keep-alive connections.
import { Pool } from 'undici';
import { driveSigned, type SignedRequest, signedRequests } from './load.js';
import { motoVersion, startMoto, type RunningMoto } from './moto.js';
import { describeEmulator, startServe, stop } from './serve.js';

export const PEER_IN_FLIGHT = 8;

export type PeerComparison = { emulator: PeerRate; moto: PeerRate; motoVersion: string } | { skipped: string };

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
  let motoServer: RunningMoto | undefined;
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

    motoServer = await startMoto();
    const motoRate = await rate(motoServer.url, sign);
    return { emulator: emulatorRate, moto: motoRate, motoVersion: moto.version };
  } catch (error) {
    return { skipped: `failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    await motoServer?.stop();
    await stop(emulator);
  }
}
