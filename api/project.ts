// conformanceConfig() and conformanceProject(): the conformance suites as a vitest config or
// as one project of a user's own vitest config, with the same reporter and verdicts as
// `metering-conformance run`. The target is resolved (or the embedded emulator started) by
// the project's globalSetup, once the run starts; the options reach it through `provide`.
import { fileURLToPath } from 'node:url';
import type { TestProjectInlineConfiguration, ViteUserConfig } from 'vitest/config';
import type { Reporter } from 'vitest/node';
import { planRun, type RunPlan, type RunRequest } from '../plan/run-plan.js';
import { suiteVitestOptions } from '../plan/vitest-options.js';
import { ConfigError } from '../target/config.js';
import { CONTROL_TOKEN_PATTERN } from '../core/description.js';
import { DRIVER_NAMES, isDriverName, type DriverName } from '../target/types.js';
import { ConformanceProjectReporter } from './reporter.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run request of a conformance project, its defaults filled in (the plan's settings), for its globalSetup (api/global-setup.ts). */
    conformanceRequest: RunRequest;
  }
}

/** The options of `metering-conformance run`, as an object; every one is optional. */
export interface ConformanceOptions {
  /** Target endpoint; default: the config's, AWS_ENDPOINT_URL_MARKETPLACE_METERING, AWS_ENDPOINT_URL, else the embedded emulator. */
  endpoint?: string;
  /** target.yaml: fixtures the target knows, capabilities it has. */
  config?: string;
  /** Report folder (default: conformance-report, relative to the working directory). */
  out?: string;
  /** Run seed (default: random, printed); replays a run exactly. */
  seed?: number;
  /** Property runs per rule (default 25). */
  runs?: number;
  /** Only rules whose id matches (comma-separated globs, * wildcard). */
  rules?: string;
  /** Known divergences: shown, but not counted against `summary.conformant`. */
  baseline?: string;
  /** Gate on "must" rules only, or on "must" and "should" (default). */
  level?: 'must' | 'should';
  /** Service model file to judge against (default: the bundled latest). */
  model?: string;
  /** raw (default: awsJson over HTTP), sdk (@aws-sdk/client-marketplace-metering) or boto3 (boto3 in a Python process). */
  driver?: DriverName;
  /** With driver "sdk": the folder to load @aws-sdk/client-marketplace-metering from instead of the installed one (as `run --sdk PATH`). */
  sdk?: string;
  /** With driver "boto3": the Python interpreter with boto3 (default python3; as `run --python PATH`). */
  python?: string;
  /** Signing region (default as for `run --region`). */
  region?: string;
  /** Time limit of one request to the target, in milliseconds. */
  timeout?: number;
  /** Let an endpoint of the real AWS service through (DryRun calls only). */
  allowRealService?: boolean;
  /**
   * Bearer token of the target's control API (`serve --control-token T`), as `run --control-token`;
   * default: METERING_CONFORMANCE_CONTROL_TOKEN, else the config's controlToken. A secret: read it
   * from the environment rather than writing it into the config file.
   */
  controlToken?: string;
  /** A PEM file of certificate authorities the target's HTTPS is trusted with besides the system's (as `run --ca-file`). */
  caFile?: string;
  /** vitest project name (default "metering-conformance"). */
  name?: string;
  /** Print the one-screen conformance summary after the run (default true). */
  summary?: boolean;
}

export interface ConformanceProject {
  /** An entry for `test.projects`. */
  project: TestProjectInlineConfiguration;
  /** Writes report.html, report.json, junit.xml and summary.md: add it to the root `test.reporters`. */
  reporter: Reporter;
}

const GLOBAL_SETUP = fileURLToPath(new URL('./global-setup.js', import.meta.url));
const OPTION_NAMES = new Set(['endpoint', 'config', 'out', 'seed', 'runs', 'rules', 'baseline', 'level', 'model', 'driver', 'sdk', 'python', 'region', 'timeout', 'allowRealService', 'controlToken', 'caFile', 'name', 'summary']);

function optionError(name: string, expected: string, value: unknown): ConfigError {
  return new ConfigError(`metering-conformance: option "${name}" must be ${expected}, got ${JSON.stringify(value)}`);
}

function text(options: ConformanceOptions, name: keyof ConformanceOptions): string | undefined {
  const value = options[name];
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw optionError(name, 'a non-empty string', value);
  return value as string | undefined;
}

