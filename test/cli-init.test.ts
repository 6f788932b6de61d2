// `metering-conformance init`, in-process against loopback targets: the reference emulator (its
// describe document becomes the file), moto (python3 -m moto.server; without it the test is
// skipped with the reason, except under CI=true, where it fails) and a plain HTTP server that
// answers no awsJson (exit 2, no file). Every file written loads with run's config loader.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { catalogueFor } from '../catalogue/catalogue.js';
import { FIXTURE_NEED_SPECS } from '../catalogue/needs.js';
import { CAPABILITY_NEEDS, FIXTURE_NEEDS } from '../catalogue/rules.js';
import { FIXTURE_EXAMPLES, targetSkeleton } from '../cli/target-skeleton.js';
import { EMPTY_FIXTURES, NO_CAPABILITIES, TEST_CREDENTIALS } from '../core/description.js';
import { loadModel } from '../core/model.js';
import { OPERATIONS } from '../core/vocabulary.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { loadTargetConfig, normalizeFixtures, parseTargetConfig } from '../target/config.js';
import type { TargetSurvey } from '../target/survey.js';
import { freePort, motoVersion, startMoto } from '../bench/moto.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { mainInProcess as cli, readReport, runCli, tempDir } from './support/cli.js';

const CI = process.env.CI === 'true';

