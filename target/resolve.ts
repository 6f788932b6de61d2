// Turns flags, target.yaml and the environment into one TargetDescription, checking the
// endpoint before anything is sent to it.
import { request } from 'undici';
import { normalizeCapabilities, normalizeFixtures, type TargetConfig, ConfigError } from './config.js';
import { CONTROL_PREFIX, TEST_CREDENTIALS, TEST_CREDENTIALS_SOURCE, type DeclaredCaller, type Reach, type TargetCredentials, type TargetDescription, type TargetFixtures, type TargetCapabilities } from '../core/description.js';
import { credentialsFromEnvironment, declaredCallerCredentials, regionFromEnvironment } from './aws-environment.js';
import { describeDocumentProblems } from './target-schema.js';
import { isLoopbackHost } from '../core/hosts.js';
import { isRealServiceHost, realServiceRefusal } from './guard.js';
import { reachFor, sharedDispatcher, shownProxy } from './reach.js';

export interface ResolveOptions {
  endpoint: string;
  config?: TargetConfig;
  region?: string;
  /** Credentials and region follow the AWS conventions from here (see aws-environment.ts). */
  env: NodeJS.ProcessEnv;
  allowRealService?: boolean;
  /** Time limit of the describe probe, in milliseconds (default 5 s). */
  timeoutMs?: number;
  /** Bearer token of the target's control API; the describe probe sends it too (a target may guard describe). */
  controlToken?: string;
  /** Certificate authorities trusted besides the system's (--ca-file, target.yaml caFile). */
  caFile?: string;
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
  if (isRealServiceHost(url.hostname) && !allowRealService) throw new ConfigError(realServiceRefusal(url.host));
  return url;
}

/** Where credentials came from, in words for reports: a variable or a profile, never a value. */
function credentialsSourceText(source: string, credentials: TargetCredentials): string {
  const profile = /^(.*) \[([^\]]*)\]$/.exec(source);
  if (profile) return `profile ${profile[2]} in ${profile[1]}`;
  return `environment ${source}${credentials.sessionToken !== undefined ? ' (with AWS_SESSION_TOKEN)' : ''}`;
}

function credentialsFrom(env: NodeJS.ProcessEnv, url: URL): { value: TargetCredentials; source: string } {
  const found = credentialsFromEnvironment(env);
  if (found !== undefined) return { value: found.value, source: credentialsSourceText(found.source, found.value) };
  if (isLoopbackHost(url.hostname)) return { value: TEST_CREDENTIALS, source: `${TEST_CREDENTIALS_SOURCE} (loopback target, no credentials in the environment)` };
  throw new ConfigError(
    `no credentials for ${url.host}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with keys in the shared credentials file (fixed test credentials are used only for loopback targets)`,
  );
}

/**
 * The callers target.yaml declares, with their credentials; each must sign with an access key id
 * of its own (one shared with the run's credentials, or another caller, would be the same caller).
 */
function declaredCallers(config: TargetConfig | undefined, primary: TargetCredentials, env: NodeJS.ProcessEnv): DeclaredCaller[] {
  const seen = new Map<string, string>([[primary.accessKeyId, "the run's own credentials"]]);
  return (config?.callers ?? []).map((source, index) => {
    const credentials = declaredCallerCredentials(source, index, env);
    const before = seen.get(credentials.accessKeyId);
    if (before !== undefined) throw new ConfigError(`callers[${index}]: signs with the same access key id as ${before}: every declared caller needs an access key id of its own`);
    seen.set(credentials.accessKeyId, `callers[${index}]`);
    return { credentials, source };
  });
}

interface PublishedDescription {
  region: string;
  fixtures: TargetFixtures;
  capabilities: TargetCapabilities;
  clock?: { nowMs: number };
  /** Informational in the schema (any value): only a list of names is taken. */
  faults?: unknown;
}

/** The fault modes a describe document names, when it names any as a list of strings. */
function publishedFaults(doc: PublishedDescription | undefined): string[] | undefined {
  const faults = doc?.faults;
  return Array.isArray(faults) && faults.length > 0 && faults.every((f) => typeof f === 'string' && f.length > 0) ? (faults as string[]) : undefined;
}

export interface ProbeResult {
  /** The reference emulator's self-description, when the target publishes one. */
  published?: PublishedDescription;
  /** Target clock minus local clock, in ms, when known. */
  clockOffsetMs: number;
  /** Why the probe learned nothing, when the target answered it badly or not in time. */
  problem?: string;
}

/** A describe document is small; a target that sends more is not the reference emulator. */
const PROBE_BODY_LIMIT = 1 << 20;

async function readProbeBody(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > PROBE_BODY_LIMIT) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Node's codes for a certificate chain that ends at no trusted authority. */
const UNTRUSTED_CERTIFICATE = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED']);

/**
 * Asks the target for the reference emulator's self-description. A target without it is
 * fine (404, an answer that is not JSON or not a describe document). An endpoint that cannot
 * be reached at all (refused, host unknown) is a configuration error, and so is a describe
 * document that breaks target/target.schema.json; one that hangs, resets or answers garbage
 * is a target to judge, and its rules end as `error` with the reason.
 */
