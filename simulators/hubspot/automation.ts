import type express from "express";
import { createHash, createHmac, randomUUID } from "node:crypto";
import { HubSpotError, validationError } from "./errors.js";

// HubSpot's automation actions API (custom workflow actions) and the workflow engine's side of it:
//   POST/GET /automation/v4/actions/{appId}, GET/PATCH/DELETE /automation/v4/actions/{appId}/{id}
//   (and the dated /automation/actions/2026-03/...), authenticated with the app's developer API key
//   (`hapikey`), not a portal token; definitions validated as HubSpot does (an https actionUrl, an
//   English actionName, object types, typed input fields, execution rules that have labels).
// `execute` is a workflow reaching the action for one enrolled object: HubSpot posts to the action URL
// with the execution's callbackId, the origin, the object (with the properties the definition asks
// for) and the input fields, signed with the app's client secret (v3 and v2 headers). The answer is
// read as HubSpot reads it: hs_execution_state, and on a failure the execution rule whose conditions
// match the output fields gives the sentence the workflow history shows.

export interface ActionDefinition {
  id: string;
  revisionId: string;
  appId: number;
  actionUrl: string;
  published: boolean;
  objectTypes: string[];
  objectRequestOptions?: { properties: string[] };
  inputFields: { typeDefinition: { name: string; type: string }; isRequired: boolean }[];
  outputFields: { typeDefinition: { name: string; type: string } }[];
  executionRules: { labelName: string; conditions: Record<string, unknown> }[];
  labels: Record<string, { actionName: string; executionRules?: Record<string, string> } & Record<string, unknown>>;
  functions: unknown[];
  archivedAt?: number;
}

export interface Execution {
  status: number;
  body: unknown;
  retryAfter: string | null;
  /** What the workflow's history shows: SUCCESS, FAILED with the rule's sentence, or RETRY (429 / 5xx). */
  history: { state: "SUCCESS" | "FAILED" | "RETRY"; message: string | null };
}

export interface ExecuteOptions {
  definitionId: string;
  portalId: string;
  objectId: string;
  inputFields: Record<string, string>;
  /** Where the request really goes (the app's local address); the definition's actionUrl is what is signed. */
  send: string;
  /** A retry of an execution reuses its callbackId. */
  callbackId?: string;
  workflowId?: number;
  /** Tests of the receiving end: sign with another secret, an old timestamp, v2 only, or not at all. */
  signing?: { secret?: string; timestampMs?: number; only?: "v2" | "v3" | "none" };
}

export interface AutomationDeps {
  /** The app's client secret, by app id (what HubSpot signs action requests with). */
  clientSecret(appId: number): string | undefined;
  /** An object's current properties in a portal (for objectRequestOptions). */
  objectProperties(portalId: string, objectType: string, objectId: string): Record<string, string | null> | undefined;
}

const OBJECT_TYPES = new Set(["CONTACT", "COMPANY", "DEAL", "TICKET", "QUOTE", "LEAD"]);
const FIELD_TYPES = new Set(["string", "number", "bool", "datetime", "enumeration", "date", "phone_number", "currency_number", "json", "object_coordinates"]);

const unauthorized = () =>
  new HubSpotError(401, { status: "error", message: "The API key provided is invalid. View or manage your API key here: https://app.hubspot.com/l/api-key/", correlationId: randomUUID(), category: "INVALID_AUTHENTICATION", context: { type: ["API_KEY"] } });

export class AutomationSim {
  private readonly developerKeys = new Map<string, number>();
  private readonly definitions = new Map<string, ActionDefinition>();
  private nextId = 100_001;
  private nextCallback = 1;

  constructor(private readonly deps: AutomationDeps) {}

  /** The developer account key of `appId` (what `hapikey` must be). */
  addDeveloperKey(appId: number, key: string): void {
    this.developerKeys.set(key, appId);
  }

  definitionsOf(appId: number): ActionDefinition[] {
    return [...this.definitions.values()].filter((d) => d.appId === appId && !d.archivedAt).map((d) => structuredClone(d));
  }

