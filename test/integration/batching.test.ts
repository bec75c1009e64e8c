import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { genericCall } from "../support/payloads.js";

// The sync's HubSpot requests in micro-batches (server/hubspot/batch.ts): many callers in one search and
// one batch write, and one input HubSpot refuses never fails the others of its batch.

let stack: Stack;
let portalId: string;
let generic: Connection;

const db = () => stack.app.runtime.db;
const contacts = () => stack.sim.portal(portalId).contacts();
const calls = () => stack.sim.portal(portalId).calls();
const number = (n: number) => `+1415555${String(n).padStart(4, "0")}`;

async function waitSettled(vendorCallIds: string[]) {
  await stack.waitFor(async () => {
    const rows = await db().call.findMany({ where: { vendorCallId: { in: vendorCallIds } } });
    return rows.length === vendorCallIds.length && rows.every((r) => (r.status === "synced" && r.syncedVersion === r.version) || r.status === "fallback");
  }, { what: `${vendorCallIds.length} calls settled`, timeoutMs: 60_000 });
}

beforeAll(async () => {
  stack = await startStack({ sim: { searchLagMs: 2_000 } });
  portalId = await stack.install();
  generic = await stack.connect(portalId, "generic");
});
afterAll(async () => stack?.stop());

describe("micro-batches", () => {
  it("twelve new callers at once: searched and written in batches, one contact and one Call each", async () => {
    const before = stack.sim.requests.length;
    const payloads = Array.from({ length: 12 }, (_, i) => genericCall({ fromNumber: number(3100 + i), caller: { firstName: `Batch${i}` } }));
    await Promise.all(payloads.map((p) => stack.deliver(generic, p)));
    await waitSettled(payloads.map((p) => p.vendorCallId as string));
    const requests = stack.sim.requests.slice(before).filter((r) => r.portalId === portalId && /^\/crm\/v3\/objects\/(contacts|calls)/.test(r.path));
    // One at a time this is 36 requests (search, create contact, create call per caller); the harness's
    // worker runs 10 jobs at once, so at best 6 (two batches per step).
    expect(requests.length).toBeLessThan(24);
    expect(requests.some((r) => r.path === "/crm/v3/objects/contacts/batch/create")).toBe(true);
    expect(requests.some((r) => r.path === "/crm/v3/objects/calls/batch/create")).toBe(true);
    for (let i = 0; i < 12; i++) {
      const mine = contacts().filter((c) => c.properties.phone === number(3100 + i));
      expect(mine, `caller ${i}`).toHaveLength(1);
      expect(calls().filter((c) => c.associations.includes(mine[0]!.id))).toHaveLength(1);
    }
  });

  it("one caller's e-mail is taken (HubSpot's 409 fails the whole batch): that caller alone lands on the existing contact", async () => {
    // Another app created her a moment ago: search lags, so only the create's 409 tells.
    const existing = stack.sim.seedContact(portalId, { email: "rae.okafor@example.com", firstname: "Rae" });
    const payloads = Array.from({ length: 8 }, (_, i) =>
      genericCall({ fromNumber: number(3200 + i), caller: i === 5 ? { email: "rae.okafor@example.com", firstName: "Rae" } : { firstName: `Batch${i}` } }),
    );
    await Promise.all(payloads.map((p) => stack.deliver(generic, p)));
    await waitSettled(payloads.map((p) => p.vendorCallId as string));
    const rows = await db().call.findMany({ where: { vendorCallId: { in: payloads.map((p) => p.vendorCallId as string) } } });
    expect(rows.every((r) => r.status === "synced")).toBe(true);
    const rae = contacts().filter((c) => c.properties.email === "rae.okafor@example.com");
    expect(rae.map((c) => c.id)).toEqual([existing.id]);
    expect(rae[0]!.properties.phone).toBe(number(3205));
    for (let i = 0; i < 8; i++) expect(contacts().filter((c) => c.properties.phone === number(3200 + i)), `caller ${i}`).toHaveLength(1);
  });

  it("a Call HubSpot refuses inside a batch goes to the fallback queue alone, with HubSpot's reason; the rest of its batch is logged", async () => {
    const poison = "Caller read out a value HubSpot refuses";
    stack.sim.failMatching(
      (r) => r.method === "POST" && r.path === "/crm/v3/objects/calls/batch/create" && JSON.stringify(r.body).includes(poison),
      { status: 400, body: { status: "error", message: "Property values were not valid: hs_call_body is too long", category: "VALIDATION_ERROR", correlationId: "c0ffee00-0000-4000-8000-000000000001" } },
    );
    try {
      const payloads = Array.from({ length: 8 }, (_, i) => genericCall({ fromNumber: number(3300 + i), summary: i === 2 ? poison : `Call ${i}` }));
      await Promise.all(payloads.map((p) => stack.deliver(generic, p)));
      await waitSettled(payloads.map((p) => p.vendorCallId as string));
      const rows = await db().call.findMany({ where: { vendorCallId: { in: payloads.map((p) => p.vendorCallId as string) } } });
      const bad = rows.find((r) => r.vendorCallId === payloads[2]!.vendorCallId)!;
      expect(bad.status).toBe("fallback");
      expect(bad.lastError).toContain("hs_call_body is too long");
      expect(rows.filter((r) => r.status === "synced")).toHaveLength(7);
      for (let i = 0; i < 8; i++) {
        const mine = contacts().find((c) => c.properties.phone === number(3300 + i))!;
        expect(calls().filter((c) => c.associations.includes(mine.id)), `caller ${i}`).toHaveLength(i === 2 ? 0 : 1);
      }
    } finally {
      stack.sim.failMatching(null);
    }
  });
});

