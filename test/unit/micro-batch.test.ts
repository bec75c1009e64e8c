import { describe, expect, it } from "vitest";
import { MicroBatcher, searchGroups } from "../../server/hubspot/batch.js";
import { PortalSlots } from "../../server/sync/portal-slots.js";
import { TransientSyncError } from "../../server/hubspot/errors.js";

describe("MicroBatcher", () => {
  it("gathers what arrives within the window into one batch, and a full batch leaves at once", async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (inputs) => {
      batches.push(inputs);
      return inputs.map((n) => ({ ok: true as const, value: n * 10 }));
    }, { windowMs: 30, maxSize: 3 });
    const answers = await Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)));
    expect(answers).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("an item's own error goes to that item alone; a failed request to every item of its batch", async () => {
    const batcher = new MicroBatcher<number, number>(async (inputs) => {
      if (inputs.includes(99)) throw new Error("HubSpot 503");
      return inputs.map((n) => (n === 2 ? { ok: false as const, error: new Error(`item ${n} refused`) } : { ok: true as const, value: n }));
    }, { windowMs: 10, maxSize: 10 });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe("item 2 refused");
    const failed = await Promise.allSettled([5, 99].map((n) => batcher.add(n)));
    expect(failed.map((s) => (s as PromiseRejectedResult).reason?.message)).toEqual(["HubSpot 503", "HubSpot 503"]);
  });

  it("an id already in the open batch waits for the next (HubSpot refuses a batch naming one id twice)", async () => {
    const batches: string[][] = [];
    const batcher = new MicroBatcher<{ id: string; v: number }, number>(async (inputs) => {
      batches.push(inputs.map((i) => i.id));
      return inputs.map((i) => ({ ok: true as const, value: i.v }));
    }, { windowMs: 10, maxSize: 10 }, (i) => i.id);
    await Promise.all([{ id: "a", v: 1 }, { id: "b", v: 2 }, { id: "a", v: 3 }].map((i) => batcher.add(i)));
    expect(batches).toEqual([["a", "b"], ["a"]]);
  });
});

describe("MicroBatcher with a rate-limit gate", () => {
  /** A gate whose slots the test hands out one at a time. */
  function manualGate() {
    const waiting: (() => void)[] = [];
    let prepaidRuns = 0;
    return {
      gate: {
        take: () => new Promise<void>((resolve) => waiting.push(resolve)),
        prepaid: <T>(request: () => Promise<T>) => {
          prepaidRuns++;
          return request();
        },
      },
      waiting: () => waiting.length,
      grant: () => waiting.shift()?.(),
      prepaidRuns: () => prepaidRuns,
    };
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 40));

  it("a batch waiting for its slot keeps taking items, so a saturated limit makes fewer, fuller requests", async () => {
    const batches: number[][] = [];
    const gate = manualGate();
    const batcher = new MicroBatcher<number, number>(async (inputs) => {
      batches.push(inputs);
      return inputs.map((n) => ({ ok: true as const, value: n }));
    }, { windowMs: 10, maxSize: 5 }, undefined, gate.gate);
    const answers: Promise<number>[] = [batcher.add(1)];
    await settle();
    // The window is over, the slot is not free: the batch waits at the gate and still gathers.
    expect(gate.waiting()).toBe(1);
    for (const n of [2, 3, 4, 5, 6, 7]) answers.push(batcher.add(n));
    await settle();
    // Full at 5 while waiting: 6 and 7 form the next batch, which waits for its own slot.
    expect(gate.waiting()).toBe(2);
    gate.grant();
    gate.grant();
    expect(await Promise.all(answers)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(batches).toEqual([[1, 2, 3, 4, 5], [6, 7]]);
    // Each batch's request ran on the slot its gate took.
    expect(gate.prepaidRuns()).toBe(2);
  });

  it("a gate that fails fails its batch's items with a retryable reason", async () => {
    const batcher = new MicroBatcher<number, number>(async (inputs) => inputs.map((n) => ({ ok: true as const, value: n })), { windowMs: 5, maxSize: 5 }, undefined, {
      take: () => Promise.reject(new Error("Redis is down")),
      prepaid: (request) => request(),
    });
    const settled = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(settled.map((s) => (s as PromiseRejectedResult).reason?.message)).toEqual([
      "the portal's rate limit could not be checked: Redis is down",
      "the portal's rate limit could not be checked: Redis is down",
    ]);
    expect((settled[0] as PromiseRejectedResult).reason).toBeInstanceOf(TransientSyncError);
  });
});

describe("searchGroups", () => {
  it("puts every caller of a batch into at most five groups, IN values lowercase and distinct", () => {
    const groups = searchGroups([
      { nationals: ["4155550100"], e164s: ["+14155550100"], emails: ["Ana@Example.com"], nameZip: { firstName: "Ana", lastName: "Ruiz", zip: "94110" } },
      { nationals: ["4155550100"], e164s: ["+14155550100"], emails: [], nameZip: null },
      { nationals: [], e164s: [], emails: ["bo@example.com"], nameZip: { firstName: "Bo", lastName: "Lin", zip: "94110" } },
    ]);
    expect(groups).toHaveLength(5);
    expect(groups.flatMap((g) => g.filters).length).toBeLessThanOrEqual(25);
    expect(groups[0]!.filters[0]).toEqual({ propertyName: "hs_searchable_calculated_phone_number", operator: "IN", values: ["4155550100"] });
    expect(groups[3]!.filters[0]!.values).toEqual(["ana@example.com", "bo@example.com"]);
    expect(groups[4]!.filters.map((f) => f.values)).toEqual([["ana", "bo"], ["ruiz", "lin"], ["94110"]]);
  });
});

describe("PortalSlots", () => {
  it("a portal holds at most its share; the jobs beyond it are told to come back spaced by the portal's pace", () => {
    const slots = new PortalSlots(2);
    expect(slots.take("A", 0)).toEqual({ taken: true });
    expect(slots.take("A", 0)).toEqual({ taken: true });
    const first = slots.take("A", 0);
    const second = slots.take("A", 0);
    expect(first.taken).toBe(false);
    expect(second.taken).toBe(false);
    if (first.taken || second.taken) return;
    // 1 s per job over 2 slots: each deferred job half a second after the one before it.
    expect(second.retryInMs - first.retryInMs).toBe(500);
    // Another portal is not held back by A's burst.
    expect(slots.take("B", 0)).toEqual({ taken: true });
    slots.release("A", 1_000);
    expect(slots.take("A", 0)).toEqual({ taken: true });
  });
});
