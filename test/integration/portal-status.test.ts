import { afterAll, describe, expect, it } from "vitest";
import { randomInt } from "node:crypto";
import { createDb } from "../../server/db/client.js";
import { PortalTokens } from "../../server/hubspot/tokens.js";

// A sync reads the portal with its call and may wait for the caller's lock; if the app is uninstalled
// meanwhile, its refresh is refused and it marks the portal for re-authorisation. That must not bring
// an uninstalled portal back as one that "needs re-authorisation" on the settings page and in the runbook.

const db = createDb(process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/aira_test", 1);
afterAll(() => db.$disconnect());

describe("PortalTokens.markNeedsReauth", () => {
  it("marks an active portal, and leaves an uninstalled one uninstalled", async () => {
    const tokens = new PortalTokens(db, null as never, { clientId: "c", clientSecret: "s", encryptionKey: "k" });
    const active = String(randomInt(100_000_000, 999_999_999));
    const uninstalled = String(randomInt(100_000_000, 999_999_999));
    await db.portal.createMany({ data: [{ id: active }, { id: uninstalled, status: "uninstalled" }] });
    try {
      await tokens.markNeedsReauth(active, "token refresh refused");
      await tokens.markNeedsReauth(uninstalled, "token refresh refused");
      expect((await db.portal.findUniqueOrThrow({ where: { id: active } })).status).toBe("needs_reauth");
      expect((await db.portal.findUniqueOrThrow({ where: { id: uninstalled } })).status).toBe("uninstalled");
    } finally {
      await db.portal.deleteMany({ where: { id: { in: [active, uninstalled] } } });
    }
  });
});
