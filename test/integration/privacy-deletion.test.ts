import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { startStack, TEST_CLIENT_SECRET, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { genericCall, newCallId, retellCall } from "../support/payloads.js";
import { dumpDatabase, dumpRedis, linesWith, rowCounts, tracesIn } from "../support/leaks.js";
import { signV3 } from "../../server/hubspot/signature.js";
import { getVendor } from "../../server/vendors/registry.js";
import { applyBookingSetup } from "../../server/booking/setup.js";
import { addDays, localDate } from "../../server/booking/time.js";
import { hubspotAudioUrl } from "../../server/recordings/links.js";
import { storeRecording } from "../../server/recordings/store.js";
import { callerKey } from "../../server/contacts/identity.js";
import { normalisePhone } from "../../server/contacts/phone.js";
import { meetingJobId, syncJobId } from "../../server/queue/queues.js";

// A privacy deletion and an uninstall, checked where a leftover would actually be: one made-up
// person planted in every table and in Redis through the app's own flows, then a full data dump of
// the database and every Redis key and value searched for their phone digits, email and name.

const TZ = "America/Los_Angeles";
const EVERY_DAY = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]]));
const SETUP = {
  timezone: TZ,
  services: [{ name: "Consultation", durationMinutes: 30 }],
  staff: [
    { name: "Alex Rivera", email: "alex@example.com", calendar: "builtin" as const, hours: EVERY_DAY },
    { name: "Casey Lin", email: "casey@example.com", calendar: "google" as const, hours: EVERY_DAY },
  ],
};

interface Person {
  phone: string;
  email: string;
  first: string;
  last: string;
  /** What must not be found afterwards: phone digits (any formatting) and words (any case). */
  traces: { phoneDigits: string[]; words: string[] };
}

function person(phone: string, email: string, first: string, last: string, otherPhones: string[] = []): Person {
  const digits = (p: string) => normalisePhone(p, "US")!.national;
  return { phone, email, first, last, traces: { phoneDigits: [phone, ...otherPhones].map(digits), words: [email, first, last] } };
}

/** HubSpot's own delivery of app webhook events (signed and shaped by the simulator as HubSpot does). */
async function hubspotWebhook(stack: Stack, events: Record<string, unknown>[]) {
  return stack.sim.deliverAppWebhook({ targetUrl: `${TEST_PUBLIC_BASE_URL}/hubspot/webhooks`, send: `${stack.url}/hubspot/webhooks`, events });
}

