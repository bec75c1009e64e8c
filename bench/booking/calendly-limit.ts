import { randomBytes } from "node:crypto";
import { addDays, localDate } from "../../server/booking/time.js";
import { startCalendlySim } from "../../simulators/calendly/index.js";
import type { HubSpotSim } from "../../simulators/hubspot/index.js";
import { percentile } from "../support.js";
import { deploy, type ToolResult } from "./deploy.js";
import { calendlyRig, TZ } from "./providers.js";

// What callers hear when Calendly's per-user limit on POST /invitees (10 a minute on paid plans
// below Enterprise, which the simulator enforces) is hit: CALLERS callers book the one staff member's
// Calendly within a minute, each as a real call goes (availability, the AI talking, then the booking
// of the first slot offered), at LATENCY_MS per Calendly request. Then the proof that nothing was
// lost or left half-done: our bookings against Calendly's scheduled events, once its webhooks are in.

const CALLERS = 15;
const LATENCY_MS = 50;
/** Calls start within this much of each other. */
const SPREAD_MS = 10_000;

type Row = Record<string, string | number>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function calendlyLimit(hubspot: HubSpotSim): Promise<{ outcomes: Row[]; heard: Row[]; ledger: Row[] }> {
  const sim = await startCalendlySim({ latencyMs: LATENCY_MS });
  const rig = calendlyRig(sim);
  const app = await deploy(hubspot, rig, 1);
  const { email: staffEmail } = await app.db.staffMember.findFirstOrThrow({ where: { portalId: app.portalId } });
  const today = localDate(new Date(), TZ);
  await app.tool("check_availability", { service_type: "consultation", date: addDays(today, 20) }, "warm", "+14155550999");

  // 1. The callers. An exception, a non-200 or an answer without words is a caller left in silence.
  const answers: ({ callId: string; booked: ToolResult } | { silent: string })[] = await Promise.all(
    Array.from({ length: CALLERS }, async (_, i) => {
      await sleep((i * SPREAD_MS) / CALLERS);
      const callId = `limit-${i}-${randomBytes(3).toString("hex")}`;
      const from = `+1415557${String(1000 + i)}`;
      try {
        const offer = await app.tool("check_availability", { service_type: "consultation", date: addDays(today, 1 + (i % 3)) }, callId, from);
        const slot = offer.json.slots?.[0];
        if (!slot) return { silent: `no slot offered: ${offer.json.result}` };
        await sleep(1_000 + Math.random() * 2_000);
        const booked = await app.tool("book_appointment", { service_type: "Consultation", start: slot.start, name: `Caller ${i + 1}`, email: `caller${i + 1}@example.com` }, callId, from);
        if (booked.status !== 200 || typeof booked.json.result !== "string" || !booked.json.result) return { silent: `HTTP ${booked.status}: ${JSON.stringify(booked.json).slice(0, 120)}` };
        return { callId, booked };
      } catch (error) {
        return { silent: (error as Error).message };
      }
    }),
  );
  const answered = answers.flatMap((a) => ("booked" in a ? [a] : []));
  const confirmed = answered.filter((a) => a.booked.json.bookingId).map((a) => a.booked);
  const refused = answered.filter((a) => !a.booked.json.bookingId);

  // 2. Calendly's webhooks about the new events reach us; then both ledgers are read.
  await sim.settle();
  await sleep(1_000);
  const posts = sim.requests.filter((r) => r.method === "POST" && r.path === "/invitees");
  const events = sim.events(staffEmail).filter((e) => e.status === "active");
  const calendlyIds = new Set(events.map((e) => e.uuid));
  const rows = await app.db.booking.findMany({ where: { portalId: app.portalId, status: { not: "held" } } });
  const ours = rows.filter((b) => b.status === "confirmed");
  const oursIds = new Set(ours.map((b) => b.externalEventId));
  const withdrawn = rows.filter((b) => b.status === "cancelled" && (b.history as { action: string; reason?: string }[]).some((h) => h.action === "withdrawn" && h.reason === "calendar_error"));
  const held = await app.db.booking.count({ where: { portalId: app.portalId, status: "held", holdExpiresAt: { gt: new Date() }, vendorCallId: { in: refused.map((a) => a.callId) } } });
  const toldBookedWithoutEvent = confirmed.filter((a) => {
    const row = ours.find((b) => b.id === a.json.bookingId);
    return !row?.externalEventId || !calendlyIds.has(row.externalEventId);
  }).length;
  const firstPost = posts[0]?.at ?? 0;
  const lastPost = posts.at(-1)?.at ?? 0;
  await app.stop();
  await rig.stop();

  const texts = new Map<string, { error: string; callers: number }>();
  for (const { booked: a } of refused) {
    const said = texts.get(a.json.result) ?? { error: String(a.json.error ?? ""), callers: 0 };
    said.callers++;
    texts.set(a.json.result, said);
  }
  const silent = answers.flatMap((a) => ("silent" in a ? [a.silent] : []));
  if (silent.length) console.error("callers without an answer:", silent);
  const p95 = (list: ToolResult[]) => (list.length ? percentile(list.map((a) => a.ms), 95) : "");
  return {
    outcomes: [
      {
        callers: CALLERS,
        booked: confirmed.length,
        "told something else": refused.length,
        "without an answer": silent.length,
        "POST /invitees sent": posts.length,
        "answered 201": posts.filter((p) => p.status === 201).length,
        "answered 429": posts.filter((p) => p.status === 429).length,
        "held back (limit known)": refused.length - posts.filter((p) => p.status === 429).length,
        "s from first to last POST": Number(((lastPost - firstPost) / 1000).toFixed(1)),
        "booked p95 ms": p95(confirmed),
        "refused p95 ms": p95(refused.map((a) => a.booked)),
      },
    ],
    heard: [...texts].map(([message, { error, callers }]) => ({ callers, error, "what the AI said": `"${message}"` })),
    ledger: [
      {
        "our confirmed bookings": ours.length,
        "Calendly active events": events.length,
        "confirmed to a caller without a Calendly event": toldBookedWithoutEvent,
        "Calendly events without our booking": events.filter((e) => !oursIds.has(e.uuid)).length,
        "our bookings without a Calendly event": ours.filter((b) => !b.externalEventId || !calendlyIds.has(b.externalEventId)).length,
        "withdrawn (history: booked, withdrawn calendar_error)": withdrawn.length,
        "slots still held for refused callers": held,
      },
    ],
  };
}
