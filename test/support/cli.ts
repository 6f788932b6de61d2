// Runs the built `metering-conformance` command as a user would, bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { CONTROL_PREFIX } from '../../core/description.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import type { Report } from '../../reports/types.js';

export const BIN = join(PACKAGE_ROOT, 'bin', 'metering-conformance.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'mc-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The environment of a spawned command: the test's own, without the AWS settings of whoever
 * runs the tests (an AWS_ENDPOINT_URL or a ~/.aws profile must not change what a test does).
 */
export function hermeticEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  const none = join(tmpdir(), 'metering-conformance-no-such-file');
  return { ...env, AWS_CONFIG_FILE: none, AWS_SHARED_CREDENTIALS_FILE: none, NO_COLOR: '1', ...extra };
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? tempDir(),
      env: hermeticEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`metering-conformance ${args.join(' ')} did not finish within ${options.timeoutMs ?? 120_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** How to start `serve` when not the repository's own: e.g. npx in an installed package's folder. */
export interface ServeLaunch {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `metering-conformance serve --port 0 ...` (the repository's, or as `launch` says) in a
 * process group of its own, so that stopping it also stops what a launcher such as npx started;
 * resolves with its URL.
 */
export function serve(args: string[] = [], launch?: ServeLaunch): Promise<Served> {
  return new Promise((resolve, reject) => {
    const command = launch?.command ?? process.execPath;
    const argv = launch?.args ?? [BIN, 'serve', '--port', '0', ...args];
    const child = spawn(command, argv, { cwd: launch?.cwd, env: launch?.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const signal = (name: NodeJS.Signals) => process.kill(-child.pid!, name);
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      signal('SIGKILL');
      reject(new Error(`serve did not start within 60 s: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('close', () => done());
              signal('SIGTERM');
            }),
        });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening: ${err}`));
    });
  });
}

/** Serves the emulator around the enclosing describe block (started before its tests, stopped after them). */
export function serveAround(args: string[] = []): { readonly url: string } {
  let served: Served | undefined;
  beforeAll(async () => {
    served = await serve(args);
  }, 120_000);
  afterAll(async () => {
    await served?.stop();
  });
  return {
    get url() {
      if (!served) throw new Error('the emulator has not started (serveAround is for describe blocks)');
      return served.url;
    },
  };
}

/**
 * Writes a target.yaml into `dir` with the fixtures the served emulator at `url` publishes, and
 * `keys` (capabilities, endpoint, caFile, ...): the emulator as a target that declares instead.
 */
export async function publishedConfig(url: string, keys: object, dir = tempDir()): Promise<string> {
  const published = (await (await fetch(`${url}${CONTROL_PREFIX}/describe`)).json()) as { fixtures: unknown };
  const file = join(dir, 'target.yaml');
  writeFileSync(file, JSON.stringify({ region: 'us-east-1', fixtures: published.fixtures, ...keys }));
  return file;
}

export function readReport(outDir: string): Report {
  return JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report;
}

export function verdicts(report: Report): Record<string, string> {
  return Object.fromEntries(report.rules.map((r) => [r.id, r.verdict]));
}

/** Runs the CLI's main() in this process (mutation testing sees it), stdout and stderr captured. */
export async function mainInProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../../cli/main.js');
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}
