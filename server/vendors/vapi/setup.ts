import { vendorErrorFor, VendorApiError, type SetupClient, type SetupResource, type VendorSetup } from "../setup.js";

// Vapi through its REST API with the admin's private key (Authorization: Bearer): the admin picks
// assistants (GET /assistant, a plain array newest first, paged by createdAtLt); the assistant's
// `server.url` becomes the connection's webhook URL, and our live tools become `function` tools in its
// `model.tools`, each with its own server (the tools URL, and the connection's secret as
// `server.secret`, which Vapi sends as X-Vapi-Secret). Vapi's PATCH /assistant/{id} replaces `server`
// and `model` whole, so both are sent back as read with only our parts changed.

type Assistant = { id: string; name?: string; createdAt: string; server?: Record<string, unknown>; model?: { tools?: Record<string, unknown>[] } & Record<string, unknown> };

async function vapi<T>(client: SetupClient, path: string, init: { method?: "GET" | "PATCH"; body?: unknown } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, client.baseUrl), { method: init.method ?? "GET", headers: { authorization: `Bearer ${client.apiKey}`, accept: "application/json", ...(init.body ? { "content-type": "application/json" } : {}) }, body: init.body ? JSON.stringify(init.body) : undefined, signal: AbortSignal.timeout(client.timeoutMs) });
  } catch (error) {
    throw vendorErrorFor(null, `no answer: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (a proxy's page): keep the text
  }
  if (!response.ok) {
    const message = (body as { message?: unknown })?.message;
    throw vendorErrorFor(response.status, Array.isArray(message) ? message.join("; ") : typeof message === "string" ? message : String(text).slice(0, 300) || `HTTP ${response.status}`);
  }
  return body as T;
}

/** A tool's name: a function tool's function name; other tools (endCall, transferCall) by type and place. */
const toolName = (tool: Record<string, unknown>, index: number) => ((tool.function as { name?: unknown } | undefined)?.name as string | undefined) ?? `${String(tool.type)}#${index}`;

function resourceOf(assistant: Assistant): SetupResource {
  return {
    kind: "assistant",
    id: assistant.id,
    state: { fields: { "server.url": assistant.server?.url ?? null }, tools: assistant.model ? (assistant.model.tools ?? []).map((tool, i) => ({ name: toolName(tool, i), definition: tool })) : null },
    raw: assistant,
  };
}

export const vapiSetup: VendorSetup = {
  targetNoun: "assistant",
  apiKey: "entered",
  async list(client, cursor) {
    const limit = 50;
    const page = await vapi<Assistant[]>(client, `/assistant?limit=${limit}${cursor ? `&createdAtLt=${encodeURIComponent(cursor)}` : ""}`);
    return { targets: page.map((a) => ({ id: a.id, name: a.name ?? a.id })), next: page.length === limit ? page.at(-1)!.createdAt : null };
  },
  async read(client, targetId) {
    const assistant = await vapi<Assistant>(client, `/assistant/${encodeURIComponent(targetId)}`);
    return { name: assistant.name ?? targetId, resources: [resourceOf(assistant)], note: assistant.model ? null : "This assistant has no model of its own (a squad or workflow member?): its server URL is set; add the tools in Vapi by hand (docs/booking-tools.md)." };
  },
  async readResource(client, kind, id) {
    if (kind !== "assistant") throw new VendorApiError("refused", null, `Vapi has no ${kind}`);
    return resourceOf(await vapi<Assistant>(client, `/assistant/${encodeURIComponent(id)}`));
  },
  desired(_resource, urls, tools) {
    return {
      fields: { "server.url": urls.webhookUrl },
      tools: tools.map((tool) => ({ name: tool.name, definition: { type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters }, server: { url: urls.toolsUrl, secret: urls.signingSecret } } })),
    };
  },
  async write(client, resource, write) {
    const assistant = resource.raw as Assistant;
    const body: Record<string, unknown> = {};
    if ("server.url" in write.fields) {
      const { url: _old, ...rest } = assistant.server ?? {};
      const url = write.fields["server.url"];
      body.server = url === null || url === undefined ? rest : { ...rest, url };
    }
    if (write.tools && assistant.model) body.model = { ...assistant.model, tools: write.tools.map((tool) => tool.definition) };
    if (Object.keys(body).length) await vapi(client, `/assistant/${encodeURIComponent(resource.id)}`, { method: "PATCH", body });
  },
};
