// Loopback stand-ins for where targets live: an HTTPS front with a private certificate authority
// (made with openssl) before a plain target, and a forward proxy (absolute-form requests and
// CONNECT tunnels, as HTTP_PROXY and HTTPS_PROXY clients use them) that counts what it carried.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';

export interface PrivateCa {
  /** The authority's certificate (what --ca-file names). */
  caFile: string;
  /** A server certificate for 127.0.0.1 that it signed, and its key. */
  cert: string;
  key: string;
}

/** A certificate authority of its own and a server certificate for IP 127.0.0.1, in `dir`. */
export function privateCa(dir: string): PrivateCa {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=metering-conformance test CA');
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return { caFile: join(dir, 'ca.pem'), cert: readFileSync(join(dir, 'server.pem'), 'utf8'), key: readFileSync(join(dir, 'server.key'), 'utf8') };
}

export interface Front {
  url: string;
  /** Requests it carried. */
  readonly count: number;
  close(): Promise<void>;
}

function listen(server: Server, sockets: Set<Socket>): Promise<number> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port)));
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((closed) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => closed());
    });
}

/** Forwards `req` to host:port as it came (Host included: it is signed). */
function forward(req: IncomingMessage, res: import('node:http').ServerResponse, host: string, port: number, path: string): void {
  const upstream = httpRequest({ host, port, method: req.method, path, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** HTTPS on 127.0.0.1 with `ca`'s server certificate, in front of the plain target at `upstream`. */
export async function startTlsFront(upstream: string, ca: PrivateCa): Promise<Front> {
  const target = new URL(upstream);
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createHttpsServer({ cert: ca.cert, key: ca.key }, (req, res) => {
    count++;
    forward(req, res, target.hostname, Number(target.port), req.url ?? '/');
  });
  const port = await listen(server as unknown as Server, sockets);
  return {
    url: `https://127.0.0.1:${port}`,
    get count() {
      return count;
    },
    close: closer(server as unknown as Server, sockets),
  };
}

/** A forward proxy: requests in absolute form are sent on (their paths kept), CONNECT opens a tunnel; both are counted. */
export async function startForwardProxy(): Promise<Front & { readonly tunnels: number; readonly paths: string[]; readonly authorizations: string[] }> {
  let count = 0;
  let tunnels = 0;
  const paths: string[] = [];
  const authorizations: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    count++;
    const url = new URL(req.url ?? '/');
    paths.push(url.pathname);
    authorizations.push(req.headers['proxy-authorization'] ?? '');
    forward(req, res, url.hostname, Number(url.port || 80), `${url.pathname}${url.search}`);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels++;
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const port = await listen(server, sockets);
  return {
    url: `http://127.0.0.1:${port}`,
    get count() {
      return count;
    },
    get tunnels() {
      return tunnels;
    },
    paths,
    authorizations,
    close: closer(server, sockets),
  };
}
