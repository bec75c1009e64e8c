
// Configuring a vendor for the admin through its own API (the settings page's vendor setup,
// server/vendor-setup/): list what the admin may pick (Retell agents, Vapi assistants), read the
// resources behind one (a Retell agent and its Retell LLM, a Vapi assistant), say what they should hold
// (our webhook URL, our live tools), and write it. Each vendor that can be configured has a `setup.ts`
// in its folder; server/vendor-setup/registry.ts gathers them.

/** A tool as the vendor stores it, known by its name (names are unique per agent at every vendor). */
export interface NamedTool {
  name: string;
  definition: unknown;
}

/** A resource as the vendor holds it now; `tools` is null where the resource has no tool list. */
export interface ResourceState {
  fields: Record<string, unknown>;
  tools: NamedTool[] | null;
}

/** What the app wants the resource to hold: these fields set, these tools present. */
export interface Desired {
  fields: Record<string, unknown>;
  tools: NamedTool[];
}

/** What to write to the vendor: fields to set, and the whole tool list when it changed. */
export interface Write {
  fields: Record<string, unknown>;
  tools: NamedTool[] | null;
}

/** A live tool in no vendor's shape (server/vendor-setup/tool-definitions.ts lists them). */
export interface LiveToolDefinition {
  name: string;
  description: string;
  parameters: { type: "object"; required?: string[]; properties: Record<string, { type: "string"; description?: string }> };
}

export interface SetupClient {
  apiKey: string;
  /** The vendor API's base URL (the real one, or a simulator in tests). */
  baseUrl: string;
  timeoutMs: number;
}

export interface SetupTarget {
  id: string;
  name: string;
}

/** One vendor resource as read now: `kind` names it for the change log ("agent", "retell_llm", "assistant"). */
export interface SetupResource {
  kind: string;
  id: string;
  state: ResourceState;
  /** The vendor's whole object, for writes that must send a nested object whole (Vapi's PATCH). */
  raw: unknown;
}

export interface SetupUrls {
  webhookUrl: string;
  toolsUrl: string;
  /** The connection's signing secret, for a vendor whose tool requests carry it (Vapi's server.secret). */
  signingSecret: string;
}

/**
 * Why the vendor's API refused or failed, in one neutral code the settings page turns into words:
 * `unauthorized` (the key is wrong or revoked), `not_found`, `refused` (it will not take this change;
 * the same request gets the same answer), `unavailable` (429, 5xx, timeout, network: try again).
 */
export class VendorApiError extends Error {
  constructor(
    readonly code: "unauthorized" | "not_found" | "refused" | "unavailable",
    readonly status: number | null,
    /** The vendor's own message. */
    readonly reason: string,
  ) {
    super(`${code}${status ? ` (${status})` : ""}: ${reason}`);
  }
}

/** One classifier for every vendor's HTTP status. */
export function vendorErrorFor(status: number | null, reason: string): VendorApiError {
  if (status === null || status === 429 || status >= 500) return new VendorApiError("unavailable", status, reason);
  if (status === 401 || status === 403) return new VendorApiError("unauthorized", status, reason);
  if (status === 404) return new VendorApiError("not_found", status, reason);
  return new VendorApiError("refused", status, reason);
}

export interface VendorSetup {
  /** What the admin picks, in the vendor's words ("agent", "assistant"). */
  targetNoun: string;
  /** Where the configuration API key comes from: the connection's own secret (Retell) or a key the admin enters (Vapi). */
  apiKey: "connection_secret" | "entered";
  list(client: SetupClient, cursor: string | null): Promise<{ targets: SetupTarget[]; next: string | null }>;
  /** The target's resources the app touches, as they are now, and why tools cannot be added where they cannot. */
  read(client: SetupClient, targetId: string): Promise<{ name: string; resources: SetupResource[]; note: string | null }>;
  readResource(client: SetupClient, kind: string, id: string): Promise<SetupResource>;
  /** What the resource should hold for the app. */
  desired(resource: SetupResource, urls: SetupUrls, tools: readonly LiveToolDefinition[]): Desired;
  write(client: SetupClient, resource: SetupResource, write: Write): Promise<void>;
}
