import { describe, expect, it } from "vitest";
import { Coalesced } from "../../server/concurrency/single-flight.js";

/** A run that ends when told to, recording when it started. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("Coalesced", () => {
  it("runs at once when idle, and gives everyone who asks during a run one shared run after it", async () => {
    const coalesced = new Coalesced<number>();
    const starts: number[] = [];
    const gates = [gate(), gate()];
    let runs = 0;
    const work = async () => {
      const n = runs++;
      starts.push(n);
      await gates[n]!.opened;
      return n;
    };
    const first = coalesced.run("staff-1", work);
    await Promise.resolve();
    await Promise.resolve();
    expect(starts).toEqual([0]);
    // Three notices while the first sync runs: one more run, shared, and it has not started yet.
    const during = [coalesced.run("staff-1", work), coalesced.run("staff-1", work), coalesced.run("staff-1", work)];
    expect(during[0]).toBe(during[1]);
    expect(during[1]).toBe(during[2]);
    await Promise.resolve();
    expect(starts).toEqual([0]);
    gates[0]!.open();
    expect(await first).toBe(0);
    gates[1]!.open();
    expect(await Promise.all(during)).toEqual([1, 1, 1]);
    expect(runs).toBe(2);
  });

  it("keeps keys apart, and a failed run neither blocks the next nor is shared with it", async () => {
    const coalesced = new Coalesced<string>();
    const hold = gate();
    let calls = 0;
    const failing = coalesced.run("a", async () => {
      calls++;
      await hold.opened;
      throw new Error("calendar down");
    });
    const other = coalesced.run("b", async () => "b ran");
    expect(await other).toBe("b ran");
    const next = coalesced.run("a", async () => {
      calls++;
      return "a again";
    });
    hold.open();
    await expect(failing).rejects.toThrow("calendar down");
    expect(await next).toBe("a again");
    expect(calls).toBe(2);
    // Idle again: a new call runs at once.
    expect(await coalesced.run("a", async () => "fresh")).toBe("fresh");
  });
});