export async function probeTarget(url: URL, timeoutMs = 5_000, controlToken?: string, reach: Reach = {}): Promise<ProbeResult> {
  const base = url.href.replace(/\/+$/, '');
  const started = Date.now();
  const headers = controlToken !== undefined ? { authorization: `Bearer ${controlToken}` } : {};
  let response;
  let text: string | undefined;
  // Direct, undici's global dispatcher; through a proxy or with a private authority, the process's one for this reach.
  const dispatcher = sharedDispatcher(url.origin, reach);
  try {
    response = await request(`${base}${CONTROL_PREFIX}/describe`, { method: 'GET', headers, ...(dispatcher !== undefined ? { dispatcher } : {}), headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
    text = await readProbeBody(response.body);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ECONNREFUSED') throw new ConfigError(`cannot reach endpoint ${url.origin}: connection refused`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new ConfigError(`cannot reach endpoint ${url.origin}: host not found`);
    if (code !== undefined && UNTRUSTED_CERTIFICATE.has(code)) {
      throw new ConfigError(`cannot reach endpoint ${url.origin}: its certificate is not trusted (${code}); pass --ca-file FILE with the authority that signed it`);
    }
    const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError' || /TIMEOUT/.test(code ?? '');
    return { clockOffsetMs: 0, problem: timedOut ? `no answer to the describe probe within ${timeoutMs} ms` : `the describe probe failed: ${(error as Error).message ?? String(error)}` };
  }
  if (response.statusCode !== 200 || text === undefined) return { clockOffsetMs: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { clockOffsetMs: 0 };
  }
  if (!looksLikeDescribeDocument(parsed)) return { clockOffsetMs: 0 };
  // A target that publishes a description declares its fixtures with it: a broken one is the
  // target's configuration error, never something for the rules to trip over.
  const problems = describeDocumentProblems(parsed);
  if (problems.length > 0) throw new ConfigError(`the target's describe document (GET ${CONTROL_PREFIX}/describe) is invalid: ${problems.join('; ')}`);
  const doc = parsed as PublishedDescription;
  const rtt = Date.now() - started;
  const clockOffsetMs = doc.clock !== undefined ? Math.round(doc.clock.nowMs - (started + rtt / 2)) : 0;
  return { published: doc, clockOffsetMs };
}

/** A JSON object with any of the keys of a describe document; anything else is a target without one. */
function looksLikeDescribeDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && ['region', 'fixtures', 'capabilities'].some((key) => Object.hasOwn(doc, key));
}

export interface ResolvedTarget {
  description: TargetDescription;
  clockOffsetMs: number;
  notes: string[];
  /** The target published a valid describe document (`init` writes its fixtures and capabilities out). */
  publishes: boolean;
}

/**
 * The description of an external target: config first, then what the target publishes
 * about itself, then nothing (rules that need fixtures become not-applicable).
 */
export async function resolveTarget(options: ResolveOptions): Promise<ResolvedTarget> {
  const url = checkEndpoint(options.endpoint, options.allowRealService);
  const realService = isRealServiceHost(url.hostname);
  const reach = reachFor(url.href, options.env, options.caFile);
  // The real service publishes no description: nothing to ask it.
  const probe: ProbeResult = realService ? { clockOffsetMs: 0 } : await probeTarget(url, Math.min(5_000, options.timeoutMs ?? 5_000), options.controlToken, reach);
  // The reference emulator accepts its published test credentials; anything else gets the environment's.
  const credentials = probe.published ? { value: TEST_CREDENTIALS, source: `${TEST_CREDENTIALS_SOURCE} (the reference emulator publishes them)` } : credentialsFrom(options.env, url);
  const callers = declaredCallers(options.config, credentials.value, options.env);
  const notes: string[] = [];
  if (reach.proxy !== undefined) notes.push(`reaching ${url.origin} through the proxy ${shownProxy(reach.proxy)} (${reach.proxyVariable}; NO_PROXY exempts hosts)`);
  if (probe.problem) notes.push(`${probe.problem}; continuing without a published description`);
  if (realService) notes.push(`${url.host} is the real service: only DryRun MeterUsage and ResolveCustomer calls are sent; rules that need other calls are not-applicable`);
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
  // The real service has no control API: whatever a config says, nothing is sent to one.
  if (realService) capabilities = { ...capabilities, clockControl: false, reset: false, ledgerRead: false, tokenIssue: false, throttle: false };
  const region = options.region ?? config?.region ?? probe.published?.region ?? regionFromEnvironment(options.env)?.value ?? 'us-east-1';
  const faults = publishedFaults(probe.published);
  return {
    description: {
      endpoint: url.href.replace(/\/+$/, ''),
      region,
      label: url.origin,
      credentials: credentials.value,
      credentialsSource: credentials.source,
      ...(callers.length > 0 ? { callers } : {}),
      fixtures,
      capabilities,
      ...(config?.promises ? { promises: config.promises } : {}),
      ...(faults !== undefined ? { faults } : {}),
      ...(Object.keys(reach).length > 0 ? { reach } : {}),
    },
    clockOffsetMs: probe.clockOffsetMs,
    notes,
    publishes: probe.published !== undefined,
  };
}
