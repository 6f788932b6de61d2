// The emulator's other Regions (InvalidEndpointRegionException, InvalidRegionException,
// DisabledApiException), its throttle control (ThrottlingException, then through), MeterUsage
// entitlement (CustomerNotEntitledException), and the fixture checks behind them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFixtures } from '../emulator/fixtures.js';
import { EmulatorConfigError, startEmulator, type RunningEmulator } from '../emulator/index.js';
import { CONTROL_HEADERS, CONTROL_PREFIX, TEST_CREDENTIALS } from '../core/description.js';
import { createRawTarget } from '../target/raw-driver.js';
import type { CallOptions, Operation, OperationInput, Outcome, RawCapableTarget } from '../target/types.js';

let emulator: RunningEmulator;
let target: RawCapableTarget;

beforeAll(async () => {
  emulator = await startEmulator();
  target = createRawTarget({ endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
});
afterAll(async () => {
  await target.close();
  await emulator.close();
});

const fresh = () => ({ accessKeyId: `AKRT${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey });
const answer = (o: Outcome) => (o.kind === 'error' ? `${o.status} ${o.errorType}` : `${o.status}`);
const send = async (operation: Operation, input: OperationInput, options: CallOptions = {}) => answer(await target.call(operation, input, { credentials: fresh(), ...options }));

const VALID: Record<Operation, OperationInput> = {
  MeterUsage: { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 1, Timestamp: new Date(Date.now() - 60_000) },
  BatchMeterUsage: { ProductCode: 'conformance-saas-1', UsageRecords: [{ CustomerIdentifier: 'mc-legacy-subscribed-0001', Dimension: 'Requests', Quantity: 1, Timestamp: new Date(Date.now() - 60_000) }] },
  RegisterUsage: { ProductCode: 'conformance-container-1', PublicKeyVersion: 1 },
  ResolveCustomer: { RegistrationToken: 'conformance-token-new-valid' },
};

async function control(route: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${emulator.url}${CONTROL_PREFIX}${route}`, { method: 'POST', headers: CONTROL_HEADERS, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

describe('Regions', () => {
  test('every operation is served at home; another served Region answers by operation; any other Region fails authentication', async () => {
    const answers: Record<string, string[]> = {};
    for (const op of Object.keys(VALID) as Operation[]) {
      answers[op] = [await send(op, VALID[op]), await send(op, VALID[op], { region: 'us-west-2' }), await send(op, VALID[op], { region: 'eu-west-3' }), await send(op, VALID[op], { region: 'ap-south-1' })];
    }
    expect(answers).toEqual({
      MeterUsage: ['200', '400 InvalidEndpointRegionException', '400 InvalidEndpointRegionException', '400 InvalidSignatureException'],
      BatchMeterUsage: ['200', '200', '400 DisabledApiException', '400 InvalidSignatureException'],
      RegisterUsage: ['200', '400 InvalidRegionException', '400 DisabledApiException', '400 InvalidSignatureException'],
      ResolveCustomer: ['200', '200', '400 DisabledApiException', '400 InvalidSignatureException'],
    });
  });

  test('a MeterUsage refused for its Region recorded nothing', async () => {
    const credentials = fresh();
    expect(answer(await target.call('MeterUsage', VALID.MeterUsage, { credentials, region: 'us-west-2' }))).toBe('400 InvalidEndpointRegionException');
    expect(answer(await target.call('MeterUsage', { ...VALID.MeterUsage, UsageQuantity: 7 }, { credentials }))).toBe('200');
  });
});

describe('throttle control', () => {
  test("throttles exactly the caller's next N requests of any operation; reset lifts a throttle", async () => {
    const credentials = fresh();
    expect(await control('/throttle', { caller: credentials.accessKeyId, requests: 2 })).toEqual({ status: 200, body: { caller: credentials.accessKeyId, requests: 2 } });
    const once = { credentials, singleAttempt: true };
    const seen = [await send('ResolveCustomer', VALID.ResolveCustomer, once), await send('RegisterUsage', VALID.RegisterUsage, once), await send('RegisterUsage', VALID.RegisterUsage, once)];
    // Another caller is never throttled by it.
    seen.push(await send('RegisterUsage', VALID.RegisterUsage, { singleAttempt: true }));
    expect(seen).toEqual(['400 ThrottlingException', '400 ThrottlingException', '200', '200']);
    const later = fresh();
    await control('/throttle', { caller: later.accessKeyId });
    expect((await control('/reset', {})).status).toBe(200);
    expect(await send('RegisterUsage', VALID.RegisterUsage, { credentials: later, singleAttempt: true })).toBe('200');
  });

  test('a throttled MeterUsage records nothing', async () => {
    const credentials = fresh();
    await control('/throttle', { caller: credentials.accessKeyId });
    expect(await send('MeterUsage', VALID.MeterUsage, { credentials, singleAttempt: true })).toBe('400 ThrottlingException');
    expect(await send('MeterUsage', { ...VALID.MeterUsage, UsageQuantity: 9 }, { credentials })).toBe('200');
  });

  test('the drivers retry a throttled call unless told to send it once', async () => {
    const credentials = fresh();
    await control('/throttle', { caller: credentials.accessKeyId });
    const outcome = await target.call('RegisterUsage', VALID.RegisterUsage, { credentials });
    expect([answer(outcome), outcome.retries]).toEqual(['200', 1]);
  });

  test.each([
    [{}, 'needs a JSON body'],
    [{ caller: '' }, 'needs a JSON body'],
    [{ caller: 'AK1', requests: 0 }, '1 to 100'],
    [{ caller: 'AK1', requests: 101 }, '1 to 100'],
    [{ caller: 'AK1', requests: 1.5 }, '1 to 100'],
    [{ caller: 'AK1', other: 1 }, 'needs a JSON body'],
  ])('a bad throttle request %j is a 400 that names what is wanted', async (body, words) => {
    const { status, body: error } = await control('/throttle', body);
    expect(status).toBe(400);
    expect(error.message).toContain(words);
  });
});

describe('MeterUsage entitlement', () => {
  test('a product the callers are not entitled to answers CustomerNotEntitledException, also for a DryRun', async () => {
    const unentitled = { ...VALID.MeterUsage, ProductCode: 'conformance-container-unentitled', UsageDimension: 'Tasks' };
    expect([await send('MeterUsage', unentitled), await send('MeterUsage', { ...unentitled, DryRun: true })]).toEqual(['400 CustomerNotEntitledException', '400 CustomerNotEntitledException']);
  });
});

describe('fixture checks', () => {
  const base = 'products: [{ code: p, kind: ami, dimensions: [H] }, { code: s, kind: saas, dimensions: [R] }]\n';
  test.each([
    ['otherRegions: [{ region: us-east-1 }]', 'otherRegions[0].region is the home region "us-east-1"'],
    ['otherRegions: [{ region: us-west-2 }, { region: us-west-2 }]', 'otherRegions[1] repeats region "us-west-2"'],
    ['otherRegions: [{ region: us-west-2, disabledApis: [Nope] }]', 'otherRegions[0].disabledApis[0] must be one of MeterUsage, BatchMeterUsage, RegisterUsage, ResolveCustomer'],
    ['otherRegions: [{ region: west }]', 'otherRegions[0].region must be a Region name'],
    ['otherRegions: [{ region: us-west-2, extra: 1 }]', 'otherRegions[0] has unknown key extra'],
  ])('%s is refused', (line, message) => {
    expect(() => parseFixtures(`${base}${line}\n`, 'f.yaml')).toThrow(EmulatorConfigError);
    expect(() => parseFixtures(`${base}${line}\n`, 'f.yaml')).toThrow(message);
  });

  test('entitled is for ami and container products only', () => {
    expect(() => parseFixtures('products: [{ code: s, kind: saas, dimensions: [R], entitled: false }]\n', 'f.yaml')).toThrow('products[0].entitled applies to ami and container products (MeterUsage) only');
    expect(parseFixtures('products: [{ code: p, kind: ami, dimensions: [H], entitled: false }]\n', 'f.yaml').products[0].entitled).toBe(false);
  });
});

describe('the SDK driver', () => {
  test('records the body it sent (curl lines and scripts replay it), honours the Region and sends a throttled call once', async () => {
    const { createSdkTarget } = await import('../target/sdk-driver.js');
    const credentials = fresh();
    const sdk = createSdkTarget({ endpoint: emulator.url, region: 'us-east-1', label: 'test', credentials, fixtures: { products: [], customers: [], tokens: [], registrations: [] }, capabilities: { callerIsolation: true, clockControl: false, reset: false, ledgerRead: false } });
    try {
      const resolved = await sdk.call('ResolveCustomer', VALID.ResolveCustomer, { credentials });
      expect([answer(resolved), resolved.exchange.request.body]).toEqual(['200', '{"RegistrationToken":"conformance-token-new-valid"}']);
      const away = await sdk.call('RegisterUsage', VALID.RegisterUsage, { credentials, region: 'us-west-2' });
      expect([answer(away), away.exchange.signedRegion]).toEqual(['400 InvalidRegionException', 'us-west-2']);
      await control('/throttle', { caller: credentials.accessKeyId });
      const throttled = await sdk.call('RegisterUsage', VALID.RegisterUsage, { credentials, singleAttempt: true });
      expect([answer(throttled), throttled.retries]).toEqual(['400 ThrottlingException', 0]);
    } finally {
      await sdk.close();
    }
  });
});
