import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Alert, Button, ErrorState, Heading, Input, Link, LoadingSpinner, Select, StatusTag, TableCell, TableRow, Text, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type {
  ApiError,
  AuditEntryView,
  AuditPage,
  BookingOverview,
  ConnectionListItem,
  ConnectionsResponse,
  ConnectLinkResponse,
  FallbackResponse,
  FallbackView,
  MappingRefusal,
  MappingResponse,
  MappingRule,
  MappingSaved,
  PortalProperty,
  PropertiesResponse,
  PropertyCreated,
  ReplayResponse,
  SecretRotated,
  StaffView,
  OverlapView,
  StaffSaved,
  StaffRefusal,
  StaffUpdateRequest,
  BusinessSettingsSaved,
  ServicesRefusal,
  ServicesSaved,
  ServicesUpdateRequest,
  StaffTypesRefusal,
  StaffTypesResponse,
  WebhookKeySaved,
  VendorApiKeySaved,
} from "../../hubspot-app/app/shared/api.js";
import { MappingEditor } from "../../hubspot-app/app/settings/MappingTab.js";
import { Connections } from "../../hubspot-app/app/settings/ConnectionsTab.js";
import { FallbackQueue } from "../../hubspot-app/app/settings/FallbackTab.js";
import { Booking } from "../../hubspot-app/app/settings/BookingTab.js";
import { AuditLog } from "../../hubspot-app/app/settings/AuditLog.js";

// Every fixture below is typed by the /ui/v1 API module the server's routes satisfy, so a change to a
// response shape fails type-checking here instead of leaving the tests on an old shape.
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A connection as GET /ui/v1/connections lists it; the tests name only what they are about. */
const connection = (fields: Pick<ConnectionListItem, "id" | "vendor" | "vendorLabel" | "webhookUrl" | "toolsUrl" | "lastError" | "weakSignature"> & Partial<ConnectionListItem>): ConnectionListItem => ({
  portalId: "123",
  label: null,
  createdAt: "2030-01-01T00:00:00.000Z",
  lastDeliveryAt: null,
  lastErrorAt: null,
  toolsDisabledReason: null,
  setupSupported: false,
  recordingKey: null,
  ...fields,
});

/** A fallback entry as GET /ui/v1/fallback lists it. */
const fallbackEntry = (fields: Pick<FallbackView, "id" | "vendor" | "reason" | "ageSeconds" | "caller" | "permanent">): FallbackView => ({
  portalId: "123",
  callId: `call-${fields.id}`,
  vendorCallId: `vendor-call-${fields.id}`,
  createdAt: "2030-01-01T00:00:00.000Z",
  replayCount: 0,
  lastReplayAt: null,
  resolvedAt: null,
  ...fields,
});

const RULES: MappingRule[] = [
  { field: "firstName", label: "First name", kind: "canonical", property: "firstname", policy: "fill_if_empty", enabled: true, type: "string" },
  { field: "urgency", label: "Urgency", kind: "canonical", property: "ai_urgency", policy: "overwrite", enabled: true, type: "enumeration" },
  { field: "q:budget_range", label: "Question: budget range", kind: "qualification", property: "ai_budget_range", policy: "overwrite", enabled: true, type: "string" },
];
const PROPERTIES: PortalProperty[] = [
  { name: "firstname", label: "First name", type: "string", fieldType: "text", readOnly: false, options: [] },
  { name: "ai_urgency", label: "AI call urgency", type: "enumeration", fieldType: "select", readOnly: false, options: ["low", "normal", "high", "emergency"] },
  { name: "jobtitle", label: "Job title", type: "string", fieldType: "text", readOnly: false, options: [] },
  { name: "hs_calculated_phone_number", label: "Calculated phone", type: "string", fieldType: "text", readOnly: true, options: [] },
];
const MAPPING: MappingResponse = { rules: RULES };
const PORTAL_PROPERTIES: PropertiesResponse = { properties: PROPERTIES };

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
      "GET /ui/v1/mapping": () => json(200, MAPPING),
      "GET /ui/v1/properties": () => json(200, PORTAL_PROPERTIES),
      "PUT /ui/v1/mapping": () => json(200, { saved: 3 } satisfies MappingSaved),
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
      "GET /ui/v1/mapping": () => json(200, MAPPING),
      "GET /ui/v1/properties": () => json(200, PORTAL_PROPERTIES),
      "PUT /ui/v1/mapping": () => json(422, { error: "Some fields cannot be mapped as asked; nothing was saved.", problems: [{ field: "urgency", error: "First name (firstname) is a string property; urgency needs enumeration" }] } satisfies MappingRefusal),
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
      "GET /ui/v1/mapping": () => json(200, MAPPING),
      "GET /ui/v1/properties": () => json(200, PORTAL_PROPERTIES),
      "POST /ui/v1/properties": () => json(201, { created: "ai_budget_range" } satisfies PropertyCreated),
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
          connections: [connection({ id: "k1", vendor: "synthflow", vendorLabel: "Synthflow", webhookUrl: "https://api.example/webhooks/abc", toolsUrl: "https://api.example/tools/abc", lastDeliveryAt: null, lastError: "signature rejected: signature mismatch", weakSignature: true })],
          vendors: [{ id: "retell", label: "Retell AI", secretHelp: "Your Retell API key" }],
        } satisfies ConnectionsResponse),
      "POST /ui/v1/connections/k1/secret": () => json(200, { rotated: true } satisfies SecretRotated),
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

  it("shows why live tools are off on a connection whose signature covers only the call id", async () => {
    const reason = "Live tools are off for Synthflow connections: Synthflow signs only the call id, so a captured request could book or cancel for any caller. Use a vendor or the generic format that signs the body.";
    backendFixture({
      "GET /ui/v1/connections": () =>
        json(200, {
          connections: [connection({ id: "k2", vendor: "synthflow", vendorLabel: "Synthflow", webhookUrl: "https://api.example/webhooks/def", toolsUrl: "https://api.example/tools/def", lastDeliveryAt: null, lastError: null, weakSignature: true, toolsDisabledReason: reason })],
          vendors: [{ id: "synthflow", label: "Synthflow", secretHelp: "The webhook secret from Synthflow." }],
        } satisfies ConnectionsResponse),
    });
    const { render, findAll, waitFor } = createRenderer("settings");
    render(<Connections />);
    await waitFor(() => expect(findAll(Alert).map((a) => a.props.title)).toEqual(["Weaker signature", "Live tools are off"]));
    expect(findAll(Alert).find((a) => a.props.title === "Live tools are off")!.text).toBe(reason);
  });
});

