import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { ADMIN, REP, installTwoPortals, uiFetch, type UiRequest } from "../support/ui.js";
import { genericCall } from "../support/payloads.js";
import type { AmbiguityRule, RoutingUpdateRequest } from "../../hubspot-app/app/shared/api.js";
import { DEFAULT_ROUTING } from "../../server/routing/settings.js";

// Several HubSpot contacts share a caller's number (a household, a front desk): each rule of the
// settings picks one and the Call row says how, and a rep moves a call to the right contact from the
// card: the HubSpot Call's association moves in the simulator, the index learns, and the next call
// from that number lands on the new contact. Real PostgreSQL, Redis and HTTP; HubSpot simulated.

let stack: Stack;
let portalId: string;
let otherPortal: string;
let generic: Connection;
let otherGeneric: Connection;

const ui = (path: string, options: Partial<UiRequest> = {}) => uiFetch(stack, path, { ...options, portal: options.portal ?? portalId, user: options.user ?? ADMIN });

let numberSeq = 0;
/** A number no other test uses. */
const freshNumber = () => `+1415555${String(2000 + numberSeq++).padStart(4, "0")}`;

async function setRule(ambiguityRule: AmbiguityRule) {
  const body: RoutingUpdateRequest = { ...DEFAULT_ROUTING, ambiguityRule };
  const answer = await ui("/ui/v1/routing", { method: "PUT", body });
  expect(answer.status).toBe(200);
}

async function callFrom(connection: Connection, fromNumber: string, extra: Record<string, unknown> = {}) {
  const payload = genericCall({ fromNumber, ...extra });
  expect((await stack.deliver(connection, payload)).status).toBe(202);
  return stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: payload.vendorCallId, status: "synced" } }), { what: "the call synced", timeoutMs: 30_000 });
}

beforeAll(async () => {
  stack = await startStack();
  ({ portalId, otherPortal } = await installTwoPortals(stack));
  generic = await stack.connect(portalId, "generic");
  otherGeneric = await stack.connect(otherPortal, "generic");
});
afterAll(async () => stack?.stop());

describe("each rule for a number several contacts share", () => {
  it("oldest (the default): the contact created first, marked with the number of candidates", async () => {
    const number = freshNumber();
    const first = stack.sim.seedContact(portalId, { firstname: "Dana", phone: number });
    stack.sim.seedContact(portalId, { firstname: "Sam", phone: number, notes_last_updated: "2026-11-19T10:00:00.000Z" });
    const row = await callFrom(generic, number);
    expect(row).toMatchObject({ hubspotContactId: first.id, matchCandidates: 2, matchRule: "oldest", needsReview: false });
  });

  it("most recent activity: the contact with the latest Last activity date", async () => {
    await setRule("most_recent_activity");
    const number = freshNumber();
    stack.sim.seedContact(portalId, { firstname: "Dana", phone: number, notes_last_updated: "2026-01-02T10:00:00.000Z" });
    const busy = stack.sim.seedContact(portalId, { firstname: "Sam", mobilephone: number, notes_last_updated: "2026-11-19T10:00:00.000Z" });
    stack.sim.seedContact(portalId, { firstname: "Alex", phone: number });
    const row = await callFrom(generic, number);
    expect(row).toMatchObject({ hubspotContactId: busy.id, matchCandidates: 3, matchRule: "most_recent_activity", needsReview: false });
  });

  it("the one with an owner", async () => {
    await setRule("has_owner");
    const ownerId = stack.sim.addOwner(portalId, { email: "front-desk@example.com", firstName: "Front", lastName: "Desk" });
    const number = freshNumber();
    stack.sim.seedContact(portalId, { firstname: "Dana", phone: number, notes_last_updated: "2026-11-19T10:00:00.000Z" });
    const owned = stack.sim.seedContact(portalId, { firstname: "Sam", phone: number, hubspot_owner_id: ownerId });
    const row = await callFrom(generic, number);
    expect(row).toMatchObject({ hubspotContactId: owned.id, matchCandidates: 2, matchRule: "has_owner", needsReview: false });
  });

  it("flag for review: most recent activity, and the call is marked for review (shown on the card)", async () => {
    await setRule("flag_for_review");
    const number = freshNumber();
    stack.sim.seedContact(portalId, { firstname: "Dana", phone: number, notes_last_updated: "2026-01-02T10:00:00.000Z" });
    const busy = stack.sim.seedContact(portalId, { firstname: "Sam", phone: number, notes_last_updated: "2026-11-19T10:00:00.000Z" });
    const row = await callFrom(generic, number);
    expect(row).toMatchObject({ hubspotContactId: busy.id, matchCandidates: 2, matchRule: "flag_for_review", needsReview: true });
    const card = await ui(`/ui/v1/contacts/${busy.id}/calls`, { user: REP });
    expect(card.body.calls[0]).toMatchObject({ id: row.id, match: { candidates: 2, rule: "flag_for_review", needsReview: true }, movedAt: null });
    // And in the settings page's call log.
    const log = await ui("/ui/v1/call-log", { user: REP });
    expect(log.body.entries.find((e: { id: string }) => e.id === row.id)).toMatchObject({ contactId: busy.id, matchedVia: "search", sharedNumber: { candidates: 2, rule: "flag_for_review", needsReview: true } });
  });

  it("one contact with the number is no ambiguity", async () => {
    const number = freshNumber();
    const only = stack.sim.seedContact(portalId, { firstname: "Robin", phone: number });
    const row = await callFrom(generic, number);
    expect(row).toMatchObject({ hubspotContactId: only.id, matchCandidates: null, matchRule: null, needsReview: false });
  });
});

