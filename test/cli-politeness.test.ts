// run --max-in-flight N and --rate R: politeness toward a shared target, seen from the target's
// side (the recording proxy in front of serve, control API forwarded), and the one line and exit 2 of a bad value.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, serveAround, tempDir } from './support/cli.js';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';

describe('run --max-in-flight and --rate', () => {
  const served = serveAround();
  let proxy: RecordingProxy;
  beforeAll(async () => {
    proxy = await startRecordingProxy(served.url, { forwardControl: true });
  });
  afterAll(() => proxy.close());

  test('--max-in-flight 2: the target never sees more than two calls at once; without it, it does', async () => {
    const args = ['run', '--endpoint', proxy.url, '--rules', 'meter-usage.*', '--runs', '5', '--seed', '3'];
    proxy.clear();
    const polite = await runCli([...args, '--max-in-flight', '2', '--out', tempDir()]);
    expect(polite.code, polite.stderr).toBe(0);
    expect(proxy.requests.length).toBeGreaterThan(50);
    expect(proxy.peakInFlight).toBeLessThanOrEqual(2);
    proxy.clear();
    const free = await runCli([...args, '--out', tempDir()]);
    expect(free.code, free.stderr).toBe(0);
    expect(proxy.peakInFlight).toBeGreaterThan(2);
  });

  test('--rate 20/s: calls start at least 50 ms apart', async () => {
    proxy.clear();
    const result = await runCli(['run', '--endpoint', proxy.url, '--rules', 'meter-usage.accepts-valid,meter-usage.identical-retry', '--runs', '4', '--seed', '3', '--rate', '20/s', '--out', tempDir()]);
    expect(result.code, result.stderr).toBe(0);
    const starts = proxy.requests.map((r) => r.arrivedAtMs);
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
