import { afterAll, describe, expect, it } from "vitest";
import { createDb, sql, sqlTransaction } from "../../server/db/client.js";

// Plain SQL on Prisma's pool against the real PostgreSQL: sessions in UTC whatever the server's zone,
// and a transaction that may commit without waiting for the disk (hold placements) does so alone.

const db = createDb(process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/aira_test", 1);
afterAll(() => db.$disconnect());

describe("sqlTransaction", () => {
  it("waitForDisk: false turns synchronous_commit off for that transaction only, on the same pooled connection", async () => {
    const inside = await sqlTransaction(db, (query) => query<{ synchronous_commit: string }>("SHOW synchronous_commit"), { waitForDisk: false });
    expect(inside[0]!.synchronous_commit).toBe("off");
    // One connection in the pool: the next transaction and statement reuse it, and wait for the disk.
    const durable = await sqlTransaction(db, (query) => query<{ synchronous_commit: string }>("SHOW synchronous_commit"));
    expect(durable[0]!.synchronous_commit).toBe("on");
    expect((await sql<{ synchronous_commit: string }>(db, "SHOW synchronous_commit"))[0]!.synchronous_commit).toBe("on");
  });

  it("sessions run in UTC, so now() and casts to TIMESTAMP mean what Prisma's UTC columns hold", async () => {
    expect((await sql<{ TimeZone: string }>(db, "SHOW TimeZone"))[0]!.TimeZone).toBe("UTC");
  });
});
