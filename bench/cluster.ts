import { randomInt } from "node:crypto";
import type { HubSpotSim } from "../simulators/hubspot/index.js";
import { freePort, startProcess } from "./support.js";

// Several web and worker processes of one deployment (one PostgreSQL, one Redis, one Redis prefix
// and encryption key), as a load balancer and a process manager would run them on several machines.

export type BenchProcess = Awaited<ReturnType<typeof startProcess>>;

export interface Cluster {
  webs: BenchProcess[];
  /** Each worker with the URL of its own /metrics (METRICS_PORT). */
  workers: (BenchProcess & { metricsUrl: string })[];
  /** The next web process, round-robin, as a load balancer picks one per request. */
  nextWeb(): string;
  stop(): void;
}

/** `env` is the deployment's (benchEnv); each web gets its own PORT, each worker its own METRICS_PORT. */
export async function startCluster(sim: HubSpotSim, env: Record<string, string>, counts: { webs: number; workers: number }): Promise<Cluster> {
  sim.registerApp({ clientId: env.HUBSPOT_CLIENT_ID!, clientSecret: env.HUBSPOT_CLIENT_SECRET!, redirectUri: `${env.PUBLIC_BASE_URL}/oauth/callback`, appId: Number(env.HUBSPOT_APP_ID) });
  const ports: number[] = [];
  for (let i = 0; i < counts.webs + counts.workers; i++) ports.push(await freePort());
  // One at a time: several tsx processes compiling at once on a shared 2-core machine start slower than in turn.
  const webs: BenchProcess[] = [];
  for (let i = 0; i < counts.webs; i++) webs.push(await startProcess("web", { ...env, PORT: String(ports[i]) }));
  const workers: Cluster["workers"] = [];
  for (let i = 0; i < counts.workers; i++) {
    const port = ports[counts.webs + i]!;
    const worker = await startProcess("worker", { ...env, PORT: "0", METRICS_PORT: String(port) });
    await waitUntilUp(`http://127.0.0.1:${port}/healthz`);
    workers.push({ ...worker, metricsUrl: `http://127.0.0.1:${port}/metrics` });
  }
  let turn = 0;
  return {
    webs,
    workers,
    nextWeb: () => webs[turn++ % webs.length]!.url!,
    stop() {
      for (const p of [...webs, ...workers]) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
    },
  };
}

async function waitUntilUp(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await fetch(url).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Installs the app in a new portal through HubSpot's OAuth flow, on one web process (the state is signed, any web could take the callback). */
export async function installPortal(sim: HubSpotSim, webUrl: string): Promise<string> {
  const portalId = String(randomInt(10_000_000, 99_999_999));
  const install = await fetch(`${webUrl}/oauth/install`, { redirect: "manual" });
  const state = new URL(install.headers.get("location")!).searchParams.get("state")!;
  const callback = await fetch(`${webUrl}/oauth/callback?code=${sim.issueAuthCode(portalId)}&state=${state}`);
  if (callback.status !== 200) throw new Error(`install failed: ${callback.status}`);
  return portalId;
}

/** A Prometheus text exposition read into `name{labels}` -> value (no HELP/TYPE lines). */
export async function scrape(metricsUrl: string, token: string): Promise<Map<string, number>> {
  const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`${metricsUrl}: ${response.status}`);
  const values = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

/** The sum of a counter over every label set matching `labels` (e.g. `outcome="synced"`). */
export function counter(values: Map<string, number> | undefined, name: string, labels = ""): number {
  let sum = 0;
  for (const [key, value] of values ?? []) if ((key === name || key.startsWith(`${name}{`)) && key.includes(labels)) sum += value;
  return sum;
}
