import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { genericCall, newCallId, retellCall } from "../support/payloads.js";

// Concurrency and failure: tested, not assumed (STYLE.md).

let stack: Stack;
let portalId: string;
let retell: Connection;
let generic: Connection;

const db = () => stack.app.runtime.db;
const contacts = () => stack.sim.portal(portalId).contacts();
const calls = () => stack.sim.portal(portalId).calls();

async function waitSynced(vendorCallIds: string[]) {
  await stack.waitFor(async () => {
    const rows = await db().call.findMany({ where: { vendorCallId: { in: vendorCallIds } } });
    return rows.length === vendorCallIds.length && rows.every((r) => r.status === "synced" && r.syncedVersion === r.version);
  }, { what: `${vendorCallIds.length} calls synced`, timeoutMs: 40_000 });
}

beforeAll(async () => {
  stack = await startStack({ sim: { searchLagMs: 2_000 } });
  portalId = await stack.install();
  retell = await stack.connect(portalId, "retell");
  generic = await stack.connect(portalId, "generic");
});
afterAll(async () => stack?.stop());

describe("deliveries and callers at once", () => {
  it("the same webhook delivered 20 times at once gives one call", async () => {
    const payload = retellCall("call_analyzed", { from: "+14155550201", analysis: { first_name: "Ari" } });
    const responses = await Promise.all(Array.from({ length: 20 }, () => stack.deliver(retell, payload)));
    expect(responses.filter((r) => r.status === 202)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200 && r.body.status === "duplicate")).toHaveLength(19);
    await waitSynced([payload.call.call_id as string]);
    expect(await db().call.count({ where: { vendorCallId: payload.call.call_id as string } })).toBe(1);
    const ari = contacts().filter((c) => c.properties.phone === "+14155550201");
    expect(ari).toHaveLength(1);
    expect(calls().filter((c) => c.associations.includes(ari[0]!.id))).toHaveLength(1);
  });

  it("call_ended and call_analyzed, in either order, are one HubSpot call updated with the richer data", async () => {
    const callId = newCallId();
    const analyzed = retellCall("call_analyzed", { callId, from: "+14155550202", summary: "Wants a quote for a new roof.", analysis: { first_name: "Bo" } });
    const ended = retellCall("call_ended", { callId, from: "+14155550202" });
    expect((await stack.deliver(retell, analyzed)).status).toBe(202);
    await waitSynced([callId]);
    expect((await stack.deliver(retell, ended)).status).toBe(202);
    await waitSynced([callId]);
    const bo = contacts().filter((c) => c.properties.phone === "+14155550202");
    expect(bo).toHaveLength(1);
    const boCalls = calls().filter((c) => c.associations.includes(bo[0]!.id));
    expect(boCalls).toHaveLength(1);
    expect(boCalls[0]!.properties.hs_call_body).toContain("new roof");
  });

  it("10 concurrent calls from one new number give one contact and 10 calls", async () => {
    const payloads = Array.from({ length: 10 }, (_, i) => retellCall("call_analyzed", { from: "+14155550203", analysis: { intent: `question ${i}` } }));
    await Promise.all(payloads.map((p) => stack.deliver(retell, p)));
    await waitSynced(payloads.map((p) => p.call.call_id as string));
    const caller = contacts().filter((c) => c.properties.phone === "+14155550203");
    expect(caller).toHaveLength(1);
    expect(calls().filter((c) => c.associations.includes(caller[0]!.id))).toHaveLength(10);
  });

  it('"(415) 555-0134", "+1 415-555-0134" and "4155550134" are one contact', async () => {
    const formats = ["(415) 555-0234", "+1 415-555-0234", "4155550234"];
    const payloads = formats.map((fromNumber) => genericCall({ fromNumber }));
    for (const p of payloads) expect((await stack.deliver(generic, p)).status).toBe(202);
    await waitSynced(payloads.map((p) => p.vendorCallId as string));
    const same = contacts().filter((c) => c.properties.phone === "+14155550234");
    expect(same).toHaveLength(1);
    expect(calls().filter((c) => c.associations.includes(same[0]!.id))).toHaveLength(3);
  });

  it("search lag: a contact created a moment ago is found through the app-side index, not duplicated", async () => {
    const first = genericCall({ fromNumber: "+14155550205" });
    await stack.deliver(generic, first);
    await waitSynced([first.vendorCallId as string]);
    // HubSpot's search does not see the new contact for 2 s; the next call comes at once.
    const second = genericCall({ fromNumber: "415-555-0205" });
    await stack.deliver(generic, second);
    await waitSynced([second.vendorCallId as string]);
    expect(contacts().filter((c) => c.properties.phone === "+14155550205")).toHaveLength(1);
  });

  it("search lag: a contact another app created a moment ago (same email) is used via HubSpot's 409", async () => {
    const other = stack.sim.seedContact(portalId, { email: "jo.rivera@example.com", firstname: "Jo" });
    const call = genericCall({ fromNumber: "+14155550206", caller: { email: "jo.rivera@example.com", firstName: "Joanna" } });
    await stack.deliver(generic, call);
    await waitSynced([call.vendorCallId as string]);
    const jo = contacts().filter((c) => c.properties.email === "jo.rivera@example.com");
    expect(jo).toHaveLength(1);
    expect(jo[0]!.id).toBe(other.id);
    expect(jo[0]!.properties.firstname).toBe("Jo");
    expect(jo[0]!.properties.phone).toBe("+14155550206");
  });

  it("a contact deleted in HubSpot since it was indexed is looked up again, not written to", async () => {
    const first = genericCall({ fromNumber: "+14155550207" });
    await stack.deliver(generic, first);
    await waitSynced([first.vendorCallId as string]);
    const gone = contacts().find((c) => c.properties.phone === "+14155550207")!;
    stack.sim.deleteContact(portalId, gone.id);
    const second = genericCall({ fromNumber: "+14155550207" });
    await stack.deliver(generic, second);
    await waitSynced([second.vendorCallId as string]);
    const now = contacts().filter((c) => c.properties.phone === "+14155550207");
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(gone.id);
  });
});

