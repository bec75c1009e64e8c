import express, { type Request, type Response, type Router } from "express";
import { randomUUID } from "node:crypto";
import { HubSpotError, alreadyExists, notFound, objectNotFound, validationError } from "./errors.js";
import type { AccessTokenGrant, OAuthServer } from "./auth.js";
import type { PortalStore } from "./store.js";

// HubSpot's calling extensions, as far as this app uses them:
//   - the app's recording settings (urlToRetrieveAuthedRecording), app-level, authenticated with the
//     developer account's API key (`hapikey`), never a portal token;
//   - the "recording ready" notice on a Call, after which HubSpot does what it does for real: asks
//     the registered URL (the Call's hs_call_external_id in place of %s, externalAccountId and appId
//     in the query), follows the `authenticatedUrl` it gets and reads the audio with Range requests,
//     a first chunk and then a seek to the middle, all recorded in `recordingFetches`;
//   - third-party transcripts: create, read, delete (HubSpot has no update), utterances validated.
// Legacy v3 paths and the dated 2026-03 ones are both served.

export interface Utterance {
  id: string;
  speaker: { id: string; name: string; email?: string };
  text: string;
  languageCode: string;
  startTimeMillis: number;
  endTimeMillis: number;
}

export interface SimTranscript {
  id: string;
  portalId: string;
  engagementId: number;
  utterances: Utterance[];
  createdAt: string;
  updatedAt: string;
}

export interface RecordingRead {
  range: string;
  status: number;
  contentRange: string | null;
  contentType: string | null;
  bytes: number;
}

export interface RecordingFetch {
  portalId: string;
  engagementId: number;
  externalId: string;
  retrievalUrl: string;
  retrievalStatus: number;
  authenticatedUrl: string | null;
  reads: RecordingRead[];
  error: string | null;
  at: number;
}

export interface ReadyNotice {
  portalId: string;
  engagementId: number;
  at: number;
}

const BCP47 = /^[a-z]{2,3}(-[A-Z]{2}|-[0-9]{3})?$/;
const MAX_UTTERANCES = 10_000;

export class CallingExtensions {
  /** Every ready notice HubSpot accepted, oldest first. */
  readonly readyNotices: ReadyNotice[] = [];
  /** What HubSpot got each time it fetched a recording after a ready notice. */
  readonly recordingFetches: RecordingFetch[] = [];
  private readonly developerKeys = new Map<number, string>();
  private readonly recordingSettings = new Map<number, string>();
  private readonly transcriptsById = new Map<string, SimTranscript>();
  private readonly routes = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();
  private nextTranscriptId = 5_000_001;

  /** The developer account's API key for an app (what `hapikey` must be on its settings). */
  setDeveloperApiKey(appId: number, key: string): void {
    this.developerKeys.set(appId, key);
  }

  /** The app's registered urlToRetrieveAuthedRecording, or undefined. */
  recordingUrl(appId: number): string | undefined {
    return this.recordingSettings.get(appId);
  }

  /**
   * Where HubSpot's requests to a public origin really go (the app listens on a local port while its
   * URLs name PUBLIC_BASE_URL): requests to `publicOrigin` are sent to `localOrigin` instead.
   */
  routeOutbound(publicOrigin: string, localOrigin: string): void {
    this.routes.set(new URL(publicOrigin).origin, new URL(localOrigin).origin);
  }

  /** The portal's live transcripts, oldest first (deleted ones are gone). */
  transcripts(portalId: string): SimTranscript[] {
    return [...this.transcriptsById.values()].filter((t) => t.portalId === portalId).map((t) => structuredClone(t));
  }

