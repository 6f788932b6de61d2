// A loopback TCP proxy that makes a local target look remote: every chunk is forwarded after a
// fixed delay in each direction, so a request/answer exchange costs one round trip more. Bytes
// pass untouched (the Host header a client signed reaches the target as signed).
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  /** http://127.0.0.1:<port>, to use as the target's endpoint. */
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** What waits to be written to one side: chunks, then the end of the stream, each with the time it is due. */
interface Pending {
  due: number;
  chunk: Buffer | null;
}

/**
 * Forwards `from` to `to`, each chunk `delayMs` after it arrived, in arrival order. One timer
 * per direction, armed only while something waits, so that many idle keep-alive connections
 * cost nothing; a full `to` pauses reading `from` (TCP flow control, no unbounded queue).
 */
function forwardDelayed(from: Socket, to: Socket, delayMs: number): void {
  const queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let waitingForDrain = false;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0].due <= now) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) return;
      if (chunk === null) to.end();
      else if (!to.write(chunk) && !waitingForDrain) {
        waitingForDrain = true;
        from.pause();
        to.once('drain', () => {
          waitingForDrain = false;
          from.resume();
        });
      }
    }
    if (queue.length > 0) timer = setTimeout(flush, queue[0].due - now);
  };
  const push = (chunk: Buffer | null) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    timer ??= setTimeout(flush, delayMs);
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  from.on('end', () => push(null));
  from.on('close', () => {
    // A reset or an error on one side: nothing more will be delivered, drop the other side too.
    if (from.errored || !from.readableEnded) {
      clearTimeout(timer);
      to.destroy();
    }
  });
}

/** Starts a proxy on 127.0.0.1 (a free port) that forwards to `target` (http://host:port) with `delayMs` each way. */
export async function startDelayProxy(target: string, delayMs: number): Promise<DelayProxy> {
  const { hostname, port } = new URL(target);
  let accepted = 0;
  const open = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    accepted++;
    const upstream = createConnection({ host: hostname, port: Number(port), allowHalfOpen: true, noDelay: true });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      // Errors end the connection (see forwardDelayed); they are the client's or the target's to report.
      socket.on('error', () => {});
    }
    forwardDelayed(client, upstream, delayMs);
    forwardDelayed(upstream, client, delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('delay proxy: no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
