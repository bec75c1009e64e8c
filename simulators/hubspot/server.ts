import type { Socket } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import { randomUUID } from "node:crypto";
import type { AccessTokenGrant, OAuthServer } from "./auth.js";
import { HubSpotError, internalError, notFound, objectNotFound, rateLimitBody, validationError } from "./errors.js";
import { CONTACT_TO_ENGAGEMENT, ENGAGEMENT_TO_CONTACT, parseObjectType, propertyJson, type EngagementType, type ObjectType } from "./properties.js";
import type { PortalScheduler } from "./scheduler.js";
import type { CallingExtensions } from "./calling.js";
import type { PortalStore, SimOwner, SimUser } from "./store.js";

// The HTTP face of the simulator. Every request goes through the same line HubSpot's edge would put it
// through: logged -> injected faults -> OAuth endpoints (and the developer-key app settings), or:
// token (401) -> scope (403) -> rate limits (429, with the X-HubSpot-RateLimit-* headers on every
// answer) -> the endpoint.

export interface RequestRecord {
  method: string;
  path: string;
  /** 0 while unanswered, and for requests that hung or whose connection was reset. */
  status: number;
  portalId?: string;
  at: number;
}

/**
 * An answer forced on a request: a status (with HubSpot's body for it unless one is given; a string
 * body goes out as HTML, as a proxy's error page would), or a connection that hangs ("timeout", also
 * called "hang") or is reset.
 */
export type Fault = { status: number; body?: unknown; headers?: Record<string, string> } | { mode: "timeout" | "hang" | "reset" };

export interface FaultRequest {
  method: string;
  path: string;
  body: unknown;
  portalId?: string;
}

export interface SimRuntime {
  readonly oauth: OAuthServer;
  readonly limiter: RateLimiter;
  readonly calling: CallingExtensions;
  portal(portalId: string): PortalStore;
  scheduler(portalId: string): PortalScheduler;
  log(record: RequestRecord): void;
  takeFault(request: FaultRequest): Fault | null;
  /** A request left hanging by a fault: `sim.releaseHung()` resets it. */
  hung(socket: Socket): void;
  /** Endpoints that take no portal token (the developer key's automation actions, automation.ts). */
  mountAppLevel?(app: express.Express): void;
  /** Extra time before every scheduler answer (a benchmark's provider latency), read per request. */
  schedulerLatencyMs?(): number;
}

