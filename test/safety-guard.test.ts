// The production guard: endpoints of the real service are refused before any connection,
// from whichever source they come; with --allow-real-service only calls that record nothing
// reach the wire, and the other rules are not-applicable with the reason.
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { TEST_CREDENTIALS } from '../core/description.js';
import { dryRunOnly, recordsNothing, RefusedOnRealService, REAL_SERVICE_REASON } from '../target/dry-run-only.js';
import { isRealServiceHost, REAL_SERVICE_SUFFIXES } from '../target/guard.js';
import { createRawTarget } from '../target/raw-driver.js';
import { createSdkTarget } from '../target/sdk-driver.js';
import { OPERATIONS, TargetError, type Outcome, type RawCapableTarget, type RawRequest } from '../target/types.js';
import { encodeInput } from '../core/wire.js';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';
import { readReport, runCli, tempDir } from './support/cli.js';

const HOOKS = join(PACKAGE_ROOT, 'test', 'support', 'process-hooks.mjs');

interface HookEntry {
  kind: 'connect' | 'dns' | 'memory';
  host?: string;
}

/** Runs the CLI with the process hooks; returns its result and what the hooks saw. */
async function runObserved(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000) {
  const log = join(tempDir('mc-hooks-'), 'hooks.jsonl');
  const result = await runCli(args, { env: { NODE_OPTIONS: `--import ${HOOKS}`, MC_HOOKS_LOG: log, ...env }, timeoutMs });
  const entries: HookEntry[] = existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as HookEntry)
    : [];
  return { ...result, network: entries.filter((e) => e.kind !== 'memory'), hooked: entries.length > 0 };
}

