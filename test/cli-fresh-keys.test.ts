// A target with neither caller isolation nor a reset (`serve --shared-ledger --no-control`, the
// stand-in for one that is not ours): the rules that need a clean ledger judge their inputs on
// duplicate keys no earlier property run recorded on (suites/harness/run-ledger.ts), and a
// target that answers every request as a duplicate fails rather than leaving them unjudged.
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FRESH_KEYS_RAN_OUT } from '../catalogue/needs.js';
import { DEFAULT_FIXTURES_PATH, loadFixtures } from '../emulator/fixtures.js';
import { NOT_RERUN } from '../suites/harness/property.js';
import { TEST_CREDENTIALS } from '../core/description.js';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';
import { readReport, runCli, serveAround, tempDir } from './support/cli.js';

/** A target.yaml declaring the emulator's default fixtures and no capabilities (and `keys`, e.g. callers). */
function declaredFixtures(keys: object = {}): string {
  const { region: _region, secretAccessKey: _secret, ...fixtures } = loadFixtures(DEFAULT_FIXTURES_PATH);
  const file = join(tempDir(), 'target.yaml');
  writeFileSync(file, JSON.stringify({ region: 'us-east-1', fixtures, ...keys }));
  return file;
}

describe('serve --shared-ledger --no-control: neither caller isolation nor a reset', () => {
  const served = serveAround(['--shared-ledger', '--no-control']);

  test('every rule is run; at most 10 go unjudged for want of fresh keys, and none fails', async () => {
    const out = tempDir();
    const result = await runCli(['run', '--endpoint', served.url, '--config', declaredFixtures(), '--seed', '4', '--out', out]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stderr).toContain('note: the target has neither caller isolation nor a reset: a rule that needs a clean ledger holds the target alone');
    const rules = readReport(out).rules;
    const ranOut = rules.filter((r) => r.verdict === 'not-applicable' && r.reason?.includes(FRESH_KEYS_RAN_OUT));
    expect(ranOut.length, ranOut.map((r) => r.id).join(' ')).toBeLessThanOrEqual(10);
    expect(rules.filter((r) => r.reason?.includes('a clean ledger for every property run'))).toEqual([]);
    expect(rules.filter((r) => r.verdict === 'pass').length).toBeGreaterThan(150);
    // The mechanism was at work: inputs met other runs' records and were skipped, not judged.
    expect(rules.filter((r) => (r.skippedRuns ?? 0) > 0).length).toBeGreaterThan(10);
    // Rules that judge their cases on other runs' records once their share of fresh keys is
    // spent go on judging (they would skip about 24 of their 25 inputs otherwise).
    for (const id of ['idempotency.same-hour-key', 'idempotency.explicit-defaults']) {
      const reusing = rules.find((r) => r.id === id)!;
      expect(reusing.verdict, id).toBe('pass');
      expect(reusing.skippedRuns ?? 0, id).toBeLessThan(20);
    }
  }, 120_000);
});

