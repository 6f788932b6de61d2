// Where the AWS SDKs and CLI look for an endpoint, a region and credentials, so the tool
// follows a user's existing setup:
// - endpoint: AWS_ENDPOINT_URL_MARKETPLACE_METERING, then AWS_ENDPOINT_URL, unless
//   AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
//   (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html; the service id
//   "Marketplace Metering" gives MARKETPLACE_METERING);
// - region: AWS_REGION, AWS_DEFAULT_REGION, then `region` of the profile in the shared config
//   file (https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html);
// - credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), then the
//   profile's static keys in the shared credentials file, then in the shared config file
//   (https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html).
// The profile is AWS_PROFILE, else "default". Only static keys are read: SSO, assumed roles
// and credential_process need the SDK, and are reported as such.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.js';
import type { CallerSource, TargetCredentials } from '../core/description.js';

/** A value and where it came from, for the notes a run prints. */
export interface Sourced<T> {
  value: T;
  source: string;
}

export type IniSections = Map<string, Map<string, string>>;

/**
 * Reads the AWS shared config/credentials format: `[section]` headers, `key = value` lines,
 * `#` and `;` comments (whole-line, or after whitespace). Indented lines under a key with an
 * empty value are that key's sub-settings (e.g. `services` sections), which this tool does
 * not use and skips.
 */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  let nestedUnder: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.split(/(?:^|\s)[#;]/)[0]!.trim();
    if (line === '') continue;
    if (nestedUnder !== undefined && /^\s/.test(raw)) continue;
    nestedUnder = undefined;
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || current === undefined) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (value === '') nestedUnder = key;
    else current.set(key, value);
  }
  return sections;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function home(env: NodeJS.ProcessEnv): string {
  return nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE) ?? homedir();
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path === '~' || path.startsWith('~/') ? join(home(env), path.slice(1)) : path;
}

function profileName(env: NodeJS.ProcessEnv): string {
  return nonEmpty(env.AWS_PROFILE) ?? 'default';
}

function configFilePath(env: NodeJS.ProcessEnv): string {
  return expandHome(nonEmpty(env.AWS_CONFIG_FILE) ?? '~/.aws/config', env);
}

function credentialsFilePath(env: NodeJS.ProcessEnv): string {
  return expandHome(nonEmpty(env.AWS_SHARED_CREDENTIALS_FILE) ?? '~/.aws/credentials', env);
}

/** A shared file's sections; a missing file has none. */
function readIni(file: string): IniSections {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return new Map();
    throw new ConfigError(`cannot read ${file}: ${code ?? (error as Error).message}`);
  }
  return parseIni(text);
}

/** A profile of the config file: `[default]` (or `[profile default]`) and `[profile NAME]`. */
function configProfile(sections: IniSections, profile: string): Map<string, string> | undefined {
  const prefixed = [...sections].find(([name]) => /^profile\s/.test(name) && name.replace(/^profile\s+/, '') === profile)?.[1];
  return prefixed ?? (profile === 'default' ? sections.get('default') : undefined);
}

export function endpointFromEnvironment(env: NodeJS.ProcessEnv): Sourced<string> | undefined {
  if (nonEmpty(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)?.toLowerCase() === 'true') return undefined;
  for (const name of ['AWS_ENDPOINT_URL_MARKETPLACE_METERING', 'AWS_ENDPOINT_URL'] as const) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) return { value, source: name };
  }
  return undefined;
}

export function regionFromEnvironment(env: NodeJS.ProcessEnv): Sourced<string> | undefined {
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) return { value, source: name };
  }
  const file = configFilePath(env);
  const profile = profileName(env);
  const region = nonEmpty(configProfile(readIni(file), profile)?.get('region'));
  return region === undefined ? undefined : { value: region, source: `${file} [${profile}]` };
}

function staticKeys(section: Map<string, string> | undefined): TargetCredentials | undefined {
  const accessKeyId = nonEmpty(section?.get('aws_access_key_id'));
  const secretAccessKey = nonEmpty(section?.get('aws_secret_access_key'));
  if (accessKeyId === undefined || secretAccessKey === undefined) return undefined;
  const sessionToken = nonEmpty(section?.get('aws_session_token'));
  return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
}

/**
 * The static keys of `profile` in the shared credentials file, then the config file; or why
 * there are none: neither file holds the profile, or it holds no static keys.
 */
function profileKeys(profile: string, env: NodeJS.ProcessEnv): Sourced<TargetCredentials> | 'absent' | 'no-static-keys' {
  const credentialsFile = credentialsFilePath(env);
  const configFile = configFilePath(env);
  const fromCredentials = readIni(credentialsFile).get(profile);
  const fromConfig = configProfile(readIni(configFile), profile);
  for (const [section, file] of [
    [fromCredentials, credentialsFile],
    [fromConfig, configFile],
  ] as const) {
    const keys = staticKeys(section);
    if (keys !== undefined) return { value: keys, source: `${file} [${profile}]` };
  }
  return fromCredentials === undefined && fromConfig === undefined ? 'absent' : 'no-static-keys';
}

/** Why a profile the user named (`asked`: how they named it) gave no credentials, as an error. */
function profileError(profile: string, asked: string, why: 'absent' | 'no-static-keys', env: NodeJS.ProcessEnv): ConfigError {
  if (why === 'absent') return new ConfigError(`profile "${profile}" (${asked}) is in neither ${credentialsFilePath(env)} nor ${configFilePath(env)}`);
  return new ConfigError(
    `profile "${profile}" (${asked}) has no aws_access_key_id and aws_secret_access_key; SSO, roles and credential_process are not supported: export static credentials (e.g. eval "$(aws configure export-credentials --format env)")`,
  );
}

/**
 * The environment's credentials, or undefined when it has none. A profile named by AWS_PROFILE
 * that is missing, or has no static keys, is a configuration error: the user asked for it.
 */
export function credentialsFromEnvironment(env: NodeJS.ProcessEnv): Sourced<TargetCredentials> | undefined {
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
    return { value: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) }, source: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' };
  }
  const profile = profileName(env);
  const keys = profileKeys(profile, env);
  if (typeof keys !== 'string') return keys;
  if (nonEmpty(env.AWS_PROFILE) === undefined) return undefined;
  throw profileError(profile, 'AWS_PROFILE', keys, env);
}

/**
 * The credentials of a caller declared in target.yaml (`callers[index]`), from its profile or
 * its variables; a ConfigError naming the entry when they are not there.
 */
export function declaredCallerCredentials(source: CallerSource, index: number, env: NodeJS.ProcessEnv): TargetCredentials {
  const entry = `callers[${index}]`;
  if ('profile' in source) {
    const keys = profileKeys(source.profile, env);
    if (typeof keys === 'string') throw profileError(source.profile, entry, keys, env);
    return keys.value;
  }
  const read = (variable: string) => {
    const value = nonEmpty(env[variable]);
    if (value === undefined) throw new ConfigError(`${entry}: the environment variable ${variable} is not set`);
    return value;
  };
  return {
    accessKeyId: read(source.accessKeyIdVariable),
    secretAccessKey: read(source.secretAccessKeyVariable),
    ...(source.sessionTokenVariable !== undefined ? { sessionToken: read(source.sessionTokenVariable) } : {}),
  };
}
