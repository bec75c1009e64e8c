import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/harness.js";
import { applyBookingSetup } from "../../server/booking/setup.js";
import { enqueueMeeting, sweepMeetings } from "../../server/booking/meetings.js";
import { meetingJobId } from "../../server/queue/queues.js";

// A portal whose refresh token HubSpot refuses must be re-authorised by a person. Its work waits
// (not retried until attempts run out, not dropped) and resumes from the new install: calls in
// http.test.ts, the Meetings of bookings here.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.stop());

async function bookingOf(portalId: string) {
  await applyBookingSetup(stack.app.runtime.db, portalId, {
    timezone: "America/Los_Angeles",
    services: [{ name: "Consultation", durationMinutes: 30 }],
    staff: [{ name: "Alex Rivera", email: "alex@example.com", hours: { mon: ["09:00", "17:00"] } }],
  });
  const db = stack.app.runtime.db;
  const [staff, service] = await Promise.all([db.staffMember.findFirstOrThrow({ where: { portalId } }), db.serviceType.findFirstOrThrow({ where: { portalId } })]);
  const startAt = new Date(Date.now() + 3 * 86_400_000);
  const endAt = new Date(startAt.getTime() + 30 * 60_000);
  return db.booking.create({
    data: { portalId, staffId: staff.id, serviceTypeId: service.id, status: "confirmed", startAt, endAt, blockEndAt: endAt, callerPhone: "+14155550701", callerName: "Robin Lee", meetingAction: "booked", meetingVersion: 1 },
  });
}

describe("a portal that must re-authorise", () => {
  it("a booking's Meeting waits for the re-authorisation (no retries) and is logged right after the new install", async () => {
    const portalId = await stack.install();
    const booking = await bookingOf(portalId);
    stack.sim.revokeRefreshTokens(portalId);
    stack.sim.expireAccessTokens(portalId);
    await stack.app.runtime.db.portal.update({ where: { id: portalId }, data: { accessExpiresAt: new Date(Date.now() - 1000) } });

    await enqueueMeeting(stack.app.runtime.meetingQueue, booking, stack.env.SYNC_MAX_ATTEMPTS);
    // Read again once finished: a job read while it ran does not show what it returned.
    const queue = stack.app.runtime.meetingQueue;
    const job = await stack.waitFor(async () => {
      const found = await queue.getJob(meetingJobId(booking.id, 1));
      return found && ((await found.isCompleted()) || (await found.isFailed())) ? queue.getJob(found.id!) : null;
    }, { what: "meeting job finished" });
    expect(job.returnvalue).toBe("waiting_auth");
    expect(job.attemptsMade).toBe(1);
    const waiting = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: booking.id } });
    expect(waiting.meetingSyncedVersion).toBe(0);
    expect(waiting.meetingError).toMatch(/re-authoris/);
    expect((await stack.app.runtime.db.portal.findUniqueOrThrow({ where: { id: portalId } })).status).toBe("needs_reauth");
    // The upkeep sweep leaves it alone (retrying cannot help), even once it counts as failed.
    expect(await sweepMeetings(stack.app.runtime, { ageMs: 0, failedAgeMs: 0 })).toBe(0);

    await stack.install(portalId);
    // Queued again by the callback itself (the sweep would take 5 s): a new job under the same id.
    const resumed = await queue.getJob(meetingJobId(booking.id, 1));
    expect(resumed?.timestamp).toBeGreaterThan(job.timestamp);
    const meeting = await stack.waitFor(async () => stack.sim.portal(portalId).meetings()[0], { what: "meeting after re-authorisation" });
    expect(meeting.properties.hs_meeting_outcome).toBe("SCHEDULED");
    const synced = await stack.waitFor(async () => {
      const row = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: booking.id } });
      return row.meetingSyncedVersion === 1 ? row : null;
    }, { what: "booking's meeting synced" });
    expect(synced.meetingError).toBeNull();
  });
});
