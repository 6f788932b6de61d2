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
import { readReport, runCli, serveAround, tempDir } from './support/cli.js';

/** A target.yaml declaring the emulator's default fixtures and nothing else (no capabilities). */
function declaredFixtures(): string {
  const { region: _region, secretAccessKey: _secret, ...fixtures } = loadFixtures(DEFAULT_FIXTURES_PATH);
  const file = join(tempDir(), 'target.yaml');
  writeFileSync(file, JSON.stringify({ region: 'us-east-1', fixtures }));
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
