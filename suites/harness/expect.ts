// Judging an outcome. A Violation is a target that answered wrongly (verdict fail);
// it carries what was expected and what came back, for the report.
import type { Outcome } from '../../target/types.js';

export class Violation extends Error {
  override readonly name = 'Violation';
  constructor(
    readonly expected: string,
    readonly actual: unknown,
    message?: string,
  ) {
    super(message ?? `expected ${expected}; got ${describeOutcome(actual)}`);
  }
}

/** A short, readable account of an outcome for messages and reports. */
export function summarizeOutcome(outcome: Outcome): Record<string, unknown> {
  if (outcome.kind === 'success') return { status: outcome.status, output: outcome.output, ...(outcome.retries ? { retries: outcome.retries } : {}) };
  return {
    status: outcome.status,
    errorType: outcome.errorType,
    ...(outcome.message !== undefined ? { message: outcome.message } : {}),
    ...(outcome.retries ? { retries: outcome.retries } : {}),
  };
}

function describeOutcome(actual: unknown): string {
  if (actual && typeof actual === 'object' && 'kind' in actual) {
    const o = actual as Outcome;
    return o.kind === 'success' ? `HTTP ${o.status} success ${JSON.stringify(o.output)}` : `HTTP ${o.status} ${o.errorType || '(no error type)'}${o.message ? ` "${o.message}"` : ''}`;
  }
  return JSON.stringify(actual);
}

export function fail(expected: string, actual: Outcome | unknown): never {
  throw new Violation(expected, actual && typeof actual === 'object' && 'kind' in actual ? summarizeOutcome(actual as Outcome) : actual);
}

/** The request succeeded (HTTP 2xx). */
export function expectSuccess(outcome: Outcome, what = 'HTTP 200 success'): asserts outcome is Extract<Outcome, { kind: 'success' }> {
  if (outcome.kind !== 'success') fail(what, outcome);
}

/** The request failed with a client error (4xx) whose type is one of `types`. */
export function expectError(outcome: Outcome, types: string | string[], what?: string): asserts outcome is Extract<Outcome, { kind: 'error' }> {
  const allowed = Array.isArray(types) ? types : [types];
  const expected = what ?? `HTTP 4xx ${allowed.join(' or ')}`;
  if (outcome.kind !== 'error' || outcome.status < 400 || outcome.status >= 500 || !allowed.includes(outcome.errorType)) fail(expected, outcome);
}

/** The request failed with any client error (4xx). */
export function expectClientError(outcome: Outcome, what = 'an HTTP 4xx client error'): asserts outcome is Extract<Outcome, { kind: 'error' }> {
  if (outcome.kind !== 'error' || outcome.status < 400 || outcome.status >= 500) fail(what, outcome);
}

/** A non-empty string member of a success output. */
export function expectStringMember(outcome: Extract<Outcome, { kind: 'success' }>, member: string): string {
  const value = outcome.output[member];
  if (typeof value !== 'string' || value === '') fail(`a non-empty string ${member} in the output`, outcome);
  return value;
}
