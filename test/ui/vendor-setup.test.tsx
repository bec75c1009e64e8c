import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Alert, Button, Checkbox, Input, StatusTag, Table, TableCell, TableRow, Text, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { ApiError, VendorApplyRequest, VendorApplyResponse, VendorChangeView, VendorSetupResponse, VendorTargetsResponse, VendorUndoResponse } from "../../hubspot-app/app/shared/api.js";
import { VendorSetup } from "../../hubspot-app/app/settings/VendorSetup.js";

// A connection's vendor setup (VendorSetup.tsx) with HubSpot's test renderer; fixtures typed by the
// /ui/v1 API module, so they follow the server's shapes.

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const BASE = "/ui/v1/connections/c1/setup";
const WEBHOOK = "https://api.example/webhooks/tok";
const TOOLS = "https://api.example/tools/tok";

const applied: VendorChangeView = {
  id: "ch1", targetId: "agent_1", targetName: "Front desk", resource: "agent", resourceId: "agent_1", status: "applied", appliedAt: "2030-01-01T10:00:00.000Z", appliedBy: "owner@example.com", undoneAt: null,
  changes: [{ what: "agent webhook_url", before: "https://old.example/hook", after: WEBHOOK }],
  conflicts: [],
};
const toolsAdded: VendorChangeView = { ...applied, id: "ch2", resource: "retell_llm", resourceId: "llm_1", changes: [{ what: "retell_llm tool lookup_caller", before: null, after: `custom tool calling ${TOOLS}` }] };
const setup = (changes: VendorChangeView[], extra: Partial<Extract<VendorSetupResponse, { supported: true }>> = {}): VendorSetupResponse => ({ supported: true, vendorLabel: "Retell AI", targetNoun: "agent", needsApiKey: false, apiKeySet: true, changes, ...extra });
const TARGETS: VendorTargetsResponse = { targets: [{ id: "agent_1", name: "Front desk", applied: false }, { id: "agent_2", name: "After hours", applied: false }], next: null };

type Route = (body: unknown) => Response;
function backendFixture(routes: Record<string, Route>) {
  const sent: { key: string; body: unknown }[] = [];
  vi.spyOn(hubspot, "fetch").mockImplementation(async (url, options) => {
    const parsed = new URL(String(url));
    const key = `${options?.method ?? "GET"} ${parsed.pathname}`;
    sent.push({ key, body: options?.body });
    const route = routes[key];
    if (!route) throw new Error(`unexpected ${key}`);
    return route(options?.body);
  });
  return sent;
}

afterEach(() => vi.restoreAllMocks());

