// The metering ledger: honored records, their dedupe keys and ClientToken bindings, all
// partitioned by caller (access key id) through the keys the operations build. Every
// change goes through commit(), which is synchronous so an operation's check-and-insert
// cannot interleave with another request. With a data file, commit() appends JSON lines
// and fsyncs before returning: an answered record is never lost, and a reload never
// duplicates one.
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
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

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class Ledger {
  private readonly list: LedgerRecord[] = [];
  private readonly byKey = new Map<string, LedgerRecord>();
  /** Records per caller: suites read their own caller's ledger after most requests. */
  private readonly byCaller = new Map<string, LedgerRecord[]>();
  private readonly tokens = new Map<string, TokenBinding>();
  private fd: number | undefined;

  constructor(private readonly dataFile?: string) {
    if (dataFile !== undefined) this.load(dataFile);
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
    lines.forEach((line, i) => {
      let entry: Line;
      try {
        entry = JSON.parse(line) as Line;
      } catch {
        throw new EmulatorConfigError(`ledger data file ${file} line ${i + 1} is not valid JSON`);
      }
      if (entry?.kind === 'reset') this.clear();
      else if (entry?.kind === 'record' || entry?.kind === 'token') this.apply(entry);
      else throw new EmulatorConfigError(`ledger data file ${file} line ${i + 1} is not a ledger entry`);
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

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
