import type { Db } from "../db/client.js";
import { isVendorId, webhookUrlFor } from "../connections/connections.js";
import { getVendor } from "../vendors/registry.js";
import { hubspotRecordUrl } from "../hubspot/records.js";
import type { OnboardingResponse, OnboardingStep } from "../../hubspot-app/app/shared/api.js";

// The checklist at the top of the settings page after install: each step's state read from what has
// actually happened in the portal (no "mark as done"), with where the next action is. Nothing is added
// to the webhook's hot path: a delivery is the connection's lastDeliveryAt (written at most every 10 s
// per connection at ingest) or, for one we could not read, its latest quarantined payload.

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** "2 min ago", as the page shows it. */
export function ago(from: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
  if (seconds < 60) return "just now";
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

export async function onboardingChecklist(db: Db, portalId: string, publicBaseUrl: string, now = new Date()): Promise<OnboardingResponse> {
  const [connections, quarantined, latestSynced, services, staff] = await Promise.all([
    db.connection.findMany({ where: { portalId }, select: { id: true, vendor: true, webhookToken: true, lastDeliveryAt: true }, orderBy: { createdAt: "asc" } }),
    db.quarantinedPayload.groupBy({ by: ["connectionId"], where: { portalId }, _max: { receivedAt: true } }),
    // The newest synced call, one row off Call_portalId_status_createdAt_id_idx however many there are.
    db.call.findFirst({ where: { portalId, status: "synced" }, select: { hubspotCallId: true, syncedAt: true }, orderBy: { createdAt: "desc" } }),
    db.serviceType.count({ where: { portalId } }),
    db.staffMember.count({ where: { portalId } }),
  ]);

  const vendorLabel = (vendor: string) => (isVendorId(vendor) ? getVendor(vendor).label : vendor);
  const connect: OnboardingStep = {
    id: "connect",
    done: connections.length > 0,
    detail: connections.length ? `${[...new Set(connections.map((c) => vendorLabel(c.vendor)))].join(", ")} connected` : "No AI receptionist connected yet",
    tab: "connections",
    copyUrl: null,
    link: null,
  };

  const quarantinedAt = new Map(quarantined.map((q) => [q.connectionId, q._max.receivedAt]));
  const deliveredAt = (c: (typeof connections)[number]) => [c.lastDeliveryAt, quarantinedAt.get(c.id)].filter((d): d is Date => !!d).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  const latest = connections.map(deliveredAt).filter((d): d is Date => !!d).sort((a, b) => b.getTime() - a.getTime())[0];
  const waiting = connections.find((c) => !deliveredAt(c));
  const urls: OnboardingStep = {
    id: "urls",
    done: !!latest,
    detail: latest
      ? `Last delivery ${ago(latest, now)}${waiting ? `; ${vendorLabel(waiting.vendor)} has no delivery yet` : ""}`
      : connections.length
        ? "No delivery yet: paste the webhook URL into your AI receptionist's settings"
        : "No delivery yet",
    tab: "connections",
    copyUrl: waiting ? webhookUrlFor(publicBaseUrl, waiting.webhookToken) : null,
    link: null,
  };

  const firstCall: OnboardingStep = {
    id: "first_call",
    done: !!latestSynced,
    detail: latestSynced?.syncedAt ? `Latest call in HubSpot ${ago(latestSynced.syncedAt, now)}` : "No call in HubSpot yet: call your AI receptionist once",
    tab: "calls",
    copyUrl: null,
    link: latestSynced?.hubspotCallId ? hubspotRecordUrl(portalId, "call", latestSynced.hubspotCallId) : null,
  };

  const booking: OnboardingStep = {
    id: "booking",
    done: services > 0 && staff > 0,
    detail:
      services > 0 && staff > 0
        ? `${plural(services, "service type")}, ${plural(staff, "calendar")}`
        : services > 0
          ? "Add a staff member with a calendar"
          : staff > 0
            ? "Add a service type"
            : "No service type or calendar yet",
    tab: "booking",
    copyUrl: null,
    link: null,
  };

  const steps = [connect, urls, firstCall, booking];
  return { steps, allDone: steps.every((s) => s.done) };
}