describe("fair between portals", () => {
  let fair: Stack;
  afterAll(async () => fair?.stop());

  it("portal A's stuck burst holds only its share of the worker's slots: portal B's call lands meanwhile, and A's calls all land after", async () => {
    // 4 slots, at most 2 for one portal; HubSpot never answers portal A's searches (until released).
    fair = await startStack({ env: { WORKER_CONCURRENCY: "4", WORKER_PORTAL_SLOTS: "2", HUBSPOT_TIMEOUT_MS: "120000" } });
    const portalA = await fair.install();
    const portalB = await fair.install();
    const a = await fair.connect(portalA, "generic");
    const b = await fair.connect(portalB, "generic");
    fair.sim.failMatching((r) => r.portalId === portalA && r.path === "/crm/v3/objects/contacts/search", { mode: "hang" });
    const burst = Array.from({ length: 10 }, (_, i) => genericCall({ fromNumber: number(3400 + i) }));
    await Promise.all(burst.map((p) => fair.deliver(a, p)));
    await fair.waitFor(async () => fair.sim.requests.some((r) => r.portalId === portalA && r.path === "/crm/v3/objects/contacts/search"), { what: "portal A's first search hanging", timeoutMs: 60_000 });
    const single = genericCall({ fromNumber: number(3499) });
    await fair.deliver(b, single);
    const rows = () => fair.app.runtime.db.call.findMany({ where: { vendorCallId: { in: [...burst, single].map((p) => p.vendorCallId as string) } } });
    await fair.waitFor(async () => (await rows()).find((r) => r.vendorCallId === single.vendorCallId)?.status === "synced", { what: "portal B's call synced while portal A is stuck", timeoutMs: 60_000 });
    const hanging = fair.sim.requests.filter((r) => r.portalId === portalA && r.path === "/crm/v3/objects/contacts/search" && r.status === 0);
    expect(hanging.length).toBeLessThanOrEqual(2);
    expect((await rows()).filter((r) => r.portalId === portalA && r.status === "synced")).toHaveLength(0);
    fair.sim.failMatching(null);
    fair.sim.releaseHung();
    await fair.waitFor(async () => (await rows()).filter((r) => r.portalId === portalA && r.status === "synced").length === 10, { what: "portal A's ten calls synced after HubSpot answers again", timeoutMs: 90_000 });
    expect(fair.sim.portal(portalA).calls()).toHaveLength(10);
  });
});
