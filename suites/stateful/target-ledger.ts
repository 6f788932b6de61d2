// Reads the records a target holds for one caller, through the control API of the reference
// emulator (GET CONTROL_PREFIX/ledger?caller=<access key id>). A target that declares the
// ledgerRead capability serves the same shape: { records: [{ meteringRecordId, quantity, ... }] }.
// Rules count records with it where ids alone cannot show double billing.
import { CONTROL_PREFIX } from '../../core/description.js';
import { ControlClient } from '../../target/control-client.js';
import { TargetError } from '../../target/types.js';

export interface TargetLedgerRecord {
  meteringRecordId: string;
  quantity: number;
  /** The other members the emulator stores (operation, productCode, dimension, timestampMs, ...). */
  [member: string]: unknown;
}

/** The caller's records, through the run's control client (or a client of its own for an endpoint URL). */
export async function readTargetLedger(control: ControlClient | string, caller: string): Promise<TargetLedgerRecord[]> {
  const client = typeof control === 'string' ? new ControlClient(control) : control;
  const { status, text } = await client.get(`/ledger?caller=${encodeURIComponent(caller)}`);
  if (status !== 200) throw new TargetError(`declares ledger read but answered HTTP ${status} to GET ${CONTROL_PREFIX}/ledger`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const records = (doc as { records?: unknown } | undefined)?.records;
  const valid =
    Array.isArray(records) &&
    records.every((r) => r && typeof r === 'object' && typeof (r as TargetLedgerRecord).meteringRecordId === 'string' && typeof (r as TargetLedgerRecord).quantity === 'number');
  if (!valid) throw new TargetError(`answered GET ${CONTROL_PREFIX}/ledger with a body that is not {"records": [{"meteringRecordId", "quantity", ...}]}`);
  return records as TargetLedgerRecord[];
}

/** Record id → quantity, and the ids that appear more than once. */
export function ledgerById(records: TargetLedgerRecord[]): { byId: Map<string, number>; repeated: string[] } {
  const byId = new Map<string, number>();
  const repeated: string[] = [];
  for (const r of records) {
    if (byId.has(r.meteringRecordId)) repeated.push(r.meteringRecordId);
    byId.set(r.meteringRecordId, r.quantity);
  }
  return { byId, repeated };
}
