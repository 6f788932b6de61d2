// What a target answered, for implementation-defined rules: the distinct answers per
// situation, recorded on the rule (verdict `observed`) once its property has run.
import type { Outcome } from '../../target/types.js';
import type { RuleContext } from './rule.js';

/** Status and error type in a few words. */
export function outcomeText(outcome: Outcome): string {
  return outcome.kind === 'success' ? `HTTP ${outcome.status} (accepted)` : `HTTP ${outcome.status} ${outcome.errorType || '(no error type)'}`;
}

/** Distinct answers per situation. */
export class Observations {
  private readonly seen = new Map<string, Set<string>>();

  add(situation: string, answer: string | Outcome): void {
    const text = typeof answer === 'string' ? answer : outcomeText(answer);
    this.seen.set(situation, (this.seen.get(situation) ?? new Set<string>()).add(text));
  }

  record(ctx: RuleContext): void {
    for (const [situation, answers] of this.seen) ctx.observe(`${situation}: ${[...answers].join(' or ')}`);
  }
}
