import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import type { AddressInfo } from "node:net";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId, retellCall } from "../support/payloads.js";
import { listFallback, replayFallback } from "../../server/fallback/fallback.js";
import { DEFAULT_OUTCOMES } from "../../server/sync/dispositions.js";

// The seed's end-to-end plan (shared/seed/integration-guide.txt), each from a vendor-signed webhook
// to what the HubSpot simulator holds. Calls 05-07 (booking) live in the booking tests.

let stack: Stack;
let portalId: string;
let retell: Connection;
const slackMessages: string[] = [];
let slackServer: import("node:http").Server;

const GARBAGE = ["", "unknown", "Unknown", "N/A", "n/a", "none", "null"];

async function deliverAndSync(payloads: unknown[]): Promise<void> {
  for (const payload of payloads) {
    const response = await stack.deliver(retell, payload);
    expect([200, 202]).toContain(response.status);
  }
  const callId = (payloads[0] as { call: { call_id: string } }).call.call_id;
  await stack.waitFor(async () => {
    const row = await stack.app.runtime.db.call.findFirst({ where: { vendorCallId: callId } });
    return row && row.syncedVersion === row.version && row.status === "synced" ? row : null;
  }, { what: `call ${callId} synced` });
}

const contacts = () => stack.sim.portal(portalId).contacts();
const callsOf = (contactId: string) => stack.sim.portal(portalId).calls().filter((c) => c.associations.includes(contactId));

beforeAll(async () => {
  const slack = express().use(express.json()).post("/hook", (req, res) => {
    slackMessages.push(req.body.text);
    res.sendStatus(200);
  });
  slackServer = await new Promise((resolve) => {
    const s = slack.listen(0, "127.0.0.1", () => resolve(s));
  });
  const slackUrl = `http://127.0.0.1:${(slackServer.address() as AddressInfo).port}/hook`;
  stack = await startStack({ env: { FALLBACK_SLACK_WEBHOOK_URL: slackUrl }, sim: { searchLagMs: 500 } });
  portalId = await stack.install();
  retell = await stack.connect(portalId, "retell");
});

afterAll(async () => {
  await stack?.stop();
  slackServer?.close();
});

