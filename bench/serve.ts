// Starting and stopping the processes the bench measures: the command (`serve`, `run`) and
// the emulator it serves.
import { spawn, type ChildProcess } from 'node:child_process';
import { CONTROL_PREFIX } from '../core/description.js';

/**
 * node's arguments that run `metering-conformance ARGS` from the CLI compiled beside this bench
 * (dist/cli/main.js under `npm run bench`, as bin/metering-conformance.js runs it): a bench
 * compiled elsewhere (tsc --outDir) measures its own build, never a stale dist/.
 */
export function cliArgs(args: string[]): string[] {
  const main = new URL('../cli/main.js', import.meta.url).href;
  // As the bin does: exit explicitly, open keep-alive sockets must not hold the process.
  const entry = `const { main } = await import(${JSON.stringify(main)}); const code = await main(process.argv.slice(1)); process.stdout.write('', () => process.exit(code));`;
  return ['--input-type=module', '-e', entry, '--', ...args];
}

export interface Served {
  url: string;
  child: ChildProcess;
}

/** `serve --port 0` in its own process; resolves once it prints where it listens. */
export function startServe(args: string[] = []): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs(['serve', '--port', '0', ...args]), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1], child });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stop(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

export interface Description {
  fixtures: {
    products: { code: string; kind: string; dimensions: string[] }[];
    customers: { identifier?: string; accountId: string; productCode: string; subscribed: boolean; licenseArn?: string }[];
  };
  /** Service requests the emulator answered since it started. */
  stats: { requests: number };
}

/** The emulator's describe document (GET <url>/__metering-conformance/v1/describe). */
export async function describeEmulator(url: string): Promise<Description> {
  return (await (await fetch(`${url}${CONTROL_PREFIX}/describe`)).json()) as Description;
}
