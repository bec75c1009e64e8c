import express from "express";
import type { VapiAssistantRecord, VendorAccount, VendorState } from "./accounts.js";

// Vapi's assistant API (Authorization: Bearer <private key>): GET /assistant (query limit, default 100,
// and createdAtLt / createdAtGt: a plain array, newest first; the next page is createdAtLt = the last
// one's createdAt), GET /assistant/{id}, PATCH /assistant/{id}. As strict as Vapi's NestJS validation:
// an unknown property is a 400 "property X should not exist", a nested object given is stored as given
// (PATCH replaces `server` and `model` whole), a model without provider and model, a function tool
// without a name or a server url that is not a URL is a 400. Errors are {message, error, statusCode}.

const error = (res: express.Response, statusCode: number, message: string | string[], name: string) => res.status(statusCode).json({ message, error: name, statusCode });

const ASSISTANT_FIELDS = new Set(["name", "firstMessage", "model", "voice", "transcriber", "server", "serverMessages", "metadata", "endCallMessage", "voicemailMessage", "maxDurationSeconds"]);
const SERVER_FIELDS = new Set(["url", "secret", "credentialId", "headers", "timeoutSeconds", "backoffPlan"]);
const isUrl = (value: unknown) => typeof value === "string" && /^https?:\/\/\S+$/.test(value);

function problems(body: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const key of Object.keys(body)) if (!ASSISTANT_FIELDS.has(key)) found.push(`property ${key} should not exist`);
  const server = body.server as Record<string, unknown> | undefined;
  if (server !== undefined) {
    for (const key of Object.keys(server ?? {})) if (!SERVER_FIELDS.has(key)) found.push(`server.property ${key} should not exist`);
    if (server?.url !== undefined && !isUrl(server.url)) found.push("server.url must be a URL address");
  }
  const model = body.model as Record<string, unknown> | undefined;
  if (model !== undefined) {
    if (typeof model?.provider !== "string") found.push("model.provider must be a string");
    if (typeof model?.model !== "string") found.push("model.model must be a string");
    const tools = model?.tools;
    if (tools !== undefined && !Array.isArray(tools)) found.push("model.tools must be an array");
    for (const [i, tool] of (Array.isArray(tools) ? tools : []).entries()) {
      const t = tool as { type?: unknown; function?: { name?: unknown }; server?: { url?: unknown } };
      if (typeof t?.type !== "string") found.push(`model.tools.${i}.type must be a string`);
      if (t?.type === "function" && (typeof t.function?.name !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(t.function.name))) found.push(`model.tools.${i}.function.name must be 1-64 characters of a-z, A-Z, 0-9, _ or -`);
      if (t?.server?.url !== undefined && !isUrl(t.server.url)) found.push(`model.tools.${i}.server.url must be a URL address`);
    }
  }
  return found;
}

export function vapiConfigRoutes(state: VendorState): express.Router {
  const router = express.Router();
  const accountOf = (req: express.Request) => state.account("vapi", /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1]);
  const assistantOf = (account: VendorAccount, id: string) => {
    const found = state.vapiAssistants.get(id);
    return found?.account === account ? found.assistant : undefined;
  };
  router.use("/assistant", (req, res, next) => {
    if (!accountOf(req)) return void error(res, 401, "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.", "Unauthorized");
    next();
  });

  router.get("/assistant", (req, res) => {
    const account = accountOf(req)!;
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > 1000) return void error(res, 400, ["limit must not be greater than 1000", "limit must be a number conforming to the specified constraints"], "Bad Request");
    const before = typeof req.query.createdAtLt === "string" ? Date.parse(req.query.createdAtLt) : Infinity;
    const after = typeof req.query.createdAtGt === "string" ? Date.parse(req.query.createdAtGt) : -Infinity;
    if (Number.isNaN(before) || Number.isNaN(after)) return void error(res, 400, ["createdAtLt must be a valid ISO 8601 date string"], "Bad Request");
    const list = [...state.vapiAssistants.values()]
      .filter((a) => a.account === account)
      .map((a) => a.assistant)
      .filter((a) => Date.parse(a.createdAt) < before && Date.parse(a.createdAt) > after)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    res.json(list.slice(0, limit));
  });

  router.get("/assistant/:id", (req, res) => {
    const assistant = assistantOf(accountOf(req)!, req.params.id);
    if (!assistant) return void error(res, 404, "Couldn't Find Assistant", "Not Found");
    res.json(assistant);
  });

  router.patch("/assistant/:id", (req, res) => {
    const assistant = assistantOf(accountOf(req)!, req.params.id);
    if (!assistant) return void error(res, 404, "Couldn't Find Assistant", "Not Found");
    const body = (req.body ?? {}) as Record<string, unknown>;
    const found = problems(body);
    if (found.length) return void error(res, 400, found, "Bad Request");
    Object.assign(assistant, structuredClone(body), { updatedAt: new Date().toISOString() } satisfies Partial<VapiAssistantRecord>);
    res.json(assistant);
  });
  return router;
}
