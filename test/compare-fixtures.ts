// Reports for the compare tests: the sample report with some verdicts changed, rules added or
// left out, its summary computed again so that outcome and coverage match its verdicts.
import { summarize } from '../reports/build.js';
import type { FailureDetail, Report, RuleResult, RunInfo, TranscriptEntry, Verdict } from '../reports/types.js';
import { SAMPLE_RULES, sampleReport } from './reports-fixtures.js';

/** The sample rules in catalogue order (the order the compare tests take as the catalogue). */
export const SAMPLE_ORDER = SAMPLE_RULES.map((r) => r.id);

export interface Change {
  verdict: Verdict;
  reason?: string;
  observed?: string;
  failure?: FailureDetail;
}

const TRANSCRIPT: TranscriptEntry[] = [
  {
    label: 'MeterUsage',
    attempt: 1,
    durationMs: 12,
    request: { method: 'POST', url: 'http://127.0.0.1:5055/', headers: { 'x-amz-target': 'AWSMPMeteringService.MeterUsage' }, body: '{"ProductCode":"prod-abc123","UsageQuantity":2}' },
    response: { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{"MeteringRecordId":"rec-TRANSCRIPT-MARK"}' },
  },
];

/** A failure with a one-exchange transcript, whose answer carries the text "rec-TRANSCRIPT-MARK". */
export function failureWithTranscript(ruleId: string): FailureDetail {
  return {
    counterexample: { ProductCode: 'prod-abc123', UsageQuantity: 2 },
    expected: 'HTTP 400 with __type DuplicateRequestException',
    actual: { status: 200, output: { MeteringRecordId: 'rec-TRANSCRIPT-MARK' } },
    seed: 424242,
    path: '3:0',
    replay: `npx metering-conformance run --seed 424242 --rules ${ruleId} --replay 3:0`,
    curl: `curl -sS -X POST 'http://127.0.0.1:5055/' --data-raw '{}'`,
    transcript: TRANSCRIPT,
  };
}

/** `base` with the verdicts of `changes`, without the rules of `drop`, with `add` appended. */
export function variant(
  base: Report,
  options: { changes?: Record<string, Change>; drop?: string[]; add?: RuleResult[]; run?: Partial<RunInfo> & Record<string, unknown> } = {},
): Report {
  const rules = base.rules
    .filter((r) => !(options.drop ?? []).includes(r.id))
    .map((rule): RuleResult => {
      const change = options.changes?.[rule.id];
      if (change === undefined) return rule;
      const { reason: _r, observed: _o, failure: _f, ...rest } = rule;
      return { ...rest, ...change };
    })
    .concat(options.add ?? []);
  const run = { ...base.run, ...options.run } as RunInfo;
  return { ...base, run, rules, summary: summarize(rules, run.level, base.problems ?? []) };
}

/** A rule no catalogue knows, with one verdict. */
export function extraRule(id: string, family: string, verdict: Verdict): RuleResult {
  return {
    id,
    statement: `Statement of ${id}.`,
    level: 'must',
    family,
    operations: ['MeterUsage'],
    sources: ['model:shapes.extra'],
    verdict,
    ...(verdict === 'not-applicable' ? { reason: 'not declared' } : {}),
    durationMs: 5,
    tests: [`suites/${family}.test.ts > ${id}`],
  };
}

export { sampleReport };
