import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { randomBytes, randomInt } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { startStack, type Stack } from "../support/harness.js";
import { genericCall } from "../support/payloads.js";
import { deleteMatching, globEscape } from "../../server/queue/redis.js";
import { forgetJobs, syncJobIdsOf } from "../../server/queue/queues.js";

// Redis Cluster refuses a command or script whose keys are in more than one hash slot (CROSSSLOT),
// even with one node. A one-node cluster that owns every slot takes a plain client's connection, so
// the whole app runs on it unchanged: with a hash-tag prefix ({...}) every key it builds must share
// the tag's slot, BullMQ's multi-key scripts and our multi-key deletes included (docs/scaling.md).

let node: ChildProcess;
let dir: string;
let redisUrl: string;
let admin: Redis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aira-cluster-"));
  const port = randomInt(30_000, 40_000);
  node = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", join(dir, "nodes.conf"), "--dir", dir, "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  redisUrl = `redis://127.0.0.1:${port}`;
  admin = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  admin.on("error", () => undefined);
  await waitFor(async () => (await admin.ping().catch(() => null)) === "PONG", "cluster node up");
  await admin.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
  await waitFor(async () => String(await admin.call("CLUSTER", "INFO")).includes("cluster_state:ok"), "cluster state ok");
});

afterAll(async () => {
  admin?.disconnect();
  node?.kill("SIGTERM");
  if (node && node.exitCode === null) await new Promise((resolve) => node.once("exit", resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const slotOf = async (key: string) => Number(await admin.call("CLUSTER", "KEYSLOT", key));

async function keysContaining(text: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await admin.scan(cursor, "MATCH", `*${globEscape(text)}*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

describe("Redis Cluster", () => {
  it("a plain prefix is refused there: BullMQ's scripts touch several keys, in several slots", async () => {
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const queue = new Queue("call-sync", { connection, prefix: `t-plain-${randomBytes(3).toString("hex")}` });
    try {
      await expect(queue.add("sync", { callId: "x", version: 1 }, { jobId: "x.v1" })).rejects.toThrow(/CROSSSLOT/);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it("with a hash-tag prefix the whole app runs: calls sync, every key it made is in the tag's slot, and its multi-key deletes work", async () => {
    const id = `t-${randomBytes(4).toString("hex")}`;
    const prefix = `{${id}}`;
    let stack: Stack | undefined;
    try {
      stack = await startStack({ prefix, env: { REDIS_URL: redisUrl, REDIS_PREFIX: prefix } });
      expect(stack.env.REDIS_PREFIX).toBe(prefix);
      const portalId = await stack.install();
      const generic = await stack.connect(portalId, "generic");
      // Three calls of one new caller at once (the caller lock), and two other callers.
      const calls = [...Array.from({ length: 3 }, () => genericCall({ fromNumber: "+14155550611" })), genericCall({ fromNumber: "+14155550612" }), genericCall({ fromNumber: "+14155550613" })];
      for (const status of await Promise.all(calls.map(async (call) => (await stack!.deliver(generic, call)).status))) expect(status).toBe(202);
      const db = stack.app.runtime.db;
      await stack.waitFor(async () => (await db.call.count({ where: { portalId, status: "synced" } })) === calls.length, { what: "every call synced", timeoutMs: 40_000 });
      expect(stack.sim.portal(portalId).contacts()).toHaveLength(3);
      expect(stack.sim.portal(portalId).calls()).toHaveLength(5);

      const keys = await keysContaining(id);
      expect(keys.some((key) => key.startsWith(`${prefix}:call-sync:`))).toBe(true);
      expect(keys.some((key) => key.startsWith(`${prefix}:rl:${portalId}`))).toBe(true);
      const tagSlot = await slotOf(prefix);
      const slots = new Set(await Promise.all(keys.map(slotOf)));
      expect([...slots]).toEqual([tagSlot]);

      // What an uninstall or a privacy deletion does in Redis: windows (SCAN + DEL), jobs and their event lines.
      const rows = await db.call.findMany({ where: { portalId } });
      await stack.app.runtime.limiter.forgetPortal(portalId);
      await forgetJobs(stack.app.runtime.queue, stack.app.runtime.redis, rows.flatMap((row) => syncJobIdsOf(row, 0)));
      expect(await keysContaining(`${id}}:rl:`)).toEqual([]);
      await stack.stop();
      stack = undefined;
      expect(await deleteMatching(admin, `${globEscape(prefix)}:*`)).toBeGreaterThan(1);
    } finally {
      await stack?.stop();
    }
  }, 90_000);
});
