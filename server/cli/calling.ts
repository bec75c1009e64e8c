import type { Runtime } from "../runtime.js";
import { registerRecordingUrl } from "../hubspot/calling.js";
import { recordingRetrievalTemplate } from "../recordings/links.js";
import { saveRecordingRegistration } from "../recordings/registration.js";

/**
 * `hubspot recording-settings`: registers our recording retrieval URL with HubSpot's calling
 * extensions (app-level, with the developer API key), so HubSpot's own player on each Call fetches
 * the recording through us. Run at deploy and whenever PUBLIC_BASE_URL changes; idempotent.
 */
export async function recordingSettings(rt: Runtime): Promise<{ action: string; url: string }> {
  const { HUBSPOT_DEVELOPER_API_KEY: developerApiKey, HUBSPOT_APP_ID: appId, HUBSPOT_API_BASE_URL: apiBaseUrl, PUBLIC_BASE_URL: publicBaseUrl } = rt.env;
  if (!developerApiKey) throw new Error("HUBSPOT_DEVELOPER_API_KEY is not set: the recording settings are the app's, and only the developer account's API key may change them (docs/runbook.md)");
  const result = await registerRecordingUrl({ apiBaseUrl, appId, developerApiKey, timeoutMs: rt.env.HUBSPOT_TIMEOUT_MS }, recordingRetrievalTemplate(publicBaseUrl));
  await saveRecordingRegistration(rt.db, result.url);
  return result;
}