/** A settings-page request from a super admin of the portal (uninstall is a settings write). */
async function hubspotFetch(stack: Stack, portalId: string, method: string, path: string) {
  const userId = stack.sim.addUser(portalId, { email: "owner@example.com", superAdmin: true });
  const url = new URL(path, TEST_PUBLIC_BASE_URL);
  url.searchParams.set("portalId", portalId);
  url.searchParams.set("userId", String(userId));
  url.searchParams.set("userEmail", "owner@example.com");
  const timestamp = Date.now();
  const signature = signV3(TEST_CLIENT_SECRET, method, url.toString(), "", timestamp);
  const response = await fetch(url.toString().replace(TEST_PUBLIC_BASE_URL, stack.url), { method, headers: { "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) } });
  return { status: response.status, body: await response.json() };
}

async function genericTool(stack: Stack, connection: Connection, body: Record<string, unknown>) {
  const raw = Buffer.from(JSON.stringify(body));
  const headers = await getVendor("generic").sign(raw, connection.secret, Date.now());
  const response = await fetch(`${stack.url}/tools/${connection.token}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(raw) });
  return (await response.json()) as Record<string, any>;
}

/** Books the first slot offered the day after tomorrow on the caller's line. */
async function book(stack: Stack, connection: Connection, vendorCallId: string, who: Person) {
  const offer = await genericTool(stack, connection, { callId: vendorCallId, name: "check_availability", args: { service_type: "Consultation", date: addDays(localDate(new Date(), TZ), 2) }, callerPhone: who.phone });
  const booked = await genericTool(stack, connection, { callId: vendorCallId, toolCallId: "tc-1", name: "book_appointment", args: { service_type: "Consultation", start: offer.slots[0].start, name: `${who.first} ${who.last}`, email: who.email }, callerPhone: who.phone });
  expect(booked.result).toMatch(/You're booked/);
  return booked.bookingId as string;
}

const waitForCall = (stack: Stack, vendorCallId: string, status: string) =>
  stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId, status } }), { what: `call ${vendorCallId} ${status}`, timeoutMs: 30_000 });

/** A signed HubSpot 400 on the Call that quotes the caller, as HubSpot's validation messages do. */
const quotingRejection = (who: Person) => ({ status: 400, body: { status: "error", category: "VALIDATION_ERROR", message: `Property values were not valid: "${who.first} ${who.last} <${who.email}>"` } });

/**
 * One person through every flow that stores something of them: synced calls (index, snapshot,
 * recording), a call refused by HubSpot (fallback entry, last error), a call retried after a 503
 * that quoted them (Redis job), a quarantined payload, a booking with its tool answer and Meeting.
 */
async function plantPerson(stack: Stack, portalId: string, generic: Connection, who: Person) {
  const db = stack.app.runtime.db;
  const full = { firstName: who.first, lastName: who.last, email: who.email };
  const synced = genericCall({ fromNumber: who.phone, caller: full, summary: `${who.first} ${who.last} asked about a boiler service.`, transcript: `Agent: Your name?\nUser: ${who.first} ${who.last}, ${who.phone}.`, recordingUrl: "https://recordings.vendor.invalid/a.wav", escalation: { reason: `${who.first} wants the owner` } });
  await stack.deliver(generic, synced);
  const first = await waitForCall(stack, synced.vendorCallId, "synced");
  // The worker's copy of the recording, as it lands (the vendor's host is not reachable from here).
  await db.recording.create({ data: { callId: first.id, portalId, contentType: "audio/wav", audio: Buffer.from(`RIFF....WAVE ${who.first} ${who.last} ${who.phone}`) } });

  stack.sim.failMatching((r) => r.method === "POST" && r.path === "/crm/v3/objects/calls/batch/create", quotingRejection(who));
  const refused = genericCall({ fromNumber: who.phone, caller: full, summary: `${who.first} called back.` });
  await stack.deliver(generic, refused);
  await waitForCall(stack, refused.vendorCallId, "fallback");
  stack.sim.failMatching(null);

  stack.sim.failNext(1, { status: 503, body: { status: "error", message: `upstream timeout for ${who.email}` } });
  const retried = genericCall({ fromNumber: who.phone, caller: { email: who.email } });
  await stack.deliver(generic, retried);
  await waitForCall(stack, retried.vendorCallId, "synced");

  const invalid = await stack.deliver(generic, genericCall({ fromNumber: who.phone, caller: { fullName: `${who.first} ${who.last}`, email: who.email }, urgency: "whenever" }));
  expect(invalid.status).toBe(400);

  const bookingCall = newCallId("gen");
  const bookingId = await book(stack, generic, bookingCall, who);
  // Until its Meeting job is done: the contact is set before the Meeting is created, and a job still
  // writing to the booking when the uninstall deletes it fails and stays in Redis with the booking's id.
  await stack.waitFor(
    async () => {
      const booking = await db.booking.findUniqueOrThrow({ where: { id: bookingId } });
      if (!booking.hubspotMeetingId || booking.meetingSyncedVersion < booking.meetingVersion) return false;
      return (await stack.app.runtime.meetingQueue.getJobState(meetingJobId(booking.id, booking.meetingVersion))) === "completed";
    },
    { what: "the booking's Meeting on the contact" },
  );
  return { firstCallId: first.id, bookingId, bookingCall, contactId: first.hubspotContactId! };
}

describe("contact.privacyDeletion", () => {
  const zelda = person("+1 415 555 0199", "dana.privacy@example.com", "Zelda", "Quistorp", ["+1 415 555 0188"]);
  const rowan = person("+1 415 555 0177", "rowan.keep@example.com", "Rowan", "Ellery");
  let stack: Stack;
  let portalId: string;
  let generic: Connection;
  let retell: Connection;

  beforeAll(async () => {
    // The sync held in flight below must outlast the whole test, however slow the machine: the
    // simulator releases it at the end (sim.releaseHung), not the client's timeout.
    stack = await startStack({ env: { HUBSPOT_TIMEOUT_MS: "600000" } });
    portalId = await stack.install();
    generic = await stack.connect(portalId, "generic");
    retell = await stack.connect(portalId, "retell");
    await applyBookingSetup(stack.app.runtime.db, portalId, SETUP);
  });
  afterAll(async () => {
    stack?.sim.releaseHung(); // in case a test stopped before releasing it: the worker would wait for it
    await stack?.stop();
  });

  it("removes everything of the person, found by contact id, merged contacts, phone and email; others keep theirs", async () => {
    const db = stack.app.runtime.db;
    const planted = await plantPerson(stack, portalId, generic, zelda);
    const kept = genericCall({ fromNumber: rowan.phone, caller: { firstName: rowan.first, email: rowan.email }, transcript: `User: ${rowan.first} ${rowan.last} here.` });
    await stack.deliver(generic, kept);
    await waitForCall(stack, kept.vendorCallId, "synced");

    // An earlier contact of Zelda's (another number, no email), merged in HubSpot into the one she has now.
    const older = retellCall("call_analyzed", { from: "+14155550188", analysis: { first_name: "Zelda", last_name: "Quistorp" }, transcript: "User: Zelda Quistorp, calling from my work phone." });
    await stack.deliver(retell, older);
    const olderRow = await waitForCall(stack, older.call.call_id as string, "synced");
    expect(olderRow.hubspotContactId).not.toBe(planted.contactId);
    stack.sim.merge(portalId, planted.contactId, olderRow.hubspotContactId!);
    const merge = { subscriptionType: "contact.merge", portalId: Number(portalId), objectId: Number(planted.contactId), primaryObjectId: Number(planted.contactId), mergedObjectIds: [Number(olderRow.hubspotContactId)], newObjectId: Number(planted.contactId) };
    expect((await hubspotWebhook(stack, [merge])).status).toBe(204);
    expect((await db.call.findUniqueOrThrow({ where: { id: olderRow.id } })).hubspotContactId).toBe(planted.contactId);

    // A sync of hers in flight, holding her caller lock in Redis (HubSpot does not answer it yet).
    // Her booking's Meeting is written first, so the hang below can only catch that sync.
    await stack.waitFor(async () => {
      const booking = await db.booking.findUniqueOrThrow({ where: { id: planted.bookingId } });
      return booking.meetingSyncedVersion >= booking.meetingVersion;
    }, { what: "her booking's Meeting written" });
    // Every read of a contact hangs, not only the first: on a loaded machine the first can be lost to a
    // keep-alive socket the simulator closes as it arrives, and the sync's retry must hang too.
    stack.sim.failMatching((r) => r.portalId === portalId && r.path.startsWith("/crm/v3/objects/contacts"), { mode: "hang" });
    const inFlight = genericCall({ fromNumber: zelda.phone, caller: { firstName: zelda.first } });
    await stack.deliver(generic, inFlight);
    await stack.waitFor(async () => stack.sim.requests.some((r) => r.portalId === portalId && r.path.startsWith("/crm/v3/objects/contacts") && r.status === 0) && (await dumpRedis(stack.prefix)).includes(":caller-lock:"), { what: "her caller lock held by a sync HubSpot does not answer", timeoutMs: 60_000 });

    // HubSpot refuses the app's token: her next calls wait for re-authorisation, linked to no contact,
    // one of them without a number (only her email), and her booking's Meeting cannot be written.
    await stack.app.runtime.tokens.markNeedsReauth(portalId, "HubSpot refused the refresh token");
    const waitingCalls = [genericCall({ fromNumber: "(415) 555-0199", transcript: `User: It's ${zelda.first} again.` }), genericCall({ fromNumber: null, caller: { fullName: "Zelda Quistorp", email: "Dana.Privacy@Example.com" } })];
    for (const call of waitingCalls) await stack.deliver(generic, call);
    for (const call of waitingCalls) expect((await waitForCall(stack, call.vendorCallId, "waiting_auth")).hubspotContactId).toBeNull();
    const unlinkedBooking = await book(stack, generic, newCallId("gen"), zelda);
    expect((await db.booking.findUniqueOrThrow({ where: { id: unlinkedBooking } })).contactId).toBeNull();

    // Everything is planted: the dumps show each trace before the deletion.
    expect(tracesIn(await dumpDatabase(stack.databaseUrl), zelda.traces).sort()).toEqual([...zelda.traces.phoneDigits, ...zelda.traces.words].sort());
    expect(tracesIn(await dumpRedis(stack.prefix), zelda.traces)).toContain(zelda.email);

    stack.sim.deleteContact(portalId, planted.contactId);
    expect((await hubspotWebhook(stack, [{ subscriptionType: "contact.privacyDeletion", portalId: Number(portalId), objectId: Number(planted.contactId) }])).status).toBe(204);

    // Her recording's download finishing now stores nothing, and her recording links play nothing.
    expect(await storeRecording(db, planted.firstCallId, "audio/wav", Buffer.from(`late copy of ${zelda.first}`))).toBe(false);
    const retrieval = `${stack.url}/recordings/hubspot/${planted.firstCallId}?externalAccountId=${portalId}&appId=${stack.env.HUBSPOT_APP_ID}`;
    expect((await fetch(retrieval)).status).toBe(404);
    const link = hubspotAudioUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, planted.firstCallId).replace(TEST_PUBLIC_BASE_URL, stack.url);
    expect((await fetch(link)).status).toBe(404);
    expect(await db.toolInvocation.count({ where: { key: { contains: planted.bookingCall } } })).toBe(0);

    const dump = await dumpDatabase(stack.databaseUrl);
    const redis = await dumpRedis(stack.prefix);
    expect(linesWith(dump, zelda.traces)).toEqual([]);
    expect(linesWith(redis, zelda.traces)).toEqual([]);
    expect(redis).toContain(":caller-lock:"); // still held by the sync in flight, under a key that says nothing
    // Others keep theirs; her bookings keep their times for the calendar.
    expect(tracesIn(dump, rowan.traces).sort()).toEqual([...rowan.traces.phoneDigits, ...rowan.traces.words].sort());
    expect(await db.booking.count({ where: { id: { in: [planted.bookingId, unlinkedBooking] }, status: "confirmed" } })).toBe(2);
    // None of her calls is sent to HubSpot after this, re-authorised or replayed.
    const hers = await db.call.findMany({ where: { portalId, vendorCallId: { not: kept.vendorCallId } } });
    expect(hers.every((c) => c.syncedVersion >= c.version)).toBe(true);
    stack.sim.failMatching(null);
    stack.sim.releaseHung();
  });

  it("a recording download that finishes while a deletion holds the call stores nothing", async () => {
    const db = stack.app.runtime.db;
    const call = genericCall({ fromNumber: "+14155550155", recordingUrl: "https://recordings.vendor.invalid/b.wav" });
    await stack.deliver(generic, call);
    const row = await stack.waitFor(() => db.call.findFirst({ where: { vendorCallId: call.vendorCallId } }), { what: "the call stored" });
    const deletion = new pg.Client({ connectionString: stack.databaseUrl });
    await deletion.connect();
    try {
      // The deletion's transaction: the call row held FOR UPDATE, then scrubbed.
      await deletion.query("BEGIN");
      await deletion.query(`SELECT "id" FROM "Call" WHERE "id" = $1 FOR UPDATE`, [row.id]);
      let settled = false;
      const download = storeRecording(db, row.id, "audio/wav", Buffer.from("audio")).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await deletion.query(`UPDATE "Call" SET "record" = jsonb_set("record", '{recordingUrl}', 'null') WHERE "id" = $1`, [row.id]);
      await deletion.query("COMMIT");
      expect(await download).toBe(false);
      expect(await db.recording.count({ where: { callId: row.id } })).toBe(0);
    } finally {
      await deletion.end();
    }
  });
});

