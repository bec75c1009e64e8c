import { sql, type Db } from "../db/client.js";

export type IndexKey = { type: "phone" | "email"; value: string };

/**
 * The app-side index of phone / email -> contact id. Written in the same breath as a contact is found
 * or created, read before HubSpot's search (which lags writes by seconds). Merges and deletions in
 * HubSpot are applied here too.
 */
export class ContactIndexStore {
  constructor(private readonly db: Db) {}

  /** The contact of the first key (in the order given: phone before email) that is bound; one query. */
  async lookup(portalId: string, keys: IndexKey[]): Promise<string | null> {
    if (keys.length === 0) return null;
    const rows = await sql<{ keyType: string; keyValue: string; contactId: string }>(
      this.db,
      `SELECT i."keyType", i."keyValue", i."contactId" FROM unnest($2::text[], $3::text[]) AS k("keyType", "keyValue")
       JOIN "ContactIndex" i ON i."portalId" = $1 AND i."keyType" = k."keyType" AND i."keyValue" = k."keyValue"`,
      [portalId, keys.map((k) => k.type), keys.map((k) => k.value)],
      { name: "contact-index-lookup" },
    );
    for (const key of keys) {
      const row = rows.find((r) => r.keyType === key.type && r.keyValue === key.value);
      if (row) return row.contactId;
    }
    return null;
  }

  /** Binds keys not yet bound; a key already bound to another contact keeps its first binding. */
  async remember(portalId: string, contactId: string, keys: IndexKey[]): Promise<void> {
    if (keys.length === 0) return;
    // Plain SQL: Prisma wraps createMany in a transaction (three round trips for one statement).
    await sql(
      this.db,
      `INSERT INTO "ContactIndex" ("portalId", "keyType", "keyValue", "contactId", "updatedAt")
       SELECT $1, k."keyType", k."keyValue", $4, $5::timestamp FROM unnest($2::text[], $3::text[]) AS k("keyType", "keyValue")
       ON CONFLICT DO NOTHING`,
      [portalId, keys.map((k) => k.type), keys.map((k) => k.value), contactId, new Date().toISOString()],
      { name: "contact-index-remember" },
    );
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
