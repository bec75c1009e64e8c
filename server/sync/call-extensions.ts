import { createHash } from "node:crypto";
import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import type { CallRecord } from "../calls/record.js";
import { languageTag, timedTurns, transcriptTurns } from "../calls/transcript.js";
import { hubspotCall, HubSpotRequestError } from "../hubspot/call.js";
import { PermanentSyncError } from "../hubspot/errors.js";
import { callTranscriptId, createTranscript, deleteTranscript, getTranscript, markRecordingReady, type HubSpotUtterance, type PortalRequest } from "../hubspot/calling.js";
import { TRANSCRIPTS_WRITE_SCOPE } from "../hubspot/scopes.js";

// What HubSpot's calling extensions show on a logged Call besides its properties: the transcript in
// HubSpot's own viewer (third-party transcripts API) and the recording in HubSpot's own player (the
// ready notice; HubSpot then fetches it through server/http/routes/recordings.ts). Neither may cost the
// call its place in HubSpot: a refusal (missing optional scope, HubSpot rejecting the transcript) is
// recorded on the call's CallExtension row with its reason; only transient failures are thrown, so
// the sync is retried with backoff like any other HubSpot request.

const log = logger("sync.call-extensions");

export interface CallExtensionDeps {
  db: Db;
  /** A portal-token JSON request through the shared rate limiter. */
  request: PortalRequest;
}

export interface CallExtensionTarget {
  callId: string;
  portalId: string;
  hubspotCallId: string;
  accessToken: string;
  /** What the portal's install granted. */
  scopes: string[];
  record: CallRecord;
  callerName: string | null;
}

const AGENT = { id: "ai-receptionist", name: "AI receptionist" };

/** The call's turns as HubSpot's transcript utterances, each tagged with the call's language. */
export function hubspotUtterances(record: CallRecord, callerName: string | null): HubSpotUtterance[] {
  const languageCode = languageTag(record);
  return timedTurns(transcriptTurns(record), record.durationMs).map((turn) => ({
    speaker: turn.speaker === "agent" ? AGENT : { id: "caller", name: callerName ?? "Caller" },
    text: turn.text,
    ...(languageCode ? { languageCode } : {}),
    startTimeMillis: turn.startMs,
    endTimeMillis: turn.endMs,
  }));
}

async function note(db: Db, target: CallExtensionTarget, data: { transcriptId?: string | null; transcriptHash?: string | null; transcriptSkipped?: string | null; transcriptAt?: Date; transcriptPendingAt?: Date | null; recordingReadyFor?: string; recordingReadyAt?: Date }) {
  await db.callExtension.upsert({ where: { callId: target.callId }, create: { callId: target.callId, portalId: target.portalId, ...data }, update: data });
}

/** A refusal HubSpot will repeat on every retry becomes the reason on the row; the rest is thrown. */
async function unlessRefused(work: () => Promise<void>, refused: (reason: string) => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof PermanentSyncError) return refused(error.message);
    if (error instanceof HubSpotRequestError && error.failure.kind !== "unauthorized") return refused(error.message);
    throw error;
  }
}

/**
 * Post the call's transcript, replacing the one posted for an earlier event. HubSpot's transcripts
 * API has create, read and delete but no update, so a changed transcript is deleted, then created;
 * an unchanged one (a redelivered event) is left alone. Runs under the caller lock, so two events of
 * one call never race here.
 *
 * HubSpot's create takes no idempotency key and nothing lists an engagement's transcripts, so the
 * create is marked pending before it is sent: a run that finds the mark without an id (the worker
 * stopped between HubSpot's answer and our write) looks for the transcript through the Call's
 * `hs_call_transcription_id` and deletes it before creating the new one (deleteLostTranscript).
 */
