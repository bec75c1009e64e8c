import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Button, Input, Toggle, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { ApiError, CallerContextResponse, CallerContextSaved, CallerContextUpdateRequest } from "../../hubspot-app/app/shared/api.js";
import { CallerContext } from "../../hubspot-app/app/settings/CallerContextTab.js";

// The Caller context tab, rendered with HubSpot's test renderer; fixtures typed by the /ui/v1 API module.
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const SETTINGS: CallerContextResponse = {
  shared: { firstName: true, upcomingBooking: true, lastCall: false, ownerName: false },
  vapiConnections: [{ connectionId: "conn-vapi-1", label: "Front desk", assistantId: null }],
};

function backendFixture(put: (body: CallerContextUpdateRequest) => Response) {
  const sent: CallerContextUpdateRequest[] = [];
  vi.spyOn(hubspot, "fetch").mockImplementation(async (url, options) => {
    const path = new URL(String(url)).pathname;
    const method = options?.method ?? "GET";
    if (path !== "/ui/v1/caller-context") throw new Error(`unexpected ${method} ${path}`);
    if (method === "GET") return json(200, SETTINGS);
    sent.push(options!.body as unknown as CallerContextUpdateRequest);
    return put(options!.body as unknown as CallerContextUpdateRequest);
  });
  return sent;
}

afterEach(() => vi.restoreAllMocks());

describe("caller context tab", () => {
  it("shows what is shared, and saves a change with the Vapi assistant", async () => {
    const sent = backendFixture(() => json(200, { saved: true } satisfies CallerContextSaved));
    const { render, find, waitFor, mocks } = createRenderer("settings");
    render(<CallerContext />);
    await waitFor(() => expect(find(Toggle, { name: "share-firstName" }).props.checked).toBe(true));
    expect(find(Toggle, { name: "share-lastCall" }).props.checked).toBe(false);
    find(Toggle, { name: "share-lastCall" }).trigger("onChange", true as never);
    find(Toggle, { name: "share-upcomingBooking" }).trigger("onChange", false as never);
    find(Input, { name: "assistant-conn-vapi-1" }).trigger("onChange", " asst_front_desk " as never);
    find(Button, (b) => b.text === "Save caller context").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(sent).toEqual([{ shared: { firstName: true, upcomingBooking: false, lastCall: true, ownerName: false }, vapiAssistants: { "conn-vapi-1": "asst_front_desk" } }]);
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "success" });
  });

  it("shows the server's refusal (not a super admin)", async () => {
    backendFixture(() => json(403, { error: "Only a super admin can change this." } satisfies ApiError));
    const { render, find, waitFor, mocks } = createRenderer("settings");
    render(<CallerContext />);
    await waitFor(() => expect(find(Toggle, { name: "share-ownerName" }).props.checked).toBe(false));
    find(Button, (b) => b.text === "Save caller context").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "danger", message: "Only a super admin can change this." });
  });
});
