// What a planned run hands vitest: the suite files, tests and scheduling, the context the
// suites read (inject('conformance')), and the conformance reporter's settings.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig, TestSequencerConstructor, TestSpecification } from 'vitest/node';
import { familyOfSuite, suitesOf } from '../catalogue/families.js';
import type { Rule } from '../catalogue/rules.js';
import { CONTROL_TOKEN_ENV, ledgerModeOf, isTestCredentials, type TargetDescription } from '../core/description.js';
import { modelLabel } from '../core/model.js';
import { packageVersion } from '../core/paths.js';
import type { Report } from '../reports/types.js';
import type { ConformanceReporterOptions } from '../reports/vitest-reporter.js';
import type { ConformanceContext } from '../suites/harness/context.js';
import type { Politeness } from '../target/politeness.js';
import { replayArgs, type RunPlan } from './run-plan.js';
import { suiteFiles, testNamePattern } from './selection.js';
import { clientInfo, type OpenTarget } from './target.js';

/** What the suites read with inject('conformance'). */
export function conformanceContextFor(plan: RunPlan, target: OpenTarget, scheduling: { maxWorkers?: number }): ConformanceContext {
  const { settings } = plan;
  return {
    ...(scheduling.maxWorkers === 1 ? { oneWorker: true } : {}),
    target: target.description,
    driver: settings.driver,
    ...(settings.sdk !== undefined ? { sdk: settings.sdk } : {}),
    ...(settings.python !== undefined ? { python: settings.python } : {}),
    ...(plan.boto3 !== undefined
      ? { driverModelGaps: plan.boto3.missingMembers, driverClient: `boto3 ${plan.boto3.version} (botocore ${plan.boto3.botocoreVersion})` }
      : {}),
    seed: settings.seed,
    runs: settings.runs,
    ...(settings.shard !== undefined ? { shard: settings.shard } : {}),
    modelFile: plan.model.file,
    clockOffsetMs: target.clockOffsetMs,
    ...(settings.allowRealService === true ? { allowRealService: true } : {}),
    ...(settings.requestTimeoutMs !== undefined ? { requestTimeoutMs: settings.requestTimeoutMs } : {}),
    ...(settings.politeness !== undefined ? { politeness: settings.politeness } : {}),
    ...(settings.replay !== undefined ? { replay: { ruleId: plan.rules[0].id, path: settings.replay } } : {}),
    replayArgs: replayArgs(plan, target.description),
  };
}

/** The values of the headers a described reset sends (an authorization, a key): kept out of reports like the credentials. */
function resetHeaderSecrets(target: TargetDescription | undefined): string[] {
  const reset = target?.capabilities.reset;
  if (typeof reset !== 'object') return [];
  return Object.entries(reset.headers ?? {})
    .filter(([name]) => !['content-type', 'accept'].includes(name.toLowerCase()))
    .map(([, value]) => value);
}

/** The password of a proxy URL (HTTPS_PROXY=http://user:password@host): kept out of reports too. */
function proxyPassword(target: TargetDescription | undefined): string | undefined {
  const proxy = target?.reach?.proxy;
  return proxy === undefined ? undefined : decodeURIComponent(new URL(proxy).password) || undefined;
}

/**
 * The conformance reporter's settings. `target` is read when the run ends: a vitest config
 * creates its reporter before the globalSetup has resolved the target (the reporter reads its
 * options at the end of the run, see reports/vitest-reporter.ts).
 */
