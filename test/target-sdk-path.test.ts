// `run --driver sdk --sdk PATH`: the sdk driver calls through the client module of a folder
// (a local build or an unpacked tarball) instead of the installed one; its typed exception
// classes are the ones judged with instanceof; a bad path is a one-line error before the run;
// the report names the client the calls went through.
import * as Installed from '@aws-sdk/client-marketplace-metering';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { PACKAGE_ROOT, packageVersion } from '../core/paths.js';
import { UsageError } from '../cli/args.js';
import { main } from '../cli/main.js';
import { planRun, replayArgs, validateSdkPath } from '../plan/run-plan.js';
import { clientInfo } from '../plan/target.js';
import { reporterOptions } from '../plan/vitest-options.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { renderHtml } from '../reports/html.js';
import { mergeReports } from '../reports/merge.js';
import { renderSummaryMarkdown } from '../reports/summary.js';
import type { Report } from '../reports/types.js';
import { validateReport } from '../reports/validate.js';
import { ConfigError } from '../target/config.js';
import { TEST_CREDENTIALS, type TargetDescription } from '../core/description.js';
import { createSdkTarget } from '../target/sdk-driver.js';
import { installedSdkInfo, loadSdk, SDK_PACKAGE } from '../target/sdk-load.js';
import type { Outcome } from '../target/types.js';
import { sampleReport } from './reports-fixtures.js';

const INSTALLED = dirname(createRequire(join(PACKAGE_ROOT, 'package.json')).resolve(`${SDK_PACKAGE}/package.json`));
const VERSION = (JSON.parse(readFileSync(join(INSTALLED, 'package.json'), 'utf8')) as { version: string }).version;

let emulator: RunningEmulator;
let work: string;
/** A copy of the installed client without node_modules: its dependencies come from the tool's. */
let copy: string;
/** The same copy with a broken error deserializer: every modeled exception loses its name. */
let broken: string;

function copyClient(to: string): string {
  cpSync(INSTALLED, to, { recursive: true, filter: (source) => !source.includes(`${INSTALLED}/node_modules`) });
  return to;
}

beforeAll(async () => {
  emulator = await startEmulator();
  work = mkdtempSync(join(tmpdir(), 'sdk-path-'));
  copy = copyClient(join(work, 'client-copy'));
  broken = copyClient(join(work, 'client-broken'));
  const entry = join(broken, 'dist-cjs', 'index.js');
  const source = readFileSync(entry, 'utf8');
  // Each exception class declares `name = "XException";`, which wins over what the error
  // deserializer passed in: make that the generic name, as a deserializer that drops it would.
  const patched = source.replace(/^( {4}name = )"\w+Exception";$/gm, '$1"Error";');
  expect(patched).not.toBe(source);
  writeFileSync(entry, patched);
});

afterAll(async () => {
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
});

function description(): TargetDescription {
  return {
    endpoint: emulator.url,
    region: 'us-east-1',
    label: 'test',
    credentials: TEST_CREDENTIALS,
    fixtures: { products: [], customers: [], tokens: [], registrations: [] },
    capabilities: { callerIsolation: true, clockControl: false, reset: false, ledgerRead: false },
  };
}

