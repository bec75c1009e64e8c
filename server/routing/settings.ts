import { z } from "zod";
import type { Db, Prisma } from "../db/client.js";
import type { AmbiguityRule, IntentRoute, OwnerRule, RoutingSettingsView, ZipRoute } from "../../hubspot-app/app/shared/api.js";
import { AMBIGUITY_RULES, DEFAULT_AMBIGUITY_RULE } from "../contacts/ambiguity.js";

// A portal's rules for ambiguous callers and new callers (the settings page's Routing tab,
// docs/routing.md). Read by the worker on every call it syncs; written by a super admin.

export const OWNER_RULES = ["none", "round_robin", "zip", "intent"] as const satisfies readonly OwnerRule[];

export const DEFAULT_ROUTING: RoutingSettingsView = {
  ambiguityRule: DEFAULT_AMBIGUITY_RULE,
  ownerRule: "none",
  roundRobinOwnerIds: [],
  zipRoutes: [],
  intentRoutes: [],
  fallbackOwnerId: null,
  createLeads: false,
};

const ownerId = z.string().regex(/^\d{1,20}$/, "an owner id is HubSpot's number");
const zipRoute = z.object({ prefix: z.string().trim().min(1).max(10).regex(/^[A-Za-z0-9 -]+$/, "a zip prefix is letters, digits, spaces and -"), ownerId }).strict();
const intentRoute = z.object({ match: z.string().trim().min(1).max(60), ownerId }).strict();

export const routingUpdateSchema = z
  .object({
    ambiguityRule: z.enum(AMBIGUITY_RULES),
    ownerRule: z.enum(OWNER_RULES),
    roundRobinOwnerIds: z.array(ownerId).max(100),
    zipRoutes: z.array(zipRoute).max(500),
    intentRoutes: z.array(intentRoute).max(100),
    fallbackOwnerId: ownerId.nullable(),
    createLeads: z.boolean(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.ownerRule === "round_robin" && value.roundRobinOwnerIds.length === 0) ctx.addIssue({ code: "custom", path: ["roundRobinOwnerIds"], message: "round-robin needs at least one owner" });
    if (value.ownerRule === "zip" && value.zipRoutes.length === 0) ctx.addIssue({ code: "custom", path: ["zipRoutes"], message: "routing by zip needs at least one zip prefix" });
    if (value.ownerRule === "intent" && value.intentRoutes.length === 0) ctx.addIssue({ code: "custom", path: ["intentRoutes"], message: "routing by intent needs at least one intent or service" });
    const prefixes = value.zipRoutes.map((r) => normaliseZip(r.prefix));
    const twice = prefixes.find((p, i) => prefixes.indexOf(p) !== i);
    if (twice) ctx.addIssue({ code: "custom", path: ["zipRoutes"], message: `zip prefix ${twice} is listed twice` });
  });

export type RoutingUpdate = z.infer<typeof routingUpdateSchema>;

/** Zips compare without case and spaces ("sw1a 1aa" is "SW1A1AA"). */
export const normaliseZip = (zip: string) => zip.replace(/[\s-]/g, "").toUpperCase();

const routes = <T>(raw: unknown): T[] => (Array.isArray(raw) ? (raw as T[]) : []);

export async function routingSettings(db: Db, portalId: string): Promise<RoutingSettingsView> {
  const row = await db.routingSettings.findUnique({ where: { portalId } });
  if (!row) return { ...DEFAULT_ROUTING };
  return {
    ambiguityRule: row.ambiguityRule as AmbiguityRule,
    ownerRule: row.ownerRule as OwnerRule,
    roundRobinOwnerIds: row.roundRobinOwnerIds,
    zipRoutes: routes<ZipRoute>(row.zipRoutes),
    intentRoutes: routes<IntentRoute>(row.intentRoutes),
    fallbackOwnerId: row.fallbackOwnerId,
    createLeads: row.createLeads,
  };
}

export type RoutingSaved = { kind: "saved" } | { kind: "unknown_owner"; ownerId: string };

/**
 * Saves a portal's rules. Every owner named must be one of the portal's owners (`owners`, read from
 * HubSpot by the caller), so a typo or another portal's id is refused rather than written on contacts.
 * The round-robin turn is kept: changing the list continues the rotation rather than restarting it.
 */
export async function saveRoutingSettings(db: Db, portalId: string, update: RoutingUpdate, owners: ReadonlySet<string>): Promise<RoutingSaved> {
  const named = [...update.roundRobinOwnerIds, ...update.zipRoutes.map((r) => r.ownerId), ...update.intentRoutes.map((r) => r.ownerId), ...(update.fallbackOwnerId ? [update.fallbackOwnerId] : [])];
  const unknown = named.find((id) => !owners.has(id));
  if (unknown) return { kind: "unknown_owner", ownerId: unknown };
  const data = {
    ambiguityRule: update.ambiguityRule,
    ownerRule: update.ownerRule,
    roundRobinOwnerIds: [...new Set(update.roundRobinOwnerIds)],
    zipRoutes: update.zipRoutes.map((r) => ({ prefix: normaliseZip(r.prefix), ownerId: r.ownerId })) as unknown as Prisma.InputJsonArray,
    intentRoutes: update.intentRoutes.map((r) => ({ match: r.match.trim(), ownerId: r.ownerId })) as unknown as Prisma.InputJsonArray,
    fallbackOwnerId: update.fallbackOwnerId,
    createLeads: update.createLeads,
  };
  await db.routingSettings.upsert({ where: { portalId }, create: { portalId, ...data }, update: data });
  return { kind: "saved" };
}

/** Why the last Lead was not created, for the settings page; null once one is. */
export async function leadsSkipped(db: Db, portalId: string): Promise<{ reason: string; at: string } | null> {
  const row = await db.routingSettings.findUnique({ where: { portalId }, select: { leadsSkippedReason: true, leadsSkippedAt: true } });
  return row?.leadsSkippedReason && row.leadsSkippedAt ? { reason: row.leadsSkippedReason, at: row.leadsSkippedAt.toISOString() } : null;
}

export async function noteLeadsSkipped(db: Db, portalId: string, reason: string | null): Promise<void> {
  await db.routingSettings.updateMany({ where: { portalId }, data: { leadsSkippedReason: reason, leadsSkippedAt: reason ? new Date() : null } });
}
