// Operation contexts for tests of the emulator's operations without HTTP: a fixed clock, the
// default fixtures, a fresh ledger per test and one set of RegisterUsage keys per file.
import { beforeAll, beforeEach } from 'vitest';
import type { OperationContext } from '../../emulator/context.js';
import { parseFaults } from '../../emulator/faults.js';
import { DEFAULT_FIXTURES_PATH, loadFixtures } from '../../emulator/fixtures.js';
import { Ledger } from '../../emulator/ledger.js';
import type { RegistrationKeys } from '../../emulator/context.js';
import { registrationKeys } from '../../emulator/register-usage.js';
import { loadModel } from '../../core/model.js';

export const NOW = Date.UTC(2026, 6, 15, 12, 30, 0); // 2026-07-15T12:30:00Z
export const HOUR = 3_600_000;
export const seconds = (ms: number) => ms / 1000;
export const fixtures = loadFixtures(DEFAULT_FIXTURES_PATH);

export type ContextOverrides = Partial<OperationContext> & { faultNames?: string[] };

export interface OperationTestbed {
  /** This test's ledger. */
  readonly ledger: Ledger;
  /** Starts the ledger over within a test. */
  resetLedger(): void;
  /** A context as `caller` at NOW on the latest model, with the named fault modes. */
  ctx(overrides?: ContextOverrides): OperationContext;
}

/** Registers the file's hooks (keys once, a ledger per test) and returns its contexts. */
export function operationTestbed(caller: string): OperationTestbed {
  let ledger = new Ledger();
  let keys: RegistrationKeys | undefined;
  beforeAll(async () => {
    keys = await registrationKeys(false);
  });
  beforeEach(() => {
    ledger = new Ledger();
  });
  return {
    get ledger() {
      return ledger;
    },
    resetLedger() {
      ledger = new Ledger();
    },
    ctx({ faultNames, ...rest } = {}) {
      return { caller, nowMs: NOW, fixtures, faults: parseFaults(faultNames ?? []), ledger, model: loadModel(), registrationKeys: keys!, ...rest };
    },
  };
}