describe("the seed's end-to-end test plan", () => {
  it("01 net-new caller with full info: a new contact with every custom field", async () => {
    const callId = newCallId();
    const analysis = { first_name: "Dana", last_name: "Whitfield", email: "Dana.Whitfield@example.com", zip_code: "94107", intent: "water heater repair", urgency: "high", budget_range: "500-1000", property_type: "single family" };
    await deliverAndSync([retellCall("call_ended", { callId, from: "+14155550134" }), retellCall("call_analyzed", { callId, from: "+14155550134", analysis, sentiment: "Positive" })]);

    const dana = contacts().filter((c) => c.properties.email === "dana.whitfield@example.com");
    expect(dana).toHaveLength(1);
    expect(dana[0]!.properties).toMatchObject({
      firstname: "Dana",
      lastname: "Whitfield",
      phone: "+14155550134",
      zip: "94107",
      ai_lead_source: "ai_receptionist",
      ai_intent: "water heater repair",
      ai_urgency: "high",
      ai_sentiment: "positive",
      ai_budget_range: "500-1000",
      ai_property_type: "single family",
      ai_disposition: expect.any(String),
    });
    const [call, ...others] = callsOf(dana[0]!.id);
    expect(others).toHaveLength(0);
    expect(call!.properties).toMatchObject({ hs_call_duration: "184000", hs_call_direction: "INBOUND", hs_call_from_number: "+14155550134", hs_call_status: "COMPLETED", hs_call_source: "INTEGRATIONS_PLATFORM", hs_call_app_id: stack.env.HUBSPOT_APP_ID, hs_call_external_account_id: portalId, hs_call_disposition: DEFAULT_OUTCOMES.Connected });
    const body = call!.properties.hs_call_body!;
    expect(body.indexOf("leaking water heater")).toBeGreaterThan(-1);
    expect(body.indexOf("leaking water heater")).toBeLessThan(body.indexOf("Transcript"));
  });

  it("02 net-new caller with partial info: required fields set, optional fields left empty, no garbage", async () => {
    const callId = newCallId();
    await deliverAndSync([retellCall("call_analyzed", { callId, from: "+14155550145", analysis: { first_name: "unknown", email: "N/A", zip_code: "", intent: "hours question" } })]);
    const [contact, ...more] = contacts().filter((c) => c.properties.phone === "+14155550145");
    expect(more).toHaveLength(0);
    expect(contact!.properties).toMatchObject({ phone: "+14155550145", ai_lead_source: "ai_receptionist", ai_intent: "hours question" });
    for (const name of ["firstname", "lastname", "email", "zip", "ai_urgency"]) {
      expect(contact!.properties[name] ?? null).toBeNull();
    }
    for (const value of Object.values(contact!.properties)) expect(GARBAGE).not.toContain(value);
    expect(callsOf(contact!.id)).toHaveLength(1);
  });

  it("03 existing caller by phone: updated and call logged, no new contact", async () => {
    const existing = stack.sim.seedContact(portalId, { firstname: "Lee", lastname: "Okafor", phone: "(415) 555-0177" });
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the search lag: HubSpot knows this contact
    const before = contacts().length;
    await deliverAndSync([retellCall("call_analyzed", { from: "+14155550177", analysis: { first_name: "Leo", intent: "reschedule service", urgency: "low" } })]);
    expect(contacts()).toHaveLength(before);
    const lee = contacts().find((c) => c.id === existing.id)!;
    expect(lee.properties.firstname).toBe("Lee"); // fill-if-empty: the rep's value stays
    expect(lee.properties.ai_intent).toBe("reschedule service");
    expect(lee.properties.ai_urgency).toBe("low");
    expect(callsOf(existing.id)).toHaveLength(1);
  });

  it("04 existing caller by email: updated, not duplicated", async () => {
    const existing = stack.sim.seedContact(portalId, { firstname: "Pat", email: "Pat.Kim@Example.com" });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const before = contacts().length;
    await deliverAndSync([retellCall("call_analyzed", { from: "+14155550188", analysis: { email: "pat.kim@example.com", intent: "quote" } })]);
    expect(contacts()).toHaveLength(before);
    const pat = contacts().find((c) => c.id === existing.id)!;
    expect(pat.properties.phone).toBe("+14155550188"); // was empty: filled
    expect(pat.properties.ai_intent).toBe("quote");
    expect(callsOf(existing.id)).toHaveLength(1);
  });

  it("08 AI-escalated call: the activity carries the escalation reason, and the owner gets a task", async () => {
    const callId = newCallId();
    await deliverAndSync([
      retellCall("call_analyzed", { callId, from: "+14155550122", disconnection: "call_transfer", transferTo: "+14155550111", analysis: { first_name: "Sam", escalation_reason: "Caller disputes last month's invoice", urgency: "high" } }),
    ]);
    const sam = contacts().find((c) => c.properties.phone === "+14155550122")!;
    expect(sam.properties.ai_disposition).toBe("escalated");
    expect(sam.properties.ai_escalation_reason).toBe("Caller disputes last month's invoice");
    const [call] = callsOf(sam.id);
    expect(call!.properties.hs_call_body).toContain("Caller disputes last month&#39;s invoice");
    const tasks = stack.sim.portal(portalId).tasks().filter((t) => t.associations.includes(sam.id));
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.properties.hs_task_body).toContain("disputes last month");
    expect(tasks[0]!.properties.hs_task_priority).toBe("HIGH");
  });

  it("09 Spanish-language call: the same language-neutral values, the language recorded", async () => {
    await deliverAndSync([
      retellCall("call_analyzed", { from: "+14155550166", transcript: "Agente: Gracias por llamar.\nUsuario: Necesito una cita urgente.", summary: "La clienta necesita una cita urgente para revisar una fuga.", sentiment: "Negative", analysis: { nombre: "María", correo: "maria.lopez@example.com", codigo_postal: "94110", urgencia: "alta", idioma: "es", tipo_de_servicio: "fuga de agua" } }),
    ]);
    const maria = contacts().find((c) => c.properties.phone === "+14155550166")!;
    expect(maria.properties).toMatchObject({ firstname: "María", email: "maria.lopez@example.com", zip: "94110", ai_urgency: "high", ai_language: "es", ai_sentiment: "negative", ai_tipo_de_servicio: "fuga de agua" });
    expect(callsOf(maria.id)[0]!.properties.hs_call_body).toContain("cita urgente");
  });

  it("10 CRM API down: the lead lands in the fallback queue, ops are told, and a replay lands it", async () => {
    stack.sim.setDown(true);
    const callId = newCallId();
    await stack.deliver(retell, retellCall("call_analyzed", { callId, from: "+14155550155", analysis: { first_name: "Robin", intent: "emergency leak" } }));
    const entry = await stack.waitFor(async () => (await listFallback(stack.app.runtime.db, { portalId })).find((e) => e.vendorCallId === callId), { what: "fallback entry" });
    expect(entry.reason).toMatch(/retries exhausted/);
    expect(entry.caller).toBe("+1******0155");
    await stack.waitFor(async () => slackMessages.some((m) => m.includes(entry.id)), { what: "slack notification" });
    expect(slackMessages.join("\n")).not.toContain("4155550155");
    expect(contacts().some((c) => c.properties.phone === "+14155550155")).toBe(false);

    stack.sim.setDown(false);
    await replayFallback(stack.app.runtime.db, stack.app.runtime.queue, stack.env.SYNC_MAX_ATTEMPTS, { id: entry.id });
    await stack.waitFor(async () => (await stack.app.runtime.db.fallbackEntry.findUnique({ where: { id: entry.id } }))?.resolvedAt, { what: "fallback resolved" });
    const robin = contacts().filter((c) => c.properties.phone === "+14155550155");
    expect(robin).toHaveLength(1);
    expect(callsOf(robin[0]!.id)).toHaveLength(1);
    // Replaying again is harmless: nothing new in HubSpot.
    await replayFallback(stack.app.runtime.db, stack.app.runtime.queue, stack.env.SYNC_MAX_ATTEMPTS, { all: true, portalId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(callsOf(robin[0]!.id)).toHaveLength(1);
  });
});
