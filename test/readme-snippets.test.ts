// The README's "Use the emulator from your own code" and "target.yaml reference" sections, run
// as written: the boto3 snippet, the AWS SDK v3 snippet and every curl line of the control API
// go against a `serve` on a free port (the README's port 5055 substituted), each curl answer is
// compared with the answer the README shows (same keys, same types), and both target.yaml
// examples are checked against target/target.schema.json. Snippets are found by the HTML
// comment `<!-- snippet: NAME -->` on the line before their fenced block.
//
// python3 with boto3 and curl are needed; under CI=true a missing one fails its test with the
// reason, elsewhere the test is skipped with the reason printed.
import { spawn, spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import { parseTargetConfig } from '../target/config.js';
import { createRawTarget } from '../target/raw-driver.js';
import { CONTROL_PREFIX, TEST_CREDENTIALS } from '../core/description.js';
import { describeDocumentProblems, targetConfigProblems } from '../target/target-schema.js';
import schema from '../target/target.schema.json' with { type: 'json' };
import { hermeticEnv, serveAround } from './support/cli.js';

const README = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
const DOCUMENTED_BASE = 'http://127.0.0.1:5055';
const CI = process.env.CI === 'true';

/** The body of the fenced block right after `<!-- snippet: NAME -->`; throws unless exactly one, in `lang`. */
export function snippet(markdown: string, name: string, lang: string): string {
  const marker = `<!-- snippet: ${name} -->`;
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker}`);
  if (markdown.indexOf(marker, at + marker.length) >= 0) throw new Error(`README.md has ${marker} more than once`);
  const block = /^\r?\n```([\w-]*)\r?\n([\s\S]*?)\r?\n```[ \t]*(?:\r?\n|$)/.exec(markdown.slice(at + marker.length));
  if (!block) throw new Error(`${marker} is not followed, on the next line, by a fenced block`);
  if (block[1] !== lang) throw new Error(`the block after ${marker} is \`\`\`${block[1]}, not \`\`\`${lang}`);
  return block[2];
}

/** The text of a README section, from its heading to the next heading of the same or a higher level. */
function section(title: string): string {
  const heading = new RegExp(`^(#+) ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm').exec(README);
  if (!heading) throw new Error(`README.md has no section "${title}"`);
  const rest = README.slice(heading.index + heading[0].length);
  const next = new RegExp(`^#{1,${heading[1].length}} `, 'm').exec(rest);
  return rest.slice(0, next ? next.index : undefined);
}

/**
 * Where `actual` does not have the shape of the documented answer: an object has exactly the
 * documented keys, a value has the documented type, and a list has at least the documented
 * entries, each of the shape of the entry documented at its place.
 */
export function shapeProblems(documented: unknown, actual: unknown, path = '$'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(documented) !== kind(actual)) return [`${path}: documented ${kind(documented)}, got ${kind(actual)}`];
  if (Array.isArray(documented)) {
    const list = actual as unknown[];
    if (list.length < documented.length) return [`${path}: documented ${documented.length} entries, got ${list.length}`];
    return documented.flatMap((entry, i) => shapeProblems(entry, list[i], `${path}[${i}]`));
  }
  if (kind(documented) !== 'object') return [];
  const doc = documented as Record<string, unknown>;
  const got = actual as Record<string, unknown>;
  return [
    ...Object.keys(doc).filter((k) => !(k in got)).map((k) => `${path}.${k}: documented, missing from the answer`),
    ...Object.keys(got).filter((k) => !(k in doc)).map((k) => `${path}.${k}: in the answer, not documented`),
    ...Object.keys(doc).filter((k) => k in got).flatMap((k) => shapeProblems(doc[k], got[k], `${path}.${k}`)),
  ];
}

/** Puts the served emulator's base URL where the README says http://127.0.0.1:5055. */
function atPort(text: string, url: string): string {
  if (!text.includes(DOCUMENTED_BASE)) throw new Error(`the snippet does not name ${DOCUMENTED_BASE}:\n${text}`);
  const out = text.split(DOCUMENTED_BASE).join(url);
  expect(out).not.toContain('5055');
  return out;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(command: string, args: string[], options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? PACKAGE_ROOT, env: options.env ?? hermeticEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Why a tool is unusable here, or undefined when it works. */
function unavailable(what: string, command: string, args: string[]): string | undefined {
  const probe = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, env: hermeticEnv() });
  if (probe.error) return `${what} is not available: ${probe.error.message}`;
  if (probe.status !== 0) return `${what} is not available: \`${command} ${args.join(' ')}\` exited with ${probe.status}: ${probe.stderr.trim().split('\n').pop()}`;
  return undefined;
}

