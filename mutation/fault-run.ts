// One conformance run against the reference emulator with fault modes switched on, as a user
// would do it: `metering-conformance serve --fault X` in one process, `metering-conformance
// run --endpoint` in another. Shared by `npm run mutation` and the self-test of the fault modes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';
import type { Report } from '../reports/types.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'metering-conformance.js');
const SERVE_START_MS = 30_000;

export interface FaultRunOptions {
  /** Fault modes of the emulator; none for the fault-free emulator. */
  faults: string[];
  /** An existing, empty directory: the report goes there. */
  outDir: string;
  seed: number;
  runs: number;
  /** `--rules` globs; all rules when absent. */
  rules?: string;
  /** The whole run (emulator start and suite) is killed after this long. */
  timeoutMs: number;
}

export interface FaultRunResult {
  /** Exit code of `run` (0 conformant, 1 not, 2 usage error); null when it was killed. */
  exitCode: number | null;
  /** report.json, when the run wrote one. */
  report?: Report;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * The environment of the child processes: without the AWS settings of whoever runs this,
 * which could sign with other credentials than the emulator knows.
 */
function hermeticEnv(): NodeJS.ProcessEnv {
  const none = join(tmpdir(), 'metering-conformance-no-such-file');
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return { ...env, AWS_CONFIG_FILE: none, AWS_SHARED_CREDENTIALS_FILE: none, NO_COLOR: '1' };
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('close', () => resolve());
    child.kill(signal);
  });
}

/** Starts the emulator on a free port and resolves with its URL. */
function serve(faults: string[]): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const args = [BIN, 'serve', '--port', '0', ...faults.flatMap((f) => ['--fault', f])];
    const child = spawn(process.execPath, args, { env: hermeticEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the emulator did not start within ${SERVE_START_MS / 1000} s: ${err}`));
    }, SERVE_START_MS);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited with ${code} before listening: ${err}`));
    });
  });
}

/** report.json, or undefined when the run wrote none (or was killed while writing it). */
function readReport(file: string): Report | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch {
    return undefined;
  }
}

/**
 * Runs the suite against a freshly started emulator with `faults`; the emulator is stopped
 * afterwards. Never throws: a run that could not happen has exit code null and says why in stderr.
 */
export async function runAgainstFaults(options: FaultRunOptions): Promise<FaultRunResult> {
  const started = Date.now();
  let emulator: { url: string; child: ChildProcess };
  try {
    emulator = await serve(options.faults);
  } catch (error) {
    return { exitCode: null, stdout: '', stderr: (error as Error).message, durationMs: Date.now() - started };
  }
  try {
    const args = [BIN, 'run', '--endpoint', emulator.url, '--out', options.outDir, '--seed', String(options.seed), '--runs', String(options.runs)];
    if (options.rules !== undefined) args.push('--rules', options.rules);
    const run = spawn(process.execPath, args, { cwd: options.outDir, env: hermeticEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    run.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
    const timer = setTimeout(() => {
      stderr += `\nkilled after ${Math.round(options.timeoutMs / 1000)} s`;
      run.kill('SIGKILL');
    }, remaining);
    const exitCode = await new Promise<number | null>((resolve) => {
      run.on('error', (error) => {
        stderr += `\n${error.message}`;
        resolve(null);
      });
      run.on('close', (code) => resolve(code));
    });
    clearTimeout(timer);
    const report = readReport(join(options.outDir, 'report.json'));
    return { exitCode, ...(report ? { report } : {}), stdout, stderr, durationMs: Date.now() - started };
  } finally {
    await stop(emulator.child);
  }
}

/** A gate that lets `width` tasks run at a time; the others wait their turn. */
export function limit(width: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    // A finishing task hands its slot straight to the next waiter, so no newcomer can slip in between.
    if (running < width) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
