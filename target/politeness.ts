// Politeness toward a shared target (a staging endpoint others use too): at most N calls in
// flight and at most R calls started per second, across every rule of a process. A call is
// one operation with its retries (the drivers retry a transient answer inside the call).
import type { CallOptions, Operation, OperationInput, Outcome, RawCapableTarget, RawRequest, Target } from './types.js';

export interface Politeness {
  /** Calls in flight at once (run --max-in-flight). */
  maxInFlight?: number;
  /** Calls started per second (run --rate). */
  ratePerSecond?: number;
}

/** Hands out turns: never more than maxInFlight at once, starts spaced 1/ratePerSecond apart, first come first served. */
export class Gate {
  private inFlight = 0;
  private nextStartMs = -Infinity;
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly politeness: Politeness,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `work` at its turn. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      this.waiting.push(start);
      this.pump();
    });
    try {
      return await work();
    } finally {
      this.inFlight--;
      this.pump();
    }
  }

  private pump(): void {
    const { maxInFlight = Infinity, ratePerSecond } = this.politeness;
    const spacingMs = ratePerSecond === undefined ? 0 : 1000 / ratePerSecond;
    while (this.waiting.length > 0 && this.inFlight < maxInFlight && this.timer === undefined) {
      const waitMs = this.nextStartMs - this.now();
      if (waitMs > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, waitMs);
        return;
      }
      this.inFlight++;
      this.nextStartMs = this.now() + spacingMs;
      this.waiting.shift()!();
    }
  }
}

/** `target` with its calls (and raw sends) taking turns at one gate; the target itself when nothing limits it. */
export function politeTarget<T extends Target>(target: T, politeness: Politeness): T {
  if (politeness.maxInFlight === undefined && politeness.ratePerSecond === undefined) return target;
  const gate = new Gate(politeness);
  const polite: Target = {
    driver: target.driver,
    call: (operation: Operation, input: OperationInput, options?: CallOptions): Promise<Outcome> => gate.run(() => target.call(operation, input, options)),
    close: () => target.close(),
  };
  if ('send' in target) {
    const raw = target as unknown as RawCapableTarget;
    (polite as RawCapableTarget).send = (request: RawRequest, options?: CallOptions) => gate.run(() => raw.send(request, options));
  }
  return polite as T;
}
