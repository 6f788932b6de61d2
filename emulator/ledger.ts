// The metering ledger: honored records, their dedupe keys and ClientToken bindings, all
// partitioned by caller (access key id) through the keys the operations build. Every
// change goes through commit(), which is synchronous so an operation's check-and-insert
// cannot interleave with another request. With a data file, commit() appends JSON lines
// and fsyncs before returning: an answered record is never lost, and a reload never
// duplicates one. One emulator at a time owns a data file: it holds DATA.lock (created
// atomically, holding its pid) until it closes; a lock whose process is gone is taken over.
import { closeSync, existsSync, fsyncSync, ftruncateSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EmulatorConfigError } from './errors.js';

export interface CanonicalAllocation {
  quantity: number;
  /** [key, value] pairs, sorted. */
  tags: [string, string][];
}

export interface LedgerRecord {
  meteringRecordId: string;
  /** Access key id of the caller that sent the record (not a secret). */
  caller: string;
  operation: 'MeterUsage' | 'BatchMeterUsage';
  productCode: string;
  dimension: string;
  quantity: number;
  /** The request's Timestamp, epoch milliseconds. */
  timestampMs: number;
  /** Start of the hour the record is deduplicated in, epoch milliseconds. */
  hourMs: number;
  allocations?: CanonicalAllocation[];
  customerIdentifier?: string;
  customerAWSAccountId?: string;
  licenseArn?: string;
  /** Emulator clock when the record was honored. */
  recordedAtMs: number;
}

export interface TokenBinding {
  /** Canonical request parameters the token was first used with. */
  fingerprint: string;
  meteringRecordId: string;
}

export type LedgerChange =
  | { kind: 'record'; key: string; record: LedgerRecord }
  | { kind: 'token'; key: string; binding: TokenBinding };

type Line = LedgerChange | { kind: 'reset' };

