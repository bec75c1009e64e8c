import { randomBytes, randomInt } from "node:crypto";
import { createDb, type Db } from "../server/db/client.js";
import { parseEnv } from "../server/config/env.js";
import { createConnection } from "../server/connections/connections.js";
import { applyBookingSetup } from "../server/booking/setup.js";
import { Calendars } from "../server/booking/calendars.js";
import { addDays, localDate, zonedInstant } from "../server/booking/time.js";
import { getVendor } from "../server/vendors/registry.js";
import { startHubSpotSim, type HubSpotSim } from "../simulators/hubspot/index.js";
import { startGoogleSim } from "../simulators/google/index.js";
import { benchDatabase, benchEnv, percentile, printTable, startDeployment } from "./support.js";

// Booking on the call, through the live tool endpoint (Retell format, signed), with web and worker in
// their own processes (this process is the vendor, HubSpot and Google):
// 1. latency at 20 concurrent calls (each checks availability, then books the first slot offered),
//    paced like real calls (staggered starts, the AI talking between tool calls) and as a burst (all
//    twenty at the same instant, for the same day: the worst case for holds):
//    on the built-in calendar; on Google Calendar with no added latency (our side plus the
//    simulator's own work); and with 50 ms per Google request (what the caller waits). Also how long
//    after the last answer the last Meeting is on its HubSpot contact (the worker writes them).
// 2. 200 concurrent booking attempts over 50 slots: successes, double bookings, latency.
//   npm run bench:booking [-- builtin]

const TZ = "America/Los_Angeles";
const HOURS = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]]));
const ROUNDS = 5;
const CONCURRENT = 20;

interface Deployment {
  env: Record<string, string>;
  db: Db;
  url: string;
  portalId: string;
  tool(name: string, args: Record<string, unknown>, callId: string, from: string): Promise<{ ms: number; serverMs: number; json: Record<string, any> }>;
  stop(): Promise<void>;
}

