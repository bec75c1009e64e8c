import express from "express";
import type { RetellAgentRecord, RetellLlmRecord, VendorAccount, VendorState } from "./accounts.js";

// Retell's agent and Retell LLM configuration API, as retell-sdk calls it (Authorization: Bearer <API
// key>): POST /v2/list-agents (query limit, pagination_key, sort_order; body filter_criteria; answers
// {items, has_more, pagination_key}), GET /get-agent/{id}, PATCH /update-agent/{id}, GET
// /get-retell-llm/{id}, PATCH /update-retell-llm/{id}. Strict: another account's or an unknown id is a
// 404, a field the API does not have is a 400, a tool list with a nameless, misnamed or duplicate tool
// or a custom tool without a url is a 400. Errors are Retell's {status: "error", message}.

const error = (res: express.Response, status: number, message: string) => res.status(status).json({ status: "error", message });

const AGENT_FIELDS = new Set(["agent_name", "voice_id", "response_engine", "webhook_url", "webhook_events", "webhook_timeout_ms", "language", "interruption_sensitivity", "responsiveness", "max_call_duration_ms", "end_call_after_silence_ms", "begin_message_delay_ms", "voicemail_option", "post_call_analysis_data", "version_description"]);
const LLM_FIELDS = new Set(["model", "model_temperature", "general_prompt", "general_tools", "begin_message", "states", "starting_state", "default_dynamic_variables", "knowledge_base_ids", "start_speaker", "begin_after_user_silence_ms", "tool_call_strict_mode"]);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function unknownField(body: Record<string, unknown>, allowed: Set<string>): string | undefined {
  return Object.keys(body).find((key) => !allowed.has(key));
}

/** Why a general_tools list is refused, or null. */
function toolsProblem(tools: unknown): string | null {
  if (!Array.isArray(tools)) return "general_tools must be an array";
  const names = new Set<string>();
  for (const [i, tool] of tools.entries()) {
    const t = tool as Record<string, unknown>;
    if (!t || typeof t !== "object" || typeof t.type !== "string") return `general_tools[${i}].type is required`;
    if (typeof t.name !== "string" || !TOOL_NAME.test(t.name)) return `general_tools[${i}].name must be 1-64 characters of a-z, A-Z, 0-9, _ or -`;
    if (names.has(t.name)) return `Tool names must be unique: ${t.name} is used twice`;
    names.add(t.name);
    if (t.type === "custom") {
      if (typeof t.url !== "string" || !/^https?:\/\//.test(t.url)) return `general_tools[${i}].url must be a valid URL`;
      if (typeof t.description !== "string") return `general_tools[${i}].description is required for a custom tool`;
      const params = t.parameters as { type?: unknown; properties?: unknown } | undefined;
      if (params !== undefined && (params.type !== "object" || typeof params.properties !== "object")) return `general_tools[${i}].parameters must be a JSON Schema of type object with properties`;
    }
  }
  return null;
}

export function retellConfigRoutes(state: VendorState): express.Router {
  const router = express.Router();
  const accountOf = (req: express.Request) => state.account("retell", /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1]);
  const agentOf = (account: VendorAccount, id: string) => {
    const found = state.retellAgents.get(id);
    return found?.account === account ? found.agent : undefined;
  };
  const llmOf = (account: VendorAccount, id: string) => {
    const found = state.retellLlms.get(id);
    return found?.account === account ? found.llm : undefined;
  };

  router.use(["/v2/list-agents", "/get-agent", "/update-agent", "/get-retell-llm", "/update-retell-llm"], (req, res, next) => {
    if (!accountOf(req)) return void error(res, 401, "API key is missing or invalid.");
    next();
  });

  router.post("/v2/list-agents", (req, res) => {
    const account = accountOf(req)!;
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return void error(res, 400, "limit must be an integer between 1 and 1000");
    const body = (req.body ?? {}) as Record<string, unknown>;
    const extra = unknownField(body, new Set(["filter_criteria"]));
    if (extra) return void error(res, 400, `Invalid request format, please check API reference. Unrecognized key: ${extra}`);
    const all = [...state.retellAgents.values()].filter((a) => a.account === account).map((a) => a.agent);
    if (req.query.sort_order !== "ascending") all.reverse();
    const start = typeof req.query.pagination_key === "string" ? all.findIndex((a) => a.agent_id === req.query.pagination_key) + 1 : 0;
    if (typeof req.query.pagination_key === "string" && start === 0) return void error(res, 400, "Invalid pagination_key");
    const page = all.slice(start, start + limit);
    const hasMore = start + limit < all.length;
    res.json({ items: page.map((a) => ({ agent_id: a.agent_id, agent_name: a.agent_name, channel: a.channel, tags: {}, user_modified_timestamp: a.last_modification_timestamp })), has_more: hasMore, ...(hasMore ? { pagination_key: page.at(-1)!.agent_id } : {}) });
  });

  router.get("/get-agent/:id", (req, res) => {
    const agent = agentOf(accountOf(req)!, req.params.id);
    if (!agent) return void error(res, 404, "Not Found: cannot find requested agent under given api key.");
    res.json(agent);
  });

  router.patch("/update-agent/:id", (req, res) => {
    const agent = agentOf(accountOf(req)!, req.params.id);
    if (!agent) return void error(res, 404, "Not Found: cannot find requested agent under given api key.");
    const body = (req.body ?? {}) as Record<string, unknown>;
    const extra = unknownField(body, AGENT_FIELDS);
    if (extra) return void error(res, 400, `Invalid request format, please check API reference. Unrecognized key: ${extra}`);
    if (body.webhook_url !== undefined && body.webhook_url !== null && (typeof body.webhook_url !== "string" || !/^https?:\/\//.test(body.webhook_url))) return void error(res, 400, "webhook_url must be a valid URL or null");
    Object.assign(agent, body, { last_modification_timestamp: Date.now() } satisfies Partial<RetellAgentRecord>);
    // "Set to null to remove webhook url from this agent": the agent then has none, as before one was set.
    if (body.webhook_url === null) delete agent.webhook_url;
    res.json(agent);
  });

  router.get("/get-retell-llm/:id", (req, res) => {
    const llm = llmOf(accountOf(req)!, req.params.id);
    if (!llm) return void error(res, 404, "Not Found: cannot find requested retell llm under given api key.");
    res.json(llm);
  });

  router.patch("/update-retell-llm/:id", (req, res) => {
    const llm = llmOf(accountOf(req)!, req.params.id);
    if (!llm) return void error(res, 404, "Not Found: cannot find requested retell llm under given api key.");
    const body = (req.body ?? {}) as Record<string, unknown>;
    const extra = unknownField(body, LLM_FIELDS);
    if (extra) return void error(res, 400, `Invalid request format, please check API reference. Unrecognized key: ${extra}`);
    if (body.general_tools !== undefined) {
      const problem = toolsProblem(body.general_tools);
      if (problem) return void error(res, 400, problem);
    }
    Object.assign(llm, body, { last_modification_timestamp: Date.now() } satisfies Partial<RetellLlmRecord>);
    res.json(llm);
  });
  return router;
}
