import { Client, GraphError, HTTPMessageHandler, type Context, type Middleware } from "@microsoft/microsoft-graph-client";
import type { CalendarAccount, ProviderConfig } from "../types.js";
import { MicrosoftCalendarError, retryAfterMs } from "./errors.js";

// One Graph client per call, through the real @microsoft/microsoft-graph-client with a middleware
// chain of our own: the bearer token (to the configured Graph origin only) and a timeout, then fetch.
// The SDK's default chain is not used on purpose: its RetryHandler sleeps through 429 / 503 while a
// caller waits on the phone (the queue retries instead, from `status`), and its AuthenticationHandler
// only adds the token to https hosts, which would leave a local simulator unauthenticated.

export const GRAPH_VERSION = "v1.0";

class BearerToken implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly origin: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const url = new URL(typeof context.request === "string" ? context.request : context.request.url);
    // Links Graph hands back (nextLink, deltaLink) pass through here too: the token never leaves its origin.
    if (url.origin !== this.origin) throw new Error(`refusing to send a Graph token to ${url.origin}`);
    const headers = new Headers(context.options?.headers as HeadersInit | undefined);
    headers.set("Authorization", `Bearer ${this.token}`);
    context.options = { ...context.options, headers, signal: AbortSignal.timeout(this.timeoutMs) };
    await this.next!.execute(context);
  }
}

/**
 * A client for one account. The token is fetched first, outside the SDK, so that an account that can
 * no longer get one (revoked, not connected) fails with the caller's own error, not a wrapped one.
 */
export async function graphClient(config: ProviderConfig, account: Pick<CalendarAccount, "accessToken">, timeoutMs: number): Promise<Client> {
  const token = await account.accessToken();
  return Client.initWithMiddleware({
    baseUrl: config.apiBaseUrl,
    defaultVersion: GRAPH_VERSION,
    middleware: [new BearerToken(new URL(config.apiBaseUrl).origin, token, timeoutMs), new HTTPMessageHandler()],
  });
}

/** Runs one Graph request, turning the SDK's GraphError into a MicrosoftCalendarError that keeps the status. */
export async function graphCall<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    const status = error.statusCode > 0 ? error.statusCode : undefined;
    throw new MicrosoftCalendarError(`Graph ${what} failed: ${status ?? "no answer"} ${error.code ?? ""} ${error.message}`.trim(), status, error.code, retryAfterMs(error.headers?.get("retry-after")));
  }
}

/**
 * A nextLink / deltaLink as a path the client can request: Graph hands back absolute URLs, and the SDK
 * only recognises absolute https ones. Null when the link points anywhere but the configured Graph.
 */
export function graphPath(link: string, config: ProviderConfig): string | null {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  const base = new URL(config.apiBaseUrl);
  const prefix = `${base.pathname.replace(/\/$/, "")}/${GRAPH_VERSION}/`;
  if (url.origin !== base.origin || !url.pathname.startsWith(prefix)) return null;
  return `/${url.pathname.slice(prefix.length)}${url.search}`;
}
