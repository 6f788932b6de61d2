// Runs a small vitest project through ConformanceReporter and checks the report it writes:
// verdicts from real TestCase objects, skip notes, failed hooks and unhandled errors.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVitest } from 'vitest/node';
import type { Rule } from '../catalogue/rules.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import type { Report } from '../reports/types.js';
import { ConformanceReporter } from '../reports/vitest-reporter.js';

function rule(id: string, level: Rule['level'] = 'must'): Rule {
  return { id, statement: `statement of ${id}`, level, family: 'fixture', operations: ['MeterUsage'], sources: ['https://example.test/doc'], needs: {} };
}

const RULES = [
  rule('fx.pass'),
  rule('fx.fail'),
  rule('fx.skip', 'should'),
  rule('fx.observed', 'implementation-defined'),
  rule('fx.unhandled'),
  rule('fx.setup'),
  rule('fx.untested'),
];

// The fixture project must live under the package so that it resolves `vitest`.
const FIXTURE = `
import { beforeAll, describe, expect, test } from 'vitest';
test('passes', (ctx) => { ctx.task.meta.conformance = { ruleIds: ['fx.pass'], numRuns: 5 }; expect(1).toBe(1); });
test('fails', (ctx) => {
  ctx.task.meta.conformance = { ruleIds: ['fx.fail'] };
  expect({ status: 500 }).toEqual({ status: 200 });
});
test('skips', (ctx) => { ctx.task.meta.conformance = { ruleIds: ['fx.skip'] }; ctx.skip('target has no clock control'); });
test('observes', (ctx) => { ctx.task.meta.conformance = { ruleIds: ['fx.observed'], observed: 'accepted a 2-hour-old timestamp' }; });
test('leaks a rejection', async (ctx) => {
  ctx.task.meta.conformance = { ruleIds: ['fx.unhandled'] };
  void Promise.reject(new Error('leaked-rejection-marker'));
  await new Promise((resolve) => setImmediate(resolve));
});
describe('with failing setup', () => {
  beforeAll(() => { throw new Error('setup-failure-marker'); });
  test('never runs', (ctx) => { ctx.task.meta.conformance = { ruleIds: ['fx.setup'] }; });
});
`;

let root: string;
let report: Report | undefined;
let files: string[] = [];

beforeAll(async () => {
  const base = join(PACKAGE_ROOT, 'test-artifacts');
  mkdirSync(base, { recursive: true });
  root = mkdtempSync(join(base, 'reporter-fixture-'));
  writeFileSync(join(root, 'fixture.test.ts'), FIXTURE);
  const reporter = new ConformanceReporter({
    outDir: join(root, 'out'),
    rules: RULES,
    gateLevel: 'should',
    secrets: ['fixture-secret-value'],
    run: {
      tool: { name: 'metering-conformance', version: '0.0.0-test' },
      seed: 7,
      runs: 5,
      target: 'fixture',
      driver: 'raw',
      model: 'fixture model',
      level: 'should',
      startedAt: new Date().toISOString(),
      node: process.version,
    },
    onReport: (r, written) => {
      report = r;
      files = written;
    },
  });
  const vitest = await startVitest(
    'test',
    [],
    { root, config: false, include: ['fixture.test.ts'], watch: false, reporters: [reporter], dangerouslyIgnoreUnhandledErrors: true },
    { logLevel: 'silent' },
  );
  await vitest.close();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('ConformanceReporter', () => {
  const verdict = (id: string) => report?.rules.find((r) => r.id === id);

  it('hands the report and the written files to onReport', () => {
    expect(report).toBeDefined();
    expect(files.map((f) => f.slice(join(root, 'out').length + 1)).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md']);
    const onDisk = JSON.parse(readFileSync(join(root, 'out', 'report.json'), 'utf8')) as Report;
    expect(onDisk).toEqual(report);
  });

  it('turns test states and meta into verdicts', () => {
    expect(verdict('fx.pass')).toMatchObject({ verdict: 'pass', numRuns: 5, tests: ['fixture.test.ts > passes'] });
    expect(verdict('fx.fail')?.verdict).toBe('fail');
    // A plain assertion failure (no property run): the rule's statement is what was expected,
    // the assertion's message is what happened, and there is no counterexample to replay.
    expect(verdict('fx.fail')?.failure).toEqual({
      counterexample: null,
      expected: 'statement of fx.fail',
      actual: 'AssertionError: expected { status: 500 } to deeply equal { status: 200 }',
      seed: 7,
      replay: 'npx metering-conformance run --seed 7 --rules fx.fail',
    });
    expect(verdict('fx.skip')).toMatchObject({ verdict: 'not-applicable', reason: 'target has no clock control' });
    expect(verdict('fx.observed')).toMatchObject({ verdict: 'observed', observed: 'accepted a 2-hour-old timestamp' });
    expect(verdict('fx.untested')).toMatchObject({ verdict: 'error', reason: 'no test checked this rule' });
  });

  it('makes unhandled errors and failed setup visible', () => {
    expect(verdict('fx.unhandled')).toMatchObject({ verdict: 'error' });
    expect(verdict('fx.unhandled')?.reason).toContain('leaked-rejection-marker');
    const problems = report?.problems ?? [];
    expect(problems.some((p) => p.includes('leaked-rejection-marker') && p.includes('leaks a rejection'))).toBe(true);
    expect(problems.some((p) => p.includes('setup-failure-marker'))).toBe(true);
    expect(report?.summary.conformant).toBe(false);
  });

  it('measures the run', () => {
    expect(report?.run.durationMs).toBeGreaterThan(0);
    expect(report?.run.seed).toBe(7);
  });
});