function integer(options: ConformanceOptions, name: keyof ConformanceOptions, min: number, max: number): number | undefined {
  const value = options[name];
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < min || (value as number) > max)) throw optionError(name, `an integer from ${min} to ${max}`, value);
  return value as number | undefined;
}

/** The controlToken option, checked as `run --control-token` checks it; the message never quotes it. */
function token(options: ConformanceOptions): string | undefined {
  const value = options.controlToken;
  if (value !== undefined && (typeof value !== 'string' || !CONTROL_TOKEN_PATTERN.test(value))) {
    throw new ConfigError('metering-conformance: option "controlToken" must be a string of at least 8 printable characters without spaces');
  }
  return value;
}

/** Checks options from plain JavaScript configs too, with one clear message per mistake. */
function requestFrom(options: ConformanceOptions): RunRequest {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new ConfigError(`metering-conformance: unknown option "${name}" (options: ${[...OPTION_NAMES].join(', ')})`);
  }
  const { level, driver, allowRealService } = options;
  if (level !== undefined && level !== 'must' && level !== 'should') throw optionError('level', '"must" or "should"', level);
  if (driver !== undefined && !isDriverName(driver)) throw optionError('driver', 'one of ' + DRIVER_NAMES.map((d) => `"${d}"`).join(', '), driver);
  if (allowRealService !== undefined && typeof allowRealService !== 'boolean') throw optionError('allowRealService', 'true or false', allowRealService);
  const fields: RunRequest = {
    endpoint: text(options, 'endpoint'),
    configFile: text(options, 'config'),
    outDir: text(options, 'out'),
    seed: integer(options, 'seed', -(2 ** 31), 2 ** 31 - 1),
    runs: integer(options, 'runs', 1, 1_000_000),
    rules: text(options, 'rules'),
    baselineFile: text(options, 'baseline'),
    level,
    modelFile: text(options, 'model'),
    driver,
    sdk: text(options, 'sdk'),
    python: text(options, 'python'),
    region: text(options, 'region'),
    requestTimeoutMs: integer(options, 'timeout', 100, 600_000),
    allowRealService,
    controlToken: token(options),
    caFile: text(options, 'caFile'),
  };
  // `provide` values must be plain data: no undefined members.
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as RunRequest;
}

type ProjectTestOptions = NonNullable<TestProjectInlineConfiguration['test']>;

/** Checks the options and loads the catalogue now, so a mistake stops the config from loading with a clear message. */
function prepare(options: ConformanceOptions): { plan: RunPlan; test: ProjectTestOptions; reporter: Reporter } {
  const request = requestFrom(options);
  const name = text(options, 'name') ?? 'metering-conformance';
  if (options.summary !== undefined && typeof options.summary !== 'boolean') throw optionError('summary', 'true or false', options.summary);
  const plan = planRun(request);
  // testNamePattern is a root-level vitest option: conformanceConfig sets it, a project entry
  // runs every test of the selected families' files (the report judges the selected rules only).
  const { testNamePattern: _rootLevelOnly, ...suiteOptions } = suiteVitestOptions(plan);
  return {
    plan,
    test: { ...suiteOptions, name, globalSetup: [GLOBAL_SETUP], provide: { conformanceRequest: plan.settings } },
    reporter: new ConformanceProjectReporter(plan, name, options.summary !== false),
  };
}

/**
 * The conformance suites as one project of a user's vitest config, and the reporter to add to
 * the root `test.reporters` (vitest takes reporters only there):
 *   const conformance = conformanceProject({ endpoint: 'http://127.0.0.1:8080' });
 *   export default defineConfig({ test: { projects: [conformance.project, ...], reporters: ['default', conformance.reporter] } });
 */
export function conformanceProject(options: ConformanceOptions = {}): ConformanceProject {
  const { test, reporter } = prepare(options);
  return { project: { test }, reporter };
}

/**
 * A whole vitest config that runs the conformance suites against `endpoint` (or the embedded
 * emulator), with vitest's default reporter and the conformance report:
 *   export default conformanceConfig({ endpoint: 'http://127.0.0.1:8080' });
 */
export function conformanceConfig(options: ConformanceOptions = {}): ViteUserConfig {
  const { plan, test, reporter } = prepare(options);
  return { test: { ...test, testNamePattern: suiteVitestOptions(plan).testNamePattern, reporters: ['default', reporter] } };
}
