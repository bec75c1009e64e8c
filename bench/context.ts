import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createDb, type Db } from "../server/db/client.js";
import { createConnection } from "../server/connections/connections.js";
import { callerKey } from "../server/contacts/identity.js";
import { normalisePhone } from "../server/contacts/phone.js";
import { getVendor } from "../server/vendors/registry.js";
import { startHubSpotSim, type HubSpotSim } from "../simulators/hubspot/index.js";
import { benchDatabase, benchEnv, percentile, printTable, startDeployment } from "./support.js";
import { readSqlCount } from "./context/sql-count.js";

// Caller context at the start of a call: Retell call_inbound webhooks, 50 at the same instant, signed,
// against the web process in its own process (this process is Retell and HubSpot).
// 1. Known callers (a stored call, the contact index and snapshot, half with a booking): answered from
//    our own data, every shared field on.
// 2. Callers we do not know, spread over 10 portals (5 each per burst): one HubSpot contact search each
//    (half of them find a contact), under the 1.5 s deadline.
// "own ms" is the web process's time minus the time it waited for HubSpot (its rate limit included),
// both from the Server-Timing header; "total ms" is what the vendor waits. Two figures the machine's
// load hardly moves: the CPU per answer of the web process and of PostgreSQL's backends (/proc), and
// the SQL statements per answer (counted inside the web process, context/preload.ts); and the web
// process's CPU for a request that does nothing, the floor under every answer.
//   npm run bench:context

const CONCURRENT = 50;
const ROUNDS = 10;
const PORTALS = 10;
const PRELOAD = new URL("./context/preload.ts", import.meta.url).href;
// A stored call carries its transcript, twice (text and turns): what the lookup reads past to get a name.
const WORDS = "the a tap kitchen leak water boiler visit tomorrow morning please sure thanks which address street number plumber hour price quote urgent under sink drip since Monday can you come".split(" ");

interface Portal {
  portalId: string;
  token: string;
  secret: string;
  connectionId: string;
}

async function install(web: string, sim: HubSpotSim): Promise<string> {
  const portalId = String(randomInt(10_000_000, 99_999_999));
  const started = await fetch(`${web}/oauth/install`, { redirect: "manual" });
  const state = new URL(started.headers.get("location")!).searchParams.get("state")!;
  const callback = await fetch(`${web}/oauth/callback?code=${sim.issueAuthCode(portalId)}&state=${state}`);
  if (callback.status !== 200) throw new Error(`install failed: ${callback.status}`);
  return portalId;
}

async function connect(db: Db, env: Record<string, string>, portalId: string): Promise<Portal> {
  const secret = `retell-${randomBytes(12).toString("hex")}`;
  const view = await createConnection(db, { portalId, vendor: "retell", secret, encryptionKey: env.ENCRYPTION_KEY!, publicBaseUrl: env.PUBLIC_BASE_URL! });
  return { portalId, token: new URL(view.webhookUrl).pathname.split("/").pop()!, secret, connectionId: view.id };
}

/** A caller we know, as a synced call leaves them: the call row, the index entry, the snapshot; `booked`: a confirmed booking next week. */
async function seedKnown(db: Db, env: Record<string, string>, portal: Portal, phone: string, i: number, booking: { serviceId: string; staffId: string } | null): Promise<void> {
  const contactId = String(900_000 + i);
  const e164 = normalisePhone(phone, "US")!.e164;
  const utterances = Array.from({ length: 60 }, (_, turn) => ({ speaker: turn % 2 ? "caller" : "agent", text: Array.from({ length: 18 }, () => WORDS[randomInt(WORDS.length)]).join(" "), startMs: turn * 5_000, endMs: turn * 5_000 + 4_000 }));
  const transcript = utterances.map((u) => `${u.speaker === "agent" ? "Agent" : "User"}: ${u.text}`).join("\n");
  const record = { vendor: "retell", vendorCallId: `seed-${i}`, eventType: "call_analyzed", stage: "analyzed", direction: "inbound", fromNumber: e164, caller: { firstName: `Caller${i}` }, summary: "Asked about a leaking tap. Wants a visit.", intent: "Plumbing repair", transcript, utterances, qualification: {} };
  await db.call.create({ data: { portalId: portal.portalId, connectionId: portal.connectionId, vendor: "retell", vendorCallId: `seed-${i}`, record, status: "synced", syncedVersion: 1, callerKey: callerKey(env.ENCRYPTION_KEY!, portal.portalId, { phone: normalisePhone(phone, "US"), email: null }), hubspotContactId: contactId, startedAt: new Date(Date.now() - 86_400_000) } });
  await db.contactIndex.create({ data: { portalId: portal.portalId, keyType: "phone", keyValue: e164, contactId } });
  await db.contactSnapshot.create({ data: { portalId: portal.portalId, contactId, filled: ["firstname", "phone"], ownerId: "501" } });
  if (booking) {
    const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + (7 * 24 + i) * 3_600_000);
    const end = new Date(start.getTime() + 30 * 60_000);
    await db.booking.create({ data: { id: randomUUID(), portalId: portal.portalId, staffId: booking.staffId, serviceTypeId: booking.serviceId, status: "confirmed", reference: null, startAt: start, endAt: end, blockEndAt: end, callerPhone: e164 } });
  }
}

