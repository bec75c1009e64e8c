import type { CallRecord } from "../calls/record.js";
import { archiveRecording, type RecordingDeps } from "./store.js";
import { SingleFlight } from "../concurrency/single-flight.js";

// A player seeking (HubSpot's, or a browser's audio element) asks for several ranges at once: the
// first use of a recording fetches it from the vendor once, not once per range.
const firstCopies = new SingleFlight<boolean>();

/** A call that has a recording to play, with what the player page shows of it; null when it has none. */
export async function playableCall(deps: Pick<RecordingDeps, "db">, callId: string): Promise<{ startedAt: string | null } | null> {
  const call = await deps.db.call.findUnique({ where: { id: callId } });
  const record = call?.record as unknown as CallRecord | undefined;
  if (!call || !record?.recordingUrl) return null;
  return { startedAt: record.startedAt ?? null };
}

/**
 * Our copy of a call's recording, fetched from the vendor on first use if the worker has not copied
 * it yet; null when there is none to serve. A call that is gone or scrubbed (privacy deletion) has no
 * recording, whatever copy may exist.
 */
export async function recordingCopy(deps: RecordingDeps, callId: string): Promise<{ callId: string; contentType: string; audio: Uint8Array } | null> {
  const call = await deps.db.call.findUnique({ where: { id: callId } });
  const record = call?.record as unknown as CallRecord | undefined;
  let copy = call && record?.recordingUrl ? await deps.db.recording.findUnique({ where: { callId } }) : null;
  if (!copy && call && record?.recordingUrl && (await firstCopies.run(callId, () => archiveRecording(deps, call, record.recordingUrl!)))) copy = await deps.db.recording.findUnique({ where: { callId } });
  return copy;
}

/**
 * The call HubSpot asks a recording of (its external id is our call id), when it belongs to the
 * portal HubSpot names and has a recording; null otherwise, a scrubbed call included.
 */
export async function retrievableRecording(deps: Pick<RecordingDeps, "db">, externalId: string, portalId: string): Promise<string | null> {
  if (!/^[0-9a-f-]{36}$/i.test(externalId)) return null;
  const call = await deps.db.call.findFirst({ where: { id: externalId, portalId }, select: { id: true, record: true } });
  return call && (call.record as unknown as CallRecord | null)?.recordingUrl ? call.id : null;
}