describe('serve --no-control behind a proxy, with two more callers declared in target.yaml', () => {
  // serve keeps a ledger per access key id, which target.yaml does not declare: a target whose
  // MeterUsage callers are the instances whose credentials it lists.
  const served = serveAround(['--no-control']);
  let proxy: RecordingProxy;
  beforeAll(async () => {
    proxy = await startRecordingProxy(served.url);
  });
  afterAll(() => proxy.close());

  test('property runs sign MeterUsage as every caller, and no MeterUsage rule runs out of fresh keys', async () => {
    const out = tempDir();
    const callers = ['B', 'C'].map((c) => ({ accessKeyIdVariable: `MC_${c}_KEY`, secretAccessKeyVariable: `MC_${c}_SECRET` }));
    const env = { MC_B_KEY: 'MCCALLERB0000001', MC_C_KEY: 'MCCALLERC0000001', MC_B_SECRET: TEST_CREDENTIALS.secretAccessKey, MC_C_SECRET: TEST_CREDENTIALS.secretAccessKey };
    const result = await runCli(['run', '--endpoint', proxy.url, '--config', declaredFixtures({ callers }), '--seed', '4', '--out', out], { env });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stderr).toContain("note: target.yaml declares 2 callers besides the run's credentials: each property run signs as one of the 3");
    const rules = readReport(out).rules;
    const ranOut = rules.filter((r) => r.verdict === 'not-applicable' && r.reason?.includes(FRESH_KEYS_RAN_OUT));
    expect(ranOut.filter((r) => !r.id.startsWith('batch-meter-usage.')).map((r) => r.id)).toEqual([]);
    expect(ranOut[0]?.reason ?? '(3 callers)').toContain('(3 callers)');
    const signers = (operation: string) => {
      const sent = proxy.requests.filter((r) => r.headers['x-amz-target'] === `AWSMPMeteringService.${operation}`);
      return new Set(sent.map((r) => /Credential=([^/]+)\//.exec(String(r.headers.authorization))?.[1]));
    };
    expect([...signers('MeterUsage')].sort()).toEqual(expect.arrayContaining([TEST_CREDENTIALS.accessKeyId, 'MCCALLERB0000001', 'MCCALLERC0000001']));
    // Batch records are the seller's: the ledger keys them without the caller, whatever the target does.
    expect([...signers('BatchMeterUsage')]).toEqual([TEST_CREDENTIALS.accessKeyId]);
  }, 180_000);

  test("a declared caller the target does not take stops the run before any rule (exit 2, one line), its secret unshown", async () => {
    const callers = [{ accessKeyIdVariable: 'MC_B_KEY', secretAccessKeyVariable: 'MC_B_SECRET' }];
    const secret = 'not-the-secret-of-this-target-0123';
    const result = await runCli(['run', '--endpoint', proxy.url, '--config', declaredFixtures({ callers }), '--out', tempDir()], { env: { MC_B_KEY: 'MCCALLERB0000002', MC_B_SECRET: secret } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n').filter((l) => !l.startsWith('note: '))).toHaveLength(1);
    expect(result.stderr).toMatch(/callers\[0\]: the target answered its preflight MeterUsage with HTTP 4\d\d \w+, the run's own credentials with HTTP 400 \w+: check the caller's access key id and secret/);
    expect(result.stderr + result.stdout).not.toContain(secret);
  });
});

describe.each([
  ['seconds-in-duplicate-key', 'idempotency.same-hour-key'],
  ['quantity-defaults-to-one', 'idempotency.explicit-defaults'],
])('serve --shared-ledger --no-control --fault %s', (fault, ruleId) => {
  const served = serveAround(['--shared-ledger', '--no-control', '--fault', fault]);

  test(`is caught by ${ruleId}, on fresh keys or on records other runs made`, async () => {
    const out = tempDir();
    const result = await runCli(['run', '--endpoint', served.url, '--config', declaredFixtures(), '--rules', ruleId, '--seed', '1', '--out', out]);
    expect(result.code, result.stdout).toBe(1);
    expect(readReport(out).rules.find((r) => r.id === ruleId)!.verdict).toBe('fail');
  }, 60_000);
});

describe('serve --shared-ledger --no-control --fault accept-conflicting-quantity', () => {
  const served = serveAround(['--shared-ledger', '--no-control', '--fault', 'accept-conflicting-quantity']);

  test('the defect is caught; the failure says why it was not run a second time', async () => {
    const out = tempDir();
    const result = await runCli(['run', '--endpoint', served.url, '--config', declaredFixtures(), '--rules', 'meter-usage.duplicate-quantity', '--seed', '4', '--out', out]);
    expect(result.code).toBe(1);
    const rule = readReport(out).rules.find((r) => r.id === 'meter-usage.duplicate-quantity')!;
    expect(rule.verdict).toBe('fail');
    expect(rule.failure?.notConfirmed).toBe(NOT_RERUN);
    expect(rule.failure?.attempts).toBeUndefined();
    expect(rule.failure?.replay).toContain('--replay');
    expect(rule.failure?.curl).toContain('MeterUsage');
  }, 60_000);
});

describe('a target that answers every request DuplicateRequestException', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'dup-0001' });
        response.end(JSON.stringify({ __type: 'DuplicateRequestException', message: 'already recorded' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('fails the MeterUsage control: no duplicate is put down to a record from before the run while none was accepted', async () => {
    const out = tempDir();
    const result = await runCli(['run', '--endpoint', url, '--config', declaredFixtures(), '--rules', 'meter-usage.accepts-valid', '--seed', '4', '--runs', '5', '--out', out]);
    expect(result.code, result.stdout).toBe(1);
    const rule = readReport(out).rules.find((r) => r.id === 'meter-usage.accepts-valid')!;
    expect(rule.verdict).toBe('fail');
    expect(JSON.stringify(rule.failure?.actual)).toContain('DuplicateRequestException');
  }, 60_000);
});