describe("vendor setup", () => {
  it("lists the agents through the vendor, sets up the chosen one and shows each change with before and after", async () => {
    let changes: VendorChangeView[] = [];
    const sent = backendFixture({
      [`GET ${BASE}`]: () => json(200, setup(changes)),
      [`GET ${BASE}/targets`]: () => json(200, TARGETS),
      [`POST ${BASE}/apply`]: (body) => {
        expect(body).toEqual({ targetIds: ["agent_1"] } satisfies VendorApplyRequest);
        changes = [toolsAdded, applied];
        return json(200, { results: [{ targetId: "agent_1", name: "Front desk", outcome: "applied", changes: [...applied.changes, ...toolsAdded.changes], note: null, error: null }] } satisfies VendorApplyResponse);
      },
    });
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<VendorSetup connectionId="c1" />);
    await waitFor(() => expect(find(Button, (b) => b.text === "List agents")).toBeTruthy());
    find(Button, (b) => b.text === "List agents").trigger("onClick");
    await waitFor(() => expect(findAll(Checkbox).map((c) => c.text)).toEqual(["Front desk", "After hours"]));
    find(Checkbox, { name: "target-agent_1" }).trigger("onChange", true as never);
    find(Button, (b) => b.text === "Set up the chosen agents").trigger("onClick");
    await waitFor(() => expect(findAll(Alert).map((a) => a.props.title)).toEqual(["Front desk: set up"]));
    await waitFor(() => expect(findAll(StatusTag).map((t) => t.text)).toEqual(["In place", "In place"]));
    const rows = findAll(TableRow).map((row) => row.findAll(TableCell).map((cell) => cell.text));
    expect(rows).toContainEqual(["agent webhook_url", "https://old.example/hook", WEBHOOK]);
    expect(rows).toContainEqual(["retell_llm tool lookup_caller", "(none)", `custom tool calling ${TOOLS}`]);
    expect(findAll(Text).map((t) => t.text)).toContain("Front desk: agent agent_1");
    expect(sent.filter((s) => s.key === `POST ${BASE}/apply`)).toHaveLength(1);
  });

  it("undoes the setup of an agent, and says what was left as the admin changed it", async () => {
    let changes = [toolsAdded, applied];
    backendFixture({
      [`GET ${BASE}`]: () => json(200, setup(changes)),
      [`POST ${BASE}/undo`]: (body) => {
        expect(body).toEqual({ targetId: "agent_1" });
        const conflict = { what: "agent webhook_url", before: WEBHOOK, after: "https://admin.example/hook" };
        changes = [{ ...toolsAdded, status: "undone", undoneAt: "2030-01-02T00:00:00.000Z" }, { ...applied, status: "undone_with_conflicts", undoneAt: "2030-01-02T00:00:00.000Z", conflicts: [conflict] }];
        return json(200, { restored: toolsAdded.changes, conflicts: [conflict] } satisfies VendorUndoResponse);
      },
    });
    const { render, find, findAll, findByTestId, waitFor } = createRenderer("settings");
    render(<VendorSetup connectionId="c1" />);
    await waitFor(() => expect(find(Button, (b) => b.text === "Undo the setup of Front desk")).toBeTruthy());
    findByTestId(Button, "undo-agent_1").trigger("onClick");
    await waitFor(() => expect(findAll(Alert).map((a) => a.props.title)).toEqual(["Undone, except what was changed since"]));
    expect(find(Alert).text).toBe("1 value(s) restored. Left as they are now, because they were changed after the app set them: agent webhook_url.");
    await waitFor(() => expect(findAll(StatusTag).map((t) => t.text)).toEqual(["Undone", "Undone, some left as changed since"]));
    expect(findByTestId(Table, "conflicts-ch1").findAll(TableCell).map((c) => c.text)).toEqual(["agent webhook_url", WEBHOOK, "https://admin.example/hook"]);
    expect(findAll(Button).some((b) => b.text?.startsWith("Undo the setup"))).toBe(false);
  });

  it("shows the vendor's refusal with its reason, when listing and per agent", async () => {
    let refuse = true;
    backendFixture({
      [`GET ${BASE}`]: () => json(200, setup([])),
      [`GET ${BASE}/targets`]: () => (refuse ? json(502, { error: "Retell AI did not accept the API key (API key is missing or invalid.). Check the key on the connection.", vendorError: "unauthorized" } satisfies ApiError) : json(200, TARGETS)),
      [`POST ${BASE}/apply`]: () => json(200, { results: [{ targetId: "agent_2", name: "After hours", outcome: "failed", changes: [], note: null, error: "Retell AI refused the change: Tool names must be unique: lookup_caller is used twice" }] } satisfies VendorApplyResponse),
    });
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<VendorSetup connectionId="c1" />);
    await waitFor(() => expect(find(Button, (b) => b.text === "List agents")).toBeTruthy());
    find(Button, (b) => b.text === "List agents").trigger("onClick");
    await waitFor(() => expect(findAll(Alert)).toHaveLength(1));
    expect(find(Alert).props).toMatchObject({ title: "Retell AI did not answer as expected", variant: "danger" });
    expect(find(Alert).text).toBe("Retell AI did not accept the API key (API key is missing or invalid.). Check the key on the connection.");
    refuse = false;
    find(Button, (b) => b.text === "List agents").trigger("onClick");
    await waitFor(() => expect(findAll(Checkbox)).toHaveLength(2));
    find(Checkbox, { name: "target-agent_2" }).trigger("onChange", true as never);
    find(Button, (b) => b.text === "Set up the chosen agents").trigger("onClick");
    await waitFor(() => expect(findAll(Alert).map((a) => a.props.title)).toEqual(["After hours: not set up"]));
    expect(find(Alert).text).toBe("Retell AI refused the change: Tool names must be unique: lookup_caller is used twice");
  });

  it("asks a Vapi connection for its private key, and shows a refusal of the save (not a super admin)", async () => {
    backendFixture({
      [`GET ${BASE}`]: () => json(200, setup([], { vendorLabel: "Vapi", targetNoun: "assistant", needsApiKey: true, apiKeySet: false })),
      [`PUT ${BASE}/api-key`]: () => json(403, { error: "Only a super admin can change this.", code: "not_super_admin" } satisfies ApiError),
    });
    const { render, find, waitFor, mocks } = createRenderer("settings");
    render(<VendorSetup connectionId="c1" />);
    await waitFor(() => expect(find(Input, { name: "vendor-key-c1" }).props.label).toBe("Vapi private API key"));
    find(Input, { name: "vendor-key-c1" }).trigger("onChange", "vapi-private-key-123" as never);
    find(Button, (b) => b.text === "Save API key").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(mocks.actions.addAlert.calls[0]![0]).toEqual({ type: "danger", message: "Only a super admin can change this." });
    expect(find(Button, (b) => b.text === "List assistants")).toBeTruthy();
  });

  it("says why a vendor cannot be set up from here", async () => {
    backendFixture({ [`GET ${BASE}`]: () => json(200, { supported: false, vendorLabel: "Bland AI", reason: "Bland AI connections cannot be set up from here: paste the webhook and tools URLs into the vendor by hand (docs/booking-tools.md)." } satisfies VendorSetupResponse) });
    const { render, find, waitFor } = createRenderer("settings");
    render(<VendorSetup connectionId="c1" />);
    await waitFor(() => expect(find(Text).text).toMatch(/^Bland AI connections cannot be set up from here/));
  });
});
