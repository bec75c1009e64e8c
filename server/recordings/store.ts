import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";

const log = logger("recordings");
const MAX_BYTES = 50 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 20_000;

/**
 * Copy a call's recording from the vendor, once. Best effort: a failure leaves the vendor link in use
 * and is tried again on the call's next sync or first playback.
 */
export async function archiveRecording(db: Db, call: { id: string; portalId: string }, sourceUrl: string): Promise<boolean> {
  if (await db.recording.findUnique({ where: { callId: call.id }, select: { callId: true } })) return true;
  try {
    const response = await fetch(sourceUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const length = Number(response.headers.get("content-length") ?? 0);
    if (length > MAX_BYTES) throw new Error(`recording larger than ${MAX_BYTES} bytes`);
    const audio = Buffer.from(await response.arrayBuffer());
    if (audio.length > MAX_BYTES) throw new Error(`recording larger than ${MAX_BYTES} bytes`);
    const contentType = response.headers.get("content-type")?.split(";")[0] ?? "audio/wav";
    return await storeRecording(db, call.id, contentType, audio);
  } catch (error) {
    log.warn({ portalId: call.portalId, callId: call.id, err: (error as Error).message }, "recording not copied yet");
    return false;
  }
}

/**
 * Store a downloaded copy, atomically against a privacy deletion: only while the call exists and
 * still has its recording. The statement takes the call row FOR SHARE; the deletion scrubs the call
 * and deletes its copies in one transaction holding the row FOR UPDATE, so a download that finishes
 * after the deletion re-reads the scrubbed row and stores nothing. True when the call has its copy.
 */
export async function storeRecording(db: Db, callId: string, contentType: string, audio: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const [result] = await db.$queryRaw<{ calls: number }[]>`
    WITH call AS (SELECT "id", "portalId" FROM "Call" WHERE "id" = ${callId} AND "record"->>'recordingUrl' IS NOT NULL FOR SHARE),
    stored AS (
      INSERT INTO "Recording" ("callId", "portalId", "contentType", "audio") SELECT "id", "portalId", ${contentType}, ${audio} FROM call
      ON CONFLICT ("callId") DO NOTHING)
    SELECT count(*)::int AS "calls" FROM call`;
  return result!.calls > 0;
}