/**
 * HubSpot's per-portal limits: a rolling 10-second window over every request of the portal (about
 * 100 for a public OAuth app), and a per-second limit on search requests (about 5). Requests refused
 * with a 429 do not count.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly tenSecondlyLimit: number,
    private readonly searchesPerSecond: number,
  ) {}

  admit(portalId: string, search: boolean): Record<string, string> {
    const now = Date.now();
    const rolling = this.window(portalId, 10_000, now);
    const headers = (remaining: number): Record<string, string> =>
      this.tenSecondlyLimit
        ? { "X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Max": String(this.tenSecondlyLimit), "X-HubSpot-RateLimit-Remaining": String(Math.max(0, remaining)) }
        : {};
    if (this.tenSecondlyLimit && rolling.length >= this.tenSecondlyLimit) throw new HubSpotError(429, rateLimitBody("TEN_SECONDLY_ROLLING", portalId), headers(0));
    const secondly = search && this.searchesPerSecond ? this.window(`${portalId}:search`, 1_000, now) : null;
    if (secondly && secondly.length >= this.searchesPerSecond) throw new HubSpotError(429, rateLimitBody("SECONDLY", portalId), headers(this.tenSecondlyLimit - rolling.length));
    rolling.push(now);
    secondly?.push(now);
    return headers(this.tenSecondlyLimit - rolling.length);
  }

  reset(): void {
    this.hits.clear();
  }

  private window(key: string, ms: number, now: number): number[] {
    const kept = (this.hits.get(key) ?? []).filter((t) => t > now - ms);
    this.hits.set(key, kept);
    return kept;
  }
}

interface Locals {
  record: RequestRecord;
  grant: AccessTokenGrant;
}

const locals = (res: Response) => res.locals as Locals;

export function createApp(sim: SimRuntime): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  // 1. The request log, with the portal of the token (even an expired one).
  app.use((req, res, next) => {
    const record: RequestRecord = { method: req.method, path: req.path, status: 0, at: Date.now() };
    const portalId = sim.oauth.peek(req.headers.authorization)?.portalId;
    if (portalId) record.portalId = portalId;
    sim.log(record);
    res.on("finish", () => (record.status = res.statusCode));
    locals(res).record = record;
    next();
  });
  app.use(express.json({ limit: "5mb" }));
  app.use(express.urlencoded({ extended: false }));

  // 2. Injected faults.
  app.use((req, res, next) => {
    const fault = sim.takeFault({ method: req.method, path: req.path, body: req.body, portalId: locals(res).record.portalId });
    if (!fault) return next();
    if ("mode" in fault) {
      // A hang never answers: the client's timeout, sim.releaseHung() or sim.close() ends the socket.
      if (fault.mode === "reset") req.socket.destroy();
      else sim.hung(req.socket);
      return;
    }
    res.status(fault.status).set(fault.headers ?? {});
    const body = fault.body ?? defaultFaultBody(fault.status, locals(res).record.portalId);
    if (typeof body === "string") res.type("html").send(body);
    else res.json(body);
  });

  // 3. OAuth. The token endpoint reads form-encoded bodies only, as HubSpot's does.
  app.post("/oauth/v1/token", (req, res) => {
    res.json(sim.oauth.token(req.is("application/x-www-form-urlencoded") ? (req.body as Record<string, string>) : {}));
  });
  app.get("/oauth/v1/access-tokens/:token", (req, res) => {
    res.json(sim.oauth.accessTokenInfo(req.params.token));
  });
  app.get("/oauth/v1/refresh-tokens/:token", (req, res) => {
    res.json(sim.oauth.refreshTokenInfo(req.params.token));
  });
  app.delete("/oauth/v1/refresh-tokens/:token", (req, res) => {
    sim.oauth.revokeRefreshToken(req.params.token);
    res.status(204).end();
  });

  sim.mountAppLevel?.(app);
  // App-level settings, authenticated with the developer API key instead of a token (calling.ts).
  app.use(sim.calling.settingsRouter(sim.oauth));

  // 4. Everything else is the API: token, scope, rate limits.
  app.use((req, res, next) => {
    const grant = sim.oauth.authenticate(req.headers.authorization);
    locals(res).grant = grant;
    locals(res).record.portalId = grant.portalId;
    sim.oauth.assertScope(grant, req.method, req.path);
    res.set(sim.limiter.admit(grant.portalId, req.method === "POST" && req.path.endsWith("/search")));
    next();
  });

  const store = (res: Response) => sim.portal(locals(res).grant.portalId);

  app.use(sim.calling.apiRouter({ store, grant: (res) => locals(res).grant, appIdOf: (grant) => sim.oauth.app(grant.clientId)!.appId }));

  app.get("/calling/v1/dispositions", (_req, res) => {
    res.json(store(res).dispositions.filter((d) => !d.deleted).map((d) => ({ id: d.id, label: d.label, deleted: d.deleted })));
  });

  app.get("/crm/v3/owners", (req, res) => {
    const email = one(req.query.email)?.toLowerCase();
    const limit = intParam(req.query.limit, 100, 500);
    const after = Number(one(req.query.after) ?? 0);
    const archived = one(req.query.archived) === "true";
    const owners = store(res).owners.filter((o) => o.archived === archived && (!email || o.email.toLowerCase() === email));
    const page = owners.slice(after, after + limit);
    const next = after + limit < owners.length ? String(after + limit) : null;
    res.json({ results: page.map(ownerJson), ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}) });
  });
  app.get("/crm/v3/owners/:ownerId", (req, res) => {
    const byUser = one(req.query.idProperty) === "userId";
    const owner = store(res).owners.find((o) => (byUser ? String(o.userId) : o.id) === req.params.ownerId);
    if (!owner) throw notFound(`Owner ${req.params.ownerId} not found`);
    res.json(ownerJson(owner));
  });

  // User provisioning: one user of the portal by id (or by email with idProperty=EMAIL). A user of
  // another portal is as unknown here as one that does not exist.
  app.get("/settings/v3/users/:userId", (req, res) => {
    const byEmail = one(req.query.idProperty) === "EMAIL";
    const key = req.params.userId.toLowerCase();
    const user = store(res).users.find((u) => (byEmail ? u.email.toLowerCase() === key : u.id === req.params.userId));
    if (!user) throw notFound(`Unable to find user with id ${req.params.userId}`);
    res.json(userJson(user));
  });

  // The Meetings scheduler (scheduler.ts), on the legacy v3 paths and the identical dated ones.
  const meetings = (path: string) => ["v3", "2026-03"].map((version) => `/scheduler/${version}/meetings${path}`);
  app.use("/scheduler", (_req, _res, next) => {
    const delay = sim.schedulerLatencyMs?.() ?? 0;
    if (delay > 0) setTimeout(next, delay);
    else next();
  });
  const scheduler = (res: Response) => sim.scheduler(locals(res).grant.portalId);
  app.get(meetings("/meeting-links"), (req, res) => {
    const query = { limit: intParam(req.query.limit, 10, 100), after: one(req.query.after), name: one(req.query.name), organizerUserId: one(req.query.organizerUserId), type: one(req.query.type) };
    res.json(scheduler(res).list(query));
  });
  app.get(meetings("/meeting-links/book/availability-page/:slug"), (req, res) => {
    const monthOffset = Number(one(req.query.monthOffset) ?? 0);
    if (!Number.isInteger(monthOffset) || monthOffset < 0) throw validationError(`monthOffset must be a whole number of months from now; got ${one(req.query.monthOffset)}`, "INVALID_MONTH_OFFSET");
    res.json(scheduler(res).availabilityPage(String(req.params.slug), one(req.query.timezone), monthOffset));
  });
  app.get(meetings("/meeting-links/book/:slug"), (req, res) => {
    res.json(scheduler(res).bookingInfo(String(req.params.slug), one(req.query.timezone)));
  });
  app.post(meetings("/meeting-links/book"), (req, res) => {
    res.json(scheduler(res).book(body(req), { source: "INTEGRATION", queryTimezone: one(req.query.timezone) }));
  });

  app.get("/crm/v3/properties/:objectType/groups", (req, res) => {
    res.json({ results: store(res).groups(objectType(req.params.objectType)) });
  });
  app.get("/crm/v3/properties/:objectType/groups/:groupName", (req, res) => {
    const group = store(res).groups(objectType(req.params.objectType)).find((g) => g.name === req.params.groupName);
    if (!group) throw notFound(`Unable to find property group with name ${req.params.groupName}`);
    res.json(group);
  });
  app.post("/crm/v3/properties/:objectType/groups", (req, res) => {
    res.status(201).json(store(res).createGroup(objectType(req.params.objectType), body(req)));
  });
  app.get("/crm/v3/properties/:objectType", (req, res) => {
    res.json({ results: store(res).properties(objectType(req.params.objectType)).map(propertyJson) });
  });
  app.get("/crm/v3/properties/:objectType/:propertyName", (req, res) => {
    const property = store(res).property(objectType(req.params.objectType), req.params.propertyName);
    if (!property) throw notFound(`Unable to find property with name ${req.params.propertyName}`);
    res.json(propertyJson(property));
  });
  app.post("/crm/v3/properties/:objectType", (req, res) => {
    res.status(201).json(propertyJson(store(res).createProperty(objectType(req.params.objectType), body(req))));
  });
  app.patch("/crm/v3/properties/:objectType/:propertyName", (req, res) => {
    res.json(propertyJson(store(res).updateProperty(objectType(req.params.objectType), req.params.propertyName, body(req))));
  });

  app.post("/crm/v3/objects/:type/search", (req, res) => {
    res.json(store(res).search(objectType(req.params.type), body(req)));
  });
  app.post("/crm/v3/objects/:type/batch/read", (req, res) => {
    const answer = store(res).batchRead(objectType(req.params.type), body(req));
    res.status(answer.status).json(answer.body);
  });
  app.post("/crm/v3/objects/:type/batch/create", (req, res) => {
    const answer = store(res).batchCreate(objectType(req.params.type), body(req));
    res.status(answer.status).json(answer.body);
  });
  app.post("/crm/v3/objects/:type/batch/update", (req, res) => {
    const answer = store(res).batchUpdate(objectType(req.params.type), body(req));
    res.status(answer.status).json(answer.body);
  });
  app.post("/crm/v3/objects/:type/merge", (req, res) => {
    const { primaryObjectId, objectIdToMerge } = body(req);
    if (!primaryObjectId || !objectIdToMerge) throw validationError("primaryObjectId and objectIdToMerge are required", "MISSING_REQUIRED_FIELD");
    const s = store(res);
    res.json(s.toJson(s.merge(objectType(req.params.type), String(primaryObjectId), String(objectIdToMerge))));
  });
  app.post("/crm/v3/objects/:type", (req, res) => {
    const s = store(res);
    const b = body(req);
    res.status(201).json(s.toJson(s.create(objectType(req.params.type), { properties: b.properties, associations: b.associations }), Object.keys((b.properties as object) ?? {})));
  });
  app.get("/crm/v3/objects/:type", (req, res) => {
    res.json(store(res).list(objectType(req.params.type), { limit: intParam(req.query.limit, 10, 100), after: one(req.query.after), properties: names(req.query.properties), archived: one(req.query.archived) === "true" }));
  });
  app.get("/crm/v3/objects/:type/:id", (req, res) => {
    const s = store(res);
    const type = objectType(req.params.type);
    const idProperty = one(req.query.idProperty);
    const object = idProperty && idProperty !== "hs_object_id" ? s.findByUnique(type, idProperty, req.params.id) : s.find(type, req.params.id, { archived: one(req.query.archived) === "true" });
    if (!object) throw objectNotFound(req.params.id);
    const associations = (names(req.query.associations) ?? []).map(parseObjectType).filter((t): t is ObjectType => t !== null);
    res.json(s.toJson(object, names(req.query.properties), associations));
  });
  app.patch("/crm/v3/objects/:type/:id", (req, res) => {
    const s = store(res);
    const type = objectType(req.params.type);
    const idProperty = one(req.query.idProperty);
    const properties = body(req).properties;
    const updated = s.update(type, req.params.id, properties, idProperty && idProperty !== "hs_object_id" ? idProperty : undefined);
    res.json(s.toJson(updated, Object.keys((properties as object) ?? {})));
  });
  app.delete("/crm/v3/objects/:type/:id", (req, res) => {
    store(res).archive(objectType(req.params.type), req.params.id);
    res.status(204).end();
  });

  // The records associated with one record: v3 lists ids with a type name, v4 numeric ids with type ids.
  app.get("/crm/v3/objects/:type/:id/associations/:toType", (req, res) => {
    const fromType = objectType(req.params.type);
    const toType = objectType(req.params.toType);
    const links = store(res).associationsOf(fromType, req.params.id, toType);
    res.json({ results: links.map((l) => ({ id: l.id, type: `${fromType.slice(0, -1)}_to_${toType.slice(0, -1)}` })) });
  });
  app.get("/crm/v4/objects/:type/:id/associations/:toType", (req, res) => {
    const links = store(res).associationsOf(objectType(req.params.type), req.params.id, objectType(req.params.toType));
    const limit = intParam(req.query.limit, 500, 500);
    const after = Number(one(req.query.after) ?? 0);
    const page = links.slice(after, after + limit);
    const next = after + limit < links.length ? String(after + limit) : null;
    res.json({
      results: page.map((l) => ({ toObjectId: Number(l.id), associationTypes: [{ category: "HUBSPOT_DEFINED", typeId: l.typeId, label: null }] })),
      ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}),
    });
  });

  // v4 association writes: a default (unlabeled) one, one with explicit types, and removing every
  // association between two records.
  app.put("/crm/v4/objects/:type/:id/associations/default/:toType/:toId", (req, res) => {
    const s = store(res);
    const fromType = objectType(req.params.type);
    const toType = objectType(req.params.toType);
    const typeId = fromType === "contacts" ? CONTACT_TO_ENGAGEMENT[toType as EngagementType] : ENGAGEMENT_TO_CONTACT[fromType as EngagementType];
    const answer = s.associate(fromType, req.params.id, toType, req.params.toId, [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: typeId }]);
    res.json({ status: "COMPLETE", results: [{ ...answer, labels: [] }], startedAt: new Date().toISOString(), completedAt: new Date().toISOString() });
  });
  app.put("/crm/v4/objects/:type/:id/associations/:toType/:toId", (req, res) => {
    if (!Array.isArray(req.body)) throw validationError("The body must be an array of association types ({associationCategory, associationTypeId})", "INVALID_INPUT");
    // 201, as HubSpot's v4 reference gives it (the client refuses a 200 here).
    res.status(201).json(store(res).associate(objectType(req.params.type), req.params.id, objectType(req.params.toType), req.params.toId, req.body));
  });
  app.delete("/crm/v4/objects/:type/:id/associations/:toType/:toId", (req, res) => {
    store(res).unassociate(objectType(req.params.type), req.params.id, objectType(req.params.toType), req.params.toId);
    res.status(204).end();
  });

  app.use((req) => {
    throw notFound(`No endpoint ${req.method} ${req.path} in the HubSpot simulator`);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HubSpotError) return void res.status(error.status).set(error.headers).json(error.body);
    const parse = error as { type?: string; message?: string };
    if (parse.type === "entity.parse.failed") return void res.status(400).json(validationError(`Invalid input JSON: ${parse.message}`).body);
    if (parse.type === "entity.too.large") return void res.status(413).json({ status: "error", message: "Request body too large", correlationId: randomUUID(), category: "VALIDATION_ERROR" });
    res.status(500).json(internalError(`Simulator error: ${(error as Error)?.message ?? String(error)}`).body);
  });
  return app;
}

function objectType(raw: string): ObjectType {
  const type = parseObjectType(raw);
  if (!type) throw validationError(`Unable to infer object type from: ${raw}`, "INVALID_OBJECT_TYPE");
  return type;
}

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined) return {};
  if (b === null || typeof b !== "object" || Array.isArray(b)) throw validationError("The request body must be a JSON object", "INVALID_INPUT");
  return b as Record<string, unknown>;
}

/** A query parameter given once. */
function one(value: unknown): string | undefined {
  return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
}

