import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { startStack, newPortalId, type Stack } from "../support/harness.js";
import { runCli } from "../../server/cli/main.js";
import { secretFrom } from "../../server/cli/secrets.js";
import { connectionSecret } from "../../server/connections/connections.js";
import { decrypt, sealedFor } from "../../server/config/crypto.js";

function legacyV1(plain: string, keyBase64: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(keyBase64, "base64"), iv);
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
}

describe("operator CLI and secrets", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ role: "web" });
  });
  afterAll(async () => stack?.stop());

  it("takes a vendor secret from a file or stdin, never needing argv", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aira-secret-"));
    writeFileSync(join(dir, "secret"), "file-secret-0123456789\n");
    expect(await secretFrom({ "secret-file": join(dir, "secret") })).toBe("file-secret-0123456789");
    expect(await secretFrom({ "secret-stdin": true }, Readable.from(["stdin-secret-", "0123456789\n"]))).toBe("stdin-secret-0123456789");
    await expect(secretFrom({ secret: "a", "secret-file": join(dir, "secret") })).rejects.toThrow(/one way only/);

    const portalId = await stack.install();
    const created = (await runCli(["connections", "add", "--portal", portalId, "--vendor", "retell", "--secret-file", join(dir, "secret")], stack.app.runtime)) as { id: string };
    const row = await stack.app.runtime.db.connection.findUniqueOrThrow({ where: { id: created.id } });
    expect(connectionSecret(row, stack.env.ENCRYPTION_KEY)).toBe("file-secret-0123456789");
    await expect(runCli(["connections", "add", "--portal", portalId, "--vendor", "retell"], stack.app.runtime)).rejects.toThrow(/--secret-file/);
  });

  it("secrets reseal rewrites unbound v1 ciphertexts as v2 bound to their row, once", async () => {
    const db = stack.app.runtime.db;
    const key = stack.env.ENCRYPTION_KEY;
    const portalId = newPortalId();
    await db.portal.create({ data: { id: portalId, accessTokenEnc: legacyV1("old-access", key), refreshTokenEnc: legacyV1("old-refresh", key), accessExpiresAt: new Date(Date.now() + 60_000) } });
    const connection = await db.connection.create({ data: { portalId, vendor: "vapi", secretEnc: legacyV1("old-vendor-secret", key), webhookToken: randomBytes(12).toString("hex") } });
    // A webhook URL the notification migration copied from the old plain Portal column.
    await db.notificationSettings.create({ data: { portalId, slackUrlEnc: "https://hooks.slack.example/services/T9/B9/plain" } });

    const first = (await runCli(["secrets", "reseal"], stack.app.runtime)) as { resealed: Record<string, number> };
    expect(first.resealed.Portal).toBeGreaterThanOrEqual(2);
    expect(first.resealed.Connection).toBeGreaterThanOrEqual(1);
    const portal = await db.portal.findUniqueOrThrow({ where: { id: portalId } });
    expect(portal.accessTokenEnc).toMatch(/^v2\./);
    expect(decrypt(portal.accessTokenEnc!, key, sealedFor("Portal", "accessTokenEnc", portalId))).toBe("old-access");
    expect(decrypt(portal.refreshTokenEnc!, key, sealedFor("Portal", "refreshTokenEnc", portalId))).toBe("old-refresh");
    expect(connectionSecret(await db.connection.findUniqueOrThrow({ where: { id: connection.id } }), key)).toBe("old-vendor-secret");
    expect(first.resealed.NotificationSettings).toBeGreaterThanOrEqual(1);
    const sealedUrl = (await db.notificationSettings.findUniqueOrThrow({ where: { portalId } })).slackUrlEnc!;
    expect(decrypt(sealedUrl, key, sealedFor("NotificationSettings", "slackUrlEnc", portalId))).toBe("https://hooks.slack.example/services/T9/B9/plain");

    const again = (await runCli(["secrets", "reseal"], stack.app.runtime)) as { resealed: Record<string, number> };
    expect(again.resealed).toEqual({ Portal: 0, Connection: 0, CalendarConnection: 0, NotificationSettings: 0 });
  });
});
