import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Alert, Button, Select, TableCell, TableRow, Text, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import { Booking, Connections, FallbackQueue, MappingEditor, type MappingRule } from "../../hubspot-app/app/settings/Settings.js";

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const RULES: MappingRule[] = [
  { field: "firstName", label: "First name", kind: "canonical", property: "firstname", policy: "fill_if_empty", enabled: true, type: "string" },
  { field: "urgency", label: "Urgency", kind: "canonical", property: "ai_urgency", policy: "overwrite", enabled: true, type: "enumeration" },
  { field: "q:budget_range", label: "Question: budget range", kind: "qualification", property: "ai_budget_range", policy: "overwrite", enabled: true, type: "string" },
];
const PROPERTIES = [
  { name: "firstname", label: "First name", type: "string", readOnly: false },
  { name: "ai_urgency", label: "AI call urgency", type: "enumeration", readOnly: false },
  { name: "jobtitle", label: "Job title", type: "string", readOnly: false },
  { name: "hs_calculated_phone_number", label: "Calculated phone", type: "string", readOnly: true },
];

/** Answers hubspot.fetch by method and path, recording what was sent. */
function backendFixture(routes: Record<string, (body: Record<string, unknown> | undefined) => Response>) {
  const sent: { method: string; path: string; body?: Record<string, unknown> }[] = [];
  vi.spyOn(hubspot, "fetch").mockImplementation(async (url, options) => {
    const path = new URL(String(url)).pathname;
    const method = options?.method ?? "GET";
    sent.push({ method, path, body: options?.body });
    const route = routes[`${method} ${path}`];
    if (!route) throw new Error(`unexpected ${method} ${path}`);
    return route(options?.body);
  });
  return sent;
}

afterEach(() => vi.restoreAllMocks());

describe("field mapping editor", () => {
  it("lists every field with the portal's writable properties, and saves an edit", async () => {
    const sent = backendFixture({
      "GET /ui/v1/mapping": () => json(200, { rules: RULES }),
      "GET /ui/v1/properties": () => json(200, { properties: PROPERTIES }),
      "PUT /ui/v1/mapping": () => json(200, { saved: 3 }),
    });
    const { render, find, findAll, waitFor, mocks } = createRenderer("settings");
    render(<MappingEditor />);
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(4));
    const select = find(Select, { name: "property-firstName" });
    expect(select.props.options.map((o: { value: unknown }) => o.value)).toEqual(["firstname", "ai_urgency", "jobtitle"]);
    select.trigger("onChange", "jobtitle" as never);
    find(Select, { name: "policy-firstName" }).trigger("onChange", "overwrite" as never);
    find(Button, (b) => b.text === "Save mapping").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    const put = sent.find((s) => s.method === "PUT")!;
    expect(put.body).toEqual({ rules: [{ field: "firstName", property: "jobtitle", policy: "overwrite", enabled: true }, { field: "urgency", property: "ai_urgency", policy: "overwrite", enabled: true }, { field: "q:budget_range", property: "ai_budget_range", policy: "overwrite", enabled: true }] });
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "success" });
  });

  it("shows the server's refusal of a type mismatch next to the field, and saves nothing", async () => {
    backendFixture({
      "GET /ui/v1/mapping": () => json(200, { rules: RULES }),
      "GET /ui/v1/properties": () => json(200, { properties: PROPERTIES }),
      "PUT /ui/v1/mapping": () => json(422, { error: "Some fields cannot be mapped as asked; nothing was saved.", problems: [{ field: "urgency", error: "First name (firstname) is a string property; urgency needs enumeration" }] }),
    });
    const { render, find, findAll, waitFor, mocks } = createRenderer("settings");
    render(<MappingEditor />);
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(4));
    find(Select, { name: "property-urgency" }).trigger("onChange", "firstname" as never);
    find(Button, (b) => b.text === "Save mapping").trigger("onClick");
    await waitFor(() => expect(find(Select, { name: "property-urgency" }).props.error).toBe(true));
    expect(find(Select, { name: "property-urgency" }).props.validationMessage).toMatch(/urgency needs enumeration/);
    expect(find(Alert).props.title).toBe("Nothing was saved");
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "danger", message: expect.stringContaining("nothing was saved") });
  });

  it("offers to create a missing custom property", async () => {
    const sent = backendFixture({
      "GET /ui/v1/mapping": () => json(200, { rules: RULES }),
      "GET /ui/v1/properties": () => json(200, { properties: PROPERTIES }),
      "POST /ui/v1/properties": () => json(201, { created: "ai_budget_range" }),
    });
    const { render, findByTestId, waitFor } = createRenderer("settings");
    render(<MappingEditor />);
    await waitFor(() => expect(findByTestId(Button, "create-q:budget_range")).toBeTruthy());
    findByTestId(Button, "create-q:budget_range").trigger("onClick");
    await vi.waitFor(() => expect(sent.some((s) => s.method === "POST" && s.body?.field === "q:budget_range")).toBe(true));
  });
});

