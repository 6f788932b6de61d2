// Callers the control API throttles (POST CONTROL_PREFIX/throttle): each of a caller's next
// requests is answered ThrottlingException before any other check of the operation, so a rule
// can see the wire form of a throttled call, and that the same call goes through afterwards.
// Held in memory; reset forgets them.

/** Most callers throttled at once, and most requests one throttle covers: bounded state. */
export const MAX_THROTTLED_CALLERS = 10_000;
export const MAX_THROTTLED_REQUESTS = 100;

export class Throttles {
  private readonly pending = new Map<string, number>();

  /** Throttles the next `requests` service requests of `caller`; false when too many callers are throttled already. */
  throttle(caller: string, requests: number): boolean {
    if (!this.pending.has(caller) && this.pending.size >= MAX_THROTTLED_CALLERS) return false;
    this.pending.set(caller, requests);
    return true;
  }

  /** True when this request of `caller` is throttled (and counts it). */
  take(caller: string): boolean {
    const left = this.pending.get(caller);
    if (left === undefined) return false;
    if (left <= 1) this.pending.delete(caller);
    else this.pending.set(caller, left - 1);
    return true;
  }

  reset(): void {
    this.pending.clear();
  }
}
