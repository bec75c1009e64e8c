import express, { type NextFunction, type Request, type Response } from "express";
import type { AcuityAuth, SimAccount } from "./auth.js";
import type { Appointments, AppointmentQuery } from "./appointments.js";
import { AcuityError, badJson, invalid, invalidDatetime, invalidTimezone, methodNotAllowed, notFound, required, tooManyRequests } from "./errors.js";
import type { Limiter } from "./limits.js";
import type { AppointmentType, Calendar, Schedule } from "./schedule.js";
import { isTimeZone, parseDatetime, parseDay, parseMonth } from "./time.js";
import type { Webhooks } from "./webhooks.js";

// The HTTP face of the simulator, one origin for acuityscheduling.com: the OAuth2 screens at
// /oauth2/*, the API at /api/v1/*. An API request goes: logged -> injected fault -> credentials (401)
// -> rate limit (429) -> latency -> endpoint. A known path with the wrong method is a 405, anything
// else a 404, with Acuity's body either way.

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, unknown>;
  /** 0 while unanswered. */
  status: number;
  userId?: number;
  at: number;
}

export interface AccountData {
  schedule: Schedule;
  appointments: Appointments;
}

export interface SimRuntime {
  readonly auth: AcuityAuth;
  readonly webhooks: Webhooks;
  readonly limiter: Limiter;
  readonly latencyMs: number;
  data(userId: number): AccountData;
  log(record: RequestRecord): void;
  takeFault(): AcuityError | null;
}

const API = "/api/v1";
const PATHS = ["/me", "/appointment-types", "/calendars", "/availability/dates", "/availability/times", "/availability/check-times", "/appointments", "/appointments/:id", "/appointments/:id/reschedule", "/appointments/:id/cancel", "/blocks", "/blocks/:id", "/webhooks", "/webhooks/:id"];

type Query = Record<string, string | string[] | undefined>;

