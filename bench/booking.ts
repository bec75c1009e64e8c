import { randomBytes } from "node:crypto";
import { sql } from "../server/db/client.js";
import { addDays, localDate, zonedInstant } from "../server/booking/time.js";
import { startHubSpotSim, type HubSpotSim } from "../simulators/hubspot/index.js";
import { percentile, printTable } from "./support.js";
import { deploy, WEB_PROCESSES, type ToolResult } from "./booking/deploy.js";
import { calendlyLimit } from "./booking/calendly-limit.js";
import { PROVIDERS, TZ, type BenchProviderId } from "./booking/providers.js";

// Booking on the call, through the live tool endpoint (Retell format, signed), with web and worker in
// their own processes (this process is the vendor, HubSpot and the calendar providers):
// 1. latency at 20 concurrent calls (each checks availability, then books the first slot offered),
//    paced like real calls (staggered starts, the AI talking between tool calls) and as a burst (all
//    twenty at the same instant, for the same day: the worst case for holds):
//    on the built-in calendar; on Google Calendar with no added latency (our side plus the
//    simulator's own work); and with 50 ms per Google request (what the caller waits). Also how long
//    after the last answer the last Meeting is on its HubSpot contact (the worker writes them).
// 2. per provider (booking/providers.ts), paced, 50 ms per provider request: our own time, the tool
//    call's time less its wait on the provider, timed on our side (booking/provider-wait.ts), and
//    the provider requests each tool call made.
// 3. Calendly's limit of 10 bookings a minute per user, hit by 15 callers: what they hear, and our
//    bookings against Calendly's events (booking/calendly-limit.ts).
// 4. 200 concurrent booking attempts over 50 slots: successes, double bookings, latency.
//   [BENCH_WEBS=2] npm run bench:booking [-- builtin | burst | providers | <provider>]
//   (builtin: the built-in rows of 1; burst: the burst rows of 1, built-in and Google, and 4;
//   providers: 2 and 3; a provider id: its row of 2)

const ROUNDS = 5;
const CONCURRENT = 20;
const STAFF = 3;
/** The provider latency of the per-provider rows. */
const PROVIDER_LATENCY_MS = 50;

type Row = Record<string, string | number>;

interface Run {
  provider: BenchProviderId;
  latencyMs: number;
  paced: boolean;
  availability: ToolResult[];
  booking: ToolResult[];
  noSlot: number;
  booked: number;
  /** Requests the provider received during the rounds and until the run ended: tool calls', webhooks' and sync's. */
  providerRequests: number;
  /**
   * Our bookings that a "foreign" event of the same staff member overlaps, as the worker flags double
   * bookings to ops (booking/overlaps.ts): nobody but the benchmark books, so every one is false.
   */
  flagged: number;
  /** s from the last answer until every Meeting is on its contact; null when not waited for. */
  meetingsS: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function latency(hubspot: HubSpotSim, provider: BenchProviderId, latencyMs: number, paced: boolean, meetings: boolean): Promise<Run> {
  const rig = await PROVIDERS[provider].start({ latencyMs, hubspot });
  const app = await deploy(hubspot, rig, STAFF);
  const today = localDate(new Date(), TZ);
  // Warm-up (JIT, pools), not measured.
  for (let i = 0; i < 5; i++) await app.tool("check_availability", { service_type: "consultation", date: addDays(today, 20) }, `warm-${i}`, "+14155550999");

  const run: Run = { provider, latencyMs, paced, availability: [], booking: [], noSlot: 0, booked: 0, providerRequests: 0, flagged: 0, meetingsS: null };
  const requestsBefore = rig.requests().length;
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        // Paced: calls start within 2 s of each other and the AI talks 1-3 s between its tool calls,
        // as on real lines. Burst: all twenty ask at the same instant, for the same day.
        if (paced) await sleep(Math.random() * 2_000);
        const callId = `bench-${round}-${i}-${randomBytes(3).toString("hex")}`;
        const from = `+1415555${String(1000 + round * CONCURRENT + i)}`;
        const offer = await app.tool("check_availability", { service_type: "consultation", date: addDays(today, 1 + round) }, callId, from);
        run.availability.push(offer);
        const slot = offer.json.slots?.[0];
        if (!slot) {
          if (process.env.BENCH_DEBUG) console.error("no slot:", JSON.stringify(offer.json).slice(0, 200));
          return void run.noSlot++;
        }
        if (paced) await sleep(1_000 + Math.random() * 2_000);
        // A name and an e-mail, as the AI asks for them (Calendly needs the e-mail).
        const n = round * CONCURRENT + i;
        const booked = await app.tool("book_appointment", { service_type: "Consultation", start: slot.start, name: `Caller ${n}`, email: `caller${n}@example.com` }, callId, from);
        if (process.env.BENCH_DEBUG && !booked.json.bookingId) console.error("not booked:", JSON.stringify(booked.json).slice(0, 200));
        run.booking.push(booked);
      }),
    );
  }
  const lastAnswer = performance.now();
  // The Meetings, or a moment for the calendars' webhooks and sync about the last bookings.
  if (!meetings) await sleep(2_000);
  for (;;) {
    if (!meetings) break;
    const pending = await app.db.booking.count({ where: { portalId: app.portalId, status: "confirmed", meetingSyncedVersion: 0 } });
    if (pending === 0 || performance.now() - lastAnswer > 120_000) {
      run.meetingsS = (performance.now() - lastAnswer) / 1000;
      break;
    }
    await sleep(100);
  }
  run.providerRequests = rig.requests().length - requestsBefore;
  const [{ flagged }] = await sql<{ flagged: number }>(
    app.db,
    `SELECT count(DISTINCT b."id")::int AS "flagged" FROM "Booking" b JOIN "ExternalBusy" e ON e."staffId" = b."staffId" AND e."startAt" < b."endAt" AND e."endAt" > b."startAt" WHERE b."portalId" = $1 AND b."status" = 'confirmed'`,
    [app.portalId],
  );
  run.flagged = flagged!;
  run.booked = await app.db.booking.count({ where: { portalId: app.portalId, status: "confirmed" } });
  await app.stop();
  await rig.stop();
  return run;
}

