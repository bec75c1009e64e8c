// Contact owners' first names as HubSpot's owners API gave them, kept in this process for an hour: the
// owner of a caller we know is usually a staff member (read from our own table); for one who is not,
// the first call pays one HubSpot read and the calls after it none. In memory only: an owner's name is
// a portal user's personal data, and nothing needs it to outlive the process.

const TTL_MS = 60 * 60_000;
const MAX_ENTRIES = 10_000;

export class OwnerNames {
  private readonly names = new Map<string, { name: string; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(portalId: string, ownerId: string): string | null {
    const entry = this.names.get(`${portalId}:${ownerId}`);
    if (!entry || this.now() - entry.at > TTL_MS) return null;
    return entry.name.trim().split(/\s+/)[0] || null;
  }

  set(portalId: string, ownerId: string, name: string): void {
    // Oldest first out: a Map iterates in insertion order.
    if (this.names.size >= MAX_ENTRIES) this.names.delete(this.names.keys().next().value!);
    this.names.set(`${portalId}:${ownerId}`, { name, at: this.now() });
  }
}
