// BatchMeterUsage (SaaS): acceptance, the Results/UnprocessedRecords partition, echoed
// records, MeteringRecordIds, retries of whole batches and subsets, DuplicateRecord, customer
// identity and licenses, size limits and whole-request failures; the time window is in
// batch-meter-usage-window.test.ts. The batches come from generators/ (batch-*.ts).
// The rules' info and treatment (specs/rules.yaml) state the sources.
import fc from 'fast-check';
import {
  batches,
  bothIdsBatches,
  emptyBatches,
  emptyCustomerIdentifierBatches,
  emptyProductCodeCases,
  faultyRecordBatches,
  identicalRetryBatches,
  invalidLicenseBatches,
  legacyWithoutProductCode,
  mixedBatches,
  mixedLicenseBatches,
  modelLimits,
  noIdBatches,
  otherQuantityRecords,
  otherQuantitySameHourRecords,
  productThenLicenseBatches,
  rejectionCases,
  sameHourOtherTimeRecords,
  sizedBatches,
  splitBatches,
  subsetRetryBatches,
  tagSetKey,
  twinBatches,
  unknownCustomerBatches,
  unknownProductBatches,
  type BatchMeterUsageInput,
  type RecordFault,
  type UsageAllocation,
} from '../generators/index.js';
import { expectClientError, expectError, expectSuccess, fail } from './harness/expect.js';
import type { PropertyRun } from './harness/rule.js';
import { Observations } from './harness/observations.js';
import { notApplicable } from './harness/outcomes.js';
import { recordsAsSent, timestampMs } from './stateful/batch-results.js';
import { rule } from './harness/rule.js';
import {
  align,
  answerText,
  expectHonored,
  batchNothingRecordedCheck,
  isHonored,
  listMember,
  noBatch,
  present,
  recordKey,
  send,
  settled,
  slotText,
  submit,
  type Answer,
} from './batch/answers.js';

// ---- acceptance, partition, echo, ids -------------------------------------------------

rule('batch-meter-usage.accepts-valid', async (ctx) => {
  const arbitrary = batches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch }, run) => {
    expectHonored(await submit(run, batch, 'HTTP 200 for a valid batch'), 'a valid batch');
  });
});


rule('batch-meter-usage.results-partition', async (ctx) => {
  const arbitrary = mixedBatches(ctx, ctx.nowMs(), { min: 0, max: 3 });
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch }, run) => {
    const outcome = await run.call('BatchMeterUsage', { ...batch });
    expectSuccess(outcome, 'HTTP 200 for a batch of subscribed and unsubscribed customers');
    align(outcome, batch.UsageRecords);
  });
});

/** A record as the comparison sees it: timestamps in ms, Quantity 0 when omitted, "" as absent, allocations as a set. */
function canonicalRecord(record: Record<string, unknown>): string {
  const allocations = record.UsageAllocations as UsageAllocation[] | undefined;
  return JSON.stringify({
    Timestamp: timestampMs(record.Timestamp) ?? record.Timestamp ?? null,
    Dimension: record.Dimension ?? null,
    Quantity: record.Quantity ?? 0,
    CustomerIdentifier: present(record.CustomerIdentifier) ?? null,
    CustomerAWSAccountId: present(record.CustomerAWSAccountId) ?? null,
    LicenseArn: present(record.LicenseArn) ?? null,
    UsageAllocations: Array.isArray(allocations) ? allocations.map((a) => [a.AllocatedUsageQuantity, tagSetKey(a.Tags)]).sort() : null,
  });
}

rule('batch-meter-usage.echoed-record', async (ctx) => {
  const arbitrary = mixedBatches(ctx, ctx.nowMs(), { min: 0, max: 2 });
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch }, run) => {
    const sending = await send(run, batch);
    const answers = settled(sending, 'HTTP 200');
    const records = recordsAsSent(batch.UsageRecords, sending.outcome);
    answers.forEach((answer, i) => {
      const sent = canonicalRecord(records[i] as unknown as Record<string, unknown>);
      if (canonicalRecord(answer.record) !== sent) fail(`the result of record ${i} to echo it: ${sent}`, { record: i, echoed: answer.record });
    });
  });
});

