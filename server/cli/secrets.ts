import { readFileSync } from "node:fs";
import type { Db } from "../db/client.js";
import { decryptLegacyV1, encrypt, isLegacyCiphertext, sealedFor } from "../config/crypto.js";

/**
 * A secret given to the CLI without putting it on the command line (where `ps`, shell history and CI
 * logs see it): `--secret-file <path>` or `--secret-stdin`. `--secret <value>` still works for
 * throwaway set-ups and says on stderr why it should not be used.
 */
export async function secretFrom(o: { secret?: unknown; "secret-file"?: unknown; "secret-stdin"?: unknown }, stdin: NodeJS.ReadableStream = process.stdin): Promise<string | undefined> {
  const given = [o.secret !== undefined, o["secret-file"] !== undefined, o["secret-stdin"] === true].filter(Boolean).length;
  if (given > 1) throw new Error("give the secret one way only: --secret-file <path>, --secret-stdin or --secret <value>");
  if (typeof o["secret-file"] === "string") return readFileSync(o["secret-file"], "utf8").trim();
  if (o["secret-stdin"] === true) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString("utf8").trim();
  }
  if (typeof o.secret === "string") {
    process.stderr.write("warning: --secret puts the secret in the process list and shell history; prefer --secret-file or --secret-stdin\n");
    return o.secret;
  }
  return undefined;
}

/**
 * Every sealed column, with the row id it is bound to. `plain`: the column may also hold a value
 * from before it was sealed (a notification webhook URL copied from the old Portal column).
 */
const SEALED: readonly { table: string; id: string; columns: readonly string[]; plain?: true }[] = [
  { table: "Portal", id: "id", columns: ["accessTokenEnc", "refreshTokenEnc"] },
  { table: "Connection", id: "id", columns: ["secretEnc"] },
  { table: "CalendarConnection", id: "staffId", columns: ["accessTokenEnc", "refreshTokenEnc", "channelSecretEnc"] },
  { table: "NotificationSettings", id: "portalId", columns: ["slackUrlEnc", "teamsUrlEnc"], plain: true },
];

/**
 * `secrets reseal`: rewrites ciphertexts of the first, unbound format (v1), and values never sealed,
 * as v2, bound to their row and column. Idempotent; run once after upgrading. Returns how many values
 * were rewritten per table.
 */
export async function resealLegacySecrets(db: Db, encryptionKey: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, id, columns, plain } of SEALED) {
    counts[table] = 0;
    for (const column of columns) {
      const rows = await db.$queryRawUnsafe<{ rowId: string; sealed: string }[]>(`SELECT "${id}" AS "rowId", "${column}" AS "sealed" FROM "${table}" WHERE "${column}" LIKE 'v1.%'${plain ? ` OR "${column}" LIKE 'http%'` : ""}`);
      for (const row of rows) {
        const value = isLegacyCiphertext(row.sealed) ? decryptLegacyV1(row.sealed, encryptionKey) : plain && /^https?:\/\//.test(row.sealed) ? row.sealed : null;
        if (value === null) continue;
        const resealed = encrypt(value, encryptionKey, sealedFor(table, column, row.rowId));
        // Only if nobody rewrote it meanwhile.
        counts[table] += await db.$executeRawUnsafe(`UPDATE "${table}" SET "${column}" = $1 WHERE "${id}" = $2 AND "${column}" = $3`, resealed, row.rowId, row.sealed);
      }
    }
  }
  return counts;
}
