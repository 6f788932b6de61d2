// Turns flags, target.yaml and the environment into one TargetDescription, checking the
// endpoint before anything is sent to it.
import { request } from 'undici';
import { normalizeCapabilities, normalizeFixtures, type TargetConfig, ConfigError } from './config.js';
import { CONTROL_PREFIX, TEST_CREDENTIALS, type TargetCredentials, type TargetDescription, type TargetFixtures, type TargetCapabilities } from './description.js';
import { isLoopbackHost, isRealServiceHost } from './guard.js';

export interface ResolveOptions {
  endpoint: string;
  config?: TargetConfig;
  region?: string;
  env: NodeJS.ProcessEnv;
  allowRealService?: boolean;
}

/** Checks an endpoint URL: well-formed, http(s), not the real service unless allowed. */
export function checkEndpoint(endpoint: string, allowRealService = false): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError(`endpoint "${endpoint}" is not a valid URL (expected e.g. http://127.0.0.1:5055)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`endpoint "${endpoint}" must use http or https`);
  if (url.search || url.hash) throw new ConfigError(`endpoint "${endpoint}" must not have a query or fragment`);
  if (isRealServiceHost(url.hostname) && !allowRealService) {
    throw new ConfigError(
      `endpoint ${url.host} belongs to the real AWS service; a conformance run sends metering records that bill real customers. Refusing (nothing was sent). Point --endpoint at an emulator, or see --allow-real-service.`,
    );
  }
  return url;
}

function credentialsFrom(env: NodeJS.ProcessEnv, url: URL): TargetCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  if (isLoopbackHost(url.hostname)) return TEST_CREDENTIALS;
  throw new ConfigError(`no credentials for ${url.host}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (fixed test credentials are used only for loopback targets)`);
}

interface PublishedDescription {
  region: string;
  fixtures: TargetFixtures;
  capabilities: TargetCapabilities;
  clock?: { nowMs: number };
}

export interface ProbeResult {
  /** The reference emulator's self-description, when the target publishes one. */
  published?: PublishedDescription;
  /** Target clock minus local clock, in ms, when known. */
  clockOffsetMs: number;
}

/**
 * Asks the target for the reference emulator's self-description. A target without it is
 * fine (404 and the like); a target that cannot be reached at all is a configuration error.
 */
export async function probeTarget(url: URL, timeoutMs = 5_000): Promise<ProbeResult> {
  const base = url.href.replace(/\/+$/, '');
  const started = Date.now();
  let response;
  try {
    response = await request(`${base}${CONTROL_PREFIX}/describe`, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host not found'
          : (error as Error).name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
            ? `no answer within ${timeoutMs / 1000} s`
            : ((error as Error).message ?? String(error));
    throw new ConfigError(`cannot reach endpoint ${url.origin}: ${why}`);
  }
  const text = await response.body.text().catch(() => '');
  if (response.statusCode !== 200) return { clockOffsetMs: 0 };
  try {
    const doc = JSON.parse(text) as PublishedDescription;
    if (!doc || typeof doc.region !== 'string' || typeof doc.fixtures !== 'object' || typeof doc.capabilities !== 'object') return { clockOffsetMs: 0 };
    const rtt = Date.now() - started;
    const clockOffsetMs = doc.clock?.nowMs !== undefined ? Math.round(doc.clock.nowMs - (started + rtt / 2)) : 0;
    return { published: doc, clockOffsetMs };
  } catch {
    return { clockOffsetMs: 0 };
  }
}

/**
 * The description of an external target: config first, then what the target publishes
 * about itself, then nothing (rules that need fixtures become not-applicable).
 */
export async function resolveTarget(options: ResolveOptions): Promise<{ description: TargetDescription; clockOffsetMs: number; notes: string[] }> {
  const url = checkEndpoint(options.endpoint, options.allowRealService);
  const probe = await probeTarget(url);
  // The reference emulator accepts its published test credentials; anything else gets the environment's.
  const credentials = probe.published ? TEST_CREDENTIALS : credentialsFrom(options.env, url);
  const notes: string[] = [];
  const config = options.config;
  let fixtures: TargetFixtures;
  let capabilities: TargetCapabilities;
  if (config) {
    fixtures = config.fixtures;
    capabilities = config.capabilities;
  } else if (probe.published) {
    fixtures = normalizeFixtures(probe.published.fixtures);
    capabilities = normalizeCapabilities(probe.published.capabilities);
    notes.push('using the fixtures and capabilities the target publishes (reference emulator)');
  } else {
    fixtures = normalizeFixtures(undefined);
    capabilities = normalizeCapabilities(undefined);
    notes.push('no --config and the target publishes no description: rules that need fixtures are not-applicable (pass --config target.yaml)');
  }
  const region = options.region ?? config?.region ?? probe.published?.region ?? options.env.AWS_REGION ?? 'us-east-1';
  return {
    description: {
      endpoint: url.href.replace(/\/+$/, ''),
      region,
      label: url.origin,
      credentials,
      fixtures,
      capabilities,
      ...(config?.promises ? { promises: config.promises } : {}),
    },
    clockOffsetMs: probe.clockOffsetMs,
    notes,
  };
}
