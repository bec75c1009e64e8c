import { afterEach, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo, LookupFunction } from "node:net";
import { createOutboundFetch, OutboundError, refusedAddress, type OutboundErrorCode } from "../../server/net/outbound.js";

// The one fetch for URLs that come from outside (vendors' recording links, webhook URLs an admin
// types). Local servers stand in for the hosts; a fake resolver stands in for DNS where a test needs a
// name to resolve somewhere particular.

interface LocalHost {
  port: number;
  base: string;
  /** TCP connections accepted: a refused fetch must not even connect. */
  connections: number;
  close(): Promise<void>;
}

const hosts: LocalHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

async function localHost(handler: http.RequestListener): Promise<LocalHost> {
  const server = http.createServer(handler);
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const host = { port: 0, base: "", connections: 0, close };
  server.on("connection", () => host.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host.port = (server.address() as AddressInfo).port;
  host.base = `http://127.0.0.1:${host.port}`;
  hosts.push(host);
  return host;
}

/** A resolver answering from a table; each name's answers are taken in turn (the last one repeats). */
function fakeDns(table: Record<string, string[][]>): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup = ((hostname: string, options: { all?: boolean }, callback: (err: NodeJS.ErrnoException | null, address: unknown, family?: number) => void) => {
    calls.push(hostname);
    const answers = table[hostname];
    if (!answers) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), "");
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    const entries = answer.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    if (options.all) callback(null, entries);
    else callback(null, entries[0].address, entries[0].family);
  }) as LookupFunction & { calls: string[] };
  lookup.calls = calls;
  return lookup;
}

