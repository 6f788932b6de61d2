// Checks target.yaml and the describe document a target publishes against the one schema,
// target/target.schema.json (shipped in the package for editor completion). Every problem is
// reported, each with its JSON path, e.g. `fixtures.products[0].kind: must be one of ami,
// container, saas (got "foo")`.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from './target.schema.json' with { type: 'json' };

/** Problems beyond this many are counted, not listed: the message stays one readable line. */
const MAX_PROBLEMS = 20;
/** Values and keys quoted in a message are cut here (a hostile document may hold anything). */
const MAX_SHOWN = 60;

interface Validators {
  config: ValidateFunction;
  describe: ValidateFunction;
}

// Compiled on first use: commands that read no config and probe no target should not pay for it.
let validators: Validators | undefined;
function compiled(): Validators {
  if (validators === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
    ajv.addSchema(schema);
    validators = {
      config: ajv.getSchema(schema.$id)!,
      describe: ajv.getSchema(`${schema.$id}#/definitions/describeDocument`)!,
    };
  }
  return validators;
}

function cut(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** A value as a message shows it: JSON, shortened (JSON also escapes line breaks and control characters). */
function show(value: unknown): string {
  return cut(JSON.stringify(value) ?? String(value));
}

/** What kind of value it is, in the words of a YAML or JSON author. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
  integer: 'an integer',
  number: 'a number',
  null: 'null',
};

/** Appends a key to a path: `a.b`, or `a["x.y"]` for keys that are not plain names. */
function withKey(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${cut(JSON.stringify(key))}]`;
}

/** The readable path of a JSON pointer into `doc`: /fixtures/products/0/kind → fixtures.products[0].kind. */
function pathOf(pointer: string, doc: unknown): string {
  if (pointer === '') return '';
  let path = '';
  let at: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) {
      path += `[${segment}]`;
      at = at[Number(segment)];
    } else {
      path = withKey(path, segment);
      at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function problemOf(error: ErrorObject, doc: unknown): string {
  const path = pathOf(error.instancePath, doc);
  const where = (p: string) => (p === '' ? 'top level' : p);
  const params = error.params as Record<string, unknown>;
  const value = error.data;
  // A secret (writeOnly in the schema: controlToken) is never quoted back, not even a wrong one.
  const secret = (error.parentSchema as { writeOnly?: boolean } | undefined)?.writeOnly === true;
  const quoted = (v: unknown) => (secret ? 'a secret, not shown' : show(v));
  switch (error.keyword) {
    case 'type': {
      const types = String(params.type).split(',');
      const scalar = types.some((t) => t !== 'object' && t !== 'array');
      // Where a scalar is expected, a string is worth showing ("yes" for true); a number or
      // true where a string is expected is YAML reading an unquoted value.
      const got = secret ? quoted(value) : typeof value === 'string' && scalar ? `the string ${show(value)}` : kindOf(value);
      const hint = types.includes('string') && (typeof value === 'number' || typeof value === 'boolean') ? ', write it in quotes' : '';
      return `${where(path)}: must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')} (got ${got}${hint})`;
    }
    case 'enum':
      return `${where(path)}: must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')} (got ${quoted(value)})`;
    case 'required':
      return `${withKey(path, String(params.missingProperty))}: is required (missing)`;
    case 'additionalProperties': {
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `${withKey(path, cut(String(params.additionalProperty)))}: unknown key (allowed: ${allowed.join(', ')})`;
    }
    case 'pattern':
      return `${where(path)}: must match ${String(params.pattern)} (got ${quoted(value)})`;
    case 'minLength':
      return `${where(path)}: must not be empty`;
    case 'minItems':
      return `${where(path)}: must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'uniqueItems':
      return `${where(path)}: must not repeat an item (items ${String(params.j)} and ${String(params.i)} are equal)`;
    case 'minimum':
      return `${where(path)}: must be at least ${String(params.limit)} (got ${quoted(value)})`;
    default:
      return `${where(path)}: ${error.message ?? 'is invalid'}`;
  }
}

/**
 * The errors of a value with alternatives (oneOf: `reset` is true or false, or a request) as one
 * would say them. Each alternative the value is not of the kind of says so with a type error at
 * the value's path; the errors of the alternative it is of the kind of are what is wrong, and
 * when there is none, one type error names every kind allowed.
 */
function withoutAlternatives(errors: ErrorObject[]): ErrorObject[] {
  let kept = errors;
  for (const choice of errors.filter((e) => e.keyword === 'oneOf')) {
    const inChoice = kept.filter((e) => e.schemaPath.startsWith(`${choice.schemaPath}/`));
    const isKind = (e: ErrorObject) => e.keyword === 'type' && e.instancePath === choice.instancePath;
    const ofItsKind = inChoice.filter((e) => !isKind(e));
    // Without one, every error of the choice is a kind the value is not.
    const kinds = () => inChoice.map((e) => String((e.params as { type: unknown }).type)).join(',');
    const said = ofItsKind.length > 0 ? ofItsKind : [{ ...inChoice[0], params: { type: kinds() } }];
    kept = [...kept.filter((e) => e !== choice && !inChoice.includes(e)), ...said];
  }
  return kept;
}

function problems(validate: ValidateFunction, doc: unknown): string[] {
  if (validate(doc)) return [];
  const all = [...new Set(withoutAlternatives(validate.errors ?? []).map((e) => problemOf(e, doc)))];
  if (all.length <= MAX_PROBLEMS) return all;
  return [...all.slice(0, MAX_PROBLEMS), `… and ${all.length - MAX_PROBLEMS} more`];
}

/** Every schema violation of a parsed target.yaml, each with its path; empty when it is valid. */
export function targetConfigProblems(doc: unknown): string[] {
  return problems(compiled().config, doc);
}

/** Every schema violation of a describe document, each with its path; empty when it is valid. */
export function describeDocumentProblems(doc: unknown): string[] {
  return problems(compiled().describe, doc);
}