describe("vendor connections: Synthflow's recording key", () => {
  it("says whether the key is stored, saves a new one without showing it, and shows what the server refused", async () => {
    let stored = false;
    const sent = backendFixture({
      "GET /ui/v1/connections": () =>
        json(200, {
          connections: [connection({ id: "k3", vendor: "synthflow", vendorLabel: "Synthflow", webhookUrl: "https://api.example/webhooks/ghi", toolsUrl: "https://api.example/tools/ghi", lastError: null, weakSignature: true, recordingKey: { set: stored } })],
          vendors: [],
        } satisfies ConnectionsResponse),
      "PUT /ui/v1/connections/k3/setup/api-key": (body) => {
        if (String(body?.apiKey).length < 8) return json(400, { error: "apiKey: the API key must be at least 8 characters" });
        stored = true;
        return json(200, { saved: true } satisfies VendorApiKeySaved);
      },
    });
    const { render, find, findAll, findByTestId, waitFor, mocks } = createRenderer("settings");
    render(<Connections />);
    await waitFor(() => expect(findAll(StatusTag).map((t) => t.text)).toEqual(["No API key"]));
    expect(findAll(Text).some((t) => /expire 24 hours after the call/.test(t.text ?? ""))).toBe(true);
    expect(findByTestId(Button, "save-recording-key-k3").props.disabled).toBe(true);

    find(Input, { name: "recording-key-k3" }).trigger("onChange", "short" as never);
    await waitFor(() => expect(findByTestId(Button, "save-recording-key-k3").props.disabled).toBe(false));
    findByTestId(Button, "save-recording-key-k3").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.at(-1)?.[0]).toEqual({ type: "danger", message: "apiKey: the API key must be at least 8 characters" }));

    find(Input, { name: "recording-key-k3" }).trigger("onChange", "sf_key_555_0123456789" as never);
    await waitFor(() => expect(find(Input, { name: "recording-key-k3" }).props.value).toBe("sf_key_555_0123456789"));
    findByTestId(Button, "save-recording-key-k3").trigger("onClick");
    await waitFor(() => expect(findAll(StatusTag).map((t) => t.text)).toEqual(["API key stored"]));
    expect(sent.filter((s) => s.method === "PUT").map((s) => s.body)).toEqual([{ apiKey: "short" }, { apiKey: "sf_key_555_0123456789" }]);
    expect(find(Input, { name: "recording-key-k3" }).props.value).toBe("");
    expect(mocks.actions.addAlert.calls.at(-1)?.[0]).toMatchObject({ type: "success" });
  });

  it("other vendors' connections show no recording key", async () => {
    backendFixture({
      "GET /ui/v1/connections": () =>
        json(200, { connections: [connection({ id: "k4", vendor: "bland", vendorLabel: "Bland AI", webhookUrl: "https://api.example/webhooks/jkl", toolsUrl: "https://api.example/tools/jkl", lastError: null, weakSignature: false })], vendors: [] } satisfies ConnectionsResponse),
    });
    const { render, findAll, waitFor } = createRenderer("settings");
    render(<Connections />);
    await waitFor(() => expect(findAll(Text).map((t) => t.text)).toContain("Tools URL: https://api.example/tools/jkl"));
    expect(findAll(Input).map((i) => i.props.name).filter((n) => String(n).startsWith("recording-key"))).toEqual([]);
  });
});