export function reporterOptions(plan: RunPlan, target: () => TargetDescription | undefined, onReport?: (report: Report, files: string[]) => void): ConformanceReporterOptions {
  const startedAt = new Date().toISOString();
  const { settings } = plan;
  // Read now, before the run: the folder it names could change while the run goes on.
  const client = clientInfo(settings, plan.boto3);
  return {
    outDir: plan.outDir,
    rules: plan.rules,
    catalogue: plan.catalogue,
    gateLevel: settings.level,
    ...(plan.baseline !== undefined ? { baseline: plan.baseline } : {}),
    get secrets() {
      const credentials = target()?.credentials;
      // The built-in test credentials are public: curl lines and scripts carry them inline.
      const credentialSecrets = credentials !== undefined && isTestCredentials(credentials) ? [] : [credentials?.secretAccessKey, credentials?.sessionToken];
      return [...credentialSecrets, settings.controlToken, ...resetHeaderSecrets(target()), proxyPassword(target())].filter((s): s is string => !!s);
    },
    get run() {
      return {
        tool: { name: 'metering-conformance', version: packageVersion() },
        seed: settings.seed,
        runs: settings.runs,
        target: target()?.label ?? `${plan.endpoint?.value ?? 'embedded reference emulator'} (not reached)`,
        driver: settings.driver,
        client,
        model: modelLabel(plan.model),
        level: settings.level,
        startedAt,
        node: process.version,
        ...(settings.rules !== undefined ? { ruleFilter: settings.rules } : {}),
        ...(target()?.credentialsSource !== undefined ? { credentials: target()!.credentialsSource! } : {}),
        ...(target()?.faults !== undefined ? { faults: target()!.faults! } : {}),
        ...(settings.shard !== undefined ? { shard: settings.shard } : {}),
      };
    },
    ...(onReport !== undefined ? { onReport } : {}),
  };
}

