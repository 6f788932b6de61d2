// The emulator's clock: wall time plus an offset that the control API sets (directly or by
// advancing), so suites can test timestamp windows and month ends without waiting.

export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Makes now() return `epochMs` at this instant; time keeps running from there. */
  set(epochMs: number): void {
    this.offsetMs = epochMs - Date.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