describe("fallback queue", () => {
  it("lists entries with reason and age, and replays one", async () => {
    let entries: FallbackView[] = [fallbackEntry({ id: "f1", vendor: "retell", reason: "retries exhausted after 8 attempts: HubSpot 503", ageSeconds: 7200, caller: "+1******0155", permanent: false })];
    const sent = backendFixture({
      "GET /ui/v1/fallback": () => json(200, { entries } satisfies FallbackResponse),
      "POST /ui/v1/fallback/replay": (body) => {
        entries = [];
        return json(200, { replayed: [String(body?.id)] } satisfies ReplayResponse);
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

/** A staff member's week as the overview sends it: Monday to Friday 9 to 5, lunch 12 to 1, no days off. */
const WEEKDAYS_9_TO_5 = {
  hours: { mon: ["09:00", "17:00"], tue: ["09:00", "17:00"], wed: ["09:00", "17:00"], thu: ["09:00", "17:00"], fri: ["09:00", "17:00"] },
  breaks: { mon: [["12:00", "13:00"]], tue: [["12:00", "13:00"]], wed: [["12:00", "13:00"]], thu: [["12:00", "13:00"]], fri: [["12:00", "13:00"]] },
  daysOff: [],
  hubspotOwnerId: null,
} satisfies Pick<StaffView, "hours" | "breaks" | "daysOff" | "hubspotOwnerId">;

const OVERVIEW: BookingOverview = {
  configured: true,
  timezone: "America/Los_Angeles",
  upcoming: 2,
  overlaps: [],
  services: [
    { name: "Consultation", durationMinutes: 30, bufferMinutes: 0, aliases: ["consulta"], reminderMinutes: [120] },
    { name: "Full service", durationMinutes: 120, bufferMinutes: 15, aliases: [], reminderMinutes: [1440, 60] },
  ],
  staff: [
    { id: "s-alex", name: "Alex Rivera", email: "alex@example.com", calendar: "builtin", timezone: "America/Los_Angeles", ...WEEKDAYS_9_TO_5, calendarStatus: "builtin", calendarAccount: null, lastSyncAt: null, lastError: null, serviceTypes: null, webhookKey: null },
    { id: "s-blair", name: "Blair Chen", email: "blair@example.com", calendar: "google", timezone: "America/Los_Angeles", ...WEEKDAYS_9_TO_5, calendarStatus: "needs_reauth", calendarAccount: "blair@example.com", lastSyncAt: null, lastError: "the calendar refused our access (revoked or expired): reconnect it", serviceTypes: null, webhookKey: null },
    { id: "s-casey", name: "Casey Morgan", email: "casey@example.com", calendar: "google", timezone: "America/Los_Angeles", ...WEEKDAYS_9_TO_5, calendarStatus: "not_connected", calendarAccount: null, lastSyncAt: null, lastError: null, serviceTypes: null, webhookKey: null },
    { id: "s-devon", name: "Devon Park", email: "devon@example.com", calendar: "microsoft", timezone: "America/Los_Angeles", ...WEEKDAYS_9_TO_5, calendarStatus: "connected", calendarAccount: "devon.park@example.com", lastSyncAt: "2030-01-07T16:00:00.000Z", lastError: null, serviceTypes: null, webhookKey: null },
  ],
};
const CONNECT_URL = "https://accounts.google.com/o/oauth2/v2/auth?client_id=example&state=abc123&login_hint=casey%40example.com";

/** Renders the booking tab and waits for the service types to show. */
async function renderBooking(routes: Record<string, (body: Record<string, unknown> | undefined) => Response>) {
  const sent = backendFixture({ "GET /ui/v1/booking": () => json(200, OVERVIEW), ...routes });
  const renderer = createRenderer("settings");
  renderer.render(<Booking />);
  await renderer.waitFor(() => expect(renderer.findAll(Input, (i) => i.props.name.startsWith("service-name-"))).toHaveLength(2));
  const type = (name: string, value: string) => renderer.find(Input, { name }).trigger("onChange", value as never);
  const save = () => renderer.find(Button, (b) => b.text === "Save service types").trigger("onClick");
  return { ...renderer, sent, type, save };
}

describe("booking tab: service types", () => {
  it("edits, removes and adds service types and saves exactly the table, keeping reminders", async () => {
    const { sent, type, save, find, findByTestId, waitFor, mocks } = await renderBooking({ "PUT /ui/v1/booking/services": () => json(200, { saved: 2, created: 1, updated: 1, deleted: 1 } satisfies ServicesSaved) });
    expect(find(Input, { name: "service-duration-1" }).props.value).toBe("120");
    type("service-duration-0", "45");
    type("service-aliases-0", "consulta,  first visit , ");
    findByTestId(Button, "remove-service-1").trigger("onClick");
    find(Button, (b) => b.text === "Add service type").trigger("onClick");
    await waitFor(() => expect(find(Input, { name: "service-name-1" }).props.value).toBe(""));
    type("service-name-1", " Estimate ");
    type("service-duration-1", "20");
    save();
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(sent.filter((s) => s.method === "PUT")).toEqual([
      {
        method: "PUT",
        path: "/ui/v1/booking/services",
        body: { services: [{ name: "Consultation", durationMinutes: 45, bufferMinutes: 0, aliases: ["consulta", "first visit"], reminderMinutes: [120] }, { name: "Estimate", durationMinutes: 20, bufferMinutes: 0, aliases: [] }] },
      },
    ]);
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "success" });
    await vi.waitFor(() => expect(sent.filter((s) => s.method === "GET")).toHaveLength(2));
  });

  it("shows the server's 400 reason in an Alert and on the field", async () => {
    const reason = 'Nothing was saved. "Consultation", duration: a service lasts at least 5 minutes';
    const { type, save, find, waitFor } = await renderBooking({
      "PUT /ui/v1/booking/services": () => json(400, { error: reason, problems: [{ index: 0, field: "durationMinutes", error: '"Consultation", duration: a service lasts at least 5 minutes' }] } satisfies ServicesRefusal),
    });
    type("service-duration-0", "3");
    save();
    await waitFor(() => expect(find(Alert).props.title).toBe("Service types not saved"));
    expect(find(Alert).text).toBe(reason);
    expect(find(Input, { name: "service-duration-0" }).props).toMatchObject({ error: true, validationMessage: '"Consultation", duration: a service lasts at least 5 minutes' });
    expect(find(Input, { name: "service-duration-1" }).props.error).toBe(false);
  });

  it("edits reminders (minutes before): a changed list is sent as numbers, words are caught before the server", async () => {
    const { sent, type, save, find, waitFor, mocks } = await renderBooking({ "PUT /ui/v1/booking/services": () => json(200, { saved: 2, created: 0, updated: 2, deleted: 0 } satisfies ServicesSaved) });
    expect(find(Input, { name: "service-reminders-1" }).props.value).toBe("1440, 60");
    type("service-reminders-0", "a day before");
    save();
    await waitFor(() => expect(find(Input, { name: "service-reminders-0" }).props.validationMessage).toMatch(/Minutes before/));
    expect(sent.filter((s) => s.method === "PUT")).toEqual([]);
    type("service-reminders-0", "2880, 30");
    type("service-reminders-1", "");
    save();
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    const body = sent.find((s) => s.method === "PUT")!.body as unknown as ServicesUpdateRequest;
    expect(body.services.map((s) => s.reminderMinutes)).toEqual([[2880, 30], []]);
  });

  it("shows the server's 409 when a removed service still has bookings", async () => {
    const reason = 'Nothing was saved: "Full service" cannot be removed, it has 2 upcoming bookings; cancel or move them first.';
    const { save, find, findByTestId, waitFor } = await renderBooking({ "PUT /ui/v1/booking/services": () => json(409, { error: reason, service: "Full service" } satisfies ApiError) });
    findByTestId(Button, "remove-service-1").trigger("onClick");
    save();
    await waitFor(() => expect(find(Alert).text).toBe(reason));
  });

  it("catches an empty name or a duration that is not a number without asking the server", async () => {
    const { sent, type, save, find, waitFor } = await renderBooking({});
    type("service-name-0", "  ");
    type("service-duration-1", "two hours");
    save();
    await waitFor(() => expect(find(Input, { name: "service-name-0" }).props.error).toBe(true));
    expect(find(Input, { name: "service-duration-1" }).props.validationMessage).toMatch(/whole number/);
    expect(find(Input, { name: "service-duration-0" }).props.error).toBe(false);
    expect(find(Alert).props.title).toBe("Service types not saved");
    expect(sent.map((s) => s.method)).toEqual(["GET"]);
  });
});

describe("booking tab: staff calendars", () => {
  it("shows each person's calendar and status, and a connect link to send only for Google / Microsoft staff", async () => {
    const { sent, find, findAll, findByTestId, waitFor, mocks } = await renderBooking({ "POST /ui/v1/booking/staff/s-casey/connect-link": () => json(200, { connectUrl: CONNECT_URL } satisfies ConnectLinkResponse) });
    const staffRows = findAll(TableRow).slice(-4).map((row) => row.findAll(TableCell).slice(0, 2).map((c) => c.text));
    expect(staffRows).toEqual([["Alex Rivera (alex@example.com)", "Built-in"], ["Blair Chen (blair@example.com)", "Google Calendar: blair@example.com"], ["Casey Morgan (casey@example.com)", "Google Calendar"], ["Devon Park (devon@example.com)", "Microsoft 365: devon.park@example.com"]]);
    expect(findAll(StatusTag).map((t) => [t.text, t.props.variant])).toEqual([["Built-in", "default"], ["Must reconnect", "warning"], ["Not connected", "info"], ["Connected", "success"]]);
    expect(findAll(Text).map((t) => t.text)).toContain("Last synced Jan 7, 8:00 AM");
    expect(findAll(Button, (b) => b.text === "Get connect link").map((b) => b.props.testId)).toEqual(["connect-link-s-blair", "connect-link-s-casey", "connect-link-s-devon"]);

    findByTestId(Button, "connect-link-s-casey").trigger("onClick");
    await waitFor(() => expect(find(Input, { name: "connect-link-s-casey" }).props).toMatchObject({ value: CONNECT_URL, readOnly: true, label: "Connect link for Casey Morgan" }));
    expect(sent.at(-1)).toEqual({ method: "POST", path: "/ui/v1/booking/staff/s-casey/connect-link", body: undefined });
    findByTestId(Button, "copy-link-s-casey").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.copyTextToClipboard.calls[0]![0]).toBe(CONNECT_URL));
  });

  it("warns that a staff member whose calendar refused us must reconnect", async () => {
    const { find } = await renderBooking({});
    const warning = find(Alert, (a) => a.props.variant === "warning");
    expect(warning.props.title).toBe("Blair Chen must reconnect their calendar");
    expect(warning.text).toMatch(/^Last error: the calendar refused our access \(revoked or expired\): reconnect it\. Until then the AI receptionist does not book Blair Chen\./);
  });

  it("shows why no link could be made (provider not configured)", async () => {
    const reason = "microsoft calendars are not configured: set MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET";
    const { find, findAll, findByTestId, waitFor } = await renderBooking({ "POST /ui/v1/booking/staff/s-devon/connect-link": () => json(400, { error: reason } satisfies ApiError) });
    findByTestId(Button, "connect-link-s-devon").trigger("onClick");
    await waitFor(() => expect(find(Alert, (a) => a.props.title === "No connect link").text).toBe(reason));
    expect(findAll(Input, (i) => i.props.name.startsWith("connect-link-"))).toEqual([]);
  });
});

describe("only super admins can change settings", () => {
  const NOT_SUPER_ADMIN = () => json(403, { error: "Only a super admin can change this.", code: "not_super_admin" } satisfies ApiError);

  it("a user who is not a super admin sees the server's sentence after saving the mapping", async () => {
    backendFixture({
      "GET /ui/v1/mapping": () => json(200, MAPPING),
      "GET /ui/v1/properties": () => json(200, PORTAL_PROPERTIES),
      "PUT /ui/v1/mapping": NOT_SUPER_ADMIN,
    });
    const { render, find, findAll, waitFor, mocks } = createRenderer("settings");
    render(<MappingEditor />);
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(4));
    find(Button, (b) => b.text === "Save mapping").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls[0]![0]).toEqual({ type: "danger", message: "Only a super admin can change this." }));
  });

  it("... and after saving service types, rotating a secret, replaying or asking for a connect link", async () => {
    const booking = await renderBooking({ "PUT /ui/v1/booking/services": NOT_SUPER_ADMIN, "POST /ui/v1/booking/staff/s-casey/connect-link": NOT_SUPER_ADMIN });
    booking.save();
    await booking.waitFor(() => expect(booking.find(Alert, (a) => a.props.title === "Service types not saved").text).toBe("Only a super admin can change this."));
    booking.findByTestId(Button, "connect-link-s-casey").trigger("onClick");
    await booking.waitFor(() => expect(booking.find(Alert, (a) => a.props.title === "No connect link").text).toBe("Only a super admin can change this."));
    vi.restoreAllMocks();

    backendFixture({
      "GET /ui/v1/connections": () => json(200, { connections: [connection({ id: "k1", vendor: "retell", vendorLabel: "Retell AI", webhookUrl: "https://api.example/webhooks/abc", toolsUrl: "https://api.example/tools/abc", lastDeliveryAt: null, lastError: null, weakSignature: false })], vendors: [] } satisfies ConnectionsResponse),
      "POST /ui/v1/connections/k1/secret": NOT_SUPER_ADMIN,
      "GET /ui/v1/fallback": () => json(200, { entries: [fallbackEntry({ id: "f1", vendor: "retell", reason: "HubSpot 503", ageSeconds: 60, caller: null, permanent: false })] } satisfies FallbackResponse),
      "POST /ui/v1/fallback/replay": NOT_SUPER_ADMIN,
    });
    const connections = createRenderer("settings");
    connections.render(<Connections />);
    await connections.waitFor(() => expect(connections.findByTestId(Button, "rotate-k1")).toBeTruthy());
    connections.findByTestId(Button, "rotate-k1").trigger("onClick");
    await vi.waitFor(() => expect(connections.mocks.actions.addAlert.calls[0]![0]).toEqual({ type: "danger", message: "Only a super admin can change this." }));
    const fallback = createRenderer("settings");
    fallback.render(<FallbackQueue />);
    await fallback.waitFor(() => expect(fallback.findByTestId(Button, "replay-f1")).toBeTruthy());
    fallback.findByTestId(Button, "replay-f1").trigger("onClick");
    await vi.waitFor(() => expect(fallback.mocks.actions.addAlert.calls[0]![0]).toEqual({ type: "danger", message: "Only a super admin can change this." }));
  });
});

