// The words every layer shares: the service's operations, the drivers that call them, and the
// rule levels, verdicts and outcomes a run speaks in. Facts of the model and of this project's
// report format only; no behaviour.

export const OPERATIONS = ['MeterUsage', 'BatchMeterUsage', 'RegisterUsage', 'ResolveCustomer'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** How calls reach the target: awsJson over HTTP, the AWS SDK for JavaScript, or boto3 (Python). */
export const DRIVER_NAMES = ['raw', 'sdk', 'boto3'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];
export const isDriverName = (value: unknown): value is DriverName => (DRIVER_NAMES as readonly unknown[]).includes(value);

/** How binding a rule is: `must` and `should` gate a run; `implementation-defined` is observed. */
export type Level = 'must' | 'should' | 'implementation-defined';

/**
 * What a run concluded: `conformant` (gated rules judged, none failed), `non-conformant` (a
 * gated rule failed or errored, or the run had problems), `inconclusive` (gated rules were
 * selected but none ended pass or fail), `observed` (the selection held no gated rule; the
 * implementation-defined rules were observed).
 */
export type RunOutcome = 'conformant' | 'non-conformant' | 'inconclusive' | 'observed';
export const RUN_OUTCOMES: readonly RunOutcome[] = ['conformant', 'non-conformant', 'inconclusive', 'observed'];

/** A rule's part in the vacuity check (see catalogue/rules.ts). */
export type RuleRole = 'control' | 'negative';

export type Verdict = 'pass' | 'fail' | 'error' | 'not-applicable' | 'observed';
export const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'error', 'not-applicable', 'observed'];
