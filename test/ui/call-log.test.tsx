import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { BarChart, Button, DateInput, ErrorState, LineChart, Link, Select, StatisticsItem, StatusTag, TableCell, Tag, TableRow, Text, Tile, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { ApiError, CallLogEntry, CallLogPage, CallOverview as Overview, QuarantinedPayloadView, ReplayResponse } from "../../hubspot-app/app/shared/api.js";
import { CallLog } from "../../hubspot-app/app/settings/CallLog.js";
import { CallOverview } from "../../hubspot-app/app/settings/CallOverview.js";

// The Calls tab: the overview and the call log, against fixtures typed by the /ui/v1 API module.

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Answers hubspot.fetch by method and path, recording each request's query. */
function backendFixture(routes: Record<string, (query: URLSearchParams, body: Record<string, unknown> | undefined) => Response>) {
  const sent: { method: string; path: string; query: URLSearchParams; body?: Record<string, unknown> }[] = [];
  vi.spyOn(hubspot, "fetch").mockImplementation(async (url, options) => {
    const parsed = new URL(String(url));
    const method = options?.method ?? "GET";
    sent.push({ method, path: parsed.pathname, query: parsed.searchParams, body: options?.body });
    const route = routes[`${method} ${parsed.pathname}`];
    if (!route) throw new Error(`unexpected ${method} ${parsed.pathname}`);
    return route(parsed.searchParams, options?.body);
  });
  return sent;
}

afterEach(() => vi.restoreAllMocks());

const EMPTY_OVERVIEW: Overview = { days: 30, timezone: "UTC", totals: { calls: 0, synced: 0, failing: 0, bookings: 0, escalations: 0, newContacts: 0 }, perDay: [], sentiment: [] };
const OVERVIEW: Overview = {
  days: 30,
  timezone: "America/Los_Angeles",
  totals: { calls: 12, synced: 10, failing: 1, bookings: 3, escalations: 2, newContacts: 4 },
  perDay: [
    { day: "2030-01-05", disposition: "booked", calls: 3 },
    { day: "2030-01-05", disposition: "info_only", calls: 5 },
    { day: "2030-01-06", disposition: "unknown", calls: 4 },
  ],
  sentiment: [
    { day: "2030-01-05", sentiment: "positive", calls: 6 },
    { day: "2030-01-06", sentiment: "negative", calls: 2 },
  ],
};

/** A log entry; the tests name only what they are about. */
const entry = (fields: Pick<CallLogEntry, "id" | "status"> & Partial<CallLogEntry>): CallLogEntry => ({
  kind: "call",
  vendor: "retell",
  at: "2030-01-06T15:00:00.000Z",
  startedAt: "2030-01-06T14:57:00.000Z",
  durationMs: 184_000,
  caller: "+1******0134",
  callerName: null,
  disposition: null,
  summary: null,
  contactId: null,
  matchedVia: null,
  sharedNumber: null,
  movedAt: null,
  contactUrl: null,
  hubspotCallUrl: null,
  reason: null,
  replayable: false,
  ...fields,
});

const SYNCED = entry({ id: "c1", status: "synced", callerName: "Kim Lee", contactId: "501", matchedVia: "search", contactUrl: "https://app.hubspot.com/contacts/123/record/0-1/501", hubspotCallUrl: "https://app.hubspot.com/contacts/123/record/0-48/9001", disposition: "booked" });
const FAILED = entry({ id: "c2", status: "fallback", reason: "HubSpot refused the call (400): Property values were not valid", replayable: true });
const QUARANTINED = entry({ id: "q1", kind: "quarantined", status: "quarantined", vendor: "vapi", caller: null, durationMs: null, startedAt: null, reason: "message.call.id: Required" });

/** The log with the overview above it; `log` answers GET /call-log. */
function renderLog(log: (query: URLSearchParams) => Response, routes: Record<string, (query: URLSearchParams, body: Record<string, unknown> | undefined) => Response> = {}) {
  const sent = backendFixture({ "GET /ui/v1/call-log/overview": () => json(200, OVERVIEW), "GET /ui/v1/call-log": log, ...routes });
  const renderer = createRenderer("settings");
  renderer.render(<CallLog />);
  const logQueries = () => sent.filter((s) => s.path === "/ui/v1/call-log").map((s) => s.query);
  return { ...renderer, sent, logQueries };
}

const texts = (findAll: ReturnType<typeof createRenderer>["findAll"]) => findAll(Text).map((t) => t.text);

describe("calls tab: the overview", () => {
  it("shows the totals as statistics and the days as a stacked bar chart and a sentiment line chart", async () => {
    backendFixture({ "GET /ui/v1/call-log/overview": () => json(200, OVERVIEW) });
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<CallOverview />);
    await waitFor(() => expect(findAll(StatisticsItem)).toHaveLength(6));
    expect(Object.fromEntries(findAll(StatisticsItem).map((s) => [s.props.label, s.props.number]))).toEqual({ "Calls, last 30 days": 12, "In HubSpot": 10, "Bookings made": 3, Escalations: 2, "New contacts": 4, "Need attention": 1 });
    const bar = find(BarChart);
    expect(bar.props.data).toEqual([
      { day: "Jan 5", disposition: "booked", calls: 3 },
      { day: "Jan 5", disposition: "info only", calls: 5 },
      { day: "Jan 6", disposition: "unknown", calls: 4 },
    ]);
    expect(bar.props.axes).toMatchObject({ x: { field: "day", fieldType: "category" }, y: { field: "calls", fieldType: "linear" }, options: { groupFieldByColor: "disposition", stacking: true } });
    expect(bar.props.options?.title).toContain("America/Los_Angeles");
    const line = find(LineChart);
    expect(line.props.data).toEqual([{ day: "Jan 5", sentiment: "positive", calls: 6 }, { day: "Jan 6", sentiment: "negative", calls: 2 }]);
    expect(line.props.axes.options).toMatchObject({ groupFieldByColor: "sentiment" });
  });

  it("says the charts fill in when there were no calls, and shows why it could not load", async () => {
    backendFixture({ "GET /ui/v1/call-log/overview": () => json(200, EMPTY_OVERVIEW) });
    const empty = createRenderer("settings");
    empty.render(<CallOverview />);
    await empty.waitFor(() => expect(texts(empty.findAll).join(" ")).toContain("the charts fill in as calls arrive"));
    expect(empty.findAll(BarChart)).toEqual([]);
    vi.restoreAllMocks();
    backendFixture({ "GET /ui/v1/call-log/overview": () => json(503, { error: "HubSpot is not answering right now; try again in a minute." } satisfies ApiError) });
    const failed = createRenderer("settings");
    failed.render(<CallOverview />);
    await failed.waitFor(() => expect(failed.find(ErrorState).props.title).toBe("Couldn't load the overview"));
  });
});