rule('batch-meter-usage.results-order', async (ctx) => {
  const arbitrary = batches(ctx, ctx.nowMs(), { min: 2 });
  if (!arbitrary) return notApplicable(noBatch('batch of two records'));
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ batch }, run) => {
      const outcome = await run.call('BatchMeterUsage', { ...batch });
      if (outcome.kind !== 'success') return seen.add('a valid batch', answerText({ outcome }));
      const order = listMember(outcome, 'Results').map((r) => recordKey((r.UsageRecord ?? {}) as Record<string, unknown>));
      const sent = recordsAsSent(batch.UsageRecords, outcome).map(recordKey).filter((k) => order.includes(k));
      seen.add('Results order', order.every((k, i) => k === sent[i]) ? 'the order of the request' : 'another order than the request');
    },
    { numRuns: Math.min(ctx.context.runs, 20) },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.record-ids-unique', async (ctx) => {
  const arbitrary = splitBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('batch of two records'));
  // The records go out in one request or split over two: ids must differ either way.
    await ctx.property(arbitrary, async ({ batch, cut }, run) => {
    const parts = [batch.UsageRecords.slice(0, cut), batch.UsageRecords.slice(cut)].filter((p) => p.length > 0);
    const ids: string[] = [];
    for (const part of parts) ids.push(...expectHonored(await submit(run, { ...batch, UsageRecords: part }), 'a valid batch'));
    const first = new Map<string, number>();
    ids.forEach((id, i) => {
      const earlier = first.get(id);
      if (earlier !== undefined) fail(`a distinct MeteringRecordId per record; records ${earlier} and ${i} share one`, { MeteringRecordIds: ids });
      first.set(id, i);
    });
  });
});

// ---- retries and duplicates -----------------------------------------------------------

rule('batch-meter-usage.identical-retry', async (ctx) => {
  const arbitrary = identicalRetryBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, retry }, run) => {
    const ids = expectHonored(await submit(run, batch), 'the first request');
    const again = expectHonored(await submit(run, retry, 'HTTP 200 for the identical retry'), 'the identical retry');
    again.forEach((id, i) => {
      if (id !== ids[i]) fail(`the identical retry to return record ${i}'s MeteringRecordId ${ids[i]}`, { record: i, MeteringRecordId: id });
    });
  });
});

rule('batch-meter-usage.subset-retry', async (ctx) => {
  const arbitrary = subsetRetryBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, subset }, run) => {
    const ids = expectHonored(await submit(run, batch), 'the first request');
    const byKey = new Map(batch.UsageRecords.map((r, i) => [recordKey(r), ids[i]]));
    const again = expectHonored(await submit(run, subset, 'HTTP 200 for the subset retry'), 'the subset retry');
    again.forEach((id, i) => {
      const original = byKey.get(recordKey(subset.UsageRecords[i]));
      if (id !== original) fail(`the retried record ${i} to keep its MeteringRecordId ${original}`, { record: i, MeteringRecordId: id });
    });
  });
});


rule('batch-meter-usage.duplicate-record', async (ctx) => {
  const arbitrary = otherQuantityRecords(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, index, later }, run) => {
    const ids = expectHonored(await submit(run, batch), 'the first request');
    const [answer] = await submit(run, { ...batch, UsageRecords: [later] }, 'HTTP 200 for the record with another quantity');
    if (answer.status !== 'DuplicateRecord') fail('Status DuplicateRecord for the same customer, dimension and time with another quantity', answer);
    const [original] = await submit(run, { ...batch, UsageRecords: [batch.UsageRecords[index]] }, 'HTTP 200 for a retry of the original record');
    if (!isHonored(original) || original.id !== ids[index]) fail(`the original record to stay recorded: its retry answers Success with MeteringRecordId ${ids[index]}`, original);
  });
});

rule('batch-meter-usage.hour-key', async (ctx) => {
  const arbitrary = otherQuantitySameHourRecords(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, later }, run) => {
    expectHonored(await submit(run, batch), 'the first request');
    const [answer] = await submit(run, { ...batch, UsageRecords: [later] }, 'HTTP 200 for the record at another instant of the hour');
    if (answer.status !== 'DuplicateRecord') fail('Status DuplicateRecord for the same customer, dimension and hour with another quantity', answer);
  });
});

