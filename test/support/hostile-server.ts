// A target that misbehaves on purpose, on 127.0.0.1, for the harness's robustness tests.
// It misbehaves on every request, the CLI's describe probe included.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { CONTROL_PREFIX } from '../../core/description.js';

export const HOSTILE_MODES = [
  'hang',
  'reset',
  'non-json',
  'empty-200',
  'huge-body',
  'drip',
  'wrong-content-type',
  'changing-answers',
  'redirect-to-aws',
  'unavailable',
  'reject-all',
  'broken-after-preflight',
  'bad-describe',
] as const;
export type HostileMode = (typeof HOSTILE_MODES)[number];

/** Metering requests the preflight sends (one per operation); broken-after-preflight answers them well. */
export const PREFLIGHT_REQUESTS = 4;

/** Size of the huge-body answer: far above the raw driver's 1 MiB cap. */
export const HUGE_BODY_BYTES = 50 * 1024 * 1024;

export interface HostileServer {
  url: string;
  /** Metering requests received (the describe probe not counted). */
  readonly requests: number;
  /** Bytes of huge bodies that the socket accepted before the client went away. */
  readonly hugeBytesAccepted: number;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/x-amz-json-1.1';

function answerJson(res: ServerResponse, status: number, body: unknown, contentType = JSON_TYPE): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': contentType, 'content-length': payload.length, 'x-amzn-requestid': randomUUID() });
  res.end(payload);
}

/** Writes `total` bytes of JSON-looking filler, respecting backpressure; counts what the socket took. */
function writeHuge(res: ServerResponse, total: number, onAccepted: (bytes: number) => void): void {
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': total });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let written = 0;
  const pump = (): void => {
    while (written < total && !res.destroyed) {
      const size = Math.min(chunk.length, total - written);
      written += size;
      const more = res.write(size === chunk.length ? chunk : chunk.subarray(0, size), (error) => {
        if (!error) onAccepted(size);
      });
      if (!more) {
        res.once('drain', pump);
        return;
      }
    }
    if (written >= total) res.end();
  };
  pump();
}

export async function startHostileServer(mode: HostileMode): Promise<HostileServer> {
  let requests = 0;
  let hugeBytesAccepted = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    if (!req.url?.startsWith(CONTROL_PREFIX)) requests++;
    switch (mode) {
      case 'hang':
        return; // never answers; the client's time limits must end the request
      case 'reset':
        req.socket.destroy();
        return;
      case 'non-json': {
        res.writeHead(200, { 'content-type': JSON_TYPE });
        res.end('<<this is not json>>');
        return;
      }
      case 'empty-200':
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': 0 });
        res.end();
        return;
      case 'huge-body':
        writeHuge(res, HUGE_BODY_BYTES, (bytes) => (hugeBytesAccepted += bytes));
        return;
      case 'drip': {
        // A well-formed answer, one byte a second: alive, but never done in time.
        const payload = Buffer.from(JSON.stringify({ MeteringRecordId: randomUUID() }));
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': payload.length });
        let at = 0;
        const timer = setInterval(() => {
          if (res.destroyed || at >= payload.length) {
            clearInterval(timer);
            timers.delete(timer);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(payload.subarray(at, at + 1));
          at++;
        }, 1_000);
        timers.add(timer);
        return;
      }
      case 'wrong-content-type':
        // What a misrouted request gets from a web server or captive portal.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
        return;
      case 'redirect-to-aws':
        // A proxy or load balancer that sends clients to the real service: never followed.
        res.writeHead(302, { location: 'https://metering.marketplace.us-east-1.amazonaws.com/', 'content-length': 0 });
        res.end();
        return;
      case 'unavailable':
        // An overloaded service that never recovers: awsJson, but transient on every attempt.
        answerJson(res, 503, { __type: 'ServiceUnavailableException', message: 'try again later' });
        return;
      case 'reject-all':
        // A stub that rejects everything: every negative rule would pass against it.
        answerJson(res, 400, { __type: 'ValidationException', message: 'rejected' });
        return;
      case 'bad-describe':
        // Publishes a describe document that is JSON but wrong inside; rejects metering requests.
        if (req.url?.startsWith(CONTROL_PREFIX)) answerJson(res, 200, { region: 'us-east-1', fixtures: { products: 'conformance-ami-1' }, capabilities: {} }, 'application/json');
        else answerJson(res, 400, { __type: 'ValidationException', message: 'rejected' });
        return;
      case 'broken-after-preflight':
        // Looks alive to the preflight, then answers garbage.
        if (requests <= PREFLIGHT_REQUESTS) answerJson(res, 400, { __type: 'ValidationException', message: 'rejected' });
        else {
          res.writeHead(200, { 'content-type': JSON_TYPE });
          res.end('<<this is not json>>');
        }
        return;
      case 'changing-answers': {
        // Well-formed and plausible, but an identical request never gets the same answer.
        const parsed = safeJson(body);
        if (req.headers['x-amz-target'] === 'AWSMPMeteringService.MeterUsage' && parsed && typeof parsed === 'object') {
          answerJson(res, 200, { MeteringRecordId: randomUUID() });
        } else {
          answerJson(res, 400, { __type: 'ValidationException', message: `answer ${requests}` }, JSON_TYPE);
        }
        return;
      }
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 1 << 20) chunks.push(chunk);
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
    req.on('error', () => undefined);
    res.on('error', () => undefined);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get hugeBytesAccepted() {
      return hugeBytesAccepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
