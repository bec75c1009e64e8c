import type { Db } from "../db/client.js";

export type IndexKey = { type: "phone" | "email"; value: string };

/**
 * The app-side index of phone / email -> contact id. Written in the same breath as a contact is found
 * or created, read before HubSpot's search (which lags writes by seconds). Merges and deletions in
 * HubSpot are applied here too.
 */
export class ContactIndexStore {
  constructor(private readonly db: Db) {}

  async lookup(portalId: string, keys: IndexKey[]): Promise<string | null> {
    for (const key of keys) {
      const row = await this.db.contactIndex.findUnique({ where: { portalId_keyType_keyValue: { portalId, keyType: key.type, keyValue: key.value } } });
      if (row) return row.contactId;
    }
    return null;
  }

  /** Binds keys not yet bound; a key already bound to another contact keeps its first binding. */
  async remember(portalId: string, contactId: string, keys: IndexKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.contactIndex.createMany({
      data: keys.map((key) => ({ portalId, keyType: key.type, keyValue: key.value, contactId })),
      skipDuplicates: true,
    });
  }

  /**
   * A rep said these keys are another contact's (a call moved from the card): they are bound to it
   * now, whatever they were bound to before, so the caller's next call lands there.
   */
  async rebind(portalId: string, contactId: string, keys: IndexKey[]): Promise<void> {
    await this.db.$transaction(
      keys.map((key) =>
        this.db.contactIndex.upsert({
          where: { portalId_keyType_keyValue: { portalId, keyType: key.type, keyValue: key.value } },
          create: { portalId, keyType: key.type, keyValue: key.value, contactId },
          update: { contactId },
        }),
      ),
    );
  }

  /** A contact deleted or merged away in HubSpot: forget it, so the next lookup searches again. */
  async forgetContact(portalId: string, contactId: string): Promise<void> {
    await this.db.contactIndex.deleteMany({ where: { portalId, contactId } });
    await this.db.contactSnapshot.deleteMany({ where: { portalId, contactId } });
  }

  /**
   * Merged in HubSpot: what the app holds under the merged-away contact (index keys, calls, bookings)
   * now belongs to the primary one, so the primary's card shows them and a privacy deletion of the
   * primary finds them. Both snapshots go: the merge changed which properties the primary has filled.
   */
  async repoint(portalId: string, fromContactId: string, toContactId: string): Promise<void> {
    await this.db.$transaction([
      this.db.contactIndex.updateMany({ where: { portalId, contactId: fromContactId }, data: { contactId: toContactId } }),
      this.db.call.updateMany({ where: { portalId, hubspotContactId: fromContactId }, data: { hubspotContactId: toContactId } }),
      this.db.booking.updateMany({ where: { portalId, contactId: fromContactId }, data: { contactId: toContactId } }),
      this.db.contactSnapshot.deleteMany({ where: { portalId, contactId: { in: [fromContactId, toContactId] } } }),
    ]);
  }

  async snapshot(portalId: string, contactId: string): Promise<{ filled: Set<string>; ownerId: string | null } | null> {
    const row = await this.db.contactSnapshot.findUnique({ where: { portalId_contactId: { portalId, contactId } } });
    return row ? { filled: new Set(row.filled), ownerId: row.ownerId } : null;
  }

  async saveSnapshot(portalId: string, contactId: string, filled: Iterable<string>, ownerId: string | null): Promise<void> {
    const data = { filled: [...new Set(filled)].sort(), ownerId };
    await this.db.contactSnapshot.upsert({ where: { portalId_contactId: { portalId, contactId } }, create: { portalId, contactId, ...data }, update: data });
  }
}