async function inbound(web: string, portal: Portal, from: string): Promise<{ ms: number; appMs: number; hubspotMs: number; known: boolean; statements: number }> {
  const body = Buffer.from(JSON.stringify({ event: "call_inbound", call_inbound: { agent_id: "agent_bench", from_number: from, to_number: "+14155550100" } }));
  // Signing is the vendor's work: done before the clock starts.
  const headers = await getVendor("retell").sign(body, portal.secret, Date.now());
  const started = performance.now();
  const response = await fetch(`${web}/webhooks/${portal.token}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(body) });
  const json = (await response.json()) as { call_inbound?: { dynamic_variables?: Record<string, string> } };
  const ms = performance.now() - started;
  if (response.status !== 200 || !json.call_inbound) throw new Error(`inbound answered ${response.status}: ${JSON.stringify(json)}`);
  const timing = response.headers.get("server-timing") ?? "";
  const appMs = Number(/app;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN);
  const hubspotMs = Number(/hubspot;dur=([\d.]+)/.exec(timing)?.[1] ?? 0);
  return { ms, appMs, hubspotMs, known: json.call_inbound.dynamic_variables?.known === "true", statements: readSqlCount(response.headers) ?? NaN };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU ms the process has used (user + system), from /proc: clock ticks of 10 ms; 0 once it is gone. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  const fields = stat?.split(") ")[1]?.split(" ");
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : 0;
}

interface CpuProbe {
  webPid: number;
  db: Db;
}

/** The web process's CPU, and each PostgreSQL backend's on the benchmark's database (by pid). */
async function cpuSnapshot(probe: CpuProbe): Promise<{ web: number; postgres: Map<number, number> }> {
  const backends = await probe.db.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
  const postgres = new Map(await Promise.all(backends.map(async ({ pid }) => [pid, await cpuMs(pid)] as const)));
  return { web: await cpuMs(probe.webPid), postgres };
}

/** CPU ms spent between two snapshots: the web process, and PostgreSQL (a backend new since the first counts whole). */
function cpuSpent(before: Awaited<ReturnType<typeof cpuSnapshot>>, after: Awaited<ReturnType<typeof cpuSnapshot>>): { web: number; postgres: number } {
  let postgres = 0;
  for (const [pid, ms] of after.postgres) postgres += ms - (before.postgres.get(pid) ?? 0);
  return { web: after.web - before.web, postgres };
}

/** Each round's requests at one instant (burst), or spread over 2 s as calls starting close together are (paced). */
async function measure(label: string, sim: HubSpotSim, calls: { portal: Portal; from: string }[][], web: { url: string; probe: CpuProbe }, paced: boolean): Promise<Record<string, string | number>> {
  const totals: number[] = [];
  const own: number[] = [];
  let known = 0;
  let statements = 0;
  const before = sim.countRequests({ pathPrefix: "/crm/" });
  const cpuBefore = await cpuSnapshot(web.probe);
  for (const round of calls) {
    const answers = await Promise.all(round.map(async ({ portal, from }) => {
      if (paced) await sleep(Math.random() * 2_000);
      return inbound(web.url, portal, from);
    }));
    for (const a of answers) {
      totals.push(a.ms);
      own.push(a.appMs - a.hubspotMs);
      statements += a.statements;
      if (a.known) known++;
    }
  }
  const cpu = cpuSpent(cpuBefore, await cpuSnapshot(web.probe));
  const requests = sim.countRequests({ pathPrefix: "/crm/" }) - before;
  return { callers: label, arrival: paced ? "paced (2 s)" : "burst", answers: totals.length, "answered known": known, "own p50 ms": percentile(own, 50), "own p95 ms": percentile(own, 95), "total p50 ms": percentile(totals, 50), "total p95 ms": percentile(totals, 95), "total max ms": percentile(totals, 100), "web CPU ms / answer": cpu.web / totals.length, "PostgreSQL CPU ms / answer": cpu.postgres / totals.length, "SQL / answer": statements / totals.length, "HubSpot requests / answer": Number((requests / totals.length).toFixed(2)) };
}

async function main(): Promise<void> {
  const sim = await startHubSpotSim();
  const database = await benchDatabase();
  const env = benchEnv(database.url, { HUBSPOT_API_BASE_URL: sim.url });
  const { web, worker, portalId } = await startDeployment(sim, env, [PRELOAD]);
  const db = createDb(database.url, 4);
  try {
    const url = web.url!;
    const portals = [await connect(db, env, portalId)];
    for (let i = 1; i < PORTALS; i++) portals.push(await connect(db, env, await install(url, sim)));
    const home = portals[0]!;

    // 1. Known callers in one portal, every field shared, half of them booked.
    await db.callerContextSettings.create({ data: { portalId: home.portalId, shareFirstName: true, shareUpcomingBooking: true, shareLastCall: true, shareOwnerName: true } });
    const service = await db.serviceType.create({ data: { portalId: home.portalId, name: "Repair visit", durationMinutes: 30, aliases: [], reminderMinutes: [] } });
    const staff = await db.staffMember.create({ data: { portalId: home.portalId, name: "Sam Okafor", email: "sam@example.com", timezone: "America/Los_Angeles", hours: {}, hubspotOwnerId: "501" } });
    const knownPhones = Array.from({ length: CONCURRENT * 2 }, (_, i) => `+1415555${String(2000 + i).padStart(4, "0")}`);
    for (const [i, phone] of knownPhones.entries()) await seedKnown(db, env, home, phone, i, i % 2 === 0 ? { serviceId: service.id, staffId: staff.id } : null);

    // 2. Callers we do not know: half are HubSpot contacts (found by the search), half nobody's.
    const strangers = portals.flatMap((portal, p) =>
      Array.from({ length: (CONCURRENT / PORTALS) * ROUNDS }, (_, i) => {
        const from = `+1628555${String(p * 1000 + i).padStart(4, "0")}`;
        if (i % 2 === 0) sim.seedContact(portal.portalId, { firstname: `Stranger${i}`, phone: from });
        return { portal, from };
      }),
    );

    // Warm-up (JIT, pools), not measured.
    for (let i = 0; i < 10; i++) await inbound(url, home, knownPhones[i]!);

    const knownRounds = Array.from({ length: ROUNDS }, (_, r) => Array.from({ length: CONCURRENT }, (_, i) => ({ portal: home, from: knownPhones[(r * CONCURRENT + i) % knownPhones.length]! })));
    const perRound = CONCURRENT / PORTALS;
    const strangerRounds = Array.from({ length: ROUNDS }, (_, r) => portals.flatMap((portal) => strangers.filter((s) => s.portal === portal).slice(r * perRound, (r + 1) * perRound)));
    const rows = [];
    const target = { url, probe: { webPid: web.child.pid!, db } };
    for (const paced of [true, false]) rows.push(await measure("known (stored call, index, booking)", sim, knownRounds, target, paced));
    // Each stranger calls once: the paced rounds take the first half of them, the bursts the second.
    const half = ROUNDS / 2;
    for (const [paced, rounds] of [[true, strangerRounds.slice(0, half)], [false, strangerRounds.slice(half)]] as const) rows.push(await measure(`unknown (${PORTALS} portals x ${perRound})`, sim, [...rounds], target, paced));
    printTable(`Caller context, ${CONCURRENT} concurrent Retell call_inbound webhooks x ${ROUNDS} rounds`, rows);

    // The floor under every answer on this machine: an HTTP request that does nothing (GET /healthz), in the same bursts.
    const floorBefore = await cpuSnapshot(target.probe);
    for (let r = 0; r < ROUNDS; r++) await Promise.all(Array.from({ length: CONCURRENT }, () => fetch(`${url}/healthz`).then((response) => response.arrayBuffer())));
    const floor = cpuSpent(floorBefore, await cpuSnapshot(target.probe));
    console.log(`\nHTTP floor (GET /healthz, ${CONCURRENT} x ${ROUNDS} in bursts): web CPU ${(floor.web / (CONCURRENT * ROUNDS)).toFixed(2)} ms / request`);
  } finally {
    web.child.kill();
    worker.child.kill();
    await db.$disconnect();
    await sim.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await database.drop();
  }
}

await main();
