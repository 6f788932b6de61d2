// `metering-conformance run`: resolve the target (or start the embedded emulator), run the
// suites through vitest with the conformance reporter, print the summary, set the exit code.
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../catalogue/paths.js';
import { catalogueFor } from '../catalogue/catalogue.js';
import type { RunningEmulator } from '../emulator/index.js';
import { loadModel, modelLabel, ModelError } from '../generators/model.js';
import type { Report } from '../reports/types.js';
import type { ConformanceContext } from '../suites/harness/context.js';
import { ConfigError, loadTargetConfig } from '../target/config.js';
import { TEST_CREDENTIALS, type TargetDescription } from '../target/description.js';
import { checkBaselineRules, loadBaseline } from '../reports/baseline.js';
import { endpointFromEnvironment } from '../target/aws-environment.js';
import { resolveTarget } from '../target/resolve.js';
import { integerFlag, parseFlags, UsageError } from './args.js';
import { parseShard, selectRules, shardRules, suiteFiles, testNamePattern } from './selection.js';

export const RUN_HELP = `Usage: metering-conformance run [options]

Runs the conformance suites against a target and writes report.html, report.json,
junit.xml and summary.md. Without an endpoint (--endpoint, the config's endpoint,
AWS_ENDPOINT_URL_MARKETPLACE_METERING or AWS_ENDPOINT_URL), the embedded reference
emulator is started on a free 127.0.0.1 port and used as the target.

Options:
  --endpoint URL   target endpoint (default: config, AWS_ENDPOINT_URL_MARKETPLACE_METERING,
                   AWS_ENDPOINT_URL, else the embedded emulator)
  --config FILE    target.yaml: fixtures the target knows, capabilities it has
  --out DIR        report folder (default: ./conformance-report)
  --seed N         run seed (default: random, printed); replays a run exactly
  --runs N         property runs per rule (default: 25)
  --rules GLOB     only rules whose id matches (comma-separated globs, * wildcard)
  --shard I/N      only the I-th of N slices of the rules (CI machines; merge the
                   reports with "metering-conformance report --merge")
  --baseline FILE  known divergences (YAML/JSON list of { rule, reason }): shown, but
                   they do not fail the run; a listed rule that passes is reported
  --level LEVEL    gate on "must" rules only, or on "must" and "should" (default)
  --model FILE     service model version to judge against (default: bundled latest)
  --replay PATH    replay one counterexample (with --seed and a single rule in --rules)
  --driver NAME    raw (default: awsJson over HTTP, can send malformed input) or sdk
                   (through @aws-sdk/client-marketplace-metering)
  --region NAME    signing region (default: config, the emulator's, AWS_REGION,
                   AWS_DEFAULT_REGION, the AWS_PROFILE region in ~/.aws/config, us-east-1)
  --timeout MS     time limit of one request to the target (default: 30000)
  --allow-real-service
                   let an endpoint of the real AWS service through; even then only
                   DryRun MeterUsage and ResolveCustomer calls are sent, and rules that
                   need other calls are not-applicable
  --progress       progress lines on stderr (default: only when stderr is a terminal)
  -h, --help       this help

Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN), else the
AWS_PROFILE (default "default") keys in ~/.aws/credentials or ~/.aws/config
(AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE); loopback targets without any get
fixed test credentials.

Exit codes: 0 conformant, 1 non-conformant, 2 usage or configuration error.`;

