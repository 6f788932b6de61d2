// Pairs the records of a BatchMeterUsage request with the results of its answer. Results
// echo their UsageRecord and may come in any order; a target that
// echoes nothing is paired by position. Results and UnprocessedRecords must partition the
// input.
import type { UsageRecord } from '../../generators/index.js';
import type { Outcome, SuccessOutcome } from '../../target/types.js';

export interface RecordResult {
  Status?: unknown;
  MeteringRecordId?: unknown;
}

/** Epoch milliseconds of a timestamp as either driver returns it (Date, epoch seconds, ISO text). */
export function timestampMs(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return Math.round(value * 1000);
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/**
 * The records as they went on the wire: the driver's serializer decides how precise a Timestamp
 * is (boto3 writes whole epoch seconds, the JS SDK and the raw driver milliseconds), and a target
 * can only echo what it received. The records as given, unless the driver says it rounded
 * (outcome.wholeSecondTimestamps): then each record takes the Timestamp of its counterpart in
 * the request body the driver recorded; when that body cannot be read record by record (another
 * length, another Dimension, no epoch number), the records are kept as given.
 */
export function recordsAsSent<R extends { Timestamp?: unknown; Dimension?: unknown }>(records: R[], outcome: Outcome): R[] {
  // Only a driver that rounds needs its body read again: the others send what they were given.
  if (!outcome.wholeSecondTimestamps) return records;
  let wire: unknown;
  try {
    wire = (JSON.parse(outcome.exchange.request.body) as { UsageRecords?: unknown }).UsageRecords;
  } catch {
    return records;
  }
  if (!Array.isArray(wire) || wire.length !== records.length) return records;
  return records.map((record, i) => {
    const sent = wire[i] as { Timestamp?: unknown; Dimension?: unknown } | null;
    if (!sent || typeof sent !== 'object' || sent.Dimension !== record.Dimension || typeof sent.Timestamp !== 'number') return record;
    const ms = Math.round(sent.Timestamp * 1000);
    return timestampMs(record.Timestamp) === ms ? record : { ...record, Timestamp: new Date(ms) };
  });
}

/** What tells the records of one request apart: the customer members, dimension and instant. */
function recordKey(record: Record<string, unknown>): string {
  return JSON.stringify([record.CustomerIdentifier ?? '', record.CustomerAWSAccountId ?? '', record.LicenseArn ?? '', record.Dimension, timestampMs(record.Timestamp)]);
}

/**
 * Per input record, its result, or undefined when it came back in UnprocessedRecords; or a
 * sentence saying what is wrong with the answer.
 */
export function pairBatchResults(records: UsageRecord[], outcome: SuccessOutcome): (RecordResult | undefined)[] | string {
  const results: unknown = outcome.output.Results ?? [];
  const unprocessed: unknown = outcome.output.UnprocessedRecords ?? [];
  if (!Array.isArray(results) || !Array.isArray(unprocessed)) return 'Results and UnprocessedRecords as lists';
  if (results.length + unprocessed.length !== records.length) return `Results and UnprocessedRecords partitioning the ${records.length} records`;
  const paired: (RecordResult | undefined)[] = records.map(() => undefined);
  const echoed = results.every((r) => r && typeof r === 'object' && r.UsageRecord && typeof r.UsageRecord === 'object');
  if (!echoed) {
    if (unprocessed.length > 0) return 'every result echoing its UsageRecord (some records are unprocessed, so results cannot be paired by position)';
    results.forEach((r, i) => (paired[i] = r && typeof r === 'object' ? (r as RecordResult) : {}));
    return paired;
  }
  const keys = recordsAsSent(records, outcome).map((r) => recordKey(r as unknown as Record<string, unknown>));
  for (const result of results as { UsageRecord: Record<string, unknown> }[]) {
    const key = recordKey(result.UsageRecord);
    const at = keys.findIndex((k, i) => paired[i] === undefined && k === key);
    if (at < 0) return "every result's UsageRecord naming a record of the request";
    paired[at] = result as RecordResult;
  }
  return paired;
}