async function refusal(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => {
      throw new Error("expected the fetch to be refused");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

const expectCode = async (promise: Promise<unknown>, code: OutboundErrorCode) => expect((await refusal(promise)).code).toBe(code);

const PUBLIC_V4 = "93.184.215.14";
const PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c";

describe("address classes", () => {
  const refusedInProduction = [
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "metadata"],
    ["169.254.1.1", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["100.127.255.254", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fd00::1", "uniqueLocal"],
    ["fd00:ec2::254", "metadata"],
    ["fc00::1", "uniqueLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "IPv4-mapped"],
    ["::ffff:7f00:1", "IPv4-mapped"],
    ["::ffff:169.254.169.254", "IPv4-mapped"],
    // ipaddr.js reads this spelling as the mapped form; URLs normalise it to ::7f00:1. Both refused.
    ["::127.0.0.1", "IPv4-"],
    ["::7f00:1", "IPv4-compatible"],
    ["64:ff9b::7f00:1", "rfc6052"],
  ];
  it.each(refusedInProduction)("%s is refused (%s)", (address, why) => {
    expect(refusedAddress(address, false)).toContain(why);
  });

  it("public addresses pass", () => {
    expect(refusedAddress(PUBLIC_V4, false)).toBeNull();
    expect(refusedAddress("8.8.8.8", false)).toBeNull();
    expect(refusedAddress(PUBLIC_V6, false)).toBeNull();
  });

  it("with private network fetches allowed, loopback and private pass; metadata, link-local, unspecified, multicast and mapped do not", () => {
    for (const address of ["127.0.0.1", "10.0.0.5", "192.168.1.1", "::1", "fd12:3456::1"]) expect(refusedAddress(address, true), address).toBeNull();
    for (const address of ["169.254.169.254", "fd00:ec2::254", "169.254.1.1", "fe80::1", "0.0.0.0", "::", "224.0.0.1", "::ffff:127.0.0.1"]) expect(refusedAddress(address, true), address).not.toBeNull();
  });
});

describe("production policy (ALLOW_PRIVATE_NETWORK_FETCH=false)", () => {
  it("literal addresses of every refused class are refused before connecting", async () => {
    const host = await localHost((_req, res) => res.end("secret"));
    const dns = fakeDns({});
    const fetchOutside = createOutboundFetch({ allowPrivateNetwork: false, lookup: dns });
    const p = host.port;
    for (const url of [
      `https://127.0.0.1:${p}/`,
      `https://2130706433:${p}/`,
      `https://0x7f.0.0.1:${p}/`,
      `https://0.0.0.0:${p}/`,
      `https://[::1]:${p}/`,
      `https://[::]:${p}/`,
      `https://[::ffff:127.0.0.1]:${p}/`,
      "https://169.254.169.254/latest/meta-data/",
      "https://[fd00:ec2::254]/latest/meta-data/",
      "https://100.64.0.1/",
      "https://10.0.0.1/",
      "https://[fd00::1]/",
      "https://[fe80::1]/",
      "https://224.0.0.1/",
    ]) {
      const error = await refusal(fetchOutside(url));
      expect(error.code, url).toBe("blocked_address");
    }
    expect(host.connections).toBe(0);
    expect(dns.calls).toEqual([]);
  });

  it("only https: http, ftp and file URLs are refused without a lookup", async () => {
    const dns = fakeDns({ "recordings.vendor.example": [[PUBLIC_V4]] });
    const fetchOutside = createOutboundFetch({ allowPrivateNetwork: false, lookup: dns });
    for (const url of ["http://recordings.vendor.example/a.wav", "ftp://recordings.vendor.example/a.wav", "file:///etc/passwd", "gopher://recordings.vendor.example/"]) await expectCode(fetchOutside(url), "not_https");
    await expectCode(fetchOutside("not a url"), "bad_url");
    expect(dns.calls).toEqual([]);
  });

  it("a name that resolves to a refused address is refused, with the address in the reason", async () => {
    const host = await localHost((_req, res) => res.end("secret"));
    const fetchOutside = createOutboundFetch({ allowPrivateNetwork: false, lookup: fakeDns({ "internal.vendor.example": [["10.0.0.5"]], "mixed.vendor.example": [[PUBLIC_V4, "127.0.0.1"]] }) });
    const internal = await refusal(fetchOutside("https://internal.vendor.example/rec.wav"));
    expect(internal.code).toBe("blocked_address");
    expect(internal.message).toContain("10.0.0.5");
    // One public answer does not vouch for the others (Happy Eyeballs may connect to any of them).
    await expectCode(fetchOutside(`https://mixed.vendor.example:${host.port}/rec.wav`), "blocked_address");
    // The real resolver: localhost is loopback.
    await expectCode(createOutboundFetch({ allowPrivateNetwork: false })(`https://localhost:${host.port}/`), "blocked_address");
    expect(host.connections).toBe(0);
  });

  it("DNS rebinding: the address checked is the address connected to (one lookup per connection)", async () => {
    const host = await localHost((_req, res) => res.end("secret"));
    // First answer public (what a check-then-connect guard would see), every later answer loopback.
    const dns = fakeDns({ "rebind.vendor.example": [[PUBLIC_V4], ["127.0.0.1"]] });
    const fetchOutside = createOutboundFetch({ allowPrivateNetwork: false, lookup: dns });
    // Whatever the public address answers (nothing, a reset, a certificate for another name), the
    // private one is never reached.
    await refusal(fetchOutside(`https://rebind.vendor.example:${host.port}/`, { timeoutMs: 1_500 }));
    expect(dns.calls).toEqual(["rebind.vendor.example"]);
    expect(host.connections).toBe(0);
  });
});

describe("development policy (ALLOW_PRIVATE_NETWORK_FETCH=true)", () => {
  const fetchLocal = createOutboundFetch({ allowPrivateNetwork: true });

  it("lets 127.0.0.1 through, over http too, and returns status, headers and body", async () => {
    const host = await localHost((req, res) => {
      if (req.method === "POST") return void req.pipe(res);
      res.setHeader("content-type", "audio/wav");
      res.end("RIFF....WAVE");
    });
    const response = await fetchLocal(`${host.base}/rec.wav`);
    expect(response).toMatchObject({ status: 200, url: `${host.base}/rec.wav` });
    expect(response.headers["content-type"]).toBe("audio/wav");
    expect(response.body.toString()).toBe("RIFF....WAVE");
    const echoed = await fetchLocal(`${host.base}/hook`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"hi"}' });
    expect(echoed.body.toString()).toBe('{"text":"hi"}');
  });

  it("still refuses metadata, unspecified and multicast addresses, literal or by name", async () => {
    const fetchWithDns = createOutboundFetch({ allowPrivateNetwork: true, lookup: fakeDns({ "metadata.vendor.example": [["169.254.169.254"]], "zero.vendor.example": [["0.0.0.0"]] }) });
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/", "http://[::]/", "http://224.0.0.1/", "http://metadata.vendor.example/", "http://zero.vendor.example/"]) await expectCode(fetchWithDns(url), "blocked_address");
  });

  it("follows redirects by hand and checks every hop: scheme and address", async () => {
    let hops = 0;
    const host = await localHost((req, res) => {
      hops++;
      const next: Record<string, string> = { "/moved": "/rec.wav", "/to-metadata": "http://169.254.169.254/latest/meta-data/", "/to-name": "http://metadata.vendor.example/x", "/to-file": "file:///etc/passwd", "/loop": "/loop" };
      if (next[req.url!]) return void res.writeHead(302, { location: next[req.url!] }).end();
      res.setHeader("content-type", "audio/wav");
      res.end("audio");
    });
    const fetchWithDns = createOutboundFetch({ allowPrivateNetwork: true, lookup: fakeDns({ "metadata.vendor.example": [["169.254.169.254"]] }) });
    const moved = await fetchWithDns(`${host.base}/moved`);
    expect(moved).toMatchObject({ status: 200, url: `${host.base}/rec.wav` });
    expect(moved.body.toString()).toBe("audio");
    await expectCode(fetchWithDns(`${host.base}/to-metadata`), "blocked_address");
    await expectCode(fetchWithDns(`${host.base}/to-name`), "blocked_address");
    await expectCode(fetchWithDns(`${host.base}/to-file`), "not_https");
    hops = 0;
    await expectCode(fetchWithDns(`${host.base}/loop`, { maxRedirects: 5 }), "too_many_redirects");
    expect(hops).toBe(6);
  });

  it("a redirect to another origin drops the credentials (a vendor API's bearer token never reaches its storage host)", async () => {
    const seen: Record<string, string | undefined>[] = [];
    const storage = await localHost((req, res) => {
      seen.push({ where: "storage", authorization: req.headers.authorization, cookie: req.headers.cookie, accept: req.headers.accept });
      res.setHeader("content-type", "audio/wav");
      res.end("audio");
    });
    const api = await localHost((req, res) => {
      seen.push({ where: req.url, authorization: req.headers.authorization, cookie: req.headers.cookie, accept: req.headers.accept });
      if (req.url === "/same") return void res.writeHead(302, { location: "/signed" }).end();
      if (req.url === "/signed") return void res.writeHead(302, { location: `${storage.base}/signed.wav?sig=abc` }).end();
      res.writeHead(404).end();
    });
    const response = await fetchLocal(`${api.base}/same`, { headers: { authorization: "Bearer sk_test_555", cookie: "s=1", accept: "audio/*" } });
    expect(response.body.toString()).toBe("audio");
    expect(seen).toEqual([
      { where: "/same", authorization: "Bearer sk_test_555", cookie: "s=1", accept: "audio/*" },
      // The same origin keeps them, as fetch does.
      { where: "/signed", authorization: "Bearer sk_test_555", cookie: "s=1", accept: "audio/*" },
      { where: "storage", authorization: undefined, cookie: undefined, accept: "audio/*" },
    ]);
  });

  it("a chunked body larger than the cap is aborted while streaming, not buffered whole", async () => {
    const total = 64 * 1024 * 1024;
    let written = 0;
    let closedEarly = false;
    const host = await localHost(async (_req, res) => {
      res.setHeader("content-type", "audio/wav"); // no content-length: chunked
      res.on("close", () => (closedEarly = written < total));
      const chunk = Buffer.alloc(64 * 1024, 1);
      while (written < total && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve).once("close", resolve));
      }
      res.end();
    });
    await expectCode(fetchLocal(`${host.base}/huge.wav`, { maxBytes: 256 * 1024 }), "too_large");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closedEarly).toBe(true);
    // What the socket buffers took before the abort, not the whole body.
    expect(written).toBeLessThan(8 * 1024 * 1024);
  });

  it("a declared content-length above the cap is refused before reading", async () => {
    const host = await localHost((_req, res) => {
      res.writeHead(200, { "content-type": "audio/wav", "content-length": String(100 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
    });
    await expectCode(fetchLocal(`${host.base}/big.wav`, { maxBytes: 1024 * 1024 }), "too_large");
  });

  it("times out as a whole: no answer, or a body that drips", async () => {
    const host = await localHost((req, res) => {
      if (req.url === "/silent") return; // never answers
      res.writeHead(200, { "content-type": "audio/wav" });
      const drip = setInterval(() => res.write("x"), 50);
      res.on("close", () => clearInterval(drip));
    });
    const started = Date.now();
    await expectCode(fetchLocal(`${host.base}/silent`, { timeoutMs: 300 }), "timeout");
    await expectCode(fetchLocal(`${host.base}/drip`, { timeoutMs: 300 }), "timeout");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("an error status and an unwanted content type are refused with their own codes", async () => {
    const host = await localHost((req, res) => {
      if (req.url === "/down") return void res.writeHead(503).end("down");
      res.setHeader("content-type", "text/html");
      res.end("<script>alert(1)</script>");
    });
    const down = await refusal(fetchLocal(`${host.base}/down`));
    expect(down).toMatchObject({ code: "bad_status", status: 503 });
    await expectCode(fetchLocal(`${host.base}/page`, { acceptContentType: (type) => type?.startsWith("audio/") ?? false }), "bad_content_type");
  });
});
