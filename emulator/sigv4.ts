// SigV4 verification of incoming requests: rebuild the canonical request from the headers the
// client says it signed (core/sigv4.ts), sign it again with the accepted secret, and
// compare. Error names and statuses follow the awsJson analog DynamoDB, messages the IAM
// troubleshooting texts.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ALGORITHM, canonicalRequest, longDate, sha256Hex, signatureOf } from '../core/sigv4.js';
import { ServiceError } from './errors.js';

const MAX_SKEW_MS = 5 * 60 * 1000;

export interface SignedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface VerifierOptions {
  /** Regions a credential scope may name: the home Region and the others the emulator serves. */
  regions: readonly string[];
  service: string;
  secretAccessKey: string;
  /** Emulator clock of a caller, for the skew check. */
  now: (caller: string) => number;
  /** False only under the fault mode accept-any-signature. */
  compareSignatures: boolean;
  /** Whether SignedHeaders must name host (default true); false only under the fault mode accept-unsigned-host. */
  requireSignedHost?: boolean;
}

interface ParsedAuthorization {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  scopeTerminator: string;
  signedHeaders: string[];
  signature: string;
}

const incomplete = (message: string) => new ServiceError('IncompleteSignatureException', message);
const invalid = (message: string) => new ServiceError('InvalidSignatureException', message);

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function parseAuthorization(header: string): ParsedAuthorization {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported Authorization algorithm; expected ${ALGORITHM}`);
  }
  const params = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((p) => !params.get(p));
  if (missing.length > 0) {
    throw incomplete(missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' '));
  }
  const credential = params.get('Credential')!.split('/');
  if (credential.length !== 5 || credential.some((c) => c === '')) {
    throw incomplete(
      "Credential must have the form '<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request'",
    );
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService, scopeTerminator] = credential;
  const signedHeaders = params.get('SignedHeaders')!.split(';');
  if (signedHeaders.some((h) => h === '' || h !== h.toLowerCase())) {
    throw incomplete('SignedHeaders must be a semicolon-separated list of lower-case header names');
  }
  const signature = params.get('Signature')!;
  if (!/^[0-9a-f]{64}$/.test(signature)) throw incomplete('Signature must be 64 lower-case hexadecimal characters');
  return { accessKeyId, scopeDate, scopeRegion, scopeService, scopeTerminator, signedHeaders, signature };
}

/** The access key id an Authorization header claims, before any verification (dates the answer). */
export function claimedAccessKeyId(headers: IncomingHttpHeaders): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(headerValue(headers, 'authorization') ?? '')?.[1];
}

// Requests signed within the same second carry the same X-Amz-Date: the last one parsed is kept.
// Stryker disable next-line StringLiteral: any initial value misses on the first call alike
let lastAmzDate = '';
let lastAmzDateMs: number | undefined;

/** YYYYMMDDTHHMMSSZ → epoch ms, or undefined when malformed. */
function parseAmzDate(value: string): number | undefined {
  // Stryker disable next-line ConditionalExpression: the cache saves work only; parsing again answers the same
  if (value !== lastAmzDate) {
    lastAmzDateMs = parseAmzDateText(value);
    lastAmzDate = value;
  }
  return lastAmzDateMs;
}

function parseAmzDateText(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // A date JavaScript rolled over (month 13, 30 February, hour 24) does not print back as sent.
  return amzDate(ms) === value ? ms : undefined;
}

function amzDate(ms: number): string {
  return longDate(new Date(ms));
}

export class SigV4Verifier {
  constructor(private readonly options: VerifierOptions) {}

  /** Verifies the request's signature; answers the caller's access key id and the Region it signed for. */
  verify(request: SignedRequest): { caller: string; region: string } {
    const authorization = headerValue(request.headers, 'authorization');
    if (authorization === undefined || authorization.trim() === '') {
      throw new ServiceError('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
    }
    const auth = parseAuthorization(authorization.trim());
    const dateHeader = headerValue(request.headers, 'x-amz-date');
    if (dateHeader === undefined) {
      throw incomplete("Authorization header requires existence of a 'X-Amz-Date' header.");
    }
    const hostSigned = auth.signedHeaders.includes('host') || this.options.requireSignedHost === false;
    if (!auth.signedHeaders.includes('x-amz-date') || !hostSigned) {
      throw incomplete("SignedHeaders must include 'host' and 'x-amz-date'.");
    }
    const requestMs = parseAmzDate(dateHeader);
    if (requestMs === undefined) throw incomplete(`X-Amz-Date must be in the ISO 8601 basic format YYYYMMDDTHHMMSSZ`);
    if (auth.scopeDate !== dateHeader.slice(0, 8)) {
      throw invalid(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${dateHeader.slice(0, 8)}', from 'X-Amz-Date'.`,
      );
    }
    if (!this.options.regions.includes(auth.scopeRegion)) {
      throw invalid(`Credential should be scoped to a valid Region, not '${auth.scopeRegion}'.`);
    }
    if (auth.scopeService !== this.options.service) {
      throw invalid(`Credential should be scoped to correct service: '${this.options.service}'.`);
    }
    if (auth.scopeTerminator !== 'aws4_request') {
      throw invalid("Credential should be scoped with a valid terminator: 'aws4_request'.");
    }
    const now = this.options.now(auth.accessKeyId);
    if (requestMs < now - MAX_SKEW_MS) {
      throw invalid(`Signature expired: ${dateHeader} is now earlier than ${amzDate(now - MAX_SKEW_MS)} (${amzDate(now)} - 5 min.)`);
    }
    if (requestMs > now + MAX_SKEW_MS) {
      throw invalid(`Signature not yet current: ${dateHeader} is still later than ${amzDate(now + MAX_SKEW_MS)} (${amzDate(now)} + 5 min.)`);
    }
    const contentSha = headerValue(request.headers, 'x-amz-content-sha256');
    const payloadHash = sha256Hex(request.body);
    if (contentSha !== undefined && contentSha !== payloadHash) {
      throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    const signed = { caller: auth.accessKeyId, region: auth.scopeRegion };
    if (!this.options.compareSignatures) return signed;
    const expected = this.expectedSignature(request, auth, dateHeader, payloadHash);
    const given = Buffer.from(auth.signature, 'hex');
    // Both are 32 bytes: parseAuthorization admits only 64 hexadecimal characters.
    if (!timingSafeEqual(given, expected)) {
      throw invalid(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    return signed;
  }

  private expectedSignature(request: SignedRequest, auth: ParsedAuthorization, amzDate: string, payloadHash: string): Buffer {
    const headers: Record<string, string | undefined> = {};
    for (const name of auth.signedHeaders) headers[name] = headerValue(request.headers, name);
    const canonical = canonicalRequest({ method: request.method, path: request.path, query: request.query, headers, signedHeaders: [...auth.signedHeaders].sort(), payloadHash });
    return Buffer.from(signatureOf(canonical, amzDate, this.options.secretAccessKey, auth.scopeRegion, this.options.service), 'hex');
  }
}
