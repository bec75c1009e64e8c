import express, { Router, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import type { Runtime } from "../runtime.js";
import type { CallRecord } from "../calls/record.js";
import { logger } from "../config/logger.js";
import { ConnectionError, createConnection, listConnections, rotateSecret } from "../connections/connections.js";
import { listFallback, replayFallback } from "../fallback/fallback.js";
import { loadMapping } from "../mapping/store.js";
import { APP_PROPERTIES, CANONICAL_FIELDS, qualificationDefinition, type PropertyType } from "../mapping/fields.js";
import { ensureProperties } from "../hubspot/properties.js";
import { hubspotCall, HubSpotRequestError } from "../hubspot/call.js";
import { PermanentSyncError, PortalNeedsReauthError, TransientSyncError } from "../hubspot/errors.js";
import { vendors } from "../vendors/registry.js";
import { playerUrl } from "../recordings/links.js";
import { verifyV3 } from "../hubspot/signature.js";
import { uninstallPortal } from "../privacy/privacy.js";
import { replaceServices, serviceListSchema } from "../booking/setup.js";
import { requireSuperAdmin, SuperAdminCache, type AdminLocals, type SignedLocals } from "./super-admin.js";
import { listAudit, type AuditChange, type MappingChange } from "../audit/audit.js";
import { toolsDisabledReason } from "../booking/tools.js";
import { isExternalProvider } from "../booking/providers/registry.js";
import type {
  ApiError,
  AuditPage,
  BookingOverview,
  CalendarKind,
  CalendarStatus,
  CallsPage,
  CallSummary,
  ConnectionCreated,
  ConnectionsResponse,
  ConnectLinkResponse,
  FallbackResponse,
  MappingRefusal,
  MappingResponse,
  MappingSaved,
  PortalProperty,
  PropertiesResponse,
  PropertyCreated,
  ReplayResponse,
  SecretRotated,
  ServiceProblem,
  ServicesRefusal,
  ServicesSaved,
  StatusResponse,
  UninstallResponse,
} from "../../hubspot-app/app/shared/api.js";

const log = logger("ui");
export const UI_PREFIX = "/ui/v1";

type Locals = SignedLocals;
const portalOf = (res: Response) => (res.locals as Locals).portalId;
/** Logs a settings change as the super admin requireSuperAdmin let through (write routes only). */
const audit = (res: Response, change: AuditChange) => (res.locals as AdminLocals).audit(change);

/** The public URL HubSpot signed: our PUBLIC_BASE_URL origin plus the path and query as received. */
export function publicUrl(publicBaseUrl: string, originalUrl: string): string {
  return `${new URL(publicBaseUrl).origin}${originalUrl}`;
}

/**
 * Every request from the card and the settings page arrives through hubspot.fetch, signed by HubSpot
 * with the app's client secret. The portal is read from the signed URL's `portalId`, so a request
 * can only ever read or change the data of the portal HubSpot says it comes from; the user from its
 * `userId` and `userEmail` (which of them may change settings is requireSuperAdmin's question).
 */
export function verifyHubSpotRequest(rt: Runtime) {
  return (req: Request, res: Response, next: NextFunction) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    const check = verifyV3({
      secret: rt.env.HUBSPOT_CLIENT_SECRET,
      method: req.method,
      url: publicUrl(rt.env.PUBLIC_BASE_URL, req.originalUrl),
      rawBody,
      signature: req.header("x-hubspot-signature-v3"),
      timestamp: req.header("x-hubspot-request-timestamp"),
      now: Date.now(),
    });
    if (!check.ok) {
      res.status(401).json({ error: `request not signed by HubSpot: ${check.reason}` } satisfies ApiError);
      return;
    }
    const portalId = typeof req.query.portalId === "string" && /^\d+$/.test(req.query.portalId) ? req.query.portalId : null;
    if (!portalId) {
      res.status(400).json({ error: "portalId missing from the signed URL" } satisfies ApiError);
      return;
    }
    const userId = typeof req.query.userId === "string" && /^\d+$/.test(req.query.userId) ? req.query.userId : null;
    const userEmail = typeof req.query.userEmail === "string" && req.query.userEmail ? req.query.userEmail : null;
    Object.assign(res.locals as Locals, { portalId, userId, userEmail } satisfies Locals);
    try {
      req.body = rawBody ? JSON.parse(rawBody) : {};
    } catch {
      res.status(400).json({ error: "body is not JSON" } satisfies ApiError);
      return;
    }
    next();
  };
}

