import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { ADMIN, REP, installTwoPortals, uiFetch, type UiRequest } from "../support/ui.js";
import { genericCall, retellCall } from "../support/payloads.js";

// "Preview a call" end to end: a sample payload in the vendor's own shape, posted by the settings
// page, answered with the contact it would land on and why, the property changes with their policies
// and the Call; HubSpot only read, nothing stored.


let stack: Stack;
let portalId: string;
let otherPortal: string;
let generic: Connection;
const ui = (path: string, options: Partial<UiRequest> = {}) => uiFetch(stack, path, { ...options, portal: options.portal ?? portalId, user: options.user ?? ADMIN });
const preview = (vendor: string, payload: unknown, options: Partial<UiRequest> = {}) => ui("/ui/v1/preview", { method: "POST", body: { vendor, payload }, ...options });
/** HubSpot requests that write (the super-admin check and searches are reads). */
const writes = () => stack.sim.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/search") && !r.path.startsWith("/oauth"));

beforeAll(async () => {
  stack = await startStack();
  ({ portalId, otherPortal } = await installTwoPortals(stack));
  generic = await stack.connect(portalId, "generic");
});
afterAll(async () => stack?.stop());

describe("preview a call", () => {
  it("a caller HubSpot knows by phone: that contact, why, fill-if-empty kept, the Call; nothing written", async () => {
    const dana = stack.sim.seedContact(portalId, { firstname: "Dana", lastname: "Quill", phone: "+14155550801", email: "dana.quill@example.com" });
    await stack.waitFor(async () => (await preview("retell", retellCall("call_analyzed", { from: "(415) 555-0801" }))).body?.match?.contactId === dana.id, { what: "the seeded contact searchable (HubSpot's search lags)" });
    const before = writes().length;
    const answer = await preview("retell", retellCall("call_analyzed", { from: "(415) 555-0801", summary: "Wants a quote for a fence.", analysis: { first_name: "Danielle", escalation_reason: "Asked for the owner" } }));
    expect(answer.status).toBe(200);
    expect(answer.body.match).toEqual({ kind: "existing", contactId: dana.id, name: "Dana Quill", by: "phone", how: "a contact in HubSpot has this phone number", candidates: 1 });
    // First name is fill-if-empty by default: HubSpot has one, so it is kept.
    expect(answer.body.contactChanges).toContainEqual({ field: "firstName", property: "firstname", policy: "fill_if_empty", before: "Dana", after: null, outcome: "kept" });
    expect(answer.body.call).toContainEqual({ property: "hs_call_direction", value: "INBOUND" });
    expect(answer.body.escalation).toBe("an escalation task: Asked for the owner");
    expect(writes().length).toBe(before);
    expect(await stack.app.runtime.db.call.count({ where: { portalId } })).toBe(0);
  });

  it("a number two contacts share: the contact the portal's rule picks (oldest by default), with how many share it", async () => {
    const first = stack.sim.seedContact(portalId, { firstname: "Jo", lastname: "Front Desk", phone: "+14155550805" });
    stack.sim.seedContact(portalId, { firstname: "Kai", lastname: "Front Desk", phone: "+14155550805" });
    const answer = await stack.waitFor(async () => {
      const a = await preview("retell", retellCall("call_analyzed", { from: "+14155550805" }));
      return a.body?.match?.candidates === 2 ? a : null;
    }, { what: "both seeded contacts searchable" });
    expect(answer.body.match).toEqual({ kind: "existing", contactId: first.id, name: "Jo Front Desk", by: "phone", how: "a contact in HubSpot has this phone number (2 contacts share it: the portal's rule, oldest, picks this one)", candidates: 2 });
  });

  it("a caller the app has seen: its own index, by e-mail", async () => {
    const call = genericCall({ fromNumber: null, caller: { firstName: "Rowan", email: "rowan.vale@example.com" } });
    await stack.deliver(generic, call);
    const row = await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: call.vendorCallId, status: "synced" } }), { what: "call synced", timeoutMs: 60_000 });
    const answer = await preview("generic", genericCall({ fromNumber: null, caller: { email: "Rowan.Vale@Example.com" } }));
    expect(answer.body.match).toMatchObject({ kind: "existing", contactId: row.hubspotContactId, by: "email", how: expect.stringMatching(/its own index/) });
  });

  it("a stranger: a new contact, with every mapped value written", async () => {
    const answer = await preview("generic", genericCall({ fromNumber: "+14155550809", caller: { firstName: "Ash" }, intent: "quote" }));
    expect(answer.body.match).toEqual({ kind: "new", contactId: null, name: null, by: null, how: expect.stringMatching(/new contact would be created/), candidates: 0 });
    expect(answer.body.contactChanges).toContainEqual(expect.objectContaining({ property: "firstname", after: "Ash", outcome: "written" }));
  });

  it("bad input says why: not JSON for the vendor, an event that is not a call, a vendor we do not know", async () => {
    expect(await preview("retell", { nonsense: true })).toEqual({ status: 422, body: { error: expect.stringMatching(/^not a retell payload we can read/) } });
    expect(await preview("retell", retellCall("call_started"))).toEqual({ status: 422, body: { error: expect.stringMatching(/acknowledged and ignored.*Paste the post-call event/) } });
    expect(await preview("zapier", {})).toEqual({ status: 422, body: { error: expect.stringMatching(/^vendor: must be one of/) } });
    expect((await ui("/ui/v1/preview", { method: "POST", body: { vendor: "retell" } })).status).toBe(400);
  });

  it("a user who is not a super admin gets 403; another portal sees only its own contacts", async () => {
    expect(await preview("generic", genericCall({}), { user: REP })).toEqual({ status: 403, body: { error: "Only a super admin can change this.", code: "not_super_admin" } });
    const theirs = await preview("retell", retellCall("call_analyzed", { from: "(415) 555-0801" }), { portal: otherPortal });
    expect(theirs.body.match.kind).toBe("new");
  });
});
