// Loads the rule catalogue (specs/rules.yaml) and checks every entry, so a typo in the
// catalogue is a clear error at start-up instead of a silently missing rule.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Level } from '../reports/types.js';
import type { TargetCapabilities } from '../target/description.js';
import { OPERATIONS, type Operation } from '../target/types.js';
import { RULES_PATH } from './paths.js';

/** Fixture kinds a rule can need from the target description. */
export const FIXTURE_NEEDS = [
  'product',
  'saas-product',
  'customer',
  'legacy-customer',
  'unsubscribed-customer',
  'token',
  'unsubscribed-token',
  'expired-token',
  'license',
  'registration',
  'registration-not-entitled',
  'registration-platform-not-supported',
  'unentitled-product',
  'other-region',
  'disabled-api-region',
] as const;
export type FixtureNeed = (typeof FIXTURE_NEEDS)[number];
const CAPABILITIES: (keyof TargetCapabilities)[] = ['callerIsolation', 'clockControl', 'reset', 'ledgerRead', 'tokenIssue', 'throttle'];

export interface RuleNeeds {
  fixtures?: FixtureNeed[];
  capabilities?: (keyof TargetCapabilities)[];
  /** Rules that must put malformed bytes on the wire run only under the raw driver. */
  driver?: 'raw';
}

export interface Rule {
  id: string;
  statement: string;
  level: Level;
  family: string;
  operations: Operation[];
  sources: string[];
  model?: string;
  since?: string;
  semantics?: string;
  needs: RuleNeeds;
  /**
   * The rule's part in the vacuity check. A `control` sends valid requests of its operation
   * that must be accepted. A `negative` rule only ever expects rejections, so a target that
   * rejects everything would pass it: its pass counts only when a control of one of its
   * operations passed in the same run (otherwise it is not-applicable, with that reason).
   */
  role?: RuleRole;
}

export const RULE_ROLES = ['control', 'negative'] as const;
export type RuleRole = (typeof RULE_ROLES)[number];

const LEVELS: Level[] = ['must', 'should', 'implementation-defined'];
const ID_PATTERN = /^[a-z0-9]+(?:[.-][A-Za-z0-9]+)*$/;

export class CatalogueError extends Error {
  override readonly name = 'CatalogueError';
}

function fail(where: string, message: string): never {
  throw new CatalogueError(`${where}: ${message}`);
}

function stringList(value: unknown, where: string, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(where, `${field} must be a list of strings`);
  return value as string[];
}

export function parseRules(text: string, origin: string): Rule[] {
  return checkRules(parse(text), origin);
}

function checkRules(doc: unknown, origin: string): Rule[] {
  if (!Array.isArray(doc)) fail(origin, 'expected a list of rules');
  const seen = new Set<string>();
  return doc.map((entry: Record<string, unknown>, index) => {
    const where = `${origin} rule #${index + 1}${typeof entry?.id === 'string' ? ` (${entry.id})` : ''}`;
    if (typeof entry !== 'object' || entry === null) fail(where, 'expected a mapping');
    const { id, statement, level, family, operations, sources, model, since, semantics, needs, role } = entry;
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) fail(where, 'id must be a dotted lower-case name');
    if (seen.has(id)) fail(where, 'duplicate id');
    seen.add(id);
    if (typeof statement !== 'string' || statement.trim() === '') fail(where, 'statement is required');
    if (!LEVELS.includes(level as Level)) fail(where, `level must be one of ${LEVELS.join(', ')}`);
    if (typeof family !== 'string') fail(where, 'family is required');
    const ops = stringList(operations, where, 'operations');
    for (const op of ops) if (!OPERATIONS.includes(op as Operation)) fail(where, `unknown operation ${op}`);
    const srcs = stringList(sources, where, 'sources');
    if (srcs.length === 0) fail(where, 'at least one source is required');
    for (const s of srcs) if (!/^(https:\/\/|model:)/.test(s)) fail(where, `source ${s} is neither an https URL nor a model: path`);
    if (since !== undefined && !(typeof since === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(since))) fail(where, 'since must be YYYY-MM-DD');
    const n = (needs ?? {}) as Record<string, unknown>;
    const fixtures = n.fixtures === undefined ? undefined : stringList(n.fixtures, where, 'needs.fixtures');
    for (const f of fixtures ?? []) if (!FIXTURE_NEEDS.includes(f as FixtureNeed)) fail(where, `unknown fixture need ${f}`);
    const caps = n.capabilities === undefined ? undefined : stringList(n.capabilities, where, 'needs.capabilities');
    for (const c of caps ?? []) if (!CAPABILITIES.includes(c as keyof TargetCapabilities)) fail(where, `unknown capability ${c}`);
    if (n.driver !== undefined && n.driver !== 'raw') fail(where, 'needs.driver can only be raw');
    if (role !== undefined && !RULE_ROLES.includes(role as RuleRole)) fail(where, `role must be one of ${RULE_ROLES.join(', ')}`);
    if (role !== undefined && level === 'implementation-defined') fail(where, 'an implementation-defined rule never gates, so it takes no role');
    return {
      id,
      statement,
      level: level as Level,
      family,
      operations: ops as Operation[],
      sources: srcs,
      ...(typeof model === 'string' ? { model } : {}),
      ...(typeof since === 'string' ? { since } : {}),
      ...(typeof semantics === 'string' ? { semantics } : {}),
      ...(role !== undefined ? { role: role as RuleRole } : {}),
      needs: {
        ...(fixtures ? { fixtures: fixtures as FixtureNeed[] } : {}),
        ...(caps ? { capabilities: caps as (keyof TargetCapabilities)[] } : {}),
        ...(n.driver === 'raw' ? { driver: 'raw' as const } : {}),
      },
    };
  });
}

let cached: Rule[] | undefined;

// Parsing the YAML costs a few hundred milliseconds, in the CLI and again in the test worker;
// the build stores it as JSON next to the compiled code (`npm run build`), tagged with the
// digest of the YAML it came from, so an edited rules.yaml is never shadowed by a stale copy.
const COMPILED_RULES = join(dirname(fileURLToPath(import.meta.url)), 'rules.json');

interface CompiledRules {
  yamlSha256: string;
  rules: unknown;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** The hand-written rules of specs/rules.yaml. */
export function loadRules(): Rule[] {
  if (!cached) {
    const text = readFileSync(RULES_PATH, 'utf8');
    const compiled = readCompiled();
    cached = compiled?.yamlSha256 === digest(text) ? checkRules(compiled.rules, 'specs/rules.yaml') : parseRules(text, 'specs/rules.yaml');
  }
  return cached;
}

function readCompiled(): CompiledRules | undefined {
  try {
    return JSON.parse(readFileSync(COMPILED_RULES, 'utf8')) as CompiledRules;
  } catch {
    return undefined;
  }
}

/** Writes the JSON form of specs/rules.yaml beside this module (the build's last step). */
export function compileRules(): string {
  const text = readFileSync(RULES_PATH, 'utf8');
  const compiled: CompiledRules = { yamlSha256: digest(text), rules: parse(text) };
  writeFileSync(COMPILED_RULES, JSON.stringify(compiled));
  return COMPILED_RULES;
}

export function ruleById(id: string): Rule | undefined {
  return loadRules().find((r) => r.id === id);
}
