// Ledger persistence (dataFile): append-only JSON lines written before the answer, reloaded
// on start, never losing or duplicating a record across a restart.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { EmulatorConfigError, startEmulator, type LedgerRecord, type RunningEmulator } from '../emulator/index.js';
import { CONTROL_HEADERS, CONTROL_PREFIX, TEST_CREDENTIALS } from '../core/description.js';
import { createRawTarget } from '../target/raw-driver.js';
import type { Outcome } from '../target/types.js';
import { runCli, serve } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mc-emulator-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const me = { credentials: { accessKeyId: 'AKPERSISTENCE0000001', secretAccessKey: TEST_CREDENTIALS.secretAccessKey } };
const hourAgo = () => new Date(Date.now() - 30 * 60_000);

async function withEmulator<T>(dataFile: string, body: (e: RunningEmulator, call: (op: string, input: Record<string, unknown>) => Promise<Outcome>) => Promise<T>): Promise<T> {
  const emulator = await startEmulator({ dataFile });
  const target = createRawTarget({ endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  try {
    return await body(emulator, (op, input) => target.call(op as never, input, me));
  } finally {
    await target.close();
    await emulator.close();
  }
}

async function records(emulator: RunningEmulator): Promise<LedgerRecord[]> {
  return ((await (await fetch(`${emulator.url}${CONTROL_PREFIX}/ledger`, { headers: CONTROL_HEADERS })).json()) as { records: LedgerRecord[] }).records;
}

const idOf = (o: Outcome) => (o.kind === 'success' ? (o.output.MeteringRecordId as string) : o.errorType);
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('ledger persistence', () => {
  test('records and ClientToken bindings survive a restart, without duplicates', async () => {
    const file = join(dir, 'ledger.jsonl');
    const timestamp = hourAgo();
    const meter = { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: 2, Timestamp: timestamp, ClientToken: 'tok-1' };
    const batch = { ProductCode: 'conformance-saas-1', UsageRecords: [{ CustomerIdentifier: 'mc-legacy-subscribed-0001', Dimension: 'Requests', Quantity: 3, Timestamp: timestamp }] };
    const first = await withEmulator(file, async (emulator, call) => {
      const meterId = idOf(await call('MeterUsage', meter));
      const batchOut = await call('BatchMeterUsage', batch);
      // Written before the answer: the file already holds the record and the token binding.
      expect(lines(file).map((l) => JSON.parse(l).kind)).toEqual(['record', 'token', 'record']);
      return { meterId, batchId: batchOut.kind === 'success' ? (batchOut.output.Results as { MeteringRecordId: string }[])[0].MeteringRecordId : '', ledger: await records(emulator) };
    });
    await withEmulator(file, async (emulator, call) => {
      expect(await records(emulator)).toEqual(first.ledger);
      expect(idOf(await call('MeterUsage', meter))).toBe(first.meterId);
      const { ClientToken: _token, ...withoutToken } = meter;
      expect(idOf(await call('MeterUsage', withoutToken))).toBe(first.meterId);
      expect(idOf(await call('MeterUsage', { ...meter, UsageQuantity: 9 }))).toBe('IdempotencyConflictException');
      expect(idOf(await call('MeterUsage', { ...withoutToken, UsageQuantity: 9 }))).toBe('DuplicateRequestException');
      const again = await call('BatchMeterUsage', batch);
      expect(again.kind === 'success' && (again.output.Results as { MeteringRecordId: string }[])[0].MeteringRecordId).toBe(first.batchId);
      expect(await records(emulator)).toHaveLength(2);
    });
    expect(lines(file)).toHaveLength(3);
  });

  test('concurrent identical requests write one line', async () => {
    const file = join(dir, 'concurrent.jsonl');
    await withEmulator(file, async (_emulator, call) => {
      const input = { ProductCode: 'conformance-ami-1', UsageDimension: 'Users', UsageQuantity: 1, Timestamp: hourAgo() };
      const ids = new Set((await Promise.all(Array.from({ length: 30 }, () => call('MeterUsage', input)))).map(idOf));
      expect(ids.size).toBe(1);
    });
    expect(lines(file)).toHaveLength(1);
  });

  test('a reset is persisted', async () => {
    const file = join(dir, 'reset.jsonl');
    await withEmulator(file, async (emulator, call) => {
      await call('MeterUsage', { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', Timestamp: hourAgo() });
      await fetch(`${emulator.url}${CONTROL_PREFIX}/reset`, { method: 'POST', headers: CONTROL_HEADERS });
      await call('MeterUsage', { ProductCode: 'conformance-ami-1', UsageDimension: 'Users', Timestamp: hourAgo() });
    });
    await withEmulator(file, async (emulator) => {
      expect((await records(emulator)).map((r) => r.dimension)).toEqual(['Users']);
    });
  });

  test('a last line cut short by a crash is dropped and the file stays appendable', async () => {
    const file = join(dir, 'torn.jsonl');
    await withEmulator(file, async (_e, call) => {
      await call('MeterUsage', { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', Timestamp: hourAgo() });
    });
    appendFileSync(file, '{"kind":"record","key":"[\\"x');
    await withEmulator(file, async (emulator, call) => {
      expect(await records(emulator)).toHaveLength(1);
      await call('MeterUsage', { ProductCode: 'conformance-ami-1', UsageDimension: 'Users', Timestamp: hourAgo() });
    });
    expect(lines(file).map((l) => JSON.parse(l).kind)).toEqual(['record', 'record']);
    await withEmulator(file, async (emulator) => expect(await records(emulator)).toHaveLength(2));
  });

  test('a corrupt line in the middle is a clear start-up error', async () => {
    const file = join(dir, 'corrupt.jsonl');
    writeFileSync(file, 'not json\n{"kind":"reset"}\n');
    await expect(startEmulator({ dataFile: file })).rejects.toThrow(EmulatorConfigError);
    await expect(startEmulator({ dataFile: file })).rejects.toThrow(/corrupt\.jsonl line 1/);
    writeFileSync(file, '{"kind":"mystery"}\n');
    await expect(startEmulator({ dataFile: file })).rejects.toThrow(/line 1 is not a ledger entry/);
  });

  test('a loaded line that is not a ledger entry names the line and the problem', async () => {
    const file = join(dir, 'invalid.jsonl');
    writeFileSync(file, '{"kind":"reset"}\n{"kind":"record","key":"x"}\n');
    await expect(startEmulator({ dataFile: file })).rejects.toThrow(/invalid\.jsonl line 2 is not a ledger entry: a record line needs a "record" object/);
    writeFileSync(file, '{"kind":"token","key":"t","binding":{"fingerprint":1}}\n');
    await expect(startEmulator({ dataFile: file })).rejects.toThrow(/line 1 is not a ledger entry: "binding" needs/);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  test('a duplicated record line is refused; a torn last line is dropped with a warning', async () => {
    const file = join(dir, 'duplicated.jsonl');
    await withEmulator(file, async (_e, call) => {
      await call('MeterUsage', { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', Timestamp: hourAgo() });
    });
    const line = lines(file)[0];
    appendFileSync(file, `${line}\n`);
    await expect(startEmulator({ dataFile: file })).rejects.toThrow(/duplicated\.jsonl line 2 repeats record .* \(a duplicated line\)/);
    writeFileSync(file, `${line}\n${line.slice(0, 20)}`);
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      written.push(String(chunk));
      return original(chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      await withEmulator(file, async (emulator) => expect(await records(emulator)).toHaveLength(1));
    } finally {
      process.stderr.write = original;
    }
    expect(written.join('')).toMatch(/warning: ledger data file .*duplicated\.jsonl ends with an incomplete line 2 .*dropped it/);
  });
});

describe('one writer per data file', () => {
  test('a second emulator on the same file is refused, naming the holder; the lock goes on close', async () => {
    const file = join(dir, 'locked.jsonl');
    const first = await startEmulator({ dataFile: file });
    try {
      expect(readFileSync(`${file}.lock`, 'utf8').trim()).toBe(String(process.pid));
      await expect(startEmulator({ dataFile: file })).rejects.toThrow(new RegExp(`locked\\.jsonl is in use by another emulator \\(pid ${process.pid}`));
    } finally {
      await first.close();
    }
    expect(existsSync(`${file}.lock`)).toBe(false);
    await withEmulator(file, async () => expect(existsSync(`${file}.lock`)).toBe(true));
  });

  test('two `serve --data F`: the second exits 2 naming the first one\'s pid; a clean exit removes the lock', async () => {
    const file = join(dir, 'served.jsonl');
    const served = await serve(['--data', file]);
    try {
      const second = await runCli(['serve', '--port', '0', '--data', file]);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`^metering-conformance: ledger data file .*served\\.jsonl is in use by another emulator \\(pid ${served.child.pid};[^\\n]*\\n$`));
    } finally {
      await served.stop();
    }
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  test('the stale lock of a process that is gone (kill -9) is taken over', async () => {
    const file = join(dir, 'stale.jsonl');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${file}.lock`, `${dead}\n`);
    await withEmulator(file, async (_e, call) => {
      expect(readFileSync(`${file}.lock`, 'utf8').trim()).toBe(String(process.pid));
      expect(idOf(await call('MeterUsage', { ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', Timestamp: hourAgo() }))).toMatch(/^[0-9a-f-]{36}$/);
    });
    expect(existsSync(`${file}.lock`)).toBe(false);
    // A killed `serve`'s lock too.
    const served = await serve(['--data', file]);
    process.kill(served.child.pid!, 'SIGKILL');
    await served.stop();
    expect(readFileSync(`${file}.lock`, 'utf8').trim()).toBe(String(served.child.pid));
    await withEmulator(file, async (emulator) => expect(await records(emulator)).toHaveLength(1));
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
