// One schema for what a target declares: target.yaml (--config) and the describe document a
// target publishes at /__metering-conformance/v1/describe are both checked against
// target/target.schema.json, every problem reported at once with its path, and a broken
// describe document is a configuration error (exit 2) before any rule runs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { ConfigError, loadTargetConfig, parseTargetConfig } from '../target/config.js';
import { CONTROL_PREFIX, EMPTY_FIXTURES, NO_CAPABILITIES } from '../core/description.js';
import { probeTarget, resolveTarget } from '../target/resolve.js';
import { describeDocumentProblems, targetConfigProblems } from '../target/target-schema.js';
import { runCli, tempDir } from './support/cli.js';

const SCHEMA_PATH = join(PACKAGE_ROOT, 'target', 'target.schema.json');
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as {
  properties: Record<string, unknown>;
  definitions: Record<string, { properties?: Record<string, unknown> }>;
};

/** The error a parse throws, or a test failure when there is none. */
function configError(text: string): ConfigError {
  try {
    parseTargetConfig(text, 't.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const FULL_CONFIG = `
endpoint: http://127.0.0.1:5055
region: eu-central-1
fixtures:
  products:
    - { code: p-ami, kind: ami, dimensions: [Hours, Users] }
    - { code: p-container, kind: container, dimensions: [Tasks] }
    - { code: p-saas, kind: saas, dimensions: [Requests] }
    - { code: p-unentitled, kind: ami, dimensions: [Hours], entitled: false }
  customers:
    - identifier: legacy-1
      accountId: "111122223333"
      productCode: p-saas
      licenseArn: arn:aws:license-manager::111122223333:license:l-0a1b2c3d4e5f60718293a4b5c6d7e8f9
      subscribed: true
    - { accountId: "444455556666", productCode: p-saas, subscribed: false }
  tokens:
    - { token: t-valid, state: valid, customerAccountId: "111122223333" }
    - { token: t-expired, state: expired }
  registrations:
    - { productCode: p-container, publicKeyVersions: [1, 2], entitlement: entitled }
    - { productCode: p-ami, publicKeyVersions: [1], entitlement: not-entitled }
    - { productCode: p-saas, publicKeyVersions: [3], entitlement: platform-not-supported }
  otherRegions:
    - { region: us-west-2 }
    - { region: eu-west-3, disabledApis: [BatchMeterUsage, ResolveCustomer] }
capabilities:
  callerIsolation: true
  clockControl: true
  reset: false
  ledgerRead: true
  tokenIssue: true
  throttle: true
promises:
  meter-usage.identical-retry: the first MeteringRecordId
`;

describe('target/target.schema.json', () => {
  test('declares exactly the fixture kinds and capabilities the harness knows', () => {
    expect(Object.keys(schema.definitions.fixtures.properties!).sort()).toEqual(Object.keys(EMPTY_FIXTURES).sort());
    expect(Object.keys(schema.definitions.capabilities.properties!).sort()).toEqual(Object.keys(NO_CAPABILITIES).sort());
    expect(Object.keys(schema.properties).sort()).toEqual(['caFile', 'callers', 'capabilities', 'controlToken', 'endpoint', 'fixtures', 'promises', 'region']);
  });

  test('every property has a description (editor completion)', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      for (const [key, child] of Object.entries((n.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (typeof child.description !== 'string' && typeof child.$ref !== 'string') missing.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      for (const [key, child] of Object.entries((n.definitions ?? {}) as Record<string, Record<string, unknown>>)) {
        if (typeof child.description !== 'string') missing.push(`definitions.${key}`);
        walk(child, `definitions.${key}`);
      }
    };
    walk(schema, '');
    expect(missing).toEqual([]);
  });

  test('ships in the package at target/target.schema.json', () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(manifest.files).toContain('target/target.schema.json');
    expect(existsSync(SCHEMA_PATH)).toBe(true);
  });
});

describe('target.yaml', () => {
  test('every key of every fixture kind, every capability, endpoint, region and promises is accepted', () => {
    const config = parseTargetConfig(FULL_CONFIG, 't.yaml');
    expect(config.endpoint).toBe('http://127.0.0.1:5055');
    expect(config.region).toBe('eu-central-1');
    expect(config.capabilities).toEqual({ callerIsolation: true, clockControl: true, reset: false, ledgerRead: true, tokenIssue: true, throttle: true });
    expect(config.fixtures.products.map((p) => p.kind)).toEqual(['ami', 'container', 'saas', 'ami']);
    expect(config.fixtures.products[3].entitled).toBe(false);
    expect(config.fixtures.otherRegions).toEqual([{ region: 'us-west-2' }, { region: 'eu-west-3', disabledApis: ['BatchMeterUsage', 'ResolveCustomer'] }]);
    expect(config.fixtures.customers[0]).toEqual({
      identifier: 'legacy-1',
      accountId: '111122223333',
      productCode: 'p-saas',
      licenseArn: 'arn:aws:license-manager::111122223333:license:l-0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      subscribed: true,
    });
    expect(config.fixtures.tokens.map((t) => t.state)).toEqual(['valid', 'expired']);
    expect(config.fixtures.registrations.map((r) => r.entitlement)).toEqual(['entitled', 'not-entitled', 'platform-not-supported']);
    expect(config.promises).toEqual({ 'meter-usage.identical-retry': 'the first MeteringRecordId' });
  });

  test('an empty file and absent sections give empty fixtures and no capabilities', () => {
    expect(parseTargetConfig('', 't.yaml')).toEqual({ fixtures: EMPTY_FIXTURES, capabilities: NO_CAPABILITIES });
    expect(parseTargetConfig('fixtures: {}\ncapabilities: {}\n', 't.yaml')).toEqual({ fixtures: EMPTY_FIXTURES, capabilities: NO_CAPABILITIES });
  });

  test('several problems are reported at once, each with its path, on one line', () => {
    const error = configError(
      [
        'regoin: us-east-1',
        'fixtures:',
        '  products:',
        '    - { code: p, kind: ami, dimensions: [] }',
        '    - { code: q, kind: ami }',
        '  customers:',
        '    - { accountId: 111122223333, productCode: p, subscribed: true }',
        '  licenses: []',
        'capabilities:',
        '  reset: yes',
        '  timeTravel: true',
        'promises:',
        '  meter-usage.identical-retry: 5',
        '',
      ].join('\n'),
    );
    expect(error.message).not.toContain('\n');
    expect(error.message.split('; ').sort()).toEqual(
      [
        't.yaml: regoin: unknown key (allowed: endpoint, region, fixtures, capabilities, controlToken, caFile, callers, promises)',
        'fixtures.licenses: unknown key (allowed: products, customers, tokens, registrations, otherRegions)',
        'fixtures.products[0].dimensions: must list at least 1 item',
        'fixtures.products[1].dimensions: is required (missing)',
        'fixtures.customers[0].accountId: must be a string (got the number 111122223333, write it in quotes)',
        'capabilities.timeTravel: unknown key (allowed: callerIsolation, clockControl, reset, ledgerRead, tokenIssue, throttle)',
        'capabilities.reset: must be true or false or a mapping (got the string "yes")',
        'promises["meter-usage.identical-retry"]: must be a string (got the number 5, write it in quotes)',
      ].sort(),
    );
  });

  test('a caller names a profile, or the variables of its keys: one or the other', () => {
    const callers = 'callers:\n  - { profile: dev }\n  - { accessKeyIdVariable: B_KEY, secretAccessKeyVariable: B_SECRET, sessionTokenVariable: B_TOKEN }\n';
    expect(parseTargetConfig(callers, 't.yaml').callers).toEqual([{ profile: 'dev' }, { accessKeyIdVariable: 'B_KEY', secretAccessKeyVariable: 'B_SECRET', sessionTokenVariable: 'B_TOKEN' }]);
    const oneOrTheOther = (i: number) => `callers[${i}]: name a profile, or accessKeyIdVariable and secretAccessKeyVariable (with sessionTokenVariable if need be), not both`;
    expect(configError('callers:\n  - { profile: dev, accessKeyIdVariable: K, secretAccessKeyVariable: S }\n  - { accessKeyIdVariable: K }\n  - {}\n').message).toBe(
      `t.yaml: ${[0, 1, 2].map(oneOrTheOther).join('; ')}`,
    );
    expect(configError('callers:\n  - { profil: dev }\n').message).toBe('t.yaml: callers[0].profil: unknown key (allowed: profile, accessKeyIdVariable, secretAccessKeyVariable, sessionTokenVariable)');
    expect(configError('callers:\n  - { accessKeyIdVariable: "$KEY", secretAccessKeyVariable: S }\n').message).toMatch(/^t\.yaml: callers\[0\]\.accessKeyIdVariable: must match /);
  });

  test("a clock request of the target's own control plane says where the instant goes", () => {
    const clock = 'capabilities:\n  clockControl: { method: POST, path: /admin/clock, body: { now: "{{iso}}", at: "{{epochSeconds}}" } }\n';
    expect(parseTargetConfig(clock, 't.yaml').capabilities.clockControl).toEqual({ method: 'POST', path: '/admin/clock', body: { now: '{{iso}}', at: '{{epochSeconds}}' } });
    expect(configError('capabilities:\n  clockControl: { method: POST, path: /admin/clock }\n').message).toBe(
      't.yaml: capabilities.clockControl: say where the instant goes: {{epochSeconds}}, {{epochMillis}}, {{iso}} in the path or the body',
    );
    expect(configError('capabilities:\n  clockControl: { path: /admin/clock }\n').message).toBe('t.yaml: capabilities.clockControl.method: is required (missing)');
  });

  test('an enum problem lists the allowed values and the value found', () => {
    expect(configError('fixtures:\n  products:\n    - { code: p, kind: foo, dimensions: [Hours] }\n').message).toBe(
      't.yaml: fixtures.products[0].kind: must be one of ami, container, saas (got "foo")',
    );
    expect(configError('fixtures:\n  tokens:\n    - { token: t, state: revoked }\n  registrations:\n    - { productCode: p, publicKeyVersions: [0], entitlement: 7 }\n').message).toBe(
      't.yaml: fixtures.tokens[0].state: must be one of valid, expired (got "revoked"); ' +
        'fixtures.registrations[0].publicKeyVersions[0]: must be at least 1 (got 0); ' +
        'fixtures.registrations[0].entitlement: must be one of entitled, not-entitled, platform-not-supported (got 7)',
    );
  });

  test('wrong shapes name the kind of value found', () => {
    expect(configError('fixtures:\n  products: x\n').message).toBe('t.yaml: fixtures.products: must be a list (got a string)');
    expect(configError('- region: us-east-1\n').message).toBe('t.yaml: top level: must be a mapping (got a list)');
    expect(configError('region: US East\n').message).toBe('t.yaml: region: must match ^[a-z0-9-]+$ (got "US East")');
  });

  test('a long list of problems is cut to 20, with the count of the rest', () => {
    const products = Array.from({ length: 25 }, (_, i) => `    - { code: p${i}, kind: bad, dimensions: [D] }`).join('\n');
    const problems = configError(`fixtures:\n  products:\n${products}\n`).message.split('; ');
    expect(problems).toHaveLength(21);
    expect(problems[20]).toBe('… and 5 more');
  });

  test('a reset described as a request: the alternative of its kind is checked, and only that one is named', () => {
    const reset = (yaml: string) => parseTargetConfig(`capabilities:\n  reset: ${yaml}\n`, 't.yaml').capabilities.reset;
    expect(reset('{ method: POST, path: /moto-api/reset }')).toEqual({ method: 'POST', path: '/moto-api/reset' });
    expect(reset('{ method: PUT, path: /r?all=1, body: { all: true }, headers: { X-Key: k } }')).toEqual({ method: 'PUT', path: '/r?all=1', body: { all: true }, headers: { 'X-Key': 'k' } });
    expect(configError('capabilities:\n  reset: { method: POST }\n').message).toBe('t.yaml: capabilities.reset.path: is required (missing)');
    // A wrong value inside the request is named where it is, not as the wrong kind of reset.
    expect(configError('capabilities:\n  reset: { method: POST, path: 5 }\n').message).toBe('t.yaml: capabilities.reset.path: must be a string (got the number 5, write it in quotes)');
    // A path is below the endpoint: never another host.
    expect(configError('capabilities:\n  reset: { method: POST, path: //evil.example/reset }\n').message).toMatch(/^t\.yaml: capabilities\.reset\.path: must match /);
    expect(configError('capabilities:\n  reset: { method: PATCH, path: /r }\n').message).toBe('t.yaml: capabilities.reset.method: must be one of GET, POST, PUT, DELETE (got "PATCH")');
  });

  test('loadTargetConfig names the file; a file it cannot read is a ConfigError too', () => {
    const dir = tempDir();
    const file = join(dir, 'target.yaml');
    writeFileSync(file, 'capabilities:\n  reset: 1\n');
    expect(() => loadTargetConfig(file)).toThrow(new ConfigError(`${file}: capabilities.reset: must be true or false or a mapping (got the number 1)`));
    expect(() => loadTargetConfig(join(dir, 'missing.yaml'))).toThrow(new ConfigError(`cannot read target config ${join(dir, 'missing.yaml')}: ENOENT`));
  });
});

describe('the describe document', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.close();
  });

  test("the reference emulator's published document validates, and probeTarget takes it", async () => {
    const published = (await (await fetch(`${emulator.url}${CONTROL_PREFIX}/describe`)).json()) as Record<string, unknown>;
    expect(Object.keys(published).sort()).toEqual(['capabilities', 'clock', 'faults', 'fixtures', 'model', 'region', 'stats']);
    expect(describeDocumentProblems(published)).toEqual([]);
    const probe = await probeTarget(new URL(emulator.url));
    expect(probe.published?.fixtures).toEqual(emulator.describe().fixtures);
  });

  test('is the schema of target.yaml: the same fixtures and capabilities, plus region, clock and informational keys', () => {
    const config = { region: 'us-east-1', fixtures: { products: [{ code: 'p', kind: 'ami', dimensions: ['H'] }] }, capabilities: { reset: true } };
    expect(targetConfigProblems(config)).toEqual([]);
    expect(describeDocumentProblems({ ...config, clock: { nowMs: 1 }, model: 'x', faults: [], stats: {} })).toEqual([]);
    expect(describeDocumentProblems({ region: 'us-east-1' })).toEqual(['fixtures: is required (missing)', 'capabilities: is required (missing)']);
    expect(describeDocumentProblems({ ...config, fixtures: { products: [{ code: 'p', kind: 'vm', dimensions: ['H'] }] }, clock: { nowMs: '1' } })).toEqual([
      'fixtures.products[0].kind: must be one of ami, container, saas (got "vm")',
      'clock.nowMs: must be a number (got the string "1")',
    ]);
    // target.yaml forbids the describe document's own keys.
    expect(targetConfigProblems({ ...config, clock: { nowMs: 1 } })).toEqual(['clock: unknown key (allowed: endpoint, region, fixtures, capabilities, controlToken, caFile, callers, promises)']);
  });
});

describe('a target whose describe document breaks the schema', () => {
  const HOSTILE = { region: 'us-east-1', fixtures: { products: 'x' }, capabilities: { callerIsolation: true } };
  const MESSAGE = "the target's describe document (GET /__metering-conformance/v1/describe) is invalid: fixtures.products: must be a list (got a string)";

  interface DescribeServer {
    url: string;
    /** Requests other than the describe probe (metering requests the rules would send). */
    other: number;
    close(): Promise<void>;
  }

  /** Answers GET describe with `status` and `body`; anything else with an awsJson error. */
  async function describeServer(status: number, body: string): Promise<DescribeServer> {
    const state = { other: 0 };
    const server: Server = createServer((req, res) => {
      req.resume();
      if (req.url === `${CONTROL_PREFIX}/describe`) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      state.other++;
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'ValidationException', message: 'no' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    return {
      url: `http://127.0.0.1:${port}`,
      get other() {
        return state.other;
      },
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  test('probeTarget and resolveTarget throw a ConfigError naming the path', async () => {
    const server = await describeServer(200, JSON.stringify(HOSTILE));
    try {
      await expect(probeTarget(new URL(server.url))).rejects.toThrow(new ConfigError(MESSAGE));
      await expect(resolveTarget({ endpoint: server.url, env: {} })).rejects.toThrow(new ConfigError(MESSAGE));
      expect(server.other).toBe(0);
    } finally {
      await server.close();
    }
  });

  test('every problem of the document is named', async () => {
    const doc = { region: 'US EAST', fixtures: { products: [{ code: 'p', kind: 'ami' }], tokens: 'none' }, capabilities: { reset: 'yes' } };
    const server = await describeServer(200, JSON.stringify(doc));
    try {
      await expect(probeTarget(new URL(server.url))).rejects.toThrow(
        new ConfigError(
          "the target's describe document (GET /__metering-conformance/v1/describe) is invalid: " +
            'region: must match ^[a-z0-9-]+$ (got "US EAST"); ' +
            'fixtures.products[0].dimensions: is required (missing); ' +
            'fixtures.tokens: must be a list (got a string); ' +
            'capabilities.reset: must be true or false or a mapping (got the string "yes")',
        ),
      );
    } finally {
      await server.close();
    }
  });

  test.each([
    ['a 404', 404, JSON.stringify(HOSTILE)],
    ['an answer that is not JSON', 200, '<html>hello</html>'],
    ['JSON that is not a describe document', 200, JSON.stringify({ hello: 'world', fixture: 1 })],
    ['a JSON list', 200, JSON.stringify([HOSTILE])],
  ])('%s stays "no description", as before', async (_name, status, body) => {
    const server = await describeServer(status, body);
    try {
      expect(await probeTarget(new URL(server.url))).toEqual({ clockOffsetMs: 0 });
    } finally {
      await server.close();
    }
  });

  test('the command exits 2 with one line naming fixtures.products, and writes no report', async () => {
    const server = await describeServer(200, JSON.stringify(HOSTILE));
    const out = join(tempDir(), 'report');
    try {
      const result = await runCli(['run', '--endpoint', server.url, '--rules', 'meter-usage.accepts-valid', '--out', out]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`metering-conformance: ${MESSAGE}\n`);
      expect(existsSync(join(out, 'report.json'))).toBe(false);
      expect(server.other).toBe(0);
    } finally {
      await server.close();
    }
  });
});
