/**
 * At most one run per key at a time in this process: callers that ask while a run is under way share
 * its promise (token refreshes: ten requests finding an expired token make one refresh, not ten).
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    let pending = this.running.get(key);
    if (!pending) {
      pending = work().finally(() => this.running.delete(key));
      this.running.set(key, pending);
    }
    return pending;
  }
}

/**
 * At most one run per key at a time, and every caller's run starts after the caller asked: a caller
 * who asks while a run is under way gets the next run, which starts when that one ends and is shared
 * by everyone who asked meanwhile (change notifications: twenty notices arriving during one calendar
 * sync make one more sync, not twenty, and none of them is answered by a sync that began before it).
 */
export class Coalesced<T> {
  private readonly running = new Map<string, Promise<T>>();
  private readonly next = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const queued = this.next.get(key);
    if (queued) return queued;
    const running = this.running.get(key);
    if (!running) return this.start(key, work);
    const after = running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      this.next.delete(key);
      return this.start(key, work);
    });
    this.next.set(key, after);
    return after;
  }

  private start(key: string, work: () => Promise<T>): Promise<T> {
    const run: Promise<T> = Promise.resolve()
      .then(work)
      .finally(() => {
        if (this.running.get(key) === run) this.running.delete(key);
      });
    this.running.set(key, run);
    return run;
  }
}
