// awsJson1.1 framing shared by the raw driver and the curl line: headers and body encoding.

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const TARGET_PREFIX = 'AWSMPMeteringService';
export const SIGNING_NAME = 'aws-marketplace';

/** A request the raw driver sends as given, for malformed-wire rules. */
export interface RawRequest {
  /** Defaults to `AWSMPMeteringService.<operation>` framing when operation is set. */
  operation?: string;
  method?: string;
  path?: string;
  body: string | Buffer;
  /** Extra or overriding headers; a value of null removes a header the driver would add. */
  headers?: Record<string, string | null>;
  /** Sign the request (default true). */
  sign?: boolean;
  /** Override signing inputs to produce deliberately wrong signatures. */
  signing?: Partial<SigningOverrides>;
}

/** Signing inputs a RawRequest may override (its `signing`): each replaces the caller's, the target's or the clock's. */
export interface SigningOverrides {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
  date: Date;
}

/** The wire form of an operation input: Dates become epoch seconds, undefined members disappear. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = toWire(member);
    }
    return out;
  }
  return value;
}

/**
 * Serialises an operation input (see toWire). A copy then a plain JSON.stringify: a replacer
 * function would take V8 off its fast path, and big requests (2,500 allocations) are common.
 */
export function encodeInput(input: Record<string, unknown>): string {
  return JSON.stringify(toWire(input));
}

/**
 * The error type as a client sees it (awsJson1.1): header x-amzn-errortype first, then body
 * `code`, then `__type`; keep the text before the first ':' and after the first '#'.
 */
export function sanitizeErrorType(raw: string): string {
  let value = raw;
  const colon = value.indexOf(':');
  if (colon >= 0) value = value.slice(0, colon);
  const hash = value.indexOf('#');
  if (hash >= 0) value = value.slice(hash + 1);
  return value.trim();
}

export function errorTypeOf(headers: Record<string, string>, body: unknown): string {
  const header = headers['x-amzn-errortype'];
  if (header) return sanitizeErrorType(header);
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.code === 'string' && b.code) return sanitizeErrorType(b.code);
    if (typeof b.__type === 'string' && b.__type) return sanitizeErrorType(b.__type);
  }
  return '';
}

export function errorMessageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const message = b.message ?? b.Message;
  return typeof message === 'string' ? message : undefined;
}

/** Error types that the AWS SDKs' standard retry mode treats as throttling. */
export const THROTTLING_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
