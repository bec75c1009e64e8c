import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import { OutboundError, type OutboundFetch } from "../net/outbound.js";
import { audioType } from "./media.js";

const log = logger("recordings");
const MAX_BYTES = 50 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 20_000;

export interface RecordingDeps {
  db: Db;
  /** The guarded fetch for outside URLs: a recording URL is whatever the vendor payload says. */
  outbound: OutboundFetch;
}

/**
 * Copy a call's recording from the vendor, once. Best effort: a failure leaves the call without a copy
 * and is tried again on the call's next sync or first playback.
 */
export async function archiveRecording(deps: RecordingDeps, call: { id: string; portalId: string }, sourceUrl: string): Promise<boolean> {
  const { db } = deps;
  if (await db.recording.findUnique({ where: { callId: call.id }, select: { callId: true } })) return true;
  try {
    const { contentType, audio } = await fetchRecording(deps.outbound, sourceUrl);
    return await storeRecording(db, call.id, contentType, audio);
  } catch (error) {
    const code = error instanceof OutboundError ? error.code : undefined;
    log.warn({ portalId: call.portalId, callId: call.id, code, err: (error as Error).message }, "recording not copied yet");
    return false;
  }
}

/**
 * The recording's bytes and audio type. Anything but audio is refused before its body is read (an
 * error page, or a page planted to be served from our origin), so nothing else is ever stored.
 */
async function fetchRecording(outbound: OutboundFetch, sourceUrl: string): Promise<{ contentType: string; audio: Buffer<ArrayBuffer> }> {
  const response = await outbound(sourceUrl, { maxBytes: MAX_BYTES, timeoutMs: FETCH_TIMEOUT_MS, acceptContentType: (type) => audioType(type) !== null });
  return { contentType: audioType(response.headers["content-type"])!, audio: response.body }; // accepted as audio above
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
