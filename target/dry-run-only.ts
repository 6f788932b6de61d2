// The only way the harness talks to the real service (--allow-real-service): a wrapper
// that lets through calls that record nothing and refuses every other call locally,
// before it reaches the wire. A refused call makes its rule not-applicable, not failed.
import { TargetError, type CallOptions, type Operation, type OperationInput, type Outcome, type RawCapableTarget, type RawRequest, type Target } from './types.js';
import { encodeInput, TARGET_PREFIX } from '../core/wire.js';

export const REAL_SERVICE_REASON = 'real service: only DryRun requests are sent';

/**
 * A call the dry-run-only wrapper kept off the wire. The harness reports the rule
 * not-applicable. It is a TargetError so that a property stops at the first refusal
 * instead of shrinking (and re-sending the DryRun calls before it) again and again.
 */
export class RefusedOnRealService extends TargetError {
  constructor(readonly what: string) {
    super(`${REAL_SERVICE_REASON} (refused locally, not sent: ${what})`);
  }
}

/**
 * Calls that record nothing on the real service: MeterUsage with DryRun true (it only checks
 * permissions and answers DryRunOperation) and ResolveCustomer, a lookup of a registration
 * token. MeterUsage without DryRun and BatchMeterUsage record usage that bills; RegisterUsage
 * starts hourly metering of a task or pod. Sources: API Reference pages
 * https://docs.aws.amazon.com/marketplace/latest/APIReference/API_marketplace-metering_MeterUsage.html,
 * …_ResolveCustomer.html, …_RegisterUsage.html.
 */
export function recordsNothing(operation: string, input: unknown): boolean {
  if (operation === 'ResolveCustomer') return true;
  return operation === 'MeterUsage' && input !== null && typeof input === 'object' && (input as Record<string, unknown>).DryRun === true;
}

/**
 * The operation a raw request would reach, or undefined when it cannot be told for sure:
 * the X-Amz-Target header wins over `operation`, and only POST to the endpoint's own path counts.
 */
function rawOperation(request: RawRequest): string | undefined {
  if ((request.method ?? 'POST') !== 'POST' || request.path !== undefined) return undefined;
  const headers = Object.entries(request.headers ?? {}).filter(([name]) => name.toLowerCase() === 'x-amz-target');
  if (headers.length > 1) return undefined;
  const header = headers[0]?.[1];
  const target = header === undefined ? (request.operation !== undefined ? `${TARGET_PREFIX}.${request.operation}` : undefined) : header;
  return target?.startsWith(`${TARGET_PREFIX}.`) ? target.slice(TARGET_PREFIX.length + 1) : undefined;
}

/**
 * A raw body passes only when it is exactly our own serialization of its parsed value:
 * a server may read duplicate or escaped member names differently than JSON.parse does
 * ({"DryRun":true,"DryRun":false}), and a guess about that could bill a customer.
 */
function canonicalInput(body: string | Buffer): Record<string, unknown> | undefined {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    return encodeInput(value as Record<string, unknown>) === text ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function guardRaw(request: RawRequest): void {
  const operation = rawOperation(request);
  const input = canonicalInput(request.body);
  if (operation === undefined || input === undefined || !recordsNothing(operation, input)) {
    throw new RefusedOnRealService(`a hand-built ${operation ?? 'wire'} request`);
  }
}

/** Wraps a target pointed at the real service: only calls that record nothing reach it. */
export function dryRunOnly<T extends Target>(target: T): T {
  const call = (operation: Operation, input: OperationInput, options?: CallOptions): Promise<Outcome> => {
    if (!recordsNothing(operation, input)) return Promise.reject(new RefusedOnRealService(`${operation} without DryRun`));
    return target.call(operation, input, options);
  };
  if (target.driver === 'raw') {
    const raw = target as unknown as RawCapableTarget;
    const send = (request: RawRequest, options?: CallOptions): Promise<Outcome> => {
      try {
        guardRaw(request);
      } catch (error) {
        return Promise.reject(error);
      }
      return raw.send(request, options);
    };
    return { ...raw, driver: 'raw', call, send, close: () => raw.close() } as unknown as T;
  }
  return { ...target, driver: target.driver, call, close: () => target.close() } as T;
}
