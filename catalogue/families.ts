// Where each rule family is tested: a rule's family names its suite file(s) under suites/.
// This is the one table that says so; the run plan loads only the files of the selected
// families through it, and test/catalogue-families.test.ts checks it both ways (every family
// has its files, every suite file has a family, every rule a file names is of its family).

/** Family → its suite files (names under suites/, as in the repository). */
export const FAMILY_SUITES: Readonly<Record<string, readonly string[]>> = {
  auth: ['auth.test.ts'],
  // The time-window rules of BatchMeterUsage (clock-relative, month close) have a file of their own.
  'batch-meter-usage': ['batch-meter-usage.test.ts', 'batch-meter-usage-window.test.ts'],
  concurrency: ['concurrency.test.ts'],
  idempotency: ['idempotency.test.ts'],
  // The time-window rules of MeterUsage need a clock per caller; they have a file of their own.
  'meter-usage': ['meter-usage.test.ts', 'meter-usage-window.test.ts'],
  protocol: ['protocol.test.ts'],
  regions: ['regions.test.ts'],
  'register-usage': ['register-usage.test.ts'],
  'resolve-customer': ['resolve-customer.test.ts'],
  stateful: ['stateful.test.ts'],
  throttling: ['throttling.test.ts'],
  // The rules derived from the model's constraints (catalogue/derived.ts).
  validation: ['validation.test.ts'],
};

/** The suite files of a family (none for a family the table does not know). */
export function suitesOf(family: string): readonly string[] {
  return Object.hasOwn(FAMILY_SUITES, family) ? FAMILY_SUITES[family]! : [];
}

/** The family whose tests a suite file holds, if any. */
export function familyOfSuite(file: string): string | undefined {
  return Object.keys(FAMILY_SUITES).find((family) => FAMILY_SUITES[family]!.includes(file));
}
