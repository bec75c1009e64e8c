import type { Db } from "../db/client.js";
import { recordingRetrievalTemplate } from "./links.js";

// Whether HubSpot knows where to fetch this deployment's recordings. The URL is an app-level setting
// in HubSpot (one per app, not per portal), registered by `hubspot recording-settings` at deploy and
// whenever PUBLIC_BASE_URL changes; what was last registered is kept here so /readyz can tell.

const RECORDING_URL = "recording_url";

export async function saveRecordingRegistration(db: Db, url: string): Promise<void> {
  await db.appRegistration.upsert({ where: { name: RECORDING_URL }, create: { name: RECORDING_URL, value: url }, update: { value: url, registeredAt: new Date() } });
}

/** Why HubSpot's own player cannot fetch this deployment's recordings, or null when it can. */
export async function recordingRegistrationWarning(db: Db, publicBaseUrl: string): Promise<string | null> {
  const expected = recordingRetrievalTemplate(publicBaseUrl);
  const registered = await db.appRegistration.findUnique({ where: { name: RECORDING_URL } });
  if (!registered) return "recording URL not registered with HubSpot: HubSpot's call player cannot play recordings; run `npm run --silent cli -- hubspot recording-settings`";
  if (registered.value !== expected) return "recording URL registered with HubSpot is not this deployment's PUBLIC_BASE_URL: run `npm run --silent cli -- hubspot recording-settings`";
  return null;
}
