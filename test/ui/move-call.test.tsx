import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Alert, Button, Flex, Input, Tag, Text, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { ApiError, CallMoved, CallsPage, CallSummary, ContactSearchResponse } from "../../hubspot-app/app/shared/api.js";
import { CallsCard } from "../../hubspot-app/app/cards/CallsCard.js";

// The card's "Not Dana? Move this call" flow and the marks of an ambiguous match, rendered with
// HubSpot's test renderer; hubspot.fetch answered from fixtures typed by the /ui/v1 API module.

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const call = (overrides: Partial<CallSummary> = {}): CallSummary => ({
  id: "c1",
  vendor: "generic",
  startedAt: "2026-11-20T16:00:00.000Z",
  durationMs: 60_000,
  disposition: null,
  sentiment: null,
  intent: "quote",
  urgency: null,
  language: "en",
  summary: "Wants a quote.",
  transcript: null,
  turns: null,
  escalationReason: null,
  recordingUrl: null,
  syncStatus: "synced",
  match: { candidates: 2, rule: "flag_for_review", needsReview: true },
  movedAt: null,
  ...overrides,
});

const SAM = { id: "5002", name: "Sam Reyes", email: "sam@example.com", phone: "+14155550111" };

function backendFixture(options: { calls?: CallSummary[]; search?: ContactSearchResponse | Response; move?: Response } = {}) {
  const requests: { method: string; path: string; query: string; body: unknown }[] = [];
  vi.spyOn(hubspot, "fetch").mockImplementation(async (url, init) => {
    const u = new URL(String(url));
    const method = init?.method ?? "GET";
    requests.push({ method, path: u.pathname, query: u.search, body: init?.body });
    if (u.pathname === "/ui/v1/contacts/4512/calls") return json(200, { calls: options.calls ?? [call()], nextBefore: null, needsReconnect: false } satisfies CallsPage);
    if (u.pathname === "/ui/v1/contacts/search") return options.search instanceof Response ? options.search : json(200, options.search ?? { results: [SAM] });
    if (u.pathname === "/ui/v1/calls/c1/move") return options.move ?? json(200, { moved: true, callId: "c1", fromContactId: "4512", toContactId: SAM.id } satisfies CallMoved);
    throw new Error(`unexpected ${method} ${u.pathname}`);
  });
  return requests;
}

function renderCard() {
  const renderer = createRenderer("crm.record.sidebar");
  renderer.mocks.context.crm.objectId = 4512;
  renderer.mocks.useCrmProperties.willCall(() => ({ properties: { firstname: "Dana" }, error: null, isLoading: false, isRefetching: false, refetch: async () => {} }));
  renderer.render(<CallsCard />);
  return renderer;
}

afterEach(() => vi.restoreAllMocks());

