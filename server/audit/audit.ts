import type { Db, Prisma } from "../db/client.js";
import type { AuditEntryView, AuditPage } from "../../hubspot-app/app/shared/api.js";

// The audit log of a portal's settings: who changed what, and when. Written after each change
// succeeds (by the settings page's write routes and the operator CLI), read newest first by the
// settings page, deleted with the portal's data on uninstall. Details never hold a secret.

export interface MappingChange {
  field: string;
  from: { property: string; policy: string; enabled: boolean };
  to: { property: string; policy: string; enabled: boolean };
}

/** Every kind of change, with what the log keeps of it. */
export type AuditChange =
  | { action: "mapping.saved"; details: { changed: MappingChange[] } }
  | { action: "property.created"; target: string; details: { field: string } }
  | { action: "connection.created"; target: string; details: { vendor: string; label: string | null } }
  | { action: "connection.secret_rotated"; target: string; details: { vendor: string } }
  | { action: "connection.outbound_set"; target: string; details: { vendor: string; apiKeyChanged: boolean } }
  | { action: "fallback.replayed"; target: string | null; details: { replayed: number } }
  | { action: "booking.services_saved"; details: { services: string[]; created: number; updated: number; deleted: number } }
  | { action: "booking.connect_link_created"; target: string; details: { staff: string; provider: string } }
  | { action: "booking.set_up"; details: { services: number; staff: number } }
  | { action: "booking.settings_saved"; details: { timezone: string; created: boolean } }
  | { action: "booking.staff_saved"; details: { staff: string[]; created: number; updated: number; deleted: number } }
  | { action: "booking.webhook_key_set"; target: string; details: { staff: string; provider: string } }
  | { action: "booking.calendar_connected"; target: string; details: { staff: string; provider: string } }
  | { action: "booking.types_saved"; target: string; details: { staff: string; provider: string; types: Record<string, string>; calendarId: string | null } }
  | { action: "context.settings_saved"; details: { shared: string[]; vapiAssistants: number } }
  | { action: "notifications.saved"; details: { changed: string[]; events: string[] } }
  | { action: "notifications.tested"; details: Record<string, "sent" | "failed"> }
  | { action: "routing.settings_saved"; details: { ambiguityRule: string; ownerRule: string; owners: number; createLeads: boolean } }
  | { action: "vendor.api_key_set"; target: string; details: { vendor: string } }
  | { action: "vendor.setup_applied"; target: string; details: { vendor: string; targets: string[]; changes: number } }
  | { action: "vendor.setup_undone"; target: string; details: { vendor: string; targetId: string; restored: number; conflicts: number } };

export type AuditActor = { source: "settings_page"; userId: string; email: string } | { source: "cli" };

export async function recordAudit(db: Db, portalId: string, actor: AuditActor, change: AuditChange): Promise<void> {
  await db.auditEntry.create({
    data: {
      portalId,
      source: actor.source,
      actorUserId: actor.source === "settings_page" ? actor.userId : null,
      actorEmail: actor.source === "settings_page" ? actor.email : null,
      action: change.action,
      target: "target" in change ? change.target : null,
      details: change.details as unknown as Prisma.InputJsonObject,
    },
  });
}

const CONTEXT_LABELS: Record<string, string> = { firstName: "first name", upcomingBooking: "upcoming booking", lastCall: "last call", ownerName: "contact owner's first name" };
const POLICIES: Record<string, string> = { overwrite: "always overwrite", fill_if_empty: "fill if empty" };
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function describeMapping(change: MappingChange): string {
  if (!change.to.enabled) return `${change.field} off`;
  const policy = POLICIES[change.to.policy] ?? change.to.policy;
  return `${change.field} → ${change.to.property} (${policy})${change.from.enabled ? "" : ", on"}`;
}

