// Loads the rule catalogue (specs/rules.yaml) and checks every entry, so a typo in the
// catalogue is a clear error at start-up instead of a silently missing rule.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Level } from '../core/vocabulary.js';
import { OPERATIONS, type Operation } from '../core/vocabulary.js';
import { LATEST_MODEL_PATH, RULES_PATH } from '../core/paths.js';

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
/**
 * What a rule may need a target to do beyond the service API (catalogue/needs.ts says how each is
 * met). cleanLedger: every property run starts from an empty ledger, by caller isolation or reset.
 */
export const CAPABILITY_NEEDS = ['cleanLedger', 'clockControl', 'ledgerRead', 'tokenIssue', 'throttle'] as const;
export type CapabilityNeed = (typeof CAPABILITY_NEEDS)[number];

export interface RuleNeeds {
  fixtures?: FixtureNeed[];
  capabilities?: CapabilityNeed[];
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
  /** What the rule rests on, quoted verbatim from the documentation or the model (test262's `info`). */
  info?: RuleQuote[];
  /** The project's reading where the sources are silent, ambiguous or contradict each other. */
  treatment?: string;
  /** Ids the rule had before a rename: a baseline or --rules naming one means this rule. */
  aliases?: string[];
  needs: RuleNeeds;
  /**
   * The rule's part in the vacuity check. A `control` sends valid requests of its operation
   * that must be accepted. A `negative` rule only ever expects rejections, so a target that
   * rejects everything would pass it: its pass counts only when a control of one of its
   * operations passed in the same run (otherwise it is not-applicable, with that reason).
   */
  role?: RuleRole;
}

/** One sentence (or trait) a rule rests on, and where it is written. */
export interface RuleQuote {
  /** An https URL of the public documentation, or `model:<path>` into the service model. */
  source: string;
  quote: string;
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

const modelDocs = new Map<string, unknown>();

function modelDoc(file: string): unknown {
  if (!modelDocs.has(file)) modelDocs.set(file, JSON.parse(readFileSync(file, 'utf8')));
  return modelDocs.get(file);
}

/** The node at a dotted path of the model document (`shapes.Tag.members.Key`), if there is one. */
function modelNode(doc: unknown, path: string): unknown {
  let node = doc;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Documentation as read: tags dropped, entities decoded, white space ignored (it differs around tags). */
function comparable(text: string): string {
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, '');
}

function checkQuotes(info: unknown, treatment: unknown, where: string, modelFile: string): RuleQuote[] | undefined {
  if (treatment !== undefined && (typeof treatment !== 'string' || treatment.trim() === '')) fail(where, 'treatment must be a non-empty string');
  if (info !== undefined && !Array.isArray(info)) fail(where, 'info must be a list of { source, quote }');
  const quotes = (info ?? []).map((item: unknown, i: number): RuleQuote => {
    const at = `${where} info #${i + 1}`;
    if (typeof item !== 'object' || item === null) fail(at, 'expected { source, quote }');
    const { source, quote, ...rest } = item as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) fail(at, `unknown field ${unknown}`);
    if (typeof quote !== 'string' || quote.trim() === '') fail(at, 'quote must be a non-empty string');
    if (typeof source !== 'string') fail(at, 'source is required');
    if (source.startsWith('model:')) {
      const node = modelNode(modelDoc(modelFile), source.slice('model:'.length));
      if (node === undefined) fail(at, `${source} is no path of the model`);
      // A documentation string is quoted as text, any other node (a trait) as its JSON.
      const text = typeof node === 'string' ? node : JSON.stringify(node);
      if (!comparable(text).includes(comparable(quote))) fail(at, `the quote is not in ${source}`);
    } else if (!/^https:\/\/\S+$/.test(source)) fail(at, `source ${source} is neither an https URL nor a model: path`);
    return { source, quote };
  });
  if (quotes.length === 0 && treatment === undefined) fail(where, 'info (at least one quote) or a treatment is required');
  return info === undefined ? undefined : quotes;
}

/**
 * `modelFile` is the model `model:` quotes are checked against (the latest one by default;
 * derived rules of an older model quote that model).
 */