describe("moving a call to another contact from the card", () => {
  it("the association moves in HubSpot, the row and the index follow, the next call from the number lands on the new contact", async () => {
    await setRule("oldest");
    const number = freshNumber();
    const dana = stack.sim.seedContact(portalId, { firstname: "Dana", lastname: "Reyes", phone: number });
    const sam = stack.sim.seedContact(portalId, { firstname: "Sam", lastname: "Reyes", phone: number });
    const row = await callFrom(generic, number, { escalation: { reason: "Wants the owner to call back" } });
    expect(row.hubspotContactId).toBe(dana.id);
    expect(stack.sim.portal(portalId).object("calls", row.hubspotCallId!)!.associations).toEqual([dana.id]);

    // The rep (not a super admin) finds Sam by name, then moves the call.
    const search = await ui("/ui/v1/contacts/search?q=sam", { user: REP });
    expect(search.status).toBe(200);
    expect(search.body.results).toContainEqual({ id: sam.id, name: "Sam Reyes", email: null, phone: number });
    const moved = await ui(`/ui/v1/calls/${row.id}/move`, { method: "POST", body: { toContactId: sam.id }, user: REP });
    expect(moved).toEqual({ status: 200, body: { moved: true, callId: row.id, fromContactId: dana.id, toContactId: sam.id } });

    const view = stack.sim.portal(portalId);
    expect(view.object("calls", row.hubspotCallId!)!.associations).toEqual([sam.id]);
    expect(view.object("tasks", row.hubspotFollowUpId!)!.associations).toEqual([sam.id]);
    const after = await stack.app.runtime.db.call.findUniqueOrThrow({ where: { id: row.id } });
    expect(after).toMatchObject({ hubspotContactId: sam.id, movedFromContactId: dana.id, movedByUserId: REP.id, needsReview: false });
    const index = await stack.app.runtime.db.contactIndex.findMany({ where: { portalId, keyValue: number } });
    expect(index.map((i) => i.contactId)).toEqual([sam.id]);
    expect((await ui(`/ui/v1/contacts/${sam.id}/calls`)).body.calls.map((c: { id: string }) => c.id)).toEqual([row.id]);
    expect((await ui(`/ui/v1/contacts/${dana.id}/calls`)).body.calls).toEqual([]);

    const next = await callFrom(generic, number);
    expect(next.hubspotContactId).toBe(sam.id);
    expect(view.object("calls", next.hubspotCallId!)!.associations).toEqual([sam.id]);
  });

  it("a portal can never move another portal's call, nor to another portal's contact (404); nothing moves", async () => {
    const number = freshNumber();
    const mine = stack.sim.seedContact(portalId, { firstname: "Kim", phone: number });
    const row = await callFrom(generic, number);
    const theirs = stack.sim.seedContact(otherPortal, { firstname: "Lee", phone: freshNumber() });

    const fromOther = await ui(`/ui/v1/calls/${row.id}/move`, { method: "POST", body: { toContactId: theirs.id }, portal: otherPortal });
    expect(fromOther).toEqual({ status: 404, body: { error: "No such call in this portal." } });
    const toTheirs = await ui(`/ui/v1/calls/${row.id}/move`, { method: "POST", body: { toContactId: theirs.id } });
    expect(toTheirs.status).toBe(404);
    expect(toTheirs.body.error).toContain(theirs.id);
    expect(stack.sim.portal(portalId).object("calls", row.hubspotCallId!)!.associations).toEqual([mine.id]);
    expect((await stack.app.runtime.db.call.findUniqueOrThrow({ where: { id: row.id } })).hubspotContactId).toBe(mine.id);

    // The other portal's search sees only its own contacts.
    const search = await ui("/ui/v1/contacts/search?q=kim", { portal: otherPortal });
    expect(search.body.results.map((c: { id: string }) => c.id)).not.toContain(mine.id);
    // And its own call cannot be moved onto this portal's contact either.
    const otherRow = await callFrom(otherGeneric, freshNumber());
    const across = await ui(`/ui/v1/calls/${otherRow.id}/move`, { method: "POST", body: { toContactId: mine.id }, portal: otherPortal });
    expect(across.status).toBe(404);
  });

  it("bad requests: a missing contact id, the same contact, a too-short search, an unsigned request", async () => {
    const number = freshNumber();
    const only = stack.sim.seedContact(portalId, { firstname: "Noor", phone: number });
    const row = await callFrom(generic, number);
    expect((await ui(`/ui/v1/calls/${row.id}/move`, { method: "POST", body: {} })).status).toBe(400);
    expect(await ui(`/ui/v1/calls/${row.id}/move`, { method: "POST", body: { toContactId: only.id } })).toEqual({ status: 400, body: { error: "The call is already on this contact." } });
    expect((await ui("/ui/v1/contacts/search?q=a")).status).toBe(400);
    const unsigned = await fetch(`${stack.url}/ui/v1/calls/${row.id}/move?portalId=${portalId}`, { method: "POST", body: JSON.stringify({ toContactId: only.id }), headers: { "content-type": "application/json" } });
    expect(unsigned.status).toBe(401);
  });
});