describe("activity (audit log)", () => {
  const entry = (id: string, at: string, summary: string, actor: AuditEntryView["actor"] = { source: "settings_page", userId: "42", email: "admin@example.com" }): AuditEntryView => ({ id, at, actor, action: "mapping.saved", target: null, summary });

  it("lists who changed what and when, newest first, and pages back to older changes", async () => {
    const pages: AuditPage[] = [
      { entries: [entry("a3", "2030-01-07T16:00:00.000Z", "Signing secret rotated for the retell connection"), entry("a2", "2030-01-07T15:00:00.000Z", "Connected vapi", { source: "cli", userId: null, email: null })], nextBefore: "a2" },
      { entries: [entry("a1", "2030-01-06T09:30:00.000Z", "Field mapping saved: intent → company (fill if empty)")], nextBefore: null },
    ];
    backendFixture({ "GET /ui/v1/audit": () => json(200, pages.shift()) });
    const lastQuery = () => new URL(String(vi.mocked(hubspot.fetch).mock.calls.at(-1)![0])).searchParams;
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<AuditLog />);
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(3));
    const rows = () => findAll(TableRow).slice(1).map((row) => row.findAll(TableCell).map((c) => c.text));
    expect(rows()).toEqual([
      [expect.stringMatching(/^Jan 7/), "admin@example.com", "Signing secret rotated for the retell connection"],
      [expect.stringMatching(/^Jan 7/), "Operator (CLI)", "Connected vapi"],
    ]);
    find(Button, (b) => b.text === "Show older").trigger("onClick");
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(4));
    expect(lastQuery().get("before")).toBe("a2");
    expect(rows()[2]).toEqual([expect.stringMatching(/^Jan 6/), "admin@example.com", "Field mapping saved: intent → company (fill if empty)"]);
    expect(findAll(Button, (b) => b.text === "Show older")).toEqual([]);
  });

  it("says so when nothing was changed yet, and shows why the log could not load", async () => {
    backendFixture({ "GET /ui/v1/audit": () => json(200, { entries: [], nextBefore: null } satisfies AuditPage) });
    const empty = createRenderer("settings");
    empty.render(<AuditLog />);
    await empty.waitFor(() => expect(empty.findAll(Text).map((t) => t.text).join(" ")).toContain("No settings were changed yet"));
    vi.restoreAllMocks();
    backendFixture({ "GET /ui/v1/audit": () => json(503, { error: "temporarily unavailable, retry later" } satisfies ApiError) });
    const failed = createRenderer("settings");
    failed.render(<AuditLog />);
    await failed.waitFor(() => expect(failed.findAll(Text).map((t) => t.text)).toContain("temporarily unavailable, retry later"));
  });
});

