import Retell from "retell-sdk";
import { vendorErrorFor, VendorApiError, type SetupClient, type SetupResource, type VendorSetup } from "../setup.js";

// Retell through retell-sdk: the admin picks agents (POST /v2/list-agents, paged by pagination_key);
// each agent's `webhook_url` (PATCH /update-agent/{id}) is set to the connection's webhook URL, and
// our live tools become custom tools in `general_tools` of the agent's Retell LLM (PATCH
// /update-retell-llm/{id}), where Retell keeps an agent's functions. An agent on a conversation flow or
// a custom LLM has no such list: its webhook is set and the admin is told to add the functions by hand.
// The API key is the connection's own secret: Retell signs webhooks and function calls with it.

const sdk = (client: SetupClient) => new Retell({ apiKey: client.apiKey, baseURL: client.baseUrl, timeout: client.timeoutMs, maxRetries: 0 });

async function call<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof Retell.APIError) {
      const body = error.error as { message?: unknown } | undefined;
      return Promise.reject(vendorErrorFor(error.status ?? null, typeof body?.message === "string" ? body.message : error.message));
    }
    throw error;
  }
}

async function readAgent(client: SetupClient, id: string) {
  const agent = await call(sdk(client).agent.retrieve(id));
  return { agent, resource: { kind: "agent", id, state: { fields: { webhook_url: agent.webhook_url ?? null }, tools: null }, raw: agent } satisfies SetupResource };
}

async function readLlm(client: SetupClient, id: string): Promise<SetupResource> {
  const llm = await call(sdk(client).llm.retrieve(id));
  return { kind: "retell_llm", id, state: { fields: {}, tools: (llm.general_tools ?? []).map((tool) => ({ name: tool.name, definition: tool })) }, raw: llm };
}

export const retellSetup: VendorSetup = {
  targetNoun: "agent",
  apiKey: "connection_secret",
  async list(client, cursor) {
    const page = await call(sdk(client).agent.list({ limit: 50, ...(cursor ? { pagination_key: cursor } : {}) }));
    return { targets: page.items.filter((a) => a.channel === "voice").map((a) => ({ id: a.agent_id, name: a.agent_name })), next: page.has_more ? (page.pagination_key ?? null) : null };
  },
  async read(client, targetId) {
    const { agent, resource } = await readAgent(client, targetId);
    const engine = agent.response_engine;
    if (engine.type !== "retell-llm") return { name: agent.agent_name ?? targetId, resources: [resource], note: `This agent runs on a ${engine.type}, which has no function list the app can add to: its webhook URL is set; add the functions in Retell by hand (docs/booking-tools.md).` };
    return { name: agent.agent_name ?? targetId, resources: [resource, await readLlm(client, engine.llm_id)], note: null };
  },
  async readResource(client, kind, id) {
    if (kind === "agent") return (await readAgent(client, id)).resource;
    if (kind === "retell_llm") return readLlm(client, id);
    throw new VendorApiError("refused", null, `Retell has no ${kind}`);
  },
  desired(resource, urls, tools) {
    if (resource.kind === "agent") return { fields: { webhook_url: urls.webhookUrl }, tools: [] };
    return { fields: {}, tools: tools.map((tool) => ({ name: tool.name, definition: { type: "custom", name: tool.name, description: tool.description, url: urls.toolsUrl, speak_during_execution: false, speak_after_execution: true, parameters: tool.parameters } })) };
  },
  async write(client, resource, write) {
    if (resource.kind === "agent") {
      await call(sdk(client).agent.update(resource.id, { webhook_url: (write.fields.webhook_url as string | null | undefined) ?? null }));
      return;
    }
    if (write.tools) await call(sdk(client).llm.update(resource.id, { general_tools: write.tools.map((tool) => tool.definition) as never }));
  },
};
