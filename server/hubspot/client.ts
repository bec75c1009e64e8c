import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { Client } from "@hubspot/api-client";
import type { SharedRateLimiter } from "./rate-limit.js";
import { hubspotRequests } from "../metrics/metrics.js";

export type HubSpotClient = Client;

const REQUEST_TIMEOUT_MS = 15_000;

// @hubspot/api-client passes no timeout to its fetch: a HubSpot that accepts the connection and never
// answers would hang a worker slot forever. These agents destroy a socket that is idle mid-request for
// too long, which surfaces as a network error (transient, retried with backoff).
function timeoutAgent<T extends http.Agent>(AgentClass: new (o: http.AgentOptions) => T, timeoutMs: number): T {
  const agent = new AgentClass({ keepAlive: true, maxSockets: 50 });
  const original = (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection = (...args: unknown[]) => {
    const socket = original(...args);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`HubSpot did not answer within ${timeoutMs} ms`)));
    return socket;
  };
  return agent;
}

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

  constructor(private readonly options: ClientFactoryOptions) {
    const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.agent = options.basePath.startsWith("https:") ? timeoutAgent(https.Agent, timeoutMs) : timeoutAgent(http.Agent, timeoutMs);
  }

  forToken(portalId: string, accessToken: string): Client {
    const { limiter, perTenSeconds, searchesPerSecond = 4 } = this.options;
    return new Client({
      accessToken,
      basePath: this.options.basePath,
      numberOfApiCallRetries: 0,
      httpAgent: this.agent,
      middleware: [
        {
          pre: async (context: unknown) => {
            const url = (context as { getUrl(): string }).getUrl();
            if (url.includes("/search")) {
              await limiter.acquire(`${portalId}:search`, { limit: searchesPerSecond, windowMs: 1_000 });
            }
            await limiter.acquire(portalId, { limit: perTenSeconds, windowMs: 10_000 });
            return context;
          },
          post: (context: unknown) => {
            hubspotRequests.inc({ status: String((context as { httpStatusCode: number }).httpStatusCode) });
            return context;
          },
        },
      ],
    });
  }

  /**
   * GET an endpoint the generated client does not cover (e.g. /calling/v1/dispositions), through the
   * same rate limiter and metrics. Failures throw the same shape as the client's ApiException.
   */
  async getJson(portalId: string, accessToken: string, path: string): Promise<unknown> {
    await this.options.limiter.acquire(portalId, { limit: this.options.perTenSeconds, windowMs: 10_000 });
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.basePath), {
        headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      hubspotRequests.inc({ status: "0" });
      throw Object.assign(new Error(`HubSpot GET ${path} failed: ${(error as Error).message}`), { code: 0 });
    }
    hubspotRequests.inc({ status: String(response.status) });
    const text = await response.text();
    if (!response.ok) throw Object.assign(new Error(`HubSpot GET ${path}: ${response.status}`), { code: response.status, body: text });
    return JSON.parse(text) as unknown;
  }

  /** A client without a token, for the OAuth endpoints. */
  anonymous(): Client {
    return new Client({ basePath: this.options.basePath, numberOfApiCallRetries: 0, httpAgent: this.agent });
  }

  close(): void {
    this.agent.destroy();
  }
}
