import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { AsyncLocalStorage } from "node:async_hooks";
import { Client } from "@hubspot/api-client";
import type { SharedRateLimiter } from "./rate-limit.js";
import { hubspotRequests } from "../metrics/metrics.js";

export type HubSpotClient = Client;

/**
 * What a micro-batch (server/hubspot/batch.ts) waits for after its window and before it leaves: a slot
 * of the portal's shared rate limit. The request then runs inside `prepaid` and does not take another.
 */
export interface BatchGate {
  take(): Promise<void>;
  prepaid<T>(request: () => Promise<T>): Promise<T>;
}

const REQUEST_TIMEOUT_MS = 15_000;
const INSTRUMENTED = Symbol("instrumented");

interface RequestContextLike {
  getUrl(): string;
  setAgent(agent: http.Agent): void;
}
interface HttpApi {
  send(request: RequestContextLike): { toPromise(): Promise<{ httpStatusCode: number }> };
}

// @hubspot/api-client passes no timeout to its fetch: a HubSpot that accepts the connection and never
// answers would hang a worker slot forever. The agent's `timeout` arms an idle timer on every socket it
// hands out (Node re-arms it on reuse); on expiry we destroy the socket, which fails the request with a
// network error (transient: retried with backoff).
// HubSpot counts requests when they arrive, we count them when they leave: a busy event loop or the
// network can bunch arrivals. Our windows are longer than HubSpot's by that slack, so the bunching
// stays under its limits (bench/sync.ts counts the 429s: 13 of 2,600 requests with exact windows).
export const TEN_SECOND_WINDOW_MS = 10_500;
// Searches: 4 per 1.5 s against HubSpot's 5 per second, so a search may reach HubSpot up to 0.5 s later
// than one sent after it (several processes on loaded cores) without a 429; 1.25 s left 0.25 s, and
// bench:scale's three workers met 1-9 429s on search. Batched, a burst needs few searches (bench:sync:
// 28 for 1,000 calls), so the lower ceiling costs it nothing measurable.
const SEARCH_WINDOW_MS = 1_500;