  /** Routes, mounted before the portal-token check (these endpoints take the developer key). */
  mount(app: express.Express): void {
    const paths = (suffix: string) => ["/automation/v4/actions/:appId", "/automation/actions/2026-03/:appId"].map((p) => `${p}${suffix}`);
    const appIdOf = (req: express.Request) => {
      const appId = Number(req.params.appId);
      const key = typeof req.query.hapikey === "string" ? req.query.hapikey : /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!key || this.developerKeys.get(key) !== appId) throw unauthorized();
      return appId;
    };
    app.post(paths(""), (req, res) => {
      const appId = appIdOf(req);
      const definition = this.validate(appId, req.body, null);
      this.definitions.set(definition.id, definition);
      res.status(201).json(definition);
    });
    app.get(paths(""), (req, res) => {
      const appId = appIdOf(req);
      const all = this.definitionsOf(appId);
      const limit = Math.min(Number(req.query.limit ?? 10) || 10, 100);
      const after = Number(req.query.after ?? 0) || 0;
      const next = after + limit < all.length ? String(after + limit) : null;
      res.json({ results: all.slice(after, after + limit), ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}) });
    });
    app.get(paths("/:definitionId"), (req, res) => {
      res.json(this.owned(appIdOf(req), String(req.params.definitionId)));
    });
    app.patch(paths("/:definitionId"), (req, res) => {
      const appId = appIdOf(req);
      const current = this.owned(appId, String(req.params.definitionId));
      const updated = this.validate(appId, { ...current, ...(req.body as object) }, current);
      this.definitions.set(updated.id, updated);
      res.json(updated);
    });
    app.delete(paths("/:definitionId"), (req, res) => {
      const definition = this.owned(appIdOf(req), String(req.params.definitionId));
      definition.archivedAt = Date.now();
      this.definitions.set(definition.id, definition);
      res.status(204).end();
    });
  }

  /** A workflow runs the action on one object: HubSpot's signed POST to the action URL. */
  async execute(options: ExecuteOptions): Promise<Execution> {
    const definition = this.definitions.get(options.definitionId);
    if (!definition || definition.archivedAt) throw new Error(`execute: no action definition ${options.definitionId}`);
    const objectType = definition.objectTypes[0]!;
    const properties = this.deps.objectProperties(options.portalId, objectType, options.objectId);
    const wanted = definition.objectRequestOptions?.properties ?? [];
    const callbackId = options.callbackId ?? `ap-${definition.appId}-${options.portalId}-${this.nextCallback++}-0`;
    const payload = {
      callbackId,
      origin: { portalId: Number(options.portalId), actionDefinitionId: Number(definition.id), actionDefinitionVersion: Number(definition.revisionId) },
      context: { source: "WORKFLOWS", workflowId: options.workflowId ?? 771_001 },
      object: { objectId: Number(options.objectId), objectType, ...(wanted.length ? { properties: Object.fromEntries(wanted.map((name) => [name, properties?.[name] ?? null])) } : {}) },
      inputFields: options.inputFields,
    };
    const body = JSON.stringify(payload);
    const secret = options.signing?.secret ?? this.deps.clientSecret(definition.appId);
    if (!secret) throw new Error(`execute: app ${definition.appId} is not registered`);
    const timestamp = options.signing?.timestampMs ?? Date.now();
    const headers: Record<string, string> = { "content-type": "application/json" };
    const only = options.signing?.only;
    if (only !== "none" && only !== "v2") {
      headers["x-hubspot-signature-v3"] = createHmac("sha256", secret).update(`POST${definition.actionUrl}${body}${timestamp}`).digest("base64");
      headers["x-hubspot-request-timestamp"] = String(timestamp);
    }
    if (only !== "none" && only !== "v3") {
      headers["x-hubspot-signature"] = createHash("sha256").update(`${secret}POST${definition.actionUrl}${body}`).digest("hex");
      headers["x-hubspot-signature-version"] = "v2";
    }
    const response = await fetch(options.send, { method: "POST", headers, body });
    const text = await response.text();
    let answer: unknown = text;
    try {
      answer = JSON.parse(text);
    } catch {
      // not JSON: HubSpot records the failure all the same
    }
    return { status: response.status, body: answer, retryAfter: response.headers.get("retry-after"), history: this.history(definition, response.status, answer) };
  }

  private history(definition: ActionDefinition, status: number, answer: unknown): Execution["history"] {
    if (status === 429 || status >= 500) return { state: "RETRY", message: null };
    if (status >= 400) return { state: "FAILED", message: `The action URL answered ${status}` };
    const outputs = ((answer as { outputFields?: Record<string, unknown> })?.outputFields ?? {}) as Record<string, unknown>;
    if (outputs.hs_execution_state !== "FAIL_CONTINUE") return { state: "SUCCESS", message: null };
    const rule = definition.executionRules.find((r) => Object.entries(r.conditions).every(([field, value]) => outputs[field] === value));
    const sentence = rule ? definition.labels.en?.executionRules?.[rule.labelName] : undefined;
    return { state: "FAILED", message: sentence ? sentence.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(outputs[name] ?? "")).trim() : "Action failed" };
  }

  private owned(appId: number, id: string): ActionDefinition {
    const definition = this.definitions.get(id);
    if (!definition || definition.appId !== appId || definition.archivedAt) throw new HubSpotError(404, { status: "error", message: `Unable to find definition ${id} for app ${appId}`, correlationId: randomUUID(), category: "OBJECT_NOT_FOUND" });
    return structuredClone(definition);
  }

  private validate(appId: number, raw: unknown, current: ActionDefinition | null): ActionDefinition {
    const b = (raw ?? {}) as Partial<ActionDefinition>;
    const fail = (message: string) => validationError(message, "INVALID_ACTION_DEFINITION");
    let url: URL;
    try {
      url = new URL(String(b.actionUrl));
    } catch {
      throw fail(`actionUrl must be a URL; got ${b.actionUrl}`);
    }
    if (url.protocol !== "https:") throw fail("actionUrl must use HTTPS");
    if (typeof b.published !== "boolean") throw fail("published is required");
    if (!Array.isArray(b.functions)) throw fail("functions is required (an empty list for none)");
    if (!Array.isArray(b.objectTypes) || b.objectTypes.length === 0 || !b.objectTypes.every((t) => OBJECT_TYPES.has(String(t)))) throw fail(`objectTypes must be a non-empty list of ${[...OBJECT_TYPES].join(", ")}`);
    if (!Array.isArray(b.inputFields)) throw fail("inputFields is required");
    for (const field of b.inputFields) {
      if (!field?.typeDefinition?.name || !FIELD_TYPES.has(field.typeDefinition.type)) throw fail(`inputFields: each needs typeDefinition.name and a type of ${[...FIELD_TYPES].join(", ")}`);
      if (typeof field.isRequired !== "boolean") throw fail(`inputFields.${field.typeDefinition.name}: isRequired is required`);
    }
    const en = b.labels?.en;
    if (!en?.actionName) throw fail("labels.en.actionName is required");
    for (const rule of b.executionRules ?? []) {
      if (!rule.labelName || typeof rule.conditions !== "object") throw fail("executionRules: each needs labelName and conditions");
      if (!en.executionRules?.[rule.labelName]) throw fail(`executionRules.${rule.labelName}: no label in labels.en.executionRules`);
    }
    if (b.objectRequestOptions && !Array.isArray(b.objectRequestOptions.properties)) throw fail("objectRequestOptions.properties must be a list");
    const id = current?.id ?? String(this.nextId++);
    return {
      id,
      revisionId: String(Number(current?.revisionId ?? 0) + 1),
      appId,
      actionUrl: url.toString(),
      published: b.published,
      objectTypes: b.objectTypes.map(String),
      ...(b.objectRequestOptions ? { objectRequestOptions: { properties: b.objectRequestOptions.properties.map(String) } } : {}),
      inputFields: b.inputFields,
      outputFields: b.outputFields ?? [],
      executionRules: b.executionRules ?? [],
      labels: b.labels as ActionDefinition["labels"],
      functions: b.functions,
    };
  }
}