/** The file's comments as one line of prose, so a phrase can be found wherever the comment wrapped. */
const prose = (text: string) => text.replace(/\n\s*#\s*/g, ' ');

describe('init against the reference emulator', () => {
  let emulator: RunningEmulator;
  let ledgerFile: string;
  beforeAll(async () => {
    // A persisted ledger shows what init recorded: it must stay empty.
    ledgerFile = join(tempDir(), 'ledger.jsonl');
    emulator = await startEmulator({ dataFile: ledgerFile });
  });
  afterAll(() => emulator.close());

  test('writes the published region, fixtures and capabilities, says so, and records nothing', async () => {
    const file = join(tempDir(), 'target.yaml');
    expect(await cli(['init', '--endpoint', emulator.url, '--out', file])).toEqual({
      code: 0,
      stdout: `wrote ${file}: reference emulator (describe document); 0 keys to fill\n`,
      stderr: '',
    });
    const published = emulator.describe();
    const config = loadTargetConfig(file);
    expect(config.endpoint).toBe(emulator.url);
    expect(config.region).toBe(published.region);
    expect(config.fixtures).toEqual(normalizeFixtures(published.fixtures));
    expect(config.capabilities).toEqual(published.capabilities);
    const text = readFileSync(file, 'utf8');
    expect(prose(text)).toContain(`\`metering-conformance run --endpoint ${emulator.url}\` alone already uses them`);
    expect(text).toContain('Nothing to fill');
    expect(text).not.toContain('TO FILL');
    expect(existsSync(ledgerFile) ? readFileSync(ledgerFile, 'utf8') : '').toBe('');
  });

  test('refuses to overwrite a file without --force (exit 2, one line, nothing probed), overwrites it with --force', async () => {
    const file = join(tempDir(), 'target.yaml');
    writeFileSync(file, 'region: eu-west-1\n');
    const before = emulator.describe().stats.requests;
    expect(await cli(['init', '--endpoint', emulator.url, '--out', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `metering-conformance: init: ${file} already exists; pass --force to overwrite it\n`,
    });
    expect(emulator.describe().stats.requests).toBe(before);
    expect(readFileSync(file, 'utf8')).toBe('region: eu-west-1\n');
    const forced = await cli(['init', '--endpoint', emulator.url, '--out', file, '--force']);
    expect([forced.code, forced.stderr]).toEqual([0, '']);
    expect(loadTargetConfig(file).fixtures.products.length).toBeGreaterThan(0);
  });
});

describe('init: bad input is one line on stderr, exit 2, and no file', () => {
  let plain: Server;
  let plainUrl: string;
  beforeAll(async () => {
    // A web server, not a metering service: every request gets a page.
    plain = createHttpServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>hello</body></html>'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => plain.close(() => resolve())));

  async function refused(args: string[]): Promise<string> {
    const file = join(tempDir(), 'target.yaml');
    const result = await cli(['init', ...args, '--out', file]);
    expect([result.code, result.stdout, existsSync(file)]).toEqual([2, '', false]);
    expect(result.stderr.split('\n')).toHaveLength(2);
    return result.stderr;
  }

  test('a plain HTTP server that answers no awsJson', async () => {
    expect(await refused(['--endpoint', plainUrl])).toBe(
      `metering-conformance: no awsJson metering service answered at ${plainUrl}: answered HTTP 200 with a body that is not a JSON object: <html><body>hello</body></html> (all 4 operations)\n`,
    );
  });

  test('no --endpoint, a bad URL, an unreachable endpoint, the real service', async () => {
    expect(await refused([])).toBe('metering-conformance: init: needs --endpoint URL (see metering-conformance init --help)\n');
    expect(await refused(['--endpoint', 'nope'])).toBe('metering-conformance: endpoint "nope" is not a valid URL (expected e.g. http://127.0.0.1:5055)\n');
    const port = await freePort();
    expect(await refused(['--endpoint', `http://127.0.0.1:${port}`])).toBe(`metering-conformance: cannot reach endpoint http://127.0.0.1:${port}: connection refused\n`);
    // Refused before any connection is opened, as run refuses it.
    expect(await refused(['--endpoint', 'https://metering.marketplace.us-east-1.amazonaws.com'])).toMatch(/belongs to the real AWS service .* pass --allow-real-service/);
  });
});

// moto 5.2.1 implements BatchMeterUsage only: the other operations answer an HTML 500.
const motoProbe = motoVersion();
const motoMissing = 'missing' in motoProbe ? motoProbe.missing : undefined;
if (motoMissing !== undefined && !CI) console.warn(`cli-init: ${motoMissing}; skipping the moto test (under CI=true it fails)`);

describe.skipIf(motoMissing !== undefined && !CI)('init against moto', () => {
  test('notes moto and what it offers; BatchMeterUsage answers, the other operations are noted unimplemented', async () => {
    if (motoMissing !== undefined) throw new Error(`${motoMissing}; CI=true: the moto test must run (pip install 'moto[server]==5.2.1')`);
    const moto = await startMoto();
    try {
      const file = join(tempDir(), 'target.yaml');
      const result = await cli(['init', '--endpoint', moto.url, '--out', file]);
      expect([result.code, result.stderr]).toEqual([0, '']);
      expect(result.stdout).toMatch(
        new RegExp(`^wrote ${file}: moto suspected \\(GET /moto-api/data.json answered\\); no awsJson answer from MeterUsage, RegisterUsage, ResolveCustomer; \\d+ keys? to fill, unlocking \\d+ rules?\\n$`),
      );
      const config = loadTargetConfig(file);
      expect(config.fixtures).toEqual(normalizeFixtures(undefined));
      // moto's own reset gives each property run a clean ledger; init names it and never sends it.
      expect(config.capabilities).toEqual({ ...NO_CAPABILITIES, reset: { method: 'POST', path: '/moto-api/reset' } });
      const text = readFileSync(file, 'utf8');
      expect(prose(text)).toContain("moto's own reset (init never sent it)");
      expect(prose(text)).toContain('What moto 5.2.1 offers: BatchMeterUsage only');
      expect(text).toMatch(/#\s+BatchMeterUsage\s+HTTP 200\n/);
      expect(text).toMatch(/#\s+ResolveCustomer\s+no awsJson answer \(as MeterUsage\): its rules are not-applicable/);
      expect(prose(text)).toMatch(/fixtures\.customers \(subscribed: true\): \d+ rules need it, but moto 5\.2\.1 has no way to subscribe a customer in server mode/);
      expect(text).not.toContain('capabilities.callerIsolation or capabilities.reset');
    } finally {
      await moto.stop();
    }
  }, 90_000);

  test('run with examples/moto/target.yaml: completes, resets before each property run, and fails only BatchMeterUsage rules', async () => {
    if (motoMissing !== undefined) throw new Error(`${motoMissing}; CI=true: the moto test must run (pip install 'moto[server]==5.2.1')`);
    const moto = await startMoto();
    try {
      const out = tempDir();
      const result = await runCli(['run', '--config', join(PACKAGE_ROOT, 'examples', 'moto', 'target.yaml'), '--endpoint', moto.url, '--seed', '1', '--runs', '5', '--out', out], { timeoutMs: 240_000 });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain('note: the target has no caller isolation: each property run starts with its reset, one property run at a time');
      const report = readReport(out);
      const reasons = new Set(report.rules.filter((r) => r.verdict === 'not-applicable').map((r) => r.reason!.split(':')[0].split(',')[0]));
      // Nothing waits for a clean ledger: the reset gives one. What is left is what moto lacks.
      expect([...reasons].sort()).toEqual([
        'needs a subscribed customer',
        'needs a subscribed customer with a legacy CustomerIdentifier',
        'needs an AMI or container product with at least one dimension',
        'the target does not implement MeterUsage',
        'the target does not implement RegisterUsage',
        'the target does not implement ResolveCustomer',
      ]);
      const failed = report.rules.filter((r) => r.verdict === 'fail');
      expect(failed.length).toBeGreaterThan(20);
      const catalogue = new Map(catalogueFor(loadModel()).map((r) => [r.id, r]));
      for (const rule of failed) {
        expect(catalogue.get(rule.id)!.operations, rule.id).toContain('BatchMeterUsage');
        // The counterexample's transcript opens with moto's reset, as the script replays it.
        expect(rule.failure!.transcript?.[0], rule.id).toMatchObject({ label: 'control: reset', request: { method: 'POST', url: `${moto.url}/moto-api/reset` }, response: { status: 200 } });
        expect(rule.failure!.script, rule.id).toContain(`curl -sS -i -X POST '${moto.url}/moto-api/reset'`);
      }
    } finally {
      await moto.stop();
    }
  }, 300_000);
});

describe('the skeleton', () => {
  const rules = catalogueFor(loadModel());
  /** A target that answers awsJson to every operation and publishes nothing. */
  const bare: TargetSurvey = {
    description: { endpoint: 'http://127.0.0.1:8080', region: 'us-east-1', label: 'bare', credentials: TEST_CREDENTIALS, fixtures: EMPTY_FIXTURES, capabilities: NO_CAPABILITIES },
    publishes: false,
    moto: false,
    realService: false,
    answers: OPERATIONS.map((operation) => ({ operation, awsJson: true, detail: 'HTTP 400 InvalidProductCodeException' })),
  };

  test('of a target that publishes nothing validates as written, one TO FILL comment per key to fill', () => {
    const skeleton = targetSkeleton(bare, rules, 'target.yaml');
    const config = parseTargetConfig(skeleton.text, 'target.yaml');
    expect(config.fixtures).toEqual(normalizeFixtures(undefined));
    expect(skeleton.text.match(/# TO FILL /g)).toHaveLength(skeleton.keysToFill);
    // Every fixture key and every capability need (a clean ledger is one, from either of two keys).
    expect(skeleton.keysToFill).toBe(new Set(FIXTURE_NEEDS.map((need) => FIXTURE_NEED_SPECS[need].key)).size + CAPABILITY_NEEDS.length);
    expect(prose(skeleton.text)).toMatch(
      /TO FILL capabilities\.callerIsolation or capabilities\.reset: a clean ledger for every property run \(.*\): callerIsolation: true when every access key id is its own caller, or reset: the request that resets the target, e\.g\. \{ method: POST, path: \/admin\/reset \}\. \d+ rules need it/,
    );
    expect(prose(skeleton.text)).toContain(
      'TO FILL fixtures.tokens (state expired): an expired registration token. 1 rule needs it (resolve-customer.expired-token). - { token: my-expired-registration-token, state: expired, ',
    );
  });

  test('only operations that answered count: their rules are what the keys unlock', () => {
    const batchOnly = { ...bare, answers: bare.answers.map((a) => (a.operation === 'BatchMeterUsage' ? a : { ...a, awsJson: false, detail: 'HTTP 404 (text/plain): not found' })) };
    const skeleton = targetSkeleton(batchOnly, rules, 'target.yaml');
    expect(skeleton.text).not.toMatch(/TO FILL fixtures\.(tokens|registrations)/);
    expect(skeleton.text).toMatch(/#\s+RegisterUsage\s+no awsJson answer \(as MeterUsage\)/);
    expect(skeleton.rulesUnlocked).toBeLessThan(targetSkeleton(bare, rules, 'target.yaml').rulesUnlocked);
  });

  test('the examples, uncommented together, validate and declare every fixture need', () => {
    const fixtures: Record<string, object[]> = {};
    for (const need of FIXTURE_NEEDS) {
      const section = /^fixtures\.(\w+)/.exec(FIXTURE_NEED_SPECS[need].key)![1];
      fixtures[section] = [...(fixtures[section] ?? []), FIXTURE_EXAMPLES[need]];
    }
    const config = parseTargetConfig(JSON.stringify({ fixtures }), 'examples');
    const rulesByNeed = (need: (typeof FIXTURE_NEEDS)[number]) => rules.filter((rule) => rule.needs.fixtures?.includes(need));
    for (const need of FIXTURE_NEEDS) {
      expect(rulesByNeed(need).length, need).toBeGreaterThan(0);
      expect(rulesByNeed(need).every((rule) => FIXTURE_NEED_SPECS[need].present(config.fixtures, rule)), need).toBe(true);
    }
  });
});