describe("a tab whose data did not load", () => {
  const tabs: { name: string; tab: () => React.ReactElement; routes: Record<string, () => Response>; loaded: string }[] = [
    { name: "fallback queue", tab: () => <FallbackQueue />, routes: { "GET /ui/v1/fallback": () => json(200, { entries: [] } satisfies FallbackResponse) }, loaded: "Every call is in HubSpot" },
    { name: "connections", tab: () => <Connections />, routes: { "GET /ui/v1/connections": () => json(200, { connections: [], vendors: [] } satisfies ConnectionsResponse) }, loaded: "" },
    { name: "field mapping", tab: () => <MappingEditor />, routes: { "GET /ui/v1/mapping": () => json(200, MAPPING), "GET /ui/v1/properties": () => json(200, PORTAL_PROPERTIES) }, loaded: "" },
    { name: "booking", tab: () => <Booking />, routes: { "GET /ui/v1/booking": () => json(200, { configured: false } as BookingOverview) }, loaded: "not set up yet" },
  ];
  for (const { name, tab, routes, loaded } of tabs) {
    it(`${name}: shows the server's sentence, and "Try again" loads it once the server answers`, async () => {
      let down = true;
      const answered = Object.fromEntries(Object.entries(routes).map(([route, answer]) => [route, () => (down ? json(503, { error: "temporarily unavailable, retry later" } satisfies ApiError) : answer())]));
      backendFixture(answered);
      const { render, findAll, waitFor } = createRenderer("settings");
      render(tab());
      await waitFor(() => expect(findAll(Text).map((t) => t.text)).toContain("temporarily unavailable, retry later"));
      down = false;
      findAll(Button, (b) => b.text === "Try again")[0]!.trigger("onClick");
      await waitFor(() => expect(findAll(Text).map((t) => t.text)).not.toContain("temporarily unavailable, retry later"));
      expect(findAll(Button, (b) => b.text === "Try again")).toEqual([]);
      if (loaded) expect(findAll(Text).map((t) => t.text).join(" ")).toContain(loaded);
    });
  }
});

