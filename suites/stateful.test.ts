// Model-based checks of the metering ledger: random command sequences (new records, identical,
// same-hour and subset retries, conflicting quantities, ClientToken reuse, DryRun) run against
// the target and an in-memory model (suites/stateful/), compared at every step and shrunk to
// the shortest failing sequence.
import { rule } from './harness/rule.js';
import { batchCommands, meterUsageCommands } from './stateful/commands.js';
import { checkSequences } from './stateful/sequences.js';

rule('stateful.meter-usage-sequences', async (ctx) => {
  await checkSequences(ctx, meterUsageCommands(ctx.fixtures, ctx.model, ctx.nowMs()));
});

rule('stateful.interleaved-sequences', async (ctx) => {
  const now = ctx.nowMs();
  await checkSequences(ctx, [...meterUsageCommands(ctx.fixtures, ctx.model, now), ...batchCommands(ctx.fixtures, ctx.model, now)], { maxCommands: 16 });
});
