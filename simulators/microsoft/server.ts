import express, { type NextFunction, type Request, type Response } from "express";
import type { Calendar } from "./calendar.js";
import { readEventJson, writtenEventJson } from "./calendar.js";
import { accessDenied, graphError, SimHttpError } from "./errors.js";
import type { AccessGrant, Identity } from "./identity.js";
import { subscriptionJson, type Subscriptions } from "./subscriptions.js";

// The two HTTP faces of the simulator, on two ports as in production (graph.microsoft.com and
// login.microsoftonline.com). Graph requests go: logged -> latency -> injected faults -> token (401)
// -> scope (403) -> the endpoint; a path Graph does not have is a 400 naming the segment, as Graph does.

export interface RequestRecord {
  host: "graph" | "login";
  method: string;
  path: string;
  /** 0 until answered. */
  status: number;
  /** The e-mail of the token's user, expired tokens included. */
  user?: string;
  at: number;
}

export interface Fault {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SimRuntime {
  identity: Identity;
  calendar: Calendar;
  subscriptions: Subscriptions;
  latencyMs: number;
  /** The Graph root the simulator answers on (links it hands out start with it). */
  graphUrl(): string;
  log(record: RequestRecord): void;
  takeFault(): Fault | null;
}

const grantOf = (res: Response) => res.locals.grant as AccessGrant;
const READ_SCOPES = ["Calendars.Read", "Calendars.ReadWrite"];

function common(sim: SimRuntime, host: RequestRecord["host"]): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.use((req, res, next) => {
    const record: RequestRecord = { host, method: req.method, path: req.path, status: 0, at: Date.now() };
    const user = host === "graph" ? sim.identity.peek(req.headers.authorization) : undefined;
    if (user) record.user = user.email;
    sim.log(record);
    res.on("finish", () => (record.status = res.statusCode));
    if (sim.latencyMs > 0) setTimeout(next, sim.latencyMs);
    else next();
  });
  return app;
}

export function createGraphApp(sim: SimRuntime): express.Express {
  const app = common(sim, "graph");

  // 1. Injected faults (429 with Retry-After, 503, ...), before the token is even looked at.
  app.use((_req, res, next) => {
    const fault = sim.takeFault();
    if (!fault) return next();
    const headers = { ...(fault.status === 429 ? { "Retry-After": "2" } : {}), ...fault.headers };
    res.status(fault.status).set(headers).json(fault.body ?? defaultFaultBody(fault.status));
  });
  app.use(express.json({ limit: "4mb" }));

  // 2. The token, then the scope every calendar endpoint needs.
  app.use((req, res, next) => {
    res.locals.grant = sim.identity.authenticate(req.headers.authorization);
    next();
  });
  const needs = (scopes: string[]) => (_req: Request, res: Response, next: NextFunction) => {
    if (!grantOf(res).scopes.some((s) => scopes.includes(s))) throw accessDenied();
    next();
  };
  const read = needs(READ_SCOPES);
  const write = needs(["Calendars.ReadWrite"]);
  const query = (req: Request) => req.query as Record<string, string>;
  const request = (req: Request) => ({ query: query(req), prefer: req.get("prefer"), base: sim.graphUrl() });

  app.get("/v1.0/me", needs(["User.Read"]), (_req, res) => {
    const { user } = grantOf(res);
    res.json({ "@odata.context": `${sim.graphUrl()}/v1.0/$metadata#users/$entity`, id: user.id, displayName: user.displayName, mail: user.email, userPrincipalName: user.email, givenName: null, surname: null, jobTitle: null, mobilePhone: null, officeLocation: null, preferredLanguage: "en-US", businessPhones: [] });
  });

  for (const prefix of ["/v1.0/me", "/v1.0/me/calendar"]) {
    app.get(`${prefix}/calendarView/delta`, read, (req, res) => {
      res.json(sim.calendar.delta(grantOf(res).user, request(req)));
    });
    app.get(`${prefix}/calendarView`, read, (req, res) => {
      res.json(sim.calendar.view(grantOf(res).user, request(req)));
    });
    app.post(`${prefix}/events`, write, (req, res) => {
      const { event } = sim.calendar.create(grantOf(res).user, req.body);
      res.status(201).json(writtenEventJson(event));
    });
  }
  app.get("/v1.0/me/events/:id", read, (req, res) => {
    res.json(readEventJson(sim.calendar.get(grantOf(res).user, String(req.params.id)), req.get("prefer")));
  });
  app.patch("/v1.0/me/events/:id", write, (req, res) => {
    res.json(writtenEventJson(sim.calendar.patch(grantOf(res).user, String(req.params.id), req.body)));
  });
  app.delete("/v1.0/me/events/:id", write, (req, res) => {
    sim.calendar.remove(grantOf(res).user, String(req.params.id));
    res.status(204).end();
  });
  app.post("/v1.0/me/events/:id/cancel", write, (req, res) => {
    sim.calendar.cancel(grantOf(res).user, String(req.params.id), req.body);
    res.status(202).end();
  });

  app.post("/v1.0/subscriptions", async (req, res) => {
    const grant = grantOf(res);
    const subscription = await sim.subscriptions.create(grant.user, grant.clientId, grant.scopes, req.body);
    res.status(201).json(subscriptionJson(subscription, sim.graphUrl()));
  });
  app.delete("/v1.0/subscriptions/:id", (req, res) => {
    sim.subscriptions.remove(grantOf(res).user, String(req.params.id));
    res.status(204).end();
  });

  app.use((req) => {
    const [version, ...segments] = req.path.split("/").filter(Boolean);
    if (version !== "v1.0" && version !== "beta") throw graphError(400, "BadRequest", `Invalid version: ${version ?? ""}`);
    throw graphError(400, "BadRequest", `Resource not found for the segment '${segments.at(-1) ?? ""}'.`);
  });
  app.use(errorHandler);
  return app;
}

export function createLoginApp(sim: SimRuntime): express.Express {
  const app = common(sim, "login");
  app.use(express.urlencoded({ extended: false }));

  app.get("/:tenant/oauth2/v2.0/authorize", (req, res) => {
    const answer = sim.identity.authorize(req.query as Record<string, string>);
    if ("redirect" in answer) res.redirect(302, answer.redirect);
    else res.status(200).type("html").send(`<!doctype html><title>Sign in to your account</title><p>${answer.page}</p>`);
  });
  // The token endpoint reads form-encoded bodies only.
  app.post("/:tenant/oauth2/v2.0/token", (req, res) => {
    const form = req.is("application/x-www-form-urlencoded") ? (req.body as Record<string, string>) : {};
    res.set("Cache-Control", "no-store").json(sim.identity.token(form));
  });
  app.use((req) => {
    throw new SimHttpError(404, { error: "not_found", error_description: `No endpoint ${req.method} ${req.path} in the identity simulator` });
  });
  app.use(errorHandler);
  return app;
}

function errorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (error instanceof SimHttpError) return void res.status(error.status).set(error.headers).json(error.body);
  const parse = error as { type?: string };
  if (parse.type === "entity.parse.failed") {
    const bad = graphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
    return void res.status(400).json(bad.body);
  }
  res.status(500).json(graphError(500, "generalException", `Simulator error: ${(error as Error)?.message ?? String(error)}`).body);
}

function defaultFaultBody(status: number): Record<string, unknown> {
  if (status === 429) return graphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.").body;
  if (status === 503) return graphError(503, "ServiceNotAvailable", "The service is temporarily unavailable. Please retry later.").body;
  if (status === 504) return graphError(504, "UnknownError", "").body;
  return graphError(status, "generalException", `Simulated Graph ${status}`).body;
}
