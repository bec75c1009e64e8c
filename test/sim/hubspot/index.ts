import express, { type NextFunction, type Request, type Response } from "express";
import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { parsePhoneNumberFromString } from "libphonenumber-js";

// An HTTP simulator of the HubSpot endpoints this app calls, as strict and as unkind as HubSpot is
// where it hurts (shared/reference/hubspot.md): search lags writes, `phone` is free text and only the
// calculated properties match every formatting, a duplicate email is a 409 naming the existing id,
// unknown properties and invalid enumeration options are 400s, rate limits answer 429 with a
// policyName, tokens expire, scopes are enforced, and 5xx / hangs / resets are available on demand.
// The app reaches it through the real @hubspot/api-client (`basePath`).

export interface SimOptions {
  /** How long a write takes to become visible to search (HubSpot: seconds). */
  searchLagMs?: number;
  /** Requests per rolling 10 s per portal (0 = no limit). HubSpot: about 100 for OAuth apps. */
  tenSecondlyLimit?: number;
  /** Searches per second per portal (0 = no limit). HubSpot: about 4-5. */
  searchesPerSecond?: number;
  accessTokenTtlSeconds?: number;
}

export interface SimObject {
  id: string;
  properties: Record<string, string | null>;
  associations: string[]; // contact ids
  createdAt: string;
  updatedAt: string;
  /** When search starts seeing this version. */
  visibleAt: number;
  archived: boolean;
  mergedInto?: string;
}

export interface SimProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  options: { label: string; value: string; displayOrder?: number; hidden?: boolean }[];
  readOnly: boolean;
  calculated: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  portalId?: string;
  at: number;
}

type Fault = { status: number; body?: unknown } | { mode: "hang" | "reset" };
type ObjectType = "contacts" | "calls" | "notes" | "tasks" | "meetings";

const OBJECT_TYPES: ObjectType[] = ["contacts", "calls", "notes", "tasks", "meetings"];
/** HubSpot-defined association type ids, object -> contact. */
const ASSOCIATION_TO_CONTACT: Record<Exclude<ObjectType, "contacts">, number> = { calls: 194, meetings: 200, notes: 202, tasks: 204 };

/** Which scope each endpoint needs (HubSpot's docs list these per API). */
export function requiredScope(method: string, path: string): string | null {
  if (path.startsWith("/oauth/")) return null;
  if (path.startsWith("/crm/v3/properties/")) return method === "GET" ? "crm.schemas.contacts.read" : "crm.schemas.contacts.write";
  if (path.startsWith("/crm/v3/owners")) return "crm.objects.owners.read";
  if (path.startsWith("/calling/v1/dispositions")) return "crm.objects.contacts.read";
  if (path.startsWith("/crm/")) return method === "GET" || path.endsWith("/search") || path.endsWith("/batch/read") ? "crm.objects.contacts.read" : "crm.objects.contacts.write";
  return null;
}

export const DEFAULT_DISPOSITIONS = [
  { id: "f240bbac-87c9-4f6e-bf70-924b57d47db7", label: "Connected" },
  { id: "73a0d17f-1163-4015-bdd5-ec830791da20", label: "No answer" },
  { id: "b2cf5968-551e-4856-9783-52b3da59a7d0", label: "Left voicemail" },
  { id: "a4c4c377-d246-4b32-a13b-75a56a4cd0ff", label: "Left live message" },
  { id: "9d9162e7-6cf3-4944-bf63-4dff82258764", label: "Busy" },
  { id: "17b47fee-58de-441e-a44c-c6300d46f273", label: "Wrong number" },
];

const prop = (name: string, type = "string", fieldType = "text", extra: Partial<SimProperty> = {}): SimProperty => ({ name, label: name, type, fieldType, groupName: "contactinformation", options: [], readOnly: false, calculated: false, ...extra });
const readOnly = { readOnly: true, calculated: true };

