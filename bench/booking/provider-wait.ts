import { AsyncLocalStorage } from "node:async_hooks";
import diagnostics from "node:diagnostics_channel";
import http from "node:http";

// How long each tool call waited on its calendar provider, timed on our side, inside the benchmark's
// web process (loaded there with `node --import`: preload.ts; the product knows
// nothing of it). Every request to /tools/* runs in its own async context; every outgoing request to
// one of the provider's URLs (BENCH_PROVIDER_URLS, space-separated prefixes: API and OAuth) made in
// that context is timed from its creation to its answer's headers, through Node's diagnostics
// channels for both fetch (undici) and node:http (gaxios under @googleapis/calendar). The wait is the
// union of those spans (requests in parallel count once), told back in a response header with the
// number of requests. A call that awaits a read another call started (shared in-flight openings, the
// per-portal hold queue) does not count that wait as the provider's: "our own time" is then an upper
// bound.

export const PROVIDER_WAIT_HEADER = "x-bench-provider-wait";

export interface ProviderWait {
  ms: number;
  requests: number;
}

/** The header's value ("<ms> <requests>"), or null when the web process did not measure. */
export function readProviderWait(headers: { get(name: string): string | null }): ProviderWait | null {
  const [ms, requests] = (headers.get(PROVIDER_WAIT_HEADER) ?? "").split(" ").map(Number);
  return ms === undefined || requests === undefined || Number.isNaN(ms) || Number.isNaN(requests) ? null : { ms, requests };
}

interface ToolCallWait {
  requests: number;
  spans: [number, number][];
}

/** Length of the union of the spans. */
function covered(spans: [number, number][]): number {
  let total = 0;
  let reach = -Infinity;
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}

export function installProviderWait(prefixes: string[]): void {
  const calls = new AsyncLocalStorage<ToolCallWait>();
  const started = new WeakMap<object, { call: ToolCallWait; at: number }>();
  const isProvider = (url: string) => prefixes.some((prefix) => url.startsWith(prefix));

  const begin = (request: object, url: string) => {
    const call = calls.getStore();
    if (call && isProvider(url)) started.set(request, { call, at: performance.now() });
  };
  const end = (request: object) => {
    const span = started.get(request);
    if (!span) return;
    started.delete(request);
    span.call.requests++;
    span.call.spans.push([span.at, performance.now()]);
  };

  // fetch (undici): the request names its origin and path.
  diagnostics.subscribe("undici:request:create", (message) => {
    const { request } = message as { request: { origin: string; path: string } };
    begin(request, `${request.origin}${request.path}`);
  });
  diagnostics.subscribe("undici:request:headers", (message) => end((message as { request: object }).request));
  diagnostics.subscribe("undici:request:error", (message) => end((message as { request: object }).request));
  // node:http (node-fetch, which gaxios uses).
  diagnostics.subscribe("http.client.request.start", (message) => {
    const { request } = message as { request: http.ClientRequest };
    begin(request, `${request.protocol}//${String(request.getHeader("host"))}${request.path}`);
  });
  diagnostics.subscribe("http.client.response.finish", (message) => end((message as { request: object }).request));
  diagnostics.subscribe("http.client.request.error", (message) => end((message as { request: object }).request));

  // Every tool call in its own context; its wait goes out with the answer's headers.
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    const forward = () => emit.apply(this, [event, ...args] as Parameters<typeof emit>);
    const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
    if (event !== "request" || !req.url?.startsWith("/tools/")) return forward();
    const call: ToolCallWait = { requests: 0, spans: [] };
    const writeHead = res.writeHead;
    res.writeHead = function (this: http.ServerResponse, ...head: unknown[]) {
      if (!this.headersSent) this.setHeader(PROVIDER_WAIT_HEADER, `${covered(call.spans).toFixed(2)} ${call.requests}`);
      return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, head);
    } as typeof res.writeHead;
    return calls.run(call, forward);
  } as typeof http.Server.prototype.emit;
}