function timeoutAgent<T extends http.Agent>(AgentClass: new (o: http.AgentOptions) => T, timeoutMs: number): T {
  const agent = new AgentClass({ keepAlive: true, maxSockets: 50, timeout: timeoutMs });
  const original = (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection = (...args: unknown[]) => {
    const socket = original(...args);
    socket.on("timeout", () => socket.destroy(new Error(`HubSpot did not answer within ${timeoutMs} ms`)));
    return socket;
  };
  return agent;
}

const MAX_CACHED_CLIENTS = 1_000;

/** A slot already taken for the next request of this async context (a batch that waited at its gate). */
const prepaidSlot = new AsyncLocalStorage<{ left: number }>();

export interface ClientFactoryOptions {
  basePath: string;
  limiter: SharedRateLimiter;
  /** Requests per 10 s per portal this app allows itself. */
  perTenSeconds: number;
  /** Searches per second per portal (HubSpot allows about 5). */
  searchesPerSecond?: number;
  timeoutMs?: number;
}

/**
 * Builds @hubspot/api-client instances that share one Redis rate limiter per portal and count every
 * response for /metrics. Retries are left to the queue (numberOfApiCallRetries 0): a job that fails is
 * retried with backoff as a whole, after the row is re-read.
 */
export class HubSpotClientFactory {
  private readonly agent: http.Agent;
  private readonly clients = new Map<string, { accessToken: string; client: Client }>();

  constructor(private readonly options: ClientFactoryOptions) {
    const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.agent = options.basePath.startsWith("https:") ? timeoutAgent(https.Agent, timeoutMs) : timeoutAgent(http.Agent, timeoutMs);
  }

  /**
   * One client per portal and token, kept while the token lasts: a worker with 150 jobs in flight
   * for one portal would otherwise hold 150 copies of the generated API objects (tens of MB). Bounded
   * (least recently used portals go first); a refreshed token gets a new client.
   */
  forToken(portalId: string, accessToken: string): Client {
    const cached = this.clients.get(portalId);
    if (cached?.accessToken === accessToken) {
      this.clients.delete(portalId);
      this.clients.set(portalId, cached);
      return cached.client;
    }
    const client = this.build(portalId, accessToken);
    this.clients.delete(portalId);
    this.clients.set(portalId, { accessToken, client });
    if (this.clients.size > MAX_CACHED_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
    return client;
  }

  private build(portalId: string, accessToken: string): Client {
    const client = new Client({ accessToken, basePath: this.options.basePath, numberOfApiCallRetries: 0 });
    const apis = [
      client.crm.contacts.basicApi,
      client.crm.contacts.searchApi,
      client.crm.contacts.batchApi,
      client.crm.objects.basicApi,
      client.crm.objects.batchApi,
      client.crm.objects.searchApi,
      client.crm.properties.coreApi,
      client.crm.properties.groupsApi,
      client.crm.owners.ownersApi,
      client.crm.associations.v4.basicApi,
      client.settings.users.usersApi,
    ];
    for (const api of apis) this.instrument(api, portalId);
    return client;
  }

  /**
   * Every request of a generated API goes through our transport: the shared per-portal rate limit, the
   * timeout agent and the per-status metric. @hubspot/api-client 13.x builds its `middleware` option into
   * the configuration but its generated methods only apply per-call middleware, so configuration
   * middleware (and `httpAgent`) never run: the transport (`configuration.httpApi`) is the reliable hook.
   */
  private instrument(api: unknown, portalId: string | null): void {
    const configuration = (api as { api: { configuration: { httpApi: HttpApi & { [INSTRUMENTED]?: boolean } } } }).api.configuration;
    if (configuration.httpApi[INSTRUMENTED]) return;
    const inner = configuration.httpApi;
    const takeSlot = (portalId: string, search: boolean) => this.takeSlot(portalId, search);
    const agent = this.agent;
    configuration.httpApi = {
      [INSTRUMENTED]: true,
      send(request) {
        const sent = (async () => {
          const prepaid = prepaidSlot.getStore();
          if (prepaid && prepaid.left > 0) prepaid.left--;
          else if (portalId) await takeSlot(portalId, request.getUrl().includes("/search"));
          request.setAgent(agent);
          try {
            const response = await inner.send(request).toPromise();
            hubspotRequests.inc({ status: String(response.httpStatusCode) });
            return response;
          } catch (error) {
            hubspotRequests.inc({ status: "0" });
            throw error;
          }
        })();
        return { toPromise: () => sent };
      },
    };
  }

  /**
   * Waits for a slot of the portal's shared limit (and, for a search, of its search limit). Both slots
   * must be fresh when the request leaves: a slot held while waiting for the other is spent at the wrong
   * time, and the requests then reach HubSpot bunched. If the ten-second wait was long, the search slot
   * is taken again (the stale one just idles).
   */
  async takeSlot(portalId: string, search: boolean): Promise<void> {
    const { limiter, perTenSeconds, searchesPerSecond = 4 } = this.options;
    if (!search) return limiter.acquire(portalId, { limit: perTenSeconds, windowMs: TEN_SECOND_WINDOW_MS });
    for (;;) {
      await limiter.acquire(`${portalId}:search`, { limit: searchesPerSecond, windowMs: SEARCH_WINDOW_MS });
      const searchSlotAt = Date.now();
      await limiter.acquire(portalId, { limit: perTenSeconds, windowMs: TEN_SECOND_WINDOW_MS });
      if (Date.now() - searchSlotAt < 100) return;
    }
  }

  /**
   * The rate-limit gate of a portal's micro-batches (server/hubspot/batch.ts): the slot is taken while
   * the batch still gathers, and the batch's first request uses it (later pages or halves take their own).
   */
  batchGate(portalId: string, kind: "search" | "write"): BatchGate {
    return {
      take: () => this.takeSlot(portalId, kind === "search"),
      prepaid: (request) => prepaidSlot.run({ left: 1 }, request),
    };
  }

  /**
   * GET an endpoint the generated client does not cover (e.g. /calling/v1/dispositions), through the
   * same rate limiter and metrics. Failures throw the same shape as the client's ApiException.
   */
  getJson(portalId: string, accessToken: string, path: string): Promise<unknown> {
    return this.requestJson(portalId, accessToken, "GET", path);
  }

  /**
   * A JSON request to an endpoint the generated client does not cover (the Meetings scheduler),
   * through the same rate limiter, timeout and metrics. A failure throws an Error with `code` (the
   * status, 0 for no answer) and `body` (HubSpot's error JSON as text), like the client's ApiException.
   */
  async requestJson(portalId: string, accessToken: string, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<unknown> {
    await this.takeSlot(portalId, false);
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.basePath), {
        method,
        headers: { authorization: `Bearer ${accessToken}`, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      hubspotRequests.inc({ status: "0" });
      throw Object.assign(new Error(`HubSpot ${method} ${path} failed: ${(error as Error).message}`), { code: 0 });
    }
    hubspotRequests.inc({ status: String(response.status) });
    const text = await response.text();
    if (!response.ok) throw Object.assign(new Error(`HubSpot ${method} ${path}: ${response.status}`), { code: response.status, body: text, headers: Object.fromEntries(response.headers) });
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /** A client with the app's developer API key, for app-level settings (the workflow action's definition). */
  developer(developerApiKey: string): Client {
    const client = new Client({ developerApiKey, basePath: this.options.basePath, numberOfApiCallRetries: 0 });
    this.instrument(client.automation.actions.definitionsApi, null);
    return client;
  }

  /** A client without a token, for the OAuth endpoints (not rate limited per portal: there is none yet). */
  anonymous(): Client {
    const client = new Client({ basePath: this.options.basePath, numberOfApiCallRetries: 0 });
    for (const api of [client.oauth.tokensApi, client.oauth.accessTokensApi, client.oauth.refreshTokensApi]) this.instrument(api, null);
    return client;
  }

  close(): void {
    this.agent.destroy();
  }
}