/** The first table's rows of a run: the caller's wait and the route's own time. */
function latencyRows(run: Run): Row[] {
  const name = PROVIDERS[run.provider].label;
  const label = `${run.provider === "builtin" ? name : `${name} +${run.latencyMs} ms`}, ${run.paced ? "paced" : "burst"}`;
  const stats = (results: ToolResult[]) => {
    const ms = results.map((r) => r.ms);
    const server = results.map((r) => r.serverMs);
    // Our own time: the route's less its wait on the calendar provider (none on the built-in calendar).
    const own = results.map((r) => r.serverMs - (r.providerWait?.ms ?? 0));
    return { "p50 ms": percentile(ms, 50), "p95 ms": percentile(ms, 95), "max ms": percentile(ms, 100), "server p50 ms": percentile(server, 50), "server p95 ms": percentile(server, 95), "own p95 ms": percentile(own, 95) };
  };
  const [a, b] = [stats(run.availability), stats(run.booking)];
  return [
    { calendar: label, tool: "check_availability", calls: run.availability.length, "no slot offered": run.noSlot, ...a, "Meetings in HubSpot, s after last answer": "" },
    { calendar: label, tool: "book_appointment", calls: run.booking.length, "no slot offered": run.booking.length - run.booked, ...b, "Meetings in HubSpot, s after last answer": run.meetingsS === null ? "" : Number(run.meetingsS.toFixed(1)) },
  ];
}

/** Per tool call: the route's time less its wait on the provider. */
const ownTimes = (results: ToolResult[]) => results.map((r) => r.serverMs - (r.providerWait?.ms ?? NaN));

/**
 * The per-provider rows: provider requests per tool call, the wait on them, and our own time (the
 * route's time less that wait), also as a multiple of the built-in calendar's (`baseline`), which
 * carries across machines better than milliseconds.
 */
