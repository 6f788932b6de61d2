// End to end, as a user runs it: the embedded emulator run, serve + run --endpoint, and
// usage errors. (Fault modes are in cli-faults.test.ts.)
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { catalogueFor } from '../catalogue/catalogue.js';
import { loadModel } from '../core/model.js';
import { readReport, runCli, serveAround, tempDir, verdicts } from './support/cli.js';
import { expectNotApplicableExactly, MIXED_LICENSE_PRODUCTS, MIXED_LICENSE_PRODUCTS_REASON } from './support/not-applicable.js';

const SEED = '20261122';
const RUNS = '10';
/** Whole-catalogue runs on a busy 2-core machine: generous, but bounded. */
const RUN_TIMEOUT_MS = 600_000;
/**
 * What a default run against the embedded emulator cannot judge, whatever the driver: the
 * default fixtures have one SaaS product. (meter-usage.month-boundary depends on the clock:
 * expectNotApplicableExactly decides it.)
 */
const NOT_APPLICABLE_WITH_DEFAULT_FIXTURES = new Map([[MIXED_LICENSE_PRODUCTS, MIXED_LICENSE_PRODUCTS_REASON]]);

describe('run against the embedded emulator', () => {
  const out = tempDir();
  let result: Awaited<ReturnType<typeof runCli>>;
  let startedMs: number;
  let endedMs: number;
  beforeAll(async () => {
    startedMs = Date.now();
    result = await runCli(['run', '--out', out, '--seed', SEED, '--runs', RUNS], { timeoutMs: RUN_TIMEOUT_MS });
    endedMs = Date.now();
  }, RUN_TIMEOUT_MS);

  test('exits 0 and prints a one-screen summary', () => {
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(40);
    // The counts line agrees with report.json, with no failure and no error, and the run conforms.
    const { counts } = readReport(out).summary;
    expect(counts.pass).toBeGreaterThan(0);
    expect(counts.fail).toBe(0);
    expect(counts.error).toBe(0);
    const total = counts.pass + counts.observed + counts['not-applicable'];
    expect(result.stdout).toContain(`Rules ${total}: 0 fail, ${counts.observed} observed, ${counts['not-applicable']} n/a, ${counts.pass} pass`);
    expect(result.stdout).toMatch(/^CONFORMANT on \d+ of \d+ rules/m);
  });

  test('writes report.html, report.json, junit.xml and summary.md', () => {
    for (const file of ['report.html', 'report.json', 'junit.xml', 'summary.md']) expect(existsSync(join(out, file)), file).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<html/i);
  });

  test('report.json lists every rule of the catalogue as passed (or, for the rules listed above, not applicable now), with the run metadata', () => {
    const report = readReport(out);
    expect(report.run.seed).toBe(Number(SEED));
    expect(report.run.driver).toBe('raw');
    expect(report.run.target).toMatch(/emulator/);
    expect(typeof report.run.durationMs).toBe('number');
    const byId = new Map(report.rules.map((r) => [r.id, r]));
    // Exactly these rules are not-applicable: the one the default fixtures cannot serve, and
    // the month-boundary rule when the clock is outside its window. Of the others,
    // implementation-defined rules report what the target did (observed); every other passes.
    expectNotApplicableExactly(report, NOT_APPLICABLE_WITH_DEFAULT_FIXTURES, startedMs, endedMs);
    for (const rule of catalogueFor(loadModel())) {
      const result = byId.get(rule.id);
      expect(result, rule.id).toBeDefined();
      if (result?.verdict === 'not-applicable') continue;
      expect(result?.verdict, rule.id).toBe(rule.level === 'implementation-defined' ? 'observed' : 'pass');
    }
    expect(report.rules).toHaveLength(catalogueFor(loadModel()).length);
  });
});

describe('run --driver sdk against the embedded emulator', () => {
  test('exits 0; every rule has a verdict, none error or fail; not-applicable exactly the rules that need the raw driver, and those above', { timeout: RUN_TIMEOUT_MS }, async () => {
    const out = tempDir();
    const startedMs = Date.now();
    const result = await runCli(['run', '--driver', 'sdk', '--out', out, '--seed', SEED, '--runs', RUNS], { timeoutMs: RUN_TIMEOUT_MS });
    const endedMs = Date.now();
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    const report = readReport(out);
    expect(report.run.driver).toBe('sdk');
    const catalogue = catalogueFor(loadModel());
    const byId = new Map(report.rules.map((r) => [r.id, r]));
    for (const rule of catalogue) expect(byId.has(rule.id), rule.id).toBe(true);
    for (const rule of report.rules) {
      expect(['pass', 'observed', 'not-applicable'], `${rule.id}: ${rule.verdict} ${rule.reason ?? ''}`).toContain(rule.verdict);
    }
    // An AWS SDK cannot send what the raw-driver rules send (malformed, unsigned, members left out).
    const needsRaw = catalogue.filter((r) => r.needs.driver === 'raw').map((r): [string, RegExp] => [r.id, /^needs the raw driver: it sends requests an AWS SDK cannot produce/]);
    expect(needsRaw.length).toBeGreaterThan(0);
    expectNotApplicableExactly(report, new Map([...NOT_APPLICABLE_WITH_DEFAULT_FIXTURES, ...needsRaw]), startedMs, endedMs);
  });
});

describe('serve, then run --endpoint', () => {
  const served = serveAround();

  test('gives the same verdicts as the embedded run', { timeout: RUN_TIMEOUT_MS }, async () => {
    const embeddedOut = tempDir();
    const endpointOut = tempDir();
    const [embedded, external] = await Promise.all([
      runCli(['run', '--out', embeddedOut, '--seed', SEED, '--runs', RUNS], { timeoutMs: RUN_TIMEOUT_MS }),
      runCli(['run', '--endpoint', served.url, '--out', endpointOut, '--seed', SEED, '--runs', RUNS], { timeoutMs: RUN_TIMEOUT_MS }),
    ]);
    expect(embedded.code).toBe(0);
    expect(external.stderr).not.toMatch(/internal error/);
    expect(external.code).toBe(0);
    expect(verdicts(readReport(endpointOut))).toEqual(verdicts(readReport(embeddedOut)));
  });
});

describe('usage and configuration errors: one line, exit 2', () => {
  async function freePortThatIsClosed(): Promise<number> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    return port;
  }

  test.each([
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['run', '--runs', 'many'], /--runs must be an integer/],
    [['run', '--endpoint', 'not a url'], /not a valid URL/],
    [['run', '--endpoint', 'https://metering.marketplace.us-east-1.amazonaws.com'], /real AWS service/],
    [['run', '--level', 'may'], /--level must be/],
    [['run', '--rules', 'no-such-rule*'], /matches no rule/],
    [['serve', '--fault', 'no-such-fault'], /unknown fault mode/],
    [['frobnicate'], /unknown command/],
  ])('%j', async (args, message) => {
    const result = await runCli(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  test('an unreachable endpoint', async () => {
    const port = await freePortThatIsClosed();
    const result = await runCli(['run', '--endpoint', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/cannot reach endpoint .*connection refused/);
  });

  test('--help works for every command', async () => {
    for (const command of ['run', 'serve']) {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`Usage: metering-conformance ${command}`));
    }
  });
});
