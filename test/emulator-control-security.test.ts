// The control API is its owner's only: state-changing requests need the control header and a
// JSON Content-Type (so a browser must preflight them), a Host that is an IP literal, localhost
// or an allowed name (no DNS rebinding), no foreign Origin; beyond loopback it is off unless a
// bearer token is given. Also: clock bounds, quiet client aborts, one-line start-up errors.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createServer, connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { readTargetLedger } from '../suites/stateful/target-ledger.js';
import { CONTROL_HEADER, CONTROL_HEADERS, CONTROL_PREFIX, CONTROL_TOKEN_ENV } from '../core/description.js';
import { BIN, runCli } from './support/cli.js';

interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** A control request with exactly these headers (node:http lets a test set Host and Origin). */
function control(emulator: RunningEmulator, route: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: emulator.port, method: init.method ?? 'GET', path: `${CONTROL_PREFIX}${route}`, headers: { host: `127.0.0.1:${emulator.port}`, ...init.headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(init.body ?? '');
  });
}

const post = (emulator: RunningEmulator, route: string, body: string, headers: Record<string, string> = { ...CONTROL_HEADERS }) =>
  control(emulator, route, { method: 'POST', headers, body });

const FAR_FUTURE = 253402300799; // 9999-12-31T23:59:59Z

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ allowedHosts: ['emulator.test'] });
});
afterAll(() => emulator.close());

/** The emulator's clock is still (about) the wall clock: no refused request moved it. */
async function clockUntouched(): Promise<void> {
  const described = await control(emulator, '/describe');
  expect(Math.abs(described.body.clock.nowMs - Date.now())).toBeLessThan(60_000);
}

