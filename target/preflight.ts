// Before any rule runs: does a metering service answer at the endpoint at all? One request per
// operation that changes nothing, signed as the run signs, over the raw wire whatever the
// driver. A run whose target gives no awsJson answer to any of them stops (exit 2): every
// verdict would be about a target that is not there. Operations that answer no awsJson are
// unimplemented for the run, and their rules not-applicable with what came back.
import { ConfigError } from './config.js';
import { ledgerModeOf, type TargetDescription } from '../core/description.js';
import { dryRunOnly, RefusedOnRealService } from './dry-run-only.js';
import { isRealServiceHost } from './guard.js';
import { politeTarget, type Politeness } from './politeness.js';
import { rawTargetFor } from './raw-driver.js';
import { TargetError, type CallOptions, type Operation, type OperationInput, type Outcome, type Target } from './types.js';

export interface PreflightAnswer {
  operation: Operation;
  /** The target gave an awsJson answer (a JSON object body, or an awsJson error type header), any status. */
  awsJson: boolean;
  /** What came back, in words: "HTTP 400 InvalidTokenException", "closed or reset the connection before answering". */
  detail: string;
}

export interface Preflight {
  answers: PreflightAnswer[];
  /**
   * The quickest of a few answers to a request that records nothing, sent one after another
   * over the connections the preflight opened (0 when none came): how far away the target is,
   * without connecting and the target's first-request warm-up in it.
   */
  roundTripMs: number;
}

/** Warm requests timed for Preflight.roundTripMs. */
const ROUND_TRIPS = 3;

/**
 * Requests that record nothing anywhere: an unknown product (and DryRun) for MeterUsage and
 * RegisterUsage, an empty batch, a token nobody issued. Their answers may be errors: any
 * awsJson answer shows a service is there. The names are fixed (a run with the same seed sends
 * the same requests) and match no fixture anyone would declare.
 */
const UNISSUED_TOKEN: [Operation, OperationInput] = ['ResolveCustomer', { RegistrationToken: 'mc-preflight-token-never-published' }];

function preflightRequests(now: Date): [Operation, OperationInput][] {
  const tag = 'never-published';
  const product = `mc-preflight-${tag}`;
  return [
    ['MeterUsage', { ProductCode: product, UsageDimension: 'mc-preflight', UsageQuantity: 0, Timestamp: now, DryRun: true }],
    ['BatchMeterUsage', { ProductCode: product, UsageRecords: [] }],
    ['RegisterUsage', { ProductCode: product, PublicKeyVersion: 1 }],
    UNISSUED_TOKEN,
  ];
}

function describeOutcome(outcome: Outcome): { awsJson: boolean; detail: string } {
  if (outcome.kind === 'success') return { awsJson: true, detail: `HTTP ${outcome.status}` };
  const jsonBody = typeof outcome.body === 'object' && outcome.body !== null;
  const awsJson = jsonBody || outcome.headers['x-amzn-errortype'] !== undefined;
  if (awsJson) return { awsJson, detail: `HTTP ${outcome.status} ${outcome.errorType}` };
  const type = outcome.headers['content-type'];
  const location = outcome.headers.location;
  const body = typeof outcome.body === 'string' && outcome.body !== '' ? `: ${outcome.body}` : ' and an empty body';
  return {
    awsJson,
    detail: `HTTP ${outcome.status}${location !== undefined ? ` redirecting to ${location}` : ''}${type !== undefined ? ` (${type})` : ''}${body}`,
  };
}

/** One preflight request's answer, in words; undefined where the real service is not sent it. */
async function answerTo(target: Target, operation: Operation, input: OperationInput, options?: CallOptions): Promise<PreflightAnswer | undefined> {
  try {
    return { operation, ...describeOutcome(await target.call(operation, input, options)) };
  } catch (error) {
    if (error instanceof RefusedOnRealService) return undefined;
    if (error instanceof TargetError) return { operation, awsJson: false, detail: error.message };
    throw error;
  }
}

