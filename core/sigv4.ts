// AWS Signature Version 4 (AWS4-HMAC-SHA256) for signing the raw driver's requests and for the
// emulator's verification of incoming ones. Written against the published algorithm
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) with node:crypto
// directly: both sides sign every request, so this sits on the hot path of a run.
// test/target-sigv4.test.ts checks it against @smithy/signature-v4, which the AWS SDKs use.
import { createHmac, hash } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Headers a signer leaves out unless told to sign them (as the AWS SDKs do). */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'content-length',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** One-shot hashing (crypto.hash): no Hash object per call. */
export function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}

// The signing key depends on the secret, the day, the Region and the service only (not on the
// access key id), so callers that share a secret share a key. Bounded: a run spans a day or two.
const signingKeys = new Map<string, Buffer>();
const SIGNING_KEY_CACHE = 64;

// Consecutive requests almost always share a key: the last one is checked before the map.
// Stryker disable next-line StringLiteral: any initial value misses on the first call alike
let lastCacheKey = '';
let lastKey: Buffer | undefined;

function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const cacheKey = `${shortDate}\0${region}\0${service}\0${secretAccessKey}`;
  // The caches save work only: a miss computes the same key (mutants here are equivalent).
  // Stryker disable next-line ConditionalExpression
  if (cacheKey === lastCacheKey) return lastKey!;
  let key = signingKeys.get(cacheKey);
  // Stryker disable next-line ConditionalExpression
  if (!key) {
    key = createHmac('sha256', `AWS4${secretAccessKey}`).update(shortDate).digest();
    for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    // Stryker disable next-line ConditionalExpression,EqualityOperator: eviction bounds memory, not results
    if (signingKeys.size >= SIGNING_KEY_CACHE) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(cacheKey, key);
  }
  lastCacheKey = cacheKey;
  lastKey = key;
  return key;
}

/** RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Canonical URI of a non-S3 service: dot segments resolved, then the path URI-encoded once more. */
export function canonicalPath(path: string): string {
  // Stryker disable next-line ConditionalExpression,StringLiteral: a shortcut for the usual path; the general case answers the same
  if (path === '/') return path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

// Escaping is one-to-one, so two names never compare equal.
// Stryker disable next-line EqualityOperator: `<=` orders distinct names alike
const byEncodedName = ([a]: readonly [string, string], [b]: readonly [string, string]) => (a < b ? -1 : 1);

export function canonicalQuery(query: Record<string, string | string[]> = {}): string {
  // Stryker disable next-line ConditionalExpression: a shortcut; the general case answers '' too
  if (Object.keys(query).length === 0) return '';
  // Sorted by encoded name, then by encoded value.
  const names = Object.keys(query)
    .filter((name) => name.toLowerCase() !== 'x-amz-signature')
    .map((name) => [escapeUri(name), name] as const)
    .sort(byEncodedName);
  return names
    .flatMap(([key, name]) => {
      const value = query[name];
      return (Array.isArray(value) ? value : [value]).map((v) => `${key}=${escapeUri(v)}`).sort();
    })
    .join('&');
}

/** A header value as it enters the canonical request: line breaks and runs of blanks become one space, ends trimmed. */
function canonicalValue(value: string): string {
  // Stryker disable next-line ConditionalExpression: a shortcut; folding a value that needs none leaves it unchanged
  if (!NEEDS_FOLDING.test(value)) return value;
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}
// Stryker disable next-line Regex: a looser test only folds values that need no folding, which leaves them unchanged
const NEEDS_FOLDING = /[\r\n\t]| {2}|^ | $/;

export interface CanonicalRequestInput {
  method: string;
  /** The path as sent (percent-encoded as on the wire). */
  path: string;
  query?: Record<string, string | string[]>;
  /** Lower-case header names; only those in `signedHeaders` are read. */
  headers: Record<string, string | undefined>;
  /** Lower-case names, sorted. */
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(r: CanonicalRequestInput): string {
  const headerLines = r.signedHeaders.map((name) => `${name}:${canonicalValue(r.headers[name] ?? '')}\n`).join('');
  return `${r.method}\n${canonicalPath(r.path)}\n${canonicalQuery(r.query)}\n${headerLines}\n${r.signedHeaders.join(';')}\n${r.payloadHash}`;
}

/** YYYYMMDDTHHMMSSZ of an instant. */
export function longDate(date: Date): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** The hex signature of a canonical request made at `amzDate` (YYYYMMDDTHHMMSSZ). */
export function signatureOf(canonical: string, amzDate: string, secretAccessKey: string, region: string, service: string): string {
  const shortDate = amzDate.slice(0, 8);
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${shortDate}/${region}/${service}/aws4_request\n${sha256Hex(canonical)}`;
  return createHmac('sha256', signingKey(secretAccessKey, shortDate, region, service)).update(stringToSign).digest('hex');
}

export interface SigningInput {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  /** Lower-case header names. Signed: all but the unsignable ones (content-length, user-agent, ...). */
  headers: Record<string, string>;
  body: Buffer;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region: string;
  service: string;
  date: Date;
}

/** The request's headers plus x-amz-date, x-amz-security-token (with a session token) and authorization. */
export function signedHeaders(input: SigningInput): Record<string, string> {
  const amzDate = longDate(input.date);
  const headers: Record<string, string> = { ...input.headers, 'x-amz-date': amzDate };
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken;
  const signed = Object.keys(headers)
    .filter((name) => !UNSIGNABLE.has(name) && !name.startsWith('proxy-') && !name.startsWith('sec-'))
    .sort();
  const payloadHash = headers['x-amz-content-sha256'] ?? sha256Hex(input.body);
  const canonical = canonicalRequest({ method: input.method, path: input.path, query: input.query, headers, signedHeaders: signed, payloadHash });
  const signature = signatureOf(canonical, amzDate, input.credentials.secretAccessKey, input.region, input.service);
  const scope = `${amzDate.slice(0, 8)}/${input.region}/${input.service}/aws4_request`;
  headers.authorization = `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return headers;
}
