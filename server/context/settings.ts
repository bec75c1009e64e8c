import { z } from "zod";
import type { Db, Prisma } from "../db/client.js";
import type { CallerContextField, CallerContextResponse, CallerContextShared } from "../../hubspot-app/app/shared/api.js";

// Which of a known caller's details a portal lets the AI be told (the settings page's "Caller context"
// tab), and which assistant each of its Vapi connections starts. Read on every inbound call in the
// same statement as the caller's data (lookup.ts); written by a super admin.

export const CONTEXT_FIELDS = ["firstName", "upcomingBooking", "lastCall", "ownerName"] as const satisfies readonly CallerContextField[];

/** A portal that never chose: the caller's first name and their upcoming booking, nothing else. */
export const DEFAULT_SHARED: CallerContextShared = { firstName: true, upcomingBooking: true, lastCall: false, ownerName: false };

export interface ContextSettings {
  shared: CallerContextShared;
  /** connectionId -> Vapi assistant id. */
  vapiAssistants: Record<string, string>;
}

/** The settings row as SQL reads it (lookup.ts selects it with the caller's data); null: no row yet. */
export interface ContextSettingsRow {
  shareFirstName: boolean;
  shareUpcomingBooking: boolean;
  shareLastCall: boolean;
  shareOwnerName: boolean;
  vapiAssistants: unknown;
}

export function settingsOf(row: ContextSettingsRow | null | undefined): ContextSettings {
  if (!row) return { shared: { ...DEFAULT_SHARED }, vapiAssistants: {} };
  const assistants = row.vapiAssistants && typeof row.vapiAssistants === "object" ? (row.vapiAssistants as Record<string, unknown>) : {};
  return {
    shared: { firstName: row.shareFirstName, upcomingBooking: row.shareUpcomingBooking, lastCall: row.shareLastCall, ownerName: row.shareOwnerName },
    vapiAssistants: Object.fromEntries(Object.entries(assistants).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "")),
  };
}

export async function contextSettings(db: Db, portalId: string): Promise<ContextSettings> {
  return settingsOf(await db.callerContextSettings.findUnique({ where: { portalId } }));
}

/** The settings page's view: the shared fields and every Vapi connection of the portal with its assistant. */
export async function contextSettingsView(db: Db, portalId: string): Promise<CallerContextResponse> {
  const [settings, vapi] = await Promise.all([contextSettings(db, portalId), db.connection.findMany({ where: { portalId, vendor: "vapi" }, orderBy: { createdAt: "asc" }, select: { id: true, label: true } })]);
  return { shared: settings.shared, vapiConnections: vapi.map((c) => ({ connectionId: c.id, label: c.label, assistantId: settings.vapiAssistants[c.id] ?? null })) };
}

// Vapi assistant ids are UUIDs; anything of their alphabet is accepted so a format change there does not lock admins out.
const assistantId = z.string().trim().max(100).regex(/^[A-Za-z0-9_-]*$/, "an assistant id is letters, digits, - and _");

export const contextUpdateSchema = z.object({
  shared: z.object({ firstName: z.boolean(), upcomingBooking: z.boolean(), lastCall: z.boolean(), ownerName: z.boolean() }).strict(),
  vapiAssistants: z.record(z.string(), assistantId.nullable()).optional(),
});

export type ContextSaved = { kind: "saved"; shared: CallerContextField[] } | { kind: "unknown_connection"; connectionId: string };

/**
 * Saves a portal's choice. Assistant ids are accepted only for the portal's own Vapi connections, so
 * a portal can neither read nor steer another's; connections not named keep their assistant.
 */
export async function saveContextSettings(db: Db, portalId: string, update: z.infer<typeof contextUpdateSchema>): Promise<ContextSaved> {
  const current = await contextSettings(db, portalId);
  const assistants = { ...current.vapiAssistants };
  if (update.vapiAssistants) {
    const own = new Set((await db.connection.findMany({ where: { portalId, vendor: "vapi" }, select: { id: true } })).map((c) => c.id));
    for (const [connectionId, id] of Object.entries(update.vapiAssistants)) {
      if (!own.has(connectionId)) return { kind: "unknown_connection", connectionId };
      if (id) assistants[connectionId] = id;
      else delete assistants[connectionId];
    }
  }
  const { firstName, upcomingBooking, lastCall, ownerName } = update.shared;
  const data = { shareFirstName: firstName, shareUpcomingBooking: upcomingBooking, shareLastCall: lastCall, shareOwnerName: ownerName, vapiAssistants: assistants as Prisma.InputJsonObject };
  await db.callerContextSettings.upsert({ where: { portalId }, create: { portalId, ...data }, update: data });
  return { kind: "saved", shared: CONTEXT_FIELDS.filter((field) => update.shared[field]) };
}