export async function syncTranscript(deps: CallExtensionDeps, target: CallExtensionTarget): Promise<void> {
  const utterances = hubspotUtterances(target.record, target.callerName);
  if (utterances.length === 0) return note(deps.db, target, { transcriptSkipped: "the vendor sent no transcript turns" });
  if (!target.scopes.includes(TRANSCRIPTS_WRITE_SCOPE)) {
    return note(deps.db, target, { transcriptSkipped: `the install has not granted ${TRANSCRIPTS_WRITE_SCOPE}: re-authorise the app to show transcripts in HubSpot's viewer` });
  }
  const hash = createHash("sha256").update(JSON.stringify({ engagement: target.hubspotCallId, utterances })).digest("hex");
  const existing = await deps.db.callExtension.findUnique({ where: { callId: target.callId } });
  if (existing?.transcriptId && existing.transcriptHash === hash) return;
  await unlessRefused(
    async () => {
      if (existing?.transcriptId) {
        try {
          await hubspotCall(() => deleteTranscript(deps.request, target.portalId, target.accessToken, existing.transcriptId!));
        } catch (error) {
          // Gone already (deleted with its Call, or by an earlier attempt that stopped here).
          if (!(error instanceof HubSpotRequestError && error.failure.kind === "not_found")) throw error;
        }
        await note(deps.db, target, { transcriptId: null, transcriptHash: null });
      } else if (existing?.transcriptPendingAt) {
        await deleteLostTranscript(deps, target);
      }
      await note(deps.db, target, { transcriptPendingAt: new Date() });
      const transcriptId = await hubspotCall(() => createTranscript(deps.request, target.portalId, target.accessToken, target.hubspotCallId, utterances));
      await note(deps.db, target, { transcriptId, transcriptHash: hash, transcriptSkipped: null, transcriptAt: new Date(), transcriptPendingAt: null });
    },
    async (reason) => {
      log.warn({ portalId: target.portalId, callId: target.callId, err: reason }, "transcript not posted to HubSpot");
      await note(deps.db, target, { transcriptSkipped: `HubSpot refused the transcript: ${reason}`.slice(0, 500) });
    },
  );
}

/**
 * A create that may have landed without its id stored: the Call names its transcript in
 * `hs_call_transcription_id` (a filterable Call property; HubSpot's docs do not say it is set for a
 * third-party transcript, so when it is empty nothing can be found and a second transcript may stay).
 * Only a transcript of this very engagement, and one an integrator made, is deleted.
 */
async function deleteLostTranscript(deps: CallExtensionDeps, target: CallExtensionTarget): Promise<void> {
  const transcriptId = await hubspotCall(() => callTranscriptId(deps.request, target.portalId, target.accessToken, target.hubspotCallId));
  if (!transcriptId) {
    log.warn({ portalId: target.portalId, callId: target.callId }, "a transcript create may have landed unrecorded and its Call does not name it: HubSpot may show two");
    return;
  }
  try {
    const found = await hubspotCall(() => getTranscript(deps.request, target.portalId, target.accessToken, transcriptId));
    if (String(found.engagementId) !== target.hubspotCallId || (found.transcriptSource !== undefined && found.transcriptSource !== "INTEGRATOR_GENERATED")) return;
    await hubspotCall(() => deleteTranscript(deps.request, target.portalId, target.accessToken, transcriptId));
    log.info({ portalId: target.portalId, callId: target.callId }, "deleted a transcript whose id was never stored, before posting it again");
  } catch (error) {
    if (!(error instanceof HubSpotRequestError && error.failure.kind === "not_found")) throw error;
  }
}

/**
 * Tell HubSpot the Call's recording can be fetched, once per HubSpot Call, when our copy exists (the
 * worker copies it before the sync: server/sync/sync-call.ts). HubSpot then asks our retrieval URL.
 */
export async function announceRecording(deps: CallExtensionDeps, target: CallExtensionTarget): Promise<void> {
  if (!target.record.recordingUrl) return;
  if (!(await deps.db.recording.findUnique({ where: { callId: target.callId }, select: { callId: true } }))) return;
  const existing = await deps.db.callExtension.findUnique({ where: { callId: target.callId }, select: { recordingReadyFor: true } });
  if (existing?.recordingReadyFor === target.hubspotCallId) return;
  await unlessRefused(
    async () => {
      await hubspotCall(() => markRecordingReady(deps.request, target.portalId, target.accessToken, target.hubspotCallId));
      await note(deps.db, target, { recordingReadyFor: target.hubspotCallId, recordingReadyAt: new Date() });
    },
    async (reason) => log.warn({ portalId: target.portalId, callId: target.callId, err: reason }, "HubSpot refused the recording-ready notice"),
  );
}
