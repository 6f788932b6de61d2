// A realistic report for the reports tests: several families and levels, every verdict,
// failures with counterexamples, and (on request) hostile target output.
import type { Rule } from '../catalogue/rules.js';
import { buildReport, type TestOutcome } from '../reports/build.js';
import type { Report, RuleMeta, RunInfo } from '../reports/types.js';
import type { Operation } from '../target/types.js';

export const FAKE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKESECRETKEY';
export const FAKE_TOKEN = 'FwoGZXIvYXdzEFAKESESSIONTOKENxyz123';
export const HOSTILE = `</script><img src=x onerror="alert(1)"><script>alert(2)</script>&amp;`;

export function makeRule(id: string, level: Rule['level'], family: string, operations: Operation[], statement = `Statement of ${id}.`): Rule {
  const docs = 'https://docs.aws.amazon.com/marketplace/latest/APIReference/Welcome.html';
  return { id, statement, level, family, operations, sources: [docs, `model:shapes.${family}`], info: [{ source: docs, quote: `The sentence ${id} rests on.` }], needs: {} };
}

export const RUN: RunInfo = {
  tool: { name: 'metering-conformance', version: '0.1.0' },
  seed: 424242,
  runs: 100,
  target: 'http://127.0.0.1:5055 (embedded reference emulator)',
  driver: 'raw',
  model: 'meteringmarketplace 2016-01-14 (model 2026-07-20)',
  level: 'should',
  startedAt: '2026-03-01T09:30:00.000Z',
  durationMs: 48_250,
  node: 'v20.19.0',
};

const FAMILIES: [string, Operation[]][] = [
  ['protocol', ['MeterUsage', 'BatchMeterUsage', 'RegisterUsage', 'ResolveCustomer']],
  ['auth', ['MeterUsage', 'ResolveCustomer']],
  ['validation', ['MeterUsage', 'BatchMeterUsage']],
  ['meter-usage', ['MeterUsage']],
  ['batch-meter-usage', ['BatchMeterUsage']],
  ['register-usage', ['RegisterUsage']],
  ['resolve-customer', ['ResolveCustomer']],
  ['idempotency', ['MeterUsage', 'BatchMeterUsage']],
];

export const SAMPLE_RULES: Rule[] = FAMILIES.flatMap(([family, ops], f) =>
  Array.from({ length: 5 }, (_, i) =>
    makeRule(`${family}.rule-${i + 1}`, i === 4 ? 'implementation-defined' : i === 3 ? 'should' : 'must', family, i % 2 === 0 ? ops : [ops[(i + f) % ops.length]!]),
  ),
);

function failure(ruleId: string, actual: unknown, hostile: boolean): NonNullable<RuleMeta['failure']> {
  return {
    counterexample: {
      ProductCode: hostile ? HOSTILE : 'prod-abc123',
      Timestamp: 1_767_225_600,
      UsageDimension: 'users',
      UsageQuantity: 2,
      UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: [{ Key: 'team', Value: 'a' }] }],
    },
    expected: 'HTTP 400 with __type DuplicateRequestException',
    actual,
    seed: RUN.seed,
    path: '37:1:0',
    replay: `npx metering-conformance run --seed ${RUN.seed} --rules ${ruleId} --replay 37:1:0`,
    curl: `curl -sS -X POST 'http://127.0.0.1:5055/' -H 'content-type: application/x-amz-json-1.1' -H 'x-amz-target: AWSMPMeteringService.MeterUsage' -H "authorization: $AUTHORIZATION" --data-raw '{"ProductCode":"prod-abc123","UsageDimension":"users","UsageQuantity":2}'`,
    numRuns: 36,
    shrinks: 4,
  };
}

/** Test outcomes giving the sample rules a mix of every verdict. */
export function sampleTests(hostile = false): TestOutcome[] {
  return SAMPLE_RULES.map((rule, index): TestOutcome => {
    const name = `suites/${rule.family}.test.ts > ${rule.id}`;
    const meta: RuleMeta = { ruleIds: [rule.id], numRuns: 100 };
    if (rule.level === 'implementation-defined') {
      return index % 10 === 9
        ? { name, state: 'skipped', durationMs: 0, errors: [], meta: { ...meta, verdict: 'not-applicable', reason: 'the target declares no clock control (capabilities.clockControl)' } }
        : { name, state: 'passed', durationMs: 120, errors: [], meta: { ...meta, observed: `accepted a timestamp ${index} minutes old${hostile ? ` ${HOSTILE}` : ''}` } };
    }
    if (rule.id === 'meter-usage.rule-2' || rule.id === 'idempotency.rule-1') {
      const actual = { status: 200, output: { MeteringRecordId: 'rec-1' }, body: hostile ? HOSTILE : '{"MeteringRecordId":"rec-1"}' };
      return { name, state: 'failed', durationMs: 2300, errors: ['AssertionError: expected 200 to be 400'], meta: { ...meta, verdict: 'fail', failure: failure(rule.id, actual, hostile) } };
    }
    if (rule.id === 'validation.rule-4') {
      return { name, state: 'failed', durationMs: 900, errors: ['expected ValidationException, got SerializationException'], meta };
    }
    if (rule.id === 'auth.rule-3') {
      return { name, state: 'failed', durationMs: 30_000, errors: [], meta: { ...meta, verdict: 'error', reason: 'target request timed out after 10 s (headers) on 3 attempts' } };
    }
    if (rule.id === 'register-usage.rule-2') {
      return { name, state: 'skipped', durationMs: 0, errors: [], meta: { ...meta, verdict: 'not-applicable', reason: 'the target declares no registration token fixture (fixtures.tokens)' } };
    }
    return { name, state: 'passed', durationMs: 40 + index * 7, errors: [], meta };
  });
}

export function sampleReport(options: { hostile?: boolean } = {}): Report {
  const hostile = options.hostile ?? false;
  return buildReport({
    run: hostile ? { ...RUN, target: `http://127.0.0.1:5055/?q="><b>${HOSTILE}` } : RUN,
    rules: hostile
      ? SAMPLE_RULES.map((r, i) => (i === 0 ? { ...r, statement: `Statement with ${HOSTILE}`, info: [{ source: `model:${HOSTILE}`, quote: `Quote with ${HOSTILE}` }], treatment: `Treatment with ${HOSTILE}` } : r))
      : SAMPLE_RULES,
    tests: sampleTests(hostile),
    gateLevel: 'should',
  });
}
