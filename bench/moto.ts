// moto (`python3 -m moto.server`), the other public Metering emulator, as a process on a free
// loopback port: the bench's peer row and the tests of `init` start it the same way.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { stop } from './serve.js';

/** moto's version, or why python3 cannot import it. */
export function motoVersion(): { version: string } | { missing: string } {
  const probe = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status === 0) return { version: probe.stdout.trim() };
  return { missing: probe.error ? `python3: ${probe.error.message}` : `python3 -c 'import moto' failed: ${probe.stderr.trim().split('\n').at(-1) ?? ''}` };
}

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs` or if `child` exits first. */
async function accepting(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto.server exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`moto.server did not listen on ${port} within ${timeoutMs / 1000} s`);
}

export interface RunningMoto {
  url: string;
  /** SIGTERM, then SIGKILL after 3 s: bounded either way. */
  stop(): Promise<void>;
}

/** Starts moto on a free loopback port and waits (at most 30 s) until it accepts connections. */
export async function startMoto(): Promise<RunningMoto> {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const running = { url: `http://127.0.0.1:${port}`, stop: () => stop(child, 3_000) };
  try {
    await accepting(port, child, 30_000);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}
