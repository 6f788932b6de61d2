// run --max-in-flight N and --rate R: politeness toward a shared target, seen from the target's
// side (a counting HTTP proxy in front of serve), and the one line and exit 2 of a bad value.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONTROL_PREFIX } from '../core/description.js';
import { runCli, serveAround, tempDir } from './support/cli.js';

/** Forwards every request to `target` as it came (Host included, so signatures hold), counting service calls in flight. */
function countingProxy(target: () => string) {
  const seen = { peak: 0, inFlight: 0, starts: [] as number[] };
  const server: Server = createServer((req, res) => {
    const service = !(req.url ?? '').startsWith(CONTROL_PREFIX);
    if (service) {
      seen.inFlight++;
      seen.peak = Math.max(seen.peak, seen.inFlight);
      seen.starts.push(performance.now());
    }
    const { hostname, port } = new URL(target());
    const upstream = request({ host: hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => {
        if (service) seen.inFlight--;
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return { server, seen, reset: () => Object.assign(seen, { peak: 0, inFlight: 0, starts: [] }) };
}

describe('run --max-in-flight and --rate', () => {
  const served = serveAround();
  const proxy = countingProxy(() => served.url);
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((ready) => proxy.server.listen(0, '127.0.0.1', ready));
    url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy.server.closeAllConnections();
    await new Promise((closed) => proxy.server.close(closed));
  });

  test('--max-in-flight 2: the target never sees more than two calls at once; without it, it does', async () => {
    const args = ['run', '--endpoint', url, '--rules', 'meter-usage.*', '--runs', '5', '--seed', '3'];
    proxy.reset();
    const polite = await runCli([...args, '--max-in-flight', '2', '--out', tempDir()]);
    expect(polite.code, polite.stderr).toBe(0);
    expect(proxy.seen.starts.length).toBeGreaterThan(50);
    expect(proxy.seen.peak).toBeLessThanOrEqual(2);
    proxy.reset();
    const free = await runCli([...args, '--out', tempDir()]);
    expect(free.code, free.stderr).toBe(0);
    expect(proxy.seen.peak).toBeGreaterThan(2);
  });

  test('--rate 20/s: calls start at least 50 ms apart', async () => {
    proxy.reset();
    const result = await runCli(['run', '--endpoint', url, '--rules', 'meter-usage.accepts-valid,meter-usage.identical-retry', '--runs', '4', '--seed', '3', '--rate', '20/s', '--out', tempDir()]);
    expect(result.code, result.stderr).toBe(0);
    const { starts } = proxy.seen;
    expect(starts.length).toBeGreaterThan(8);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    // 50 ms apart at the runner; the proxy sees each give or take the loopback's jitter, and all of them at 20 a second.
    expect(Math.min(...gaps)).toBeGreaterThan(20);
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual((starts.length - 1) * 50 * 0.9);
  });

  test.each([
    ['--max-in-flight', '0', '--max-in-flight must be between 1 and 10000, got 0'],
    ['--max-in-flight', 'many', '--max-in-flight must be an integer, got "many"'],
    ['--rate', '0', '--rate must be calls per second, a number above 0 and up to 10000 such as 5 or 0.5/s, got "0"'],
    ['--rate', '5/m', '--rate must be calls per second, a number above 0 and up to 10000 such as 5 or 0.5/s, got "5/m"'],
  ])('%s %s: one line, exit 2', async (flag, value, message) => {
    const result = await runCli(['run', flag, value, '--out', tempDir()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`metering-conformance: ${message}\n`);
  });
});
