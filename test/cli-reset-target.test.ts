// A target without caller isolation that can be reset (`serve --shared-ledger`: one ledger for
// every access key id, this project's reset; moto is the other kind, see cli-init.test.ts): the
// run resets it before each property run, one at a time, and judges every rule that needs a
// clean ledger. The same target declared as isolating callers shows why: its runs then collide.
import { describe, expect, test } from 'vitest';
import { CAPABILITY_NEED_SPECS } from '../catalogue/needs.js';
import { CONTROL_PREFIX, NO_CAPABILITIES } from '../core/description.js';
import { CLEAN_LEDGER_NEEDS_ONE_WORKER, CLOCK_NEEDS_ISOLATION_OR_RESET, DESCRIBED_CLOCK_NEEDS_RESET, unmetNeeds } from '../suites/harness/needs.js';
import type { ConformanceContext } from '../suites/harness/context.js';
import { catalogueFor } from '../catalogue/catalogue.js';
import { loadModel } from '../core/model.js';
import { publishedConfig, readReport, runCli, serveAround, tempDir, verdicts } from './support/cli.js';

const RULES = 'meter-usage.*,batch-meter-usage.*,idempotency.*';

describe('serve --shared-ledger', () => {
  const served = serveAround(['--shared-ledger']);
  const isolating = serveAround();

  test('as it describes itself (reset, no caller isolation): property runs reset one at a time; the verdicts of an isolating target, rule by rule', async () => {
    const out = tempDir();
    const result = await runCli(['run', '--endpoint', served.url, '--rules', RULES, '--seed', '4', '--runs', '10', '--out', out]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stderr).toContain('note: the target has no caller isolation: each property run starts with its reset, one property run at a time');
    const isolatingOut = tempDir();
    expect((await runCli(['run', '--endpoint', isolating.url, '--rules', RULES, '--seed', '4', '--runs', '10', '--out', isolatingOut])).code).toBe(0);
    const shared = verdicts(readReport(out));
    expect(Object.values(shared).filter((v) => v === 'pass').length).toBeGreaterThan(40);
    expect(shared).toEqual(verdicts(readReport(isolatingOut)));
  });

  test('declared as isolating callers without a reset, its property runs share a ledger and collide', async () => {
    const config = await publishedConfig(served.url, { capabilities: { callerIsolation: true } });
    const out = tempDir();
    const result = await runCli(['run', '--config', config, '--endpoint', served.url, '--rules', RULES, '--seed', '4', '--runs', '10', '--out', out]);
    expect(result.code).toBe(1);
    const actuals = readReport(out)
      .rules.filter((r) => r.verdict === 'fail')
      .map((r) => JSON.stringify(r.failure?.actual));
    expect(actuals.some((a) => a.includes('DuplicateRequestException'))).toBe(true);
  });

  test('a reset request described in target.yaml is sent as written, and its header values stay out of the report', async () => {
    const secret = 'reset-header-secret-0123456789';
    const reset = { method: 'POST', path: `${CONTROL_PREFIX}/reset`, body: {}, headers: { 'x-metering-conformance-control': '1', 'x-reset-key': secret } };
    const config = await publishedConfig(served.url, { capabilities: { reset, clockControl: true } });
    const out = tempDir();
    const result = await runCli(['run', '--config', config, '--endpoint', served.url, '--rules', 'meter-usage.*', '--seed', '4', '--runs', '5', '--out', out]);
    expect(result.code, result.stdout).toBe(0);
    expect(readReport(out).rules.filter((r) => r.verdict === 'pass').length).toBeGreaterThan(10);
    expect(JSON.stringify(readReport(out))).not.toContain(secret);
  });

  test('a reset the target refuses makes the rules that reset errors with the answer, never failures', async () => {
    const config = await publishedConfig(served.url, { capabilities: { reset: { method: 'POST', path: '/no-such-reset' } } });
    const out = tempDir();
    const result = await runCli(['run', '--config', config, '--endpoint', served.url, '--rules', 'meter-usage.accepts-valid,meter-usage.identical-retry', '--seed', '4', '--runs', '3', '--out', out]);
    expect(result.code).toBe(1);
    const rules = readReport(out).rules;
    expect(rules.map((r) => r.verdict)).toEqual(['error', 'error']);
    for (const rule of rules) expect(rule.reason).toMatch(/^target answered the reset before a property run with HTTP 404: /);
  });
});

describe('serve --shared-ledger --fault accept-conflicting-quantity', () => {
  const served = serveAround(['--shared-ledger', '--fault', 'accept-conflicting-quantity']);

  test('the defect is caught as on an isolating target; the counterexample opens with the reset', async () => {
    const out = tempDir();
    const result = await runCli(['run', '--endpoint', served.url, '--rules', 'meter-usage.duplicate-quantity', '--seed', '4', '--out', out]);
    expect(result.code).toBe(1);
    const failure = readReport(out).rules.find((r) => r.id === 'meter-usage.duplicate-quantity')!.failure!;
    expect(failure.transcript?.[0]).toMatchObject({ label: 'control: reset', request: { method: 'POST', url: `${served.url}${CONTROL_PREFIX}/reset` }, response: { status: 200 } });
  });
});

