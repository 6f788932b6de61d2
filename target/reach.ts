// How the run reaches a target where it is: through the proxy the environment names for its
// endpoint (HTTPS_PROXY, HTTP_PROXY and NO_PROXY, read as botocore reads them), and trusting a
// private certificate authority (--ca-file, or caFile in target.yaml) besides the system's.
// Every request of the harness to the target goes through dispatcherFor: the raw driver's, the
// control API's, the describe probe's and init's.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Pool, ProxyAgent, type Dispatcher } from 'undici';
import type { Reach } from '../core/description.js';
import { ConfigError } from './config.js';

/** The variable of `env` named `name` in upper or lower case (the upper one first, as botocore's urllib reads them). */
function variable(env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | undefined {
  for (const spelled of [name, name.toLowerCase()]) {
    const value = env[spelled];
    if (value !== undefined && value !== '') return { name: spelled, value };
  }
  return undefined;
}

/**
 * Whether NO_PROXY exempts `url`, as Python's urllib (and so botocore and the AWS CLI) decides:
 * `*` exempts every host; each other comma-separated entry exempts the host it names and the
 * hosts below it (a leading dot is optional), with or without the port.
 */
export function exemptFromProxy(url: URL, noProxy: string): boolean {
  // An IPv6 host comes in brackets: [::1].
  const host = url.hostname.replace(/[[\]]/g, '').toLowerCase();
  const hostPort = `${host}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase().replace(/^\./, '');
    if (entry === '') continue;
    if (entry === '*') return true;
    for (const name of [host, hostPort]) {
      if (name === entry || name.endsWith(`.${entry}`)) return true;
    }
  }
  return false;
}

/** The proxy the environment names for `endpoint`, if any. */
export function proxyFor(endpoint: string, env: NodeJS.ProcessEnv): { proxy: string; variable: string } | undefined {
  const url = new URL(endpoint);
  const chosen = variable(env, url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY');
  if (chosen === undefined) return undefined;
  const noProxy = variable(env, 'NO_PROXY');
  if (noProxy !== undefined && exemptFromProxy(url, noProxy.value)) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(chosen.value.includes('://') ? chosen.value : `http://${chosen.value}`);
  } catch {
    throw new ConfigError(`${chosen.name} is not a URL`);
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') throw new ConfigError(`${chosen.name} must be an http or https URL, not ${proxy.protocol}`);
  return { proxy: proxy.href, variable: chosen.name };
}

/** How to reach `endpoint` from this environment, trusting `caFile` too (checked here: a bad file is one line, exit 2). */
export function reachFor(endpoint: string, env: NodeJS.ProcessEnv, caFile?: string): Reach {
  if (caFile !== undefined) certificateAuthorities(caFile);
  const proxy = proxyFor(endpoint, env);
  return { ...(caFile !== undefined ? { caFile } : {}), ...(proxy !== undefined ? { proxy: proxy.proxy, proxyVariable: proxy.variable } : {}) };
}

/** A proxy URL as notes show it: without its credentials. */
export function shownProxy(proxy: string): string {
  const url = new URL(proxy);
  url.username = '';
  url.password = '';
  return url.href;
}

const authorities = new Map<string, string[]>();

/** The system's certificate authorities and those of `caFile` (read once per process). */
function certificateAuthorities(caFile: string): string[] {
  let known = authorities.get(caFile);
  if (known === undefined) {
    let pem: string;
    try {
      pem = readFileSync(caFile, 'utf8');
    } catch (error) {
      throw new ConfigError(`--ca-file ${caFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`--ca-file ${caFile}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    known = [...rootCertificates, pem];
    authorities.set(caFile, known);
  }
  return known;
}

/** The authorities a TLS connection to the target trusts, for node:https agents; undefined for the system's alone. */
export function trustedAuthorities(reach: Reach | undefined): string[] | undefined {
  return reach?.caFile !== undefined ? certificateAuthorities(reach.caFile) : undefined;
}

/** What dispatcherFor adds to undici's options of a connection pool. */
type ConnectionOptions = Omit<Pool.Options, 'connect'> & { connectTimeout?: number };

/**
 * The undici dispatcher that reaches `origin` as `reach` says: a pool of direct connections, or
 * the proxy's: for an http target behind an http proxy, requests in absolute form (as botocore
 * sends them); for anything else, a CONNECT tunnel (undici tunnels those whatever proxyTunnel says).
 */
export function dispatcherFor(origin: string, reach: Reach = {}, options: ConnectionOptions = {}): Dispatcher {
  const tls = reach.caFile !== undefined ? { ca: certificateAuthorities(reach.caFile) } : {};
  if (reach.proxy === undefined) return new Pool(origin, { ...options, connect: tls });
  return new ProxyAgent({ ...options, uri: reach.proxy, requestTls: tls, proxyTls: tls, proxyTunnel: false });
}

const shared = new Map<string, Dispatcher>();

/**
 * One dispatcher per origin and reach for the occasional requests of a process (control calls,
 * probes), kept for its lifetime; undefined for a direct connection (undici's global one serves).
 */
export function sharedDispatcher(origin: string, reach: Reach | undefined): Dispatcher | undefined {
  if (reach === undefined || (reach.caFile === undefined && reach.proxy === undefined)) return undefined;
  const key = JSON.stringify([origin, reach.caFile, reach.proxy]);
  let dispatcher = shared.get(key);
  if (dispatcher === undefined) shared.set(key, (dispatcher = dispatcherFor(origin, reach)));
  return dispatcher;
}
