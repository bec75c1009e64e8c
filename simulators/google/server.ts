import express, { type NextFunction, type Request, type Response } from "express";
import type { AccessGrant, ApiAccess, GoogleOAuth } from "./auth.js";
import type { CalendarStore } from "./calendar.js";
import { apiError, GoogleError, notFound, oauthError } from "./errors.js";
import type { PushChannels } from "./push.js";

// The HTTP face of the simulator, one origin for what Google spreads over three hosts (accounts.google.com,
// oauth2.googleapis.com, www.googleapis.com). Every request goes the same way: logged -> delayed by the
// configured latency -> OAuth endpoints, or: injected fault -> token (401) -> scope (403) -> endpoint.

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, unknown>;
  /** 0 while unanswered. */
  status: number;
  /** The user of the bearer token, when the token is one the simulator issued. */
  user?: string;
  at: number;
}

export interface SimRuntime {
  readonly oauth: GoogleOAuth;
  readonly store: CalendarStore;
  readonly push: PushChannels;
  readonly latencyMs: number;
  log(record: RequestRecord): void;
  /** The answer forced on the next API request, if any. */
  takeFault(): GoogleError | null;
}

const CALENDAR_EVENTS = "/calendar/v3/calendars/:calendarId/events";

export function createApp(sim: SimRuntime): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  // 1. The request log.
  app.use((req, res, next) => {
    const record: RequestRecord = { method: req.method, path: req.path, query: { ...(req.query as Record<string, unknown>) }, status: 0, at: Date.now() };
    const user = sim.oauth.peek(req.headers.authorization)?.email;
    if (user) record.user = user;
    sim.log(record);
    res.on("finish", () => (record.status = res.statusCode));
    next();
  });

  // 2. Latency, on every answer.
  app.use((_req, _res, next) => (sim.latencyMs > 0 ? void setTimeout(next, sim.latencyMs) : next()));
  app.use(express.json({ limit: "1mb" }));
  app.use(express.urlencoded({ extended: false }));

  // 3. OAuth: the consent screen (a redirect here) and the token endpoint (form-encoded only).
  app.get("/o/oauth2/v2/auth", (req, res) => {
    res.redirect(302, sim.oauth.authorize(flat(req.query)));
  });
  app.post("/token", (req, res) => {
    if (!req.is("application/x-www-form-urlencoded")) throw oauthError(400, "invalid_request", "Invalid Content-Type: the token endpoint takes application/x-www-form-urlencoded");
    res.set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate").json(sim.oauth.token(req.body as Record<string, string>, req.headers.authorization));
  });

  // 4. The API: injected faults, then the token.
  app.use((req, res, next) => {
    const fault = sim.takeFault();
    if (fault) throw fault;
    res.locals.grant = sim.oauth.authenticate(req.headers.authorization);
    next();
  });
  const grant = (res: Response) => res.locals.grant as AccessGrant;
  const allow = (access: ApiAccess) => (_req: Request, res: Response, next: NextFunction) => {
    sim.oauth.assertAccess(grant(res), access);
    next();
  };
  const calendar = (req: Request, res: Response) => sim.store.resolve(grant(res).email, String(req.params.calendarId));

  app.get("/oauth2/v3/userinfo", (_req, res) => {
    res.json(sim.oauth.userinfo(grant(res)));
  });

  app.post(`${CALENDAR_EVENTS}/watch`, allow("events.read"), (req, res) => {
    const watched = calendar(req, res);
    res.json(sim.push.open(grant(res).email, String(req.params.calendarId), watched.resourceId, body(req)));
  });
  app.get(CALENDAR_EVENTS, allow("events.read"), (req, res) => {
    res.json(sim.store.list(calendar(req, res), flatOrList(req.query)));
  });
  app.post(CALENDAR_EVENTS, allow("events.write"), (req, res) => {
    res.json(sim.store.insert(calendar(req, res), body(req), flatOrList(req.query)));
  });
  app.get(`${CALENDAR_EVENTS}/:eventId`, allow("events.read"), (req, res) => {
    res.json(sim.store.get(calendar(req, res), String(req.params.eventId)));
  });
  app.patch(`${CALENDAR_EVENTS}/:eventId`, allow("events.write"), (req, res) => {
    res.json(sim.store.patch(calendar(req, res), String(req.params.eventId), body(req), flatOrList(req.query)));
  });
  app.delete(`${CALENDAR_EVENTS}/:eventId`, allow("events.write"), (req, res) => {
    sim.store.delete(calendar(req, res), String(req.params.eventId), flatOrList(req.query));
    res.status(204).end();
  });
  app.post("/calendar/v3/freeBusy", allow("freebusy"), (req, res) => {
    res.json(sim.store.freeBusy(grant(res).email, body(req)));
  });
  app.post("/calendar/v3/channels/stop", allow("channels"), (req, res) => {
    sim.push.stop(grant(res).email, body(req));
    res.status(204).end();
  });

  app.use(() => {
    throw notFound();
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof GoogleError) {
      res.status(error.status).set(error.headers);
      if (typeof error.body === "string") return void res.type("html").send(error.body);
      return void res.json(error.body);
    }
    const parse = error as { type?: string };
    if (parse.type === "entity.parse.failed") return void res.status(400).json(apiError(400, "parseError", "Parse Error").body);
    res.status(500).json(apiError(500, "backendError", `Simulator error: ${(error as Error)?.message ?? String(error)}`).body);
  });
  return app;
}

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined) return {};
  if (b === null || typeof b !== "object" || Array.isArray(b)) throw apiError(400, "parseError", "Parse Error");
  return b as Record<string, unknown>;
}

/** Query parameters, repeated ones as lists (privateExtendedProperty=a&privateExtendedProperty=b). */
function flatOrList(query: unknown): Record<string, string | string[] | undefined> {
  return Object.fromEntries(Object.entries(query as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : v === undefined ? undefined : String(v)]));
}

function flat(query: unknown): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(query as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v)]));
}
