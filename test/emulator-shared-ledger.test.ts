// The emulator as a stand-in for targets that are not ours: one ledger for every access key id
// (sharedLedger, `serve --shared-ledger`), and no control API at all (control: false, `serve
// --no-control`).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTROL_HEADERS, CONTROL_PREFIX, TEST_CREDENTIALS } from '../core/description.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { createRawTarget } from '../target/raw-driver.js';
import type { Outcome, RawCapableTarget } from '../target/types.js';

const as = (accessKeyId: string) => ({ credentials: { accessKeyId, secretAccessKey: TEST_CREDENTIALS.secretAccessKey } });
const kind = (outcome: Outcome) => (outcome.kind === 'error' ? outcome.errorType : 'success');

/** Two callers meter the same product, dimension and hour with different quantities. */
async function twoCallersOneKey(target: RawCapableTarget): Promise<[string, string]> {
  const input = (quantity: number) => ({ ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: quantity, Timestamp: new Date(Date.now() - 60_000) });
  const first = await target.call('MeterUsage', input(1), as('MCSHAREDCALLERA00001'));
  const second = await target.call('MeterUsage', input(2), as('MCSHAREDCALLERB00002'));
  return [kind(first), kind(second)];
}

describe.each([
  { name: 'isolated callers (the default)', options: {}, second: 'success', isolation: true },
  { name: 'a shared ledger', options: { sharedLedger: true }, second: 'DuplicateRequestException', isolation: false },
])('$name', ({ options, second, isolation }) => {
  let emulator: RunningEmulator;
  let target: RawCapableTarget;
  beforeAll(async () => {
    emulator = await startEmulator(options);
    target = createRawTarget({ endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    await target.close();
    await emulator.close();
  });

  test(`another caller's record of the same key is ${isolation ? 'its own' : 'the same record'}; describe says so`, async () => {
    expect(await twoCallersOneKey(target)).toEqual(['success', second]);
    expect(emulator.describe().capabilities.callerIsolation).toBe(isolation);
  });

  test("a caller's clock and throttle are the target's when the ledger is shared", async () => {
    const post = (route: string, body: unknown) => fetch(`${emulator.url}${CONTROL_PREFIX}${route}`, { method: 'POST', headers: CONTROL_HEADERS, body: JSON.stringify(body) });
    expect((await post('/reset', {})).status).toBe(200);
    expect((await post('/throttle', { caller: 'MCSHAREDCALLERA00001' })).status).toBe(200);
    // A throttled answer the driver may not retry (maxAttempts 1) comes back as its error.
    const other = await target.call('ResolveCustomer', { RegistrationToken: 'nobody-issued-this' }, as('MCSHAREDCALLERC00003')).then(kind, (error: Error) => error.message);
    expect(other).toContain(isolation ? 'InvalidTokenException' : 'ThrottlingException');
  });
});

describe('no control API', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ sharedLedger: true, control: false });
  });
  afterAll(() => emulator.close());

  test('describe and reset answer as unknown service paths do; the service still answers', async () => {
    const describe = await fetch(`${emulator.url}${CONTROL_PREFIX}/describe`);
    expect([describe.status, (await describe.json()).__type]).toEqual([405, 'MethodNotAllowedException']);
    const reset = await fetch(`${emulator.url}${CONTROL_PREFIX}/reset`, { method: 'POST', headers: CONTROL_HEADERS, body: '{}' });
    expect([reset.status, (await reset.json()).__type]).toEqual([404, 'UnknownOperationException']);
    const target = createRawTarget({ endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      expect(kind(await target.call('ResolveCustomer', { RegistrationToken: 'nobody-issued-this' }))).toBe('InvalidTokenException');
    } finally {
      await target.close();
    }
  });
});