/** Sends the preflight requests at once, each bounded by `timeoutMs`, then times a few round trips. */
export async function preflight(
  description: TargetDescription,
  options: { timeoutMs: number; clockOffsetMs: number; allowRealService: boolean; politeness?: Politeness },
): Promise<Preflight> {
  const realService = isRealServiceHost(new URL(description.endpoint).hostname);
  const raw = rawTargetFor(description, {
    allowRealService: realService && options.allowRealService,
    clockOffsetMs: options.clockOffsetMs,
    timeouts: { total: options.timeoutMs },
    connections: 4,
  });
  // The real service gets only what records nothing there (DryRun MeterUsage, ResolveCustomer).
  const target = politeTarget(realService ? dryRunOnly(raw) : raw, options.politeness ?? {});
  try {
    const requests = preflightRequests(new Date(Date.now() + options.clockOffsetMs));
    const answers = await Promise.all(
      requests.map(([operation, input]) => answerTo(target, operation, input)),
    );
    const answered = answers.filter((a): a is PreflightAnswer => a !== undefined);
    // No service there: the run stops (unimplementedOperations), so nothing more is sent.
    const service = answered.some((a) => a.awsJson);
    if (service) await checkDeclaredCallers(target, description, requests.find(([operation]) => operation === 'MeterUsage')![1], answered.find((a) => a.operation === 'MeterUsage'));
    return { answers: answered, roundTripMs: service ? await quickestRoundTrip(target, UNISSUED_TOKEN) : 0 };
  } finally {
    await target.close();
  }
}

/**
 * On a target without a clean ledger, where the callers target.yaml declares sign property
 * runs: each sends the MeterUsage preflight request (DryRun, an unknown product) as itself,
 * and must get the answer the run's own credentials got. Another answer (a signature its
 * secret does not make) is the declaration's fault, not the target's: exit 2, before any rule.
 */
async function checkDeclaredCallers(target: Target, description: TargetDescription, input: OperationInput, own: PreflightAnswer | undefined): Promise<void> {
  if (own === undefined || ledgerModeOf(description.capabilities) !== 'fresh-keys') return;
  for (const [index, caller] of (description.callers ?? []).entries()) {
    const detail = (await answerTo(target, 'MeterUsage', input, { credentials: caller.credentials }))?.detail;
    if (detail !== own.detail) {
      throw new ConfigError(`callers[${index}]: the target answered its preflight MeterUsage with ${detail}, the run's own credentials with ${own.detail}: check the caller's access key id and secret`);
    }
  }
}

/** See Preflight.roundTripMs. The request records nothing anywhere, the real service included. */
async function quickestRoundTrip(target: Target, [operation, input]: [Operation, OperationInput]): Promise<number> {
  let quickest = Infinity;
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const started = performance.now();
    try {
      await target.call(operation, input);
    } catch {
      continue; // no answer: nothing to time
    }
    quickest = Math.min(quickest, performance.now() - started);
  }
  return Number.isFinite(quickest) ? quickest : 0;
}

/**
 * The operations that answered no awsJson, for TargetDescription.unimplemented. Throws a
 * ConfigError (exit 2, no report) when none answered: there is nothing to judge.
 */
export function unimplementedOperations(answers: PreflightAnswer[], endpoint: string): Record<string, string> {
  if (noService(answers)) {
    throw new ConfigError(`target did not answer like an awsJson 1.1 metering service at ${endpoint}: ${answersInWords(answers)}. Nothing was judged and no report was written.`);
  }
  return Object.fromEntries(answers.filter((a) => !a.awsJson).map((a) => [a.operation, a.detail]));
}

/** True when requests went out and none got an awsJson answer: no metering service is there. */
export function noService(answers: PreflightAnswer[]): boolean {
  return answers.length > 0 && answers.every((a) => !a.awsJson);
}

/** What came back, in words: one detail when every operation got the same, else one per operation. */
export function answersInWords(answers: PreflightAnswer[]): string {
  const details = [...new Set(answers.map((a) => a.detail))];
  return details.length === 1 ? `${details[0]} (all ${answers.length} operations)` : answers.map((a) => `${a.operation}: ${a.detail}`).join('; ');
}
