// The one small interface the suites talk to. Drivers (raw, sdk, boto3) implement it.
import type { DriverName, Operation } from '../core/vocabulary.js';
import type { RawRequest } from '../core/wire.js';

export { DRIVER_NAMES, isDriverName, OPERATIONS, type DriverName, type Operation } from '../core/vocabulary.js';
export type { RawRequest } from '../core/wire.js';

/** Operation input as the suites build it: model member names, timestamps as Date. */
export type OperationInput = Record<string, unknown>;

/** What the harness saw on the wire for one attempt, kept for counterexamples and curl lines. */
export interface Exchange {
  request: {
    method: string;
    url: string;
    /** Header names in lower case. Authorization and security tokens are already redacted. */
    headers: Record<string, string>;
    body: string;
  };
  response?: {
    status: number;
    headers: Record<string, string>;
    /** Body text, truncated to a bounded length. */
    body: string;
  };
  /** When the attempt was sent (epoch ms, local clock) and how long its answer took (ms). */
  startedAtMs?: number;
  durationMs?: number;
  /** 1-based attempt of the call this exchange belongs to (transient answers are retried). */
  attempt?: number;
  /** Transient answers of the same call that were retried before this one, in order. */
  earlierAttempts?: Exchange[];
  /** Transient answers retried before this one (the SDK driver counts them without showing them). */
  retries?: number;
  /** Set on calls to the target's control API (e.g. "clock"): not a service operation. */
  control?: string;
  /** The Region the request was signed for, when a rule chose one other than the target's. */
  signedRegion?: string;
  /** Why the attempt got no usable answer (transport error, garbage), when it did not. */
  error?: string;
}

interface OutcomeBase {
  status: number;
  /** x-amzn-RequestId of the final answer, if any. */
  requestId?: string;
  headers: Record<string, string>;
  /** Transient answers (throttling, 5xx) that were retried before this final answer. */
  retries: number;
  exchange: Exchange;
  /**
   * The driver's serializer wrote timestamps in whole epoch seconds (boto3): the target received
   * the request as `exchange.request.body` holds it, not at the precision it was given.
   */
  wholeSecondTimestamps?: true;
}

export interface SuccessOutcome extends OutcomeBase {
  kind: 'success';
  output: Record<string, unknown>;
}

export interface ErrorOutcome extends OutcomeBase {
  kind: 'error';
  /** Sanitized error type: text before the first ':' and after the first '#'. */
  errorType: string;
  message?: string;
  /** Raw decoded error body, when it was JSON. */
  body?: unknown;
}

export type Outcome = SuccessOutcome | ErrorOutcome;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface CallOptions {
  /** Sign as this caller (a fresh access key id isolates ledger state on targets that support it). */
  credentials?: Credentials;
  /** Sign for this Region instead of the target's (a served Region other than the caller's home). */
  region?: string;
  /** One attempt, answered as it came (a throttled answer too): for rules that judge a transient answer itself. */
  singleAttempt?: boolean;
}

export interface Target {
  readonly driver: DriverName;
  call(operation: Operation, input: OperationInput, options?: CallOptions): Promise<Outcome>;
  close(): Promise<void>;
}

export interface RawCapableTarget extends Target {
  readonly driver: 'raw';
  send(request: RawRequest, options?: CallOptions): Promise<Outcome>;
}

/**
 * The harness could not get a judgeable answer from the target (hang, reset, garbage,
 * throttled on every attempt). Verdict `error`, never `fail`.
 */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(
    message: string,
    readonly exchange?: Exchange,
    /** A failure that a retry may clear (a connection reset before any answer). */
    readonly transient = false,
  ) {
    super(message);
  }
}