// Enough to reach the generators' weighted boundaries on every rule while keeping a default run
// short enough for every CI job; raise it for deeper searches.
const DEFAULT_RUNS = 25;

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
    timeout: { type: 'string' },
    'allow-real-service': { type: 'boolean' },
    shard: { type: 'string' },
    baseline: { type: 'string' },
    progress: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  const seed = integerFlag('seed', values.seed, -(2 ** 31), 2 ** 31 - 1) ?? randomInt(2 ** 31 - 1);
  const runs = integerFlag('runs', values.runs, 1, 1_000_000) ?? DEFAULT_RUNS;
  const requestTimeoutMs = integerFlag('timeout', values.timeout, 100, 600_000);
  const allowRealService = values['allow-real-service'] === true;
  const level = values.level ?? 'should';
  if (level !== 'must' && level !== 'should') throw new UsageError(`--level must be "must" or "should", got "${level}"`);
  const driver = values.driver ?? 'raw';
  if (driver !== 'raw' && driver !== 'sdk') throw new UsageError(`--driver must be "raw" or "sdk", got "${driver}"`);
  const outDir = resolve(values.out ?? 'conformance-report');
  const shard = parseShard(values.shard);
  let model;
  try {
    model = loadModel(values.model ? resolve(values.model) : undefined);
  } catch (error) {
    if (error instanceof ModelError) throw new ConfigError(error.message);
    throw error;
  }
  const allRules = catalogueFor(model);
  const selected = selectRules(allRules, values.rules);
  const rules = shard === undefined ? selected : shardRules(selected, shard);
  if (values.replay !== undefined && shard !== undefined) throw new UsageError('--replay replays one rule: it does not take --shard');
  const baseline = values.baseline === undefined ? undefined : loadBaseline(resolve(values.baseline), values.baseline);
  if (baseline !== undefined) checkBaselineRules(baseline, allRules.map((r) => r.id));
  if (values.replay !== undefined && rules.length !== 1) throw new UsageError('--replay needs --rules naming exactly one rule');
  if (values.replay !== undefined && values.seed === undefined) throw new UsageError('--replay needs the --seed of the run that failed');
  const config = values.config ? loadTargetConfig(resolve(values.config)) : undefined;
  const endpointChoice =
    values.endpoint !== undefined
      ? { value: values.endpoint, source: '--endpoint' }
      : config?.endpoint !== undefined
        ? { value: config.endpoint, source: `${values.config} (endpoint)` }
        : endpointFromEnvironment(process.env);
  const endpoint = endpointChoice?.value;

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
    const resolved = await resolveTarget({
      endpoint,
      config,
      region: values.region,
      env: process.env,
      allowRealService,
      ...(requestTimeoutMs !== undefined ? { timeoutMs: requestTimeoutMs } : {}),
    }).catch((error: unknown) => {
      // The guard and the reachability check name the endpoint; say where it came from too.
      if (error instanceof ConfigError && endpointChoice!.source !== '--endpoint') throw new ConfigError(`${endpointChoice!.source}: ${error.message}`);
      throw error;
    });
    description = resolved.description;
    clockOffsetMs = resolved.clockOffsetMs;
    if (endpointChoice!.source !== '--endpoint') process.stderr.write(`note: endpoint ${endpoint} from ${endpointChoice!.source}\n`);
    for (const note of resolved.notes) process.stderr.write(`note: ${note}\n`);
  }

  const context: ConformanceContext = {
    target: description,
    driver,
    seed,
    runs,
    modelFile: model.file,
    clockOffsetMs,
    ...(allowRealService ? { allowRealService } : {}),
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
    ...(values.replay !== undefined ? { replay: { ruleId: rules[0].id, path: values.replay } } : {}),
  };
  const shardNote = shard === undefined ? '' : ` (shard ${shard.index}/${shard.count} of ${selected.length})`;
  process.stderr.write(`metering-conformance: ${rules.length} rules${shardNote} against ${description.label}, ${driver} driver (seed ${seed}, ${runs} runs per rule)\n`);

  // Heavy modules load only once the flags are known to be good: usage errors answer at once.
  const [{ startVitest }, { ConformanceReporter }, { renderConsoleSummary }, { ProgressReporter }] = await Promise.all([
    import('vitest/node'),
    import('../reports/vitest-reporter.js'),
    import('../reports/summary.js'),
    import('../reports/progress.js'),
  ]);
  let report: Report | undefined;
  const reporter = new ConformanceReporter({
    outDir,
    rules,
    catalogue: allRules,
    gateLevel: level,
    ...(baseline !== undefined ? { baseline } : {}),
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
      ...(values.rules !== undefined ? { ruleFilter: values.rules } : {}),
      ...(shard !== undefined ? { shard } : {}),
    },
    onReport: (r) => {
      report = r;
    },
  });
  // Progress goes to stderr only: stdout carries the summary, which scripts may capture.
  const terminal = process.stderr.isTTY === true;
  const progress =
    values.progress === true || terminal
      ? [new ProgressReporter({ ruleIds: rules.map((r) => r.id), live: terminal, write: (text) => process.stderr.write(text) })]
      : [];
  const compiledRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
  try {
    const vitest = await startVitest(
      'test',
      [],
      {
        root: compiledRoot,
        config: false,
        include: suiteFiles(rules, allRules),
        exclude: [],
        watch: false,
        reporters: [reporter, ...progress],
        provide: { conformance: context },
        testNamePattern: testNamePattern(rules, allRules),
        testTimeout: 300_000,
        maxConcurrency: 8,
        // The suites share no mutable module state: one module graph for all files saves
        // re-importing the generators, ajv and the SDK once per file.
        isolate: false,
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