describe("booking tab: set up from HubSpot (time zone, staff, hours, breaks, days off)", () => {
  const saveStaff = (r: ReturnType<typeof createRenderer>) => r.find(Button, (b) => b.text === "Save staff").trigger("onClick");
  const typeIn = (r: ReturnType<typeof createRenderer>, name: string, value: string) => r.find(Input, { name }).trigger("onChange", value as never);
  const alertTexts = (r: ReturnType<typeof createRenderer>) => r.findAll(Alert).map((a) => a.text);

  it("not set up: the time zone sets booking up, then the editors appear", async () => {
    let configured = false;
    const sent = backendFixture({
      "GET /ui/v1/booking": () => json(200, configured ? OVERVIEW : ({ configured: false, timezone: null, services: [], staff: [], upcoming: 0, overlaps: [] } satisfies BookingOverview)),
      "PUT /ui/v1/booking/settings": (body) => {
        configured = true;
        return json(200, { timezone: String(body?.timezone), created: true } satisfies BusinessSettingsSaved);
      },
    });
    const r = createRenderer("settings");
    r.render(<Booking />);
    await r.waitFor(() => expect(r.findAll(Text).map((t) => t.text).join(" ")).toContain("not set up yet"));
    expect(r.findAll(Input, (i) => i.props.name.startsWith("staff-"))).toEqual([]);
    typeIn(r, "business-timezone", " America/Denver ");
    r.find(Button, (b) => b.text === "Set up booking").trigger("onClick");
    await r.waitFor(() => expect(r.findAll(Input, (i) => i.props.name.startsWith("staff-name-"))).toHaveLength(4));
    expect(sent.find((s) => s.method === "PUT")).toEqual({ method: "PUT", path: "/ui/v1/booking/settings", body: { timezone: "America/Denver" } });
    expect(r.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "success", message: "Booking is set up. Now add your staff and service types." });
  });

  it("shows each person's week and saves exactly what was edited: hours, a break, a day off, a removal", async () => {
    const sent = backendFixture({ "GET /ui/v1/booking": () => json(200, OVERVIEW), "PUT /ui/v1/booking/staff": () => json(200, { saved: 3, created: 0, updated: 3, deleted: 1 } satisfies StaffSaved) });
    const r = createRenderer("settings");
    r.render(<Booking />);
    await r.waitFor(() => expect(r.findAll(Input, (i) => i.props.name.startsWith("staff-name-"))).toHaveLength(4));
    expect(r.find(Input, { name: "staff-hours-mon-0" }).props.value).toBe("09:00-17:00");
    expect(r.find(Input, { name: "staff-hours-sat-0" }).props.value).toBe("");
    expect(r.find(Input, { name: "staff-breaks-tue-0" }).props.value).toBe("12:00-13:00");
    typeIn(r, "staff-hours-mon-0", "10:00-16:00");
    typeIn(r, "staff-breaks-mon-0", "12:30-13:00, 15:00-15:15");
    typeIn(r, "staff-hours-sat-0", "09:00-12:00");
    typeIn(r, "staff-daysoff-0", "2030-12-24, 2030-12-31");
    r.findByTestId(Button, "remove-staff-3").trigger("onClick");
    saveStaff(r);
    await vi.waitFor(() => expect(sent.some((s) => s.method === "PUT")).toBe(true));
    const body = sent.find((s) => s.method === "PUT")!.body as unknown as StaffUpdateRequest;
    expect(body.staff.map((m) => m.email)).toEqual(["alex@example.com", "blair@example.com", "casey@example.com"]);
    expect(body.staff[0]).toEqual({
      name: "Alex Rivera",
      email: "alex@example.com",
      calendar: "builtin",
      timezone: "America/Los_Angeles",
      hours: { ...WEEKDAYS_9_TO_5.hours, mon: ["10:00", "16:00"], sat: ["09:00", "12:00"] },
      breaks: { ...WEEKDAYS_9_TO_5.breaks, mon: [["12:30", "13:00"], ["15:00", "15:15"]] },
      daysOff: ["2030-12-24", "2030-12-31"],
    });
    expect(body.staff[1]).toMatchObject({ calendar: "google", hours: WEEKDAYS_9_TO_5.hours });
  });

  it("catches hours that are not from-to times and dates that are not dates, without asking the server", async () => {
    const sent = backendFixture({ "GET /ui/v1/booking": () => json(200, OVERVIEW) });
    const r = createRenderer("settings");
    r.render(<Booking />);
    await r.waitFor(() => expect(r.findAll(Input, (i) => i.props.name.startsWith("staff-name-"))).toHaveLength(4));
    typeIn(r, "staff-hours-wed-1", "9-5");
    typeIn(r, "staff-daysoff-1", "Christmas");
    typeIn(r, "staff-email-2", "casey at example");
    saveStaff(r);
    await r.waitFor(() => expect(alertTexts(r)).toContain("Some fields need a fix (highlighted below); nothing was saved."));
    expect(r.find(Input, { name: "staff-hours-wed-1" }).props.validationMessage).toMatch(/09:00-17:00/);
    expect(r.find(Input, { name: "staff-daysoff-1" }).props.validationMessage).toMatch(/YYYY-MM-DD/);
    expect(r.find(Input, { name: "staff-email-2" }).props.validationMessage).toMatch(/e-mail address/);
    expect(sent.filter((s) => s.method === "PUT")).toEqual([]);
  });

  it("shows the server's reasons (400 per field, 409 for a person with bookings ahead)", async () => {
    const problems = [{ index: 0, field: "email", error: '"Alex Rivera", e-mail: alex@example.com is listed twice' }, { index: 1, field: "breaks", error: '"Blair Chen", break mon 1: the break 16:30-17:30 is outside mon\'s hours 09:00-17:00' }];
    let answer = json(400, { error: `Nothing was saved. ${problems.map((p) => p.error).join("; ")}`, problems } satisfies StaffRefusal);
    backendFixture({ "GET /ui/v1/booking": () => json(200, OVERVIEW), "PUT /ui/v1/booking/staff": () => answer });
    const r = createRenderer("settings");
    r.render(<Booking />);
    await r.waitFor(() => expect(r.findAll(Input, (i) => i.props.name.startsWith("staff-name-"))).toHaveLength(4));
    saveStaff(r);
    await r.waitFor(() => expect(alertTexts(r).join(" ")).toContain("outside mon's hours"));
    expect(r.find(Input, { name: "staff-email-0" }).props.validationMessage).toBe(problems[0]!.error);
    answer = json(409, { error: "Nothing was saved: Devon Park cannot be removed, 1 upcoming booking is with them; cancel or move it first.", staff: "Devon Park" } satisfies ApiError);
    r.findByTestId(Button, "remove-staff-3").trigger("onClick");
    saveStaff(r);
    await r.waitFor(() => expect(alertTexts(r)).toContain("Nothing was saved: Devon Park cannot be removed, 1 upcoming booking is with them; cancel or move it first."));
  });
});

describe("booking tab: double bookings made by hand", () => {
  it("shows each open overlap as a warning naming the person, the booking and the calendar event", async () => {
    const overlaps: OverlapView[] = [{ bookingId: "b1", reference: "K7M4QXR9", staff: "Devon Park", service: "Consultation", start: "2030-01-08T18:00:00.000Z", eventStart: "2030-01-08T18:15:00.000Z", eventEnd: "2030-01-08T18:45:00.000Z", foundAt: "2030-01-07T12:00:00.000Z" }];
    backendFixture({ "GET /ui/v1/booking": () => json(200, { ...OVERVIEW, overlaps } satisfies BookingOverview) });
    const r = createRenderer("settings");
    r.render(<Booking />);
    await r.waitFor(() => expect(r.findAll(Alert).map((a) => a.props.title)).toContain("Double booking: Devon Park, Jan 8, 10:00 AM"));
    const alert = r.findAll(Alert).find((a) => a.props.title.startsWith("Double booking"))!;
    expect(alert.props.variant).toBe("warning");
    expect(alert.text).toBe("An event in Devon Park's own calendar (Jan 8, 10:15 AM) overlaps the Consultation the AI receptionist booked (reference K7M4QXR9). Move the event or the booking; this goes away once they no longer overlap.");
  });
});

