// What an operation handler gets besides its decoded input. Handlers are synchronous:
// between reading the ledger and committing to it there is no await, so concurrent
// requests cannot interleave (node runs one handler at a time). Only the fault mode
// check-then-insert-race defers a commit (pendingWrite).
import type { KeyObject } from 'node:crypto';
import type { ServiceModel } from '../core/model.js';
import type { Faults } from './faults.js';
import type { EmulatorFixtures } from './fixtures.js';
import type { IssuedTokens } from './issued-tokens.js';
import type { Ledger } from './ledger.js';

export interface RegistrationKeys {
  /** Signs the JWTs. */
  privateKey: KeyObject;
  /** What callers verify with (the published key). */
  publicKey: KeyObject;
  /** Signs instead of privateKey under the fault mode register-usage-wrong-key (made only then). */
  strayKey?: KeyObject;
}

export interface OperationContext {
  /** Access key id the request was signed with: the caller's instance/task/pod or seller account. */
  caller: string;
  /** Emulator clock at the time the request is handled, epoch ms. */
  nowMs: number;
  fixtures: EmulatorFixtures;
  faults: Faults;
  ledger: Ledger;
  model: ServiceModel;
  /** Registration tokens issued through the control API (ResolveCustomer resolves them too). */
  issuedTokens?: IssuedTokens;
  /** RSA keys of RegisterUsage signatures. */
  registrationKeys: RegistrationKeys;
  /** A ledger write still under way, which the answer waits for; only the fault mode check-then-insert-race leaves one. */
  pendingWrite?: Promise<void>;
}

export type OperationHandler = (input: Record<string, unknown>, context: OperationContext) => Record<string, unknown>;

export const HOUR_MS = 3_600_000;

/** True when the model is the given version (YYYY-MM-DD) or newer; the bundled latest model is newest. */
export function modelAtLeast(model: ServiceModel, date: string): boolean {
  return model.version === 'latest' || model.version >= date;
}

/** Dedupe and token keys start with the caller, which partitions all ledger state by caller. */
export function callerKey(caller: string, ...parts: string[]): string {
  return JSON.stringify([caller, ...parts]);
}

/** A time for messages; a timestamp far outside the Date range must not break the answer. */
export function isoTime(ms: number): string {
  return Number.isFinite(new Date(ms).getTime()) ? new Date(ms).toISOString() : `${ms / 1000} (epoch seconds)`;
}
