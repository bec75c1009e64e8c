// Acuity's rate limit: "10 requests a second and 20 concurrent connections"
// (developers.acuityscheduling.com/reference/api-errors, which says "from an IP"; the simulator counts
// per account, which is the same thing for an app calling from one host). A request over either limit
// is answered 429 at once and does not count; an admitted one holds a concurrency slot until answered.

export interface RateLimits {
  perSecond: number;
  concurrent: number;
}

export class Limiter {
  private readonly recent = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limits: RateLimits) {}

  /** A release function when the request may go on, null when it gets a 429. */
  admit(key: string): (() => void) | null {
    const now = Date.now();
    const window = (this.recent.get(key) ?? []).filter((at) => at > now - 1000);
    const busy = this.inFlight.get(key) ?? 0;
    this.recent.set(key, window);
    if (window.length >= this.limits.perSecond || busy >= this.limits.concurrent) return null;
    window.push(now);
    this.inFlight.set(key, busy + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
    };
  }

  reset(): void {
    this.recent.clear();
  }
}
