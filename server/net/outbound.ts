import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import dns, { type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent, type RequestFilteringAgentOptions } from "request-filtering-agent";

/**
 * The one fetch for URLs that come from outside: a vendor's recording link, a webhook URL an admin
 * typed. Such a URL may point at our own network (127.0.0.1, the cloud metadata service, a database
 * port), directly, by a name that resolves there, by a redirect, or by a name that resolves somewhere
 * public when checked and somewhere private when connected (DNS rebinding). So:
 *   1. https only (plain http too when private networks are allowed, for local simulators);
 *   2. a literal address in the URL is checked before anything is sent;
 *   3. a name is checked inside the lookup the socket itself uses, every address of the answer, so the
 *      address checked is the address connected to; request-filtering-agent checks it again there;
 *   4. redirects are followed by hand, each hop checked as in 1-3, at most `maxRedirects`; a hop to
 *      another origin goes without the credentials (Authorization, Cookie), as fetch does;
 *   5. the body is counted while it streams and the connection dropped at `maxBytes`;
 *   6. one timeout covers every hop, the headers and the body.
 * Everything refused is an OutboundError with a code, so callers decide without reading messages.
 * Messages name the host, never the path or query (vendors sign recording links in the query).
 */

export type OutboundErrorCode = "bad_url" | "not_https" | "blocked_address" | "too_large" | "timeout" | "too_many_redirects" | "bad_status" | "bad_content_type" | "network";

const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    /** The HTTP status, for `bad_status`. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "OutboundError";
  }
}

export interface OutboundPolicy {
  /** ALLOW_PRIVATE_NETWORK_FETCH: loopback and private addresses, and plain http, are allowed. */
  allowPrivateNetwork: boolean;
  /** The resolver (tests put a fake one here); every answer still goes through the checks. */
  lookup?: LookupFunction;
}

export interface OutboundRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Default 1 MB. */
  maxBytes?: number;
  /** For the whole exchange, redirects and body included. Default 10 s. */
  timeoutMs?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Checked on the final answer's media type (lower case, no parameters) before its body is read. */
  acceptContentType?: (contentType: string | null) => boolean;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer<ArrayBuffer>;
  /** Where the answer came from, after redirects. */
  url: string;
}

export type OutboundFetch = (url: string, request?: OutboundRequest) => Promise<OutboundResponse>;

const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = "ai-receptionist-hubspot";

// Cloud metadata services (AWS, GCP, Azure: 169.254.169.254; AWS IPv6; ECS task metadata; Alibaba):
// refused even when private networks are allowed, because they hand out credentials.
const METADATA_ADDRESSES = new Set(["169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200"].map((a) => ipaddr.parse(a).toNormalizedString()));
// What ALLOW_PRIVATE_NETWORK_FETCH opens: a developer's own machine and networks. Link-local (where
// metadata lives), multicast, unspecified (0.0.0.0 connects to this host) and the rest stay closed.
const RANGES_OPENED_BY_FLAG = new Set(["loopback", "private", "uniqueLocal"]);

/**
 * Why `address` must not be connected to, or null when it may. Only ipaddr.js's "unicast" (public)
 * range passes; IPv4-mapped and IPv4-compatible IPv6 forms are refused outright (no public host
 * needs them, and they are how 127.0.0.1 is smuggled past IPv4-only checks).
 */
export function refusedAddress(address: string, allowPrivateNetwork: boolean): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const parsed = ipaddr.parse(address);
  if (METADATA_ADDRESSES.has(parsed.toNormalizedString())) return `${address} is a cloud metadata address`;
  if (parsed.kind() === "ipv6") {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      const v4 = v6.toIPv4Address();
      return `${address} is an IPv4-mapped address (of ${v4.toString()}, ${v4.range()})`;
    }
    const parts = v6.parts;
    if (parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || parts[7] > 1)) return `${address} is an IPv4-compatible address (deprecated)`;
  }
  const range = parsed.range();
  if (range === "unicast" || (allowPrivateNetwork && RANGES_OPENED_BY_FLAG.has(range))) return null;
  return `${address} is not a public address (${range})`;
}

