import express, { type NextFunction, type Request, type Response } from "express";
import type { AccessGrant, CalendlyOAuth, Scope } from "./auth.js";
import type { Directory, SimUser } from "./directory.js";
import { CalendlyError, internalError, invalidArgument, notFound, oauthError, tooManyRequests } from "./errors.js";
import type { RateLimiter, RateWindow } from "./limits.js";
import { paginate } from "./paging.js";
import type { Scheduling } from "./scheduling.js";
import type { Webhooks } from "./webhooks.js";

// The two HTTP faces of the simulator, on two ports as in production: auth.calendly.com (OAuth, and
// the calendly.com pages links point at) and api.calendly.com. API requests go: logged -> latency ->
// injected fault -> token (401) -> the user's general rate limit (headers on every answer, 429 past it)
// -> scope (403) -> the endpoint; POST /invitees has its own, tighter limits on top.

export interface RequestRecord {
  host: "api" | "auth";
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  /** 0 until answered. */
  status: number;
  /** The e-mail of the token's user, expired tokens included. */
  user?: string;
  at: number;
}

export interface Limits {
  /** Every API request of a user (Calendly: 500 a minute on paid plans, 50 on free ones). */
  api: readonly RateWindow[];
  /** POST /invitees of a user (paid non-Enterprise: 10 a minute, 50 an hour, 100 a day). */
  invitees: readonly RateWindow[];
  /** Tokens issued to a user (8 a minute). */
  tokens: readonly RateWindow[];
}

export interface SimRuntime {
  oauth: CalendlyOAuth;
  directory: Directory;
  scheduling: Scheduling;
  webhooks: Webhooks;
  limiter: RateLimiter;
  limits: Limits;
  latencyMs: number;
  log(record: RequestRecord): void;
  /** The answer forced on the next API request, if any. */
  takeFault(): CalendlyError | null;
}

type Query = Record<string, string | undefined>;

function common(sim: SimRuntime, host: RequestRecord["host"]): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.use((req, res, next) => {
    const record: RequestRecord = { host, method: req.method, path: req.path, query: flat(req.query), status: 0, at: Date.now() };
    const user = host === "api" ? sim.oauth.peek(req.headers.authorization)?.email : undefined;
    if (user) record.user = user;
    sim.log(record);
    res.on("finish", () => (record.status = res.statusCode));
    if (sim.latencyMs > 0) setTimeout(next, sim.latencyMs);
    else next();
  });
  return app;
}

export function createAuthApp(sim: SimRuntime): express.Express {
  const app = common(sim, "auth");
  app.use(express.urlencoded({ extended: false }));
  app.get("/oauth/authorize", (req, res) => {
    res.redirect(302, sim.oauth.authorize(flat(req.query)));
  });
  const form = (req: Request): Query => {
    if (!req.is("application/x-www-form-urlencoded")) throw oauthError(400, "invalid_request", "The request must be application/x-www-form-urlencoded.");
    return req.body as Query;
  };
  app.post("/oauth/token", (req, res) => {
    res.set("Cache-Control", "no-store").json(sim.oauth.token(form(req), req.headers.authorization));
  });
  app.post("/oauth/revoke", (req, res) => {
    sim.oauth.revoke(form(req), req.headers.authorization);
    res.json({});
  });
  app.post("/oauth/introspect", (req, res) => {
    res.json(sim.oauth.introspect(form(req), req.headers.authorization));
  });
  app.use(() => {
    throw new CalendlyError(404, "<html><body><h1>The page you were looking for doesn't exist.</h1></body></html>");
  });
  app.use(errorHandler);
  return app;
}

