// The bench's delay proxy (bench/delay-proxy.ts, the remote-target row): bytes pass untouched
// both ways, in order, each direction late by the delay; half-closes pass through; keep-alive
// HTTP over a few connections works. Loopback only, small payloads, bounded waits.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { Pool } from 'undici';
import { startDelayProxy, type DelayProxy } from '../bench/delay-proxy.js';

const DELAY_MS = 40;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listening<T extends Server | HttpServer>(server: T): Promise<{ server: T; url: string }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}` };
}

async function proxyTo(url: string): Promise<DelayProxy> {
  const proxy = await startDelayProxy(url, DELAY_MS);
  cleanups.push(() => proxy.close());
  return proxy;
}

/** Everything a socket receives until the other side ends it. */
function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

function connected(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), allowHalfOpen: true }, () => resolve(socket));
    socket.on('error', reject);
    cleanups.push(async () => socket.destroy());
  });
}

describe('bench delay proxy', () => {
  test('forwards bytes untouched both ways, in order, through a half-close', { timeout: 10_000 }, async () => {
    // The target reads everything up to the client's end, then answers it reversed and ends.
    const received: Buffer[] = [];
    const { url } = await listening(
      createServer({ allowHalfOpen: true }, (socket) => {
        void readAll(socket).then((all) => {
          received.push(all);
          socket.end(Buffer.from(all).reverse());
        });
      }),
    );
    const proxy = await proxyTo(url);
    const client = await connected(proxy.url);
    const sent = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251));
    const answer = readAll(client);
    // Many writes: many chunks to keep in order, more than a socket buffer holds.
    for (let i = 0; i < sent.length; i += 10_000) client.write(sent.subarray(i, i + 10_000));
    client.end();
    expect((await answer).equals(Buffer.from(sent).reverse())).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0].equals(sent)).toBe(true);
  });

  test('delays each direction', { timeout: 10_000 }, async () => {
    let arrivedAt = 0;
    const { url } = await listening(
      createServer((socket) => {
        socket.once('data', (chunk) => {
          arrivedAt = performance.now();
          socket.write(chunk);
        });
      }),
    );
    const proxy = await proxyTo(url);
    const client = await connected(proxy.url);
    const sentAt = performance.now();
    const echoed = new Promise<Buffer>((resolve) => client.once('data', resolve));
    client.write('ping');
    expect((await echoed).toString()).toBe('ping');
    const roundTrip = performance.now() - sentAt;
    // Timers fire no earlier than asked, up to a millisecond of rounding.
    expect(arrivedAt - sentAt).toBeGreaterThanOrEqual(DELAY_MS - 1);
    expect(roundTrip).toBeGreaterThanOrEqual(2 * DELAY_MS - 1);
    expect(roundTrip).toBeLessThan(2 * DELAY_MS + 1_000);
  });

  test('carries keep-alive HTTP: many requests over a few connections', { timeout: 10_000 }, async () => {
    const { url } = await listening(
      createHttpServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => res.end(JSON.stringify({ host: req.headers.host, body })));
      }),
    );
    const proxy = await proxyTo(url);
    const pool = new Pool(proxy.url, { connections: 4 });
    cleanups.push(() => pool.close());
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const res = await pool.request({ method: 'POST', path: '/', body: `request ${i}` });
        return (await res.body.json()) as { host: string; body: string };
      }),
    );
    expect(answers.map((a) => a.body)).toEqual(Array.from({ length: 40 }, (_, i) => `request ${i}`));
    // The Host header is the proxy's, as the client sent it: the proxy rewrites nothing.
    expect(new Set(answers.map((a) => a.host))).toEqual(new Set([new URL(proxy.url).host]));
    expect(proxy.connections()).toBeLessThanOrEqual(4);
  });
});
