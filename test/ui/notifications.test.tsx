import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Button, Checkbox, Input, StatusTag, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { ApiError, NotificationSettingsResponse, NotificationSettingsUpdateRequest, NotificationTestResponse } from "../../hubspot-app/app/shared/api.js";
import { Notifications } from "../../hubspot-app/app/settings/NotificationsTab.js";

// The Notifications tab, rendered with HubSpot's test renderer; fixtures typed by the /ui/v1 API module.
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const SAVED: NotificationSettingsResponse = {
  slack: "hooks.slack.com, ending …k3n9",
  teams: null,
  email: "ops@example.com",
  events: ["escalation", "fallback"],
  canEmail: true,
  lastResults: { slack: { ok: false, reason: "hooks.slack.com answered HTTP 404", at: "2026-12-01T10:00:00.000Z" }, email: { ok: true, at: "2026-12-01T10:00:00.000Z" } },
};

function backendFixture(answers: { get?: () => Response; put?: (body: NotificationSettingsUpdateRequest) => Response; test?: () => Response }) {
  const sent: { method: string; body: unknown }[] = [];
  vi.spyOn(hubspot, "fetch").mockImplementation(async (url, options) => {
    const path = new URL(String(url)).pathname;
    const method = options?.method ?? "GET";
    if (path === "/ui/v1/notifications" && method === "GET") return (answers.get ?? (() => json(200, SAVED)))();
    sent.push({ method: `${method} ${path}`, body: options?.body });
    if (path === "/ui/v1/notifications" && method === "PUT" && answers.put) return answers.put(options!.body as unknown as NotificationSettingsUpdateRequest);
    if (path === "/ui/v1/notifications/test" && answers.test) return answers.test();
    throw new Error(`unexpected ${method} ${path}`);
  });
  return sent;
}

afterEach(() => vi.restoreAllMocks());

describe("notifications tab", () => {
  it("shows where each channel points (never the URL), the events, and each channel's last outcome", async () => {
    backendFixture({});
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<Notifications />);
    await waitFor(() => expect(find(Input, { name: "slack-url" }).props.placeholder).toBe("Saved: hooks.slack.com, ending …k3n9"));
    expect(find(Input, { name: "slack-url" }).props.value).toBe("");
    expect(find(Checkbox, { name: "event-escalation" }).props.checked).toBe(true);
    expect(find(Checkbox, { name: "event-overlap" }).props.checked).toBe(false);
    const tags = findAll(StatusTag).map((tag) => [tag.props.variant, tag.text]);
    expect(tags).toEqual([
      ["danger", "Last send failed: hooks.slack.com answered HTTP 404"],
      ["default", "Not set up"],
      ["success", expect.stringMatching(/^Last sent /)],
    ]);
  });

  it("saves only what was typed: an untouched URL keeps the saved one, an emptied one is removed", async () => {
    const sent = backendFixture({ put: () => json(200, { saved: true }) });
    const { render, find, waitFor, mocks } = createRenderer("settings");
    render(<Notifications />);
    await waitFor(() => expect(find(Checkbox, { name: "event-overlap" }).props.checked).toBe(false));
    find(Input, { name: "teams-url" }).trigger("onChange", "https://prod-01.westus.logic.azure.com/workflows/abc" as never);
    find(Input, { name: "email" }).trigger("onChange", "" as never);
    find(Checkbox, { name: "event-overlap" }).trigger("onChange", true as never);
    find(Checkbox, { name: "event-fallback" }).trigger("onChange", false as never);
    find(Button, (b) => b.text === "Save notifications").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(sent).toEqual([{ method: "PUT /ui/v1/notifications", body: { events: ["escalation", "overlap"], teamsUrl: "https://prod-01.westus.logic.azure.com/workflows/abc", email: null } }]);
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "success" });
  });

  it("a test send that reaches one channel and not another says so, with the reason on the channel", async () => {
    const results: NotificationTestResponse = { results: { slack: { ok: false, reason: "hooks.slack.com answered HTTP 410" }, email: { ok: true } } };
    backendFixture({ test: () => json(200, results) });
    const { render, find, findAll, waitFor, mocks } = createRenderer("settings");
    render(<Notifications />);
    await waitFor(() => expect(findAll(StatusTag)).toHaveLength(3));
    find(Button, (b) => b.text === "Send test").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "warning", message: expect.stringContaining("one channel") });
    await waitFor(() => expect(findAll(StatusTag)[0]!.text).toBe("Last send failed: hooks.slack.com answered HTTP 410"));
  });

  it("shows the server's refusal, and a server without a mail relay says e-mail cannot be sent", async () => {
    backendFixture({ get: () => json(200, { ...SAVED, canEmail: false }), put: () => json(403, { error: "Only a super admin can change this." } satisfies ApiError) });
    const { render, find, waitFor, mocks } = createRenderer("settings");
    render(<Notifications />);
    await waitFor(() => expect(String(find(Input, { name: "email" }).props.description)).toMatch(/no mail relay/));
    find(Button, (b) => b.text === "Save notifications").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.addAlert.calls.length).toBe(1));
    expect(mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: "danger", message: "Only a super admin can change this." });
  });

  it("a load failure offers a retry", async () => {
    backendFixture({ get: () => json(500, { error: "database unavailable" } satisfies ApiError) });
    const { render, find, waitFor } = createRenderer("settings");
    render(<Notifications />);
    await waitFor(() => expect(find(Button, (b) => /retry|try again/i.test(b.text ?? "")).props.onClick).toBeTypeOf("function"));
  });
});
