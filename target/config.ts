// target.yaml: what a target knows and can do, checked against target/target.schema.json
// (the schema the describe document a target publishes is checked against too; see
// target-schema.ts).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { EMPTY_FIXTURES, NO_CAPABILITIES, type CallerSource, type TargetCapabilities, type TargetFixtures } from '../core/description.js';
import { targetConfigProblems } from './target-schema.js';
import { CLOCK_PLACEHOLDERS, namesAnInstant } from './clock-request.js';

export interface TargetConfig {
  endpoint?: string;
  region?: string;
  fixtures: TargetFixtures;
  capabilities: TargetCapabilities;
  promises?: Record<string, string>;
  /** Callers besides the run's credentials: where each one's credentials are (see DeclaredCaller). */
  callers?: CallerSource[];
  /** Bearer token of the target's control API: a secret, never shown (run --control-token and CONTROL_TOKEN_ENV come first). */
  controlToken?: string;
  /** A PEM file of certificate authorities trusted besides the system's, relative to this file (run --ca-file comes first). */
  caFile?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Fills defaults: absent fixture lists are empty, absent capabilities are false. */
export function normalizeFixtures(f: Partial<TargetFixtures> | undefined): TargetFixtures {
  return { ...EMPTY_FIXTURES, ...(f ?? {}) };
}

export function normalizeCapabilities(c: Partial<TargetCapabilities> | undefined): TargetCapabilities {
  return { ...NO_CAPABILITIES, ...(c ?? {}) };
}

/** Parses target.yaml text; errors name the file and the path of every problem. */
export function parseTargetConfig(text: string, file: string): TargetConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) doc = {};
  // Every problem at once, on one line: `file: path: problem; path: problem`.
  const problems = targetConfigProblems(doc);
  if (problems.length === 0) problems.push(...callerProblems((doc as Partial<TargetConfig>).callers ?? []), ...clockProblems((doc as Partial<TargetConfig>).capabilities?.clockControl));
  if (problems.length > 0) throw new ConfigError(`${file}: ${problems.join('; ')}`);
  const config = doc as Partial<TargetConfig>;
  return {
    ...config,
    fixtures: normalizeFixtures(config.fixtures),
    capabilities: normalizeCapabilities(config.capabilities),
  };
}

/** A caller names a profile, or the variables of its keys: one or the other (the schema checks each key's form). */
function callerProblems(callers: readonly Record<string, unknown>[]): string[] {
  return callers.flatMap((caller, i) => {
    const profile = caller.profile !== undefined;
    const variables = caller.accessKeyIdVariable !== undefined || caller.secretAccessKeyVariable !== undefined || caller.sessionTokenVariable !== undefined;
    const complete = caller.accessKeyIdVariable !== undefined && caller.secretAccessKeyVariable !== undefined;
    return profile !== variables && (profile || complete) ? [] : [`callers[${i}]: name a profile, or accessKeyIdVariable and secretAccessKeyVariable (with sessionTokenVariable if need be), not both`];
  });
}

/** A clock request must say where the instant it sets goes. */
function clockProblems(clock: TargetCapabilities['clockControl'] | undefined): string[] {
  if (typeof clock !== 'object' || namesAnInstant(clock)) return [];
  return [`capabilities.clockControl: say where the instant goes: ${CLOCK_PLACEHOLDERS.join(', ')} in the path or the body`];
}

export function loadTargetConfig(file: string): TargetConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read target config ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseTargetConfig(text, file);
}