const mappingUpdateSchema = z.object({
  rules: z
    .array(
      z.object({
        field: z.string().min(1),
        property: z.string().regex(/^[a-z][a-z0-9_]*$/, "property names are lower case letters, digits and underscores"),
        policy: z.enum(["overwrite", "fill_if_empty"]),
        enabled: z.boolean().default(true),
      }),
    )
    .min(1),
});

const connectionSchema = z.object({ vendor: z.enum(Object.keys(vendors) as [string, ...string[]]), secret: z.string().min(8, "the secret must be at least 8 characters"), label: z.string().max(100).optional() });
const secretSchema = z.object({ secret: z.string().min(8, "the secret must be at least 8 characters") });

/** Which HubSpot property types can hold a canonical field's values. */
const COMPATIBLE: Record<PropertyType, string[]> = {
  string: ["string"],
  number: ["number", "string"],
  enumeration: ["enumeration"],
  datetime: ["datetime", "date"],
  bool: ["bool", "enumeration"],
};

const ENUM_VALUES: Record<string, string[]> = Object.fromEntries(APP_PROPERTIES.filter((p) => p.options).map((p) => [p.name, p.options!.map((o) => o.value)]));
const enumValuesOfField = (field: string): string[] => ENUM_VALUES[(CANONICAL_FIELDS as Record<string, { defaultProperty: string }>)[field]?.defaultProperty ?? ""] ?? [];
const typeOfField = (field: string): PropertyType => (CANONICAL_FIELDS as Record<string, { type: PropertyType }>)[field]?.type ?? "string";

/** Why a property cannot take a field's values, or null when it can. */
export function mappingProblem(field: string, property: PortalProperty | undefined, propertyName: string): string | null {
  if (!property) return `${propertyName} does not exist in this portal: create it first`;
  if (property.readOnly) return `${property.label} (${property.name}) is read-only in HubSpot`;
  const type = typeOfField(field);
  if (!COMPATIBLE[type].includes(property.type)) return `${property.label} (${property.name}) is a ${property.type} property; ${field} needs ${COMPATIBLE[type].join(" or ")}`;
  if (type === "enumeration") {
    const missing = enumValuesOfField(field).filter((value) => !property.options.includes(value));
    if (missing.length) return `${property.label} (${property.name}) lacks the options ${missing.join(", ")}`;
  }
  return null;
}

/** The calendar a staff member books on (stored as text; anything else is the built-in one, as calendarStatus reads it). */
const calendarKind = (calendar: string): CalendarKind => (isExternalProvider(calendar) ? calendar : "builtin");

/** Where a staff member's calendar stands; a connection made for another provider than the one chosen now does not count. */
function calendarStatus(calendar: string, connection: { provider: string; status: string } | null): CalendarStatus {
  if (!isExternalProvider(calendar)) return "builtin";
  if (!connection || connection.provider !== calendar) return "not_connected";
  return connection.status === "connected" ? "connected" : "needs_reauth";
}

const SERVICE_FIELDS: Record<string, string> = { name: "name", durationMinutes: "duration", bufferMinutes: "buffer", aliases: "aliases", reminderMinutes: "reminders" };

/** One readable reason per bad field of a service list, naming the row as the page shows it. */
function serviceProblems(issues: { path: PropertyKey[]; message: string }[], input: unknown): ServiceProblem[] {
  const rows = Array.isArray((input as { services?: unknown })?.services) ? ((input as { services: unknown[] }).services as { name?: unknown }[]) : [];
  return issues.map((issue) => {
    const [, index, field] = issue.path;
    if (typeof index !== "number") return { index: null, field: null, error: issue.message };
    const name = typeof rows[index]?.name === "string" && rows[index].name.trim() ? `"${rows[index].name.trim()}"` : `row ${index + 1}`;
    const label = typeof field === "string" ? SERVICE_FIELDS[field] ?? field : null;
    return { index, field: typeof field === "string" ? field : null, error: `${name}${label ? `, ${label}` : ""}: ${issue.message}` };
  });
}