describe("calls tab: the call log", () => {
  it("lists each call with its status, contact, how it was matched, links into HubSpot and the failure reason", async () => {
    const { findAll, waitFor } = renderLog(() => json(200, { entries: [SYNCED, FAILED, QUARANTINED], nextCursor: null } satisfies CallLogPage));
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(4));
    expect(findAll(StatusTag).filter((t) => ["success", "danger"].includes(String(t.props.variant))).map((t) => t.text)).toEqual(["Synced", "In the fallback queue", "Quarantined"]);
    const links = findAll(Link).map((l) => [l.text, (l.props.href as { url: string }).url]);
    expect(links).toEqual([
      ["Kim Lee", "https://app.hubspot.com/contacts/123/record/0-1/501"],
      ["Call in HubSpot", "https://app.hubspot.com/contacts/123/record/0-48/9001"],
    ]);
    const shown = texts(findAll).join(" | ");
    expect(shown).toContain("found by HubSpot search");
    expect(shown).toContain("booked, 3m 04s");
    expect(shown).toContain("not in HubSpot yet");
    const reasons = findAll(TableRow).slice(1).map((row) => row.findAll(TableCell)[4]!.text ?? "");
    expect(reasons).toEqual(["", "HubSpot refused the call (400): Property values were not valid", "message.call.id: Required"]);
    expect(findAll(Button, (b) => b.text === "Replay").map((b) => b.props.testId)).toEqual(["replay-c2"]);
  });

  it("marks a call on a number several contacts share, one flagged for review, and a call a rep moved", async () => {
    const shared = entry({ id: "c3", status: "synced", contactId: "502", matchedVia: "search", sharedNumber: { candidates: 3, rule: "most_recent_activity", needsReview: false } });
    const review = entry({ id: "c4", status: "synced", contactId: "503", matchedVia: "search", sharedNumber: { candidates: 2, rule: "flag_for_review", needsReview: true } });
    const moved = entry({ id: "c5", status: "synced", contactId: "504", matchedVia: "index", movedAt: "2030-01-06T16:00:00.000Z" });
    const { findAll, waitFor } = renderLog(() => json(200, { entries: [shared, review, moved, SYNCED], nextCursor: null } satisfies CallLogPage));
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(5));
    expect(findAll(Tag).map((t) => [t.props.variant, t.text])).toEqual([
      ["default", "number shared by 3 contacts, picked by most recent activity"],
      ["warning", "Check: number shared by 2 contacts, picked by flag for review"],
    ]);
    expect(texts(findAll).filter((t) => t === "Moved here by a rep")).toHaveLength(1);
  });

  it("says so when no call has arrived, and when none matches the filters", async () => {
    const { findAll, find, waitFor } = renderLog(() => json(200, { entries: [], nextCursor: null } satisfies CallLogPage));
    await waitFor(() => expect(texts(findAll).join(" ")).toContain("No call has arrived yet"));
    find(Select, { name: "vendor" }).trigger("onChange", "bland" as never);
    await waitFor(() => expect(texts(findAll).join(" ")).toContain("No call matches these filters."));
  });

  it("shows why the log could not load, and loads again on retry", async () => {
    let fail = true;
    const { find, findAll, waitFor } = renderLog(() => (fail ? json(503, { error: "temporarily unavailable, retry later" } satisfies ApiError) : json(200, { entries: [SYNCED], nextCursor: null } satisfies CallLogPage)));
    await waitFor(() => expect(findAll(ErrorState).map((e) => e.props.title)).toContain("Couldn't load the calls"));
    expect(texts(findAll)).toContain("temporarily unavailable, retry later");
    fail = false;
    find(ErrorState, (e) => e.props.title === "Couldn't load the calls").find(Button).trigger("onClick");
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(2));
  });

  it("asks the server again with each filter: status, vendor and days", async () => {
    const { find, waitFor, logQueries } = renderLog(() => json(200, { entries: [SYNCED], nextCursor: null } satisfies CallLogPage));
    await waitFor(() => expect(logQueries()).toHaveLength(1));
    expect([...logQueries()[0]!.keys()]).toEqual(["limit"]);
    find(Select, { name: "status" }).trigger("onChange", "fallback" as never);
    await waitFor(() => expect(logQueries()).toHaveLength(2));
    find(Select, { name: "vendor" }).trigger("onChange", "vapi" as never);
    await waitFor(() => expect(logQueries()).toHaveLength(3));
    find(DateInput, { name: "from" }).trigger("onChange", { year: 2030, month: 0, date: 5 } as never);
    await waitFor(() => expect(logQueries()).toHaveLength(4));
    find(DateInput, { name: "to" }).trigger("onChange", { year: 2030, month: 11, date: 31 } as never);
    await waitFor(() => expect(logQueries()).toHaveLength(5));
    expect(Object.fromEntries(logQueries()[4]!)).toEqual({ limit: "25", status: "fallback", vendor: "vapi", from: "2030-01-05", to: "2030-12-31" });
    find(Select, { name: "status" }).trigger("onChange", "all" as never);
    await waitFor(() => expect(logQueries()).toHaveLength(6));
    expect(logQueries()[5]!.has("status")).toBe(false);
  });

  it("pages by the server's cursor, appending older calls, until the last page", async () => {
    const { find, findAll, waitFor, logQueries } = renderLog((query) =>
      json(200, (query.get("cursor") === "page-2" ? { entries: [entry({ id: "c9", status: "received" })], nextCursor: null } : { entries: [SYNCED, FAILED], nextCursor: "page-2" }) satisfies CallLogPage),
    );
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(3));
    find(Button, (b) => b.text === "Show older").trigger("onClick");
    await waitFor(() => expect(findAll(TableRow)).toHaveLength(4));
    expect(logQueries()[1]!.get("cursor")).toBe("page-2");
    expect(findAll(StatusTag).map((t) => t.text)).toContain("Received");
    expect(findAll(Button, (b) => b.text === "Show older")).toEqual([]);
  });

  it("replays a call of the fallback queue and shows the log again", async () => {
    let entries = [FAILED];
    const { findByTestId, findAll, waitFor, mocks, sent } = renderLog(() => json(200, { entries, nextCursor: null } satisfies CallLogPage), {
      "POST /ui/v1/call-log/c2/replay": () => {
        entries = [{ ...FAILED, status: "received", replayable: false, reason: null }];
        return json(200, { replayed: ["f-c2"] } satisfies ReplayResponse);
      },
    });
    await waitFor(() => expect(findByTestId(Button, "replay-c2")).toBeTruthy());
    findByTestId(Button, "replay-c2").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "success", message: "The call was sent to HubSpot again." }));
    await waitFor(() => expect(findAll(StatusTag).map((t) => t.text)).toContain("Received"));
    expect(sent.filter((s) => s.method === "POST").map((s) => s.path)).toEqual(["/ui/v1/call-log/c2/replay"]);
  });

  it("shows the server's reason when a user who is not a super admin replays", async () => {
    const { findByTestId, waitFor, mocks } = renderLog(() => json(200, { entries: [FAILED], nextCursor: null } satisfies CallLogPage), {
      "POST /ui/v1/call-log/c2/replay": () => json(403, { error: "Only a super admin can change this.", code: "not_super_admin" } satisfies ApiError),
    });
    await waitFor(() => expect(findByTestId(Button, "replay-c2")).toBeTruthy());
    findByTestId(Button, "replay-c2").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls[0]![0]).toEqual({ type: "danger", message: "Only a super admin can change this." }));
  });

  it("shows a quarantined payload with its reason", async () => {
    const payload: QuarantinedPayloadView = { id: "q1", vendor: "vapi", reason: "message.call.id: Required", receivedAt: "2030-01-06T15:00:00.000Z", body: '{"message":{"type":"end-of-call-report"}}', truncated: null };
    const { findByTestId, find, findAll, waitFor } = renderLog(() => json(200, { entries: [QUARANTINED], nextCursor: null } satisfies CallLogPage), {
      "GET /ui/v1/call-log/quarantined/q1": () => json(200, payload),
    });
    await waitFor(() => expect(findByTestId(Button, "payload-q1")).toBeTruthy());
    findByTestId(Button, "payload-q1").trigger("onClick");
    await waitFor(() => expect(findAll(Tile)).toHaveLength(1));
    expect(find(Tile).findAll(Text).map((t) => t.text)).toEqual(expect.arrayContaining(['{"message":{"type":"end-of-call-report"}}', "Why: message.call.id: Required"]));
    find(Tile).find(Button, (b) => b.text === "Close").trigger("onClick");
    await waitFor(() => expect(findAll(Tile)).toHaveLength(0));
  });
});