/** The sentence the settings page shows for an entry. */
export function describeChange(change: AuditChange): string {
  switch (change.action) {
    case "mapping.saved":
      return change.details.changed.length ? `Field mapping saved: ${change.details.changed.map(describeMapping).join("; ")}` : "Field mapping saved (nothing changed)";
    case "property.created":
      return `Created the HubSpot property ${change.target} (for ${change.details.field})`;
    case "connection.created":
      return `Connected ${change.details.vendor}${change.details.label ? ` "${change.details.label}"` : ""}`;
    case "connection.secret_rotated":
      return `Signing secret rotated for the ${change.details.vendor} connection`;
    case "connection.outbound_set":
      return `Outbound calls set up for the ${change.details.vendor} connection${change.details.apiKeyChanged ? " (API key stored)" : ""}`;
    case "fallback.replayed":
      return change.target ? "Replayed a call from the fallback queue" : `Replayed ${plural(change.details.replayed, "call")} from the fallback queue`;
    case "booking.services_saved": {
      const { services, created, updated, deleted } = change.details;
      return `Service types saved: ${services.join(", ")} (${created} new, ${updated} updated, ${deleted} removed)`;
    }
    case "booking.connect_link_created":
      return `Calendar connect link created for ${change.details.staff} (${change.details.provider})`;
    case "booking.settings_saved":
      return change.details.created ? `Booking set up, in the time zone ${change.details.timezone}` : `Business time zone set to ${change.details.timezone}`;
    case "booking.staff_saved": {
      const { staff, created, updated, deleted } = change.details;
      return `Staff saved: ${staff.join(", ")} (${created} new, ${updated} updated, ${deleted} removed)`;
    }
    case "booking.calendar_connected":
      return `${change.details.staff}'s calendar connected on the app's own install (${change.details.provider})`;
    case "booking.webhook_key_set":
      return `Webhook signing key stored for ${change.details.staff}'s calendar (${change.details.provider})`;
    case "booking.types_saved": {
      // Sorted: the details are JSONB, which keeps its own key order.
      const mapped = Object.entries(change.details.types).sort(([a], [b]) => a.localeCompare(b)).map(([service, type]) => `${service} → ${type}`);
      return `${change.details.staff}'s services on ${change.details.provider}: ${mapped.length ? mapped.join(", ") : "none mapped"}${change.details.calendarId ? ` (calendar ${change.details.calendarId})` : ""}`;
    }
    case "booking.set_up":
      return `Booking set up: ${plural(change.details.services, "service type")}, ${plural(change.details.staff, "staff member")}`;
    case "context.settings_saved": {
      const { shared, vapiAssistants } = change.details;
      const told = shared.length ? `the AI is told a known caller's ${shared.map((field) => CONTEXT_LABELS[field] ?? field).join(", ")}` : "the AI is told nothing about known callers";
      return `Caller context saved: ${told}${vapiAssistants ? ` (${plural(vapiAssistants, "Vapi assistant")} set)` : ""}`;
    }
    case "notifications.saved": {
      const { changed, events } = change.details;
      return `Notifications saved${changed.length ? ` (${changed.join(", ")})` : ""}: ${events.length ? `sent for ${events.join(", ")}` : "nothing is sent"}`;
    }
    case "notifications.tested":
      return `Test notification: ${Object.entries(change.details).map(([channel, result]) => `${channel} ${result}`).join(", ")}`;
    case "routing.settings_saved": {
      const { ambiguityRule, ownerRule, owners, createLeads } = change.details;
      const routed = ownerRule === "none" ? "no owner for new callers" : `new callers routed by ${ownerRule.replaceAll("_", "-")} over ${plural(owners, "owner")}`;
      return `Routing saved: shared numbers by ${ambiguityRule.replaceAll("_", " ")}, ${routed}${createLeads ? ", a Lead for each new caller" : ""}`;
    }
    case "vendor.api_key_set":
      return `API key stored for the ${change.details.vendor} connection's setup`;
    case "vendor.setup_applied":
      return `Set up in ${change.details.vendor}: ${change.details.targets.join(", ")} (${plural(change.details.changes, "change")})`;
    case "vendor.setup_undone":
      return `Undid the ${change.details.vendor} setup of ${change.details.targetId}: ${plural(change.details.restored, "value")} restored${change.details.conflicts ? `, ${plural(change.details.conflicts, "conflict")} left as the admin changed them` : ""}`;
    default: {
      // A row written by a newer version of the app: show what it is called rather than fail the page.
      const unknown: never = change;
      return String((unknown as { action: string }).action);
    }
  }
}

/**
 * One page of a portal's log, newest first. `before` is the id of the last entry of the previous
 * page; an id from another portal (or none) is treated as the start, so it reveals nothing.
 */
export async function listAudit(db: Db, portalId: string, options: { limit: number; before?: string }): Promise<AuditPage> {
  const cursor = options.before ? await db.auditEntry.findFirst({ where: { id: options.before, portalId }, select: { id: true, createdAt: true } }) : null;
  const rows = await db.auditEntry.findMany({
    where: { portalId, ...(cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: options.limit + 1,
  });
  const entries = rows.slice(0, options.limit).map((row): AuditEntryView => ({
    id: row.id,
    at: row.createdAt.toISOString(),
    actor: { source: row.source, userId: row.actorUserId, email: row.actorEmail },
    action: row.action,
    target: row.target,
    summary: describeChange({ action: row.action, target: row.target, details: row.details } as AuditChange),
  }));
  return { entries, nextBefore: rows.length > options.limit ? entries.at(-1)!.id : null };
}
