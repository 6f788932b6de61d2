// The emulator's http front (node:http): routing, the awsJson1.1 request pipeline and the
// control API. Pipeline order: body (1 MiB limit) → SigV4 → Content-Type → X-Amz-Target →
// throttle → Region → JSON decode and types → model constraints → the operation handler.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { CONTROL_PREFIX } from '../core/description.js';
import type { ServiceModel } from '../core/model.js';
import type { Clock } from './clock.js';
import type { OperationContext } from './context.js';
import { handleControl, type ControlState } from './control.js';
import { EmulatorConfigError, ServiceError } from './errors.js';
import type { Faults } from './faults.js';
import type { EmulatorFixtures } from './fixtures.js';
import { declaresOversizeBody, errorAnswer, JSON_CONTENT_TYPE, readBody, send, type Answer } from './http-io.js';
import type { Ledger } from './ledger.js';
import { runOperation, serves } from './operations.js';
import { checkRegion } from './regions.js';
import type { RegistrationKeys } from './context.js';
import { claimedAccessKeyId, SigV4Verifier } from './sigv4.js';

export interface ServerParts extends ControlState {
  /** false: control paths are answered as any unknown service path is. */
  controlApi: boolean;
  fixtures: EmulatorFixtures;
  faults: Faults;
  model: ServiceModel;
  clock: Clock;
  ledger: Ledger;
  registrationKeys: RegistrationKeys;
}

const throttling = () => new ServiceError('ThrottlingException', 'Rate exceeded');

function answerFor(error: unknown): Answer {
  if (error instanceof ServiceError) {
    const answer = errorAnswer(error.type, error.message, error.status);
    Object.assign(answer.headers!, error.headers);
    return answer;
  }
  // A defect in the emulator itself: answer as the service would, and say so on stderr.
  console.error('metering-conformance emulator: unexpected error', error);
  return errorAnswer('InternalServiceErrorException', 'An internal error occurred in the emulator.', 500);
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host (name resolution failed)',
  EAI_NONAME: 'unknown host',
};

function listenError(host: string, port: number, error: NodeJS.ErrnoException): EmulatorConfigError {
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new EmulatorConfigError(`cannot listen on ${where}: ${LISTEN_PROBLEMS[error.code ?? ''] ?? error.message}`);
}

// Every service request goes to "/": parsed once (the server only reads from it).
const ROOT_URL = new URL('/', 'http://emulator');

/** The request target as a URL; one that does not parse (`http://[`) is the client's error. */
function requestUrl(target: string): URL {
  if (target === '/') return ROOT_URL;
  try {
    return new URL(target, 'http://emulator');
  } catch {
    throw new ServiceError('BadRequestException', `Malformed request target ${JSON.stringify(target.slice(0, 200))}`);
  }
}