describe("booking tab: HubSpot meeting links without their permission", () => {
  it("says who waits for the meeting-link permission and links to re-authorising; says nothing once it is granted", async () => {
    backendFixture({ "GET /ui/v1/booking": () => json(200, { ...OVERVIEW, meetingLinksNeedScope: { staff: ["Devon Park"], reconnectUrl: "https://app.example/oauth/install" } } satisfies BookingOverview) });
    const r = createRenderer("settings");
    r.render(<Booking />);
    await r.waitFor(() => expect(r.findAll(Alert).map((a) => a.props.title)).toContain("HubSpot meeting links need one more permission"));
    const alert = r.findAll(Alert).find((a) => a.props.title === "HubSpot meeting links need one more permission")!;
    expect(alert.props.variant).toBe("warning");
    expect(alert.find(Text).text).toContain("Devon Park books on a HubSpot meeting link");
    expect(alert.find(Link).props.href).toBe("https://app.example/oauth/install");

    backendFixture({ "GET /ui/v1/booking": () => json(200, OVERVIEW) });
    const granted = createRenderer("settings");
    granted.render(<Booking />);
    await granted.waitFor(() => expect(granted.findAll(Heading).length).toBeGreaterThan(0));
    expect(granted.findAll(Alert).map((a) => a.props.title)).not.toContain("HubSpot meeting links need one more permission");
  });
});