/** A list query parameter: repeated (`properties=a&properties=b`, as the client sends it) or comma-separated. */
function names(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(",")).map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

function intParam(value: unknown, fallback: number, max: number): number {
  const raw = one(value);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw validationError(`limit must be between 1 and ${max}; got ${raw}`, "INVALID_LIMIT");
  return n;
}

function ownerJson(owner: SimOwner) {
  return { id: owner.id, email: owner.email, type: "PERSON", firstName: owner.firstName, lastName: owner.lastName, userId: owner.userId, userIdIncludingInactive: owner.userId, createdAt: owner.createdAt, updatedAt: owner.createdAt, archived: owner.archived, teams: [] };
}

function userJson(user: SimUser) {
  return { id: user.id, email: user.email, firstName: user.firstName, lastName: user.lastName, roleIds: user.roleIds, ...(user.primaryTeamId ? { primaryTeamId: user.primaryTeamId } : {}), secondaryTeamIds: [], superAdmin: user.superAdmin };
}

function defaultFaultBody(status: number, portalId: string | undefined): Record<string, unknown> {
  if (status === 429) return rateLimitBody("TEN_SECONDLY_ROLLING", portalId ?? "0");
  const category = status >= 500 ? "INTERNAL_ERROR" : status === 401 ? "INVALID_AUTHENTICATION" : status === 403 ? "MISSING_SCOPES" : "VALIDATION_ERROR";
  return { status: "error", message: `Simulated HubSpot ${status}`, correlationId: randomUUID(), category };
}