export function createApiApp(sim: SimRuntime, apiUrl: () => string): express.Express {
  const app = common(sim, "api");
  app.use(express.json({ limit: "1mb" }));

  app.use((req, res, next) => {
    const fault = sim.takeFault();
    if (fault) throw fault;
    const grant = sim.oauth.authenticate(req.headers.authorization);
    res.locals.grant = grant;
    res.locals.viewer = sim.directory.user(grant.email);
    const decision = sim.limiter.take("api", grant.email, sim.limits.api);
    res.set(decision.headers);
    if (!decision.allowed) throw tooManyRequests(decision.headers);
    next();
  });
  const grantOf = (res: Response) => res.locals.grant as AccessGrant;
  const viewerOf = (res: Response) => res.locals.viewer as SimUser;
  const need = (...scopes: Scope[]) => (_req: Request, res: Response, next: NextFunction) => {
    // Any one of the scopes will do; the error names the first.
    const errors = scopes.map((scope) => {
      try {
        sim.oauth.assertScope(grantOf(res), scope);
        return null;
      } catch (error) {
        return error;
      }
    });
    if (errors.every(Boolean)) throw errors[0];
    next();
  };
  const pageUrl = (req: Request) => `${apiUrl()}${req.path}`;
  const { directory, scheduling, webhooks } = sim;

  app.get("/users/me", need("users:read"), (_req, res) => {
    res.json({ resource: directory.userJson(viewerOf(res)) });
  });
  app.get("/users/:uuid", need("users:read"), (req, res) => {
    const user = directory.byUri(`${apiUrl()}/users/${req.params.uuid}`);
    if (!user) throw notFound();
    directory.scopeOf(viewerOf(res), { user: user.uri });
    res.json({ resource: directory.userJson(user) });
  });

  app.get("/event_types", need("event_types:read"), (req, res) => {
    const query = flat(req.query);
    const { users } = directory.scopeOf(viewerOf(res), query);
    if (query.active !== undefined && query.active !== "true" && query.active !== "false") throw invalidArgument({ parameter: "active", message: "must be true or false" });
    const items = users
      .flatMap((u) => directory.eventTypesOf(u.uri))
      .filter((e) => query.active === undefined || String(e.active) === query.active)
      .sort((a, b) => a.name.localeCompare(b.name) || a.createdAt - b.createdAt);
    res.json(paginate(items, query, pageUrl(req), (e) => directory.eventTypeJson(e)));
  });
  app.get("/event_types/:uuid", need("event_types:read"), (req, res) => {
    res.json({ resource: directory.eventTypeJson(directory.eventType(viewerOf(res), String(req.params.uuid))) });
  });
  // Calendly's scope catalogue lists this under event_types:read, the endpoint's page under availability:read.
  app.get("/event_type_available_times", need("event_types:read", "availability:read"), (req, res) => {
    res.json(scheduling.availableTimes(viewerOf(res), flat(req.query)));
  });

  app.post("/invitees", need("scheduled_events:write"), (req, res) => {
    const decision = sim.limiter.take("invitees", grantOf(res).email, sim.limits.invitees);
    res.set(decision.headers);
    if (!decision.allowed) throw tooManyRequests(decision.headers);
    const invitee = scheduling.book(viewerOf(res), body(req));
    res.status(201).json({ resource: scheduling.inviteeJson(invitee) });
  });

  app.get("/scheduled_events", need("scheduled_events:read"), (req, res) => {
    res.json(scheduling.list(viewerOf(res), flat(req.query), pageUrl(req)));
  });
  app.get("/scheduled_events/:uuid", need("scheduled_events:read"), (req, res) => {
    res.json({ resource: scheduling.eventJson(scheduling.event(viewerOf(res), String(req.params.uuid))) });
  });
  app.get("/scheduled_events/:uuid/invitees", need("scheduled_events:read"), (req, res) => {
    res.json(scheduling.invitees(viewerOf(res), String(req.params.uuid), flat(req.query), pageUrl(req)));
  });
  app.get("/scheduled_events/:uuid/invitees/:invitee", need("scheduled_events:read"), (req, res) => {
    const event = scheduling.event(viewerOf(res), String(req.params.uuid));
    const invitee = event.invitees.find((i) => i.uuid === req.params.invitee);
    if (!invitee) throw notFound();
    res.json({ resource: scheduling.inviteeJson(invitee) });
  });
  app.post("/scheduled_events/:uuid/cancellation", need("scheduled_events:write"), (req, res) => {
    res.status(201).json({ resource: scheduling.cancelEvent(viewerOf(res), String(req.params.uuid), body(req).reason) });
  });

  app.post("/webhook_subscriptions", need("webhooks:write"), (req, res) => {
    const canRead = grantOf(res).scopes.some((s) => s === "default" || s.startsWith("scheduled_events:"));
    res.status(201).json({ resource: webhooks.json(webhooks.create(viewerOf(res), body(req), canRead)) });
  });
  app.get("/webhook_subscriptions", need("webhooks:read"), (req, res) => {
    res.json(webhooks.list(viewerOf(res), flat(req.query), pageUrl(req)));
  });
  app.get("/webhook_subscriptions/:uuid", need("webhooks:read"), (req, res) => {
    res.json({ resource: webhooks.json(webhooks.get(viewerOf(res), String(req.params.uuid))) });
  });
  app.delete("/webhook_subscriptions/:uuid", need("webhooks:write"), (req, res) => {
    webhooks.remove(viewerOf(res), String(req.params.uuid));
    res.status(204).end();
  });

  app.use(() => {
    throw notFound();
  });
  app.use(errorHandler);
  return app;
}

function errorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (error instanceof CalendlyError) {
    res.status(error.status).set(error.headers);
    if (typeof error.body === "string") return void res.type("html").send(error.body);
    return void res.json(error.body);
  }
  if ((error as { type?: string }).type === "entity.parse.failed") return void res.status(400).json(invalidArgument({ message: "The request body is not valid JSON" }).body);
  res.status(500).json(internalError().body);
}

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined) return {};
  if (b === null || typeof b !== "object" || Array.isArray(b)) throw invalidArgument({ message: "The request body must be a JSON object" });
  return b as Record<string, unknown>;
}

function flat(query: unknown): Query {
  return Object.fromEntries(Object.entries(query as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v)]));
}