rule('batch-meter-usage.same-hour-other-time', async (ctx) => {
  const arbitrary = sameHourOtherTimeRecords(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ batch, index, later }, run) => {
      const ids = expectHonored(await submit(run, batch), 'the first request');
      const sent = await send(run, { ...batch, UsageRecords: [later] });
      const a = sent.slots?.[0];
      const answer =
        a === undefined || a === 'unprocessed'
          ? answerText(sent)
          : isHonored(a)
            ? `Success with ${a.id === ids[index] ? 'the original' : 'a new'} MeteringRecordId`
            : `Status ${String(a.status)}`;
      seen.add('same customer, dimension, hour and quantity at another instant', answer);
    },
    { numRuns: Math.min(ctx.context.runs, 20) },
  );
  seen.record(ctx);
});

/** Statuses of the two twins; twins with equal keys may have their answers swapped, which changes nothing here. */
async function sendTwins(run: PropertyRun, batch: BatchMeterUsageInput, pair: [number, number]) {
  const sent = await send(run, batch);
  return { sent, twins: sent.slots ? pair.map((i) => sent.slots![i]) : undefined };
}

rule('batch-meter-usage.same-key-in-one-batch', async (ctx) => {
  const arbitrary = twinBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ kind, batch, pair }, run) => {
      const { sent, twins } = await sendTwins(run, batch, pair);
      const honored = twins?.filter((t): t is Answer => t !== 'unprocessed' && isHonored(t)) ?? [];
      const ids = honored.length === 2 ? (honored[0].id === honored[1].id ? ' (one MeteringRecordId)' : ' (two MeteringRecordIds)') : '';
      const answer = twins ? `${twins.map(slotText).join(' + ')}${ids}` : answerText(sent);
      seen.add(kind, answer);
    },
    { numRuns: Math.min(ctx.context.runs, 30) },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.same-key-in-one-batch-billed-once', async (ctx) => {
  const arbitrary = twinBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ batch, pair }, run) => {
    const { twins } = await sendTwins(run, batch, pair);
    if (!twins) return; // A rejected request bills nothing.
    const billed = new Set(twins.filter((t): t is Answer => t !== 'unprocessed' && isHonored(t)).map((t) => t.id));
    if (billed.size > 1) fail('at most one honored MeteringRecordId for two records with the same customer, dimension and hour', { twins });
  });
});

// ---- customers ------------------------------------------------------------------------

rule('batch-meter-usage.unsubscribed-customer', async (ctx) => {
  const arbitrary = mixedBatches(ctx, ctx.nowMs(), { min: 1, max: 2 });
  if (!arbitrary) return notApplicable(noBatch('batch with an unsubscribed customer of the same product'));
  await ctx.property(arbitrary, async ({ batch, unsubscribed }, run) => {
    const answers = await submit(run, batch, 'HTTP 200 for a batch with an unsubscribed customer');
    answers.forEach((a, i) => {
      if (unsubscribed.includes(i)) {
        if (a.status !== 'CustomerNotSubscribed') fail(`Status CustomerNotSubscribed for record ${i} (an unsubscribed customer)`, a);
      } else if (!isHonored(a)) fail(`Status Success with a MeteringRecordId for record ${i} (a subscribed customer)`, a);
    });
  });
});


rule('batch-meter-usage.unknown-product', async (ctx) => {
  const scenario = unknownProductBatches(ctx, ctx.nowMs());
  if (!scenario) return notApplicable(noBatch('batch with ProductCode'));
  await ctx.property(scenario, async ({ generated: { batch }, code }, run) => {
    const nothingRecorded = await batchNothingRecordedCheck(ctx, run, batch, batch.UsageRecords);
    const { outcome } = await send(run, { ...batch, ProductCode: code });
    expectError(outcome, 'InvalidProductCodeException', `HTTP 4xx InvalidProductCodeException for ProductCode ${JSON.stringify(code)}, which names no published product`);
    await nothingRecorded('the batch with an unknown ProductCode');
  });
});

rule('batch-meter-usage.unknown-customer', async (ctx) => {
  const arbitrary = unknownCustomerBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('batch with ProductCode'));
  await ctx.property(arbitrary, async ({ batch, index }, run) => {
    const sent = await send(run, batch);
    const { outcome } = sent;
    if (outcome.kind === 'error') {
      expectError(outcome, 'InvalidCustomerIdentifierException', 'HTTP 4xx InvalidCustomerIdentifierException, or Status CustomerNotSubscribed for the record');
      return;
    }
    const a = settled(sent, 'HTTP 200')[index];
    if (a.status !== 'CustomerNotSubscribed') fail(`InvalidCustomerIdentifierException, or Status CustomerNotSubscribed for record ${index} (a customer that does not exist)`, a);
  });
});

