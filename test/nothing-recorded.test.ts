// "The rejected request recorded nothing", judged on whatever ledger the property run stands
// on (suites/harness/nothing-recorded.ts): another quantity for the hour on a key of its own; the
// record unchanged on a key another property run holds (a target without a clean ledger).
import { describe, expect, test } from 'vitest';
import { Violation } from '../suites/harness/expect.js';
import { expectNothingRecorded } from '../suites/harness/nothing-recorded.js';
import type { HeldRecord } from '../suites/harness/run-ledger.js';
import type { PropertyRun } from '../suites/harness/rule.js';
import type { Outcome, OperationInput } from '../target/types.js';

const request = { ProductCode: 'p', UsageDimension: 'd', Timestamp: new Date('2026-12-07T13:20:00Z'), UsageQuantity: 3 };
const base = { headers: {}, retries: 0, exchange: { request: { method: 'POST', url: 'http://127.0.0.1/', headers: {}, body: '' } } };
const success = (id: string): Outcome => ({ ...base, kind: 'success', status: 200, output: { MeteringRecordId: id } });
const duplicate: Outcome = { ...base, kind: 'error', status: 400, errorType: 'DuplicateRequestException' };

/** A property run whose key is free (held undefined) or another run's, answering `answer` and keeping what it was sent. */
function runOf(held: HeldRecord | undefined, answer: Outcome): { run: PropertyRun; sent: OperationInput[] } {
  const sent: OperationInput[] = [];
  const run = {
    heldElsewhere: () => held,
    call: async (_operation: string, input: OperationInput) => (sent.push(input), answer),
  } as unknown as PropertyRun;
  return { run, sent };
}

describe('expectNothingRecorded', () => {
  test('on a key of its own: the same hour with another quantity is accepted, or the rejected request was recorded', async () => {
    const accepted = runOf(undefined, success('r-1'));
    await expectNothingRecorded(accepted.run, request, 9, 'nothing recorded');
    expect(accepted.sent).toEqual([{ ...request, UsageQuantity: 9 }]);
    await expect(expectNothingRecorded(runOf(undefined, duplicate).run, request, 9, 'nothing recorded')).rejects.toBeInstanceOf(Violation);
  });

  test("on another run's key: the request that made its record is answered with the record's id, or the record changed", async () => {
    const held = { request: { ...request, UsageQuantity: 5 }, id: 'r-held' };
    const unchanged = runOf(held, success('r-held'));
    await expectNothingRecorded(unchanged.run, request, 9, 'nothing recorded');
    expect(unchanged.sent).toEqual([held.request]);
    await expect(expectNothingRecorded(runOf(held, success('r-other')).run, request, 9, 'nothing recorded')).rejects.toThrow(/still answered with its MeteringRecordId r-held/);
    await expect(expectNothingRecorded(runOf(held, duplicate).run, request, 9, 'nothing recorded')).rejects.toBeInstanceOf(Violation);
  });
});
