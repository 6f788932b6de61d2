// What a conformance run consists of, shared by `metering-conformance run` and the
// programmatic entry (api/): the rules it judges and its settings, each held once. Opening its
// target is plan/target.ts; the vitest and reporter options, plan/vitest-options.ts.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { catalogueFor } from '../catalogue/catalogue.js';
import type { Rule } from '../catalogue/rules.js';
import { loadModel, ModelError, type ServiceModel } from '../core/model.js';
import { checkBaselineRules, loadBaseline, renameRetiredRules, type Baseline } from '../reports/baseline.js';
import { endpointFromEnvironment, type Sourced } from '../target/aws-environment.js';
import { ConfigError, loadTargetConfig, type TargetConfig } from '../target/config.js';
import { flagArgs } from '../target/curl.js';
import { CONTROL_TOKEN_ENV, type TargetDescription } from '../core/description.js';
import { probeBoto3, type Boto3Probe } from '../target/boto3-driver.js';
import type { Politeness } from '../target/politeness.js';
import type { DriverName } from '../target/types.js';
import { loadSdk } from '../target/sdk-load.js';
import { UsageError } from './usage-error.js';
import { selectRules, shardRules, type Shard } from './selection.js';

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
  /** Politeness toward a shared target (--max-in-flight, --rate): see target/politeness.ts. */
  politeness?: Politeness;
  allowRealService?: boolean;
  /** Bearer token of the target's control API (--control-token); a secret, never written out. */
  controlToken?: string;
  /** Certificate authorities the target's TLS is trusted with besides the system's (--ca-file). */
  caFile?: string;
}

/**
 * The settings of a run: its request with the defaults filled in. Still plain data, and a
 * request itself: planning it again gives the same run (api/ hands it to the globalSetup).
 */
export interface RunSettings extends RunRequest {
  /** --seed, else a random one, fixed now. */
  seed: number;
  runs: number;
  level: 'must' | 'should';
  driver: DriverName;
  /** --sdk PATH as an absolute path, checked (validateSdkPath). */
  sdk?: string;
  /** --python PATH of the boto3 driver, as given (a command name is looked up on PATH). */
  python?: string;
  /** The control token of the run: --control-token, else CONTROL_TOKEN_ENV, else the config's controlToken. */
  controlToken?: string;
  /** --ca-file as an absolute path, else the config's caFile (relative to the config's folder). */
  caFile?: string;
}

/** A checked run: its settings (each one held there only), the model, the rules it judges and what they load. */
export interface RunPlan {
  settings: RunSettings;
  /** The boto3 driver's probe, made while planning: boto3's version and location, and what botocore's model lacks. */
  boto3?: Boto3Probe;
  /** The report folder, absolute: settings.outDir, else a replay's own folder, else DEFAULT_OUT_DIR. */
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
  baseline?: Baseline;
  config?: TargetConfig;
  /** The endpoint (settings.endpoint, else the config's, else the environment's) and where it came from; undefined: the embedded emulator. */
  endpoint?: Sourced<string>;
}

// Enough to reach the generators' weighted boundaries on every rule while keeping a default run
// short enough for every CI job; raise it for deeper searches.
const DEFAULT_RUNS = 25;
const DEFAULT_OUT_DIR = 'conformance-report';

