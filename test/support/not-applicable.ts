// Which rules a run against the embedded reference emulator may report not-applicable, and
// why. A run that skips any other rule (or gives another reason) is a regression, even when
// it exits 0.
import { expect } from 'vitest';
import { HOUR_MS, MINUTE_MS, monthStart, SECOND_MS } from '../../core/calendar.js';
import type { Report } from '../../reports/types.js';

/**
 * Needs two SaaS products with a subscribed, licensed customer each; the emulator's default
 * fixtures have one SaaS product (target.yaml: fixtures.products, fixtures.customers[].licenseArn).
 */
export const MIXED_LICENSE_PRODUCTS = 'batch-meter-usage.mixed-license-products';
export const MIXED_LICENSE_PRODUCTS_REASON = /^needs two SaaS products with a subscribed, licensed customer each/;

/**
 * Judged only when the target's clock is within six hours after the start of a UTC month (less
 * the rule's one-minute margin and one second: its previous-month instants must still be inside
 * the window); at any other time it is not-applicable and the reason names the clock it read.
 */
export const MONTH_BOUNDARY = 'meter-usage.month-boundary';
const MONTH_BOUNDARY_REASON = /^the target's clock \(([^)]+)\) is not within six hours after the start of a month/;

/** True when meter-usage.month-boundary can be judged at this clock (see suites/meter-usage-window.test.ts). */
export function monthBoundaryJudgeableAt(ms: number): boolean {
  return ms - monthStart(ms) <= 6 * HOUR_MS - MINUTE_MS - SECOND_MS;
}

/**
 * Checks that the not-applicable rules of `report` are exactly `expected` (id → reason pattern),
 * plus meter-usage.month-boundary as the clock decides: the run lasted from `fromMs` to `toMs`;
 * when the whole run was outside the rule's window it must be not-applicable, when the whole run
 * was inside it must be judged, and whenever it is not-applicable the clock it names must lie
 * within the run and outside the window (so the test holds on the 1st of a month too).
 */
export function expectNotApplicableExactly(report: Report, expected: Map<string, RegExp>, fromMs: number, toMs: number): void {
  const notApplicable = new Map(report.rules.filter((r) => r.verdict === 'not-applicable').map((r) => [r.id, r.reason ?? '']));
  const want = new Map(expected);
  const boundary = notApplicable.get(MONTH_BOUNDARY);
  const insideAtBothEnds = monthBoundaryJudgeableAt(fromMs) && monthBoundaryJudgeableAt(toMs) && monthStart(fromMs) === monthStart(toMs);
  const outsideAtBothEnds = !monthBoundaryJudgeableAt(fromMs) && !monthBoundaryJudgeableAt(toMs) && monthStart(fromMs) === monthStart(toMs);
  if (outsideAtBothEnds) want.set(MONTH_BOUNDARY, MONTH_BOUNDARY_REASON);
  else if (!insideAtBothEnds && boundary !== undefined) want.set(MONTH_BOUNDARY, MONTH_BOUNDARY_REASON); // the run straddled a window edge: either is right
  if (boundary !== undefined && !insideAtBothEnds) {
    const clock = Date.parse(MONTH_BOUNDARY_REASON.exec(boundary)?.[1] ?? '');
    expect(clock, `${MONTH_BOUNDARY}: the clock in its reason (${boundary})`).toBeGreaterThanOrEqual(fromMs);
    expect(clock, `${MONTH_BOUNDARY}: the clock in its reason (${boundary})`).toBeLessThanOrEqual(toMs);
    expect(monthBoundaryJudgeableAt(clock), `${MONTH_BOUNDARY}: not-applicable at a clock inside its window (${boundary})`).toBe(false);
  }
  const describe = (ids: Iterable<string>) => [...ids].sort();
  expect(describe(notApplicable.keys()), 'the rules reported not-applicable').toEqual(describe(want.keys()));
  for (const [id, reason] of want) expect(notApplicable.get(id), `the reason ${id} is not-applicable`).toMatch(reason);
}