export function parseRules(text: string, origin: string, modelFile = LATEST_MODEL_PATH): Rule[] {
  return checkRules(parse(text), origin, modelFile);
}

function checkRules(doc: unknown, origin: string, modelFile = LATEST_MODEL_PATH): Rule[] {
  if (!Array.isArray(doc)) fail(origin, 'expected a list of rules');
  const seen = new Set<string>();
  const retired = new Map<string, string>();
  const rules = doc.map((entry: Record<string, unknown>, index) => {
    const where = `${origin} rule #${index + 1}${typeof entry?.id === 'string' ? ` (${entry.id})` : ''}`;
    if (typeof entry !== 'object' || entry === null) fail(where, 'expected a mapping');
    const { id, statement, level, family, operations, sources, model, since, info, treatment, aliases, needs, role } = entry;
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
    for (const c of caps ?? []) if (!CAPABILITY_NEEDS.includes(c as CapabilityNeed)) fail(where, `unknown capability need ${c} (known: ${CAPABILITY_NEEDS.join(', ')})`);
    if (n.driver !== undefined && n.driver !== 'raw') fail(where, 'needs.driver can only be raw');
    if (role !== undefined && !RULE_ROLES.includes(role as RuleRole)) fail(where, `role must be one of ${RULE_ROLES.join(', ')}`);
    if (role !== undefined && level === 'implementation-defined') fail(where, 'an implementation-defined rule never gates, so it takes no role');
    const quotes = checkQuotes(info, treatment, where, modelFile);
    const formerIds = aliases === undefined ? undefined : stringList(aliases, where, 'aliases');
    for (const alias of formerIds ?? []) {
      if (!ID_PATTERN.test(alias)) fail(where, `alias ${alias} must be a dotted lower-case name`);
      if (retired.has(alias)) fail(where, `alias ${alias} is already an alias of ${retired.get(alias)}`);
      retired.set(alias, id);
    }
    return {
      id,
      statement,
      level: level as Level,
      family,
      operations: ops as Operation[],
      sources: srcs,
      ...(typeof model === 'string' ? { model } : {}),
      ...(typeof since === 'string' ? { since } : {}),
      ...(quotes ? { info: quotes } : {}),
      ...(typeof treatment === 'string' ? { treatment } : {}),
      ...(formerIds ? { aliases: formerIds } : {}),
      ...(role !== undefined ? { role: role as RuleRole } : {}),
      needs: {
        ...(fixtures ? { fixtures: fixtures as FixtureNeed[] } : {}),
        ...(caps ? { capabilities: caps as CapabilityNeed[] } : {}),
        ...(n.driver === 'raw' ? { driver: 'raw' as const } : {}),
      },
    };
  });
  // An id once retired stays retired: no current rule may take it.
  for (const [alias, owner] of retired) if (seen.has(alias)) fail(`${origin} rule ${owner}`, `alias ${alias} is the id of a current rule`);
  return rules;
}

let cached: Rule[] | undefined;

// Parsing the YAML and checking every rule (its quotes against the model included) costs a few
// hundred milliseconds, in the CLI and again in each test worker; the build does it once and
// stores the checked rules as JSON next to the compiled code (`npm run build`), tagged with the
// digest of the YAML they came from, so an edited rules.yaml is never shadowed by a stale copy.
const COMPILED_RULES = join(dirname(fileURLToPath(import.meta.url)), 'rules.json');

interface CompiledRules {
  yamlSha256: string;
  /** Checked when the build wrote them. */
  rules: Rule[];
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** The hand-written rules of specs/rules.yaml. */
export function loadRules(): Rule[] {
  if (!cached) {
    const text = readFileSync(RULES_PATH, 'utf8');
    const compiled = readCompiled();
    cached = compiled?.yamlSha256 === digest(text) ? compiled.rules : parseRules(text, 'specs/rules.yaml');
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
  const compiled: CompiledRules = { yamlSha256: digest(text), rules: parseRules(text, 'specs/rules.yaml') };
  writeFileSync(COMPILED_RULES, JSON.stringify(compiled));
  return COMPILED_RULES;
}

