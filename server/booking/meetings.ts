import type { Runtime } from "../runtime.js";
import { hubspotCall } from "../hubspot/call.js";
import { ContactIndexStore } from "../contacts/index-store.js";
import { normaliseEmail, normalisePhone } from "../contacts/phone.js";
import { upsertCaller } from "../contacts/resolve.js";
import { loadMapping } from "../mapping/store.js";
import { LEAD_SOURCE_VALUE } from "../mapping/fields.js";

const MEETING_TO_CONTACT = 200;
const OUTCOME = { booked: "SCHEDULED", rescheduled: "RESCHEDULED", cancelled: "CANCELED" } as const;

/**
 * The booking as a Meeting on the caller's HubSpot contact: created on booking (SCHEDULED, owner =
 * the staff member's HubSpot owner), patched on reschedule (RESCHEDULED, new times) and cancel
 * (CANCELED). The caller is matched with the sync's rules, under the same per-caller lock.
 */
export async function logMeeting(rt: Runtime, bookingId: string, action: keyof typeof OUTCOME): Promise<void> {
  const booking = await rt.db.booking.findUniqueOrThrow({ where: { id: bookingId }, include: { staff: true, serviceType: true } });
  const client = await rt.tokens.client(booking.portalId);
  const portal = await rt.db.portal.findUniqueOrThrow({ where: { id: booking.portalId } });
  const phone = normalisePhone(booking.callerPhone, portal.defaultRegion);
  const email = normaliseEmail(booking.callerEmail);
  let contactId = booking.contactId;
  if (!contactId) {
    const [firstName, ...rest] = (booking.callerName ?? "").trim().split(/\s+/).filter(Boolean);
    const values = new Map<string, string>([["leadSource", LEAD_SOURCE_VALUE]]);
    if (phone) values.set("phone", phone.e164);
    if (email) values.set("email", email);
    if (firstName) values.set("firstName", firstName);
    if (rest.length) values.set("lastName", rest.join(" "));
    const mapping = await loadMapping(rt.db, booking.portalId);
    const key = phone ? `phone:${phone.e164}` : email ? `email:${email}` : `booking:${booking.id}`;
    const resolved = await rt.locks.withLock(`${booking.portalId}:${key}`, () =>
      upsertCaller({ portalId: booking.portalId, client, index: new ContactIndexStore(rt.db), defaultRegion: portal.defaultRegion }, { phone, email, firstName, lastName: rest.join(" ") || null }, values, mapping),
    );
    contactId = resolved.contactId;
    await rt.db.booking.update({ where: { id: booking.id }, data: { contactId } });
  }
  const properties: Record<string, string> = {
    hs_timestamp: booking.startAt.toISOString(),
    hs_meeting_title: `${booking.serviceType.name} with ${booking.staff.name}`,
    hs_meeting_body: `<p>Booked by the AI receptionist: ${booking.serviceType.name} (${booking.serviceType.durationMinutes} minutes) with ${booking.staff.name}.</p>`,
    hs_meeting_start_time: booking.startAt.toISOString(),
    hs_meeting_end_time: booking.endAt.toISOString(),
    hs_meeting_outcome: OUTCOME[action],
  };
  if (booking.staff.hubspotOwnerId) properties.hubspot_owner_id = booking.staff.hubspotOwnerId;
  if (booking.hubspotMeetingId) {
    await hubspotCall(() => client.crm.objects.basicApi.update("meetings", booking.hubspotMeetingId!, { properties }));
    return;
  }
  const meeting = await hubspotCall(() =>
    client.crm.objects.basicApi.create("meetings", {
      properties,
      associations: [{ to: { id: contactId! }, types: [{ associationCategory: "HUBSPOT_DEFINED" as never, associationTypeId: MEETING_TO_CONTACT }] }],
    }),
  );
  await rt.db.booking.update({ where: { id: booking.id }, data: { hubspotMeetingId: meeting.id } });
}
