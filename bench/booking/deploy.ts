import { randomBytes } from "node:crypto";
import { createDb, type Db } from "../../server/db/client.js";
import { parseEnv } from "../../server/config/env.js";
import { createConnection } from "../../server/connections/connections.js";
import { applyBookingSetup } from "../../server/booking/setup.js";
import { Calendars } from "../../server/booking/calendars.js";
import { createRuntime } from "../../server/runtime.js";
import { isExternalProvider } from "../../server/booking/providers/registry.js";
import { getVendor } from "../../server/vendors/registry.js";
import type { HubSpotSim } from "../../simulators/hubspot/index.js";
import { benchDatabase, benchEnv, freePort, startDeployment, startProcess } from "../support.js";
import { readProviderWait, type ProviderWait } from "./provider-wait.js";
import { TZ, type ProviderRig } from "./providers.js";

// One deployment for a booking run: web and worker in their own processes on a fresh database, a
// portal installed through OAuth, a Retell connection whose tool calls the benchmark signs, and the
// staff on one provider's calendars, connected through the same OAuth link staff follow. The web
// process carries the provider-wait probe (preload.ts) for the rig's URLs.

const PRELOAD = new URL("./preload.ts", import.meta.url).href;

/** Web processes behind the benchmark's round-robin (BENCH_WEBS, default 1), as a load balancer spreads tool calls. */
export const WEB_PROCESSES = Math.max(1, Number(process.env.BENCH_WEBS ?? 1) || 1);

export interface ToolResult {
  /** Send to answer, as the vendor waits. */
  ms: number;
  /** Our route's own time (Server-Timing), provider wait included. */
  serverMs: number;
  /** Time the call spent waiting on the provider, and its requests there (null: not measured). */
  providerWait: ProviderWait | null;
  status: number;
  json: Record<string, any>;
}

export interface Deployment {
  db: Db;
  portalId: string;
  tool(name: string, args: Record<string, unknown>, callId: string, from: string): Promise<ToolResult>;
  stop(): Promise<void>;
}

/** A deployment whose `staff` staff members are on the rig's calendars, each connected, for the one service "Consultation". */
export async function deploy(hubspot: HubSpotSim, rig: ProviderRig, staff: number): Promise<Deployment> {
  const database = await benchDatabase();
  const port = String(await freePort());
  const env = benchEnv(database.url, { PORT: port, HUBSPOT_API_BASE_URL: hubspot.url, CALENDAR_PUSH_BASE_URL: `http://127.0.0.1:${port}`, BENCH_PROVIDER_URLS: rig.urls.join(" "), ...rig.env });
  const { web, worker, portalId } = await startDeployment(hubspot, env, [PRELOAD]);
  const webs = [web];
  while (webs.length < WEB_PROCESSES) webs.push(await startProcess("web", { ...env, PORT: String(await freePort()) }, [PRELOAD]));
  let next = 0;
  const db = createDb(database.url, 4);
  const secret = `retell-${randomBytes(12).toString("hex")}`;
  const connection = await createConnection(db, { portalId, vendor: "retell", secret, encryptionKey: env.ENCRYPTION_KEY!, publicBaseUrl: env.PUBLIC_BASE_URL! });
  const token = new URL(connection.toolsUrl).pathname.split("/").pop();

  rig.prepare?.(portalId);
  await applyBookingSetup(db, portalId, { timezone: TZ, services: [{ name: "Consultation", durationMinutes: 30 }], staff: Array.from({ length: staff }, (_, i) => rig.staff(i)) });
  // Each staff member on an external calendar connects it through the OAuth link.
  const calendars = new Calendars(db, parseEnv(env));
  const onInstall = (await db.staffMember.findMany({ where: { portalId } })).filter((m) => calendars.onInstall(m));
  if (onInstall.length) {
    // A meeting link rides on the portal's own install: connected through a runtime that has it.
    const rt = createRuntime(parseEnv(env), { dbPoolSize: 2 });
    try {
      for (const member of onInstall) await rt.calendars.connectPortal(member);
    } finally {
      await rt.close();
    }
  }
  for (const member of await db.staffMember.findMany({ where: { portalId } })) {
    if (!isExternalProvider(member.calendar)) continue;
    const consent = await fetch(await calendars.connectUrl(member), { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    const done = await fetch(`${web.url}${back.pathname}${back.search}`);
    if (done.status !== 200) throw new Error(`calendar connection failed: ${await done.text()}`);
    await rig.connected?.(calendars, member.id);
  }

  return {
    db,
    portalId,
    async tool(name, args, callId, from) {
      // Signing is the vendor's work: done before the clock starts.
      const body = Buffer.from(JSON.stringify({ name, call: { call_id: callId, from_number: from }, args }));
      const headers = await getVendor("retell").sign(body, secret, Date.now());
      const started = performance.now();
      const url = webs[next++ % webs.length]!.url;
      const response = await fetch(`${url}/tools/${token}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(body) });
      const json = (await response.json()) as Record<string, any>;
      const serverMs = Number(/dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1] ?? NaN);
      return { ms: performance.now() - started, serverMs, providerWait: readProviderWait(response.headers), status: response.status, json };
    },
    async stop() {
      for (const w of webs) w.child.kill();
      worker.child.kill();
      await db.$disconnect();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await database.drop();
    },
  };
}
