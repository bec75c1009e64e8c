import type { Db } from "../db/client.js";
import type { Env } from "../config/env.js";
import { logger } from "../config/logger.js";
import { STATE_TTL_MS } from "../hubspot/oauth.js";
import { OAUTH_STATE_TTL_MS } from "../booking/calendars.js";

const log = logger("retention");
const DAY_MS = 24 * 3600_000;

export type RetentionSettings = Pick<Env, "TOOL_INVOCATION_RETENTION_DAYS" | "QUARANTINE_RETENTION_DAYS">;

/**
 * Deletes what is only kept for a while (docs/security.md, "Personal data and how long it is kept"):
 * live tools' remembered answers (they hold what the caller was told), quarantined payloads (whole
 * vendor bodies, with transcripts and numbers), used OAuth state nonces and calendar connect links
 * past their lifetime. Returns how many rows went, per table.
 */
export async function purgeExpired(db: Db, settings: RetentionSettings, now = Date.now()): Promise<Record<string, number>> {
  const before = (ms: number) => new Date(now - ms);
  const [toolInvocations, quarantined, oauthStates, calendarLinks] = await Promise.all([
    db.toolInvocation.deleteMany({ where: { createdAt: { lt: before(settings.TOOL_INVOCATION_RETENTION_DAYS * DAY_MS) } } }),
    db.quarantinedPayload.deleteMany({ where: { receivedAt: { lt: before(settings.QUARANTINE_RETENTION_DAYS * DAY_MS) } } }),
    db.oAuthState.deleteMany({ where: { createdAt: { lt: before(STATE_TTL_MS) } } }),
    db.calendarOAuthState.deleteMany({ where: { createdAt: { lt: before(OAUTH_STATE_TTL_MS) } } }),
  ]);
  const purged = { toolInvocations: toolInvocations.count, quarantined: quarantined.count, oauthStates: oauthStates.count, calendarLinks: calendarLinks.count };
  if (Object.values(purged).some((n) => n > 0)) log.info(purged, "expired rows purged");
  return purged;
}

/** Runs purgeExpired at most once per interval from the worker's upkeep loop. */
export function retentionSweeper(db: Db, settings: RetentionSettings, intervalMs = 3600_000): () => Promise<void> {
  let last = 0;
  return async () => {
    if (Date.now() - last < intervalMs) return;
    last = Date.now();
    await purgeExpired(db, settings);
  };
}