export function uiRoutes(rt: Runtime): Router {
  const router = Router();
  const superAdmins = { db: rt.db, client: (portalId: string) => rt.tokens.client(portalId), cache: new SuperAdminCache(), reconnectUrl: new URL("/oauth/install", rt.env.PUBLIC_BASE_URL).toString() };
  router.use(UI_PREFIX, express.raw({ type: () => true, limit: "1mb" }), verifyHubSpotRequest(rt), requireSuperAdmin(superAdmins));

  const portalProperties = async (portalId: string): Promise<PortalProperty[]> => {
    const client = await rt.tokens.client(portalId);
    const response = await hubspotCall(() => client.crm.properties.coreApi.getAll("contacts"));
    return response.results.map((p) => ({
      name: p.name,
      label: p.label,
      type: String(p.type),
      fieldType: String(p.fieldType),
      readOnly: Boolean(p.modificationMetadata?.readOnlyValue || p.calculated),
      options: (p.options ?? []).map((o) => o.value),
    }));
  };

  router.get(`${UI_PREFIX}/status`, async (_req, res) => {
    const portal = await rt.db.portal.findUnique({ where: { id: portalOf(res) } });
    res.json({ installed: !!portal && portal.status !== "uninstalled", needsReconnect: portal?.status === "needs_reauth", reason: portal?.statusReason ?? null, reconnectUrl: new URL("/oauth/install", rt.env.PUBLIC_BASE_URL).toString() } satisfies StatusResponse);
  });

  router.get(`${UI_PREFIX}/contacts/:contactId/calls`, async (req, res) => {
    const portalId = portalOf(res);
    const limit = Math.min(Number(req.query.limit ?? 5) || 5, 20);
    const before = typeof req.query.before === "string" ? new Date(req.query.before) : undefined;
    const portal = await rt.db.portal.findUnique({ where: { id: portalId } });
    const rows = await rt.db.call.findMany({
      where: { portalId, hubspotContactId: String(req.params.contactId), ...(before && !Number.isNaN(before.getTime()) ? { createdAt: { lt: before } } : {}) },
      orderBy: { createdAt: "desc" },
      take: limit + 1,
    });
    const calls = rows.slice(0, limit).map((row): CallSummary => {
      const r = row.record as unknown as CallRecord;
      return {
        id: row.id,
        vendor: row.vendor,
        startedAt: r.startedAt ?? row.createdAt.toISOString(),
        durationMs: r.durationMs ?? null,
        disposition: r.disposition ?? null,
        sentiment: r.sentiment?.label ?? null,
        intent: r.intent ?? null,
        urgency: r.urgency ?? null,
        language: r.language ?? null,
        summary: r.summary ?? null,
        transcript: r.transcript ?? null,
        escalationReason: r.escalation?.reason ?? null,
        recordingUrl: r.recordingUrl ? playerUrl(rt.env.PUBLIC_BASE_URL, rt.env.ENCRYPTION_KEY, row.id) : null,
        syncStatus: row.status,
      };
    });
    res.json({ calls, nextBefore: rows.length > limit ? rows[limit - 1]!.createdAt.toISOString() : null, needsReconnect: portal?.status === "needs_reauth" } satisfies CallsPage);
  });

  router.get(`${UI_PREFIX}/properties`, async (_req, res) => {
    res.json({ properties: await portalProperties(portalOf(res)) } satisfies PropertiesResponse);
  });

  router.get(`${UI_PREFIX}/mapping`, async (_req, res) => {
    const mapping = await loadMapping(rt.db, portalOf(res));
    const rules = [...mapping.values()].map((rule) => ({
      field: rule.field,
      label: rule.kind === "canonical" ? (CANONICAL_FIELDS as Record<string, { label: string }>)[rule.field]?.label ?? rule.field : `Question: ${rule.field.slice(2).replaceAll("_", " ")}`,
      kind: rule.kind,
      property: rule.property,
      policy: rule.policy,
      enabled: rule.enabled,
      type: rule.type,
    }));
    res.json({ rules } satisfies MappingResponse);
  });

  router.put(`${UI_PREFIX}/mapping`, async (req, res) => {
    const portalId = portalOf(res);
    const parsed = mappingUpdateSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") } satisfies ApiError);
      return;
    }
    const mapping = await loadMapping(rt.db, portalId);
    const properties = new Map((await portalProperties(portalId)).map((p) => [p.name, p]));
    const problems: MappingRefusal["problems"] = [];
    for (const rule of parsed.data.rules) {
      if (!mapping.has(rule.field)) problems.push({ field: rule.field, error: `unknown field ${rule.field}` });
      else if (rule.enabled) {
        const problem = mappingProblem(rule.field, properties.get(rule.property), rule.property);
        if (problem) problems.push({ field: rule.field, error: problem });
      }
    }
    if (problems.length) {
      res.status(422).json({ error: "Some fields cannot be mapped as asked; nothing was saved.", problems } satisfies MappingRefusal);
      return;
    }
    await rt.db.$transaction(parsed.data.rules.map((rule) => rt.db.fieldMapping.update({ where: { portalId_field: { portalId, field: rule.field } }, data: { property: rule.property, policy: rule.policy, enabled: rule.enabled } })));
    log.info({ portalId, rules: parsed.data.rules.length }, "field mapping updated");
    const changed: MappingChange[] = parsed.data.rules.flatMap(({ field, property, policy, enabled }) => {
      const before = mapping.get(field)!;
      return before.property === property && before.policy === policy && before.enabled === enabled ? [] : [{ field, from: { property: before.property, policy: before.policy, enabled: before.enabled }, to: { property, policy, enabled } }];
    });
    await audit(res, { action: "mapping.saved", details: { changed } });
    res.json({ saved: parsed.data.rules.length } satisfies MappingSaved);
  });

  router.post(`${UI_PREFIX}/properties`, async (req, res) => {
    const portalId = portalOf(res);
    const field = z.object({ field: z.string().min(1) }).safeParse(req.body);
    if (!field.success) {
      res.status(400).json({ error: "field is required" } satisfies ApiError);
      return;
    }
    const name = field.data.field;
    const definition = name.startsWith("q:") ? qualificationDefinition(name.slice(2)) : APP_PROPERTIES.find((p) => p.name === (CANONICAL_FIELDS as Record<string, { defaultProperty: string }>)[name]?.defaultProperty);
    if (!definition) {
      res.status(400).json({ error: `${name} maps to a built-in HubSpot property; nothing to create` } satisfies ApiError);
      return;
    }
    await rt.db.provisionedProperty.deleteMany({ where: { portalId, name: definition.name } });
    await ensureProperties(rt.db, await rt.tokens.client(portalId), portalId, [definition]);
    await audit(res, { action: "property.created", target: definition.name, details: { field: name } });
    res.status(201).json({ created: definition.name } satisfies PropertyCreated);
  });

  router.get(`${UI_PREFIX}/connections`, async (_req, res) => {
    const connections = await listConnections(rt.db, rt.env.PUBLIC_BASE_URL, portalOf(res));
    res.json({
      connections: connections.map((c) => {
        const vendor = vendors[c.vendor as keyof typeof vendors];
        return { ...c, vendorLabel: vendor.label, weakSignature: vendor.signatureCovers !== "body", toolsDisabledReason: toolsDisabledReason(vendor) };
      }),
      vendors: Object.values(vendors).map((v) => ({ id: v.id, label: v.label, secretHelp: v.secretHelp })),
    } satisfies ConnectionsResponse);
  });

  router.post(`${UI_PREFIX}/connections`, async (req, res) => {
    const parsed = connectionSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") } satisfies ApiError);
      return;
    }
    const view = await createConnection(rt.db, { portalId: portalOf(res), ...parsed.data, encryptionKey: rt.env.ENCRYPTION_KEY, publicBaseUrl: rt.env.PUBLIC_BASE_URL });
    await audit(res, { action: "connection.created", target: view.id, details: { vendor: view.vendor, label: parsed.data.label ?? null } });
    res.status(201).json({ connection: view } satisfies ConnectionCreated);
  });

  router.post(`${UI_PREFIX}/connections/:id/secret`, async (req, res) => {
    const parsed = secretSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues[0]!.message } satisfies ApiError);
      return;
    }
    const connectionId = String(req.params.id);
    await rotateSecret(rt.db, { portalId: portalOf(res), connectionId, secret: parsed.data.secret, encryptionKey: rt.env.ENCRYPTION_KEY });
    const { vendor } = await rt.db.connection.findUniqueOrThrow({ where: { id: connectionId }, select: { vendor: true } });
    await audit(res, { action: "connection.secret_rotated", target: connectionId, details: { vendor } });
    res.json({ rotated: true } satisfies SecretRotated);
  });

  router.get(`${UI_PREFIX}/fallback`, async (_req, res) => {
    res.json({ entries: await listFallback(rt.db, { portalId: portalOf(res) }) } satisfies FallbackResponse);
  });

  router.post(`${UI_PREFIX}/fallback/replay`, async (req, res) => {
    const portalId = portalOf(res);
    const body = z.object({ id: z.string().optional(), all: z.boolean().optional() }).safeParse(req.body);
    if (!body.success || !body.data.id === !body.data.all) {
      res.status(400).json({ error: "send either {id} or {all: true}" } satisfies ApiError);
      return;
    }
    if (body.data.id) {
      const entry = await rt.db.fallbackEntry.findFirst({ where: { id: body.data.id, portalId } });
      if (!entry) {
        res.status(404).json({ error: "no such fallback entry in this portal" } satisfies ApiError);
        return;
      }
    }
    const result = await replayFallback(rt.db, rt.queue, rt.env.SYNC_MAX_ATTEMPTS, body.data.id ? { id: body.data.id } : { all: true, portalId });
    await audit(res, { action: "fallback.replayed", target: body.data.id ?? null, details: { replayed: result.replayed.length } });
    res.json(result satisfies ReplayResponse);
  });

  router.get(`${UI_PREFIX}/booking`, async (_req, res) => {
    const portalId = portalOf(res);
    const [settings, services, staff, upcoming] = await Promise.all([
      rt.db.bookingSettings.findUnique({ where: { portalId } }),
      rt.db.serviceType.findMany({ where: { portalId }, orderBy: { name: "asc" } }),
      rt.db.staffMember.findMany({ where: { portalId }, orderBy: { name: "asc" }, include: { calendarConnection: { select: { provider: true, status: true, accountEmail: true, lastSyncAt: true, lastError: true } } } }),
      rt.db.booking.count({ where: { portalId, status: "confirmed", startAt: { gt: new Date() } } }),
    ]);
    res.json({
      configured: !!settings,
      timezone: settings?.timezone ?? null,
      services: services.map((s) => ({ name: s.name, durationMinutes: s.durationMinutes, bufferMinutes: s.bufferMinutes, aliases: s.aliases, reminderMinutes: s.reminderMinutes })),
      staff: staff.map((m) => {
        const status = calendarStatus(m.calendar, m.calendarConnection);
        const connection = status === "connected" || status === "needs_reauth" ? m.calendarConnection : null;
        return {
          id: m.id,
          name: m.name,
          email: m.email,
          calendar: calendarKind(m.calendar),
          timezone: m.timezone,
          calendarStatus: status,
          calendarAccount: connection?.accountEmail ?? null,
          lastSyncAt: connection?.lastSyncAt?.toISOString() ?? null,
          lastError: connection?.lastError ?? null,
        };
      }),
      upcoming,
    } satisfies BookingOverview);
  });

  router.put(`${UI_PREFIX}/booking/services`, async (req, res) => {
    const portalId = portalOf(res);
    const parsed = serviceListSchema.safeParse(req.body);
    if (!parsed.success) {
      const problems = serviceProblems(parsed.error.issues, req.body);
      res.status(400).json({ error: `Nothing was saved. ${problems.map((p) => p.error).join("; ")}`, problems } satisfies ServicesRefusal);
      return;
    }
    const result = await replaceServices(rt.db, portalId, parsed.data.services);
    switch (result.outcome) {
      case "saved":
        log.info({ portalId, created: result.created, updated: result.updated, deleted: result.deleted }, "service types saved");
        await audit(res, { action: "booking.services_saved", details: { services: parsed.data.services.map((s) => s.name), created: result.created, updated: result.updated, deleted: result.deleted } });
        res.json({ saved: parsed.data.services.length, created: result.created, updated: result.updated, deleted: result.deleted } satisfies ServicesSaved);
        return;
      case "not_set_up":
        res.status(409).json({ error: "Set up booking first (time zone and staff): npm run cli -- booking setup." } satisfies ApiError);
        return;
      case "in_use": {
        const why = result.confirmed
          ? `it has ${result.confirmed} upcoming booking${result.confirmed === 1 ? "" : "s"}; cancel or move ${result.confirmed === 1 ? "it" : "them"} first`
          : "a caller is booking it right now; try again in a few minutes";
        res.status(409).json({ error: `Nothing was saved: "${result.service}" cannot be removed, ${why}.`, service: result.service } satisfies ApiError);
        return;
      }
      default: {
        const unreachable: never = result;
        throw new Error(`unhandled outcome ${JSON.stringify(unreachable)}`);
      }
    }
  });

  router.post(`${UI_PREFIX}/booking/staff/:staffId/connect-link`, async (req, res) => {
    const portalId = portalOf(res);
    const member = await rt.db.staffMember.findFirst({ where: { id: String(req.params.staffId), portalId } });
    if (!member) {
      res.status(404).json({ error: "no such staff member in this portal" } satisfies ApiError);
      return;
    }
    const provider = member.calendar;
    if (!isExternalProvider(provider)) {
      res.status(400).json({ error: `${member.name} uses the built-in calendar: there is nothing to connect.` } satisfies ApiError);
      return;
    }
    try {
      const connectUrl = await rt.calendars.connectUrl(member);
      // The link carries a single-use OAuth state: it is for the staff member, not for the logs.
      log.info({ portalId, staffId: member.id, provider }, "calendar connect link created");
      await audit(res, { action: "booking.connect_link_created", target: member.id, details: { staff: member.name, provider } });
      res.json({ connectUrl } satisfies ConnectLinkResponse);
    } catch (error) {
      if (rt.calendars.configured(provider)) throw error;
      res.status(400).json({ error: (error as Error).message } satisfies ApiError);
    }
  });

  router.delete(`${UI_PREFIX}/install`, async (_req, res) => {
    // Not in the audit log: uninstalling deletes the portal's log with its other data. The server log
    // keeps who did it.
    const { actor } = res.locals as AdminLocals;
    log.info({ portalId: portalOf(res), userId: actor.userId }, "uninstall asked from the settings page");
    res.json((await uninstallPortal(rt, portalOf(res))) satisfies UninstallResponse);
  });

  router.get(`${UI_PREFIX}/audit`, async (req, res) => {
    const limit = Math.max(1, Math.min(Math.trunc(Number(req.query.limit ?? 20)) || 20, 100));
    const before = typeof req.query.before === "string" && req.query.before ? req.query.before : undefined;
    res.json((await listAudit(rt.db, portalOf(res), { limit, before })) satisfies AuditPage);
  });

  router.use(UI_PREFIX, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof ConnectionError) return void res.status(400).json({ error: error.message } satisfies ApiError);
    if (error instanceof PortalNeedsReauthError) return void res.status(409).json({ error: "Reconnect the app: HubSpot no longer accepts its authorisation.", needsReconnect: true } satisfies ApiError);
    if (error instanceof PermanentSyncError || error instanceof HubSpotRequestError) return void res.status(502).json({ error: error.message } satisfies ApiError);
    if (error instanceof TransientSyncError) return void res.status(503).json({ error: "HubSpot is not answering right now; try again in a minute." } satisfies ApiError);
    next(error);
  });
  return router;
}