describe('serve --shared-ledger --fault window-off-by-one-second, its clock declared as a request of its own control plane', () => {
  const served = serveAround(['--shared-ledger', '--fault', 'window-off-by-one-second']);
  // The whole target's clock (no "caller"), as another control plane would set it.
  const clockControl = { method: 'POST', path: `${CONTROL_PREFIX}/clock`, headers: { 'x-metering-conformance-control': '1' }, body: { set: '{{epochSeconds}}' } };

  test('the window rule sets the clock with it, catches the defect, and each property run sets the clock back after', async () => {
    const config = await publishedConfig(served.url, { capabilities: { reset: true, clockControl } });
    const out = tempDir();
    const result = await runCli(['run', '--config', config, '--endpoint', served.url, '--rules', 'meter-usage.window-past-boundary', '--seed', '4', '--out', out]);
    expect(result.code, result.stdout).toBe(1);
    const rule = readReport(out).rules[0]!;
    expect(rule.verdict).toBe('fail');
    const clockCalls = (rule.failure?.transcript ?? []).filter((e) => e.label === 'control: clock');
    expect(clockCalls.length).toBeGreaterThanOrEqual(2);
    // Set to an instant of the rule's choosing, then back to the time of day.
    const setTo = (call: (typeof clockCalls)[number]) => (JSON.parse(String(call.request.body)) as { set: number }).set * 1000;
    expect(Math.abs(setTo(clockCalls.at(-1)!) - Date.now())).toBeLessThan(10 * 60_000);
    expect(rule.failure?.script).toContain(`${CONTROL_PREFIX}/clock`);
  });
});

describe('the need of a clean ledger', () => {
  const model = loadModel();
  const rule = catalogueFor(model).find((r) => r.id === 'meter-usage.identical-retry')!;
  const context = (capabilities: object, oneWorker: boolean) =>
    ({ target: { capabilities: { ...NO_CAPABILITIES, ...capabilities }, fixtures: { products: [{ code: 'p', kind: 'ami', dimensions: ['d'] }], customers: [], tokens: [], registrations: [] } }, driver: 'raw', ...(oneWorker ? { oneWorker } : {}) }) as unknown as ConformanceContext;

  test('is met by caller isolation anywhere; by a reset, or on keys no other property run recorded on, only in a run of one worker', () => {
    expect(rule.needs.capabilities).toContain('cleanLedger');
    expect(unmetNeeds([rule], context({ callerIsolation: true }, false), model)).toBeUndefined();
    expect(unmetNeeds([rule], context({ reset: { method: 'POST', path: '/moto-api/reset' } }, true), model)).toBeUndefined();
    expect(unmetNeeds([rule], context({ reset: true }, false), model)).toBe(CLEAN_LEDGER_NEEDS_ONE_WORKER);
    expect(unmetNeeds([rule], context({}, true), model)).toBeUndefined();
    expect(unmetNeeds([rule], context({}, false), model)).toBe(CLEAN_LEDGER_NEEDS_ONE_WORKER);
    // Clock control without caller isolation moves the target's clock: only a reset puts it back.
    const clockRule = catalogueFor(model).find((r) => r.id === 'meter-usage.window-past-boundary')!;
    expect(clockRule.needs.capabilities).toContain('clockControl');
    expect(unmetNeeds([clockRule], context({ clockControl: true }, true), model)).toBe(CLOCK_NEEDS_ISOLATION_OR_RESET);
    expect(unmetNeeds([clockRule], context({ clockControl: true, reset: true }, true), model)).toBeUndefined();
    // A clock the target's own control plane sets is the whole target's: runs one at a time, after a reset.
    const described = { method: 'POST', path: '/admin/clock', body: { now: '{{iso}}' } };
    expect(unmetNeeds([clockRule], context({ clockControl: described, reset: true }, true), model)).toBeUndefined();
    expect(unmetNeeds([clockRule], context({ clockControl: described, callerIsolation: true, reset: true }, true), model)).toBe(DESCRIBED_CLOCK_NEEDS_RESET);
    expect(unmetNeeds([clockRule], context({ clockControl: described }, true), model)).toBe(CLOCK_NEEDS_ISOLATION_OR_RESET);
    // What the target itself provides, as init and `rules --needs` report it.
    expect(CAPABILITY_NEED_SPECS.cleanLedger.present({ ...NO_CAPABILITIES })).toBe(false);
  });
});
