// `metering-conformance run`: resolve the target (or start the embedded emulator), run the
// suites through vitest with the conformance reporter, print the summary, set the exit code.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Report } from '../reports/types.js';
import { endpointFromEnvironment } from '../target/aws-environment.js';
import { CONTROL_TOKEN_PATTERN, ledgerModeOf, type LedgerMode } from '../core/description.js';
import { DRIVER_NAMES, isDriverName } from '../target/types.js';
import { integerFlag, parseFlags, UsageError } from './args.js';
import { parseShard } from '../plan/selection.js';

/** What a run without caller isolation does instead, said once before it starts. */
const LEDGER_MODE_NOTES = {
  reset: 'the target has no caller isolation: each property run starts with its reset, one property run at a time',
  'fresh-keys':
    'the target has neither caller isolation nor a reset: a rule that needs a clean ledger holds the target alone (the others run side by side), and judges only inputs whose duplicate keys (MeterUsage product, dimension, caller and hour; BatchMeterUsage customer, dimension and hour) no earlier run recorded on, so it may judge fewer runs than asked',
} as const;

/** What the run does with the callers target.yaml declares: only a target without a clean ledger needs them. */
function callersNote(declared: number, mode: LedgerMode): string {
  const callers = `target.yaml declares ${declared} caller${declared === 1 ? '' : 's'} besides the run's credentials`;
  if (mode === 'fresh-keys') return `${callers}: each property run signs as one of the ${declared + 1}, the one that has recorded on the fewest MeterUsage keys`;
  return `${callers}, which the run does not use: ${mode === 'reset' ? 'a reset' : 'caller isolation'} gives every property run a clean ledger`;
}

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
  --driver NAME    raw (default: awsJson over HTTP, can send malformed input), sdk
                   (through @aws-sdk/client-marketplace-metering) or boto3 (through boto3 in
                   a Python process; needs Python 3 with boto3, see --python)
  --sdk PATH       with --driver sdk: load @aws-sdk/client-marketplace-metering from this
                   folder instead of the installed one (a build of
                   clients/client-marketplace-metering in an aws-sdk-js-v3 checkout, or an
                   unpacked npm tarball); dependencies it lacks come from this tool's
                   node_modules; report.json run.client names what was loaded
  --python PATH    with --driver boto3: the Python interpreter with boto3 (default: python3);
                   with --driver boto3, --sdk PATH names a boto3 or botocore source tree
                   (a checkout's root) that goes first on its sys.path
  --region NAME    signing region (default: config, the emulator's, AWS_REGION,
                   AWS_DEFAULT_REGION, the AWS_PROFILE region in ~/.aws/config, us-east-1)
  --timeout MS     time limit of one request to the target (default: 30000)
  --max-in-flight N
                   at most N calls to the target at once, for the whole run (a call with
                   its retries; control requests aside); the run then uses one worker
  --rate R         at most R calls started per second (R/s: a number such as 5 or 0.5,
                   "/s" optional), for the whole run; politeness toward a shared endpoint
  --ca-file FILE    a PEM file of certificate authorities trusted besides the system's, for a
                   target behind HTTPS with a private CA (default: the config's caFile).
                   HTTPS_PROXY, HTTP_PROXY and NO_PROXY are followed as botocore follows them
                   (the sdk driver, like the AWS SDK for JavaScript v3, connects directly)
  --control-token T
                   bearer token of the target's control API (serve --control-token T),
                   sent on every control request of the run (default: the variable
                   METERING_CONFORMANCE_CONTROL_TOKEN, else the config's controlToken);
                   never written to any output, so a failure's replay line leaves it out:
                   replay with METERING_CONFORMANCE_CONTROL_TOKEN=T set (which also keeps it
                   out of the process list) or give --control-token again
  --allow-real-service
                   let an endpoint of the real AWS service through; even then only
                   DryRun MeterUsage and ResolveCustomer calls are sent, and rules that
                   need other calls are not-applicable
  --har FILE       also write the exchanges of every failure's counterexample as HAR 1.2
                   (one page per rule, one entry per exchange)
  --progress       progress lines on stderr (default: only when stderr is a terminal)
  -h, --help       this help

Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN), else the
AWS_PROFILE (default "default") keys in ~/.aws/credentials or ~/.aws/config
(AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE); loopback targets without any get
fixed test credentials. target.yaml \`callers\` declares more callers (a profile or variables
each): on a target without caller isolation or reset, each multiplies the MeterUsage keys.

Before the rules, one request per operation that records nothing checks that the target
answers awsJson at all (otherwise exit 2, no report). A rule that only expects rejections
counts as passed only when a valid request of its operation was accepted in the same run.

Exit codes: 0 conformant (or observed: no must/should rule selected), 1 non-conformant or
inconclusive (no must/should rule could be judged), 2 usage or configuration error, or a
target that gave no awsJson answer.`;

/** --rate R or R/s: calls started per second, a positive number up to 10,000. */
function rateFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(value);
  const rate = match ? Number(match[1]) : NaN;
  if (!(rate > 0 && rate <= 10_000)) throw new UsageError(`--rate must be calls per second, a number above 0 and up to 10000 such as 5 or 0.5/s, got "${value}"`);
  return rate;
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
    sdk: { type: 'string' },
    python: { type: 'string' },
    timeout: { type: 'string' },
    'max-in-flight': { type: 'string' },
    rate: { type: 'string' },
    'allow-real-service': { type: 'boolean' },
    'control-token': { type: 'string' },
    'ca-file': { type: 'string' },
    shard: { type: 'string' },
    baseline: { type: 'string' },
    progress: { type: 'boolean' },
    har: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  const seed = integerFlag('seed', values.seed, -(2 ** 31), 2 ** 31 - 1);
  const runs = integerFlag('runs', values.runs, 1, 1_000_000);
  const requestTimeoutMs = integerFlag('timeout', values.timeout, 100, 600_000);
  const maxInFlight = integerFlag('max-in-flight', values['max-in-flight'], 1, 10_000);
  const ratePerSecond = rateFlag(values.rate);
  const politeness = maxInFlight !== undefined || ratePerSecond !== undefined ? { ...(maxInFlight !== undefined ? { maxInFlight } : {}), ...(ratePerSecond !== undefined ? { ratePerSecond } : {}) } : undefined;
  const level = values.level ?? 'should';
  if (level !== 'must' && level !== 'should') throw new UsageError(`--level must be "must" or "should", got "${level}"`);
  const driver = values.driver ?? 'raw';
  if (!isDriverName(driver)) throw new UsageError(`--driver must be one of ${DRIVER_NAMES.map((d) => `"${d}"`).join(', ')}, got "${driver}"`);
  const shard = parseShard(values.shard);
  const controlToken = values['control-token'];
  // The message never quotes the token: a wrong one may still be close to the real one.
  if (controlToken !== undefined && !CONTROL_TOKEN_PATTERN.test(controlToken)) throw new UsageError('--control-token must be at least 8 printable characters without spaces');
  // Without an endpoint anywhere, the run starts the embedded emulator, whose RSA signing key
  // takes a few hundred milliseconds to make: start it off the main thread now, while the
  // planning modules load.
  if (values.endpoint === undefined && values.config === undefined && endpointFromEnvironment(process.env) === undefined) {
    (await import('../emulator/register-usage.js')).startSigningKey();
  }
  const [{ planRun, runBanner }, { openTarget }, { COMPILED_ROOT, conformanceContextFor, REMOTE_ROUND_TRIP_MS, reporterOptions, schedulingFor, suiteVitestOptions }] = await Promise.all([
    import('../plan/run-plan.js'),
    import('../plan/target.js'),
    import('../plan/vitest-options.js'),
  ]);
  const plan = planRun({
    level,
    driver,
    sdk: values.sdk,
    python: values.python,
    seed,
    runs,
    shard,
    requestTimeoutMs,
    politeness,
    endpoint: values.endpoint,
    configFile: values.config,
    outDir: values.out,
    rules: values.rules,
    baselineFile: values.baseline,
    modelFile: values.model,
    replay: values.replay,
    region: values.region,
    allowRealService: values['allow-real-service'] === true,
    controlToken,
    caFile: values['ca-file'],
  });

  // A report folder that cannot be made is the user's to fix: say so before the run, not after it.
  try {
    mkdirSync(plan.outDir, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out ${plan.outDir}: cannot make the report folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }

  // Heavy modules load only once the flags are known to be good (usage errors answer at once),
  // and while the target opens: the emulator makes its signing key off the main thread.
  const modules = Promise.all([import('vitest/node'), import('../reports/vitest-reporter.js'), import('../reports/progress.js')]);
  modules.catch(() => undefined); // awaited below; a target that fails to open ends the run first
  const target = await openTarget(plan);
  const scheduling = schedulingFor(target.roundTripMs, plan.settings.politeness, target.description);
  const ledgerMode = ledgerModeOf(target.description.capabilities);
  // One worker for politeness says why here; without caller isolation, its own note does.
  const polite = plan.settings.politeness !== undefined;
  const workers = scheduling.maxWorkers !== 1 ? `in each of ${scheduling.maxWorkers} workers` : `in one worker${polite ? ' (--max-in-flight or --rate bound the whole run)' : ''}`;
  const runNotes: string[] = ledgerMode === 'caller-isolation' ? [] : [LEDGER_MODE_NOTES[ledgerMode]];
  const declared = target.description.callers?.length ?? 0;
  if (declared > 0) runNotes.push(callersNote(declared, ledgerMode));
  if (plan.settings.driver === 'sdk' && target.description.reach?.proxy !== undefined) {
    runNotes.push(`the sdk driver connects to the target directly, as the AWS SDK for JavaScript v3 does without an agent of its own: ${target.description.reach.proxyVariable} is used for the describe probe, the preflight and control requests only`);
  }
  const far = target.roundTripMs >= REMOTE_ROUND_TRIP_MS ? [`the target answered in ${Math.round(target.roundTripMs)} ms at best: ${scheduling.maxConcurrency} rules at once ${workers}`] : [];
  const notes = [...target.notes, ...runNotes, ...far];
  for (const note of notes) process.stderr.write(`note: ${note}\n`);
  process.stderr.write(`${runBanner(plan, target.description)}\n`);

  let report: Report | undefined;
  try {
    const [{ startVitest }, { ConformanceReporter }, { ProgressReporter }] = await modules;
    const reporter = new ConformanceReporter(
      reporterOptions(
        plan,
        () => target.description,
        (r) => {
          report = r;
        },
      ),
    );
    // Progress goes to stderr only: stdout carries the summary, which scripts may capture.
    const terminal = process.stderr.isTTY === true;
    const progress =
      values.progress === true || terminal
        ? [new ProgressReporter({ ruleIds: plan.rules.map((r) => r.id), live: terminal, write: (text) => process.stderr.write(text) })]
        : [];
    const vitest = await startVitest(
      'test',
      [],
      {
        ...suiteVitestOptions(plan, scheduling),
        root: COMPILED_ROOT,
        config: false,
        watch: false,
        reporters: [reporter, ...progress],
        provide: { conformance: conformanceContextFor(plan, target, scheduling) },
      },
      // Vite's cache goes to the temp folder: the package folder may be read-only (npx cache).
      { logLevel: 'error', cacheDir: join(tmpdir(), 'metering-conformance-vite') },
    );
    await vitest.close();
  } finally {
    await target.close();
  }
  if (!report) throw new Error('the test run ended without a report (see the errors above)');
  if (values.har !== undefined) {
    const entries = await (await import('../reports/har.js')).writeHar(report, resolve(values.har));
    process.stderr.write(`metering-conformance: ${entries} exchange${entries === 1 ? '' : 's'} of failed and errored rules in ${resolve(values.har)}\n`);
  }
  const { renderConsoleSummary } = await import('../reports/summary.js');
  process.stdout.write(`${renderConsoleSummary(report, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, outDir: plan.outDir })}\n`);
  return report.summary.conformant ? 0 : 1;
}
