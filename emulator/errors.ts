// Errors the emulator answers on the wire. Handlers throw a ServiceError; the http front
// turns it into an awsJson1.1 error answer (status, `__type`, `x-amzn-ErrorType`, `message`).

/** Longest error message the emulator answers, in UTF-16 code units (≈ 1 KB). */
export const MAX_MESSAGE_LENGTH = 1024;
const TRUNCATED = '… (truncated)';

/**
 * A message of at most MAX_MESSAGE_LENGTH: an answer's size never grows with the request
 * (messages quote headers, member values and violations), and the cut never splits a
 * surrogate pair.
 */
export function capMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  let end = MAX_MESSAGE_LENGTH - TRUNCATED.length;
  const last = message.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${message.slice(0, end)}${TRUNCATED}`;
}

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    /** Wire error type, the model's shape name (e.g. InvalidTagException). */
    readonly type: string,
    message: string,
    /** HTTP status; 400 for every modeled client error (API Reference). */
    readonly status: number = 400,
    /** Extra answer headers, e.g. Allow on a 405. */
    readonly headers: Record<string, string> = {},
  ) {
    // A wire answer needs no stack trace, and half of a conformance run's requests are
    // rejected: capturing one per answer is measurable.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(capMessage(message));
    Error.stackTraceLimit = limit;
  }
}

/** The emulator was started with a bad option or fixture file. */
export class EmulatorConfigError extends Error {
  override readonly name = 'EmulatorConfigError';
}