const RECORD_MEMBERS: Record<string, 'string' | 'number'> = {
  meteringRecordId: 'string',
  caller: 'string',
  operation: 'string',
  productCode: 'string',
  dimension: 'string',
  quantity: 'number',
  timestampMs: 'number',
  hourMs: 'number',
  recordedAtMs: 'number',
};
const OPTIONAL_RECORD_MEMBERS = ['customerIdentifier', 'customerAWSAccountId', 'licenseArn'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with a parsed line, or undefined when it is a ledger entry. */
function entryProblem(entry: unknown): string | undefined {
  if (!isObject(entry)) return 'not a JSON object';
  if (entry.kind === 'reset') return undefined;
  if (entry.kind !== 'record' && entry.kind !== 'token') return `"kind" must be "record", "token" or "reset", not ${JSON.stringify(entry.kind)}`;
  if (typeof entry.key !== 'string' || entry.key === '') return '"key" must be a non-empty string';
  if (entry.kind === 'token') {
    const binding = entry.binding;
    if (!isObject(binding)) return 'a token line needs a "binding" object';
    if (typeof binding.fingerprint !== 'string' || typeof binding.meteringRecordId !== 'string') return '"binding" needs "fingerprint" and "meteringRecordId" strings';
    return undefined;
  }
  const record = entry.record;
  if (!isObject(record)) return 'a record line needs a "record" object';
  for (const [name, type] of Object.entries(RECORD_MEMBERS)) {
    if (typeof record[name] !== type || (type === 'number' && !Number.isFinite(record[name]))) return `"record.${name}" must be a ${type}`;
  }
  if (record.operation !== 'MeterUsage' && record.operation !== 'BatchMeterUsage') return '"record.operation" must be MeterUsage or BatchMeterUsage';
  for (const name of OPTIONAL_RECORD_MEMBERS) {
    if (record[name] !== undefined && typeof record[name] !== 'string') return `"record.${name}" must be a string`;
  }
  if (record.allocations !== undefined && !Array.isArray(record.allocations)) return '"record.allocations" must be a list';
  return undefined;
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLockPid(lock: string): number | undefined {
  try {
    const text = readFileSync(lock, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

const tryUnlink = (path: string) => {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
};

/**
 * Takes `file`.lock for this process: the pid goes to a private file first, which is then
 * hard-linked to the lock name (atomic, and fails when the lock exists), so a lock is never
 * seen empty. A lock naming a process that no longer exists (killed with -9, crashed) is
 * taken over. Returns the lock's path.
 */
function acquireLock(file: string): string {
  const lock = `${file}.lock`;
  const mine = `${lock}.${process.pid}.${Date.now()}`;
  try {
    writeFileSync(mine, `${process.pid}\n`, { flag: 'wx' });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `no such directory ${dirname(resolve(file))}` : (error as Error).message;
    throw new EmulatorConfigError(`cannot create the lock of ledger data file ${file}: ${reason}`);
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, lock);
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new EmulatorConfigError(`cannot create the lock of ledger data file ${file} (${lock}): ${(error as Error).message}`);
        }
      }
      const holder = readLockPid(lock);
      if (holder !== undefined && processAlive(holder)) {
        throw new EmulatorConfigError(
          `ledger data file ${file} is in use by another emulator (pid ${holder}${holder === process.pid ? ', this process' : ''}; lock ${lock}); stop that one, or give another --data file`,
        );
      }
      if (holder === undefined && !existsSync(lock)) continue;
      // Stale (its process is gone) or unreadable: move it aside, and remove it only if it is
      // still the stale one (another emulator may have taken over in between).
      const aside = `${lock}.stale.${process.pid}.${Date.now()}`;
      try {
        renameSync(lock, aside);
      } catch {
        continue;
      }
      if (readLockPid(aside) === holder) {
        tryUnlink(aside);
        if (holder !== undefined) process.stderr.write(`metering-conformance: taking over ${lock} of pid ${holder}, which no longer runs\n`);
      } else {
        // Someone else's fresh lock: put it back.
        try {
          linkSync(aside, lock);
        } catch {
          // a third emulator holds it now
        }
        tryUnlink(aside);
      }
    }
    throw new EmulatorConfigError(`cannot take the lock ${lock} of ledger data file ${file}: other emulators keep taking it`);
  } finally {
    tryUnlink(mine);
  }
}

export class Ledger {
  private readonly list: LedgerRecord[] = [];
  private readonly byKey = new Map<string, LedgerRecord>();
  /** Records per caller: suites read their own caller's ledger after most requests. */
  private readonly byCaller = new Map<string, LedgerRecord[]>();
  private readonly tokens = new Map<string, TokenBinding>();
  private fd: number | undefined;
  private lock: string | undefined;

  constructor(private readonly dataFile?: string) {
    if (dataFile === undefined) return;
    this.lock = acquireLock(dataFile);
    try {
      this.load(dataFile);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private load(file: string): void {
    const existed = existsSync(file);
    let bytes = Buffer.alloc(0);
    try {
      if (existed) bytes = readFileSync(file);
    } catch (error) {
      throw new EmulatorConfigError(`cannot read ledger data file ${file}: ${(error as Error).message}`);
    }
    // A last line without its newline is a write cut short by a crash: it was never
    // answered, so drop it (and cut it from the file so the next append starts cleanly).
    const complete = bytes.lastIndexOf(0x0a) + 1;
    const lines = bytes.subarray(0, complete).toString('utf8').split('\n');
    lines.pop();
    if (complete < bytes.length) {
      process.stderr.write(
        `metering-conformance: warning: ledger data file ${file} ends with an incomplete line ${lines.length + 1} (${bytes.length - complete} bytes without a newline, a write cut short); dropped it\n`,
      );
    }
    // Record ids loaded since the last reset: a repeated one is a duplicated line.
    const ids = new Set<string>();
    lines.forEach((line, i) => {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        throw new EmulatorConfigError(`ledger data file ${file} line ${i + 1} is not valid JSON`);
      }
      const problem = entryProblem(entry);
      if (problem !== undefined) throw new EmulatorConfigError(`ledger data file ${file} line ${i + 1} is not a ledger entry: ${problem}`);
      const valid = entry as Line;
      if (valid.kind === 'reset') {
        this.clear();
        ids.clear();
        return;
      }
      if (valid.kind === 'record') {
        if (ids.has(valid.record.meteringRecordId)) {
          throw new EmulatorConfigError(`ledger data file ${file} line ${i + 1} repeats record ${valid.record.meteringRecordId} (a duplicated line)`);
        }
        ids.add(valid.record.meteringRecordId);
      }
      this.apply(valid);
    });
    try {
      this.fd = openSync(file, 'a');
      if (complete < bytes.length) ftruncateSync(this.fd, complete);
      // Make the new file's directory entry durable too, not only its contents.
      if (!existed) fsyncDirectory(dirname(resolve(file)));
    } catch (error) {
      throw new EmulatorConfigError(`cannot open ledger data file ${file}: ${(error as Error).message}`);
    }
  }

  private apply(change: LedgerChange): void {
    if (change.kind === 'record') {
      this.list.push(change.record);
      this.byKey.set(change.key, change.record);
      const own = this.byCaller.get(change.record.caller);
      if (own) own.push(change.record);
      else this.byCaller.set(change.record.caller, [change.record]);
    } else {
      this.tokens.set(change.key, change.binding);
    }
  }

  private clear(): void {
    this.list.length = 0;
    this.byKey.clear();
    this.byCaller.clear();
    this.tokens.clear();
  }

  private persist(lines: Line[]): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    fsyncSync(this.fd);
  }

  /** The latest record stored under a dedupe key. */
  find(key: string): LedgerRecord | undefined {
    return this.byKey.get(key);
  }

  token(key: string): TokenBinding | undefined {
    return this.tokens.get(key);
  }

  /** Applies changes together (persisted first when there is a data file). */
  commit(changes: LedgerChange[]): void {
    if (changes.length === 0) return;
    this.persist(changes);
    for (const change of changes) this.apply(change);
  }

  records(caller?: string): LedgerRecord[] {
    return [...((caller === undefined ? this.list : this.byCaller.get(caller)) ?? [])];
  }

  reset(): void {
    this.persist([{ kind: 'reset' }]);
    this.clear();
  }

  /** Closes the data file and releases its lock (only if it is still this process's). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.lock !== undefined && readLockPid(this.lock) === process.pid) tryUnlink(this.lock);
    this.lock = undefined;
  }
}