  /** Resolves once every recording fetch started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  // ---- the developer-key endpoints (before the OAuth check) -------------------------------------

  settingsRouter(oauth: OAuthServer): Router {
    const router = express.Router();
    const paths = ["/crm/v3/extensions/calling/:appId/settings/recording", "/crm/extensions/calling/2026-03/:appId/settings/recording"];
    const appOf = (req: Request): number => {
      const appId = Number(req.params.appId);
      if (!Number.isInteger(appId) || appId <= 0) throw validationError(`Invalid appId: ${req.params.appId}`, "INVALID_APP_ID");
      const key = typeof req.query.hapikey === "string" ? req.query.hapikey : undefined;
      if (!key) throw new HubSpotError(401, { status: "error", message: "Authentication credentials not found. This API supports the developer API key (hapikey) for app settings.", correlationId: randomUUID(), category: "INVALID_AUTHENTICATION" });
      const known = this.developerKeys.get(appId);
      if (known !== key) throw new HubSpotError(401, { status: "error", message: "The API key provided is invalid. View or manage your API key here: https://app.hubspot.com/l/api-key/", correlationId: randomUUID(), category: "INVALID_AUTHENTICATION" });
      if (!oauth.appById(appId)) throw notFound(`App ${appId} not found`);
      return appId;
    };
    const urlOf = (req: Request): string => {
      const url = (req.body as { urlToRetrieveAuthedRecording?: unknown } | undefined)?.urlToRetrieveAuthedRecording;
      if (typeof url !== "string" || !/^https:\/\/[^\s/]+\/\S*$/.test(url)) throw validationError("urlToRetrieveAuthedRecording must be a valid URL, including the https:// prefix", "400", { urlToRetrieveAuthedRecording: ["must be a valid URL"] });
      return url;
    };
    router.get(paths, (req, res) => {
      const appId = appOf(req);
      const url = this.recordingSettings.get(appId);
      if (!url) throw notFound(`No recording settings for app ${appId}`);
      res.json({ urlToRetrieveAuthedRecording: url });
    });
    router.post(paths, (req, res) => {
      const appId = appOf(req);
      if (this.recordingSettings.has(appId)) throw alreadyExists(`Recording settings already exist for app ${appId}; update them with PATCH`);
      this.recordingSettings.set(appId, urlOf(req));
      res.json({ urlToRetrieveAuthedRecording: this.recordingSettings.get(appId) });
    });
    router.patch(paths, (req, res) => {
      const appId = appOf(req);
      if (!this.recordingSettings.has(appId)) throw notFound(`No recording settings for app ${appId}`);
      this.recordingSettings.set(appId, urlOf(req));
      res.json({ urlToRetrieveAuthedRecording: this.recordingSettings.get(appId) });
    });
    return router;
  }

  // ---- the portal-token endpoints (after token, scope and rate limit) ---------------------------

  apiRouter(context: { store(res: Response): PortalStore; grant(res: Response): AccessTokenGrant; appIdOf(grant: AccessTokenGrant): number }): Router {
    const router = express.Router();
    const prefixes = ["/crm/v3/extensions/calling", "/crm/extensions/calling/2026-03"];
    const at = (path: string) => prefixes.map((p) => `${p}${path}`);

    router.post(at("/recordings/ready"), (req, res) => {
      const engagementId = engagementOf(req.body);
      const store = context.store(res);
      const grant = context.grant(res);
      const call = store.find("calls", String(engagementId));
      if (!call) throw objectNotFound(String(engagementId));
      const appId = context.appIdOf(grant);
      const { hs_call_external_id: externalId, hs_call_app_id: callAppId, hs_call_source: source } = call.properties;
      if (!externalId || callAppId !== String(appId) || source !== "INTEGRATIONS_PLATFORM") {
        throw validationError(`Call ${engagementId} needs hs_call_external_id, hs_call_app_id ${appId} and hs_call_source INTEGRATIONS_PLATFORM for its recording to be fetched`, "INVALID_ENGAGEMENT");
      }
      const template = this.recordingSettings.get(appId);
      if (!template) throw validationError(`App ${appId} has no recording settings: register urlToRetrieveAuthedRecording first`, "MISSING_RECORDING_SETTINGS");
      this.readyNotices.push({ portalId: grant.portalId, engagementId, at: Date.now() });
      res.status(204).end();
      const accountId = call.properties.hs_call_external_account_id ?? grant.portalId;
      this.track(this.fetchRecording(template, { portalId: grant.portalId, engagementId, externalId, accountId, appId }));
    });

    router.post(at("/transcripts"), (req, res) => {
      const body = (req.body ?? {}) as { engagementId?: unknown; transcriptCreateUtterances?: unknown };
      const engagementId = engagementOf(body);
      const store = context.store(res);
      const call = store.find("calls", String(engagementId));
      if (!call) throw objectNotFound(String(engagementId));
      const utterances = utterancesOf(body.transcriptCreateUtterances);
      const now = new Date().toISOString();
      const transcript: SimTranscript = { id: String(this.nextTranscriptId++), portalId: context.grant(res).portalId, engagementId, utterances, createdAt: now, updatedAt: now };
      this.transcriptsById.set(transcript.id, transcript);
      // The Call names its transcript (filterable Call properties seen in public code; HubSpot's docs
      // do not say they are set for a third-party transcript).
      call.properties.hs_call_transcription_id = transcript.id;
      call.properties.hs_call_has_transcript = "true";
      res.status(201).json({ id: transcript.id });
    });
    router.get(at("/transcripts/:transcriptId"), (req, res) => {
      const transcript = this.ownTranscript(String(req.params.transcriptId), context.grant(res).portalId);
      res.json({
        id: transcript.id,
        engagementId: transcript.engagementId,
        transcriptSource: "INTEGRATOR_GENERATED",
        transcriptUtterances: transcript.utterances,
        createdAt: transcript.createdAt,
        updatedAt: transcript.updatedAt,
      });
    });
    router.delete(at("/transcripts/:transcriptId"), (req, res) => {
      const transcript = this.ownTranscript(String(req.params.transcriptId), context.grant(res).portalId);
      this.transcriptsById.delete(transcript.id);
      const call = context.store(res).find("calls", String(transcript.engagementId));
      if (call?.properties.hs_call_transcription_id === transcript.id) {
        call.properties.hs_call_transcription_id = "";
        call.properties.hs_call_has_transcript = "false";
      }
      res.status(204).end();
    });
    return router;
  }

  private ownTranscript(id: string, portalId: string): SimTranscript {
    if (!/^\d+$/.test(id)) throw validationError("Invalid transcriptId provided.", "INVALID_ID", { transcriptId: ["must be a valid ID"] });
    const transcript = this.transcriptsById.get(id);
    // Another portal's transcript is as unknown as one that does not exist.
    if (!transcript || transcript.portalId !== portalId) throw notFound(`Transcript ${id} not found`);
    return transcript;
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private reach(url: string): string {
    const parsed = new URL(url);
    const local = this.routes.get(parsed.origin);
    return local ? `${local}${parsed.pathname}${parsed.search}` : url;
  }

  /** What HubSpot does after a ready notice: retrieval URL -> authenticatedUrl -> ranged reads. */
  private async fetchRecording(template: string, call: { portalId: string; engagementId: number; externalId: string; accountId: string; appId: number }): Promise<void> {
    const retrieval = new URL(template.replace("%s", encodeURIComponent(call.externalId)));
    retrieval.searchParams.set("externalAccountId", call.accountId);
    retrieval.searchParams.set("appId", String(call.appId));
    const record: RecordingFetch = { portalId: call.portalId, engagementId: call.engagementId, externalId: call.externalId, retrievalUrl: retrieval.toString(), retrievalStatus: 0, authenticatedUrl: null, reads: [], error: null, at: Date.now() };
    this.recordingFetches.push(record);
    try {
      const answer = await fetch(this.reach(retrieval.toString()), { headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
      record.retrievalStatus = answer.status;
      const body = (await answer.json().catch(() => ({}))) as { authenticatedUrl?: unknown };
      if (!answer.ok || typeof body.authenticatedUrl !== "string") throw new Error(`retrieval answered ${answer.status} without an authenticatedUrl`);
      record.authenticatedUrl = body.authenticatedUrl;
      const first = await this.read(body.authenticatedUrl, "bytes=0-1023");
      record.reads.push(first);
      const total = Number(/\/(\d+)$/.exec(first.contentRange ?? "")?.[1]);
      if (first.status === 206 && total > 1) record.reads.push(await this.read(body.authenticatedUrl, `bytes=${Math.floor(total / 2)}-`));
    } catch (error) {
      record.error = (error as Error).message;
    }
  }

  private async read(url: string, range: string): Promise<RecordingRead> {
    const response = await fetch(this.reach(url), { headers: { range }, signal: AbortSignal.timeout(10_000) });
    const bytes = (await response.arrayBuffer()).byteLength;
    return { range, status: response.status, contentRange: response.headers.get("content-range"), contentType: response.headers.get("content-type"), bytes };
  }
}

function engagementOf(body: unknown): number {
  const raw = (body as { engagementId?: unknown } | undefined)?.engagementId;
  const id = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof id !== "number" || !Number.isInteger(id) || id <= 0) throw validationError("engagementId must not be null and must be the numeric id of a call", "400", { engagementId: ["must not be null"] });
  return id;
}

/** Each utterance as HubSpot's reference requires it; the first bad one is named by its index. */
function utterancesOf(raw: unknown): Utterance[] {
  if (!Array.isArray(raw) || raw.length === 0) throw validationError("transcriptCreateUtterances must be a non-empty list", "400", { transcriptCreateUtterances: ["must not be empty"] });
  if (raw.length > MAX_UTTERANCES) throw validationError(`transcriptCreateUtterances holds at most ${MAX_UTTERANCES} utterances`, "400");
  return raw.map((u: unknown, i): Utterance => {
    const bad = (field: string, why: string) => validationError(`transcriptCreateUtterances[${i}].${field} ${why}`, "400", { [`transcriptCreateUtterances[${i}].${field}`]: [why] });
    const item = (u ?? {}) as Record<string, unknown>;
    const speaker = item.speaker as Record<string, unknown> | undefined;
    if (!speaker || typeof speaker !== "object") throw bad("speaker", "must not be null");
    if ((typeof speaker.id !== "string" && typeof speaker.id !== "number") || String(speaker.id) === "") throw bad("speaker.id", "must not be null");
    if (typeof speaker.name !== "string" || speaker.name.trim() === "") throw bad("speaker.name", "must not be blank");
    if (typeof item.text !== "string" || item.text.trim() === "") throw bad("text", "must not be blank");
    const start = item.startTimeMillis;
    const end = item.endTimeMillis;
    if (typeof start !== "number" || !Number.isInteger(start) || start < 0) throw bad("startTimeMillis", "must be a whole number of milliseconds from the start of the call, not negative");
    if (typeof end !== "number" || !Number.isInteger(end) || end <= start) throw bad("endTimeMillis", "must be a whole number of milliseconds greater than startTimeMillis");
    const languageCode = item.languageCode ?? "en-US";
    if (typeof languageCode !== "string" || !BCP47.test(languageCode)) throw bad("languageCode", `must be a BCP-47 language tag such as en-US; got ${JSON.stringify(item.languageCode)}`);
    return {
      id: randomUUID(),
      speaker: { id: String(speaker.id), name: speaker.name, ...(typeof speaker.email === "string" ? { email: speaker.email } : {}) },
      text: item.text,
      languageCode,
      startTimeMillis: start,
      endTimeMillis: end,
    };
  });
}