describe("moving a call from the card", () => {
  it("shows how an ambiguous call was matched, that it needs review, and offers the move by the contact's first name", async () => {
    backendFixture();
    const { find, findAll, findByTestId, waitFor } = renderCard();
    await waitFor(() => expect(findByTestId(Button, "move-c1")).toBeTruthy());
    expect(findByTestId(Button, "move-c1").text).toBe("Not Dana? Move this call");
    expect(findAll(Tag).map((t) => t.text)).toContain("needs review");
    expect(findByTestId(Text, "match-c1").text).toBe("2 contacts share this number; this one was picked by its most recent activity (flagged for review).");
    expect(findAll(Text, (t) => (t.text ?? "").startsWith("Moved here"))).toHaveLength(0);
  });

  it("search, choose, confirm: the call is moved and leaves this contact's card", async () => {
    const requests = backendFixture();
    const { find, findAll, findByTestId, waitFor, mocks } = renderCard();
    await waitFor(() => expect(findByTestId(Button, "move-c1")).toBeTruthy());
    findByTestId(Button, "move-c1").trigger("onClick");
    await waitFor(() => expect(find(Input, { name: "move-query-c1" })).toBeTruthy());
    expect(find(Button, (b) => b.text === "Search").props.disabled).toBe(true);
    find(Input, { name: "move-query-c1" }).trigger("onChange", "sam" as never);
    await waitFor(() => expect(find(Button, (b) => b.text === "Search").props.disabled).toBe(false));
    find(Button, (b) => b.text === "Search").trigger("onClick");
    await waitFor(() => expect(findByTestId(Button, "choose-5002")).toBeTruthy());
    expect(requests.find((r) => r.path === "/ui/v1/contacts/search")!.query).toBe("?q=sam");
    expect(findAll(Text).map((t) => t.text)).toContain("Sam Reyes · sam@example.com · +14155550111");
    findByTestId(Button, "choose-5002").trigger("onClick");
    await waitFor(() => expect(findByTestId(Flex, "move-confirm-c1")).toBeTruthy());
    expect(findByTestId(Flex, "move-confirm-c1").find(Text).text).toContain("Move this call to Sam Reyes?");
    find(Button, (b) => b.text === "Move the call").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(mocks.actions.addAlert.calls[0]![0]).toEqual({ type: "success", message: "Call moved to Sam Reyes." });
    expect(requests.find((r) => r.path === "/ui/v1/calls/c1/move")).toMatchObject({ method: "POST", body: { toContactId: "5002" } });
    await waitFor(() => expect(findAll(Button, (b) => b.props.testId === "move-c1")).toHaveLength(0));
  });

  it("the contact itself is not offered; no other match says so", async () => {
    backendFixture({ search: { results: [{ id: "4512", name: "Dana Reyes", email: null, phone: null }] } });
    const { find, findByTestId, waitFor } = renderCard();
    await waitFor(() => expect(findByTestId(Button, "move-c1")).toBeTruthy());
    findByTestId(Button, "move-c1").trigger("onClick");
    await waitFor(() => expect(find(Input, { name: "move-query-c1" })).toBeTruthy());
    find(Input, { name: "move-query-c1" }).trigger("onChange", "reyes" as never);
    await waitFor(() => expect(find(Button, (b) => b.text === "Search").props.disabled).toBe(false));
    find(Button, (b) => b.text === "Search").trigger("onClick");
    await waitFor(() => expect(find(Text, (t) => (t.text ?? "").startsWith("No other contact"))).toBeTruthy());
    expect(find(Text, (t) => (t.text ?? "").startsWith("No other contact")).text).toBe('No other contact matches "reyes".');
  });

  it("a refused move keeps the call and shows the server's sentence; Back returns to the results", async () => {
    backendFixture({ move: json(404, { error: "No contact 5002 in this portal." } satisfies ApiError) });
    const { find, findByTestId, waitFor, mocks } = renderCard();
    await waitFor(() => expect(findByTestId(Button, "move-c1")).toBeTruthy());
    findByTestId(Button, "move-c1").trigger("onClick");
    await waitFor(() => expect(find(Input, { name: "move-query-c1" })).toBeTruthy());
    find(Input, { name: "move-query-c1" }).trigger("onChange", "sam" as never);
    await waitFor(() => expect(find(Button, (b) => b.text === "Search").props.disabled).toBe(false));
    find(Button, (b) => b.text === "Search").trigger("onClick");
    await waitFor(() => expect(findByTestId(Button, "choose-5002")).toBeTruthy());
    findByTestId(Button, "choose-5002").trigger("onClick");
    await waitFor(() => expect(find(Button, (b) => b.text === "Move the call")).toBeTruthy());
    find(Button, (b) => b.text === "Move the call").trigger("onClick");
    await waitFor(() => expect(find(Alert, { title: "The call was not moved" })).toBeTruthy());
    expect(find(Alert, { title: "The call was not moved" }).text).toBe("No contact 5002 in this portal.");
    expect(mocks.actions.addAlert.calls.length).toBe(0);
    find(Button, (b) => b.text === "Back").trigger("onClick");
    await waitFor(() => expect(findByTestId(Button, "choose-5002")).toBeTruthy());
  });

  it("a failed search shows why; Cancel closes the picker", async () => {
    backendFixture({ search: json(503, { error: "HubSpot is not answering right now; try again in a minute." } satisfies ApiError) });
    const { find, findAll, findByTestId, waitFor } = renderCard();
    await waitFor(() => expect(findByTestId(Button, "move-c1")).toBeTruthy());
    findByTestId(Button, "move-c1").trigger("onClick");
    await waitFor(() => expect(find(Input, { name: "move-query-c1" })).toBeTruthy());
    find(Input, { name: "move-query-c1" }).trigger("onChange", "sam" as never);
    await waitFor(() => expect(find(Button, (b) => b.text === "Search").props.disabled).toBe(false));
    find(Button, (b) => b.text === "Search").trigger("onClick");
    await waitFor(() => expect(find(Alert, { title: "Search failed" })).toBeTruthy());
    expect(find(Alert, { title: "Search failed" }).text).toContain("HubSpot is not answering");
    find(Button, (b) => b.text === "Cancel").trigger("onClick");
    await waitFor(() => expect(findAll(Input)).toHaveLength(0));
    expect(findByTestId(Button, "move-c1")).toBeTruthy();
  });

  it("a moved call says so; a plain call has no match marks", async () => {
    backendFixture({ calls: [call({ match: null, movedAt: "2026-11-21T09:00:00.000Z" })] });
    const { findAll, findByTestId, waitFor } = renderCard();
    await waitFor(() => expect(findByTestId(Text, "moved-c1")).toBeTruthy());
    expect(findByTestId(Text, "moved-c1").text).toMatch(/^Moved here from another contact /);
    expect(findAll(Tag).map((t) => t.text)).not.toContain("needs review");
    expect(findAll(Text, (t) => t.props.testId === "match-c1")).toHaveLength(0);
  });
});
