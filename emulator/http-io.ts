// Low-level HTTP answers and body reading for the emulator's node:http front.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bodies of 1 MiB or more are rejected (BatchMeterUsage: "each request must be less than 1 MB"). */
const BODY_LIMIT = 1024 * 1024;
// After rejecting an oversize body, keep discarding what the client still sends, up to
// these bounds, so a client that writes its whole body before reading can see the 413
// instead of a reset connection.
const DRAIN_LIMIT = 8 * BODY_LIMIT;
const DRAIN_MS = 2_000;

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

// The Date header changes once a second: formatted once per second, not once per answer.
let dateSecond = NaN;
let dateText = '';
function httpDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/**
 * The headers every answer carries, as the flat name/value list node's writeHead takes
 * (cheaper than an object on this hot path); `date` is the emulator clock, not the wall clock.
 */
function headersFor(answer: Answer, requestId: string | undefined, nowMs: number, length: number): string[] {
  const headers = ['Content-Type', JSON_CONTENT_TYPE, 'Content-Length', String(length), 'Date', httpDate(nowMs)];
  if (requestId !== undefined) headers.push('x-amzn-RequestId', requestId);
  if (answer.headers) for (const name in answer.headers) headers.push(name, answer.headers[name]);
  return headers;
}

/** Writes the answer; a text body leaves with the head in one write. */
export function send(res: ServerResponse, answer: Answer, requestId: string | undefined, nowMs: number): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, headersFor(answer, requestId, nowMs, Buffer.byteLength(payload)));
  res.end(payload);
}

export function errorAnswer(type: string, message: string, status: number): Answer {
  return { status, body: { __type: type, message }, headers: { 'x-amzn-ErrorType': type } };
}

function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

export function declaresOversizeBody(req: IncomingMessage): boolean {
  return (declaredLength(req) ?? 0) >= BODY_LIMIT;
}

/**
 * Answers 413 as soon as the body is known to be too large (by Content-Length or by the
 * bytes counted so far), then discards the rest within bounds and closes the connection.
 * The complete answer (with Content-Length) is on the wire before the drain starts.
 */
function rejectOversize(req: IncomingMessage, res: ServerResponse, requestId: string | undefined, nowMs: number): void {
  const answer = errorAnswer('RequestEntityTooLargeException', `Request body must be smaller than ${BODY_LIMIT} bytes.`, 413);
  answer.headers!.Connection = 'close';
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, headersFor(answer, requestId, nowMs, Buffer.byteLength(payload)));
  res.write(payload);
  let drained = 0;
  const discard = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT) finish();
  };
  const finish = () => {
    clearTimeout(timer);
    req.off('data', discard);
    req.off('end', finish);
    req.off('error', finish);
    if (!res.writableEnded) res.end();
    if (!req.complete) req.socket.destroy();
  };
  const timer = setTimeout(finish, DRAIN_MS);
  req.on('data', discard);
  req.once('end', finish);
  req.once('error', finish);
  req.resume();
}

/**
 * Reads the request body, counting bytes as they arrive. Resolves undefined when the body
 * was too large (the 413 is already answered) or the client went away before sending all of
 * it (an aborted request: nobody to answer, and not the emulator's defect, so nothing is
 * logged); never holds more than BODY_LIMIT bytes.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, requestId: string | undefined, nowMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    if (declaresOversizeBody(req)) {
      rejectOversize(req, res, requestId, nowMs);
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size < BODY_LIMIT) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      stop();
      rejectOversize(req, res, requestId, nowMs);
      resolve(undefined);
    };
    const end = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const fail = () => {
      stop();
      if (!res.destroyed) res.destroy();
      resolve(undefined);
    };
    const stop = () => {
      req.off('data', collect);
      req.off('end', end);
      req.off('error', fail);
    };
    req.on('data', collect);
    req.on('end', end);
    req.on('error', fail);
  });
}