function builtInContactProperties(): SimProperty[] {
  return [
    prop("firstname"), prop("lastname"), prop("email"), prop("phone", "string", "phonenumber"), prop("mobilephone", "string", "phonenumber"),
    prop("zip"), prop("city"), prop("state"), prop("address"), prop("company"), prop("jobtitle"), prop("website"), prop("hubspot_owner_id", "enumeration", "select"),
    prop("lifecyclestage", "enumeration", "radio", { options: ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"].map((value) => ({ label: value, value })) }),
    prop("hs_lead_status", "enumeration", "radio", { options: ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"].map((value) => ({ label: value, value })) }),
    prop("createdate", "datetime", "date", readOnly), prop("lastmodifieddate", "datetime", "date", readOnly), prop("hs_object_id", "number", "number", readOnly),
    prop("hs_analytics_source", "enumeration", "select", readOnly),
    prop("hs_searchable_calculated_phone_number", "string", "text", readOnly), prop("hs_searchable_calculated_mobile_number", "string", "text", readOnly),
    prop("hs_calculated_phone_number", "string", "text", readOnly), prop("hs_merged_object_ids", "enumeration", "checkbox", readOnly),
  ];
}

const ENGAGEMENT_PROPERTIES: Record<Exclude<ObjectType, "contacts">, string[]> = {
  calls: ["hs_timestamp", "hs_call_title", "hs_call_body", "hs_call_duration", "hs_call_from_number", "hs_call_to_number", "hs_call_direction", "hs_call_status", "hs_call_recording_url", "hs_call_disposition", "hs_call_external_id", "hs_call_source", "hubspot_owner_id"],
  notes: ["hs_timestamp", "hs_note_body", "hubspot_owner_id"],
  tasks: ["hs_timestamp", "hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_priority", "hs_task_type", "hubspot_owner_id"],
  meetings: ["hs_timestamp", "hs_meeting_title", "hs_meeting_body", "hs_meeting_start_time", "hs_meeting_end_time", "hs_meeting_outcome", "hs_meeting_external_url", "hs_meeting_location", "hs_internal_meeting_notes", "hubspot_owner_id"],
};

const ENUMS: Record<string, string[]> = {
  hs_call_direction: ["INBOUND", "OUTBOUND"],
  hs_call_status: ["BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED", "IN_PROGRESS", "MISSED", "NO_ANSWER", "QUEUED", "RINGING"],
  hs_meeting_outcome: ["SCHEDULED", "RESCHEDULED", "CANCELED", "COMPLETED", "NO_SHOW"],
  hs_task_status: ["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"],
  hs_task_priority: ["LOW", "MEDIUM", "HIGH", "NONE"],
  hs_task_type: ["CALL", "EMAIL", "TODO", "LINKED_IN"],
};

class HubSpotError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) {
    super(String(body.message));
  }
}
const validationError = (message: string, code = "INVALID_OPTION") =>
  new HubSpotError(400, { status: "error", message, correlationId: randomBytes(8).toString("hex"), category: "VALIDATION_ERROR", errors: [{ message, code }] });

class PortalState {
  readonly objects = new Map<ObjectType, Map<string, SimObject>>(OBJECT_TYPES.map((t) => [t, new Map()]));
  readonly properties = new Map<string, SimProperty>(builtInContactProperties().map((p) => [p.name, p]));
  readonly groups = new Map<string, { name: string; label: string; displayOrder: number }>([["contactinformation", { name: "contactinformation", label: "Contact information", displayOrder: 0 }]]);
  readonly dispositions = DEFAULT_DISPOSITIONS.map((d) => ({ ...d, deleted: false }));
  readonly owners: { id: string; email: string; firstName: string; lastName: string }[] = [];
  constructor(readonly id: string) {}
}

export class HubSpotSim {
  readonly requests: RequestRecord[] = [];
  url = "";
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly portals = new Map<string, PortalState>();
  private readonly tokens = new Map<string, { portalId: string; expiresAt: number; scopes: string[] }>();
  private readonly refreshTokens = new Map<string, { portalId: string; revoked: boolean }>();
  private readonly codes = new Map<string, string>();
  private app?: { clientId: string; clientSecret: string; redirectUri: string; scopes: string[] };
  private readonly faults: Fault[] = [];
  private down: Fault | null = null;
  private matcher: { predicate: (req: { method: string; path: string }) => boolean; fault: Fault } | null = null;
  private readonly windows = new Map<string, number[]>();
  private nextId = 1000;
  private readonly options: Required<SimOptions>;

  constructor(options: SimOptions = {}) {
    this.options = { searchLagMs: 0, tenSecondlyLimit: 100, searchesPerSecond: 5, accessTokenTtlSeconds: 1800, ...options };
  }

  // ---- control -------------------------------------------------------------------------------

  registerApp(app: { clientId: string; clientSecret: string; redirectUri: string; scopes?: string[] }): void {
    this.app = { scopes: ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.contacts.read", "crm.schemas.contacts.write", "crm.objects.owners.read"], ...app };
  }

  /** The code HubSpot hands the app's callback after a user in `portalId` approved the install. */
  issueAuthCode(portalId: string, scopes?: string[]): string {
    const code = `code-${randomBytes(12).toString("hex")}`;
    this.codes.set(code, JSON.stringify({ portalId, scopes }));
    this.portalState(portalId);
    return code;
  }

  expireAccessTokens(portalId: string): void {
    for (const token of this.tokens.values()) if (token.portalId === portalId) token.expiresAt = 0;
  }

  revokeRefreshTokens(portalId: string): void {
    for (const token of this.refreshTokens.values()) if (token.portalId === portalId) token.revoked = true;
  }

  /** The next `n` API requests answer with this status (and body). */
  failNext(n: number, fault: { status: number; body?: unknown }): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }

  /** Every API request answers 503 (or hangs, or has its connection reset) until set back. */
  setDown(down: boolean, options: { mode?: "503" | "hang" | "reset" } = {}): void {
    this.down = !down ? null : options.mode === "hang" || options.mode === "reset" ? { mode: options.mode } : { status: 503, body: { status: "error", message: "Service Unavailable" } };
  }

  failMatching(predicate: ((req: { method: string; path: string }) => boolean) | null, fault: Fault = { status: 500 }): void {
    this.matcher = predicate ? { predicate, fault } : null;
  }

  seedContact(portalId: string, properties: Record<string, string>): SimObject {
    const state = this.portalState(portalId);
    this.assertUniqueEmail(state, properties.email ?? null, null);
    return this.insert(state, "contacts", this.cleanContactProperties(properties), []);
  }

  deleteContact(portalId: string, contactId: string): void {
    this.portalState(portalId).objects.get("contacts")!.delete(contactId);
  }

  /** HubSpot merge: the secondary is archived and its id resolves to the primary from then on. */
  merge(portalId: string, primaryId: string, secondaryId: string): void {
    const contacts = this.portalState(portalId).objects.get("contacts")!;
    const primary = contacts.get(primaryId)!;
    const secondary = contacts.get(secondaryId)!;
    for (const [k, v] of Object.entries(secondary.properties)) if (!primary.properties[k] && v) primary.properties[k] = v;
    primary.properties.hs_merged_object_ids = [primary.properties.hs_merged_object_ids, secondaryId].filter(Boolean).join(";");
    secondary.archived = true;
    secondary.mergedInto = primaryId;
    this.touch(primary);
  }

  addOwner(portalId: string, owner: { email: string; firstName: string; lastName: string }): string {
    const id = String(this.nextId++);
    this.portalState(portalId).owners.push({ id, ...owner });
    return id;
  }

  addDisposition(portalId: string, label: string): string {
    const id = randomBytes(16).toString("hex");
    this.portalState(portalId).dispositions.push({ id, label, deleted: false });
    return id;
  }

  countRequests(filter: Partial<Pick<RequestRecord, "method" | "status" | "portalId">> & { pathPrefix?: string } = {}): number {
    return this.requests.filter((r) => (!filter.method || r.method === filter.method) && (filter.status === undefined || r.status === filter.status) && (!filter.portalId || r.portalId === filter.portalId) && (!filter.pathPrefix || r.path.startsWith(filter.pathPrefix))).length;
  }

  portal(portalId: string) {
    const state = this.portalState(portalId);
    const live = (type: ObjectType) => [...state.objects.get(type)!.values()].filter((o) => !o.archived).map((o) => structuredClone(o));
    return {
      contacts: () => live("contacts"),
      calls: () => live("calls"),
      notes: () => live("notes"),
      tasks: () => live("tasks"),
      meetings: () => live("meetings"),
      properties: () => [...state.properties.values()].map((p) => structuredClone(p)),
      groups: () => [...state.groups.values()],
    };
  }

  // ---- server ----------------------------------------------------------------------------------

  async listen(): Promise<void> {
    const app = express();
    app.use(express.json({ limit: "5mb" }));
    app.use(express.urlencoded({ extended: false }));
    app.use((req, res, next) => {
      const record: RequestRecord = { method: req.method, path: req.path, status: 0, at: Date.now() };
      this.requests.push(record);
      res.on("finish", () => (record.status = res.statusCode));
      (res.locals as { record: RequestRecord }).record = record;
      next();
    });
    app.post("/oauth/v1/token", (req, res) => this.token(req, res));
    app.get("/oauth/v1/access-tokens/:token", (req, res) => {
      const token = this.tokens.get(req.params.token);
      if (!token || token.expiresAt < Date.now()) return void res.status(404).json({ status: "error", message: "Token not found" });
      res.json({ token: req.params.token, user: "admin@example.com", hub_id: Number(token.portalId), user_id: 1, app_id: 1, scopes: token.scopes, expires_in: Math.round((token.expiresAt - Date.now()) / 1000), token_type: "access" });
    });
    app.delete("/oauth/v1/refresh-tokens/:token", (req, res) => {
      this.refreshTokens.delete(req.params.token);
      res.status(204).end();
    });
    app.use((req, res, next) => this.gate(req, res, next));
    app.get("/calling/v1/dispositions", (_req, res) => res.json(this.state(res).dispositions.filter((d) => !d.deleted)));
    app.get("/crm/v3/owners", (req, res) => {
      const owners = this.state(res).owners.filter((o) => !req.query.email || o.email === req.query.email);
      res.json({ results: owners.map((o) => ({ ...o, userId: Number(o.id), createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), archived: false })) });
    });
    app.get("/crm/v3/properties/:objectType/groups", (_req, res) => res.json({ results: [...this.state(res).groups.values()] }));
    app.post("/crm/v3/properties/:objectType/groups", (req, res) => {
      const state = this.state(res);
      const { name, label, displayOrder } = req.body ?? {};
      if (!name || !label) throw validationError("name and label are required", "REQUIRED_FIELD");
      if (state.groups.has(name)) throw new HubSpotError(409, { status: "error", message: `A property group named ${name} already exists`, category: "OBJECT_ALREADY_EXISTS" });
      state.groups.set(name, { name, label, displayOrder: displayOrder ?? -1 });
      res.status(201).json(state.groups.get(name));
    });
    app.get("/crm/v3/properties/:objectType", (_req, res) => res.json({ results: [...this.state(res).properties.values()].map(propertyJson) }));
    app.get("/crm/v3/properties/:objectType/:name", (req, res) => {
      const property = this.state(res).properties.get(req.params.name);
      if (!property) throw new HubSpotError(404, { status: "error", message: `Unable to find property ${req.params.name}`, category: "OBJECT_NOT_FOUND" });
      res.json(propertyJson(property));
    });
    app.post("/crm/v3/properties/:objectType", (req, res) => res.status(201).json(propertyJson(this.createProperty(this.state(res), req.body ?? {}))));
    app.post("/crm/v3/objects/:type/search", (req, res) => res.json(this.search(this.state(res), this.objectType(req), req.body ?? {})));
    app.post("/crm/v3/objects/:type/batch/read", (req, res) => {
      const state = this.state(res);
      const type = this.objectType(req);
      const results = (req.body?.inputs ?? []).map((i: { id: string }) => this.resolve(state, type, i.id)).filter(Boolean).map((o: SimObject) => objectJson(o, req.body?.properties));
      res.json({ status: "COMPLETE", results, startedAt: new Date().toISOString(), completedAt: new Date().toISOString() });
    });
    app.post("/crm/v3/objects/:type/merge", (req, res) => {
      const state = this.state(res);
      this.merge(state.id, String(req.body.primaryObjectId), String(req.body.objectIdToMerge));
      res.json(objectJson(state.objects.get("contacts")!.get(String(req.body.primaryObjectId))!));
    });
    app.post("/crm/v3/objects/:type", (req, res) => res.status(201).json(objectJson(this.create(this.state(res), this.objectType(req), req.body ?? {}))));
    app.get("/crm/v3/objects/:type/:id", (req, res) => {
      const object = this.resolve(this.state(res), this.objectType(req), req.params.id);
      if (!object) throw notFound(req.params.id);
      const props = typeof req.query.properties === "string" ? req.query.properties.split(",") : Array.isArray(req.query.properties) ? (req.query.properties as string[]) : undefined;
      res.json(objectJson(object, props));
    });
    app.patch("/crm/v3/objects/:type/:id", (req, res) => res.json(objectJson(this.update(this.state(res), this.objectType(req), req.params.id, req.body ?? {}))));
    app.delete("/crm/v3/objects/:type/:id", (req, res) => {
      const object = this.resolve(this.state(res), this.objectType(req), req.params.id);
      if (object) object.archived = true;
      res.status(204).end();
    });
    app.get("/crm/v4/objects/contacts/:id/associations/:toType", (req, res) => {
      const toType = req.params.toType as ObjectType;
      const related = [...(this.state(res).objects.get(toType)?.values() ?? [])].filter((o) => !o.archived && o.associations.includes(req.params.id));
      res.json({ results: related.map((o) => ({ toObjectId: Number(o.id), associationTypes: [{ category: "HUBSPOT_DEFINED", typeId: ASSOCIATION_TO_CONTACT[toType as Exclude<ObjectType, "contacts">] ?? 0, label: null }] })) });
    });
    app.use((_req, res) => res.status(404).json({ status: "error", message: "resource not found", category: "OBJECT_NOT_FOUND" }));
    app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      if (error instanceof HubSpotError) return void res.status(error.status).json(error.body);
      res.status(500).json({ status: "error", message: (error as Error).message, category: "INTERNAL_ERROR" });
    });
    this.server = await new Promise<Server>((resolve) => {
      const server = app.listen(0, "127.0.0.1", () => resolve(server));
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ---- behaviour -------------------------------------------------------------------------------

  private token(req: Request, res: Response): void {
    const body = req.body as Record<string, string>;
    if (!this.app || body.client_id !== this.app.clientId || body.client_secret !== this.app.clientSecret) {
      return void res.status(400).json({ status: "BAD_CLIENT_ID", message: "missing or unknown client id / secret" });
    }
    let portalId: string;
    let scopes = this.app.scopes;
    if (body.grant_type === "authorization_code") {
      const grant = this.codes.get(body.code ?? "");
      if (!grant) return void res.status(400).json({ status: "BAD_AUTH_CODE", message: "auth code not found" });
      if (body.redirect_uri !== this.app.redirectUri) return void res.status(400).json({ status: "BAD_REDIRECT_URI", message: "redirect_uri does not match" });
      this.codes.delete(body.code!);
      const parsed = JSON.parse(grant) as { portalId: string; scopes?: string[] };
      portalId = parsed.portalId;
      scopes = parsed.scopes ?? scopes;
    } else if (body.grant_type === "refresh_token") {
      const refresh = this.refreshTokens.get(body.refresh_token ?? "");
      if (!refresh || refresh.revoked) return void res.status(400).json({ status: "BAD_REFRESH_TOKEN", message: "missing or unknown refresh token" });
      portalId = refresh.portalId;
    } else {
      return void res.status(400).json({ status: "BAD_GRANT_TYPE", message: "unknown grant_type" });
    }
    const accessToken = `at-${portalId}-${randomBytes(16).toString("hex")}`;
    this.tokens.set(accessToken, { portalId, expiresAt: Date.now() + this.options.accessTokenTtlSeconds * 1000, scopes });
    let refreshToken = body.refresh_token;
    if (body.grant_type === "authorization_code") {
      refreshToken = `rt-${randomBytes(16).toString("hex")}`;
      this.refreshTokens.set(refreshToken, { portalId, revoked: false });
    }
    res.json({ access_token: accessToken, refresh_token: refreshToken, expires_in: this.options.accessTokenTtlSeconds, token_type: "bearer" });
  }

  /** Authentication, scopes, faults and rate limits, in HubSpot's order. */
  private gate(req: Request, res: Response, next: NextFunction): void {
    const fault = this.down ?? (this.matcher?.predicate({ method: req.method, path: req.path }) ? this.matcher.fault : null) ?? this.faults.shift();
    if (fault) {
      if ("mode" in fault) {
        if (fault.mode === "reset") req.socket.destroy();
        return; // hang: never answer
      }
      return void res.status(fault.status).json(fault.body ?? { status: "error", message: `Simulated ${fault.status}`, category: "INTERNAL_ERROR" });
    }
    const token = this.tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
    if (!token || token.expiresAt < Date.now()) {
      return void res.status(401).json({ status: "error", message: "Authentication credentials not found. This API supports OAuth 2.0 authentication.", category: "INVALID_AUTHENTICATION" });
    }
    (res.locals as { record: RequestRecord }).record.portalId = token.portalId;
    const scope = requiredScope(req.method, req.path);
    if (scope && !token.scopes.includes(scope)) {
      return void res.status(403).json({ status: "error", message: `This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes. Required: ${scope}`, category: "MISSING_SCOPES", errors: [{ message: "One or more of the following scopes are required.", context: { requiredGranularScopes: [scope] } }] });
    }
    const now = Date.now();
    const limits: [string, number, number, string][] = [[token.portalId, this.options.tenSecondlyLimit, 10_000, "TEN_SECONDLY_ROLLING"]];
    if (req.path.endsWith("/search")) limits.push([`${token.portalId}:search`, this.options.searchesPerSecond, 1_000, "SECONDLY"]);
    for (const [key, limit, windowMs, policyName] of limits) {
      if (!limit) continue;
      const hits = (this.windows.get(key) ?? []).filter((t) => t > now - windowMs);
      this.windows.set(key, hits);
      res.setHeader("X-HubSpot-RateLimit-Interval-Milliseconds", String(windowMs));
      res.setHeader("X-HubSpot-RateLimit-Max", String(limit));
      res.setHeader("X-HubSpot-RateLimit-Remaining", String(Math.max(0, limit - hits.length - 1)));
      if (hits.length >= limit) {
        const secondly = policyName === "SECONDLY";
        return void res.status(429).json({ status: "error", message: secondly ? "You have reached your secondly limit." : "You have reached your ten_secondly_rolling limit.", errorType: "RATE_LIMIT", correlationId: randomBytes(8).toString("hex"), policyName, groupName: secondly ? "publicapi:oauth:search" : `publicapi:oauth:${token.portalId}` });
      }
    }
    for (const [key, limit] of limits) if (limit) this.windows.get(key)!.push(now);
    next();
  }

  private state(res: Response): PortalState {
    return this.portalState((res.locals as { record: RequestRecord }).record.portalId!);
  }

  private portalState(portalId: string): PortalState {
    let state = this.portals.get(portalId);
    if (!state) {
      state = new PortalState(portalId);
      this.portals.set(portalId, state);
    }
    return state;
  }

  private objectType(req: Request): ObjectType {
    const type = req.params.type as ObjectType;
    if (!OBJECT_TYPES.includes(type)) throw new HubSpotError(400, { status: "error", message: `Unable to infer object type from: ${type}`, category: "VALIDATION_ERROR" });
    return type;
  }

  /** Merged-away ids resolve to the surviving contact, as HubSpot does for reads and writes. */
  private resolve(state: PortalState, type: ObjectType, id: string): SimObject | undefined {
    let object = state.objects.get(type)!.get(id);
    while (object?.mergedInto) object = state.objects.get(type)!.get(object.mergedInto);
    return object && !object.archived ? object : undefined;
  }

  private createProperty(state: PortalState, body: Record<string, any>): SimProperty {
    const { name, label, type, fieldType, groupName } = body;
    if (!name || !/^[a-z][a-z0-9_]*$/.test(name)) throw validationError(`Property name '${name}' is invalid: lower case letters, digits and underscores, starting with a letter`, "INVALID_PROPERTY_NAME");
    if (!label) throw validationError("label is required", "REQUIRED_FIELD");
    const fieldTypes: Record<string, string[]> = { string: ["text", "textarea", "phonenumber", "html", "file"], number: ["number", "calculation_equation"], enumeration: ["select", "radio", "checkbox", "booleancheckbox"], date: ["date"], datetime: ["date"], bool: ["booleancheckbox"] };
    if (!fieldTypes[type]?.includes(fieldType)) throw validationError(`fieldType ${fieldType} is not valid for type ${type}`, "INVALID_FIELD_TYPE");
    if (!state.groups.has(groupName)) throw validationError(`Property group ${groupName} does not exist`, "INVALID_GROUP");
    if (state.properties.has(name)) throw new HubSpotError(409, { status: "error", message: `Property named '${name}' already exists.`, category: "OBJECT_ALREADY_EXISTS" });
    if (type === "enumeration" && (!Array.isArray(body.options) || body.options.length === 0) && fieldType !== "booleancheckbox") throw validationError("enumeration properties need options", "REQUIRED_FIELD");
    const property: SimProperty = { name, label, type, fieldType, groupName, options: body.options ?? [], readOnly: false, calculated: false };
    state.properties.set(name, property);
    return property;
  }

  private validate(state: PortalState, type: ObjectType, properties: Record<string, unknown>): Record<string, string | null> {
    const clean: Record<string, string | null> = {};
    for (const [name, raw] of Object.entries(properties ?? {})) {
      if (raw !== null && typeof raw === "object") throw validationError(`Property values were not valid: ${name} must be a string`, "INVALID_TYPE");
      const value = raw === null || raw === undefined ? null : String(raw);
      if (type === "contacts") {
        const property = state.properties.get(name);
        if (!property) throw validationError(`Property values were not valid: [{"isValid":false,"message":"Property \\"${name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"${name}"}]`, "PROPERTY_DOESNT_EXIST");
        if (property.readOnly) throw validationError(`Property values were not valid: [{"isValid":false,"message":"${name} is a read only property; its value cannot be set.","error":"READ_ONLY_VALUE","name":"${name}"}]`, "READ_ONLY_VALUE");
        if (value && property.type === "enumeration" && property.options.length && !property.options.some((o) => o.value === value)) {
          throw validationError(`Property values were not valid: [{"isValid":false,"message":"${value} was not one of the allowed options: ${property.options.map((o) => `[${o.value}]`).join(", ")}","error":"INVALID_OPTION","name":"${name}"}]`);
        }
        if (value && property.type === "number" && Number.isNaN(Number(value))) throw validationError(`Property values were not valid: ${value} is not a number for ${name}`, "INVALID_INTEGER");
        if (value && property.type === "datetime" && Number.isNaN(Date.parse(value)) && !/^\d+$/.test(value)) throw validationError(`Property values were not valid: ${value} is not a valid datetime for ${name}`, "INVALID_DATE");
      } else {
        if (!ENGAGEMENT_PROPERTIES[type].includes(name)) throw validationError(`Property values were not valid: [{"isValid":false,"message":"Property \\"${name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"${name}"}]`, "PROPERTY_DOESNT_EXIST");
        if (value && ENUMS[name] && !ENUMS[name]!.includes(value)) throw validationError(`Property values were not valid: ${value} was not one of the allowed options for ${name}`);
        if (value && name === "hs_call_duration" && !/^\d+$/.test(value)) throw validationError(`Property values were not valid: ${name} must be a whole number of milliseconds`, "INVALID_INTEGER");
        if (value && name === "hs_call_recording_url" && !value.startsWith("https://")) throw validationError("Property values were not valid: hs_call_recording_url must be an https URL", "INVALID_URL");
        if (value && name === "hs_call_disposition" && !state.dispositions.some((d) => d.id === value && !d.deleted)) throw validationError(`Property values were not valid: ${value} is not a call outcome of this portal`);
      }
      clean[name] = value === "" ? null : value;
    }
    return clean;
  }

  private cleanContactProperties(properties: Record<string, string | null>): Record<string, string | null> {
    const out = { ...properties };
    // HubSpot computes these from phone / mobilephone; `phone` itself stays free text as typed.
    const calc = (raw: string | null | undefined) => {
      if (!raw) return null;
      const parsed = parsePhoneNumberFromString(raw, "US");
      return parsed ? { national: String(parsed.nationalNumber), e164: parsed.number } : { national: raw.replace(/\D/g, ""), e164: null };
    };
    const phone = calc(out.phone);
    const mobile = calc(out.mobilephone);
    out.hs_searchable_calculated_phone_number = phone?.national ?? null;
    out.hs_calculated_phone_number = phone?.e164 ?? null;
    out.hs_searchable_calculated_mobile_number = mobile?.national ?? null;
    return out;
  }

  private assertUniqueEmail(state: PortalState, email: string | null, selfId: string | null): void {
    if (!email) return;
    const taken = [...state.objects.get("contacts")!.values()].find((c) => !c.archived && c.id !== selfId && c.properties.email?.toLowerCase() === email.toLowerCase());
    if (taken) throw new HubSpotError(409, { status: "error", message: `Contact already exists. Existing ID: ${taken.id}`, correlationId: randomBytes(8).toString("hex"), category: "CONFLICT" });
  }

  private insert(state: PortalState, type: ObjectType, properties: Record<string, string | null>, associations: string[]): SimObject {
    const id = String(this.nextId++);
    const now = new Date().toISOString();
    const object: SimObject = { id, properties: { ...properties, hs_object_id: id, createdate: now, lastmodifieddate: now }, associations, createdAt: now, updatedAt: now, visibleAt: Date.now() + this.options.searchLagMs, archived: false };
    if (type === "contacts" && properties.email) object.properties.email = properties.email.toLowerCase();
    state.objects.get(type)!.set(id, object);
    return object;
  }

  private touch(object: SimObject): void {
    object.updatedAt = new Date().toISOString();
    object.properties.lastmodifieddate = object.updatedAt;
    object.visibleAt = Date.now() + this.options.searchLagMs;
  }

  private create(state: PortalState, type: ObjectType, body: Record<string, any>): SimObject {
    const properties = this.validate(state, type, body.properties ?? {});
    const associations: string[] = [];
    for (const association of body.associations ?? []) {
      const toId = String(association?.to?.id ?? "");
      if (!this.resolve(state, "contacts", toId)) throw validationError(`One or more associations are invalid: contact ${toId} does not exist`, "INVALID_ASSOCIATION");
      for (const t of association.types ?? []) {
        const expected = type === "contacts" ? undefined : ASSOCIATION_TO_CONTACT[type];
        if (t.associationCategory !== "HUBSPOT_DEFINED" || t.associationTypeId !== expected) throw validationError(`association type ${t.associationCategory}/${t.associationTypeId} is not valid from ${type} to contacts`, "INVALID_ASSOCIATION_TYPE");
      }
      associations.push(this.resolve(state, "contacts", toId)!.id);
    }
    if (type === "calls" && !properties.hs_timestamp) throw validationError("Property values were not valid: hs_timestamp is required", "REQUIRED_FIELD");
    if (type === "tasks" && (!properties.hs_timestamp || !properties.hs_task_subject)) throw validationError("Property values were not valid: hs_timestamp and hs_task_subject are required", "REQUIRED_FIELD");
    if (type === "meetings" && !properties.hs_timestamp) throw validationError("Property values were not valid: hs_timestamp is required", "REQUIRED_FIELD");
    if (type === "contacts") {
      this.assertUniqueEmail(state, properties.email ?? null, null);
      return this.insert(state, type, this.cleanContactProperties(properties), associations);
    }
    return this.insert(state, type, properties, associations);
  }

  private update(state: PortalState, type: ObjectType, id: string, body: Record<string, any>): SimObject {
    const object = this.resolve(state, type, id);
    if (!object) throw notFound(id);
    const properties = this.validate(state, type, body.properties ?? {});
    if (type === "contacts") this.assertUniqueEmail(state, properties.email ?? null, object.id);
    Object.assign(object.properties, properties);
    if (type === "contacts") {
      if (properties.email) object.properties.email = properties.email.toLowerCase();
      Object.assign(object.properties, this.cleanContactProperties(object.properties));
    }
    this.touch(object);
    return object;
  }

  private search(state: PortalState, type: ObjectType, body: Record<string, any>) {
    const groups: { filters: { propertyName: string; operator: string; value?: string; values?: string[] }[] }[] = body.filterGroups ?? [];
    const filterCount = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0);
    if (groups.length > 5) throw validationError(`Too many filter groups (${groups.length}); the maximum is 5`, "TOO_MANY_FILTER_GROUPS");
    if (filterCount > 25) throw validationError(`Too many filters (${filterCount}); the maximum is 25`, "TOO_MANY_FILTERS");
    const limit = body.limit ?? 10;
    if (limit > 200) throw validationError("limit must be at most 200", "INVALID_LIMIT");
    const now = Date.now();
    // The search index lags writes: only versions older than the lag are visible.
    const candidates = [...state.objects.get(type)!.values()].filter((o) => !o.archived && o.visibleAt <= now);
    const matches = (o: SimObject, f: { propertyName: string; operator: string; value?: string; values?: string[] }) => {
      const actual = o.properties[f.propertyName] ?? null;
      const eq = (a: string | null, b: string | undefined) => a !== null && b !== undefined && a.toLowerCase() === String(b).toLowerCase();
      switch (f.operator) {
        case "EQ": return eq(actual, f.value);
        case "NEQ": return !eq(actual, f.value);
        case "IN": return (f.values ?? []).some((v) => eq(actual, v));
        case "HAS_PROPERTY": return actual !== null && actual !== "";
        case "NOT_HAS_PROPERTY": return actual === null || actual === "";
        case "CONTAINS_TOKEN": return actual !== null && actual.toLowerCase().split(/\W+/).includes(String(f.value).toLowerCase().replaceAll("*", ""));
        default: throw validationError(`operator ${f.operator} is not supported here`, "INVALID_OPERATOR");
      }
    };
    const found = candidates.filter((o) => groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matches(o, f))));
    found.sort((a, b) => Number(a.id) - Number(b.id));
    const start = Number(body.after ?? 0);
    const page = found.slice(start, start + limit);
    const requested: string[] | undefined = body.properties?.length ? body.properties : undefined;
    return { total: found.length, results: page.map((o) => objectJson(o, requested)), ...(start + limit < found.length ? { paging: { next: { after: String(start + limit) } } } : {}) };
  }
}