describe('a control plane only its owner reaches', () => {
  test('a cross-origin simple POST (text/plain, foreign Origin and Host) to /reset and /clock is refused with 403 and a JSON error', async () => {
    const simple = { origin: 'http://evil.example', 'content-type': 'text/plain', host: 'evil.example' };
    for (const route of ['/reset', '/clock']) {
      const answer = await post(emulator, route, JSON.stringify({ set: FAR_FUTURE }), simple);
      expect(answer.status, route).toBe(403);
      expect(answer.body.__type).toBe('AccessDeniedException');
      expect(typeof answer.body.message).toBe('string');
    }
    // Even naming the emulator by IP and sending the control header, a foreign Origin is refused.
    for (const route of ['/reset', '/clock']) {
      const answer = await post(emulator, route, JSON.stringify({ set: 1_800_000_000 }), { ...CONTROL_HEADERS, origin: 'http://evil.example' });
      expect(answer.status, route).toBe(403);
      expect(answer.body.message).toMatch(/another origin/);
    }
    expect((await control(emulator, '/ledger', { headers: { origin: 'null' } })).status).toBe(403);
    await clockUntouched();
  });

  test('a wrong Host (DNS rebinding) is refused on /reset, /clock and /ledger; describe and public-key stay open', async () => {
    for (const host of ['evil.example', 'evil.example:80', 'localhost.evil.example', '127.0.0.1@evil.example', 'localhost.']) {
      const headers = { ...CONTROL_HEADERS, host };
      expect((await post(emulator, '/clock', JSON.stringify({ set: 1_800_000_000 }), headers)).status, host).toBe(403);
      expect((await post(emulator, '/reset', '', headers)).status, host).toBe(403);
      const ledger = await control(emulator, '/ledger', { headers: { host } });
      expect(ledger.status, host).toBe(403);
      expect(ledger.body.message).toMatch(/Host/);
    }
    const open = { host: 'evil.example', origin: 'http://evil.example' };
    expect((await control(emulator, '/describe', { headers: open })).status).toBe(200);
    expect((await control(emulator, '/public-key', { headers: open })).status).toBe(200);
    await clockUntouched();
  });

  test('a JSON POST without the control header is refused; the header with a non-JSON type gets 415', async () => {
    const noHeader = await post(emulator, '/clock', JSON.stringify({ set: 1_800_000_000 }), { 'content-type': 'application/json' });
    expect(noHeader.status).toBe(403);
    expect(noHeader.body.message).toContain(CONTROL_HEADER);
    expect((await post(emulator, '/reset', '{}', { 'content-type': 'application/json' })).status).toBe(403);
    const textPlain = await post(emulator, '/clock', JSON.stringify({ set: 1_800_000_000 }), { [CONTROL_HEADER]: '1', 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(415);
    expect((await post(emulator, '/reset', '', { [CONTROL_HEADER]: '1' })).status).toBe(415);
    await clockUntouched();
  });

  test('the proper request works: by IP, localhost or an allowed name, with or without the own Origin', async () => {
    try {
      for (const host of [`127.0.0.1:${emulator.port}`, `localhost:${emulator.port}`, 'LOCALHOST', 'emulator.test:8080', '[::1]:1']) {
        const set = await post(emulator, '/clock', JSON.stringify({ set: 1_800_000_000 }), { ...CONTROL_HEADERS, host });
        expect(set.status, host).toBe(200);
        expect(Math.abs(set.body.nowMs - 1_800_000_000_000)).toBeLessThan(5_000);
        expect((await control(emulator, '/ledger', { headers: { host } })).status, host).toBe(200);
      }
      const own = `http://127.0.0.1:${emulator.port}`;
      expect((await post(emulator, '/clock', JSON.stringify({ advance: 60 }), { ...CONTROL_HEADERS, origin: own })).status).toBe(200);
      expect((await post(emulator, '/reset', '', { ...CONTROL_HEADERS, 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    } finally {
      await post(emulator, '/reset', '');
    }
    await clockUntouched();
  });

  test('clock values stay within the years 2000..2100', async () => {
    try {
      for (const body of [{ set: FAR_FUTURE }, { set: 946684799 }, { set: 4133980800 }, { advance: 100 * 366 * 86400 }, { advance: -50 * 366 * 86400 }]) {
        const answer = await post(emulator, '/clock', JSON.stringify(body));
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body.message).toMatch(/2000-01-01 and 2100-12-31/);
      }
      await clockUntouched();
      expect((await post(emulator, '/clock', JSON.stringify({ set: 946684800 }))).status).toBe(200);
      expect((await post(emulator, '/clock', JSON.stringify({ set: 4133980799 }))).status).toBe(200);
    } finally {
      await post(emulator, '/reset', '');
    }
  });
});

describe('beyond loopback', () => {
  test('without a token the control API is disabled (describe stays open)', async () => {
    const exposed = await startEmulator({ host: '0.0.0.0' });
    try {
      const refused = await post(exposed, '/reset', '');
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/^control API disabled: /);
      expect((await control(exposed, '/ledger')).status).toBe(403);
      expect((await control(exposed, '/describe')).status).toBe(200);
    } finally {
      await exposed.close();
    }
  });

  test('with --control-token the token is required as a bearer token', async () => {
    const token = 'sekrit-token-1234';
    const exposed = await startEmulator({ host: '0.0.0.0', controlToken: token });
    try {
      const missing = await post(exposed, '/reset', '');
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
      expect((await post(exposed, '/reset', '', { ...CONTROL_HEADERS, authorization: 'Bearer wrong-token-1234' })).status).toBe(401);
      expect((await control(exposed, '/ledger')).status).toBe(401);
      expect((await post(exposed, '/reset', '', { ...CONTROL_HEADERS, authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await control(exposed, '/ledger', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // The token does not lift the Host check.
      expect((await control(exposed, '/ledger', { headers: { authorization: `Bearer ${token}`, host: 'evil.example' } })).status).toBe(403);
      // The suites' ledger helper sends the token from the environment.
      const url = `http://127.0.0.1:${exposed.port}`;
      await expect(readTargetLedger(url, 'AKNOBODY')).rejects.toThrow(/HTTP 401/);
      vi.stubEnv(CONTROL_TOKEN_ENV, token);
      try {
        expect(await readTargetLedger(url, 'AKNOBODY')).toEqual([]);
      } finally {
        vi.unstubAllEnvs();
      }
    } finally {
      await exposed.close();
    }
  });

  test('serve --host 0.0.0.0 warns on stderr; serve --help documents the control API', async () => {
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '0.0.0.0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        if (/listening on/.test(d.toString())) child.kill('SIGTERM');
      });
      child.on('error', reject);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(err);
      });
    });
    expect(stderr).toMatch(/^metering-conformance: warning: listening on 0\.0\.0\.0, beyond loopback: .*the control API is disabled/);
    const help = await runCli(['serve', '--help']);
    expect(help.stdout).toContain('--control-token');
    expect(help.stdout).toContain('--allowed-host');
    expect(help.stdout).toContain(CONTROL_HEADER);
  });
});

describe('start-up and aborts', () => {
  test('a port in use is one line and exit 2', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = await runCli(['serve', '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`metering-conformance: cannot listen on 127.0.0.1:${port}: address already in use\n`);
      await expect(startEmulator({ port })).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: address already in use`);
    } finally {
      blocker.close();
    }
  });

  test('an unknown host is one line and exit 2', async () => {
    const result = await runCli(['serve', '--host', 'no-such-host.invalid']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^metering-conformance: cannot listen on no-such-host\.invalid:5055: unknown host[^\n]*\n$/);
  });

  test('a client that aborts mid-body leaves no log line', async () => {
    const errors = vi.spyOn(console, 'error');
    try {
      for (const path of ['/', `${CONTROL_PREFIX}/clock`]) {
        await new Promise<void>((resolve) => {
          const socket = connect(emulator.port, '127.0.0.1', () => {
            socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"set":`, () => {
              setTimeout(() => {
                socket.destroy();
                resolve();
              }, 50);
            });
          });
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(errors).not.toHaveBeenCalled();
      expect((await control(emulator, '/describe')).status).toBe(200);
    } finally {
      errors.mockRestore();
    }
  });
});