/** Checks a request and loads what it names; every problem is a one-line user error. */
export function planRun(request: RunRequest, env: NodeJS.ProcessEnv = process.env): RunPlan {
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
  // A baseline written before a rule was renamed names its old id: mapped, with a warning.
  const baseline = request.baselineFile === undefined ? undefined : renameRetiredRules(loadBaseline(resolve(request.baselineFile), request.baselineFile), catalogue);
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
  const caFile = request.caFile !== undefined ? resolve(request.caFile) : config?.caFile !== undefined ? resolve(dirname(resolve(request.configFile!)), config.caFile) : undefined;
  const driver = request.driver ?? 'raw';
  const sdk = request.sdk !== undefined ? resolve(request.sdk) : undefined;
  if (sdk !== undefined) validateSdkPath(driver, sdk);
  if (request.python !== undefined && driver !== 'boto3') throw new UsageError('--python PATH needs --driver boto3: only the boto3 driver runs Python');
  // Python and boto3 are checked now, before any target starts: missing ones are a one-line error (exit 2).
  const boto3 = driver === 'boto3' ? probeBoto3({ ...(request.python !== undefined ? { python: request.python } : {}), ...(sdk !== undefined ? { sdk } : {}), modelPath: model.file }) : undefined;
  const settings: RunSettings = {
    ...request,
    seed: request.seed ?? randomInt(2 ** 31 - 1),
    runs: request.runs ?? DEFAULT_RUNS,
    level: request.level ?? 'should',
    driver,
    ...(sdk !== undefined ? { sdk } : {}),
    ...(controlToken !== undefined ? { controlToken } : {}),
    ...(caFile !== undefined ? { caFile } : {}),
  };
  return {
    settings,
    ...(boto3 !== undefined ? { boto3 } : {}),
    outDir: resolve(request.outDir ?? (request.replay !== undefined ? replayOutDir(rules[0].id, request.replay) : DEFAULT_OUT_DIR)),
    model,
    catalogue,
    selected,
    rules,
    controls: controlsFor(rules, catalogue),
    ...(baseline !== undefined ? { baseline } : {}),
    ...(config !== undefined ? { config } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
  };
}

/**
 * Checks `--sdk PATH` (absolute) for the driver that loads it, in the main process before the
 * run starts: a path the driver cannot use is a one-line UsageError or ConfigError (exit 2).
 * Each driver that takes --sdk checks its own kind of folder here.
 */
export function validateSdkPath(driver: DriverName, path: string): void {
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

/** The control rules that the negative rules of `rules` need and `rules` does not hold. */
function controlsFor(rules: Rule[], catalogue: Rule[]): Rule[] {
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

/**
 * The `run` arguments that give a replay this run's target and settings: everything that
 * decides a rule's outcome except --rules, --seed and --replay (each failure adds those).
 * Files as absolute paths, so that the line works from any folder.
 */
export function replayArgs(plan: RunPlan, target: TargetDescription): string[] {
  const { settings } = plan;
  const args: string[] = [];
  if (plan.endpoint !== undefined) args.push(...flagArgs('--endpoint', plan.endpoint.value));
  if (settings.configFile !== undefined) args.push(...flagArgs('--config', resolve(settings.configFile)));
  if (settings.modelFile !== undefined) args.push(...flagArgs('--model', plan.model.file));
  // The region the requests were signed for, when it is not the default one.
  const region = settings.region ?? (target.region !== DEFAULT_REGION ? target.region : undefined);
  if (region !== undefined) args.push(...flagArgs('--region', region));
  args.push('--driver', settings.driver);
  if (settings.sdk !== undefined) args.push(...flagArgs('--sdk', settings.sdk));
  if (settings.python !== undefined) args.push(...flagArgs('--python', settings.python));
  args.push('--runs', String(settings.runs), '--level', settings.level);
  if (settings.requestTimeoutMs !== undefined) args.push('--timeout', String(settings.requestTimeoutMs));
  // A replay stays as polite as its run: the target may be as shared as it was.
  if (settings.politeness?.maxInFlight !== undefined) args.push('--max-in-flight', String(settings.politeness.maxInFlight));
  if (settings.politeness?.ratePerSecond !== undefined) args.push('--rate', String(settings.politeness.ratePerSecond));
  if (settings.allowRealService === true) args.push('--allow-real-service');
  if (settings.caFile !== undefined) args.push(...flagArgs('--ca-file', settings.caFile));
  return args;
}

const DEFAULT_REGION = 'us-east-1';

/** The line printed before a run starts: what is judged, against what, how to replay it. */
export function runBanner(plan: RunPlan, target: TargetDescription): string {
  const { settings } = plan;
  const shardNote = settings.shard === undefined ? '' : ` (shard ${settings.shard.index}/${settings.shard.count} of ${plan.selected.length})`;
  const controlNote = plan.controls.length === 0 ? '' : ` and ${plan.controls.length} positive control${plan.controls.length === 1 ? '' : 's'} (${plan.controls.map((r) => r.id).join(', ')})`;
  return `metering-conformance: ${plan.rules.length} rule${plan.rules.length === 1 ? '' : 's'}${shardNote}${controlNote} against ${target.label}, ${settings.driver} driver (seed ${settings.seed}, ${settings.runs} runs per rule)${replayNote(plan)}`;
}

/** A replay writes its own report (see planRun): where, and that the original stays. */
function replayNote(plan: RunPlan): string {
  if (plan.settings.replay === undefined || plan.settings.outDir !== undefined) return '';
  return `\nmetering-conformance: replay of ${plan.rules[0].id} ${plan.settings.replay}: report in ${plan.outDir} (the report the failure came from is left as it is; --out DIR to choose)`;
}