describe("vendor connections", () => {
  it("shows URLs, health and the Synthflow warning; rotates a secret without showing it", async () => {
    const sent = backendFixture({
      "GET /ui/v1/connections": () =>
        json(200, {
          connections: [{ id: "k1", vendor: "synthflow", vendorLabel: "Synthflow", webhookUrl: "https://api.example/webhooks/abc", toolsUrl: "https://api.example/tools/abc", lastDeliveryAt: null, lastError: "signature rejected: signature mismatch", weakSignature: true }],
          vendors: [{ id: "retell", label: "Retell AI", secretHelp: "Your Retell API key" }],
        }),
      "POST /ui/v1/connections/k1/secret": () => json(200, { rotated: true }),
    });
    const { render, find, findAll, findByTestId, waitFor, mocks } = createRenderer("settings");
    render(<Connections />);
    await waitFor(() => expect(findAll(Alert)).toHaveLength(2));
    expect(findAll(Text).map((t) => t.text)).toContain("Webhook URL: https://api.example/webhooks/abc");
    expect(findAll(Alert).map((a) => a.props.title)).toEqual(["Last error", "Weaker signature"]);
    findByTestId(Button, "copy-webhook-k1").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.copyTextToClipboard.calls[0]![0]).toBe("https://api.example/webhooks/abc"));
    findByTestId(Button, "rotate-k1").trigger("onClick");
    await vi.waitFor(() => expect(sent.some((s) => s.path === "/ui/v1/connections/k1/secret")).toBe(true));
  });
});

describe("fallback queue", () => {
  it("lists entries with reason and age, and replays one", async () => {
    let entries = [{ id: "f1", vendor: "retell", reason: "retries exhausted after 8 attempts: HubSpot 503", ageSeconds: 7200, caller: "+1******0155", permanent: false }];
    const sent = backendFixture({
      "GET /ui/v1/fallback": () => json(200, { entries }),
      "POST /ui/v1/fallback/replay": (body) => {
        entries = [];
        return json(200, { replayed: [String(body?.id)] });
      },
    });
    const { render, findAll, findByTestId, waitFor, mocks } = createRenderer("settings");
    render(<FallbackQueue />);
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(2));
    const cells = findAll(TableCell).map((c) => c.text).join(" | ");
    expect(cells).toContain("retries exhausted");
    expect(cells).toContain("2 h");
    findByTestId(Button, "replay-f1").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ message: "1 call(s) sent to HubSpot again." }));
    expect(sent.find((s) => s.method === "POST")!.body).toEqual({ id: "f1" });
    await waitFor(() => expect(findAll(Text).map((t) => t.text).join(" ")).toContain("Every call is in HubSpot"));
  });
});

describe("booking tab", () => {
  it("shows service types with durations and the staff calendars", async () => {
    backendFixture({
      "GET /ui/v1/booking": () => json(200, { configured: true, timezone: "America/Los_Angeles", upcoming: 2, services: [{ name: "Consultation", durationMinutes: 30, bufferMinutes: 0, aliases: ["consulta"] }, { name: "Full service", durationMinutes: 120, bufferMinutes: 15, aliases: [] }], staff: [{ name: "Alex Rivera", email: "alex@example.com", calendar: "builtin", timezone: "America/Los_Angeles" }] }),
    });
    const { render, findAll, waitFor } = createRenderer("settings");
    render(<Booking />);
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(5));
    const cells = findAll(TableCell).map((c) => c.text);
    expect(cells).toEqual(["Consultation", "30 min", "consulta", "Full service", "120 min + 15 min buffer", null, "Alex Rivera (alex@example.com)", "builtin, America/Los_Angeles"]);
  });
});
