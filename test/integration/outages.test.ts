import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { failOnce } from "../support/db-faults.js";
import { startStack, type Stack } from "../support/harness.js";
import { genericCall } from "../support/payloads.js";
import { TEN_SECOND_WINDOW_MS } from "../../server/hubspot/client.js";
import { syncJobId } from "../../server/queue/queues.js";

// Outages of HubSpot, Redis and a worker. Each test builds its own stack(s).

const stacks: Stack[] = [];
afterEach(async () => {
  while (stacks.length) await stacks.pop()!.stop();
});

async function synced(stack: Stack, ids: string[], timeoutMs = 40_000) {
  await stack.waitFor(async () => {
    const rows = await stack.app.runtime.db.call.findMany({ where: { vendorCallId: { in: ids } } });
    return rows.length === ids.length && rows.every((r) => r.status === "synced" && r.syncedVersion === r.version);
  }, { what: "calls synced", timeoutMs });
}

describe("outages", () => {
  it("HubSpot down for a while, then back: everything lands, nothing in the fallback queue", async () => {
    // The production schedule (base 2 s, 8 attempts) outlasts a 2-minute outage (test/unit/retry.test.ts);
    // here time is scaled by 1/60: base 33 ms, 8 attempts (>= 2.1 s of backoff), outage of 2 s.
    const stack = await startStack({ env: { SYNC_BACKOFF_MS: "33", SYNC_MAX_ATTEMPTS: "8" } });
    stacks.push(stack);
    const portalId = await stack.install();
    const generic = await stack.connect(portalId, "generic");
    stack.sim.setDown(true);
    const payloads = Array.from({ length: 5 }, (_, i) => genericCall({ fromNumber: `+1415555030${i}` }));
    for (const p of payloads) expect((await stack.deliver(generic, p)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    stack.sim.setDown(false);
    await synced(stack, payloads.map((p) => p.vendorCallId as string));
    expect(await stack.app.runtime.db.fallbackEntry.count()).toBe(0);
    expect(stack.sim.portal(portalId).calls()).toHaveLength(5);
  });

  it("HubSpot hanging (timeouts) or resetting connections counts as transient", async () => {
    const stack = await startStack({ env: { SYNC_BACKOFF_MS: "50", SYNC_MAX_ATTEMPTS: "10", HUBSPOT_TIMEOUT_MS: "300" } });
    stacks.push(stack);
    const portalId = await stack.install();
    const generic = await stack.connect(portalId, "generic");
    for (const mode of ["hang", "reset"] as const) {
      stack.sim.setDown(true, { mode });
      const call = genericCall({ fromNumber: mode === "hang" ? "+14155550310" : "+14155550311" });
      await stack.deliver(generic, call);
      await stack.waitFor(async () => (await stack.app.runtime.db.call.findFirst({ where: { vendorCallId: call.vendorCallId as string, attempts: { gte: 2 } } })) ?? null, { what: "a retry after the failure" });
      stack.sim.setDown(false);
      await synced(stack, [call.vendorCallId as string]);
    }
    expect(stack.sim.portal(portalId).calls()).toHaveLength(2);
    expect(await stack.app.runtime.db.fallbackEntry.count()).toBe(0);
  });

  // The burst waits for the limiter, so its deadline comes from the windows it needs: at most
  // MAX_REQUESTS_PER_NEW_CALLER requests per new caller plus the install's, in windows of `limit`
  // requests each TEN_SECOND_WINDOW_MS long, plus a margin for a busy machine. A fixed 40 s timed out
  // on a loaded 2-core CI machine (about 30 requests need 3 windows, 31.5 s, before any CPU wait).
  const BURST_CALLERS = 6;
  const BURST_LIMIT = 12;
  const MAX_REQUESTS_PER_NEW_CALLER = 6;
  const INSTALL_REQUESTS = 4;
  const burstWindows = Math.ceil((BURST_CALLERS * MAX_REQUESTS_PER_NEW_CALLER + INSTALL_REQUESTS) / BURST_LIMIT);
  const burstDeadlineMs = (burstWindows + 1) * TEN_SECOND_WINDOW_MS + 30_000;

  it("a burst stays under the portal's rate limit: no 429 from HubSpot", async () => {
    const stack = await startStack({ sim: { tenSecondlyLimit: 15 }, env: { HUBSPOT_RATE_LIMIT_PER_10S: String(BURST_LIMIT) } });
    stacks.push(stack);
    const portalId = await stack.install();
    const generic = await stack.connect(portalId, "generic");
    const payloads = Array.from({ length: BURST_CALLERS }, (_, i) => genericCall({ fromNumber: `+1415555035${i}` }));
    await Promise.all(payloads.map((p) => stack.deliver(generic, p)));
    await synced(stack, payloads.map((p) => p.vendorCallId as string), burstDeadlineMs);
    const api = stack.sim.requests.filter((r) => r.path.startsWith("/crm") || r.path.startsWith("/calling"));
    expect(api.filter((r) => r.status === 429)).toHaveLength(0);
    // The deadline's assumption holds (if the app starts making more requests, this says so, not a timeout).
    expect(stack.sim.requests.length).toBeLessThanOrEqual(BURST_CALLERS * MAX_REQUESTS_PER_NEW_CALLER + INSTALL_REQUESTS);
    // More than one window's worth of requests, so the limiter had to hold some back for 10 s.
    expect(api.length).toBeGreaterThan(BURST_LIMIT);
    expect(api.at(-1)!.at - api[0]!.at).toBeGreaterThanOrEqual(9_900);
  }, burstDeadlineMs + 30_000);

  it("Redis down when the webhook arrives: the vendor still gets its 2xx, the call syncs once Redis is back", async () => {
    // The web process talks to a Redis that is not there; the worker (same database, same HubSpot)
    // to the real one, so "Redis is back" is the worker's outbox sweep finding the stored row.
    const web = await startStack({ role: "web", env: { REDIS_URL: "redis://127.0.0.1:6399" } });
    stacks.push(web);
    const portalId = await web.install();
    const generic = await web.connect(portalId, "generic");
    const call = genericCall({ fromNumber: "+14155550320" });
    const response = await web.deliver(generic, call);
    expect(response.status).toBe(202);
    const row = await web.app.runtime.db.call.findFirstOrThrow({ where: { vendorCallId: call.vendorCallId as string } });
    expect(row.status).toBe("pending");

    const worker = await startStack({ role: "worker", databaseUrl: web.databaseUrl, sharedSim: web.sim });
    stacks.push(worker);
    await synced(worker, [call.vendorCallId as string]);
    expect(web.sim.portal(portalId).calls()).toHaveLength(1);
  });

  it("the database failing the worker's read of the call: the job is retried, not finished as missing", async () => {
    const stack = await startStack();
    stacks.push(stack);
    const portalId = await stack.install();
    const generic = await stack.connect(portalId, "generic");
    // A real PostgreSQL error, once, on the worker's first read of the row (the update that counts the attempt).
    await failOnce(stack.databaseUrl, { name: "fail_first_attempt_read", table: "Call", events: "UPDATE", condition: "NEW.attempts > OLD.attempts", message: "simulated: the database is unavailable" });
    const call = genericCall({ fromNumber: "+14155550325" });
    expect((await stack.deliver(generic, call)).status).toBe(202);
    const row = await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: call.vendorCallId as string } }), { what: "stored call" });
    // The job for this version finishes once; the outbox sweep (5 s later) would only hide a dropped job.
    // Read again once finished: a job read while it ran does not show what it returned.
    const queue = stack.app.runtime.queue;
    const job = await stack.waitFor(async () => {
      const found = await queue.getJob(syncJobId(row.id, row.version));
      return found && (await found.isCompleted()) ? queue.getJob(found.id!) : null;
    }, { what: "sync job finished" });
    expect(job.returnvalue).toBe("synced");
    await synced(stack, [call.vendorCallId as string]);
    expect(stack.sim.portal(portalId).calls()).toHaveLength(1);
  });

  it("a worker killed mid-job: another worker finishes the call, with one contact and one HubSpot call", async () => {
    const web = await startStack({ role: "web", env: { WORKER_LOCK_MS: "1000", CALLER_LOCK_MS: "5000" } });
    stacks.push(web);
    const portalId = await web.install();
    const generic = await web.connect(portalId, "generic");
    // HubSpot hangs on the Call creation: the first worker is inside the job when it dies.
    web.sim.failMatching((req) => req.method === "POST" && req.path === "/crm/v3/objects/calls/batch/create", { mode: "hang" });
    const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", "worker"], {
      env: { ...process.env, ...Object.fromEntries(Object.entries(web.env).map(([k, v]) => [k, String(v)])), REDIS_PREFIX: web.prefix, WORKER_LOCK_MS: "1000", CALLER_LOCK_MS: "5000", LOG_LEVEL: "silent" },
      stdio: "ignore",
    });
    const call = genericCall({ fromNumber: "+14155550330" });
    await web.deliver(generic, call);
    await web.waitFor(async () => web.sim.requests.some((r) => r.method === "POST" && r.path === "/crm/v3/objects/calls/batch/create"), { what: "first worker inside the job", timeoutMs: 90_000 }); // a fresh process: slow to start on a busy machine
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    web.sim.failMatching(null);

    // A second worker on the same queue notices the stalled job once the dead worker's job lock lapses,
    // and takes the caller's lock once that lapses too (CALLER_LOCK_MS, longer: on a busy machine a
    // 1 s caller lock would lapse under a live sync and let a second attempt create a second contact).
    const worker = await startStack({ role: "worker", databaseUrl: web.databaseUrl, sharedSim: web.sim, prefix: web.prefix, env: { WORKER_LOCK_MS: "1000", CALLER_LOCK_MS: "5000" } });
    stacks.push(worker);
    await synced(worker, [call.vendorCallId as string]);
    const contacts = web.sim.portal(portalId).contacts().filter((c) => c.properties.phone === "+14155550330");
    expect(contacts).toHaveLength(1);
    expect(web.sim.portal(portalId).calls().filter((c) => c.associations.includes(contacts[0]!.id))).toHaveLength(1);
  }, 180_000);
});