/** The compiled package folder the suites live in (dist/ in the repository or the package). */
export const COMPILED_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A module of the compiled package, suite files included (vite's module ids use '/'). */
const COMPILED_MODULE = new RegExp(`^${COMPILED_ROOT.replace(/\\/g, '/').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`);

/** How many rules run at once, and in how many vitest workers (files run one after another in a worker). */
export interface Scheduling {
  maxConcurrency: number;
  /** vitest's default (one fewer than the cores) when absent. */
  maxWorkers?: number;
}

/**
 * A target whose quickest warm round trip takes this long is latency-bound rather than
 * CPU-bound: another region, or a staging endpoint over the internet. A loopback or
 * same-region target answers in a few milliseconds, even on a busy machine.
 */
export const REMOTE_ROUND_TRIP_MS = 20;

/**
 * Scheduling for a target `roundTripMs` away. Near (the embedded emulator, a loopback serve) a
 * run is CPU-bound: eight rules at once in vitest's default workers. Far, it waits on latency:
 * 32 rules at once in each of four workers, so that files run side by side too. Scheduling never
 * changes what a seed draws (a lane count would), only when the requests go out.
 * A `target` without caller isolation keeps one worker too: a property run that needs a clean
 * ledger holds the target alone (the harness's lease, suites/harness/target-lease.ts; on a target
 * without a reset also the run-wide ledger), and a worker's lease cannot see another worker's runs.
 */
export function schedulingFor(roundTripMs: number, politeness: Politeness = {}, target?: TargetDescription): Scheduling {
  const scheduling = roundTripMs >= REMOTE_ROUND_TRIP_MS ? { maxConcurrency: 32, maxWorkers: 4 } : { maxConcurrency: 8 };
  // A bound on calls holds for one process: every rule then runs in the one worker that keeps it.
  const bounded = politeness.maxInFlight !== undefined || politeness.ratePerSecond !== undefined;
  return bounded || (target !== undefined && ledgerModeOf(target.capabilities) !== 'caller-isolation') ? { ...scheduling, maxWorkers: 1 } : scheduling;
}

/** A suite file's name without its folder and extension ("meter-usage.test"). */
const suiteName = (path: string) => path.replace(/^.*[\\/]/, '').replace(/\.[jt]s$/, '');

/**
 * The families whose defects show only where a record is first made (requests in flight at once,
 * retries, sequences): on a target without a clean ledger they run first, while its few fresh
 * MeterUsage keys last.
 */
const FRESH_KEYS_FIRST = ['concurrency', 'idempotency', 'stateful'];

/**
 * Orders the suite files. On a target without a clean ledger the first rules get its few fresh
 * keys, so: FRESH_KEYS_FIRST; then the files of the positive controls (a control lives in its
 * family's first file, test/catalogue-families.test.ts checks it), the next to need a record made,
 * and which may fall back on the keys kept free for the negative rules (run-ledger.ts), since a
 * control left unjudged leaves every negative rule of its operation unjudged too; then by name.
 * Elsewhere the order changes nothing but when each file runs.
 */
export function suiteOrder(rules: readonly Rule[]): TestSequencerConstructor {
  const controlFiles = new Set(rules.filter((r) => r.role === 'control').map((r) => suiteName(suitesOf(r.family)[0] ?? '')));
  const rank = (path: string): number => {
    const name = suiteName(path);
    const early = FRESH_KEYS_FIRST.indexOf(familyOfSuite(`${name}.ts`) ?? '');
    if (early >= 0) return early;
    return controlFiles.has(name) ? FRESH_KEYS_FIRST.length : FRESH_KEYS_FIRST.length + 1;
  };
  return class SuiteOrder {
    shard(files: TestSpecification[]): TestSpecification[] {
      return files;
    }
    sort(files: TestSpecification[]): TestSpecification[] {
      return [...files].sort((a, b) => rank(a.moduleId) - rank(b.moduleId) || a.moduleId.localeCompare(b.moduleId));
    }
  };
}

/**
 * The vitest options of a conformance run, for `run` (startVitest) and for a user's vitest
 * config alike: which compiled suite files, which tests, and how they are scheduled.
 * `testNamePattern` is a root-level vitest option: a project entry (api/) leaves it out and
 * runs every test of the selected families' files (the report still judges only the
 * selected rules).
 */
export function suiteVitestOptions(plan: RunPlan, scheduling: Scheduling = schedulingFor(0, plan.settings.politeness)): InlineConfig {
  return {
    // Globs below are relative to the compiled package, wherever the user's root is.
    dir: COMPILED_ROOT,
    include: suiteFiles([...plan.rules, ...plan.controls], plan.catalogue),
    // vitest's default exclude skips node_modules, where an installed package's suites live.
    exclude: [],
    testNamePattern: testNamePattern([...plan.rules, ...plan.controls], plan.catalogue),
    // Scheduling. A rule's property makes many requests; a slow target needs the long limit.
    testTimeout: 300_000,
    sequence: { sequencer: suiteOrder([...plan.rules, ...plan.controls]) },
    // Rule tests of one file that run at once (rule() declares them test.concurrent), and workers.
    ...scheduling,
    // The suites share no mutable module state: one module graph for all files saves
    // re-importing the generators, ajv and the SDK once per file.
    isolate: false,
    // The suites and what they import are compiled JavaScript: the worker loads them with
    // node's own import instead of asking the vitest host for vite's transform of each file
    // (nothing to mock, no in-source tests). Measured with `npm run bench`: the vitest host
    // stays about 45 MB smaller and the run is shorter.
    server: { deps: { external: [COMPILED_MODULE] } },
    // Measured with `npm run bench` on two cores: a run is CPU-bound (generation, signing and
    // the target share the cores), so a second worker gains little. The worker's live heap is
    // small (about 25 MB); these limits make V8 collect before it grows the heap: the runner's
    // peak memory is about 30 MB lower than with a 32 MB young generation, for a few percent
    // more time in garbage collection. 256 MB leaves room for long runs (--runs 1000).
    execArgv: ['--max-semi-space-size=16', '--max-old-space-size=256'],
    // The suites' control requests read the token from the workers' environment
    // (controlAuthorization), wherever the run got it: the flag, the variable or the config.
    ...(plan.settings.controlToken !== undefined ? { env: { [CONTROL_TOKEN_ENV]: plan.settings.controlToken } } : {}),
  };
}