async function deploy(hubspot: HubSpotSim, extraEnv: Record<string, string> = {}): Promise<Deployment> {
  const database = await benchDatabase();
  const port = String(20_000 + randomInt(10_000));
  const env = benchEnv(database.url, { PORT: port, HUBSPOT_API_BASE_URL: hubspot.url, CALENDAR_PUSH_BASE_URL: `http://127.0.0.1:${port}`, ...extraEnv });
  const { web, worker, portalId } = await startDeployment(hubspot, env);
  const db = createDb(database.url, 4);
  const secret = `retell-${randomBytes(12).toString("hex")}`;
  const connection = await createConnection(db, { portalId, vendor: "retell", secret, encryptionKey: env.ENCRYPTION_KEY!, publicBaseUrl: env.PUBLIC_BASE_URL! });
  const token = new URL(connection.toolsUrl).pathname.split("/").pop();
  return {
    env,
    db,
    url: web.url!,
    portalId,
    async tool(name, args, callId, from) {
      // Signing is the vendor's work: done before the clock starts.
      const body = Buffer.from(JSON.stringify({ name, call: { call_id: callId, from_number: from }, args }));
      const headers = await getVendor("retell").sign(body, secret, Date.now());
      const started = performance.now();
      const response = await fetch(`${web.url}/tools/${token}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(body) });
      const json = (await response.json()) as Record<string, any>;
      const serverMs = Number(/dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1] ?? NaN);
      return { ms: performance.now() - started, serverMs, json };
    },
    async stop() {
      web.child.kill();
      worker.child.kill();
      await db.$disconnect();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await database.drop();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function latency(hubspot: HubSpotSim, calendar: "builtin" | "google", googleLatencyMs: number, paced: boolean): Promise<Record<string, string | number>[]> {
  const google = calendar === "google" ? await startGoogleSim({ latencyMs: googleLatencyMs }) : null;
  const config = google?.config();
  const app = await deploy(hubspot, config ? { GOOGLE_CLIENT_ID: config.clientId, GOOGLE_CLIENT_SECRET: config.clientSecret, GOOGLE_API_BASE_URL: config.apiBaseUrl, GOOGLE_AUTH_BASE_URL: config.authBaseUrl, GOOGLE_TOKEN_URL: config.tokenUrl } : {});
  await applyBookingSetup(app.db, app.portalId, {
    timezone: TZ,
    services: [{ name: "Consultation", durationMinutes: 30 }],
    staff: Array.from({ length: 3 }, (_, i) => ({ name: `Staff ${i + 1}`, email: `staff${i + 1}@example.com`, calendar, hours: HOURS })),
  });
  if (google) {
    // Each staff member connects their Google Calendar through the OAuth link.
    const calendars = new Calendars(app.db, parseEnv(app.env));
    for (const member of await app.db.staffMember.findMany({ where: { portalId: app.portalId } })) {
      const consent = await fetch(await calendars.connectUrl(member), { redirect: "manual" });
      const back = new URL(consent.headers.get("location")!);
      const done = await fetch(`${app.url}${back.pathname}${back.search}`);
      if (done.status !== 200) throw new Error(`calendar connection failed: ${await done.text()}`);
    }
  }
  const today = localDate(new Date(), TZ);
  // Warm-up (JIT, pools), not measured.
  for (let i = 0; i < 5; i++) await app.tool("check_availability", { service_type: "consultation", date: addDays(today, 20) }, `warm-${i}`, "+14155550999");

  const availability: number[] = [];
  const booking: number[] = [];
  const availabilityServer: number[] = [];
  const bookingServer: number[] = [];
  let noSlot = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        // Paced: calls start within 2 s of each other and the AI talks 1-3 s between its tool calls,
        // as on real lines. Burst: all twenty ask at the same instant, for the same day.
        if (paced) await sleep(Math.random() * 2_000);
        const callId = `bench-${round}-${i}-${randomBytes(3).toString("hex")}`;
        const from = `+1415555${String(1000 + round * CONCURRENT + i)}`;
        const offer = await app.tool("check_availability", { service_type: "consultation", date: addDays(today, 1 + round) }, callId, from);
        availability.push(offer.ms);
        availabilityServer.push(offer.serverMs);
        const slot = offer.json.slots?.[0];
        if (!slot) {
          if (process.env.BENCH_DEBUG) console.error("no slot:", JSON.stringify(offer.json).slice(0, 200));
          return void noSlot++;
        }
        if (paced) await sleep(1_000 + Math.random() * 2_000);
        const booked = await app.tool("book_appointment", { service_type: "Consultation", start: slot.start }, callId, from);
        booking.push(booked.ms);
        bookingServer.push(booked.serverMs);
      }),
    );
  }
  const lastAnswer = performance.now();
  for (;;) {
    const pending = await app.db.booking.count({ where: { portalId: app.portalId, status: "confirmed", meetingSyncedVersion: 0 } });
    if (pending === 0 || performance.now() - lastAnswer > 120_000) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const meetingsMs = performance.now() - lastAnswer;
  const booked = await app.db.booking.count({ where: { portalId: app.portalId, status: "confirmed" } });
  await app.stop();
  await google?.stop();
  const label = `${calendar === "builtin" ? "built-in" : `Google +${googleLatencyMs} ms`}, ${paced ? "paced" : "burst"}`;
  return [
    { calendar: label, tool: "check_availability", calls: availability.length, "no slot offered": noSlot, "p50 ms": percentile(availability, 50), "p95 ms": percentile(availability, 95), "max ms": percentile(availability, 100), "server p50 ms": percentile(availabilityServer, 50), "server p95 ms": percentile(availabilityServer, 95), "Meetings in HubSpot, s after last answer": "" },
    { calendar: label, tool: "book_appointment", calls: booking.length, "no slot offered": booking.length - booked, "p50 ms": percentile(booking, 50), "p95 ms": percentile(booking, 95), "max ms": percentile(booking, 100), "server p50 ms": percentile(bookingServer, 50), "server p95 ms": percentile(bookingServer, 95), "Meetings in HubSpot, s after last answer": Number((meetingsMs / 1000).toFixed(1)) },
  ];
}

async function race(hubspot: HubSpotSim): Promise<Record<string, string | number>[]> {
  const app = await deploy(hubspot);
  await applyBookingSetup(app.db, app.portalId, { timezone: TZ, services: [{ name: "Consultation", durationMinutes: 30 }], staff: [{ name: "Solo", email: "solo@example.com", calendar: "builtin", hours: HOURS }] });
  const today = localDate(new Date(), TZ);
  await app.tool("check_availability", { service_type: "consultation", date: addDays(today, 20) }, "warm", "+14155550999");
  const slots = Array.from({ length: 50 }, (_, i) => zonedInstant(addDays(today, 10 + Math.floor(i / 16)), `${String(9 + Math.floor((i % 16) / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"}`, TZ).toISOString());
  const ms: number[] = [];
  let succeeded = 0;
  let alternatives = 0;
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const result = await app.tool("book_appointment", { service_type: "Consultation", start: slots[i % 50] }, `race-${i}-${randomBytes(3).toString("hex")}`, `+1415556${String(1000 + i)}`);
      ms.push(result.ms);
      if (result.json.bookingId) succeeded++;
      else if (result.json.error === "slot_taken") alternatives++;
    }),
  );
  const confirmed = await app.db.booking.findMany({ where: { portalId: app.portalId, status: "confirmed" }, orderBy: { startAt: "asc" } });
  let overlaps = 0;
  for (let i = 1; i < confirmed.length; i++) if (confirmed[i]!.startAt < confirmed[i - 1]!.blockEndAt) overlaps++;
  await app.stop();
  return [{ attempts: 200, "successful bookings": succeeded, "offered alternatives": alternatives, "confirmed rows": confirmed.length, "double bookings": overlaps, "p50 ms": percentile(ms, 50), "p95 ms": percentile(ms, 95) }];
}

async function main() {
  const hubspot = await startHubSpotSim();
  const only = process.argv[2]; // "builtin" runs only the first table's built-in rows
  const rows: Record<string, string | number>[] = [];
  for (const paced of [true, false]) {
    rows.push(...(await latency(hubspot, "builtin", 0, paced)));
    if (only !== "builtin") rows.push(...(await latency(hubspot, "google", 0, paced)), ...(await latency(hubspot, "google", 50, paced)));
  }
  printTable(`Tool latency, ${CONCURRENT} concurrent calls x ${ROUNDS} rounds (check availability, then book the first slot offered)`, rows);
  if (only !== "builtin") printTable("200 concurrent booking attempts over 50 slots (one staff member, built-in calendar)", await race(hubspot));
  await hubspot.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
