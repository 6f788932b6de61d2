// Who may use a target without a clean ledger at one time: any number of property runs that
// do not need one, or a single run that does (alone, so every record it meets is one the
// run-wide ledger knows of, or one made before the run).

export type LeaseKind = 'shared' | 'exclusive';

/** Turns handed out first come, first served: a run that must be alone waits for the shared runs in flight, and the runs after it wait for it. */
export class TargetLease {
  private sharedInFlight = 0;
  private exclusiveInFlight = false;
  private readonly waiting: { kind: LeaseKind; start: () => void }[] = [];

  async run<T>(kind: LeaseKind, work: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      this.waiting.push({ kind, start });
      this.pump();
    });
    try {
      return await work();
    } finally {
      if (kind === 'exclusive') this.exclusiveInFlight = false;
      else this.sharedInFlight--;
      this.pump();
    }
  }

  private pump(): void {
    while (this.waiting.length > 0 && !this.exclusiveInFlight) {
      const next = this.waiting[0];
      if (next.kind === 'exclusive') {
        if (this.sharedInFlight > 0) return;
        this.exclusiveInFlight = true;
      } else {
        this.sharedInFlight++;
      }
      this.waiting.shift();
      next.start();
    }
  }
}