export function createApp(sim: SimRuntime): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.use((req, res, next) => {
    const record: RequestRecord = { method: req.method, path: req.path, query: { ...(req.query as object) }, status: 0, at: Date.now() };
    const account = sim.auth.peek(req.headers.authorization);
    if (account) record.userId = account.id;
    sim.log(record);
    res.on("finish", () => (record.status = res.statusCode));
    next();
  });

  // OAuth2: the consent screen (a redirect here) and the token exchange (form-encoded).
  const delay = (_req: Request, _res: Response, next: NextFunction) => (sim.latencyMs > 0 ? void setTimeout(next, sim.latencyMs) : next());
  app.get("/oauth2/authorize", delay, (req, res) => res.redirect(302, sim.auth.authorize(flat(req.query as Query))));
  app.post("/oauth2/token", delay, express.urlencoded({ extended: false }), (req, res) => {
    if (!req.is("application/x-www-form-urlencoded")) throw invalid("invalid_request", "The token endpoint takes application/x-www-form-urlencoded.");
    res.set("Cache-Control", "no-store").json(sim.auth.token(req.body as Record<string, string>));
  });

  app.use(API, (req, res, next) => {
    const fault = sim.takeFault();
    if (fault) throw fault;
    const account = sim.auth.authenticate(req.headers.authorization);
    const release = sim.limiter.admit(String(account.id));
    if (!release) throw tooManyRequests();
    res.on("close", release);
    res.locals.account = account;
    delay(req, res, next);
  });
  app.use(API, express.json({ limit: "1mb", strict: false }));

  const account = (res: Response) => res.locals.account as SimAccount;
  const data = (res: Response) => sim.data(account(res).id);
  const admin = (req: Request) => flat(req.query as Query).admin === "true";

  app.get(`${API}/me`, (_req, res) => {
    const a = account(res);
    res.json({ id: a.id, email: a.email, name: a.name, timezone: a.timezone, currency: "USD", plan: "Powerhouse", schedulingPage: `https://app.acuityscheduling.com/schedule.php?owner=${a.id}` });
  });
  app.get(`${API}/appointment-types`, (_req, res) => {
    const { schedule } = data(res);
    res.json([...schedule.types.values()].map((t) => schedule.typeJson(t)));
  });
  app.get(`${API}/calendars`, (_req, res) => {
    const { schedule } = data(res);
    res.json([...schedule.calendars.values()].map((c) => schedule.calendarJson(c)));
  });

  app.get(`${API}/availability/dates`, (req, res) => {
    const q = flat(req.query as Query);
    const { schedule } = data(res);
    const { type, calendars } = offer(schedule, q);
    if (q.month === undefined) throw required("month");
    const month = parseMonth(q.month);
    if (!month) throw invalidDatetime(q.month);
    zoneParam(q.timezone);
    res.json(schedule.dates(type, calendars, month));
  });
  app.get(`${API}/availability/times`, (req, res) => {
    const query = req.query as Query;
    const q = flat(query);
    const { schedule } = data(res);
    const { type, calendars } = offer(schedule, q);
    if (q.date === undefined) throw required("date");
    const day = parseDay(q.date.slice(0, 10));
    if (!day) throw invalidDatetime(q.date);
    const ignore = [query["ignoreAppointmentIDs[]"] ?? query.ignoreAppointmentIDs ?? []].flat().map(Number);
    res.json(schedule.times(type, calendars, day, zoneParam(q.timezone), ignore));
  });
  app.post(`${API}/availability/check-times`, (req, res) => {
    const { schedule } = data(res);
    const many = Array.isArray(req.body);
    const items = (many ? req.body : [object(req.body)]) as Record<string, unknown>[];
    const results = items.map((item) => {
      const { type, calendars } = offer(schedule, flat(item as Query));
      if (item.datetime === undefined || item.datetime === "") throw required("datetime");
      const start = parseDatetime(item.datetime, calendars[0]?.timezone ?? schedule.timezone);
      if (start === null) throw invalidDatetime(item.datetime);
      const errors = calendars.map((c) => schedule.check(c, type, start));
      const valid = errors.some((e) => e === null);
      const reason = valid ? undefined : errors[0]?.body;
      return { ...item, valid, ...(reason ? { reason: reason.error, message: reason.message } : {}) };
    });
    res.json(many ? results : results[0]);
  });

  app.post(`${API}/appointments`, (req, res) => {
    const { appointments } = data(res);
    res.json(appointments.json(appointments.create(object(req.body), { admin: admin(req), source: "api" })));
  });
  app.get(`${API}/appointments`, (req, res) => {
    const { appointments } = data(res);
    res.json(appointments.list(flat(req.query as Query) as AppointmentQuery).map((a) => appointments.json(a)));
  });
  app.get(`${API}/appointments/:id`, (req, res) => {
    const { appointments } = data(res);
    res.json(appointments.json(appointments.get(req.params.id)));
  });
  app.put(`${API}/appointments/:id/reschedule`, (req, res) => {
    const { appointments } = data(res);
    res.json(appointments.json(appointments.reschedule(req.params.id, object(req.body), { admin: admin(req) })));
  });
  app.put(`${API}/appointments/:id/cancel`, (req, res) => {
    const { appointments } = data(res);
    res.json(appointments.json(appointments.cancel(req.params.id, req.body === undefined ? {} : object(req.body))));
  });

  app.get(`${API}/blocks`, (req, res) => {
    const q = flat(req.query as Query);
    const { schedule } = data(res);
    const from = q.minDate ? parseDatetime(`${q.minDate.slice(0, 10)}T00:00`, schedule.timezone) : -Infinity;
    const to = q.maxDate ? parseDatetime(`${q.maxDate.slice(0, 10)}T23:59:59`, schedule.timezone) : Infinity;
    if (from === null || to === null) throw invalidDatetime(q.minDate ?? q.maxDate);
    const rows = [...schedule.blocks.values()]
      .filter((b) => b.end > from && b.start <= to && (q.calendarID === undefined || b.calendarID === Number(q.calendarID)))
      .sort((a, b) => a.start - b.start)
      .slice(0, q.max === undefined ? 100 : Number(q.max) || 0);
    res.json(rows.map((b) => schedule.blockJson(b)));
  });
  app.post(`${API}/blocks`, (req, res) => {
    const body = object(req.body);
    const { schedule } = data(res);
    if (body.calendarID === undefined) throw required("calendarID");
    const calendar = schedule.calendar(body.calendarID);
    for (const name of ["start", "end"]) if (body[name] === undefined) throw required(name);
    const start = parseDatetime(body.start, calendar.timezone);
    const end = parseDatetime(body.end, calendar.timezone);
    if (start === null) throw invalidDatetime(body.start);
    if (end === null || end <= start) throw invalidDatetime(body.end);
    res.json(schedule.blockJson(schedule.addBlock(calendar.id, start, end, typeof body.notes === "string" ? body.notes : "")));
  });
  app.delete(`${API}/blocks/:id`, (req, res) => {
    const { schedule } = data(res);
    if (!schedule.blocks.delete(Number(req.params.id))) throw notFound();
    res.status(204).end();
  });

  app.post(`${API}/webhooks`, (req, res) => {
    res.json(sim.webhooks.create(account(res).id, object(req.body)));
  });
  app.get(`${API}/webhooks`, (_req, res) => {
    res.json(sim.webhooks.list(account(res).id).map(({ id, event, target, status }) => ({ id, event, target, status })));
  });
  app.delete(`${API}/webhooks/:id`, (req, res) => {
    sim.webhooks.remove(account(res).id, req.params.id);
    res.status(204).end();
  });

  app.all(PATHS.map((p) => `${API}${p}`), () => {
    throw methodNotAllowed();
  });
  app.use(() => {
    throw notFound();
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof AcuityError) return void res.status(error.status).set(error.headers).json(error.body);
    if ((error as { type?: string }).type === "entity.parse.failed") return void res.status(400).json(badJson().body);
    res.status(500).json({ status_code: 500, message: `Simulator error: ${(error as Error)?.message ?? String(error)}`, error: "internal_server_error" });
  });
  return app;
}

/** The appointment type and the calendars a query asks about (all of the type's when none is named). */
function offer(schedule: Schedule, q: Record<string, string | undefined>): { type: AppointmentType; calendars: Calendar[] } {
  if (q.appointmentTypeID === undefined || q.appointmentTypeID === "") throw required("appointmentTypeID");
  const type = schedule.types.get(Number(q.appointmentTypeID));
  if (!type) throw invalid("invalid_appointment_type", `The appointment type "${q.appointmentTypeID}" does not exist.`);
  const calendars = q.calendarID === undefined || q.calendarID === "" ? schedule.calendarsFor(type) : [schedule.calendar(q.calendarID)];
  return { type, calendars };
}

function zoneParam(zone: string | undefined): string | null {
  if (zone === undefined || zone === "") return null;
  if (!isTimeZone(zone)) throw invalidTimezone(zone);
  return zone;
}

/** A JSON object body, or Acuity's "Expected a JSON object." */
function object(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw badJson();
  return body as Record<string, unknown>;
}

function flat(query: Query): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v === undefined || v === null ? undefined : String(v)]));
}
