// How a rule body ends, as values. A normal return is a pass (observed for an
// implementation-defined rule, with what ctx.observe recorded); a Violation (expect.ts) is a
// target that answered wrongly (fail); a NotApplicable is a rule that this target, its
// fixtures, its clock or the driver cannot judge. A body returns a NotApplicable
// (`return notApplicable(reason)`) or throws one from a helper; a Violation is thrown. Only the
// harness (rule.ts, property.ts) turns these into the rule's verdict and report metadata.
export { Violation } from './expect.js';

/** The rule cannot be judged here; `reason` is the report's reason, word for word. */
export class NotApplicable extends Error {
  override readonly name = 'NotApplicable';
  constructor(readonly reason: string) {
    super(`not applicable: ${reason}`);
  }
}

/** `return notApplicable(reason)` from a rule body. */
export function notApplicable(reason: string): NotApplicable {
  return new NotApplicable(reason);
}

/** What a rule body may return: nothing (judged by its properties), or a NotApplicable. */
export type RuleOutcome = void | NotApplicable;
