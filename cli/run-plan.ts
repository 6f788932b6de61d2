// What a conformance run consists of, shared by `metering-conformance run` and the
// programmatic entry (api/): the rules it judges, its target (or the embedded emulator), the
// context the suites read, the reporter's settings and the vitest options for the suites.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig } from 'vitest/node';
import { catalogueFor } from '../catalogue/catalogue.js';
import { PACKAGE_ROOT, packageVersion } from '../catalogue/paths.js';
import type { Rule } from '../catalogue/rules.js';
import { loadModel, modelLabel, ModelError, type ServiceModel } from '../generators/model.js';
import { checkBaselineRules, loadBaseline, type Baseline } from '../reports/baseline.js';
import type { Report } from '../reports/types.js';
import type { ConformanceReporterOptions } from '../reports/vitest-reporter.js';
import type { ConformanceContext } from '../suites/harness/context.js';
import { endpointFromEnvironment, type Sourced } from '../target/aws-environment.js';
import { ConfigError, loadTargetConfig, type TargetConfig } from '../target/config.js';
import { flagArgs } from '../target/curl.js';
import { CONTROL_TOKEN_ENV, isTestCredentials, TEST_CREDENTIALS, TEST_CREDENTIALS_SOURCE, type TargetDescription } from '../target/description.js';
import { preflight, unimplementedOperations } from '../target/preflight.js';
import { resolveTarget } from '../target/resolve.js';
import { probeBoto3, type Boto3Probe } from '../target/boto3-driver.js';
import type { DriverName } from '../target/types.js';
import { installedSdkInfo, loadSdk, sdkPackageInfo, type ClientInfo } from '../target/sdk-load.js';
import { UsageError } from './args.js';
import { selectRules, shardRules, suiteFiles, testNamePattern, type Shard } from './selection.js';

/**
 * A run as the user asked for it: plain data (it travels to a vitest globalSetup through
 * `provide`), paths as the user wrote them. Defaults are filled in by planRun.
 */
export interface RunRequest {
  endpoint?: string;
  /** target.yaml: fixtures the target knows, capabilities it has. */
  configFile?: string;
  outDir?: string;
  seed?: number;
  runs?: number;
  /** Comma-separated rule-id globs. */
  rules?: string;
  shard?: Shard;
  baselineFile?: string;
  level?: 'must' | 'should';
  modelFile?: string;
  /** fast-check path of one counterexample to replay (one rule, the failed run's seed). */
  replay?: string;
  driver?: DriverName;
  /** The client library the driver loads instead of the installed one (--sdk PATH; see validateSdkPath). */
  sdk?: string;
  /** The Python interpreter of the boto3 driver (--python PATH; default python3). */
  python?: string;
  region?: string;
  /** Time limit of one request to the target, in milliseconds. */
  requestTimeoutMs?: number;
  allowRealService?: boolean;
  /** Bearer token of the target's control API (--control-token); a secret, never written out. */
  controlToken?: string;
}

/** A checked run request with its defaults, the model and the rules it judges. */
export interface RunPlan {
  /** The request with its seed fixed: planning it again gives the same run. */
  request: RunRequest & { seed: number };
  seed: number;
  runs: number;
  level: 'must' | 'should';
  driver: DriverName;
  /** --sdk PATH as an absolute path, checked (validateSdkPath). */
  sdk?: string;
  /** --python PATH of the boto3 driver, as given (a command name is looked up on PATH). */
  python?: string;
  /** The boto3 driver's probe, made while planning: boto3's version and location, and what botocore's model lacks. */
  boto3?: Boto3Probe;
  outDir: string;
  model: ServiceModel;
  /** The whole catalogue of the model. */
  catalogue: Rule[];
  /** The rules the --rules globs select, before sharding. */
  selected: Rule[];
  /** The rules this run judges. */
  rules: Rule[];
  /**
   * Control rules outside `rules` that run beside them: a negative rule's pass counts only when
   * a control of its operation passed in the same run (reports/build.ts withoutVacuousPasses).
   */
  controls: Rule[];
  shard?: Shard;
  baseline?: Baseline;
  config?: TargetConfig;
  /** The endpoint and where it came from; undefined: the embedded emulator. */
  endpoint?: Sourced<string>;
  /** The control token of the run: --control-token, else CONTROL_TOKEN_ENV, else the config's controlToken. */
  controlToken?: string;
}

