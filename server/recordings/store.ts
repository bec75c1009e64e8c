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
    await db.recording.upsert({ where: { callId: call.id }, create: { callId: call.id, portalId: call.portalId, contentType, audio }, update: {} });
    return true;
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
