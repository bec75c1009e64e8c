// Calendly's per-user rate limits: fixed windows that open with a user's first request in them. Every
// answer carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (seconds until the
// window resets) for the tightest window that applies; past a limit the request is refused with 429
// and is not counted.

export interface RateWindow {
  limit: number;
  ms: number;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Counts one request of `user` against every window of `bucket`, unless one of them is full. */
  take(bucket: string, user: string, limits: readonly RateWindow[]): RateDecision {
    const now = Date.now();
    const states = limits.map((w) => {
      const key = `${bucket}\u0000${user}\u0000${w.ms}`;
      let state = this.windows.get(key);
      if (!state || now - state.start >= w.ms) {
        state = { start: now, count: 0 };
        this.windows.set(key, state);
      }
      return { w, state };
    });
    const allowed = states.every(({ w, state }) => state.count < w.limit);
    if (allowed) for (const { state } of states) state.count++;
    // The window that will refuse first: fewest requests left, then the soonest reset.
    const tightest = states
      .map(({ w, state }) => ({ limit: w.limit, remaining: Math.max(0, w.limit - state.count), reset: Math.ceil((state.start + w.ms - now) / 1000) }))
      .sort((a, b) => a.remaining - b.remaining || a.reset - b.reset)[0];
    const headers: Record<string, string> = tightest ? { "X-RateLimit-Limit": String(tightest.limit), "X-RateLimit-Remaining": String(tightest.remaining), "X-RateLimit-Reset": String(tightest.reset) } : {};
    return { allowed, headers };
  }

  reset(): void {
    this.windows.clear();
  }
}