describe("HubSpot failing", () => {
  it("429 with a policy name: the job waits as the policy asks and lands", async () => {
    stack.sim.failNext(1, { status: 429, body: { status: "error", message: "You have reached your secondly limit.", errorType: "RATE_LIMIT", policyName: "SECONDLY" } });
    const call = genericCall({ fromNumber: "+14155550208" });
    await stack.deliver(generic, call);
    await waitSynced([call.vendorCallId as string]);
    const rateLimited = stack.sim.requests.find((r) => r.status === 429)!;
    const next = stack.sim.requests.find((r) => r.at > rateLimited.at && r.status !== 429)!;
    expect(next.at - rateLimited.at).toBeGreaterThanOrEqual(1_000);
    expect(contacts().filter((c) => c.properties.phone === "+14155550208")).toHaveLength(1);
  });

  it("a 502 is retried with backoff; a 400 is not retried and lands in the fallback queue with the reason (timeouts: outages.test.ts)", async () => {
    stack.sim.failNext(2, { status: 502 });
    const flaky = genericCall({ fromNumber: "+14155550209" });
    await stack.deliver(generic, flaky);
    await waitSynced([flaky.vendorCallId as string]);
    expect(contacts().filter((c) => c.properties.phone === "+14155550209")).toHaveLength(1);

    stack.sim.failNext(1, { status: 400, body: { status: "error", category: "VALIDATION_ERROR", message: "Property values were not valid" } });
    const rejected = genericCall({ fromNumber: "+14155550210" });
    await stack.deliver(generic, rejected);
    const entry = await stack.waitFor(() => db().fallbackEntry.findFirst({ where: { call: { vendorCallId: rejected.vendorCallId as string } } }), { what: "permanent failure in fallback" });
    expect(entry.permanent).toBe(true);
    expect(entry.reason).toContain("Property values were not valid");
    const row = await db().call.findFirstOrThrow({ where: { vendorCallId: rejected.vendorCallId as string } });
    expect(row.attempts).toBe(1);
  });
});
