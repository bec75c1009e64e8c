import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Accordion, Button, DescriptionListItem, EmptyState, ErrorState, Flex, LoadingSpinner, Tag, Text, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { ApiError, CallsPage, CallSummary } from "../../hubspot-app/app/shared/api.js";
import { CallsCard } from "../../hubspot-app/app/cards/CallsCard.js";

// The contact-record sidebar card, rendered with HubSpot's test renderer; hubspot.fetch answered
// from fixtures typed by the /ui/v1 API module, so they keep the shape the server sends.

const call = (overrides: Partial<CallSummary> = {}): CallSummary => ({
  id: "c1",
  vendor: "retell",
  startedAt: "2026-11-20T16:00:00.000Z",
  durationMs: 184_000,
  disposition: "escalated",
  sentiment: "negative",
  intent: "billing dispute",
  urgency: "high",
  language: "en",
  summary: "Caller disputes last month's invoice.",
  transcript: "Agent: Hello\nCaller: My bill is wrong.",
  turns: null,
  escalationReason: "Asked for a manager",
  recordingUrl: "https://api.ai-receptionist.example.com/recordings/c1/player?exp=1&sig=x",
  syncStatus: "synced",
  match: null,
  movedAt: null,
  ...overrides,
});

const json = (status: number, body: CallsPage | ApiError) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function answer(...responses: (Response | Promise<Response>)[]) {
  const spy = vi.spyOn(hubspot, "fetch");
  for (const response of responses) spy.mockImplementationOnce(() => Promise.resolve(response));
  return spy;
}

afterEach(() => vi.restoreAllMocks());

describe("AI receptionist calls card", () => {
  it("shows a spinner while loading, then the contact's calls", async () => {
    const fetch = answer(json(200, { calls: [call()], nextBefore: null, needsReconnect: false }));
    const { render, find, findAll, mocks, waitFor } = createRenderer("crm.record.sidebar");
    mocks.context.crm.objectId = 4512;
    render(<CallsCard />);
    expect(find(LoadingSpinner)).toBeTruthy();
    await waitFor(() => expect(findAll(Accordion)).toHaveLength(1));
    expect(fetch).toHaveBeenCalledWith("https://api.ai-receptionist.example.com/ui/v1/contacts/4512/calls?limit=5", expect.objectContaining({ method: "GET" }));
    const texts = findAll(Text).map((t) => t.text).join("\n");
    expect(texts).toContain("3m 04s");
    expect(texts).toContain("Escalated: Asked for a manager");
    expect(find(DescriptionListItem, { label: "Summary" }).text).toBe("Caller disputes last month's invoice.");
    expect(find(DescriptionListItem, { label: "Intent" }).text).toBe("billing dispute");
    expect(findAll(Tag).map((t) => t.text)).toEqual(["escalated", "negative", "high"]);
  });

  it("keeps the transcript collapsed until opened", async () => {
    answer(json(200, { calls: [call()], nextBefore: null, needsReconnect: false }));
    const { render, find, waitFor } = createRenderer("crm.record.sidebar");
    render(<CallsCard />);
    await waitFor(() => expect(find(Accordion)).toBeTruthy());
    const accordion = find(Accordion);
    expect(accordion.props.defaultOpen).toBe(false);
    expect(accordion.props.title).toBe("Transcript");
    expect(find(Text, (t) => (t.text ?? "").includes("My bill is wrong.")).text).toContain("Caller: My bill is wrong.");
  });

  it("shows the transcript as turns, speaker then words, when the call has them", async () => {
    const turns: CallSummary["turns"] = [
      { speaker: "agent", text: "Bayview Plumbing, how can I help?" },
      { speaker: "caller", text: "My water heater is leaking." },
    ];
    answer(json(200, { calls: [call({ turns })], nextBefore: null, needsReconnect: false }));
    const { render, find, findByTestId, waitFor } = createRenderer("crm.record.sidebar");
    render(<CallsCard />);
    await waitFor(() => expect(find(Accordion)).toBeTruthy());
    const turnTexts = (i: number) => findByTestId(Flex, `turn-c1-${i}`).findAll(Text).map((t) => t.text);
    expect(turnTexts(0)).toEqual(["AI receptionist", "Bayview Plumbing, how can I help?"]);
    expect(turnTexts(1)).toEqual(["Caller", "My water heater is leaking."]);
    // Not the text as one block as well.
    expect(find(Accordion).findAll(Text, (t) => (t.text ?? "").includes("Agent: Hello"))).toHaveLength(0);
  });

  it("plays the recording in HubSpot's iframe modal", async () => {
    answer(json(200, { calls: [call()], nextBefore: null, needsReconnect: false }));
    const { render, findByTestId, mocks, waitFor } = createRenderer("crm.record.sidebar");
    render(<CallsCard />);
    await waitFor(() => expect(findByTestId(Button, "play-c1")).toBeTruthy());
    findByTestId(Button, "play-c1").trigger("onClick");
    expect(mocks.actions.openIframeModal.calls).toHaveLength(1);
    expect(mocks.actions.openIframeModal.calls[0]![0]).toMatchObject({ uri: call().recordingUrl, title: expect.stringContaining("Call recording") });
  });

  it("an empty state when there are no calls", async () => {
    answer(json(200, { calls: [], nextBefore: null, needsReconnect: false }));
    const { render, find, waitFor } = createRenderer("crm.record.sidebar");
    render(<CallsCard />);
    await waitFor(() => expect(find(EmptyState)).toBeTruthy());
    expect(find(EmptyState).props.title).toBe("No AI receptionist calls yet");
  });

  it("an error with a retry that loads again", async () => {
    const fetch = answer(json(503, { error: "HubSpot is not answering right now" }), json(200, { calls: [call()], nextBefore: null, needsReconnect: false }));
    const { render, find, findAll, waitFor } = createRenderer("crm.record.sidebar");
    render(<CallsCard />);
    await waitFor(() => expect(find(ErrorState)).toBeTruthy());
    expect(find(Text, (t) => t.text === "HubSpot is not answering right now")).toBeTruthy();
    find(Button, (b) => b.text === "Try again").trigger("onClick");
    await waitFor(() => expect(findAll(Accordion)).toHaveLength(1));
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("asks to reconnect the app when HubSpot no longer accepts it", async () => {
    answer(json(200, { calls: [], nextBefore: null, needsReconnect: true }));
    const { render, find, waitFor } = createRenderer("crm.record.sidebar");
    render(<CallsCard />);
    await waitFor(() => expect(find(ErrorState)).toBeTruthy());
    expect(find(ErrorState).props.title).toBe("Reconnect the AI receptionist app");
  });

  it("shows more calls on demand", async () => {
    const fetch = answer(
      json(200, { calls: [call({ id: "c1" }), call({ id: "c2" })], nextBefore: "2026-11-19T00:00:00.000Z", needsReconnect: false }),
      json(200, { calls: [call({ id: "c3" })], nextBefore: null, needsReconnect: false }),
    );
    const { render, find, findAll, waitFor } = createRenderer("crm.record.sidebar");
    render(<CallsCard />);
    await waitFor(() => expect(findAll(Accordion)).toHaveLength(2));
    find(Button, (b) => b.text === "Show more").trigger("onClick");
    await waitFor(() => expect(findAll(Accordion)).toHaveLength(3));
    expect(fetch.mock.calls[1]![0]).toContain("before=2026-11-19T00%3A00%3A00.000Z");
  });
});
