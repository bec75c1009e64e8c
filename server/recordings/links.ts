import { createHmac, hkdfSync } from "node:crypto";
import { safeEqual } from "../config/crypto.js";

// Signed recording links, all short-lived: the player link the card opens (minutes), and the audio
// link HubSpot's own player gets from our retrieval endpoint (an hour, for a rep who pauses and
// seeks). No link to a recording outlives its hour, so a forwarded e-mail or a copied Call property
// leaks nothing lasting; a deleted recording (privacy deletion, uninstall) answers nothing at all.

const PLAYER_TTL_MS = 10 * 60_000;
const HUBSPOT_AUDIO_TTL_MS = 60 * 60_000;

function linkKey(encryptionKey: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(encryptionKey, "base64"), Buffer.alloc(0), Buffer.from("recording-links"), 32));
}

const mac = (encryptionKey: string, text: string) => createHmac("sha256", linkKey(encryptionKey)).update(text).digest("base64url");

function signed(publicBaseUrl: string, encryptionKey: string, path: string, purpose: string, callId: string, expires: number): string {
  const url = new URL(path, publicBaseUrl);
  url.searchParams.set("exp", String(expires));
  url.searchParams.set("sig", mac(encryptionKey, `${purpose}:${callId}:${expires}`));
  return url.toString();
}

function verify(encryptionKey: string, purpose: string, callId: string, exp: string | undefined, sig: string | undefined, now: number): boolean {
  if (!exp || !sig || !/^\d+$/.test(exp) || Number(exp) < now) return false;
  return safeEqual(mac(encryptionKey, `${purpose}:${callId}:${exp}`), sig);
}

export function playerUrl(publicBaseUrl: string, encryptionKey: string, callId: string, now = Date.now()): string {
  return signed(publicBaseUrl, encryptionKey, `/recordings/${callId}/player`, "player", callId, now + PLAYER_TTL_MS);
}

export function verifyPlayerLink(encryptionKey: string, callId: string, exp: string | undefined, sig: string | undefined, now = Date.now()): boolean {
  return verify(encryptionKey, "player", callId, exp, sig, now);
}

/** The `authenticatedUrl` our retrieval endpoint hands HubSpot: the audio, for an hour. */
export function hubspotAudioUrl(publicBaseUrl: string, encryptionKey: string, callId: string, now = Date.now()): string {
  return signed(publicBaseUrl, encryptionKey, `/recordings/${callId}/audio`, "hubspot-audio", callId, now + HUBSPOT_AUDIO_TTL_MS);
}

export function verifyHubspotAudioLink(encryptionKey: string, callId: string, exp: string | undefined, sig: string | undefined, now = Date.now()): boolean {
  return verify(encryptionKey, "hubspot-audio", callId, exp, sig, now);
}

/**
 * The URL registered with HubSpot's calling extensions (urlToRetrieveAuthedRecording): HubSpot puts
 * the Call's hs_call_external_id (our call id) in place of `%s` and adds externalAccountId and appId.
 */
export const recordingRetrievalTemplate = (publicBaseUrl: string): string => `${new URL("/recordings/hubspot/", publicBaseUrl).toString()}%s`;
