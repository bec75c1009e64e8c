// HubSpot's calling extensions, as this app uses them (shared/reference/hubspot.md, "Calling
// extensions"): the app-level recording URL (developer API key, not a portal token), the per-call
// "recording ready" notice, and third-party transcripts (optional scopes, per portal).

/** A JSON request with a portal's token through the shared limiter (HubSpotClientFactory.requestJson). */
export type PortalRequest = (portalId: string, accessToken: string, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown) => Promise<unknown>;

export const RECORDING_READY_PATH = "/crm/v3/extensions/calling/recordings/ready";
export const TRANSCRIPTS_PATH = "/crm/v3/extensions/calling/transcripts";

export interface HubSpotUtterance {
  speaker: { id: string; name: string };
  text: string;
  languageCode?: string;
  startTimeMillis: number;
  endTimeMillis: number;
}

export async function markRecordingReady(request: PortalRequest, portalId: string, accessToken: string, hubspotCallId: string): Promise<void> {
  await request(portalId, accessToken, "POST", RECORDING_READY_PATH, { engagementId: Number(hubspotCallId) });
}

export async function createTranscript(request: PortalRequest, portalId: string, accessToken: string, hubspotCallId: string, utterances: HubSpotUtterance[]): Promise<string> {
  const created = (await request(portalId, accessToken, "POST", TRANSCRIPTS_PATH, { engagementId: Number(hubspotCallId), transcriptCreateUtterances: utterances })) as { id: string | number };
  return String(created.id);
}

/** A transcript as HubSpot holds it: its engagement and who made it (transcriptSource). */
export async function getTranscript(request: PortalRequest, portalId: string, accessToken: string, transcriptId: string): Promise<{ engagementId?: unknown; transcriptSource?: unknown }> {
  return (await request(portalId, accessToken, "GET", `${TRANSCRIPTS_PATH}/${encodeURIComponent(transcriptId)}`)) as { engagementId?: unknown; transcriptSource?: unknown };
}

/** The transcript the Call names (`hs_call_transcription_id`), if any. */
export async function callTranscriptId(request: PortalRequest, portalId: string, accessToken: string, hubspotCallId: string): Promise<string | null> {
  const call = (await request(portalId, accessToken, "GET", `/crm/v3/objects/calls/${encodeURIComponent(hubspotCallId)}?properties=hs_call_transcription_id`)) as { properties?: Record<string, string | null> };
  return call.properties?.hs_call_transcription_id || null;
}

export async function deleteTranscript(request: PortalRequest, portalId: string, accessToken: string, transcriptId: string): Promise<void> {
  await request(portalId, accessToken, "DELETE", `${TRANSCRIPTS_PATH}/${encodeURIComponent(transcriptId)}`);
}

export class RecordingSettingsError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "RecordingSettingsError";
  }
}

export interface RecordingSettingsTarget {
  apiBaseUrl: string;
  appId: string;
  developerApiKey: string;
  timeoutMs?: number;
}

/**
 * Registers `url` as the app's urlToRetrieveAuthedRecording: POST the first time, PATCH when another
 * URL is registered (PUBLIC_BASE_URL changed), nothing when it is already this one. The developer key
 * goes as `hapikey`, as HubSpot's reference for these endpoints shows.
 */
export async function registerRecordingUrl(target: RecordingSettingsTarget, url: string): Promise<{ action: "registered" | "updated" | "unchanged"; url: string }> {
  const path = `/crm/v3/extensions/calling/${encodeURIComponent(target.appId)}/settings/recording`;
  const call = async (method: "GET" | "POST" | "PATCH", body?: unknown) => {
    const endpoint = new URL(path, target.apiBaseUrl);
    endpoint.searchParams.set("hapikey", target.developerApiKey);
    const response = await fetch(endpoint, {
      method,
      headers: { accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(target.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { message: text.slice(0, 200) };
    }
    return { status: response.status, json };
  };
  const current = await call("GET");
  if (current.status === 200 && current.json.urlToRetrieveAuthedRecording === url) return { action: "unchanged", url };
  if (current.status !== 200 && current.status !== 404) throw new RecordingSettingsError(`HubSpot answered ${current.status} reading the recording settings: ${String(current.json.message ?? "")}`, current.status);
  const action = current.status === 404 ? "registered" : "updated";
  const written = await call(action === "registered" ? "POST" : "PATCH", { urlToRetrieveAuthedRecording: url });
  if (written.status >= 300) throw new RecordingSettingsError(`HubSpot answered ${written.status} registering the recording URL: ${String(written.json.message ?? "")}`, written.status);
  return { action, url };
}