describe("uninstall", () => {
  const otto = person("+1 415 555 0166", "otto.uninstall@example.com", "Otto", "Brennecke");
  let stack: Stack;
  let portalId: string;
  let generic: Connection;

  beforeAll(async () => {
    stack = await startStack({ env: { GOOGLE_CLIENT_ID: "google-client-id.apps.example.com", GOOGLE_CLIENT_SECRET: "google-client-secret-for-tests" } });
    portalId = await stack.install();
    generic = await stack.connect(portalId, "generic");
    await applyBookingSetup(stack.app.runtime.db, portalId, SETUP);
  });
  afterAll(async () => stack?.stop());

  it("leaves nothing of the portal in any table or in Redis but the uninstalled marker", async () => {
    const rt = stack.app.runtime;
    const planted = await plantPerson(stack, portalId, generic, otto);
    // A staff calendar being connected and what its sync saw.
    const casey = await rt.db.staffMember.findFirstOrThrow({ where: { portalId, calendar: "google" } });
    await rt.calendars.connectUrl(casey);
    await rt.db.externalBusy.create({ data: { staffId: casey.id, eventId: "evt-1", startAt: new Date(), endAt: new Date(Date.now() + 3_600_000) } });
    const ids = [portalId, ...(await rt.db.call.findMany({ where: { portalId } })).map((c) => c.id), ...(await rt.db.booking.findMany({ where: { portalId } })).map((b) => b.id)];

    // Where its admins are told of escalations: the webhook URL is a credential of theirs.
    expect(await rt.notifications.save(portalId, { slackUrl: "https://hooks.slack.example/services/T000/B000/uninstall", email: "ops@example.com", events: ["escalation"] })).toEqual({ kind: "saved" });
    const before = rowCounts(await dumpDatabase(stack.databaseUrl));
    for (const table of ["NotificationSettings", "Call", "CallEvent", "Recording", "FallbackEntry", "QuarantinedPayload", "ContactIndex", "ContactSnapshot", "Booking", "ToolInvocation", "ExternalBusy", "CalendarOAuthState", "FieldMapping", "ProvisionedProperty", "StaffMember", "ServiceType", "BookingSettings", "Connection"]) {
      expect(before[table], table).toBeGreaterThan(0);
    }

    const key = callerKey(rt.env.ENCRYPTION_KEY, portalId, { phone: normalisePhone(otto.phone, "US"), email: null })!;
    await rt.locks.withLock(`${portalId}:${key}`, async () => {
      expect(await hubspotFetch(stack, portalId, "DELETE", "/ui/v1/install")).toEqual({ status: 200, body: { uninstalled: true } });
      const dump = await dumpDatabase(stack.databaseUrl);
      const left = Object.entries(rowCounts(dump)).filter(([table, rows]) => rows > 0 && !["_prisma_migrations", "OAuthState"].includes(table));
      expect(left).toEqual([["Portal", 1]]);
      expect(await rt.db.portal.findUniqueOrThrow({ where: { id: portalId } })).toMatchObject({ status: "uninstalled", accessTokenEnc: null, refreshTokenEnc: null });
      expect(await rt.db.notificationSettings.count({ where: { portalId } })).toBe(0);
      expect(linesWith(dump, otto.traces)).toEqual([]);
      const redis = await dumpRedis(stack.prefix);
      expect(linesWith(redis, otto.traces)).toEqual([]);
      expect(redis.split("\n").filter((line) => ids.some((id) => line.includes(id)))).toEqual([]);
    });
  });
});

