// Reads the records a target holds for one caller, through the control API of the reference
// emulator (GET CONTROL_PREFIX/ledger?caller=<access key id>). A target that declares the
// ledgerRead capability serves the same shape: { records: [{ meteringRecordId, quantity, ... }] }.
// Rules count records with it where ids alone cannot show double billing.
import { request } from 'undici';
import { controlAuthorization, CONTROL_HEADER, CONTROL_PREFIX, CONTROL_TOKEN_HINT } from '../../target/description.js';
import { TargetError } from '../../target/types.js';

export interface TargetLedgerRecord {
  meteringRecordId: string;
  quantity: number;
  /** The other members the emulator stores (operation, productCode, dimension, timestampMs, ...). */
  [member: string]: unknown;
}

const TIMEOUT_MS = 10_000;

export async function readTargetLedger(endpoint: string, caller: string): Promise<TargetLedgerRecord[]> {
  const url = `${endpoint.replace(/\/+$/, '')}${CONTROL_PREFIX}/ledger?caller=${encodeURIComponent(caller)}`;
  let status: number;
  let text: string;
  try {
    const response = await request(url, { method: 'GET', headers: { [CONTROL_HEADER]: '1', ...controlAuthorization() }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, signal: AbortSignal.timeout(TIMEOUT_MS) });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw new TargetError(`did not answer the ledger read ${CONTROL_PREFIX}/ledger: ${(error as Error).message}`);
  }
  if (status === 401) throw new TargetError(`answered GET ${CONTROL_PREFIX}/ledger with HTTP 401: ${CONTROL_TOKEN_HINT}`);
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