rule('batch-meter-usage.unknown-customer-code', async (ctx) => {
  const arbitrary = unknownCustomerBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('batch with ProductCode'));
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ kind, batch, index }, run) => {
      const sent = await send(run, batch);
      seen.add(kind, sent.slots ? `HTTP ${sent.outcome.status}, record Status ${slotText(sent.slots[index])}` : answerText(sent));
    },
    { numRuns: Math.min(ctx.context.runs, 20) },
  );
  seen.record(ctx);
});
// ---- size limits ----------------------------------------------------------------------

rule('batch-meter-usage.too-many-records', async (ctx) => {
  const limit = modelLimits(ctx.model).records;
  const arbitrary = batches(ctx, ctx.nowMs(), { min: limit + 1, max: limit + 1 });
  if (!arbitrary) return notApplicable(noBatch(`batch of ${limit + 1} distinct records`));
  await ctx.property(
    arbitrary,
    async ({ batch }, run) => {
      const nothingRecorded = await batchNothingRecordedCheck(ctx, run, batch, batch.UsageRecords.slice(0, limit));
      expectClientError(await run.callToBeRejected('BatchMeterUsage', { ...batch }), `an HTTP 4xx for ${limit + 1} records`);
      await nothingRecorded(`the request of ${limit + 1} records`);
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
});


rule('batch-meter-usage.oversize-bytes', async (ctx) => {
  const arbitrary = sizedBatches(ctx, ctx.nowMs(), 'over');
  if (!arbitrary) return notApplicable(noBatch('batch large enough to pass 1 MB'));
  await ctx.property(
    arbitrary,
    async (batch, run) => {
      expectClientError(await run.callToBeRejected('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for a request of more than 1 MB');
    },
    { numRuns: Math.min(ctx.context.runs, 3) },
  );
});

rule('batch-meter-usage.near-size-limit-accepted', async (ctx) => {
  const arbitrary = sizedBatches(ctx, ctx.nowMs(), 'under');
  if (!arbitrary) return notApplicable(noBatch('batch large enough to approach 1 MB'));
  await ctx.property(
    arbitrary,
    async (batch, run) => {
      expectHonored(await submit(run, batch, 'HTTP 200 for a valid request just under 1 MB'), 'a valid request just under 1 MB');
    },
    { numRuns: Math.min(ctx.context.runs, 3) },
  );
});

// ---- request shape --------------------------------------------------------------------

rule('batch-meter-usage.rejection-codes', async (ctx) => {
  const examples = rejectionCases(ctx, ctx.nowMs());
  if (examples.length === 0) return notApplicable(noBatch('batch for any of the rejection cases'));
  const seen = new Observations();
  await ctx.property(
    fc.constantFrom(...examples),
    async ({ situation, batch }, run) => {
      seen.add(situation, answerText({ outcome: await run.call('BatchMeterUsage', { ...batch }) }));
    },
    { examples, numRuns: examples.length },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.empty-batch', async (ctx) => {
  const saas = ctx.fixtures.products.filter((p) => p.kind === 'saas');
  const arbitrary = emptyBatches(ctx);
  await ctx.property(
    arbitrary,
    async (batch, run) => {
      const outcome = await run.call('BatchMeterUsage', { ...batch });
      expectSuccess(outcome, 'HTTP 200 for an empty batch');
      for (const member of ['Results', 'UnprocessedRecords']) {
        if (listMember(outcome, member).length > 0) fail(`an empty or absent ${member} for an empty batch`, outcome);
      }
    },
    { examples: saas.slice(0, 1).map((p) => ({ ProductCode: p.code, UsageRecords: [] })), numRuns: Math.min(ctx.context.runs, 10) },
  );
});

rule('batch-meter-usage.both-customer-ids', async (ctx) => {
  const arbitrary = bothIdsBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('legacy batch'));
  await ctx.property(arbitrary, async (batch, run) => {
    expectClientError(await run.callToBeRejected('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for a record with both CustomerIdentifier and CustomerAWSAccountId');
  });
});

rule('batch-meter-usage.no-customer-id', async (ctx) => {
  const arbitrary = noIdBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('batch with ProductCode'));
  await ctx.property(arbitrary, async (batch, run) => {
    expectClientError(await run.callToBeRejected('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for a record with neither CustomerIdentifier nor CustomerAWSAccountId');
  });
});

rule('batch-meter-usage.empty-product-code', async (ctx) => {
  const arbitrary = emptyProductCodeCases(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('LicenseArn batch'));
  await ctx.property(arbitrary, async ({ expect, batch }, run) => {
    if (expect === 'accepted') {
      expectHonored(await submit(run, batch, 'HTTP 200 for LicenseArn records with ProductCode "" (as without ProductCode)'), 'LicenseArn records with ProductCode ""');
    } else {
      expectClientError(await run.callToBeRejected('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for legacy records with ProductCode "" (as without ProductCode)');
    }
  });
});

rule('batch-meter-usage.empty-customer-identifier', async (ctx) => {
  const arbitrary = emptyCustomerIdentifierBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('CustomerAWSAccountId batch'));
  await ctx.property(arbitrary, async (batch, run) => {
    expectHonored(await submit(run, batch, 'HTTP 200 for a record with CustomerIdentifier "" beside its CustomerAWSAccountId'), 'a record with CustomerIdentifier ""');
  });
});

rule('batch-meter-usage.legacy-without-product-code', async (ctx) => {
  const arbitrary = legacyWithoutProductCode(ctx, ctx.nowMs(), fc.constant(false));
  if (!arbitrary) return notApplicable(noBatch('legacy batch'));
  await ctx.property(arbitrary, async ({ batch, original }, run) => {
    const nothingRecorded = await batchNothingRecordedCheck(ctx, run, original, original.UsageRecords);
    expectClientError(await run.callToBeRejected('BatchMeterUsage', { ...batch }), 'an HTTP 4xx for legacy CustomerIdentifier records without ProductCode');
    await nothingRecorded('the legacy request without ProductCode');
  });
});


rule('batch-meter-usage.invalid-license', async (ctx) => {
  const arbitrary = invalidLicenseBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('LicenseArn batch'));
  await ctx.property(arbitrary, async (batch, run) => {
    expectError(await run.call('BatchMeterUsage', { ...batch }), 'InvalidLicenseException');
  });
});

const FAULT_ERRORS: Record<RecordFault, string> = {
  'unknown dimension': 'InvalidUsageDimensionException',
  'invalid tag character': 'InvalidTagException',
  'six tags': 'InvalidTagException',
  'allocations not adding up': 'InvalidUsageAllocationsException',
};

rule('batch-meter-usage.invalid-record-fails-request', async (ctx) => {
  const arbitrary = faultyRecordBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('valid batch'));
  await ctx.property(arbitrary, async ({ fault, index, batch }, run) => {
    const nothingRecorded = await batchNothingRecordedCheck(ctx, run, batch, batch.UsageRecords.filter((_, i) => i !== index));
    expectError(await run.call('BatchMeterUsage', { ...batch }), FAULT_ERRORS[fault], `HTTP 4xx ${FAULT_ERRORS[fault]} for the whole request (one record has ${fault})`);
    await nothingRecorded(`the request rejected for ${fault}`);
  });
});

// ---- licenses across products and keys -----------------------------------------------

rule('batch-meter-usage.mixed-license-products', async (ctx) => {
  const arbitrary = mixedLicenseBatches(ctx, ctx.nowMs());
  if (!arbitrary) {
    return notApplicable('needs two SaaS products with a subscribed, licensed customer each, which the target does not declare (target.yaml: fixtures.products, fixtures.customers[].licenseArn)');
  }
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async (batch, run) => {
      seen.add('LicenseArns of two products in one batch', answerText(await send(run, batch)));
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
  seen.record(ctx);
});

rule('batch-meter-usage.product-and-license-keys', async (ctx) => {
  const arbitrary = productThenLicenseBatches(ctx, ctx.nowMs());
  if (!arbitrary) return notApplicable(noBatch('CustomerAWSAccountId batch with a licensed customer'));
  const seen = new Observations();
  await ctx.property(
    arbitrary,
    async ({ first, second }, run) => {
      expectHonored(await submit(run, first), 'the ProductCode record');
      seen.add('a LicenseArn record after a ProductCode record of the same customer, dimension and hour with another quantity', answerText(await send(run, second)));
    },
    { numRuns: Math.min(ctx.context.runs, 10) },
  );
  seen.record(ctx);
});
