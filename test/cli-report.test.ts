// `metering-conformance report`: render again from a report.json, merge shard reports, judge
// against a baseline; invalid input is one line and exit 2. Built from fixture reports, so
// no suite runs here (the shard run itself is in cli-shard.test.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Report } from '../reports/types.js';
import { sampleReport } from './reports-fixtures.js';
import { readReport, runCli, tempDir, verdicts } from './support/cli.js';

const REPORT_FILES = ['report.json', 'report.html', 'junit.xml', 'summary.md'];

function writeJson(value: unknown, name = 'report.json'): string {
  const file = join(tempDir('mc-report-'), name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

/** The sample report cut into `count` shard reports, as `run --shard i/count` would write them. */
function shardsOf(report: Report, count: number): Report[] {
  return Array.from({ length: count }, (_, i) => ({
    ...report,
    run: { ...report.run, shard: { index: i + 1, count } },
    rules: report.rules.filter((_, position) => position % count === i),
  }));
}

async function expectUsageError(args: string[], message: RegExp): Promise<void> {
  const result = await runCli(args);
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

// Each test spawns the command; generous limits for a busy machine.
const SPAWNS = { timeout: 300_000 };

describe.concurrent('report --from', SPAWNS, () => {
  test('writes the four files next to the report.json, exit code from its verdicts', async () => {
    const source = writeJson(sampleReport());
    const dir = join(source, '..');
    const result = await runCli(['report', '--from', source]);
    expect(sampleReport().summary.conformant).toBe(false);
    expect(result.code).toBe(1);
    for (const file of REPORT_FILES) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/<html/);
    expect(result.stdout).toMatch(/NOT CONFORMANT/);
    expect(readReport(dir)).toEqual(sampleReport());
  });

  test('--out elsewhere; a conformant report exits 0', async () => {
    const sample = sampleReport();
    const passing: Report = { ...sample, rules: sample.rules.filter((r) => r.verdict !== 'fail' && r.verdict !== 'error'), problems: [] };
    const { summarize } = await import('../reports/build.js');
    passing.summary = summarize(passing.rules, passing.run.level, []);
    const out = tempDir();
    const result = await runCli(['report', '--from', writeJson(passing), '--out', out]);
    expect(result.code).toBe(0);
    expect(verdicts(readReport(out))).toEqual(verdicts(passing));
  });

  test('--baseline listing every failure turns the exit code to 0', async () => {
    const sample = sampleReport();
    const failing = sample.rules.filter((r) => r.level !== 'implementation-defined' && (r.verdict === 'fail' || r.verdict === 'error'));
    expect(failing.length).toBeGreaterThan(0);
    const noProblems = writeJson({ ...sample, problems: [] });
    const baseline = join(tempDir('mc-baseline-'), 'baseline.json');
    writeFileSync(baseline, JSON.stringify(failing.map((r) => ({ rule: r.id, reason: 'accepted for now' }))));
    const out = tempDir();
    const result = await runCli(['report', '--from', noProblems, '--out', out, '--baseline', baseline]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = readReport(out);
    expect(report.run.baseline?.entries).toHaveLength(failing.length);
    expect(report.rules.filter((r) => r.baseline?.status === 'known-failure').map((r) => r.id)).toEqual(failing.map((r) => r.id));
  });

  test.each([
    ['not JSON', '{"schemaVersion":', /is not JSON/],
    ['a schema violation', { ...sampleReport(), schemaVersion: 3 }, /is not a valid report\.json \(reports\/report\.schema\.json\): report\/schemaVersion must be equal to constant/],
    ['a missing field', { schemaVersion: 1, rules: [] }, /is not a valid report\.json .*missing the required property "run"/],
  ])('%s is exit 2 with the reason', async (_what, content, message) => {
    await expectUsageError(['report', '--from', writeJson(content)], message);
  });

  test('a missing file is exit 2', async () => {
    await expectUsageError(['report', '--from', join(tempDir(), 'none.json')], /cannot read .*none\.json: ENOENT/);
  });
});

describe.concurrent('report --merge', SPAWNS, () => {
  test('all shards merged list every rule once, with the verdicts of the whole report', async () => {
    const whole = sampleReport();
    const files = shardsOf(whole, 3).map((shard, i) => writeJson(shard, `shard-${i + 1}.json`));
    const out = tempDir();
    const result = await runCli(['report', '--merge', ...files, '--out', out]);
    expect(result.code).toBe(whole.summary.conformant ? 0 : 1);
    const merged = readReport(out);
    expect(merged.rules.map((r) => r.id).sort()).toEqual(whole.rules.map((r) => r.id).sort());
    expect(verdicts(merged)).toEqual(verdicts(whole));
    expect(merged.summary).toEqual(whole.summary);
    expect(merged.run.shard).toBeUndefined();
  });

  test.each([
    ['a missing shard', (s: Report[]) => [s[0], s[2]], /shard 2\/3 missing/],
    ['a shard given twice', (s: Report[]) => [s[0], s[1], s[1], s[2]], /shard 2\/3 is given twice/],
    ['shards of different runs', (s: Report[]) => [s[0], s[1], { ...s[2]!, run: { ...s[2]!.run, seed: 1 } }], /different runs: seed/],
    ['shards of different --rules', (s: Report[]) => [s[0], s[1], { ...s[2]!, run: { ...s[2]!.run, ruleFilter: 'auth.*' } }], /different runs: ruleFilter/],
  ])('%s is exit 2', async (_what, pick, message) => {
    const files = pick(shardsOf(sampleReport(), 3)).map((shard, i) => writeJson(shard, `shard-${i}.json`));
    await expectUsageError(['report', '--merge', ...files, '--out', tempDir()], message);
  });
});

describe.concurrent('usage', SPAWNS, () => {
  test.each([
    [['report'], /needs --from report\.json or --merge/],
    [['report', '--merge'], /--merge needs the report\.json files/],
    [['report', '--from', 'a.json', '--merge', 'b.json'], /either --from FILE or --merge/],
    [['report', '--from', 'a.json', 'b.json'], /unexpected argument "b\.json"/],
    [['report', '--bogus'], /unknown option '--bogus'/],
  ])('%j', async (args, message) => {
    await expectUsageError(args, message);
  });

  test('--help on every command', async () => {
    const commands = ['run', 'serve', 'rules', 'report'];
    const results = await Promise.all(commands.map((command) => runCli([command, '--help'])));
    commands.forEach((command, i) => {
      expect(results[i]!.code).toBe(0);
      expect(results[i]!.stdout).toMatch(new RegExp(`Usage: metering-conformance ${command}`));
    });
  });
});
