import type { HubSpotClientFactory } from "../hubspot/client.js";
import { hubspotCall } from "../hubspot/call.js";

// HubSpot's default call outcomes. A portal can add or delete outcomes, so the GUIDs are read from
// the portal (once an hour per process) and these are only used when that read is not possible.
export const DEFAULT_OUTCOMES: Record<string, string> = {
  Connected: "f240bbac-87c9-4f6e-bf70-924b57d47db7",
  "No answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
  "Left voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
  "Left live message": "a4c4c377-d246-4b32-a13b-75a56a4cd0ff",
  Busy: "9d9162e7-6cf3-4944-bf63-4dff82258764",
  "Wrong number": "17b47fee-58de-441e-a44c-c6300d46f273",
};

const TTL_MS = 60 * 60_000;

export class DispositionCache {
  private readonly cache = new Map<string, { byLabel: Map<string, string>; at: number }>();

  constructor(private readonly clients: HubSpotClientFactory) {}

  async outcomeId(portalId: string, accessToken: string, label: string | null): Promise<string | null> {
    if (!label) return null;
    let entry = this.cache.get(portalId);
    if (!entry || Date.now() - entry.at > TTL_MS) {
      const list = (await hubspotCall(() => this.clients.getJson(portalId, accessToken, "/calling/v1/dispositions"))) as { id: string; label: string; deleted?: boolean }[];
      entry = { byLabel: new Map(list.filter((d) => !d.deleted).map((d) => [d.label.toLowerCase(), d.id])), at: Date.now() };
      this.cache.set(portalId, entry);
    }
    return entry.byLabel.get(label.toLowerCase()) ?? null;
  }
}