const fresh = () => ({ accessKeyId: `AKSP${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey });
const VALID = { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 1, Timestamp: new Date(Date.now() - 60_000) };
const UNKNOWN_PRODUCT = { ...VALID, ProductCode: 'no-such-product' };
const answer = (o: Outcome) => (o.kind === 'error' ? `${o.status} ${o.errorType}` : `${o.status}`);

/** The answers to a valid and an invalid MeterUsage through the client at `path` (installed when undefined). */
async function meterUsage(path: string | undefined): Promise<string[]> {
  const target = createSdkTarget(description(), path === undefined ? {} : { sdk: loadSdk(path).module });
  try {
    return [answer(await target.call('MeterUsage', VALID, { credentials: fresh() })), answer(await target.call('MeterUsage', UNKNOWN_PRODUCT, { credentials: fresh() }))];
  } finally {
    await target.close();
  }
}

describe('the sdk driver with a client folder', () => {
  test('a copy of the installed client without node_modules loads, resolving its dependencies from the tool, and is judged as the installed one', async () => {
    const loaded = loadSdk(copy);
    expect(loaded.info).toEqual({ name: SDK_PACKAGE, version: VERSION, location: copy });
    // Its own module, not the installed one through a cache.
    expect(loaded.module.MarketplaceMeteringClient).not.toBe(Installed.MarketplaceMeteringClient);
    expect(loadSdk(copy)).toBe(loaded);
    expect(await meterUsage(copy)).toEqual(['200', '400 InvalidProductCodeException']);
    expect(await meterUsage(undefined)).toEqual(['200', '400 InvalidProductCodeException']);
  });

  test('a copy whose error deserializer drops the exception name answers what a rule expecting the typed exception fails', async () => {
    expect(await meterUsage(broken)).toEqual(['200', '400 Error']);
  });

  test('instanceof judges with the loaded module: its errors come from its own classes, and its exported classes are the ones judged', async () => {
    const { module } = loadSdk(copy);
    const client = new module.MarketplaceMeteringClient({ endpoint: emulator.url, region: 'us-east-1', credentials: fresh(), maxAttempts: 1 });
    let error: unknown;
    try {
      error = await client.send(new module.MeterUsageCommand(UNKNOWN_PRODUCT)).then(
        () => undefined,
        (e: unknown) => e,
      );
    } finally {
      client.destroy();
    }
    // The copy threw its own class, not the installed one. (@smithy's ServiceException makes
    // instanceof match across copies of a client by shape id, so the installed class still
    // claims it: `instanceof` alone cannot tell the copies apart.)
    expect([
      Object.getPrototypeOf(error) === module.InvalidProductCodeException.prototype,
      Object.getPrototypeOf(error) === Installed.InvalidProductCodeException.prototype,
      error instanceof module.InvalidProductCodeException,
      error instanceof Installed.InvalidProductCodeException,
    ]).toEqual([true, false, true, true]);

    // A copy that exports a class its deserializer never throws (an application's
    // `instanceof InvalidProductCodeException` misses every such error): judged with the copy's
    // classes, the driver reports it; judged with the installed classes, it would pass.
    const mismatched = copyClient(join(work, 'client-mismatched-export'));
    const entry = join(mismatched, 'dist-cjs', 'index.js');
    const source = readFileSync(entry, 'utf8');
    const line = 'exports.InvalidProductCodeException = InvalidProductCodeException;';
    expect(source).toContain(line);
    writeFileSync(entry, source.replace(line, 'exports.InvalidProductCodeException = class InvalidProductCodeException extends Error {};'));
    const loaded = loadSdk(mismatched).module;
    const withCopyClasses = createSdkTarget(description(), { sdk: loaded });
    const withInstalledClasses = createSdkTarget(description(), { sdk: { ...loaded, InvalidProductCodeException: Installed.InvalidProductCodeException } });
    try {
      expect([
        answer(await withCopyClasses.call('MeterUsage', UNKNOWN_PRODUCT, { credentials: fresh() })),
        answer(await withInstalledClasses.call('MeterUsage', UNKNOWN_PRODUCT, { credentials: fresh() })),
      ]).toEqual(['400 InvalidProductCodeException (not an instance of the SDK class)', '400 InvalidProductCodeException']);
    } finally {
      await withCopyClasses.close();
      await withInstalledClasses.close();
    }
  });

  test('a client folder with its own node_modules resolves its dependencies from there first', async () => {
    // A dependency that only the folder's node_modules has: the client's own require finds it.
    const own = copyClient(join(work, 'client-own-deps'));
    const marker = join(own, 'node_modules', '@smithy', 'sdk-path-marker');
    mkdirSync(marker, { recursive: true });
    writeFileSync(join(marker, 'package.json'), JSON.stringify({ name: '@smithy/sdk-path-marker', version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(marker, 'index.js'), 'module.exports = { from: __filename };');
    const entry = join(own, 'dist-cjs', 'index.js');
    writeFileSync(entry, `${readFileSync(entry, 'utf8')}\nexports.$marker = require("@smithy/sdk-path-marker").from;\n`);
    const { module } = loadSdk(own);
    expect((module as unknown as { $marker: string }).$marker).toBe(join(marker, 'index.js'));
  });
});

describe('--sdk PATH is checked before the run', () => {
  const error = (driver: 'raw' | 'sdk', path: string): string => {
    try {
      validateSdkPath(driver, path);
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
    return 'no error';
  };

  test('a path the sdk driver cannot load is one ConfigError line; with the raw driver it is a usage error', () => {
    const notClient = join(work, 'not-client');
    mkdirSync(notClient, { recursive: true });
    writeFileSync(join(notClient, 'package.json'), JSON.stringify({ name: '@aws-sdk/client-s3', version: '3.0.0' }));
    const noPackage = join(work, 'no-package');
    mkdirSync(noPackage, { recursive: true });
    const badJson = join(work, 'bad-json');
    mkdirSync(badJson, { recursive: true });
    writeFileSync(join(badJson, 'package.json'), '{');
    const failing = join(work, 'failing');
    mkdirSync(failing, { recursive: true });
    writeFileSync(join(failing, 'package.json'), JSON.stringify({ name: SDK_PACKAGE, version: '9.9.9', main: 'index.js' }));
    writeFileSync(join(failing, 'index.js'), 'require("@aws-sdk/no-such-package-anywhere");');
    const empty = join(work, 'empty');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'package.json'), JSON.stringify({ name: SDK_PACKAGE, version: '9.9.9', main: 'index.js' }));
    writeFileSync(join(empty, 'index.js'), 'exports.MarketplaceMeteringClient = class {}; exports.MeterUsageCommand = class {};');
    const file = join(copy, 'package.json');
    expect([
      error('sdk', join(work, 'missing')),
      error('sdk', file),
      error('sdk', noPackage),
      error('sdk', badJson),
      error('sdk', notClient),
      error('sdk', failing),
      error('sdk', empty),
      error('raw', copy),
      error('sdk', copy),
    ]).toEqual([
      `ConfigError: --sdk ${join(work, 'missing')}: no such file or folder`,
      `ConfigError: --sdk ${file}: not a folder (give the folder of @aws-sdk/client-marketplace-metering, with its package.json)`,
      `ConfigError: --sdk ${noPackage}: no package.json in the folder (give the folder of @aws-sdk/client-marketplace-metering)`,
      expect.stringMatching(new RegExp(`^ConfigError: --sdk ${badJson}: package\\.json is not valid JSON \\([^\\n]+\\)$`)),
      `ConfigError: --sdk ${notClient}: package.json names "@aws-sdk/client-s3", not @aws-sdk/client-marketplace-metering`,
      `ConfigError: --sdk ${failing}: does not load: Cannot find module '@aws-sdk/no-such-package-anywhere'`,
      `ConfigError: --sdk ${empty}: loads, but does not export BatchMeterUsageCommand, RegisterUsageCommand, ResolveCustomerCommand: not a MarketplaceMetering client`,
      'UsageError: --sdk PATH needs --driver sdk: the raw driver sends its own requests, through no client library',
      'no error',
    ]);
  });

  test('planRun checks it, resolves it, and hands it to the suites and to the replay line', () => {
    expect(() => planRun({ driver: 'raw', sdk: copy, seed: 1 }, {})).toThrow(UsageError);
    expect(() => planRun({ driver: 'sdk', sdk: join(work, 'missing'), seed: 1 }, {})).toThrow(ConfigError);
    const plan = planRun({ driver: 'sdk', sdk: copy, seed: 1 }, {});
    expect(plan.settings.sdk).toBe(copy);
    expect(replayArgs(plan, { region: 'us-east-1' } as TargetDescription)).toEqual(['--driver', 'sdk', '--sdk', copy, '--runs', '25', '--level', 'should']);
  });

  test('run: a bad --sdk, or --sdk with the raw driver, stops before the run with one line, exit 2', async () => {
    const cli = async (argv: string[]) => {
      let stderr = '';
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
      try {
        return { code: await main(argv), stderr };
      } finally {
        vi.restoreAllMocks();
      }
    };
    // A closed port: had the run started, the preflight would have said so instead.
    const base = ['run', '--endpoint', 'http://127.0.0.1:9', '--out', join(work, 'never-written')];
    expect([
      await cli([...base, '--sdk', copy]),
      await cli([...base, '--driver', 'sdk', '--sdk', join(work, 'missing')]),
      await cli([...base, '--driver', 'sdk', '--sdk', join(copy, 'package.json')]),
    ]).toEqual([
      { code: 2, stderr: 'metering-conformance: --sdk PATH needs --driver sdk: the raw driver sends its own requests, through no client library\n' },
      { code: 2, stderr: `metering-conformance: --sdk ${join(work, 'missing')}: no such file or folder\n` },
      { code: 2, stderr: `metering-conformance: --sdk ${join(copy, 'package.json')}: not a folder (give the folder of @aws-sdk/client-marketplace-metering, with its package.json)\n` },
    ]);
    expect(existsSync(join(work, 'never-written'))).toBe(false);
  });
});

describe('the report names the client', () => {
  test('run.client: the raw driver, the installed client, the client of --sdk', () => {
    expect(clientInfo({ driver: 'raw' })).toEqual({ name: 'metering-conformance raw driver', version: packageVersion(), location: PACKAGE_ROOT });
    expect(clientInfo({ driver: 'sdk' })).toEqual({ name: SDK_PACKAGE, version: VERSION, location: INSTALLED });
    expect(installedSdkInfo()).toEqual(clientInfo({ driver: 'sdk' }));
    expect(clientInfo({ driver: 'sdk', sdk: broken })).toEqual({ name: SDK_PACKAGE, version: VERSION, location: broken });
    const run = (plan: ReturnType<typeof planRun>) => reporterOptions(plan, () => undefined).run;
    expect(run(planRun({ seed: 1 }, {})).client).toEqual(clientInfo({ driver: 'raw' }));
    expect(run(planRun({ driver: 'sdk', seed: 1 }, {})).client).toEqual({ name: SDK_PACKAGE, version: VERSION, location: INSTALLED });
    expect(run(planRun({ driver: 'sdk', sdk: copy, seed: 1 }, {})).client).toEqual({ name: SDK_PACKAGE, version: VERSION, location: copy });
  });
});

describe('run.client in the report', () => {
  const client = { name: SDK_PACKAGE, version: '3.1138.0', location: '/src/aws-sdk-js-v3/clients/client-marketplace-metering' };
  const withClient = (report: Report, c: Report['run']['client'], location?: string): Report => ({
    ...report,
    run: { ...report.run, ...(c !== undefined ? { client: location !== undefined ? { ...c, location } : c } : {}) },
  });

  test('validates with and without it (older reports have none); html and summary.md show it; merging shards keeps it', () => {
    const base = sampleReport();
    const report = withClient(base, client);
    expect([validateReport(base), validateReport(report), validateReport(withClient(base, { ...client, extra: 1 } as never))]).toEqual([[], [], ['report/run/client has an unexpected property "extra"']]);
    expect(renderHtml(report)).toContain('<dt>Client</dt><dd>@aws-sdk/client-marketplace-metering 3.1138.0 (/src/aws-sdk-js-v3/clients/client-marketplace-metering)</dd>');
    expect(renderSummaryMarkdown(report)).toContain(' · raw driver (`@aws-sdk/client-marketplace-metering 3.1138.0`) · seed ');
    expect(renderHtml(base)).not.toContain('<dt>Client</dt>');
    // Shards ran on different machines: the folder may differ, the client may not.
    const shard = (index: number, r: Report): Report => ({ ...r, run: { ...r.run, shard: { index, count: 2 } } });
    expect(mergeReports([shard(1, report), shard(2, withClient(base, client, '/elsewhere'))]).run.client).toEqual(client);
    expect(() => mergeReports([shard(1, report), shard(2, withClient(base, { ...client, version: '3.1.0' }))])).toThrow(
      'cannot merge reports of different runs: client is @aws-sdk/client-marketplace-metering 3.1138.0 in one and @aws-sdk/client-marketplace-metering 3.1.0 in another',
    );
    expect(() => mergeReports([shard(1, report), shard(2, base)])).toThrow('client is @aws-sdk/client-marketplace-metering 3.1138.0 in one and not set in another');
  });
});

describe('the programmatic option', () => {
  test('conformanceConfig({ driver: "sdk", sdk }) checks the folder when the config loads and hands it to the globalSetup', async () => {
    const { conformanceConfig } = await import('../api/project.js');
    const config = conformanceConfig({ driver: 'sdk', sdk: copy, seed: 1 });
    expect((config.test?.provide as { conformanceRequest: { sdk?: string } }).conformanceRequest.sdk).toBe(copy);
    expect(() => conformanceConfig({ driver: 'sdk', sdk: join(work, 'missing') })).toThrow(`--sdk ${join(work, 'missing')}: no such file or folder`);
    expect(() => conformanceConfig({ sdk: copy })).toThrow('--sdk PATH needs --driver sdk');
    expect(() => conformanceConfig({ driver: 'sdk', sdk: '' })).toThrow('option "sdk" must be a non-empty string');
  });
});