describe("booking tab: which scheduling-system type serves each service", () => {
  const PROBLEM = 'Acuity Scheduling\'s "Deep dive" (502) lasts 45 minutes but Full service lasts 120: make them the same, or map another type';
  const staffOn = (fields: Pick<StaffView, "id" | "name" | "email" | "calendar" | "calendarStatus" | "serviceTypes" | "webhookKey">): StaffView => ({ timezone: "America/Los_Angeles", ...WEEKDAYS_9_TO_5, calendarAccount: fields.calendarStatus === "connected" ? fields.email : null, lastSyncAt: null, lastError: null, ...fields });
  const unmapped = [{ service: "Consultation", typeId: null, problem: null }, { service: "Full service", typeId: null, problem: null }];
  const SCHEDULING_OVERVIEW: BookingOverview = {
    ...OVERVIEW,
    staff: [
      staffOn({ id: "s-dana", name: "Dana Reyes", email: "dana@example.com", calendar: "calendly", calendarStatus: "connected", serviceTypes: unmapped, webhookKey: null }),
      staffOn({ id: "s-jo", name: "Jo Park", email: "jo@example.com", calendar: "acuity", calendarStatus: "not_connected", serviceTypes: unmapped, webhookKey: null }),
      staffOn({ id: "s-morgan", name: "Morgan Lee", email: "morgan@example.com", calendar: "acuity", calendarStatus: "connected", serviceTypes: [{ service: "Consultation", typeId: "501", problem: null }, { service: "Full service", typeId: "502", problem: PROBLEM }], webhookKey: "missing" }),
    ],
  };
  const MORGAN_TYPES: StaffTypesResponse = {
    staffId: "s-morgan",
    provider: "Acuity Scheduling",
    types: [{ id: "501", name: "Consultation", durationMinutes: 30 }, { id: "502", name: "Deep dive", durationMinutes: 45 }, { id: "503", name: "Full day", durationMinutes: 120 }],
    mapping: SCHEDULING_OVERVIEW.staff[2]!.serviceTypes!,
    calendarId: null,
    webhookKey: "missing",
  };
  const DANA_TYPES: StaffTypesResponse = { staffId: "s-dana", provider: "Calendly", types: [{ id: "EVT-CONSULT-30", name: "Consultation", durationMinutes: 30 }], mapping: unmapped, calendarId: null, webhookKey: null };
  const select = (r: ReturnType<typeof createRenderer>, staff: string, service: string) => r.find(Select, { name: `service-type-${staff}-${service}` });

  async function renderTypes(routes: Record<string, (body: Record<string, unknown> | undefined) => Response> = {}) {
    const sent = backendFixture({ "GET /ui/v1/booking": () => json(200, SCHEDULING_OVERVIEW), "GET /ui/v1/booking/staff/s-morgan/types": () => json(200, MORGAN_TYPES), "GET /ui/v1/booking/staff/s-dana/types": () => json(200, DANA_TYPES), ...routes });
    const r = createRenderer("settings");
    r.render(<Booking />);
    await r.waitFor(() => expect(r.findAll(Select, (s) => !!s.props.name?.startsWith("service-type-s-morgan-"))).toHaveLength(2));
    return { r, sent };
  }

  it("before the calendar is connected: a line saying to connect it first, and its types are not asked for", async () => {
    const { r, sent } = await renderTypes();
    expect(r.findAll(Text).map((t) => t.text)).toContain("Connect Jo Park's Acuity Scheduling first (Staff calendars, above): then choose here which Acuity appointment type serves each service.");
    expect(r.findAll(Select, (s) => !!s.props.name?.startsWith("service-type-s-jo-"))).toEqual([]);
    expect(sent.map((s) => s.path)).not.toContain("/ui/v1/booking/staff/s-jo/types");
  });

  it("while the calendar's types load: a spinner naming them", async () => {
    backendFixture({ "GET /ui/v1/booking": () => json(200, { ...SCHEDULING_OVERVIEW, staff: [SCHEDULING_OVERVIEW.staff[2]!] }), "GET /ui/v1/booking/staff/s-morgan/types": () => new Promise<Response>(() => undefined) as unknown as Response });
    const r = createRenderer("settings");
    r.render(<Booking />);
    await r.waitFor(() => expect(r.find(LoadingSpinner, (s) => s.props.label.startsWith("Loading Morgan")).props.label).toBe("Loading Morgan Lee's Acuity appointment types"));
    expect(r.findAll(Select, (s) => !!s.props.name?.startsWith("service-type-"))).toEqual([]);
  });

  it("lists the types the calendar offers with their minutes, one row per service, the current choice selected, and a summary per person", async () => {
    const { r } = await renderTypes();
    expect(select(r, "s-morgan", "Consultation").props.options.map((o: { label: string }) => o.label)).toEqual(["Not offered", "Consultation (30 min)", "Deep dive (45 min)", "Full day (120 min)"]);
    expect(select(r, "s-morgan", "Consultation").props.value).toBe("501");
    await r.waitFor(() => expect(select(r, "s-dana", "Consultation").props.value).toBe(""));
    expect(r.findAll(Text).map((t) => t.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^Which Calendly event type books each service for Dana Reyes/), expect.stringMatching(/^Which Acuity appointment type books each service for Morgan Lee/)]));
    // Calendly asks for no calendar id and no key (the app chose it); Acuity for both.
    expect(r.findAll(Input, (i) => i.props.name === "calendar-id-s-dana" || i.props.name === "webhook-key-s-dana")).toEqual([]);
    expect(r.find(Input, { name: "calendar-id-s-morgan" }).props.label).toBe("Acuity Scheduling calendar id (optional)");
    const summaries = r.findAll(TableRow).filter((row) => row.findAll(TableCell).length === 5).map((row) => row.findAll(TableCell).map((c) => c.text)[3]);
    expect(summaries).toEqual(["0 of 2 mapped", "0 of 2 mapped", "2 of 2 mapped, 1 to fix"]);
  });

  it("shows the stored problem on its row", async () => {
    const { r } = await renderTypes();
    expect(select(r, "s-morgan", "Full service").props).toMatchObject({ value: "502", error: true, validationMessage: PROBLEM });
    expect(select(r, "s-morgan", "Consultation").props.error).toBe(false);
  });

  it("a save the server refuses: its reason in an Alert and on each field, the choices kept", async () => {
    const tooLong = 'Acuity Scheduling\'s "Deep dive" (502) lasts 45 minutes but Consultation lasts 30: make them the same, or map another type';
    const problems = [
      { service: "Consultation", field: "type" as const, error: tooLong },
      { service: null, field: "calendarId" as const, error: "calendar id: an Acuity calendar id is a number" },
    ];
    const { r, sent } = await renderTypes({ "PUT /ui/v1/booking/staff/s-morgan/types": () => json(400, { error: `Nothing was saved. ${problems.map((p) => p.error).join("; ")}`, problems } satisfies StaffTypesRefusal) });
    select(r, "s-morgan", "Consultation").trigger("onChange", "502" as never);
    select(r, "s-morgan", "Full service").trigger("onChange", "" as never);
    r.find(Input, { name: "calendar-id-s-morgan" }).trigger("onChange", "main" as never);
    r.findByTestId(Button, "save-types-s-morgan").trigger("onClick");
    await r.waitFor(() => expect(r.find(Alert, (a) => a.props.title === "Services not saved").text).toBe(`Nothing was saved. ${tooLong}; calendar id: an Acuity calendar id is a number`));
    expect(sent.find((s) => s.method === "PUT")).toEqual({ method: "PUT", path: "/ui/v1/booking/staff/s-morgan/types", body: { types: { Consultation: "502" }, calendarId: "main" } });
    expect(select(r, "s-morgan", "Consultation").props).toMatchObject({ value: "502", error: true, validationMessage: tooLong });
    expect(r.find(Input, { name: "calendar-id-s-morgan" }).props).toMatchObject({ error: true, validationMessage: "calendar id: an Acuity calendar id is a number", value: "main" });
    // Its stored problem was about the type no longer chosen.
    expect(select(r, "s-morgan", "Full service").props).toMatchObject({ value: "", error: false });
  });

  it("a save that holds: exactly the choices sent, a success alert, and the rows as the server stored them", async () => {
    const stored: StaffTypesResponse = { ...MORGAN_TYPES, mapping: [{ service: "Consultation", typeId: "501", problem: null }, { service: "Full service", typeId: "503", problem: null }], calendarId: "7" };
    const { r, sent } = await renderTypes({ "PUT /ui/v1/booking/staff/s-morgan/types": () => json(200, stored) });
    select(r, "s-morgan", "Full service").trigger("onChange", "503" as never);
    r.find(Input, { name: "calendar-id-s-morgan" }).trigger("onChange", " 7 " as never);
    r.findByTestId(Button, "save-types-s-morgan").trigger("onClick");
    await vi.waitFor(() => expect(r.mocks.actions.addAlert.calls.length).toBe(1));
    expect(r.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "success", message: "Services saved for Morgan Lee. The AI receptionist offers them within seconds." });
    expect(sent.find((s) => s.method === "PUT")!.body).toEqual({ types: { Consultation: "501", "Full service": "503" }, calendarId: "7" });
    await r.waitFor(() => expect(select(r, "s-morgan", "Full service").props).toMatchObject({ value: "503", error: false }));
    expect(r.find(Input, { name: "calendar-id-s-morgan" }).props.value).toBe("7");
    expect(r.findAll(Alert, (a) => a.props.title === "Services not saved")).toEqual([]);
  });

  it("Acuity's API key: a password field, sent once, then only \"Stored\" (never the value)", async () => {
    const { r, sent } = await renderTypes({ "PUT /ui/v1/booking/staff/s-morgan/webhook-key": () => json(200, { webhookKey: "stored" } satisfies WebhookKeySaved) });
    const field = () => r.find(Input, { name: "webhook-key-s-morgan" });
    expect(field().props).toMatchObject({ type: "password", label: "API key for change notifications", value: "" });
    expect(field().props.description).toMatch(/^Not stored yet/);
    expect(r.findAll(StatusTag).map((t) => t.text)).toContain("Not stored");
    field().trigger("onChange", " 0123456789abcdef0123456789abcdef " as never);
    r.findByTestId(Button, "store-key-s-morgan").trigger("onClick");
    await r.waitFor(() => expect(r.findAll(StatusTag).map((t) => t.text)).toContain("Stored"));
    expect(sent.find((s) => s.method === "PUT")).toEqual({ method: "PUT", path: "/ui/v1/booking/staff/s-morgan/webhook-key", body: { key: "0123456789abcdef0123456789abcdef" } });
    expect(field().props.value).toBe("");
    expect(field().props.description).toMatch(/^Stored\. Paste a new one only to replace it\./);
    expect(JSON.stringify(r.findAll(Text).map((t) => t.text))).not.toContain("0123456789abcdef");
  });

  it("a calendar whose types cannot be read: the server's sentence, and a retry", async () => {
    const reason = "Acuity Scheduling did not answer, so Morgan Lee's types could not be read and nothing was changed. Try again in a minute.";
    let answer = () => json(502, { error: reason } satisfies ApiError);
    backendFixture({ "GET /ui/v1/booking": () => json(200, { ...SCHEDULING_OVERVIEW, staff: [SCHEDULING_OVERVIEW.staff[2]!] }), "GET /ui/v1/booking/staff/s-morgan/types": () => answer() });
    const r = createRenderer("settings");
    r.render(<Booking />);
    await r.waitFor(() => expect(r.find(ErrorState).props.title).toBe("Couldn't load Morgan Lee's Acuity appointment types"));
    expect(r.find(ErrorState).find(Text).text).toBe(reason);
    answer = () => json(200, MORGAN_TYPES);
    r.find(Button, (b) => b.text === "Try again").trigger("onClick");
    await r.waitFor(() => expect(r.findAll(Select, (s) => !!s.props.name?.startsWith("service-type-s-morgan-"))).toHaveLength(2));
  });
});
