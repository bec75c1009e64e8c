import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { uiFetch, type UiRequest, type UiUser } from "../support/ui.js";
import { genericCall } from "../support/payloads.js";
import { PortalNotifications } from "../../server/notify/settings.js";

// The Notifications tab end to end: an admin saves Slack and Teams webhooks (sealed at rest, never
// shown back), a test send reports each channel's outcome, an escalated call and a call in the
// fallback queue reach the channels, an event switched off does not, and only a super admin changes
// any of it. Slack and Teams are local HTTP hooks as unkind as the real ones (Slack answers a removed
// hook with 404 "no_service"; Teams' Workflows answers 202).

interface Hook {
  url: string;
  received: unknown[];
  /** What the next requests are answered with. */
  answer: { status: number; body: string };
  close(): Promise<void>;
}

async function hook(answer: { status: number; body: string }): Promise<Hook> {
  const received: unknown[] = [];
  const state = { answer };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk)).on("end", () => {
      if (req.headers["content-type"] !== "application/json") {
        res.writeHead(400).end("invalid_payload");
        return;
      }
      received.push(JSON.parse(body));
      res.writeHead(state.answer.status, { "content-type": "text/plain" }).end(state.answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0001/B0001/s3cr3tT0k3n`,
    received,
    get answer() {
      return state.answer;
    },
    set answer(value) {
      state.answer = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const ADMIN: UiUser = { id: "42", email: "admin@example.com" };
const REP: UiUser = { id: "43", email: "rep@example.com" };

let stack: Stack;
let portalId: string;
let generic: Connection;
let slack: Hook;
let teams: Hook;
const ui = (path: string, options: Partial<UiRequest> = {}) => uiFetch(stack, path, { ...options, portal: options.portal ?? portalId, user: options.user ?? ADMIN });

beforeAll(async () => {
  slack = await hook({ status: 200, body: "ok" });
  teams = await hook({ status: 202, body: "" });
  stack = await startStack();
  portalId = await stack.install();
  stack.sim.addUser(portalId, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
  stack.sim.addUser(portalId, { id: REP.id, email: REP.email, superAdmin: false });
  generic = await stack.connect(portalId, "generic");
});
afterAll(async () => {
  await stack?.stop();
  await slack?.close();
  await teams?.close();
});

describe("notification settings", () => {
  it("a fresh portal: nothing set up, every event on, no e-mail relay on this server", async () => {
    expect(await ui("/ui/v1/notifications", { user: REP })).toEqual({ status: 200, body: { slack: null, teams: null, email: null, events: ["escalation", "fallback", "overlap"], canEmail: false, lastResults: {} } });
  });

  it("a test send with no channel says what to do first", async () => {
    expect(await ui("/ui/v1/notifications/test", { method: "POST", body: {} })).toEqual({ status: 409, body: { error: expect.stringMatching(/No channel is set up yet/) } });
  });

  it("bad input is refused with the field and the reason, and nothing is saved", async () => {
    expect(await ui("/ui/v1/notifications", { method: "PUT", body: { slackUrl: "hooks.slack.com/services/x", events: [] } })).toEqual({ status: 400, body: { error: expect.stringMatching(/^slackUrl: must be a full URL/) } });
    expect(await ui("/ui/v1/notifications", { method: "PUT", body: { email: "ops at example", events: [] } })).toEqual({ status: 400, body: { error: "email: must be an e-mail address" } });
    expect(await ui("/ui/v1/notifications", { method: "PUT", body: { events: ["sms"] } })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^events\.0:/) } });
    expect(await stack.app.runtime.db.notificationSettings.count({ where: { portalId } })).toBe(0);
    // In production (no private networks) a webhook must be https.
    const strict = new PortalNotifications({ db: stack.app.runtime.db, encryptionKey: stack.env.ENCRYPTION_KEY, notifier: stack.app.runtime.notifier, operator: {}, allowPlainHttp: false });
    expect(await strict.save(portalId, { teamsUrl: "http://example.com/hook", events: [] })).toEqual({ kind: "invalid", reason: "teamsUrl: must start with https://" });
  });

  it("a user who is not a super admin can read but not change or test", async () => {
    for (const [method, path, body] of [["PUT", "/ui/v1/notifications", { slackUrl: slack.url, events: ["fallback"] }], ["POST", "/ui/v1/notifications/test", {}]] as const) {
      expect(await ui(path, { method, body, user: REP })).toEqual({ status: 403, body: { error: "Only a super admin can change this.", code: "not_super_admin" } });
    }
    expect(await stack.app.runtime.db.notificationSettings.count({ where: { portalId } })).toBe(0);
  });

  it("saved webhook URLs are sealed and never shown back; a test send reaches each channel and a failing one says why", async () => {
    expect(await ui("/ui/v1/notifications", { method: "PUT", body: { slackUrl: slack.url, teamsUrl: teams.url, events: ["escalation", "fallback"] } })).toEqual({ status: 200, body: { saved: true } });
    const row = await stack.app.runtime.db.notificationSettings.findUniqueOrThrow({ where: { portalId } });
    expect(row.slackUrlEnc).toMatch(/^v2\./);
    expect(JSON.stringify(row)).not.toContain("s3cr3tT0k3n");
    const view = await ui("/ui/v1/notifications");
    expect(view.body).toMatchObject({ slack: expect.stringMatching(/^127\.0\.0\.1:\d+, ending …0k3n$/), teams: expect.stringContaining("127.0.0.1"), events: ["escalation", "fallback"] });
    expect(JSON.stringify(view.body)).not.toContain("s3cr3tT0k3n");

    const sent = await ui("/ui/v1/notifications/test", { method: "POST", body: {} });
    expect(sent).toEqual({ status: 200, body: { results: { slack: { ok: true }, teams: { ok: true } } } });
    expect(slack.received).toEqual([{ text: expect.stringMatching(/^Test from the AI receptionist app/) }]);
    expect(teams.received).toEqual([expect.objectContaining({ type: "message", attachments: [expect.objectContaining({ contentType: "application/vnd.microsoft.card.adaptive", content: expect.objectContaining({ type: "AdaptiveCard" }) })] })]);

    // The Slack hook was removed on Slack's side.
    slack.answer = { status: 404, body: "no_service" };
    try {
      const failed = await ui("/ui/v1/notifications/test", { method: "POST", body: {} });
      expect(failed.body.results).toEqual({ slack: { ok: false, reason: expect.stringMatching(/answered HTTP 404/) }, teams: { ok: true } });
      const after = await ui("/ui/v1/notifications");
      expect(after.body.lastResults).toEqual({ slack: { ok: false, reason: expect.stringMatching(/HTTP 404/), at: expect.any(String) }, teams: { ok: true, at: expect.any(String) } });
    } finally {
      slack.answer = { status: 200, body: "ok" };
    }
    // A new URL starts without the old one's failure; the audit log has both saves and tests, no URL.
    expect((await ui("/ui/v1/notifications", { method: "PUT", body: { slackUrl: slack.url, events: ["escalation", "fallback"] } })).status).toBe(200);
    expect((await ui("/ui/v1/notifications")).body.lastResults).toEqual({ teams: { ok: true, at: expect.any(String) } });
    const audit = await stack.app.runtime.db.auditEntry.findMany({ where: { portalId, action: { startsWith: "notifications." } } });
    expect(audit.map((a) => a.action).sort()).toEqual(["notifications.saved", "notifications.saved", "notifications.tested", "notifications.tested"]);
    expect(JSON.stringify(audit)).not.toContain("s3cr3tT0k3n");
    slack.received.length = 0;
    teams.received.length = 0;
  });

  it("an escalated call reaches Slack and Teams once, with the reason, a masked number and the contact's link", async () => {
    const call = genericCall({ fromNumber: "+14155550741", urgency: "high", escalation: { reason: "Water is coming through the ceiling" } });
    await stack.deliver(generic, call);
    const row = await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: call.vendorCallId, status: "synced" } }), { what: "escalated call synced", timeoutMs: 60_000 });
    await stack.waitFor(async () => slack.received.length >= 1 && teams.received.length >= 1, { what: "escalation notices", timeoutMs: 30_000 });
    const text = (slack.received[0] as { text: string }).text;
    expect(text).toContain("Water is coming through the ceiling");
    expect(text).toContain("urgency: high");
    expect(text).toContain(`https://app.hubspot.com/contacts/${portalId}/record/0-1/${row.hubspotContactId}`);
    expect(text).not.toContain("4155550741");
    expect(JSON.stringify(teams.received[0])).toContain("Action.OpenUrl");
    // A redelivery of the same event changes nothing: no second notice.
    await stack.deliver(generic, call);
    const again = genericCall({ fromNumber: "+14155550742" });
    await stack.deliver(generic, again);
    await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: again.vendorCallId, status: "synced" } }), { what: "a later call synced", timeoutMs: 60_000 });
    expect(slack.received).toHaveLength(1);
    slack.received.length = 0;
    teams.received.length = 0;
  });

  it("a call in the fallback queue reaches the channels; with that event switched off, nothing is sent", async () => {
    const refused = { status: 400, body: { status: "error", message: "Property values were not valid: hs_call_body", category: "VALIDATION_ERROR", correlationId: "c0ffee00-0000-4000-8000-000000000002" } };
    stack.sim.failMatching((r) => r.portalId === portalId && r.method === "POST" && r.path === "/crm/v3/objects/calls/batch/create", refused);
    try {
      const first = genericCall({ fromNumber: "+14155550743" });
      await stack.deliver(generic, first);
      await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: first.vendorCallId, status: "fallback" } }), { what: "call in the fallback queue", timeoutMs: 60_000 });
      await stack.waitFor(async () => slack.received.length >= 1, { what: "fallback notice", timeoutMs: 30_000 });
      expect((slack.received[0] as { text: string }).text).toMatch(/not yet in HubSpot.*hs_call_body/);
      await stack.waitFor(() => stack.app.runtime.db.fallbackEntry.findFirst({ where: { call: { vendorCallId: first.vendorCallId }, notifiedAt: { not: null } } }), { what: "fallback entry marked notified" });

      expect((await ui("/ui/v1/notifications", { method: "PUT", body: { events: ["escalation"] } })).status).toBe(200);
      slack.received.length = 0;
      const second = genericCall({ fromNumber: "+14155550744" });
      await stack.deliver(generic, second);
      await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: second.vendorCallId, status: "fallback" } }), { what: "second call in the fallback queue", timeoutMs: 60_000 });
      expect((await stack.app.runtime.db.fallbackEntry.findFirstOrThrow({ where: { call: { vendorCallId: second.vendorCallId } } })).notifiedAt).toBeNull();
      expect(slack.received).toEqual([]);
    } finally {
      stack.sim.failMatching(null);
    }
  });
});
