// The target of a planned run: the endpoint resolved and checked (or the embedded emulator
// started), the preflight that a service answers there, and the client library the run's
// calls go through.
import { dirname } from 'node:path';
import { PACKAGE_ROOT, packageVersion } from '../core/paths.js';
import { TEST_CREDENTIALS, TEST_CREDENTIALS_SOURCE, type TargetDescription } from '../core/description.js';
import { ConfigError } from '../target/config.js';
import { preflight, unimplementedOperations } from '../target/preflight.js';
import { resolveTarget } from '../target/resolve.js';
import type { Boto3Probe } from '../target/boto3-driver.js';
import { installedSdkInfo, sdkPackageInfo, type ClientInfo } from '../target/sdk-load.js';
import type { RunPlan, RunSettings } from './run-plan.js';

/** The raw driver's default time limit of one request (--timeout). */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The target of a run, ready for requests; close() stops the embedded emulator, if any. */
export interface OpenTarget {
  description: TargetDescription;
  clockOffsetMs: number;
  /** Preflight.roundTripMs (0 for the embedded emulator): see schedulingFor. */
  roundTripMs: number;
  /** What the user should know about the target (where its endpoint came from, ...). */
  notes: string[];
  close(): Promise<void>;
}

/** Resolves the plan's endpoint, or starts the embedded emulator on a free 127.0.0.1 port. */
export async function openTarget(plan: RunPlan, env: NodeJS.ProcessEnv = process.env): Promise<OpenTarget> {
  const endpoint = plan.endpoint;
  if (endpoint === undefined) {
    const { startEmulator } = await import('../emulator/index.js');
    const emulator = await startEmulator({ model: plan.model });
    const published = emulator.describe();
    return {
      description: {
        endpoint: emulator.url,
        region: published.region,
        label: 'embedded reference emulator',
        credentials: TEST_CREDENTIALS,
        credentialsSource: TEST_CREDENTIALS_SOURCE,
        fixtures: published.fixtures,
        capabilities: published.capabilities,
      },
      clockOffsetMs: 0,
      roundTripMs: 0,
      notes: [],
      close: () => emulator.close(),
    };
  }
  const { settings } = plan;
  const resolved = await resolveTarget({
    endpoint: endpoint.value,
    ...(plan.config !== undefined ? { config: plan.config } : {}),
    ...(settings.region !== undefined ? { region: settings.region } : {}),
    env,
    allowRealService: settings.allowRealService === true,
    ...(settings.requestTimeoutMs !== undefined ? { timeoutMs: settings.requestTimeoutMs } : {}),
    ...(settings.controlToken !== undefined ? { controlToken: settings.controlToken } : {}),
    ...(settings.caFile !== undefined ? { caFile: settings.caFile } : {}),
  }).catch((error: unknown) => {
    // The guard and the reachability check name the endpoint; say where it came from too.
    if (error instanceof ConfigError && endpoint.source !== '--endpoint') throw new ConfigError(`${endpoint.source}: ${error.message}`);
    throw error;
  });
  const origin = endpoint.source === '--endpoint' ? [] : [`endpoint ${endpoint.value} from ${endpoint.source}`];
  // Before any rule runs, a service must answer: a dead target stops the run with the reason.
  const { answers, roundTripMs } = await preflight(resolved.description, {
    timeoutMs: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    clockOffsetMs: resolved.clockOffsetMs,
    allowRealService: settings.allowRealService === true,
    ...(settings.politeness !== undefined ? { politeness: settings.politeness } : {}),
  });
  const unimplemented = unimplementedOperations(answers, resolved.description.endpoint);
  const unanswered = Object.entries(unimplemented).map(([operation, detail]) => `${operation} gave no awsJson answer in the preflight (${detail}): its rules are not-applicable`);
  const description = Object.keys(unimplemented).length > 0 ? { ...resolved.description, unimplemented } : resolved.description;
  return { description, clockOffsetMs: resolved.clockOffsetMs, roundTripMs, notes: [...origin, ...resolved.notes, ...unanswered], close: async () => {} };
}

/** The client library the run's calls go through, for the report (run.client). */
export function clientInfo({ driver, sdk }: Pick<RunSettings, 'driver' | 'sdk'>, boto3?: Boto3Probe): ClientInfo {
  if (driver === 'boto3' && boto3 !== undefined) {
    const { version, location, botocoreVersion, botocoreLocation } = boto3;
    // botocore from another folder than boto3 (--sdk PATH of a botocore tree): both are named.
    const where = dirname(botocoreLocation) === dirname(location) ? location : `${location} (botocore: ${botocoreLocation})`;
    return { name: 'boto3', version: `${version} (botocore ${botocoreVersion})`, location: where };
  }
  if (driver === 'raw') return { name: 'metering-conformance raw driver', version: packageVersion(), location: PACKAGE_ROOT };
  if (driver === 'sdk') return sdk !== undefined ? sdkPackageInfo(sdk) : installedSdkInfo();
  throw new Error(`no client information for the ${String(driver)} driver`);
}