function notFound(id: string): HubSpotError {
  return new HubSpotError(404, { status: "error", message: `Object not found.  objectId are usually numeric. ${id}`, category: "OBJECT_NOT_FOUND" });
}

function objectJson(object: SimObject, properties?: string[]) {
  const picked = properties ? Object.fromEntries(properties.map((p) => [p, object.properties[p] ?? null])) : object.properties;
  return { id: object.id, properties: { hs_object_id: object.id, createdate: object.createdAt, lastmodifieddate: object.updatedAt, ...picked }, createdAt: object.createdAt, updatedAt: object.updatedAt, archived: object.archived };
}

function propertyJson(p: SimProperty) {
  return { name: p.name, label: p.label, type: p.type, fieldType: p.fieldType, groupName: p.groupName, options: p.options.map((o, i) => ({ displayOrder: i, hidden: false, ...o })), calculated: p.calculated, externalOptions: false, hasUniqueValue: false, hidden: false, formField: !p.readOnly, modificationMetadata: { readOnlyValue: p.readOnly, readOnlyDefinition: true, archivable: !p.readOnly }, description: "" };
}

export async function startHubSpotSim(options?: SimOptions): Promise<HubSpotSim> {
  const sim = new HubSpotSim(options);
  await sim.listen();
  return sim;
}
