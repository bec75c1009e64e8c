import { randomBytes, randomInt } from "node:crypto";
import { parseEnv } from "../config/env.js";
import { createRuntime } from "../runtime.js";
import { start } from "../main.js";
import { createConnection, type ConnectionView } from "../connections/connections.js";
import { getVendor } from "../vendors/registry.js";
import { listFallback, replayFallback } from "../fallback/fallback.js";
import type { VendorId } from "../calls/record.js";
import { startHubSpotSim } from "../../simulators/hubspot/index.js";
import { registerRecordingUrl } from "../hubspot/calling.js";
import { recordingRetrievalTemplate } from "../recordings/links.js";
import { demoCalls } from "./calls.js";

// `npm run demo`: the whole pipeline on this machine. A HubSpot simulator stands in for HubSpot; the
// app (web + worker) installs into a portal through the real OAuth flow, vendor-signed sample calls
// are posted to its webhook URLs, HubSpot goes down for a moment, and what landed in the CRM is printed.

const CLIENT_ID = "demo-client-id";
const CLIENT_SECRET = "demo-client-secret";
const say = (text = "") => console.log(text);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const sim = await startHubSpotSim({ searchLagMs: 1_000 });
  const env = parseEnv({
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/aira_demo",
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    PORT: process.env.PORT ?? "0",
    PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL ?? "https://receptionist.demo.example",
    HUBSPOT_CLIENT_ID: CLIENT_ID,
    HUBSPOT_CLIENT_SECRET: CLIENT_SECRET,
    HUBSPOT_APP_ID: "1000001",
    HUBSPOT_API_BASE_URL: sim.url,
    HUBSPOT_AUTH_BASE_URL: "https://app.hubspot.demo",
    ENCRYPTION_KEY: process.env.ENCRYPTION_KEY ?? randomBytes(32).toString("base64"),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
    SYNC_BACKOFF_MS: "250",
    OUTBOX_SWEEP_MS: "1000",
    REDIS_PREFIX: `demo-${randomBytes(3).toString("hex")}`,
  });
  const app = await start("all", createRuntime(env));
  const db = app.runtime.db;
  sim.registerApp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: new URL("/oauth/callback", env.PUBLIC_BASE_URL).toString(), appId: Number(env.HUBSPOT_APP_ID) });
  say(`HubSpot simulator at ${sim.url}; app at ${app.url}`);
  // HubSpot's own call player: our recording URL registered with the developer key, as at a deploy.
  const developerKey = randomBytes(12).toString("hex");
  sim.calling.setDeveloperApiKey(Number(env.HUBSPOT_APP_ID), developerKey);
  sim.calling.routeOutbound(env.PUBLIC_BASE_URL, app.url!);
  await registerRecordingUrl({ apiBaseUrl: sim.url, appId: env.HUBSPOT_APP_ID, developerApiKey: developerKey }, recordingRetrievalTemplate(env.PUBLIC_BASE_URL));

  // 1. Install through OAuth, as a portal admin would.
  const portalId = String(randomInt(10_000_000, 99_999_999));
  const install = await fetch(`${app.url}/oauth/install`, { redirect: "manual" });
  const state = new URL(install.headers.get("location")!).searchParams.get("state")!;
  const callback = await fetch(`${app.url}/oauth/callback?code=${sim.issueAuthCode(portalId)}&state=${state}`);
  say(`1. Installed in portal ${portalId}: ${callback.status === 200 ? "ok" : `failed (${callback.status})`}`);
  sim.seedContact(portalId, { firstname: "Lee", lastname: "Okafor", phone: "(415) 555-0177", email: "lee.okafor@example.com" });
  await sleep(1_200); // an existing customer: older than HubSpot's search lag

  // 2. Connect every vendor.
  const connections = new Map<VendorId, ConnectionView & { secret: string }>();
  for (const vendor of ["retell", "vapi", "bland", "synthflow", "generic"] as const) {
    const secret = vendor === "generic" ? `whsec_${randomBytes(24).toString("base64")}` : `demo-${vendor}-${randomBytes(8).toString("hex")}`;
    connections.set(vendor, { ...(await createConnection(db, { portalId, vendor, secret, encryptionKey: env.ENCRYPTION_KEY, publicBaseUrl: env.PUBLIC_BASE_URL })), secret });
  }
  say(`2. Connected ${[...connections.keys()].join(", ")}`);

  const post = async (vendor: VendorId, payload: unknown) => {
    const connection = connections.get(vendor)!;
    const rawBody = Buffer.from(JSON.stringify(payload));
    const headers = await getVendor(vendor).sign(rawBody, connection.secret, Date.now());
    const token = new URL(connection.webhookUrl).pathname.split("/").pop();
    const response = await fetch(`${app.url}/webhooks/${token}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(rawBody) });
    return response.status;
  };

  // 3. Replay sample calls (one is delivered twice, as vendors do on a timeout).
  const calls = demoCalls();
  for (const call of calls) say(`   ${call.vendor.padEnd(9)} ${call.label.padEnd(48)} -> HTTP ${await post(call.vendor, call.payload)}`);
  say(`   retell    ${"the first call again (a vendor retry)".padEnd(48)} -> HTTP ${await post(calls[0]!.vendor, calls[0]!.payload)}`);
  say("3. Sample calls delivered; waiting for the worker ...");
  await waitUntil(async () => (await db.call.count({ where: { portalId, status: { not: "synced" } } })) === 0, 60_000);

  // 4. HubSpot goes down; a call still gets its 2xx and lands once HubSpot is back.
  sim.setDown(true);
  const outage = { vendor: "generic" as const, payload: { vendor: "generic", vendorCallId: `demo-outage-${randomBytes(4).toString("hex")}`, eventType: "call.completed", stage: "analyzed", fromNumber: "+14155550190", caller: { firstName: "Robin", lastName: "Sato" }, intent: "burst pipe", urgency: "emergency", summary: "Burst pipe in the basement, needs someone today.", qualification: {} } };
  say(`4. HubSpot down; a call arrives -> HTTP ${await post(outage.vendor, outage.payload)}`);
  await sleep(1_500);
  sim.setDown(false);
  say("   HubSpot back up");
  await waitUntil(async () => (await db.call.count({ where: { portalId, status: { notIn: ["synced", "fallback"] } } })) === 0, 60_000);
  const fallback = await listFallback(db, { portalId });
  if (fallback.length) {
    say(`   ${fallback.length} call(s) in the fallback queue; replaying`);
    await replayFallback(db, app.runtime.queue, env.SYNC_MAX_ATTEMPTS, { all: true, portalId });
    await waitUntil(async () => (await listFallback(db, { portalId })).length === 0, 60_000);
  }

  // 5. What landed in the CRM.
  const portal = sim.portal(portalId);
  say("\n5. Contacts in HubSpot");
  say(table(portal.contacts().map((c) => ({ id: c.id, name: [c.properties.firstname, c.properties.lastname].filter(Boolean).join(" ") || "-", phone: c.properties.phone ?? "-", email: c.properties.email ?? "-", source: c.properties.ai_lead_source ?? "-", intent: c.properties.ai_intent ?? "-", urgency: c.properties.ai_urgency ?? "-", language: c.properties.ai_language ?? "-", disposition: c.properties.ai_disposition ?? "-" }))));
  say("\n   Calls logged");
  say(table(portal.calls().map((c) => ({ id: c.id, contact: c.associations.join(",") || "-", title: c.properties.hs_call_title ?? "-", seconds: String(Math.round(Number(c.properties.hs_call_duration ?? 0) / 1000)), status: c.properties.hs_call_status ?? "-", recording: sim.calling.readyNotices.some((n) => String(n.engagementId) === c.id) ? "in HubSpot's player" : "no", transcript: `${sim.calling.transcripts(portalId).find((t) => String(t.engagementId) === c.id)?.utterances.length ?? 0} turns` }))));
  const tasks = portal.tasks();
  if (tasks.length) {
    say("\n   Escalation tasks");
    say(table(tasks.map((t) => ({ id: t.id, contact: t.associations.join(","), subject: t.properties.hs_task_subject ?? "-", priority: t.properties.hs_task_priority ?? "-" }))));
  }
  const delivered = calls.length + 2;
  say(`\n${delivered} webhooks (one a duplicate) -> ${portal.contacts().length} contacts (1 existed before), ${portal.calls().length} calls, ${(await listFallback(db, { portalId })).length} left in the fallback queue.`);
  say(`HubSpot requests made: ${sim.requests.length} (${sim.requests.filter((r) => r.status === 429).length} answered 429).`);
  await app.stop();
  await sim.close();
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("the demo timed out waiting for the worker");
    await sleep(200);
  }
}

function table(rows: Record<string, string>[]): string {
  if (rows.length === 0) return "   (none)";
  const columns = Object.keys(rows[0]!);
  const clip = (v: string) => (v.length > 40 ? `${v.slice(0, 37)}...` : v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => clip(r[c] ?? "").length)));
  const line = (cells: string[]) => "   " + cells.map((cell, i) => clip(cell).padEnd(widths[i]!)).join("  ");
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c] ?? "")))].join("\n");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
