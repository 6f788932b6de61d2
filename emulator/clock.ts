// The emulator's clock: wall time plus an offset that the control API sets (directly or by
// advancing), so suites can test timestamp windows and month ends without waiting. A caller
// (access key id) can get its own offset, so a rule that moves time for its own caller does
// not disturb rules running concurrently under other callers.

export class Clock {
  private offsetMs = 0;
  private readonly callerOffsetsMs = new Map<string, number>();

  /** Now for `caller` (its own clock if it has one, else the emulator's), epoch ms. */
  now(caller?: string): number {
    const own = caller === undefined ? undefined : this.callerOffsetsMs.get(caller);
    return Date.now() + (own ?? this.offsetMs);
  }

  /** Makes now(caller) return `epochMs` at this instant (every caller's without `caller`); time keeps running. */
  set(epochMs: number, caller?: string): void {
    if (caller === undefined) this.offsetMs = epochMs - Date.now();
    else this.callerOffsetsMs.set(caller, epochMs - Date.now());
  }

  reset(): void {
    this.offsetMs = 0;
    this.callerOffsetsMs.clear();
  }
}
