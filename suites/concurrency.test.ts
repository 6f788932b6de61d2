// Requests in flight at once: identical copies must make one record, conflicting quantities
// exactly one accepted. Copies go out together (Promise.all), each after a generated number
// of event-loop turns, so runs try different interleavings; with ledger read the target's
// records are counted, otherwise the MeteringRecordIds tell. The rules' info and treatment (specs/rules.yaml) state the sources.
import fc from 'fast-check';
import { batchRequests, clientToken, hasClientToken, meterUsageRequest, modelLimits, type BatchMeterUsageInput, type MeterUsageInput } from '../generators/index.js';
import type { Outcome } from '../target/types.js';
import { fail, summarizeOutcome } from './harness/expect.js';
import { rule, type PropertyRun, type RuleContext } from './harness/rule.js';
import { pairBatchResults } from './stateful/batch-results.js';
import { readTargetLedger, type TargetLedgerRecord } from './stateful/target-ledger.js';

/** Event-loop turns each copy waits before it is sent (one entry per possible copy). */
const startTurns = (copies: number) => fc.array(fc.nat({ max: 3 }), { minLength: copies, maxLength: copies });

async function afterTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Sends every input at once, each after its turns; answers in input order. */
function inFlight(run: PropertyRun, operation: 'MeterUsage' | 'BatchMeterUsage', inputs: object[], turns: number[]): Promise<Outcome[]> {
  return Promise.all(
    inputs.map(async (input, i) => {
      await afterTurns(turns[i] ?? 0);
      return run.call(operation, { ...input });
    }),
  );
}

const answers = (outcomes: Outcome[]) => ({ answers: outcomes.map(summarizeOutcome) });

async function ledgerOf(ctx: RuleContext, run: PropertyRun): Promise<TargetLedgerRecord[] | undefined> {
  return ctx.description.capabilities.ledgerRead ? readTargetLedger(ctx.control, run.caller.accessKeyId) : undefined;
}

const ledgerShown = (records: TargetLedgerRecord[]) => ({ ledger: records.map((r) => ({ id: r.meteringRecordId, quantity: r.quantity })) });

rule('concurrency.identical-meter-usage', async (ctx) => {
  const token = hasClientToken(ctx.model) ? fc.option(clientToken, { nil: undefined }) : fc.constant(undefined);
  const scenario = fc.integer({ min: 2, max: 8 }).chain((copies) =>
    fc.record({ request: meterUsageRequest(ctx.fixtures, ctx.model, ctx.nowMs()), token, copies: fc.constant(copies), turns: startTurns(copies) }),
  );
  await ctx.property(scenario, async ({ request, token: shared, copies, turns }, run) => {
    const input: MeterUsageInput = shared === undefined ? request : { ...request, ClientToken: shared };
    const outcomes = await inFlight(run, 'MeterUsage', Array.from({ length: copies }, () => input), turns);
    const ids = new Set(outcomes.map((o) => (o.kind === 'success' ? o.output.MeteringRecordId : undefined)));
    const [id] = ids;
    const expected = `all ${copies} identical copies to succeed with one MeteringRecordId`;
    if (ids.size !== 1 || typeof id !== 'string' || id === '') fail(expected, answers(outcomes));
    const ledger = await ledgerOf(ctx, run);
    if (ledger && (ledger.length !== 1 || ledger[0].meteringRecordId !== id)) fail(`one record (${id}) in the target's ledger after ${copies} identical copies`, ledgerShown(ledger));
  });
});

rule('concurrency.conflicting-meter-usage', async (ctx) => {
  const max = modelLimits(ctx.model).quantity;
  const quantity = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max }));
  const quantities = fc.array(quantity, { minLength: 2, maxLength: 8 }).filter((qs) => new Set(qs).size >= 2);
  const scenario = quantities.chain((qs) =>
    fc.record({ request: meterUsageRequest(ctx.fixtures, ctx.model, ctx.nowMs(), { allocations: false }), quantities: fc.constant(qs), turns: startTurns(qs.length) }),
  );
  await ctx.property(scenario, async ({ request, quantities: qs, turns }, run) => {
    const { ClientToken: _none, ...base } = request;
    const outcomes = await inFlight(
      run,
      'MeterUsage',
      qs.map((q) => ({ ...base, UsageQuantity: q })),
      turns,
    );
    const expected = `quantities ${qs.join(', ')} at once: one quantity accepted (all its copies with one MeteringRecordId), every other one DuplicateRequestException`;
    const accepted = qs.filter((_, i) => outcomes[i].kind === 'success');
    const winner = accepted[0];
    const ids = new Set(outcomes.flatMap((o) => (o.kind === 'success' ? [o.output.MeteringRecordId] : [])));
    const [id] = ids;
    const judged = outcomes.every((o, i) =>
      qs[i] === winner ? o.kind === 'success' : o.kind === 'error' && o.status >= 400 && o.status < 500 && o.errorType === 'DuplicateRequestException',
    );
    if (winner === undefined || ids.size !== 1 || typeof id !== 'string' || id === '' || !judged) fail(expected, answers(outcomes));
    const ledger = await ledgerOf(ctx, run);
    if (ledger && (ledger.length !== 1 || ledger[0].meteringRecordId !== id || ledger[0].quantity !== winner)) {
      fail(`one record (${id}, quantity ${winner}) in the target's ledger`, ledgerShown(ledger));
    }
  });
});

rule('concurrency.identical-batches', async (ctx) => {
  const scenario = fc.integer({ min: 2, max: 6 }).chain((copies) =>
    fc.record({ batch: batchRequests(ctx.fixtures, ctx.model, ctx.nowMs()), copies: fc.constant(copies), turns: startTurns(copies) }),
  );
  await ctx.property(scenario, async ({ batch, copies, turns }, run) => {
    const outcomes = await inFlight(run, 'BatchMeterUsage', Array.from({ length: copies }, (): BatchMeterUsageInput => batch), turns);
    const expected = `all ${copies} identical batches to answer each record Success with one MeteringRecordId per record`;
    // Per record: the ids it got across the answers.
    const idsPerRecord = batch.UsageRecords.map(() => new Set<unknown>());
    for (const outcome of outcomes) {
      if (outcome.kind !== 'success') fail(expected, answers(outcomes));
      const paired = pairBatchResults(batch.UsageRecords, outcome);
      if (typeof paired === 'string') fail(`${expected} (${paired})`, answers(outcomes));
      paired.forEach((result, i) => {
        if (result === undefined) return;
        if (result.Status !== 'Success' || typeof result.MeteringRecordId !== 'string' || result.MeteringRecordId === '') fail(expected, answers(outcomes));
        idsPerRecord[i].add(result.MeteringRecordId);
      });
    }
    if (idsPerRecord.some((ids) => ids.size > 1)) fail(expected, answers(outcomes));
    const ids = idsPerRecord.flatMap((set) => [...set] as string[]);
    if (new Set(ids).size !== ids.length) fail(`${expected}, different records with different ids`, answers(outcomes));
    const ledger = await ledgerOf(ctx, run);
    if (ledger) {
      const held = ledger.map((r) => r.meteringRecordId).sort();
      // Records every answer left unprocessed may be missing; none may be there twice.
      if (new Set(held).size !== held.length || !ids.every((id) => held.includes(id)) || held.length > batch.UsageRecords.length) {
        fail(`each record of the batch once in the target's ledger (${ids.join(', ')})`, ledgerShown(ledger));
      }
    }
  });
});
