// The package as users get it: `npm pack`, installed with production dependencies only into
// an empty folder, then run from there (npx), and the vitest example project run through the
// programmatic entry against the same tarball. Needs the compiled dist/ (`npm test` builds it
// first) and the npm registry (or npm's cache) for the runtime dependencies.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../core/paths.js';
import { ConformanceProjectReporter } from '../api/reporter.js';
import { RUN_HELP } from '../cli/run.js';
import { planRun } from '../plan/run-plan.js';
import { REDACTED } from '../reports/redact.js';
import { TEST_CREDENTIALS } from '../core/description.js';
import { hermeticEnv, readReport, serve, tempDir, verdicts, type Served } from './support/cli.js';

const SEED = '4711';
const RUNS = '3';
const INSTALL_TIMEOUT_MS = 300_000;
/** Whole-catalogue runs on a busy 2-core machine: generous, but bounded. */
const RUN_TIMEOUT_MS = 600_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in its own process group, so that a timeout ends npx and what it started
 * too; rejects when it outlives `timeoutMs`.
 */
function run(command: string, args: string[], options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: hermeticEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs} ms\n${stderr}`));
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface PackedFile {
  path: string;
}
interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: PackedFile[];
}

const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline'];

describe('the packed package, installed with production dependencies only', () => {
  let packed: Packed;
  let tarball: string;
  const installDir = tempDir('mc-install-');
  const embeddedOut = tempDir('mc-embedded-');
  let embedded: Result;

  beforeAll(async () => {
    if (!existsSync(join(PACKAGE_ROOT, 'dist', 'api', 'index.js'))) throw new Error('dist/ is not built: run `npm run build` (npm test does) first');
    const packDir = tempDir('mc-pack-');
    // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet; it is built.
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: PACKAGE_ROOT, timeoutMs: 120_000 });
    expect(pack.code, pack.stderr).toBe(0);
    packed = (JSON.parse(pack.stdout) as Packed[])[0];
    tarball = join(packDir, packed.filename);

    const install = await run('npm', ['install', '--omit=dev', ...NPM_QUIET, tarball], { cwd: installDir, timeoutMs: INSTALL_TIMEOUT_MS });
    expect(install.code, install.stderr).toBe(0);
    embedded = await run('npx', ['metering-conformance', 'run', '--seed', SEED, '--runs', RUNS, '--out', embeddedOut], { cwd: installDir, timeoutMs: RUN_TIMEOUT_MS });
  }, INSTALL_TIMEOUT_MS + 120_000 + RUN_TIMEOUT_MS);

  test('the tarball holds compiled code with declarations, the runtime specs and the command; no tests, bench or mutation', () => {
    const paths = packed.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'bin/metering-conformance.js',
      'dist/cli/main.js',
      'dist/api/index.js',
      'dist/api/index.d.ts',
      'dist/api/global-setup.js',
      'dist/reports/report.schema.json',
      'specs/rules.yaml',
      'specs/meteringmarketplace-2016-01-14.service-2.json',
      'emulator/default-fixtures.yaml',
      'target/boto3-adapter.py',
    ]) {
      expect(paths, needed).toContain(needed);
    }
    expect(paths.some((p) => p.startsWith('dist/suites/') && p.endsWith('.test.js'))).toBe(true);
    expect(paths.filter((p) => /^(dist\/)?(test|bench|mutation)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
  });

  test('no dev tooling in the installed tree', () => {
    const modules = join(installDir, 'node_modules');
    expect(existsSync(join(modules, 'metering-conformance', 'package.json'))).toBe(true);
    for (const devOnly of ['typescript', 'playwright-core', '@types/node']) expect(existsSync(join(modules, devOnly)), devOnly).toBe(false);
  });

  test('--version prints the package version and the service model version', async () => {
    const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const result = await run('npx', ['metering-conformance', '--version'], { cwd: installDir, timeoutMs: 60_000 });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toContain(`metering-conformance ${version} `);
    expect(result.stdout).toMatch(/service model Marketplace Metering 2016-01-14/);
  });

  test('rules --json lists the catalogue', async () => {
    const result = await run('npx', ['metering-conformance', 'rules', '--json'], { cwd: installDir, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const rules = JSON.parse(result.stdout) as { id: string; level: string }[];
    expect(rules.length).toBeGreaterThanOrEqual(199);
    for (const rule of rules) expect(rule.id).toMatch(/^[a-z]/);
  });

  test('run against the embedded emulator exits 0 and writes the report', () => {
    expect(embedded.stderr).not.toMatch(/internal error/);
    expect(embedded.code, `${embedded.stdout}\n${embedded.stderr}`).toBe(0);
    for (const file of ['report.html', 'report.json', 'junit.xml', 'summary.md']) expect(existsSync(join(embeddedOut, file)), file).toBe(true);
    const report = readReport(embeddedOut);
    expect(report.run.seed).toBe(Number(SEED));
    expect(report.run.target).toMatch(/emulator/);
    expect(report.rules.length).toBeGreaterThanOrEqual(199);
  });

  describe('serve, then run --endpoint', () => {
    let served: Served | undefined;
    afterAll(async () => {
      await served?.stop();
    });

    test('gives the verdicts of the embedded run', { timeout: RUN_TIMEOUT_MS + 60_000 }, async () => {
      served = await serve([], { command: 'npx', args: ['metering-conformance', 'serve', '--port', '0'], cwd: installDir, env: hermeticEnv() });
      const out = tempDir('mc-endpoint-');
      const result = await run('npx', ['metering-conformance', 'run', '--endpoint', served.url, '--seed', SEED, '--runs', RUNS, '--out', out], { cwd: installDir, timeoutMs: RUN_TIMEOUT_MS });
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.code, result.stdout).toBe(0);
      const report = readReport(out);
      expect(report.run.target).toBe(new URL(served.url).origin);
      expect(verdicts(report)).toEqual(verdicts(readReport(embeddedOut)));
    });
  });

  test('the sdk driver runs from the production dependencies', { timeout: RUN_TIMEOUT_MS }, async () => {
    const out = tempDir('mc-sdk-');
    const result = await run('npx', ['metering-conformance', 'run', '--driver', 'sdk', '--rules', 'resolve-customer.*', '--seed', SEED, '--runs', RUNS, '--out', out], {
      cwd: installDir,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const report = readReport(out);
    expect(report.run.driver).toBe('sdk');
    expect(report.rules.filter((r) => r.verdict === 'pass').length).toBeGreaterThan(0);
  });

  describe('examples/vitest-project, on the tarball', () => {
    const projectDir = tempDir('mc-example-');
    let vitestRun: Result;

    beforeAll(async () => {
      cpSync(join(PACKAGE_ROOT, 'examples', 'vitest-project'), projectDir, {
        recursive: true,
        filter: (source) => !/[/\\](node_modules|conformance-report)$/.test(source),
      });
      const manifestFile = join(projectDir, 'package.json');
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { devDependencies: Record<string, string> };
      expect(manifest.devDependencies['metering-conformance']).toBeDefined();
      manifest.devDependencies['metering-conformance'] = `file:${tarball}`;
      writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
      const install = await run('npm', ['install', ...NPM_QUIET], { cwd: projectDir, timeoutMs: INSTALL_TIMEOUT_MS });
      expect(install.code, install.stderr).toBe(0);
      vitestRun = await run('npx', ['vitest', 'run'], { cwd: projectDir, timeoutMs: RUN_TIMEOUT_MS, env: { CONFORMANCE_SEED: SEED, CONFORMANCE_RUNS: RUNS } });
    }, INSTALL_TIMEOUT_MS + RUN_TIMEOUT_MS);

    test('vitest passes and prints the conformance summary', () => {
      expect(vitestRun.code, `${vitestRun.stdout}\n${vitestRun.stderr}`).toBe(0);
      expect(vitestRun.stdout).toMatch(/^CONFORMANT/m);
    });

    test('its report lists the rules and verdicts of the CLI run with the same seed', () => {
      const report = readReport(join(projectDir, 'conformance-report'));
      expect(report.run.seed).toBe(Number(SEED));
      expect(report.run.runs).toBe(Number(RUNS));
      expect(report.run.target).toMatch(/emulator/);
      const fromCli = verdicts(readReport(embeddedOut));
      expect(Object.keys(verdicts(report)).sort()).toEqual(Object.keys(fromCli).sort());
      expect(verdicts(report)).toEqual(fromCli);
      for (const file of ['report.html', 'junit.xml', 'summary.md']) expect(existsSync(join(projectDir, 'conformance-report', file)), file).toBe(true);
    });
  });
});

describe('examples/github-actions/conformance.yml', () => {
  interface Step {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, string>;
  }
  const workflow = parse(readFileSync(join(PACKAGE_ROOT, 'examples', 'github-actions', 'conformance.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const conformance = steps.find((s) => s.run?.includes('metering-conformance'));

  test('runs the suite with the sdk driver, an endpoint and a baseline, with options the command knows', () => {
    expect(conformance?.run).toMatch(/metering-conformance(@\S+)? run /);
    const flags = conformance!.run!.match(/--[a-z-]+/g) ?? [];
    expect(flags).toEqual(expect.arrayContaining(['--driver', '--endpoint', '--baseline', '--out']));
    for (const flag of flags) expect(RUN_HELP, flag).toContain(`  ${flag} `);
    expect(conformance!.run).toMatch(/--driver sdk/);
  });

  test('uploads the report folder and writes summary.md to the step summary, even when the run fails', () => {
    const out = /--out (\S+)/.exec(conformance!.run!)![1];
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path.replace(/\/$/, '')).toBe(out);
    const summary = steps.find((s) => s.run?.includes('$GITHUB_STEP_SUMMARY'));
    expect(summary?.if).toBe('always()');
    expect(summary?.run).toContain(`${out}/summary.md`);
    // The emulator is started and awaited before the run.
    expect(steps.indexOf(conformance!)).toBeGreaterThan(steps.findIndex((s) => /curl .*127\.0\.0\.1/.test(s.run ?? '')));
  });
});

describe('the programmatic entry\'s reporter', () => {
  // A vitest config creates its reporter before the globalSetup resolves the target: the
  // target, and the secrets to scrub, must be read when the run ends.
  test('takes the target and its secrets from the project\'s provided context at the end of the run', async () => {
    const out = tempDir('mc-api-reporter-');
    const plan = planRun({ outDir: out, seed: 1, runs: 1, rules: 'resolve-customer.*' });
    const secret = 'api-reporter-test-secret-value';
    const target = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', label: `target ${secret}`, credentials: { ...TEST_CREDENTIALS, secretAccessKey: secret }, fixtures: { products: [], customers: [], tokens: [], registrations: [] }, capabilities: {} };
    let provided: object = {};
    const project = { name: 'conformance', getProvidedContext: () => provided };
    const reporter = new ConformanceProjectReporter(plan, 'conformance', false);
    reporter.onInit({ projects: [project] } as unknown as Parameters<ConformanceProjectReporter['onInit']>[0]);
    reporter.onTestRunStart();
    provided = { conformance: { target } };
    await reporter.onTestRunEnd([], [], 'passed');
    const written = readFileSync(join(out, 'report.json'), 'utf8');
    expect(written).not.toContain(secret);
    expect(readReport(out).run.target).toBe(`target ${REDACTED}`);
  });
});
