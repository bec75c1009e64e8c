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
