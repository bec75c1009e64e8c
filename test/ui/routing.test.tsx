import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Alert, Button, ErrorState, Input, LoadingSpinner, MultiSelect, Select, Text, Toggle, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { ApiError, RoutingResponse, RoutingSaved, RoutingUpdateRequest } from "../../hubspot-app/app/shared/api.js";
import { Routing } from "../../hubspot-app/app/settings/RoutingTab.js";

// The Routing tab, rendered with HubSpot's test renderer; fixtures typed by the /ui/v1 API module.
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const SETTINGS: RoutingResponse = {
  ambiguityRule: "oldest",
  ownerRule: "none",
  roundRobinOwnerIds: [],
  zipRoutes: [],
  intentRoutes: [],
  fallbackOwnerId: null,
  createLeads: false,
  owners: [
    { id: "701", name: "Ana Staff", email: "ana@example.com" },
    { id: "702", name: "Ben Staff", email: "ben@example.com" },
  ],
  ownersError: null,
  leadsSkipped: null,
};

function backendFixture(settings: RoutingResponse | Response, put: (body: RoutingUpdateRequest) => Response = () => json(200, { saved: true } satisfies RoutingSaved)) {
  const sent: RoutingUpdateRequest[] = [];
  vi.spyOn(hubspot, "fetch").mockImplementation(async (url, options) => {
    const path = new URL(String(url)).pathname;
    const method = options?.method ?? "GET";
    if (path !== "/ui/v1/routing") throw new Error(`unexpected ${method} ${path}`);
    if (method === "GET") return settings instanceof Response ? settings : json(200, settings);
    sent.push(options!.body as unknown as RoutingUpdateRequest);
    return put(options!.body as unknown as RoutingUpdateRequest);
  });
  return sent;
}

afterEach(() => vi.restoreAllMocks());

