// What a target answered, for implementation-defined rules (verdict `observed`): the answers
// per situation, and the cut-off of a time window probed at many distances, recorded on the
// rule once its property has run.
import type { Outcome } from '../../target/types.js';
import type { RuleContext } from './rule.js';

/** Status and error type in a few words ("HTTP 200 accepted", "HTTP 400 TimestampOutOfBoundsException"). */
export function outcomeText(outcome: Outcome): string {
  return outcome.kind === 'success' ? `HTTP ${outcome.status} accepted` : `HTTP ${outcome.status} ${outcome.errorType || '(no error type)'}`;
}

/** The answers per situation; how often each came is shown only where a situation had more than one. */
export class Observations {
  private readonly seen = new Map<string, Map<string, number>>();

  add(situation: string, answer: string | Outcome): void {
    const text = typeof answer === 'string' ? answer : outcomeText(answer);
    const answers = this.seen.get(situation) ?? new Map<string, number>();
    answers.set(text, (answers.get(text) ?? 0) + 1);
    this.seen.set(situation, answers);
  }

  /** One observation per situation, e.g. "a retry: HTTP 200 accepted (3 of 5) or HTTP 400 DuplicateRequestException (2 of 5)". */
  record(ctx: Pick<RuleContext, 'observe'>): void {
    for (const [situation, answers] of this.seen) {
      const total = [...answers.values()].reduce((a, b) => a + b, 0);
      const parts = [...answers].map(([answer, n]) => (answers.size === 1 ? answer : `${answer} (${n} of ${total})`));
      ctx.observe(`${situation}: ${parts.join(' or ')}`);
    }
  }
}

/** 5h59m59s, 61m, 1s, 250ms: a readable time distance. */
export function formatDistance(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : '', milli ? `${milli}ms` : ''].filter(Boolean);
  return sign + (parts.join('') || '0s');
}

/**
 * Accepted and rejected answers by distance from the target's clock (age into the past, or
 * distance into the future), summarised as the observed cut-off.
 */
export class CutoffProbe {
  private readonly accepted: number[] = [];
  private readonly rejected = new Map<number, string>();

  add(distanceMs: number, outcome: Outcome): void {
    if (outcome.kind === 'success') this.accepted.push(distanceMs);
    else this.rejected.set(distanceMs, outcomeText(outcome));
  }

  /** `what` names the distance, e.g. "old" or "ahead". */
  summary(what: string): string {
    const accepted = [...this.accepted].sort((a, b) => a - b);
    const rejected = [...this.rejected.keys()].sort((a, b) => a - b);
    const answers = [...new Set(this.rejected.values())].join(' or ');
    if (rejected.length === 0) return `accepted every probe, up to ${formatDistance(accepted.at(-1) ?? 0)} ${what}`;
    if (accepted.length === 0) return `rejected every probe (${answers}), from ${formatDistance(rejected[0])} ${what}`;
    const farthestAccepted = accepted.at(-1)!;
    const nearestRejected = rejected[0];
    if (farthestAccepted < nearestRejected) {
      return `accepted up to ${formatDistance(farthestAccepted)} ${what}, rejected from ${formatDistance(nearestRejected)} ${what} (${answers}): the cut-off lies between`;
    }
    const overlap = rejected.filter((d) => d < farthestAccepted).map(formatDistance);
    return `no single cut-off: accepted up to ${formatDistance(farthestAccepted)} ${what}, yet rejected at ${overlap.join(', ')} (${answers})`;
  }
}