describe('which hosts are the real service', () => {
  test.each([
    'https://metering.marketplace.us-east-1.amazonaws.com',
    'https://METERING.MARKETPLACE.US-EAST-1.AMAZONAWS.COM',
    'https://metering.marketplace.us-east-1.amazonaws.com.',
    'https://metering.marketplace.us-east-1.amazonaws.com:443/some/path',
    'https://user:pw@metering.marketplace.eu-west-1.amazonaws.com',
    'https://metering.marketplace%2Eus-east-1.amazonaws%2Ecom',
    'https://metering.marketplace。us-east-1。amazonaws。com',
    'https://metering.marketplace-fips.us-gov-west-1.amazonaws.com',
    'https://metering-marketplace.us-east-1.api.aws',
    'https://metering.marketplace.cn-north-1.amazonaws.com.cn',
    'https://metering-marketplace.cn-north-1.api.amazonwebservices.com.cn',
    'https://metering-marketplace.eusc-de-east-1.amazonaws.eu',
    'https://metering.marketplace.us-iso-east-1.c2s.ic.gov',
    'https://metering.marketplace.us-isob-east-1.sc2s.sgov.gov',
    'https://metering.marketplace.eu-isoe-west-1.cloud.adc-e.uk',
    'https://metering.marketplace.us-isof-south-1.csp.hci.ic.gov',
    'http://amazonaws.com',
  ])('%s is the real service', (endpoint) => {
    expect(isRealServiceHost(new URL(endpoint).hostname)).toBe(true);
  });

  test.each(['http://127.0.0.1:5055', 'http://localhost:5055', 'https://amazonaws.com.example.test', 'https://notamazonaws.com', 'https://api.aws.example.test', 'http://[::1]:5055'])(
    '%s is not',
    (endpoint) => {
      expect(isRealServiceHost(new URL(endpoint).hostname)).toBe(false);
    },
  );

  test('every listed suffix is covered, with any subdomain', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REAL_SERVICE_SUFFIXES), fc.array(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { maxLength: 3 }), (suffix, labels) => {
        expect(isRealServiceHost(new URL(`https://${[...labels, suffix].join('.')}`).hostname)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the dry-run-only wrapper', () => {
  /** A raw target that records what reaches it and answers DryRunOperation. */
  function recordingTarget() {
    const seen: { operation?: string; input?: unknown; raw?: RawRequest }[] = [];
    const outcome: Outcome = {
      kind: 'error',
      status: 412,
      errorType: 'DryRunOperation',
      headers: {},
      retries: 0,
      exchange: { request: { method: 'POST', url: 'https://x', headers: {}, body: '' } },
    };
    const inner: RawCapableTarget = {
      driver: 'raw',
      call: async (operation, input) => {
        seen.push({ operation, input });
        return outcome;
      },
      send: async (raw) => {
        seen.push({ raw });
        return outcome;
      },
      close: async () => undefined,
    };
    return { seen, target: dryRunOnly(inner) };
  }

  test('only DryRun MeterUsage and ResolveCustomer calls pass; everything else is refused locally', async () => {
    const { seen, target } = recordingTarget();
    const refused = [
      target.call('MeterUsage', { ProductCode: 'p', UsageDimension: 'd', Timestamp: new Date(), UsageQuantity: 1 }),
      target.call('MeterUsage', { ProductCode: 'p', DryRun: false }),
      target.call('MeterUsage', { ProductCode: 'p', DryRun: 'true' }),
      target.call('BatchMeterUsage', { ProductCode: 'p', UsageRecords: [], DryRun: true }),
      target.call('RegisterUsage', { ProductCode: 'p', PublicKeyVersion: 1 }),
    ];
    for (const call of refused) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RefusedOnRealService);
      expect(error).toBeInstanceOf(TargetError);
      expect((error as Error).message).toContain(REAL_SERVICE_REASON);
    }
    expect(seen).toEqual([]);
    await target.call('MeterUsage', { ProductCode: 'p', DryRun: true });
    await target.call('ResolveCustomer', { RegistrationToken: 't' });
    expect(seen.map((s) => s.operation)).toEqual(['MeterUsage', 'ResolveCustomer']);
  });

  test('hand-built wire requests pass only when they are canonical DryRun MeterUsage requests', async () => {
    const { seen, target } = recordingTarget();
    const dry = encodeInput({ ProductCode: 'p', UsageDimension: 'd', UsageQuantity: 1, DryRun: true });
    const refused: RawRequest[] = [
      { operation: 'MeterUsage', body: encodeInput({ ProductCode: 'p', UsageQuantity: 1 }) },
      // A server may keep the first of two duplicate members, or decode escapes in names.
      { operation: 'MeterUsage', body: '{"DryRun":false,"ProductCode":"p","DryRun":true}' },
      { operation: 'MeterUsage', body: '{"ProductCode":"p","Dry\\u0052un":true}' },
      { operation: 'MeterUsage', body: `${dry} ` },
      { operation: 'MeterUsage', body: 'not json' },
      { operation: 'MeterUsage', body: dry, headers: { 'X-Amz-Target': 'AWSMPMeteringService.BatchMeterUsage' } },
      { operation: 'MeterUsage', body: dry, headers: { 'x-amz-target': 'AWSMPMeteringService.MeterUsage', 'X-AMZ-TARGET': 'AWSMPMeteringService.BatchMeterUsage' } },
      { operation: 'MeterUsage', body: dry, path: '/other' },
      { operation: 'MeterUsage', body: dry, method: 'PUT' },
      { body: dry },
      { operation: 'RegisterUsage', body: encodeInput({ ProductCode: 'p', PublicKeyVersion: 1, DryRun: true }) },
    ];
    for (const raw of refused) {
      await expect(target.send(raw), JSON.stringify(raw)).rejects.toBeInstanceOf(RefusedOnRealService);
    }
    expect(seen).toEqual([]);
    await target.send({ operation: 'MeterUsage', body: dry, sign: false });
    await target.send({ body: Buffer.from(dry), headers: { 'x-amz-target': 'AWSMPMeteringService.MeterUsage' } });
    await target.send({ operation: 'ResolveCustomer', body: encodeInput({ RegistrationToken: 't' }) });
    expect(seen).toHaveLength(3);
  });

  test('over random calls, a call reaches the target exactly when it records nothing', async () => {
    const input = fc.dictionary(fc.constantFrom('ProductCode', 'DryRun', 'UsageQuantity', 'Timestamp'), fc.oneof(fc.boolean(), fc.string(), fc.integer(), fc.constant(null)));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPERATIONS), input, async (operation, value) => {
        const { seen, target } = recordingTarget();
        const passed = await target.call(operation, value).then(
          () => true,
          (e: unknown) => (e instanceof RefusedOnRealService ? false : Promise.reject(e)),
        );
        const allowed = operation === 'ResolveCustomer' || (operation === 'MeterUsage' && value.DryRun === true);
        expect(passed).toBe(allowed);
        expect(recordsNothing(operation, value)).toBe(allowed);
        expect(seen).toHaveLength(allowed ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the drivers refuse the real service unless allowed', () => {
  const real = 'https://metering.marketplace.us-east-1.amazonaws.com';
  const description = {
    endpoint: real,
    region: 'us-east-1',
    label: real,
    credentials: TEST_CREDENTIALS,
    fixtures: { products: [], customers: [], tokens: [], registrations: [] },
    capabilities: { callerIsolation: false, clockControl: false, reset: false, ledgerRead: false },
  };

  test('raw and sdk drivers throw a TargetError naming the reason', () => {
    expect(() => createRawTarget({ endpoint: real, region: 'us-east-1', credentials: TEST_CREDENTIALS })).toThrow(/real AWS service/);
    expect(() => createSdkTarget(description)).toThrow(TargetError);
  });

  test('with allowRealService they construct (the harness then wraps them with dryRunOnly)', async () => {
    const raw = createRawTarget({ endpoint: real, region: 'us-east-1', credentials: TEST_CREDENTIALS, allowRealService: true });
    const sdk = createSdkTarget(description, { allowRealService: true });
    try {
      expect(raw.driver).toBe('raw');
      expect(raw.endpoint).toBe(real);
      expect(typeof raw.call).toBe('function');
      expect(typeof raw.send).toBe('function');
      expect(sdk.driver).toBe('sdk');
      expect(typeof sdk.call).toBe('function');
      // Nothing is sent here: what dryRunOnly lets through is tested above with a stand-in target.
    } finally {
      await raw.close();
      await sdk.close();
    }
  });
});

describe('the CLI refuses the real service before opening any connection', () => {
  const real = 'https://metering.marketplace.us-east-1.amazonaws.com';

  test('the hooks see connections when there are some (control)', async () => {
    // Port 9 on loopback: nothing listens, the probe's connect attempt is refused.
    const result = await runObserved(['run', '--endpoint', 'http://127.0.0.1:9']);
    expect(result.code).toBe(2);
    expect(result.network.some((e) => e.kind === 'connect')).toBe(true);
  });

  test.each([
    ['--endpoint', ['--endpoint', real], {}],
    ['--endpoint (dual-stack, upper case, trailing dot)', ['--endpoint', 'HTTPS://METERING-MARKETPLACE.US-EAST-1.API.AWS./'], {}],
    ['AWS_ENDPOINT_URL_MARKETPLACE_METERING', [], { AWS_ENDPOINT_URL_MARKETPLACE_METERING: 'https://metering.marketplace.cn-north-1.amazonaws.com.cn' }],
    ['AWS_ENDPOINT_URL', [], { AWS_ENDPOINT_URL: 'https://metering.marketplace.eu-west-1.amazonaws.com' }],
  ] as const)('from %s: exit 2, an explanation, no socket and no DNS lookup', async (_source, args, env) => {
    const result = await runObserved(['run', ...args, '--out', tempDir()], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/real AWS service/);
    expect(result.stderr).toMatch(/--allow-real-service/);
    expect(result.hooked).toBe(true);
    expect(result.network).toEqual([]);
  });

  test('from the config file: exit 2, no socket', async () => {
    const dir = tempDir();
    const config = join(dir, 'target.yaml');
    writeFileSync(config, `endpoint: ${real}\n`);
    const result = await runObserved(['run', '--config', config, '--out', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/real AWS service/);
    expect(result.network).toEqual([]);
  });
});

describe('--allow-real-service against a local server posing as the real host', () => {
  // The hooks answer DNS for the real host name with 127.0.0.1, where a recording proxy in
  // front of the reference emulator logs what arrives. Nothing leaves this machine.
  const host = 'metering.marketplace.us-east-1.amazonaws.com';
  let emulator: RunningEmulator;
  let proxy: RecordingProxy;
  let result: Awaited<ReturnType<typeof runObserved>>;
  const out = tempDir();

  beforeAll(async () => {
    emulator = await startEmulator();
    proxy = await startRecordingProxy(emulator.url);
    const config = join(out, 'target.yaml');
    // Declare the fixtures the emulator knows and every capability: caller isolation lets rules
    // get as far as their first call; the control-API ones must be ignored for the real service.
    const capabilities = { callerIsolation: true, clockControl: true, reset: true, ledgerRead: true };
    writeFileSync(config, JSON.stringify({ region: 'us-east-1', fixtures: emulator.describe().fixtures, capabilities }));
    result = await runObserved(
      ['run', '--endpoint', `http://${host}:${proxy.port}`, '--config', config, '--allow-real-service', '--runs', '5', '--seed', '7', '--out', out],
      { MC_HOOKS_HOSTS: JSON.stringify({ [host]: '127.0.0.1' }), AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey },
      240_000,
    );
  }, 250_000);

  afterAll(async () => {
    await proxy?.close();
    await emulator?.close();
  });

  test('the run completes and says what it does', () => {
    expect(result.stderr).not.toMatch(/internal error/);
    // Exit 0: the rules a DryRun-only run can judge pass against the (fault-free) reference
    // emulator, and the refused ones are not-applicable, which does not fail a run. Exit 1 would
    // mean a refusal was reported as a failure or error.
    expect(result.code, result.stdout).toBe(0);
    expect(result.stderr).toMatch(/only DryRun/);
  });

  test('only DryRun MeterUsage and ResolveCustomer requests reached the wire', () => {
    expect(proxy.controlRequests).toBe(0);
    expect(proxy.requests.length).toBeGreaterThan(0);
    for (const request of proxy.requests) {
      const target = request.headers['x-amz-target'];
      const body = JSON.parse(request.body) as Record<string, unknown>;
      if (target === 'AWSMPMeteringService.ResolveCustomer') continue;
      expect(target, request.body).toBe('AWSMPMeteringService.MeterUsage');
      expect(body.DryRun, request.body).toBe(true);
    }
  });

  test('rules that need other calls are not-applicable with the reason', () => {
    const report = readReport(out);
    const refused = report.rules.filter((r) => r.verdict === 'not-applicable' && r.reason === REAL_SERVICE_REASON);
    expect(refused.map((r) => r.id)).toContain('meter-usage.accepts-valid');
    expect(refused.map((r) => r.id)).toContain('meter-usage.dry-run');
    expect(report.rules.filter((r) => r.verdict === 'fail').map((r) => r.id)).toEqual([]);
  });
});