const pythonProblem = unavailable('python3 with boto3', 'python3', ['-c', 'import boto3']);
const curlProblem = unavailable('curl', 'curl', ['--version']);
for (const problem of [pythonProblem, curlProblem]) {
  if (problem !== undefined && !CI) console.warn(`readme-snippets: ${problem}; skipping the tests that need it (under CI=true they fail)`);
}

/** A test that needs a tool: skipped without it locally, failed without it under CI=true. */
function testWith(problem: string | undefined, name: string, body: () => Promise<void>) {
  test.skipIf(problem !== undefined && !CI)(name, async () => {
    if (problem !== undefined) throw new Error(`${problem} (CI=true: the README's snippets must run)`);
    await body();
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CURL_EXAMPLES = ['describe', 'public-key', 'ledger', 'clock', 'throttle', 'reset'] as const;

describe('README: Use the emulator from your own code', () => {
  const served = serveAround();
  const text = section('Use the emulator from your own code');
  const recordIds: string[] = [];

  test('says how to start it, with the credentials, secret check and region the emulator uses', async () => {
    expect(text).toContain('npx metering-conformance serve --port 5055');
    expect(text).toContain(`\`${TEST_CREDENTIALS.accessKeyId}\``);
    expect(text).toContain(`\`${TEST_CREDENTIALS.secretAccessKey}\``);
    expect(text).toMatch(/\*\*Any access key id\*\* is accepted/);
    const published = (await (await fetch(`${served.url}${CONTROL_PREFIX}/describe`)).json()) as { region: string };
    expect(text).toContain(`the **region** \`${published.region}\``);
    // Any access key id signs with the test secret: the snippets' id is not a special one.
    for (const lang of [snippet(README, 'boto3', 'python'), snippet(README, 'sdk-v3', 'js')]) {
      expect(lang).toContain(TEST_CREDENTIALS.accessKeyId);
      expect(lang).toContain(TEST_CREDENTIALS.secretAccessKey);
      expect(lang).toContain(published.region);
    }
  });

  testWith(pythonProblem, 'the boto3 snippet meters usage and prints the MeteringRecordId', async () => {
    const code = atPort(snippet(README, 'boto3', 'python'), served.url);
    const ran = await runProcess('python3', ['-'], { input: code, env: hermeticEnv({ AWS_EC2_METADATA_DISABLED: 'true' }) });
    expect(ran.code, ran.stderr).toBe(0);
    const id = ran.stdout.trim();
    expect(id, ran.stderr).toMatch(UUID);
    recordIds.push(id);
  });

  test('the AWS SDK v3 snippet meters usage and prints the MeteringRecordId', async () => {
    const code = atPort(snippet(README, 'sdk-v3', 'js'), served.url);
    expect(code).toContain("from '@aws-sdk/client-marketplace-metering'");
    // An ES module on stdin resolves the package from the working directory, as a user's file would.
    const ran = await runProcess(process.execPath, ['--input-type=module', '--no-warnings'], { input: code });
    expect(ran.code, ran.stderr).toBe(0);
    const id = ran.stdout.trim();
    expect(id, ran.stderr).toMatch(UUID);
    recordIds.push(id);
  });

  /** Runs a README curl example (one command) against the served emulator: its status and JSON body. */
  async function curl(name: string): Promise<{ status: number; body: unknown }> {
    const command = atPort(snippet(README, `curl ${name}`, 'sh'), served.url);
    expect(command.startsWith('curl '), `the curl ${name} example is one curl command`).toBe(true);
    expect(command.replace(/\\\n/g, ' ')).not.toMatch(/[;&|]|\n/);
    const ran = await runProcess('sh', ['-c', `${command} --write-out '\\n%{http_code}'`]);
    expect(ran.code, ran.stderr).toBe(0);
    const cut = ran.stdout.lastIndexOf('\n');
    const status = Number(ran.stdout.slice(cut + 1));
    const raw = ran.stdout.slice(0, cut);
    expect(status, `${name} answered ${raw}`).toBe(200);
    return { status, body: JSON.parse(raw) };
  }

  const documented = (name: string) => JSON.parse(snippet(README, `answer ${name}`, 'json')) as Record<string, unknown>;

  testWith(curlProblem, 'curl describe answers 200 with the documented describe document', async () => {
    const { body } = await curl('describe');
    const doc = documented('describe');
    expect(shapeProblems(doc, body)).toEqual([]);
    expect(describeDocumentProblems(body)).toEqual([]);
    const answer = body as { region: string; capabilities: unknown; fixtures: Record<string, unknown[]> };
    expect(answer.region).toBe(doc.region);
    expect(answer.capabilities).toEqual(doc.capabilities);
    // The README cuts each fixture list to its first entry: those entries are the emulator's.
    for (const [list, entries] of Object.entries(doc.fixtures as Record<string, unknown[]>)) {
      expect(answer.fixtures[list].slice(0, entries.length), list).toEqual(entries);
    }
  });

  testWith(curlProblem, 'curl public-key answers 200 with a PEM and a JWK of one RSA key', async () => {
    const { body } = await curl('public-key');
    expect(shapeProblems(documented('public-key'), body)).toEqual([]);
    const { pem, jwk } = body as { pem: string; jwk: { kty: string; alg: string } };
    const fromPem = createPublicKey(pem);
    expect(fromPem.asymmetricKeyType).toBe('rsa');
    expect(createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' })).toBe(fromPem.export({ type: 'spki', format: 'pem' }));
    expect(jwk.alg).toBe('PS256');
  });

  testWith(curlProblem, "curl ledger answers 200 with the records of the snippets' caller", async () => {
    const { body } = await curl('ledger');
    expect(shapeProblems(documented('ledger'), body)).toEqual([]);
    const records = (body as { records: { meteringRecordId: string; caller: string }[] }).records;
    expect(recordIds.length).toBeGreaterThan(0);
    expect(records.map((r) => r.meteringRecordId)).toEqual(recordIds);
    expect(new Set(records.map((r) => r.caller))).toEqual(new Set([TEST_CREDENTIALS.accessKeyId]));
  });

  testWith(curlProblem, 'curl clock answers 200 with the moved clock', async () => {
    const before = Date.now();
    const { body } = await curl('clock');
    expect(shapeProblems(documented('clock'), body)).toEqual([]);
    const { nowMs } = body as { nowMs: number };
    // The example advances one caller's clock by an hour.
    expect(nowMs).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
    expect(nowMs).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1_000);
  });

  testWith(curlProblem, "curl throttle answers 200 and throttles the caller's next two requests, then lets it through", async () => {
    const { body } = await curl('throttle');
    expect(body).toEqual(documented('throttle'));
    const caller = (body as { caller: string }).caller;
    const target = createRawTarget({ endpoint: served.url, region: 'us-east-1', credentials: { accessKeyId: caller, secretAccessKey: TEST_CREDENTIALS.secretAccessKey } });
    try {
      const request = { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 1, Timestamp: new Date() };
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await target.call('MeterUsage', request, { singleAttempt: true }));
      expect(answers.map((a) => (a.kind === 'error' ? `${a.status} ${a.errorType}` : `${a.status}`))).toEqual(['400 ThrottlingException', '400 ThrottlingException', '200']);
    } finally {
      await target.close();
    }
  });

  testWith(curlProblem, 'curl reset answers 200 and empties the ledger', async () => {
    const { body } = await curl('reset');
    expect(shapeProblems(documented('reset'), body)).toEqual([]);
    expect((body as { reset: boolean }).reset).toBe(true);
    expect(Math.abs((body as { nowMs: number }).nowMs - Date.now())).toBeLessThan(60_000);
    const ledger = (await (await fetch(`${served.url}${CONTROL_PREFIX}/ledger`)).json()) as { records: unknown[] };
    expect(ledger.records).toEqual([]);
  });

  test('every curl example of the section is one this test runs', () => {
    const names = [...text.matchAll(/<!-- snippet: curl ([\w-]+) -->/g)].map((m) => m[1]);
    expect(names).toEqual([...CURL_EXAMPLES]);
    for (const name of names) expect(() => snippet(README, `answer ${name}`, 'json')).not.toThrow();
  });
});

// -------------------------------------------------------------------------------------------
// target.yaml reference

type SchemaNode = { $ref?: string; type?: string; properties?: Record<string, SchemaNode>; items?: SchemaNode };

function resolveRef(node: SchemaNode): SchemaNode {
  if (node.$ref === undefined) return node;
  const name = node.$ref.replace('#/definitions/', '');
  return (schema.definitions as unknown as Record<string, SchemaNode>)[name];
}

/** Every key path of target.yaml, as the reference table names it: `fixtures.products[].code`. */
function schemaKeyPaths(node: SchemaNode = schema as unknown as SchemaNode, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [key, child] of Object.entries(resolveRef(node).properties ?? {})) {
    const resolved = resolveRef(child);
    const path = `${prefix}${key}`;
    if (resolved.type === 'array' && resolved.items) {
      // A list of mappings is a row of its own plus one per key of an entry; a list of values one row.
      const items = resolveRef(resolved.items);
      if (items.properties) paths.push(`${path}[]`, ...schemaKeyPaths(items, `${path}[].`));
      else paths.push(path);
    } else if (resolved.type === 'object' && resolved.properties) {
      paths.push(...schemaKeyPaths(resolved, `${path}.`));
    } else {
      paths.push(path);
    }
  }
  return paths;
}

interface CatalogueEntry {
  id: string;
  level: string;
}
const catalogue = parse(readFileSync(join(PACKAGE_ROOT, 'specs', 'rules.yaml'), 'utf8')) as CatalogueEntry[];
const ruleIds = new Set(catalogue.map((r) => r.id));

describe('README: target.yaml reference', () => {
  const text = section('target.yaml reference');
  const rows = [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);

  test('has one row for every key of target/target.schema.json, and no other', () => {
    const keys = schemaKeyPaths();
    expect(keys).toContain('fixtures.registrations[].entitlement');
    expect(keys).toContain('capabilities.ledgerRead');
    expect([...rows].sort()).toEqual([...keys].sort());
  });

  test('names only rule ids of the catalogue', () => {
    const named = [...text.matchAll(/`([a-z]+(?:-[a-z]+)*\.[a-z]+(?:-[a-z]+)*)`/g)].map((m) => m[1]).filter((id) => !id.startsWith('fixtures.') && !id.startsWith('capabilities.'));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((id) => !ruleIds.has(id))).toEqual([]);
  });

  for (const [name, kind] of [
    ['target-saas', 'saas'],
    ['target-ami', 'ami'],
  ] as const) {
    test(`the ${kind} example is a complete, valid target.yaml`, () => {
      const yaml = snippet(README, name, 'yaml');
      const doc = parse(yaml) as Record<string, unknown>;
      expect(targetConfigProblems(doc)).toEqual([]);
      const config = parseTargetConfig(yaml, `README ${name}`);
      // Complete: every top-level key and every capability is written out.
      expect(Object.keys(doc).sort()).toEqual(Object.keys(schema.properties).sort());
      expect(Object.keys(doc.capabilities as object).sort()).toEqual(Object.keys(schema.definitions.capabilities.properties).sort());
      expect(config.fixtures.products.map((p) => p.kind)).toContain(kind);
      for (const id of Object.keys(config.promises ?? {})) {
        expect(catalogue.find((r) => r.id === id)?.level, `promise for ${id}`).toBe('implementation-defined');
      }
      if (kind === 'saas') {
        // What the BatchMeterUsage and ResolveCustomer controls need, and references that hold.
        const accounts = new Set(config.fixtures.customers.map((c) => c.accountId));
        const codes = new Set(config.fixtures.products.map((p) => p.code));
        expect(config.fixtures.customers.some((c) => c.subscribed && c.identifier !== undefined && c.licenseArn !== undefined)).toBe(true);
        expect(config.fixtures.customers.some((c) => !c.subscribed)).toBe(true);
        expect(config.fixtures.customers.every((c) => codes.has(c.productCode))).toBe(true);
        expect(new Set(config.fixtures.tokens.map((t) => t.state))).toEqual(new Set(['valid', 'expired']));
        expect(config.fixtures.tokens.every((t) => t.customerAccountId === undefined || accounts.has(t.customerAccountId))).toBe(true);
      }
    });
  }

  test('the schema check can fail: a broken example is refused with its path', () => {
    const broken = snippet(README, 'target-ami', 'yaml').replace('kind: ami', 'kind: vm');
    expect(targetConfigProblems(parse(broken))).toEqual(['fixtures.products[0].kind: must be one of ami, container, saas (got "vm")']);
  });
});

