// Public API of the reference emulator: start it, list its fault modes, load fixtures.
import { loadModel, modelLabel, type ServiceModel } from '../generators/model.js';
import { Clock } from './clock.js';
import { EMULATOR_CAPABILITIES, type EmulatorDescription } from './control.js';
import { parseFaults } from './faults.js';
import { DEFAULT_FIXTURES_PATH, loadFixtures, publishedFixtures, type EmulatorFixtures } from './fixtures.js';
import { Ledger } from './ledger.js';
import { publishedKey, registrationKeys } from './register-usage.js';
import { EmulatorServer } from './server.js';

export { EmulatorConfigError } from './errors.js';
export { FAULT_MODES, type FaultName } from './faults.js';
export { DEFAULT_FIXTURES_PATH, loadFixtures, parseFixtures, type EmulatorFixtures } from './fixtures.js';
export type { EmulatorDescription } from './control.js';
export type { LedgerRecord } from './ledger.js';

export interface EmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default: emulator/default-fixtures.yaml. */
  fixtures?: EmulatorFixtures;
  /** Fault-mode names (FAULT_MODES); an unknown name throws EmulatorConfigError. */
  faults?: string[];
  /** Service model whose constraints and operations the emulator follows; default the latest. */
  model?: ServiceModel;
  /** Ledger persistence: append-only JSON lines, fsync'd, reloaded on start. */
  dataFile?: string;
}

export interface RunningEmulator {
  url: string;
  port: number;
  describe(): EmulatorDescription;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const faults = parseFaults(options.faults);
  const fixtures = options.fixtures ?? loadFixtures(DEFAULT_FIXTURES_PATH);
  const model = options.model ?? loadModel();
  const host = options.host ?? '127.0.0.1';
  const clock = new Clock();
  const keys = await registrationKeys(faults.has('register-usage-wrong-key'));
  const ledger = new Ledger(options.dataFile);
  const describe = (): EmulatorDescription => ({
    region: fixtures.region,
    model: modelLabel(model),
    fixtures: publishedFixtures(fixtures),
    capabilities: { ...EMULATOR_CAPABILITIES },
    clock: { nowMs: clock.now() },
    faults: [...faults],
    stats: { requests: server.serviceRequests },
  });
  const server = new EmulatorServer({ fixtures, faults, model, clock, ledger, registrationKeys: keys, describe, publicKey: () => publishedKey(keys) });
  let port: number;
  try {
    port = await server.listen(host, options.port ?? 0);
  } catch (error) {
    ledger.close();
    throw error;
  }
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    describe,
    close: () => {
      closed ??= server.close().then(() => ledger.close());
      return closed;
    },
  };
}
