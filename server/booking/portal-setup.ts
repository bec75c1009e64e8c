import type { Db } from "../db/client.js";
import type { Service, Settings, Staff } from "./types.js";

// A portal's set-up (settings, services, staff), read once per couple of seconds and process: a
// caller's tool calls come seconds apart, and the set-up changes rarely (an edit applies within
// `ttlMs`). Concurrent readers share one load.

export interface PortalSetup {
  settings: Settings | null;
  services: Service[];
  staff: Staff[];
}

export class SetupCache {
  private readonly setups = new Map<string, Promise<PortalSetup>>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
  ) {}

  get(portalId: string): Promise<PortalSetup> {
    const cached = this.setups.get(portalId);
    if (cached) return cached;
    const loading = (async () => {
      const [settings, services, staff] = await Promise.all([
        this.db.bookingSettings.findUnique({ where: { portalId } }),
        this.db.serviceType.findMany({ where: { portalId }, orderBy: { name: "asc" } }),
        this.db.staffMember.findMany({ where: { portalId }, orderBy: { name: "asc" } }),
      ]);
      return { settings, services, staff };
    })();
    this.setups.set(portalId, loading);
    const expire = () => setTimeout(() => this.setups.get(portalId) === loading && this.setups.delete(portalId), this.ttlMs).unref();
    loading.then(expire, () => this.setups.delete(portalId));
    return loading;
  }
}
