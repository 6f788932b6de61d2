// The in-memory model of one caller's metering ledger that the stateful suite compares a
// target with, step by step. It holds only what the documents fix: MeterUsage keeps one record per product, dimension and hour, and a
// ClientToken binds the exact parameters it was first used with; BatchMeterUsage keeps one
// record per customer, dimension and hour. The commands steer clear of the cases the
// documents leave open, so the model never has to guess.
import { hourStart } from '../../core/calendar.js';
import type { MeterUsageInput, UsageRecord } from '../../generators/index.js';
import type { TargetFixtures } from '../../core/description.js';

export interface MeterUsageEntry {
  /** The request that created the record, ClientToken included when it had one. */
  request: MeterUsageInput;
  id: string;
}

export interface BatchEntry {
  record: UsageRecord;
  /** The ProductCode of the request the record came in (absent for LicenseArn records). */
  productCode?: string;
  id: string;
}

/** The MeterUsage duplicate key of the non-AgentCore service: product, dimension, hour. */
export function meterUsageKey(request: MeterUsageInput): string {
  return JSON.stringify([request.ProductCode, request.UsageDimension, hourStart(request.Timestamp.getTime())]);
}

export class LedgerModel {
  /** MeterUsage records in the order they were made. */
  readonly meterUsage: MeterUsageEntry[] = [];
  /** The honored records of every BatchMeterUsage request that honored at least one. */
  readonly batches: BatchEntry[][] = [];
  /** Every record of the ledger: MeteringRecordId → quantity. */
  readonly quantities = new Map<string, number>();
  private readonly meterUsageByKey = new Map<string, MeterUsageEntry>();
  private readonly tokens = new Map<string, MeterUsageEntry>();
  private readonly batchByKey = new Map<string, BatchEntry>();

  constructor(private readonly fixtures: TargetFixtures) {}

  meterUsageAt(request: MeterUsageInput): MeterUsageEntry | undefined {
    return this.meterUsageByKey.get(meterUsageKey(request));
  }

  tokenUsed(token: string): boolean {
    return this.tokens.has(token);
  }

  recordMeterUsage(request: MeterUsageInput, id: string): void {
    const entry = { request, id };
    this.meterUsage.push(entry);
    this.meterUsageByKey.set(meterUsageKey(request), entry);
    if (request.ClientToken !== undefined) this.tokens.set(request.ClientToken, entry);
    this.quantities.set(id, request.UsageQuantity ?? 0);
  }

  /**
   * The customer's account, however the record names the customer. Keying on the account
   * rather than on the identity members keeps fresh records clear of every earlier record of
   * the customer, whether or not a target dedupes across identity forms (undocumented).
   */
  private accountOf(record: UsageRecord): string {
    if (record.CustomerAWSAccountId !== undefined) return record.CustomerAWSAccountId;
    const customer = this.fixtures.customers.find(
      (c) => (record.CustomerIdentifier !== undefined && c.identifier === record.CustomerIdentifier) || (record.LicenseArn !== undefined && c.licenseArn === record.LicenseArn),
    );
    return customer?.accountId ?? `unknown:${record.CustomerIdentifier ?? record.LicenseArn ?? ''}`;
  }

  private batchKey(record: UsageRecord): string {
    return JSON.stringify([this.accountOf(record), record.Dimension, hourStart(record.Timestamp.getTime())]);
  }

  batchEntryAt(record: UsageRecord): BatchEntry | undefined {
    return this.batchByKey.get(this.batchKey(record));
  }

  allBatchEntries(): BatchEntry[] {
    return this.batches.flat();
  }

  recordBatch(entries: BatchEntry[]): void {
    if (entries.length === 0) return;
    this.batches.push(entries);
    for (const entry of entries) {
      this.batchByKey.set(this.batchKey(entry.record), entry);
      this.quantities.set(entry.id, entry.record.Quantity ?? 0);
    }
  }
}