describe("routing tab", () => {
  it("loads, then shows the rule for shared numbers and no owner pickers while the rule is none", async () => {
    backendFixture(SETTINGS);
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<Routing />);
    expect(find(LoadingSpinner)).toBeTruthy();
    await waitFor(() => expect(find(Select, { name: "ambiguity-rule" }).props.value).toBe("oldest"));
    expect(find(Select, { name: "owner-rule" }).props.value).toBe("none");
    expect(findAll(MultiSelect)).toHaveLength(0);
    expect(find(Toggle, { name: "create-leads" }).props.checked).toBe(false);
  });

  it("round-robin: owners offered from the portal's users, saved with the shared-number rule and Leads", async () => {
    const sent = backendFixture(SETTINGS);
    const { render, find, waitFor, mocks } = createRenderer("settings");
    render(<Routing />);
    await waitFor(() => expect(find(Select, { name: "owner-rule" })).toBeTruthy());
    find(Select, { name: "ambiguity-rule" }).trigger("onChange", "flag_for_review" as never);
    find(Select, { name: "owner-rule" }).trigger("onChange", "round_robin" as never);
    await waitFor(() => expect(find(MultiSelect, { name: "round-robin-owners" })).toBeTruthy());
    expect(find(MultiSelect, { name: "round-robin-owners" }).props.options).toEqual([
      { value: "701", label: "Ana Staff (ana@example.com)" },
      { value: "702", label: "Ben Staff (ben@example.com)" },
    ]);
    find(MultiSelect, { name: "round-robin-owners" }).trigger("onChange", ["701", "702"] as never);
    find(Toggle, { name: "create-leads" }).trigger("onChange", true as never);
    find(Button, (b) => b.text === "Save routing").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "success" });
    expect(sent).toEqual([{ ambiguityRule: "flag_for_review", ownerRule: "round_robin", roundRobinOwnerIds: ["701", "702"], zipRoutes: [], intentRoutes: [], fallbackOwnerId: null, createLeads: true }]);
  });

  it("by zip: rows added, edited and removed, with a fallback owner", async () => {
    const sent = backendFixture({ ...SETTINGS, ownerRule: "zip", zipRoutes: [{ prefix: "94", ownerId: "701" }] });
    const { render, find, findAll, waitFor, mocks } = createRenderer("settings");
    render(<Routing />);
    await waitFor(() => expect(find(Input, { name: "zip-key-0" }).props.value).toBe("94"));
    find(Button, (b) => b.text === "Add a zip code").trigger("onClick");
    await waitFor(() => expect(find(Input, { name: "zip-key-1" })).toBeTruthy());
    find(Input, { name: "zip-key-1" }).trigger("onChange", "100" as never);
    find(Select, { name: "zip-owner-1" }).trigger("onChange", "702" as never);
    find(Button, (b) => b.text === "Add a zip code").trigger("onClick");
    await waitFor(() => expect(findAll(Input)).toHaveLength(3));
    findAll(Button, (b) => b.text === "Remove")[2]!.trigger("onClick");
    await waitFor(() => expect(findAll(Input)).toHaveLength(2));
    find(Select, { name: "fallback-owner" }).trigger("onChange", "702" as never);
    find(Button, (b) => b.text === "Save routing").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(sent[0]).toMatchObject({ ownerRule: "zip", zipRoutes: [{ prefix: "94", ownerId: "701" }, { prefix: "100", ownerId: "702" }], fallbackOwnerId: "702" });
  });

  it("by intent: a route per word, its owner from the list", async () => {
    const sent = backendFixture(SETTINGS);
    const { render, find, waitFor, mocks } = createRenderer("settings");
    render(<Routing />);
    await waitFor(() => expect(find(Select, { name: "owner-rule" })).toBeTruthy());
    find(Select, { name: "owner-rule" }).trigger("onChange", "intent" as never);
    await waitFor(() => expect(find(Button, (b) => b.text === "Add an intent or service")).toBeTruthy());
    find(Button, (b) => b.text === "Add an intent or service").trigger("onClick");
    await waitFor(() => expect(find(Input, { name: "intent-key-0" })).toBeTruthy());
    find(Input, { name: "intent-key-0" }).trigger("onChange", "water heater" as never);
    find(Button, (b) => b.text === "Save routing").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(sent[0]).toMatchObject({ ownerRule: "intent", intentRoutes: [{ match: "water heater", ownerId: "701" }] });
  });

  it("shows the server's refusal to a user who is not a super admin", async () => {
    backendFixture(SETTINGS, () => json(403, { error: "Only a super admin can change this.", code: "not_super_admin" } satisfies ApiError));
    const { render, find, waitFor, mocks } = createRenderer("settings");
    render(<Routing />);
    await waitFor(() => expect(find(Button, (b) => b.text === "Save routing")).toBeTruthy());
    find(Button, (b) => b.text === "Save routing").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "danger", message: "Only a super admin can change this." });
  });

  it("says why the last Lead was skipped, and when HubSpot did not list the users", async () => {
    backendFixture({ ...SETTINGS, createLeads: true, owners: [], ownersError: "HubSpot did not list the portal's users (HubSpot 503); try again in a minute.", leadsSkipped: { reason: "the app's install lacks the crm.objects.leads.write permission", at: "2026-12-04T10:00:00.000Z" } });
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<Routing />);
    await waitFor(() => expect(findAll(Alert)).toHaveLength(2));
    expect(find(Alert, { title: "The last Lead was not created" }).text).toContain("crm.objects.leads.write");
    expect(find(Alert, { title: "Users not loaded" }).text).toContain("try again");
  });

  it("a failed load shows the server's sentence and a retry", async () => {
    backendFixture(json(503, { error: "HubSpot is not answering right now; try again in a minute." } satisfies ApiError));
    const { render, find, waitFor } = createRenderer("settings");
    render(<Routing />);
    await waitFor(() => expect(find(ErrorState)).toBeTruthy());
    expect(find(ErrorState).find(Text).text).toContain("HubSpot is not answering");
    expect(find(ErrorState).find(Button).text).toBe("Try again");
  });
});