// Enough to reach the generators' weighted boundaries on every rule while keeping a default run
// short enough for every CI job; raise it for deeper searches.
export const DEFAULT_RUNS = 25;
export const DEFAULT_OUT_DIR = 'conformance-report';
/** The raw driver's default time limit of one request (--timeout). */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Checks a request and loads what it names; every problem is a one-line user error. */
export function planRun(request: RunRequest, env: NodeJS.ProcessEnv = process.env): RunPlan {
  const seed = request.seed ?? randomInt(2 ** 31 - 1);
  let model: ServiceModel;
  try {
    model = loadModel(request.modelFile !== undefined ? resolve(request.modelFile) : undefined);
  } catch (error) {
    if (error instanceof ModelError) throw new ConfigError(error.message);
    throw error;
  }
  const catalogue = catalogueFor(model);
  const selected = selectRules(catalogue, request.rules);
  const shard = request.shard;
  const rules = shard === undefined ? selected : shardRules(selected, shard);
  if (request.replay !== undefined && shard !== undefined) throw new UsageError('--replay replays one rule: it does not take --shard');
  const baseline = request.baselineFile === undefined ? undefined : loadBaseline(resolve(request.baselineFile), request.baselineFile);
  if (baseline !== undefined) checkBaselineRules(baseline, catalogue.map((r) => r.id));
  if (request.replay !== undefined && rules.length !== 1) throw new UsageError('--replay needs --rules naming exactly one rule');
  if (request.replay !== undefined && request.seed === undefined) throw new UsageError('--replay needs the --seed of the run that failed');
  const config = request.configFile !== undefined ? loadTargetConfig(resolve(request.configFile)) : undefined;
  const endpoint =
    request.endpoint !== undefined
      ? { value: request.endpoint, source: '--endpoint' }
      : config?.endpoint !== undefined
        ? { value: config.endpoint, source: `${request.configFile} (endpoint)` }
        : endpointFromEnvironment(env);
  const controlToken = request.controlToken ?? (env[CONTROL_TOKEN_ENV] || undefined) ?? config?.controlToken;
  const driver = request.driver ?? 'raw';
  const sdk = request.sdk !== undefined ? resolve(request.sdk) : undefined;
  if (sdk !== undefined) validateSdkPath(driver, sdk);
  if (request.python !== undefined && driver !== 'boto3') throw new UsageError('--python PATH needs --driver boto3: only the boto3 driver runs Python');
  // Python and boto3 are checked now, before any target starts: missing ones are a one-line error (exit 2).
  const boto3 = driver === 'boto3' ? probeBoto3({ ...(request.python !== undefined ? { python: request.python } : {}), ...(sdk !== undefined ? { sdk } : {}), modelPath: model.file }) : undefined;
  return {
    request: { ...request, seed },
    seed,
    runs: request.runs ?? DEFAULT_RUNS,
    level: request.level ?? 'should',
    driver,
    ...(sdk !== undefined ? { sdk } : {}),
    ...(request.python !== undefined ? { python: request.python } : {}),
    ...(boto3 !== undefined ? { boto3 } : {}),
    outDir: resolve(request.outDir ?? (request.replay !== undefined ? replayOutDir(rules[0].id, request.replay) : DEFAULT_OUT_DIR)),
    model,
    catalogue,
    selected,
    rules,
    controls: controlsFor(rules, catalogue),
    ...(shard !== undefined ? { shard } : {}),
    ...(baseline !== undefined ? { baseline } : {}),
    ...(config !== undefined ? { config } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(controlToken !== undefined ? { controlToken } : {}),
  };
}

/**
 * Checks `--sdk PATH` (absolute) for the driver that loads it, in the main process before the
 * run starts: a path the driver cannot use is a one-line UsageError or ConfigError (exit 2).
 * Each driver that takes --sdk checks its own kind of folder here.
 */
export function validateSdkPath(driver: RunPlan['driver'], path: string): void {
  if (driver === 'sdk') {
    // The folder of @aws-sdk/client-marketplace-metering, loaded as the workers will load it.
    loadSdk(path);
    return;
  }
  if (driver === 'boto3') {
    // A boto3 or botocore source tree (a checkout's root): put first on the adapter's sys.path;
    // the probe then says which boto3 and botocore were imported.
    if (!existsSync(join(path, 'boto3', '__init__.py')) && !existsSync(join(path, 'botocore', '__init__.py'))) {
      throw new ConfigError(`--sdk ${path}: not a boto3 or botocore source tree (no boto3/__init__.py or botocore/__init__.py in it)`);
    }
    return;
  }
  if (driver === 'raw') throw new UsageError('--sdk PATH needs --driver sdk: the raw driver sends its own requests, through no client library');
  throw new UsageError(`--sdk is not supported with --driver ${String(driver)}`);
}

/** The client library the run's calls go through, for the report (run.client). */
export function clientInfo(plan: Pick<RunPlan, 'driver' | 'sdk' | 'boto3'>): ClientInfo {
  const driver = plan.driver;
  if (driver === 'boto3' && plan.boto3 !== undefined) {
    const { version, location, botocoreVersion, botocoreLocation } = plan.boto3;
    // botocore from another folder than boto3 (--sdk PATH of a botocore tree): both are named.
    const where = dirname(botocoreLocation) === dirname(location) ? location : `${location} (botocore: ${botocoreLocation})`;
    return { name: 'boto3', version: `${version} (botocore ${botocoreVersion})`, location: where };
  }
  if (driver === 'raw') return { name: 'metering-conformance raw driver', version: packageVersion(), location: PACKAGE_ROOT };
  if (driver === 'sdk') return plan.sdk !== undefined ? sdkPackageInfo(plan.sdk) : installedSdkInfo();
  throw new Error(`no client information for the ${String(driver)} driver`);
}

/** The control rules that the negative rules of `rules` need and `rules` does not hold. */
export function controlsFor(rules: Rule[], catalogue: Rule[]): Rule[] {
  const operations = new Set(rules.filter((r) => r.role === 'negative').flatMap((r) => r.operations));
  const selected = new Set(rules.map((r) => r.id));
  return catalogue.filter((r) => r.role === 'control' && !selected.has(r.id) && r.operations.some((op) => operations.has(op)));
}

/**
 * Where a replay without --out writes its report: a folder of its own under the default one,
 * so that replaying a failure never overwrites the report it came from.
 */
export function replayOutDir(ruleId: string, path: string): string {
  return join(DEFAULT_OUT_DIR, `replay-${ruleId}-${path}`.replace(/[^A-Za-z0-9._-]+/g, '-'));
}

/** The target of a run, ready for requests; close() stops the embedded emulator, if any. */
export interface OpenTarget {
  description: TargetDescription;
  clockOffsetMs: number;
  /** What the user should know about the target (where its endpoint came from, ...). */
  notes: string[];
  close(): Promise<void>;
}

/** Resolves the plan's endpoint, or starts the embedded emulator on a free 127.0.0.1 port. */
export async function openTarget(plan: RunPlan, env: NodeJS.ProcessEnv = process.env): Promise<OpenTarget> {
  const endpoint = plan.endpoint;
  if (endpoint === undefined) {
    const { startEmulator } = await import('../emulator/index.js');
    const emulator = await startEmulator({ model: plan.model });
    const published = emulator.describe();
    return {
      description: {
        endpoint: emulator.url,
        region: published.region,
        label: 'embedded reference emulator',
        credentials: TEST_CREDENTIALS,
        credentialsSource: TEST_CREDENTIALS_SOURCE,
        fixtures: published.fixtures,
        capabilities: published.capabilities,
      },
      clockOffsetMs: 0,
      notes: [],
      close: () => emulator.close(),
    };
  }
  const { request } = plan;
  const resolved = await resolveTarget({
    endpoint: endpoint.value,
    ...(plan.config !== undefined ? { config: plan.config } : {}),
    ...(request.region !== undefined ? { region: request.region } : {}),
    env,
    allowRealService: request.allowRealService === true,
    ...(request.requestTimeoutMs !== undefined ? { timeoutMs: request.requestTimeoutMs } : {}),
    ...(plan.controlToken !== undefined ? { controlToken: plan.controlToken } : {}),
  }).catch((error: unknown) => {
    // The guard and the reachability check name the endpoint; say where it came from too.
    if (error instanceof ConfigError && endpoint.source !== '--endpoint') throw new ConfigError(`${endpoint.source}: ${error.message}`);
    throw error;
  });
  const origin = endpoint.source === '--endpoint' ? [] : [`endpoint ${endpoint.value} from ${endpoint.source}`];
  // Before any rule runs, a service must answer: a dead target stops the run with the reason.
  const answers = await preflight(resolved.description, {
    timeoutMs: request.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    clockOffsetMs: resolved.clockOffsetMs,
    allowRealService: request.allowRealService === true,
  });
  const unimplemented = unimplementedOperations(answers, resolved.description.endpoint);
  const unanswered = Object.entries(unimplemented).map(([operation, detail]) => `${operation} gave no awsJson answer in the preflight (${detail}): its rules are not-applicable`);
  const description = Object.keys(unimplemented).length > 0 ? { ...resolved.description, unimplemented } : resolved.description;
  return { ...resolved, description, notes: [...origin, ...resolved.notes, ...unanswered], close: async () => {} };
}

/** What the suites read with inject('conformance'). */
export function conformanceContextFor(plan: RunPlan, target: OpenTarget): ConformanceContext {
  const { request } = plan;
  return {
    target: target.description,
    driver: plan.driver,
    ...(plan.sdk !== undefined ? { sdk: plan.sdk } : {}),
    ...(plan.python !== undefined ? { python: plan.python } : {}),
    ...(plan.boto3 !== undefined
      ? { driverModelGaps: plan.boto3.missingMembers, driverClient: `boto3 ${plan.boto3.version} (botocore ${plan.boto3.botocoreVersion})` }
      : {}),
    seed: plan.seed,
    runs: plan.runs,
    modelFile: plan.model.file,
    clockOffsetMs: target.clockOffsetMs,
    ...(request.allowRealService === true ? { allowRealService: true } : {}),
    ...(request.requestTimeoutMs !== undefined ? { requestTimeoutMs: request.requestTimeoutMs } : {}),
    ...(request.replay !== undefined ? { replay: { ruleId: plan.rules[0].id, path: request.replay } } : {}),
    replayArgs: replayArgs(plan, target.description),
  };
}

/**
 * The `run` arguments that give a replay this run's target and settings: everything that
 * decides a rule's outcome except --rules, --seed and --replay (each failure adds those).
 * Files as absolute paths, so that the line works from any folder.
 */
export function replayArgs(plan: RunPlan, target: TargetDescription): string[] {
  const { request } = plan;
  const args: string[] = [];
  if (plan.endpoint !== undefined) args.push(...flagArgs('--endpoint', plan.endpoint.value));
  if (request.configFile !== undefined) args.push(...flagArgs('--config', resolve(request.configFile)));
  if (request.modelFile !== undefined) args.push(...flagArgs('--model', plan.model.file));
  // The region the requests were signed for, when it is not the default one.
  const region = request.region ?? (target.region !== DEFAULT_REGION ? target.region : undefined);
  if (region !== undefined) args.push(...flagArgs('--region', region));
  args.push('--driver', plan.driver);
  if (plan.sdk !== undefined) args.push(...flagArgs('--sdk', plan.sdk));
  if (plan.python !== undefined) args.push(...flagArgs('--python', plan.python));
  args.push('--runs', String(plan.runs), '--level', plan.level);
  if (request.requestTimeoutMs !== undefined) args.push('--timeout', String(request.requestTimeoutMs));
  if (request.allowRealService === true) args.push('--allow-real-service');
  return args;
}

const DEFAULT_REGION = 'us-east-1';

/** The line printed before a run starts: what is judged, against what, how to replay it. */
export function runBanner(plan: RunPlan, target: TargetDescription): string {
  const shardNote = plan.shard === undefined ? '' : ` (shard ${plan.shard.index}/${plan.shard.count} of ${plan.selected.length})`;
  const controlNote = plan.controls.length === 0 ? '' : ` and ${plan.controls.length} positive control${plan.controls.length === 1 ? '' : 's'} (${plan.controls.map((r) => r.id).join(', ')})`;
  return `metering-conformance: ${plan.rules.length} rule${plan.rules.length === 1 ? '' : 's'}${shardNote}${controlNote} against ${target.label}, ${plan.driver} driver (seed ${plan.seed}, ${plan.runs} runs per rule)${replayNote(plan)}`;
}

/** A replay writes its own report (see planRun): where, and that the original stays. */
function replayNote(plan: RunPlan): string {
  if (plan.request.replay === undefined || plan.request.outDir !== undefined) return '';
  return `\nmetering-conformance: replay of ${plan.rules[0].id} ${plan.request.replay}: report in ${plan.outDir} (the report the failure came from is left as it is; --out DIR to choose)`;
}

/**
 * The conformance reporter's settings. `target` is read when the run ends: a vitest config
 * creates its reporter before the globalSetup has resolved the target (the reporter reads its
 * options at the end of the run, see reports/vitest-reporter.ts).
 */
export function reporterOptions(plan: RunPlan, target: () => TargetDescription | undefined, onReport?: (report: Report, files: string[]) => void): ConformanceReporterOptions {
  const startedAt = new Date().toISOString();
  const { request } = plan;
  // Read now, before the run: the folder it names could change while the run goes on.
  const client = clientInfo(plan);
  return {
    outDir: plan.outDir,
    rules: plan.rules,
    catalogue: plan.catalogue,
    gateLevel: plan.level,
    ...(plan.baseline !== undefined ? { baseline: plan.baseline } : {}),
    get secrets() {
      const credentials = target()?.credentials;
      // The built-in test credentials are public: curl lines and scripts carry them inline.
      const credentialSecrets = credentials !== undefined && isTestCredentials(credentials) ? [] : [credentials?.secretAccessKey, credentials?.sessionToken];
      return [...credentialSecrets, plan.controlToken].filter((s): s is string => !!s);
    },
    get run() {
      return {
        tool: { name: 'metering-conformance', version: packageVersion() },
        seed: plan.seed,
        runs: plan.runs,
        target: target()?.label ?? `${plan.endpoint?.value ?? 'embedded reference emulator'} (not reached)`,
        driver: plan.driver,
        client,
        model: modelLabel(plan.model),
        level: plan.level,
        startedAt,
        node: process.version,
        ...(request.rules !== undefined ? { ruleFilter: request.rules } : {}),
        ...(target()?.credentialsSource !== undefined ? { credentials: target()!.credentialsSource! } : {}),
        ...(target()?.faults !== undefined ? { faults: target()!.faults! } : {}),
        ...(plan.shard !== undefined ? { shard: plan.shard } : {}),
      };
    },
    ...(onReport !== undefined ? { onReport } : {}),
  };
}

/** The compiled package folder the suites live in (dist/ in the repository or the package). */
export const COMPILED_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A module of the compiled package, suite files included (vite's module ids use '/'). */
const COMPILED_MODULE = new RegExp(`^${COMPILED_ROOT.replace(/\\/g, '/').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`);

/**
 * The vitest options of a conformance run, for `run` (startVitest) and for a user's vitest
 * config alike: which compiled suite files, which tests, and how they are scheduled.
 * `testNamePattern` is a root-level vitest option: a project entry (api/) leaves it out and
 * runs every test of the selected families' files (the report still judges only the
 * selected rules).
 */
export function suiteVitestOptions(plan: RunPlan): InlineConfig {
  return {
    // Globs below are relative to the compiled package, wherever the user's root is.
    dir: COMPILED_ROOT,
    include: suiteFiles([...plan.rules, ...plan.controls], plan.catalogue),
    // vitest's default exclude skips node_modules, where an installed package's suites live.
    exclude: [],
    testNamePattern: testNamePattern([...plan.rules, ...plan.controls], plan.catalogue),
    // Scheduling. A rule's property makes many requests; a slow target needs the long limit.
    testTimeout: 300_000,
    // Rule tests of one file that run at once (rule() declares them test.concurrent).
    maxConcurrency: 8,
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
    ...(plan.controlToken !== undefined ? { env: { [CONTROL_TOKEN_ENV]: plan.controlToken } } : {}),
  };
}