/** A URL we may send a request to, or the reason why not (steps 1 and 2). */
function checkTarget(raw: string, allowPrivateNetwork: boolean, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new OutboundError("bad_url", base ? `${base.host} redirected to an invalid URL` : "not a valid URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && allowPrivateNetwork)) throw new OutboundError("not_https", `${url.protocol} URLs are not fetched, only https:`);
  const host = bareHost(url);
  if (isIP(host)) {
    const reason = refusedAddress(host, allowPrivateNetwork);
    if (reason) throw new OutboundError("blocked_address", reason);
  }
  return url;
}

const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/** Step 3: the socket's own lookup, refusing an answer when any of its addresses is refused. */
function checkedLookup(resolve: LookupFunction, allowPrivateNetwork: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, answer) => {
      if (error) return callback(error, "");
      const addresses = answer as unknown as LookupAddress[];
      if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
      for (const { address } of addresses) {
        const reason = refusedAddress(address, allowPrivateNetwork);
        if (reason) return callback(new OutboundError("blocked_address", `${hostname}: ${reason}`), "");
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

export function createOutboundFetch(policy: OutboundPolicy): OutboundFetch {
  const { allowPrivateNetwork } = policy;
  const lookup = checkedLookup(policy.lookup ?? (dns.lookup as LookupFunction), allowPrivateNetwork);
  // The agents repeat the address check at connect time (a second, independent implementation). Their
  // private switch is all or nothing (link-local and metadata included), and their deny list cannot
  // mix IPv4 and IPv6 ranges (it warns on every connection), so with private networks allowed the
  // finer rules are refusedAddress's alone.
  const filter: RequestFilteringAgentOptions = { allowPrivateIPAddress: allowPrivateNetwork };
  const agents = { "https:": new RequestFilteringHttpsAgent(filter), "http:": new RequestFilteringHttpAgent(filter) };

  const send = (url: URL, method: string, headers: Record<string, string>, body: string | Buffer | undefined, signal: AbortSignal) =>
    new Promise<{ request: http.ClientRequest; response: IncomingMessage }>((resolve, reject) => {
      const request = (url.protocol === "https:" ? https : http).request(
        {
          protocol: url.protocol,
          hostname: bareHost(url),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method,
          headers: body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
          agent: agents[url.protocol as "https:" | "http:"],
          lookup,
          signal,
        },
        (response) => resolve({ request, response }),
      );
      request.on("error", reject);
      request.end(body);
    });

  return async (rawUrl, options = {}) => {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    let url = checkTarget(rawUrl, allowPrivateNetwork);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new OutboundError("timeout", `no complete answer within ${timeoutMs} ms`)), timeoutMs);
    let method: string = options.method ?? "GET";
    let headers: Record<string, string> = { "user-agent": USER_AGENT, ...options.headers };
    let body = options.body;
    try {
      for (let redirects = 0; ; redirects++) {
        const { request, response } = await send(url, method, headers, body, deadline.signal);
        try {
          const status = response.statusCode ?? 0;
          const location = response.headers.location;
          // Step 4.
          if (REDIRECT_STATUSES.has(status) && location) {
            if (redirects >= maxRedirects) throw new OutboundError("too_many_redirects", `more than ${maxRedirects} redirects (last from ${url.host})`);
            const from = url;
            url = checkTarget(location, allowPrivateNetwork, url);
            // As fetch does: credentials meant for one origin are not sent to another (a vendor API
            // answering with a signed storage link must not hand that host its bearer token).
            if (url.origin !== from.origin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
            // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
            if (status === 303 || ((status === 301 || status === 302) && method === "POST")) {
              method = "GET";
              body = undefined;
              headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "content-type"));
            }
            continue;
          }
          if (status < 200 || status >= 300) throw new OutboundError("bad_status", `${url.host} answered HTTP ${status}`, status);
          const contentType = response.headers["content-type"]?.split(";")[0].trim().toLowerCase() || null;
          if (options.acceptContentType && !options.acceptContentType(contentType)) throw new OutboundError("bad_content_type", `${url.host} answered with content type ${contentType ?? "(none)"}`);
          return { status, headers: response.headers, body: await readCapped(response, maxBytes, url), url: url.toString() };
        } finally {
          // Also drops the connection of an answer not read to the end (redirect, refusal, too large).
          request.destroy();
        }
      }
    } catch (error) {
      if (deadline.signal.aborted) throw deadline.signal.reason;
      if (error instanceof OutboundError) throw error;
      throw new OutboundError("network", `${url.host}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Step 5: at most `maxBytes`, counted as they arrive (a chunked answer declares no length). */
async function readCapped(response: IncomingMessage, maxBytes: number, url: URL): Promise<Buffer<ArrayBuffer>> {
  const tooLarge = () => new OutboundError("too_large", `${url.host} sent more than ${maxBytes} bytes`);
  if (Number(response.headers["content-length"] ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
