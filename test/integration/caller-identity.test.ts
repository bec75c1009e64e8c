import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { genericCall } from "../support/payloads.js";

// One caller is one key, wherever it is derived: ingest (which writes Call.callerKey, the key of the
// per-caller lock) reads a national number in the portal's region, as the worker does when it
// matches the contact. A GB portal on a deployment whose default region is US shows the difference.

let stack: Stack;
let portalId: string;
let generic: Connection;

beforeAll(async () => {
  // Search lag: two concurrent syncs that are not serialised both miss each other and both create.
  stack = await startStack({ sim: { searchLagMs: 2_000 }, env: { DEFAULT_PHONE_REGION: "US", HUBSPOT_TIMEOUT_MS: "4000" } });
  portalId = await stack.install();
  await stack.app.runtime.db.portal.update({ where: { id: portalId }, data: { defaultRegion: "GB" } });
  generic = await stack.connect(portalId, "generic");
});
afterAll(async () => stack?.stop());

describe("the caller key in a GB portal", () => {
  it('"07700 900123" and "+44 7700 900123" delivered at once: one key, serialised, one contact', async () => {
    const national = genericCall({ fromNumber: "07700 900123", toNumber: "020 7946 0000", caller: { firstName: "Imogen" } });
    const international = genericCall({ fromNumber: "+44 7700 900123", toNumber: "+44 20 7946 0000", caller: { firstName: "Imogen" } });
    // The first contact search hangs: a sync serialised behind it cannot search until it is released.
    const search = (r: { method: string; path: string }) => r.method === "POST" && r.path === "/crm/v3/objects/contacts/search";
    stack.sim.failMatching(search, { mode: "hang" });
    const responses = await Promise.all([stack.deliver(generic, national), stack.deliver(generic, international)]);
    expect(responses.map((r) => r.status)).toEqual([202, 202]);
    await stack.waitFor(async () => stack.sim.countRequests(search) > 0, { what: "the first search" });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(stack.sim.countRequests(search)).toBe(1);
    stack.sim.failMatching(null);
    const rows = await stack.waitFor(async () => {
      const found = await stack.app.runtime.db.call.findMany({ where: { portalId } });
      return found.length === 2 && found.every((r) => r.status === "synced") ? found : null;
    }, { what: "both calls synced", timeoutMs: 40_000 });

    expect(rows[0]!.callerKey).toBeTruthy();
    expect(rows[0]!.callerKey).toBe(rows[1]!.callerKey);
    // A keyed hash: neither the number nor its digits are readable in the key.
    expect(rows[0]!.callerKey!.replace(/\D/g, "")).not.toContain("7700900123");
    const imogen = stack.sim.portal(portalId).contacts().filter((c) => c.properties.hs_calculated_phone_number === "+447700900123");
    expect(imogen).toHaveLength(1);
    expect(rows.map((r) => r.hubspotContactId)).toEqual([imogen[0]!.id, imogen[0]!.id]);
  });
});
