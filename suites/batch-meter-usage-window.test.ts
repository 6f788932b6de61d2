// BatchMeterUsage (SaaS): the time window. Records inside it, stale and future records, the
// window's boundary, and previous-month records after the month close (on the target's clock, or
// on a clock set for the rule's own caller). The rest of the family is in batch-meter-usage.test.ts.
// The rules' info and treatment (specs/rules.yaml) state the sources.
import fc from 'fast-check';
import { HOUR_MS, MINUTE_MS, monthStart as monthStartOf, nextMonthStart, SECOND_MS } from '../core/calendar.js';
import {
  batchWindowAt,
  fixedSample,
  futureRecordBatches,
  monthCloseBatches,
  monthCloseClocks,
  oldestHourBatches,
  oneRecordBatches,
  staleRecordBatches,
  type BatchMeterUsageInput,
  type Generated,
} from '../generators/index.js';
import type { Outcome } from '../target/types.js';
import { encodeInput } from '../core/wire.js';
import { expectError } from './harness/expect.js';
import type { PropertyRun, RuleContext } from './harness/rule.js';
import { Observations } from './harness/observations.js';
import { notApplicable } from './harness/outcomes.js';
import { callerNow, setCallerClock, type CallerClock } from './stateful/caller-clock.js';
import { rule } from './harness/rule.js';
import { answerText, batchNothingRecordedCheck, BOTO3_CLOCK_SKEW, expectHonored, noBatch, send, submit } from './batch/answers.js';

// ---- time window ----------------------------------------------------------------------

rule('batch-meter-usage.window-accepted', async (ctx) => {
  // One record from the oldest hour of the window; the others anywhere in it.
  const arbitrary = oldestHourBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async (batch, run) => {
    expectHonored(await submit(run, batch, 'HTTP 200 for records inside the window'), 'records inside the window');
  });
});

rule('batch-meter-usage.stale-record-rejects-batch', async (ctx) => {
  const arbitrary = staleRecordBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, index }, run) => {
    const nothingRecorded = await batchNothingRecordedCheck(ctx, run, batch, batch.UsageRecords.filter((_, i) => i !== index));
    expectError(await run.call('BatchMeterUsage', { ...batch }), 'TimestampOutOfBoundsException');
    await nothingRecorded('the batch rejected for a stale record');
  });
});

rule('batch-meter-usage.window-boundary', async (ctx) => {
  const now = ctx.nowMs();
  const single = oneRecordBatches(ctx, now);
  if (!single) return notApplicable(noBatch('valid batch'));
  const { window } = batchWindowAt(ctx.model, now);
  const offsets = [-SECOND_MS, 0, SECOND_MS];
  const arbitrary = fc.tuple(single, fc.constantFrom(...offsets));
  const fixed = fixedSample(ctx, single);
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ([{ batch }, offset], run) => {
      const sentAt = ctx.nowMs();
      const age = window.rejectBeyondMs + offset;
      const record = { ...batch.UsageRecords[0], Timestamp: new Date(sentAt - age) };
      const sent = await send(run, { ...batch, UsageRecords: [record] });
      const monthStart = monthStartOf(sentAt);
      const note = window.monthCloseMs !== undefined && sentAt - age < monthStart && sentAt >= monthStart + window.monthCloseMs ? ' (previous month, after the month close)' : '';
      const label = offset === 0 ? 'exactly' : offset < 0 ? `${-offset / SECOND_MS} s younger than` : `${offset / SECOND_MS} s older than`;
      seen.add(`a record ${label} ${window.rejectBeyondMs / HOUR_MS} h old${note}`, answerText(sent));
    },
    { examples: offsets.map((o) => [fixed, o] as [Generated, number]), numRuns: offsets.length },
  );
  seen.record(ctx);
});

// ---- month close: a clock set for the rule's own caller ------------------------------

/** Sends a batch as of the caller's clock: the raw driver signs with that time; the SDK corrects its skew from the answer's Date header. */
async function sendAt(ctx: RuleContext, run: PropertyRun, batch: BatchMeterUsageInput, clock: CallerClock | undefined): Promise<Outcome> {
  if (!clock || ctx.context.driver !== 'raw') return run.call('BatchMeterUsage', { ...batch });
  return run.send({ operation: 'BatchMeterUsage', body: encodeInput({ ...batch }), signing: { date: new Date(callerNow(clock)) } });
}