describe('the snippet helpers can fail', () => {
  test('a missing, repeated or mislabelled snippet is an error', () => {
    expect(() => snippet('nothing', 'boto3', 'python')).toThrow('no <!-- snippet: boto3 -->');
    const twice = '<!-- snippet: a -->\n```sh\nx\n```\n<!-- snippet: a -->\n```sh\ny\n```\n';
    expect(() => snippet(twice, 'a', 'sh')).toThrow('more than once');
    expect(() => snippet('<!-- snippet: a -->\n```js\nx\n```\n', 'a', 'sh')).toThrow('not ```sh');
    expect(snippet('<!-- snippet: a -->\n```sh\nline 1\nline 2\n```\n', 'a', 'sh')).toBe('line 1\nline 2');
  });

  test('a different shape is reported: missing, extra and retyped keys, short lists', () => {
    expect(shapeProblems({ a: 1, b: [{ c: 'x' }] }, { a: 1, b: [{ c: 'y' }, { c: 'z' }] })).toEqual([]);
    expect(shapeProblems({ a: 1, b: 'x', d: [1, 2] }, { a: '1', c: true, d: [1] })).toEqual([
      '$.b: documented, missing from the answer',
      '$.c: in the answer, not documented',
      '$.a: documented number, got string',
      '$.d: documented 2 entries, got 1',
    ]);
  });
});
