// Public API of the reference emulator: start it, list its fault modes, load fixtures.
import { isLoopbackHost } from '../core/hosts.js';
import { loadModel, modelLabel, type ServiceModel } from '../core/model.js';
import { Clock } from './clock.js';
import { EMULATOR_CAPABILITIES, type ControlAccess, type EmulatorDescription } from './control.js';
import { EmulatorConfigError } from './errors.js';
import { parseFaults } from './faults.js';
import { DEFAULT_FIXTURES_PATH, loadFixtures, publishedFixtures, type EmulatorFixtures } from './fixtures.js';
import { IssuedTokens } from './issued-tokens.js';
import { Ledger } from './ledger.js';
import { publishedKey, registrationKeys } from './register-usage.js';
import { EmulatorServer } from './server.js';
import { Throttles } from './throttles.js';

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
  /** Ledger persistence: append-only JSON lines, fsync'd, reloaded on start; one emulator at a time (DATA.lock). */
  dataFile?: string;
  /**
   * Bearer token control requests must carry. Without one, an emulator listening beyond
   * loopback (a host that is not 127.x, ::1 or localhost) has its control API disabled.
   */
  controlToken?: string;
  /** Host names control requests may use in Host besides IP literals and localhost (DNS-rebinding guard). */
  allowedHosts?: string[];
  /** Every access key id is one caller with one ledger, clock and throttle (no caller isolation), as most other emulators have it. */
  sharedLedger?: boolean;
  /** false: no control API, describe included; its paths answer as any unknown service path does (a stand-in for a foreign target). */
  control?: boolean;
}

/** The one caller of an emulator with a shared ledger. */
const SHARED_CALLER = 'shared-ledger';

function controlAccess(host: string, options: EmulatorOptions): ControlAccess {
  const token = options.controlToken;
  if (token !== undefined && !/^[\x21-\x7e]{8,}$/.test(token)) {
    throw new EmulatorConfigError('the control token must be at least 8 printable characters without spaces');
  }
  const allowedHosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  for (const name of allowedHosts) {
    if (!/^[a-z0-9.-]+$/.test(name)) throw new EmulatorConfigError(`--allowed-host takes a host name without port, got ${JSON.stringify(name)}`);
  }
  const disabled =
    token === undefined && !isLoopbackHost(host) ? `the emulator listens on ${host}, beyond loopback; start it with a control token (serve --control-token T) to use the control API` : undefined;
  return { allowedHosts, ...(token !== undefined ? { token } : {}), ...(disabled !== undefined ? { disabled } : {}) };
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
  const control = controlAccess(host, options);
  const clock = new Clock();
  const keys = await registrationKeys(faults.has('register-usage-wrong-key'));
  const ledger = new Ledger(options.dataFile);
  const describe = (): EmulatorDescription => ({
    region: fixtures.region,
    model: modelLabel(model),
    fixtures: publishedFixtures(fixtures),
    capabilities: { ...EMULATOR_CAPABILITIES, callerIsolation: options.sharedLedger !== true },
    clock: { nowMs: clock.now() },
    faults: [...faults],
    stats: { requests: server.serviceRequests },
  });
  const issuedTokens = new IssuedTokens();
  const callerOf = options.sharedLedger === true ? () => SHARED_CALLER : (accessKeyId: string) => accessKeyId;
  const server = new EmulatorServer({ control, controlApi: options.control !== false, callerOf, fixtures, faults, model, clock, ledger, issuedTokens, throttles: new Throttles(), registrationKeys: keys, describe, publicKey: () => publishedKey(keys) });
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
