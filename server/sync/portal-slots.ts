// Fairness between portals inside one worker process. A portal's burst (a thousand calls at once) would
// otherwise fill every worker slot, and a second portal's single call would wait behind the whole burst
// (its jobs queue in FIFO order). A portal may hold at most `perPortal` of the process's slots; a job
// beyond that goes back to the queue, delayed to about when a slot of its portal frees: the delays of
// successive jobs are spaced by the portal's own pace (its recent job time over its slots), so the
// burst is replayed at the rate it can run, not polled. Slots left free go to any other portal's jobs.

const DEFAULT_JOB_MS = 1_000;
const MIN_DELAY_MS = 50;
const MAX_DELAY_MS = 30_000;

interface PortalState {
  running: number;
  /** Recent job duration (exponentially weighted). */
  jobMs: number;
  /** When the last deferred job of this portal was told to come back. */
  scheduledUntil: number;
}

export class PortalSlots {
  private readonly portals = new Map<string, PortalState>();

  constructor(private readonly perPortal: number) {}

  private state(portalId: string): PortalState {
    let state = this.portals.get(portalId);
    if (!state) {
      state = { running: 0, jobMs: DEFAULT_JOB_MS, scheduledUntil: 0 };
      this.portals.set(portalId, state);
    }
    return state;
  }

  /** Takes a slot for the portal, or answers when to try again (ms from now). */
  take(portalId: string, now = Date.now()): { taken: true } | { taken: false; retryInMs: number } {
    const state = this.state(portalId);
    if (state.running < this.perPortal) {
      state.running++;
      return { taken: true };
    }
    const at = Math.max(now + MIN_DELAY_MS, state.scheduledUntil) + state.jobMs / this.perPortal;
    state.scheduledUntil = at;
    return { taken: false, retryInMs: Math.min(MAX_DELAY_MS, Math.round(at - now)) };
  }

  release(portalId: string, jobMs: number): void {
    const state = this.state(portalId);
    state.running = Math.max(0, state.running - 1);
    state.jobMs = state.jobMs * 0.8 + jobMs * 0.2;
    if (state.running === 0 && state.scheduledUntil < Date.now()) this.portals.delete(portalId);
  }

  running(portalId: string): number {
    return this.portals.get(portalId)?.running ?? 0;
  }
}
