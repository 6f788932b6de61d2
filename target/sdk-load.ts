// Which @aws-sdk/client-marketplace-metering the sdk driver judges: the installed one, or the
// folder given with `run --sdk PATH` (a build of clients/client-marketplace-metering in an
// aws-sdk-js-v3 checkout, or an unpacked npm tarball). Loaded with node's require, once per
// process; the typed exception classes the driver judges with `instanceof` come from it.
//
// Layouts that load:
//  - a folder whose dependencies (@smithy/*, @aws-sdk/*) resolve from it: its own
//    node_modules, or a monorepo checkout whose node_modules are further up;
//  - a folder without them (an unpacked tarball, a copied dist-cjs): a dependency that does
//    not resolve from inside the folder resolves from this tool's own node_modules instead.
// The entry is the package.json `exports` (require condition) if it has one, else `main`
// (dist-cjs/index.js in the published package); an ESM-only entry loads through node's
// require(esm) (Node >= 20.19).
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';
import { ConfigError } from './config.js';

export const SDK_PACKAGE = '@aws-sdk/client-marketplace-metering';

export type SdkModule = typeof import('@aws-sdk/client-marketplace-metering');

/** The client library a run's calls went through (report.json run.client). */
export interface ClientInfo {
  name: string;
  version: string;
  /** The folder it was loaded from. */
  location: string;
}

/** What an SDK module must export for the driver to call every operation. */
const REQUIRED_EXPORTS = ['MarketplaceMeteringClient', 'MeterUsageCommand', 'BatchMeterUsageCommand', 'RegisterUsageCommand', 'ResolveCustomerCommand'] as const;

/** The package at `path` (absolute): a folder with the client's package.json, or a one-line ConfigError. */
export function sdkPackageInfo(path: string): ClientInfo {
  const problem = (text: string) => new ConfigError(`--sdk ${path}: ${text}`);
  if (!existsSync(path)) throw problem('no such file or folder');
  if (!statSync(path).isDirectory()) throw problem(`not a folder (give the folder of ${SDK_PACKAGE}, with its package.json)`);
  const manifest = join(path, 'package.json');
  if (!existsSync(manifest)) throw problem(`no package.json in the folder (give the folder of ${SDK_PACKAGE})`);
  let parsed: { name?: unknown; version?: unknown };
  try {
    parsed = JSON.parse(readFileSync(manifest, 'utf8')) as typeof parsed;
  } catch (error) {
    throw problem(`package.json is not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (parsed?.name !== SDK_PACKAGE) throw problem(`package.json names ${JSON.stringify(parsed?.name ?? null)}, not ${SDK_PACKAGE}`);
  return { name: SDK_PACKAGE, version: typeof parsed.version === 'string' && parsed.version !== '' ? parsed.version : 'unknown', location: realpathSync(path) };
}

/** The client installed with this tool (the driver's default). */
export function installedSdkInfo(): ClientInfo {
  const manifest = createRequire(join(PACKAGE_ROOT, 'package.json')).resolve(`${SDK_PACKAGE}/package.json`);
  return sdkPackageInfo(dirname(manifest));
}

const loaded = new Map<string, { module: SdkModule; info: ClientInfo }>();

/**
 * Loads the client at `path` (absolute), once per process. Every problem (not the client's
 * folder, an entry that fails to load, missing commands) is a one-line ConfigError.
 */
export function loadSdk(path: string): { module: SdkModule; info: ClientInfo } {
  const cached = loaded.get(path);
  if (cached) return cached;
  const info = sdkPackageInfo(path);
  const problem = (text: string) => new ConfigError(`--sdk ${path}: ${text}`);
  const manifest = JSON.parse(readFileSync(join(info.location, 'package.json'), 'utf8')) as { exports?: unknown };
  const requireFromFolder = createRequire(join(info.location, 'package.json'));
  resolveMissingFromTool(info.location);
  let module: Record<string, unknown>;
  try {
    // With `exports`, the package's self-reference resolves through them (require condition);
    // without, the folder resolves through `main` (or index.js).
    const entry = requireFromFolder.resolve(manifest.exports !== undefined ? SDK_PACKAGE : info.location);
    module = requireFromFolder(entry) as Record<string, unknown>;
  } catch (error) {
    throw problem(`does not load: ${((error as Error)?.message ?? String(error)).split('\n')[0]}`);
  }
  const missing = REQUIRED_EXPORTS.filter((name) => typeof module[name] !== 'function');
  if (missing.length > 0) throw problem(`loads, but does not export ${missing.join(', ')}: not a MarketplaceMetering client`);
  const result = { module: module as unknown as SdkModule, info };
  loaded.set(path, result);
  return result;
}

/** Folders given with --sdk (with a trailing separator) whose missing dependencies resolve from this tool. */
const fallbackFolders: string[] = [];

/**
 * Lets a client folder without its own node_modules use this tool's dependencies: a bare
 * require issued from a module inside such a folder that node cannot resolve from there is
 * resolved again from this tool's package root. Requests from anywhere else are untouched.
 * (Node has no public hook for CJS resolution short of a loader; this wraps the internal
 * Module._resolveFilename, once per process.)
 */
function resolveMissingFromTool(folder: string): void {
  const prefix = folder.endsWith(sep) ? folder : folder + sep;
  if (fallbackFolders.includes(prefix)) return;
  const first = fallbackFolders.length === 0;
  fallbackFolders.push(prefix);
  if (!first) return;
  type Resolve = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;
  const internals = Module as unknown as { _resolveFilename: Resolve };
  const original = internals._resolveFilename;
  const fromTool = createRequire(join(PACKAGE_ROOT, 'package.json'));
  internals._resolveFilename = function resolveFilename(this: unknown, request, parent, ...rest) {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (error) {
      const from = parent?.filename;
      const bare = !request.startsWith('.') && !isAbsolute(request) && !request.startsWith('node:');
      if ((error as NodeJS.ErrnoException)?.code !== 'MODULE_NOT_FOUND' || !bare || !from || !fallbackFolders.some((f) => from.startsWith(f))) throw error;
      return fromTool.resolve(request);
    }
  };
}