describe("uninstall while a job runs", () => {
  const uma = person("+1 415 555 0144", "uma.inflight@example.com", "Uma", "Okonkwo");
  let stack: Stack;

  beforeAll(async () => {
    // HubSpot's hung answers below are released by the test (sim.releaseHung), not by the client's timeout.
    stack = await startStack({ env: { HUBSPOT_TIMEOUT_MS: "600000" } });
  });
  afterAll(async () => {
    stack?.sim.releaseHung();
    await stack?.stop();
  });

  it("a call sync and a Meeting running at the uninstall leave nothing in Redis once they end", async () => {
    const rt = stack.app.runtime;
    const portalId = await stack.install();
    const generic = await stack.connect(portalId, "generic");
    await applyBookingSetup(rt.db, portalId, SETUP);
    // HubSpot answers nothing for this portal: the call's sync and the booking's Meeting job both run, waiting.
    stack.sim.failMatching((r) => r.portalId === portalId && r.path.startsWith("/crm/"), { mode: "hang" });
    const call = genericCall({ fromNumber: uma.phone, caller: { firstName: uma.first, lastName: uma.last, email: uma.email } });
    await stack.deliver(generic, call);
    const bookingId = await book(stack, generic, newCallId("gen"), uma);
    const row = await stack.waitFor(() => rt.db.call.findFirst({ where: { vendorCallId: call.vendorCallId } }), { what: "the call stored" });
    const booking = await rt.db.booking.findUniqueOrThrow({ where: { id: bookingId } });
    const syncId = syncJobId(row.id, row.version);
    const meetingId = meetingJobId(booking.id, booking.meetingVersion);
    await stack.waitFor(async () => (await rt.queue.getJobState(syncId)) === "active" && (await rt.meetingQueue.getJobState(meetingId)) === "active", { what: "both jobs running, waiting for HubSpot", timeoutMs: 60_000 });

    expect(await hubspotFetch(stack, portalId, "DELETE", "/ui/v1/install")).toEqual({ status: 200, body: { uninstalled: true } });
    const mentions = async () => (await dumpRedis(stack.prefix)).split("\n").filter((line) => line.includes(row.id) || line.includes(booking.id));
    // A running job cannot be removed: this is what the workers must clean up when the jobs end.
    expect(await mentions()).not.toEqual([]);

    stack.sim.failMatching(null);
    stack.sim.releaseHung();
    await stack.waitFor(async () => (await mentions()).length === 0, { what: "no job of the deleted call or booking left in Redis", timeoutMs: 30_000 });
    expect(await rt.queue.getJobState(syncId)).toBe("unknown");
    expect(await rt.meetingQueue.getJobState(meetingId)).toBe("unknown");
  });
});