function providerRows(run: Run, baseline: Run): Row[] {
  const row = (tool: string, results: ToolResult[], base: ToolResult[]): Row => {
    const waits = results.map((r) => r.providerWait ?? { ms: NaN, requests: NaN });
    const requests = waits.map((w) => w.requests);
    const mean = requests.reduce((sum, n) => sum + n, 0) / requests.length;
    const own = ownTimes(results);
    const booking = tool === "book_appointment";
    return {
      calendar: `${PROVIDERS[run.provider].label}${run.provider === "builtin" ? "" : ` +${run.latencyMs} ms`}`,
      tool,
      calls: results.length,
      "booked / slot offered": booking ? `${run.booked} / ${results.length}` : `${results.length - run.noSlot} / ${results.length}`,
      "provider requests per call, mean (min-max)": `${mean.toFixed(1)} (${Math.min(...requests)}-${Math.max(...requests)})`,
      "all provider requests per booking": booking ? (run.providerRequests / run.booked).toFixed(1) : "",
      "bookings flagged as double-booked": booking ? run.flagged : "",
      "provider wait p95 ms": percentile(waits.map((w) => w.ms), 95),
      "caller waits p95 ms": percentile(results.map((r) => r.ms), 95),
      "our own p50 ms": percentile(own, 50),
      "our own p95 ms": percentile(own, 95),
      "our own p95 / built-in's": `${(percentile(own, 95) / percentile(ownTimes(base), 95)).toFixed(1)}x`,
    };
  };
  return [row("check_availability", run.availability, baseline.availability), row("book_appointment", run.booking, baseline.booking)];
}

async function race(hubspot: HubSpotSim): Promise<Row[]> {
  const rig = await PROVIDERS.builtin.start();
  const app = await deploy(hubspot, rig, 1);
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
  const only = process.argv[2];
  const single = only && only in PROVIDERS && only !== "builtin" ? (only as BenchProviderId) : null;
  if (only && !["builtin", "burst", "providers"].includes(only) && !single) throw new Error(`npm run bench:booking [-- builtin | burst | providers | <provider>], not ${only}`);
  if (single) {
    // One provider's row against the built-in baseline: npm run bench:booking -- hubspot
    const baseline = await latency(hubspot, "builtin", 0, true, false);
    printTable(`${PROVIDERS[single].label}, ${PROVIDER_LATENCY_MS} ms per provider request, ${CONCURRENT} concurrent paced calls x ${ROUNDS} rounds, ${STAFF} staff`, [...providerRows(baseline, baseline), ...providerRows(await latency(hubspot, single, PROVIDER_LATENCY_MS, true, false), baseline)]);
    return void (await hubspot.close());
  }
  // Each run once: the first table's paced built-in and Google +50 ms runs are also the second's.
  const runs = new Map<string, Run>();
  const run = async (provider: BenchProviderId, latencyMs: number, paced: boolean, meetings: boolean) => {
    const key = `${provider}|${latencyMs}|${paced}`;
    if (!runs.has(key)) runs.set(key, await latency(hubspot, provider, latencyMs, paced, meetings));
    return runs.get(key)!;
  };

  if (only !== "providers") {
    const rows: Row[] = [];
    for (const paced of only === "burst" ? [false] : [true, false]) {
      rows.push(...latencyRows(await run("builtin", 0, paced, true)));
      if (only !== "builtin") for (const latencyMs of [0, 50]) rows.push(...latencyRows(await run("google", latencyMs, paced, true)));
    }
    printTable(`Tool latency, ${CONCURRENT} concurrent calls x ${ROUNDS} rounds (check availability, then book the first slot offered), ${WEB_PROCESSES} web process${WEB_PROCESSES > 1 ? "es" : ""}`, rows);
  }
  if (only === "builtin") return void (await hubspot.close());
  if (only === "burst") {
    printTable("200 concurrent booking attempts over 50 slots (one staff member, built-in calendar)", await race(hubspot));
    return void (await hubspot.close());
  }

  const rows: Row[] = [];
  const baseline = await run("builtin", 0, true, false);
  for (const provider of Object.keys(PROVIDERS) as BenchProviderId[]) rows.push(...providerRows(await run(provider, provider === "builtin" ? 0 : PROVIDER_LATENCY_MS, true, false), baseline));
  printTable(`Per provider, ${PROVIDER_LATENCY_MS} ms per provider request, ${CONCURRENT} concurrent paced calls x ${ROUNDS} rounds, ${STAFF} staff: our own time = the route's time less its wait on the provider (timed in the web process)`, rows);

  const limit = await calendlyLimit(hubspot);
  printTable("Calendly's limit of 10 bookings a minute per user: 15 callers book one Calendly user within a minute", limit.outcomes);
  printTable("What the callers who were not booked heard", limit.heard);
  printTable("Nothing lost or half-done: our bookings against Calendly's scheduled events (after its webhooks)", limit.ledger);

  if (only !== "providers") printTable("200 concurrent booking attempts over 50 slots (one staff member, built-in calendar)", await race(hubspot));
  await hubspot.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