rule('batch-meter-usage.month-close', async (ctx) => {
  const now = ctx.nowMs();
  // Clocks between the month close and the end of the 1st, where a previous-month record can be less than a window old.
  const natural = monthCloseClocks(ctx.model, monthStartOf(now));
  const ownClock = now >= natural.from && now <= natural.to;
  if (!ownClock && !ctx.description.capabilities.clockControl) {
    return notApplicable(
      `the target's clock (${new Date(now).toISOString()}) is not between 06:00 and 24:00 UTC on the first day of a month and the target declares no clock control`,
    );
  }
  if (!ownClock && ctx.context.driver === 'boto3') return notApplicable(BOTO3_CLOCK_SKEW);
  // Records of the new month, valid at every clock of the range, with one of the month before.
  const arbitrary = monthCloseBatches(ctx, ownClock ? { monthStart: monthStartOf(now), clockMs: now } : { monthStart: nextMonthStart(now) });
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ clockMs, batch }, run) => {
    const clock = ownClock ? undefined : await setCallerClock(ctx, run, clockMs);
    expectError(await sendAt(ctx, run, batch, clock), 'TimestampOutOfBoundsException', 'HTTP 4xx TimestampOutOfBoundsException for a previous-month record after the month close');
  });
});

rule('batch-meter-usage.month-close-boundary', async (ctx) => {
  const now = ctx.nowMs();
  const { window } = batchWindowAt(ctx.model, now);
  const monthStart = nextMonthStart(now);
  const close = monthStart + (window.monthCloseMs ?? 0);
  if (ctx.context.driver === 'boto3') return notApplicable(BOTO3_CLOCK_SKEW);
  const single = oneRecordBatches(ctx, close - MINUTE_MS);
  if (!single) return notApplicable(noBatch('valid batch'));
  const offsets = [-SECOND_MS, 0, SECOND_MS];
  const fixed = fixedSample(ctx, single);
  const seen = new Observations();
  await ctx.property(
    fc.tuple(single, fc.constantFrom(...offsets)),
    async ([{ batch }, offset], run) => {
      const clock = await setCallerClock(ctx, run, close + offset);
      const record = { ...batch.UsageRecords[0], Timestamp: new Date(monthStart - SECOND_MS) };
      const outcome = await sendAt(ctx, run, { ...batch, UsageRecords: [record] }, clock);
      const label = offset === 0 ? 'at 06:00:00' : offset < 0 ? `${-offset / SECOND_MS} s before 06:00` : `${offset / SECOND_MS} s after 06:00`;
      seen.add(`previous month's last second, clock ${label} UTC on the 1st (plus request latency)`, answerText({ outcome }));
    },
    { examples: offsets.map((o) => [fixed, o] as [Generated, number]), numRuns: offsets.length },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.future-rejected', async (ctx) => {
  const arbitrary = futureRecordBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, index }, run) => {
    const nothingRecorded = await batchNothingRecordedCheck(ctx, run, batch, batch.UsageRecords.filter((_, i) => i !== index));
    expectError(await run.call('BatchMeterUsage', { ...batch }), 'TimestampOutOfBoundsException', 'HTTP 4xx TimestampOutOfBoundsException for a record more than an hour ahead');
    await nothingRecorded('the batch rejected for a future record');
  });
});

rule('batch-meter-usage.future-tolerance', async (ctx) => {
  const single = oneRecordBatches(ctx, ctx.nowMs());
  if (!single) return notApplicable(noBatch('valid batch'));
  const offsets = [MINUTE_MS, 5 * MINUTE_MS, 59 * MINUTE_MS];
  const fixed = fixedSample(ctx, single);
  const seen = new Observations();
  await ctx.property(
    fc.tuple(single, fc.constantFrom(...offsets)),
    async ([{ batch }, ahead], run) => {
      const record = { ...batch.UsageRecords[0], Timestamp: new Date(ctx.nowMs() + ahead) };
      seen.add(`+${ahead / MINUTE_MS} min`, answerText(await send(run, { ...batch, UsageRecords: [record] })));
    },
    { examples: offsets.map((o) => [fixed, o] as [Generated, number]), numRuns: offsets.length },
  );
  seen.record(ctx);
});
