import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import { OutboundError, type OutboundFetch } from "../net/outbound.js";
import { audioType } from "./media.js";
import type { RecordingCall, VendorRecordingSource } from "./vendor-source.js";

const log = logger("recordings");
const MAX_BYTES = 50 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 20_000;

export interface RecordingDeps {
  db: Db;
  /** The guarded fetch for outside URLs: a recording URL is whatever the vendor payload says. */
  outbound: OutboundFetch;
  /** A fresh link from the vendor's API when the payload's link fails (expired): Synthflow, with its key. */
  vendorRecordings?: VendorRecordingSource;
}

/**
 * Copy a call's recording from the vendor, once: from the payload's link, or, when that fails and the
 * vendor's API hands the recording out again (an expired link), through the API. Best effort: a
 * failure leaves the call without a copy and is tried again on the call's next sync or first playback.
 */
export async function archiveRecording(deps: RecordingDeps, call: RecordingCall, sourceUrl: string): Promise<boolean> {
  const { db } = deps;
  if (await db.recording.findUnique({ where: { callId: call.id }, select: { callId: true } })) return true;
  const copy = async (url: string, headers?: Record<string, string>) => {
    const { contentType, audio } = await fetchRecording(deps.outbound, url, headers);
    return storeRecording(db, call.id, contentType, audio);
  };
  try {
    return await copy(sourceUrl);
  } catch (error) {
    const fresh = await deps.vendorRecordings?.(call).catch((e: Error) => {
      log.warn({ portalId: call.portalId, callId: call.id, err: e.message }, "the vendor's API key could not be read");
      return null;
    });
    log[fresh ? "info" : "warn"]({ portalId: call.portalId, callId: call.id, code: codeOf(error), err: (error as Error).message }, fresh ? "the vendor's recording link failed: asking its API for a fresh one" : "recording not copied yet");
    if (!fresh) return false;
    try {
      return await copy(fresh.url, fresh.headers);
    } catch (second) {
      log.warn({ portalId: call.portalId, callId: call.id, code: codeOf(second), err: (second as Error).message }, "recording not copied yet (the vendor's API did not give it either)");
      return false;
    }
  }
}

const codeOf = (error: unknown) => (error instanceof OutboundError ? error.code : undefined);

/**
 * The recording's bytes and audio type. Anything but audio is refused before its body is read (an
 * error page, or a page planted to be served from our origin), so nothing else is ever stored.
 */
async function fetchRecording(outbound: OutboundFetch, sourceUrl: string, headers?: Record<string, string>): Promise<{ contentType: string; audio: Buffer<ArrayBuffer> }> {
  const response = await outbound(sourceUrl, { headers, maxBytes: MAX_BYTES, timeoutMs: FETCH_TIMEOUT_MS, acceptContentType: (type) => audioType(type) !== null });
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
