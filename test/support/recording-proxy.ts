// A loopback proxy in front of a target that keeps a log of every request it forwards, so a
// test can see exactly what the harness put on the wire. It hides the reference emulator's
// describe endpoint, so the harness treats the target as a third-party one (config, no clock),
// unless told to forward the control API too. It also counts the service requests in flight.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { CONTROL_PREFIX } from '../../core/description.js';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the whole request had arrived. */
  arrivedAtMs: number;
}

export interface RecordingProxy {
  url: string;
  port: number;
  readonly requests: RecordedRequest[];
  /** Requests to the control API (answered 404, not forwarded). */
  readonly controlRequests: number;
  /** The most service requests forwarded and not yet answered at once. */
  readonly peakInFlight: number;
  /** Forgets the requests recorded and the peak. */
  clear(): void;
  close(): Promise<void>;
}

export async function startRecordingProxy(upstream: string, options: { forwardControl?: boolean } = {}): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const requests: RecordedRequest[] = [];
  let controlRequests = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined);
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const control = path.startsWith(CONTROL_PREFIX);
      if (control && options.forwardControl !== true) {
        controlRequests++;
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"message":"not here"}');
        return;
      }
      if (!control) {
        requests.push({ method: req.method ?? '', path, headers: req.headers, body: body.toString('utf8'), arrivedAtMs: performance.now() });
        peakInFlight = Math.max(peakInFlight, ++inFlight);
        res.once('close', () => inFlight--);
      }
      const forward = httpRequest(
        // The Host header goes through unchanged: it is part of what the client signed.
        { host: target.hostname, port: target.port, method: req.method, path, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get controlRequests() {
      return controlRequests;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    clear() {
      requests.length = 0;
      peakInFlight = inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