/** The query parameters as SigV4 canonicalises them: a repeated name keeps all its values. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  if (url.search === '') return query;
  for (const [k, v] of url.searchParams) {
    const prior = query[k];
    query[k] = prior === undefined ? v : [...(Array.isArray(prior) ? prior : [prior]), v];
  }
  return query;
}

export class EmulatorServer {
  private readonly server: Server;
  private readonly verifier: SigV4Verifier;

  constructor(private readonly parts: ServerParts) {
    this.verifier = new SigV4Verifier({
      regions: [parts.fixtures.region, ...(parts.fixtures.otherRegions ?? []).map((r) => r.region)],
      service: parts.model.signingName,
      secretAccessKey: parts.fixtures.secretAccessKey,
      now: (caller) => parts.clock.now(parts.callerOf(caller)),
      compareSignatures: !parts.faults.has('accept-any-signature'),
      requireSignedHost: !parts.faults.has('accept-unsigned-host'),
    });
    this.server = createServer({ requestTimeout: 60_000, headersTimeout: 30_000 }, (req, res) => void this.handle(req, res));
    // Expect: 100-continue: refuse an oversize body before the client sends it.
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (!declaresOversizeBody(req)) res.writeContinue();
      void this.handle(req, res);
    });
    // Bytes that are not HTTP: answer 400 (or 431 for oversize headers) and close.
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
      const body = JSON.stringify({ __type: tooLarge ? 'RequestHeaderFieldsTooLargeException' : 'BadRequestException', message: 'Malformed HTTP request' });
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amzn-RequestId: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  }

  /** Listens; a failure (port in use, unknown host) is an EmulatorConfigError of one line. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException) => reject(listenError(host, port, error));
      this.server.once('error', fail);
      this.server.listen(port, host, () => {
        this.server.off('error', fail);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = this.parts.faults.has('no-request-id') ? undefined : randomUUID();
    // The caller the Authorization header names: its clock dates the answer.
    const signer: { caller?: string } = {};
    // Aborted uploads must never become an unhandled 'error' event.
    req.on('error', () => undefined);
    try {
      const url = requestUrl(req.url ?? '/');
      const body = await readBody(req, res, requestId, this.parts.clock.now());
      if (body === undefined) return;
      const answer =
        this.parts.controlApi && (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`))
          ? handleControl({ method: req.method ?? '', route: url.pathname.slice(CONTROL_PREFIX.length) || '/', query: url.searchParams, headers: req.headers, body }, this.parts)
          : await this.serviceRequest(req, url, body, signer);
      send(res, answer, requestId, this.parts.clock.now(signer.caller));
    } catch (error) {
      send(res, answerFor(error), requestId, this.parts.clock.now(signer.caller));
    }
  }

  /** Service (non-control) requests answered so far: the benchmark's conformance-request count. */
  serviceRequests = 0;

  private async serviceRequest(req: IncomingMessage, url: URL, body: Buffer, signer: { caller?: string }): Promise<Answer> {
    this.serviceRequests++;
    if (req.method !== 'POST') {
      throw new ServiceError('MethodNotAllowedException', `awsJson1.1 requests use POST, not ${req.method}`, 405, { Allow: 'POST' });
    }
    if (url.pathname !== '/') {
      throw new ServiceError('UnknownOperationException', `awsJson1.1 requests go to "/", not ${JSON.stringify(url.pathname)}`, 404);
    }
    const claimed = claimedAccessKeyId(req.headers);
    signer.caller = claimed === undefined ? undefined : this.parts.callerOf(claimed);
    const verified = this.verifier.verify({ method: 'POST', path: url.pathname, query: queryOf(url), headers: req.headers, body });
    const { region } = verified;
    const caller = this.parts.callerOf(verified.caller);

    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== JSON_CONTENT_TYPE) {
      throw new ServiceError('UnsupportedMediaTypeException', `Content-Type must be ${JSON_CONTENT_TYPE}, not ${JSON.stringify(req.headers['content-type'] ?? '')}`, 415);
    }
    const target = req.headers['x-amz-target'];
    const prefix = `${this.parts.model.targetPrefix}.`;
    const operation = typeof target === 'string' && target.startsWith(prefix) ? target.slice(prefix.length) : '';
    if (!serves(this.parts, operation)) {
      throw new ServiceError('UnknownOperationException', `Unknown operation ${JSON.stringify(target ?? '')}`);
    }
    const throttled = this.parts.throttles.take(caller);
    if (throttled && !this.parts.faults.has('throttle-records')) throw throttling();
    checkRegion(this.parts.fixtures, this.parts.faults, operation, region);
    const context: OperationContext = {
      caller,
      nowMs: this.parts.clock.now(caller),
      fixtures: this.parts.fixtures,
      faults: this.parts.faults,
      ledger: this.parts.ledger,
      model: this.parts.model,
      registrationKeys: this.parts.registrationKeys,
      issuedTokens: this.parts.issuedTokens,
    };
    const output = runOperation(operation, body, context);
    await context.pendingWrite;
    // Fault throttle-records: the usage went into the ledger, the answer says it did not.
    if (throttled) throw throttling();
    return { status: 200, body: output };
  }
}
