// `metering-conformance run`: resolve the target (or start the embedded emulator), run the
// suites through vitest with the conformance reporter, print the summary, set the exit code.
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../catalogue/paths.js';
import { catalogueFor } from '../catalogue/catalogue.js';
import type { Rule } from '../catalogue/rules.js';
import type { RunningEmulator } from '../emulator/index.js';
import { loadModel, modelLabel, ModelError } from '../generators/model.js';
import type { Report } from '../reports/types.js';
import type { ConformanceContext } from '../suites/harness/context.js';
import { ConfigError, loadTargetConfig } from '../target/config.js';
import { TEST_CREDENTIALS, type TargetDescription } from '../target/description.js';
import { resolveTarget } from '../target/resolve.js';
import { integerFlag, parseFlags, UsageError } from './args.js';

export const RUN_HELP = `Usage: metering-conformance run [options]

Runs the conformance suites against a target and writes report.html, report.json,
junit.xml and summary.md. Without --endpoint, the embedded reference emulator is
started on a free 127.0.0.1 port and used as the target.

Options:
  --endpoint URL   target endpoint (default: the embedded emulator)
  --config FILE    target.yaml: fixtures the target knows, capabilities it has
  --out DIR        report folder (default: ./conformance-report)
  --seed N         run seed (default: random, printed); replays a run exactly
  --runs N         property runs per rule (default: 100)
  --rules GLOB     only rules whose id matches (comma-separated globs, * wildcard)
  --level LEVEL    gate on "must" rules only, or on "must" and "should" (default)
  --model FILE     service model version to judge against (default: bundled latest)
  --replay PATH    replay one counterexample (with --seed and a single rule in --rules)
  --driver NAME    raw (default: awsJson over HTTP, can send malformed input) or sdk
                   (through @aws-sdk/client-marketplace-metering)
  --region NAME    signing region (default: config, AWS_REGION, or us-east-1)
  -h, --help       this help

Exit codes: 0 conformant, 1 non-conformant, 2 usage or configuration error.`;

const DEFAULT_RUNS = 100;

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

export function selectRules(all: Rule[], globs: string | undefined): Rule[] {
  if (!globs) return all;
  const patterns = globs.split(',').map((g) => g.trim()).filter(Boolean).map(globToRegExp);
  const selected = all.filter((rule) => patterns.some((p) => p.test(rule.id)));
  if (selected.length === 0) throw new UsageError(`--rules ${globs} matches no rule (see metering-conformance rules)`);
  return selected;
}

/** vitest test-name filter: a test runs when one of its rule ids is selected. */
function testNamePattern(selected: Rule[], all: Rule[]): RegExp | undefined {
  if (selected.length === all.length) return undefined;
  const ids = selected.map((r) => r.id.replace(/[.+?^${}()|[\]\\*]/g, '\\$&'));
  return new RegExp(`(^| \\+ )(${ids.join('|')})( \\+ |$)`);
}

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parseFlags('run', args, {
    endpoint: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    runs: { type: 'string' },
    rules: { type: 'string' },
    level: { type: 'string' },
    model: { type: 'string' },
    replay: { type: 'string' },
    region: { type: 'string' },
    driver: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  const seed = integerFlag('seed', values.seed, -(2 ** 31), 2 ** 31 - 1) ?? randomInt(2 ** 31 - 1);
  const runs = integerFlag('runs', values.runs, 1, 1_000_000) ?? DEFAULT_RUNS;
  const level = values.level ?? 'should';
  if (level !== 'must' && level !== 'should') throw new UsageError(`--level must be "must" or "should", got "${level}"`);
  const driver = values.driver ?? 'raw';
  if (driver !== 'raw' && driver !== 'sdk') throw new UsageError(`--driver must be "raw" or "sdk", got "${driver}"`);
  const outDir = resolve(values.out ?? 'conformance-report');
  let model;
  try {
    model = loadModel(values.model ? resolve(values.model) : undefined);
  } catch (error) {
    if (error instanceof ModelError) throw new ConfigError(error.message);
    throw error;
  }
  const allRules = catalogueFor(model);
  const rules = selectRules(allRules, values.rules);
  if (values.replay !== undefined && rules.length !== 1) throw new UsageError('--replay needs --rules naming exactly one rule');
  if (values.replay !== undefined && values.seed === undefined) throw new UsageError('--replay needs the --seed of the run that failed');
  const config = values.config ? loadTargetConfig(resolve(values.config)) : undefined;
  const endpoint = values.endpoint ?? config?.endpoint;

  let emulator: RunningEmulator | undefined;
  let description: TargetDescription;
  let clockOffsetMs = 0;
  if (endpoint === undefined) {
    const { startEmulator } = await import('../emulator/index.js');
    emulator = await startEmulator({ model });
    const published = emulator.describe();
    description = {
      endpoint: emulator.url,
      region: published.region,
      label: 'embedded reference emulator',
      credentials: TEST_CREDENTIALS,
      fixtures: published.fixtures,
      capabilities: published.capabilities,
    };
  } else {
    const resolved = await resolveTarget({ endpoint, config, region: values.region, env: process.env });
    description = resolved.description;
    clockOffsetMs = resolved.clockOffsetMs;
    for (const note of resolved.notes) process.stderr.write(`note: ${note}\n`);
  }

  const context: ConformanceContext = {
    target: description,
    driver,
    seed,
    runs,
    modelFile: model.file,
    clockOffsetMs,
    ...(values.replay !== undefined ? { replay: { ruleId: rules[0].id, path: values.replay } } : {}),
  };
  process.stderr.write(`metering-conformance: ${rules.length} rules against ${description.label}, ${driver} driver (seed ${seed}, ${runs} runs per rule)\n`);

  // Heavy modules load only once the flags are known to be good: usage errors answer at once.
  const [{ startVitest }, { ConformanceReporter }, { renderConsoleSummary }] = await Promise.all([
    import('vitest/node'),
    import('../reports/vitest-reporter.js'),
    import('../reports/summary.js'),
  ]);
  let report: Report | undefined;
  const reporter = new ConformanceReporter({
    outDir,
    rules,
    catalogue: allRules,
    gateLevel: level,
    secrets: [description.credentials.secretAccessKey, description.credentials.sessionToken].filter((s): s is string => !!s),
    run: {
      tool: { name: 'metering-conformance', version: packageVersion() },
      seed,
      runs,
      target: description.label,
      driver,
      model: modelLabel(model),
      level,
      startedAt: new Date().toISOString(),
      node: process.version,
    },
    onReport: (r) => {
      report = r;
    },
  });
  const compiledRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
  try {
    const vitest = await startVitest(
      'test',
      [],
      {
        root: compiledRoot,
        config: false,
        include: ['suites/**/*.test.js'],
        exclude: [],
        watch: false,
        reporters: [reporter],
        provide: { conformance: context },
        testNamePattern: testNamePattern(rules, allRules),
        testTimeout: 300_000,
        maxConcurrency: 8,
      },
      // Vite's cache goes to the temp folder: the package folder may be read-only (npx cache).
      { logLevel: 'error', cacheDir: join(tmpdir(), 'metering-conformance-vite') },
    );
    await vitest.close();
  } finally {
    await emulator?.close();
  }
  if (!report) throw new Error('the test run ended without a report (see the errors above)');
  process.stdout.write(`${renderConsoleSummary(report, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, outDir })}\n`);
  return report.summary.conformant ? 0 : 1;
}
