import { createHmac, hkdfSync } from "node:crypto";
import { safeEqual } from "../config/crypto.js";

// Signed recording links. The player link the card opens is short-lived (minutes); the audio link
// stored on the HubSpot Call never expires (HubSpot's own player uses it for the life of the record)
// and stops working when the recording is deleted (privacy deletion, uninstall).

const PLAYER_TTL_MS = 10 * 60_000;

function linkKey(encryptionKey: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(encryptionKey, "base64"), Buffer.alloc(0), Buffer.from("recording-links"), 32));
}

const mac = (encryptionKey: string, text: string) => createHmac("sha256", linkKey(encryptionKey)).update(text).digest("base64url");

export function playerUrl(publicBaseUrl: string, encryptionKey: string, callId: string, now = Date.now()): string {
  const expires = now + PLAYER_TTL_MS;
  const url = new URL(`/recordings/${callId}/player`, publicBaseUrl);
  url.searchParams.set("exp", String(expires));
  url.searchParams.set("sig", mac(encryptionKey, `player:${callId}:${expires}`));
  return url.toString();
}

export function verifyPlayerLink(encryptionKey: string, callId: string, exp: string | undefined, sig: string | undefined, now = Date.now()): boolean {
  if (!exp || !sig || !/^\d+$/.test(exp) || Number(exp) < now) return false;
  return safeEqual(mac(encryptionKey, `player:${callId}:${exp}`), sig);
}

/** The stable audio URL written to the HubSpot Call (hs_call_recording_url). */
export function audioUrl(publicBaseUrl: string, encryptionKey: string, callId: string, extension: "mp3" | "wav"): string {
  return new URL(`/recordings/${callId}/${mac(encryptionKey, `audio:${callId}`)}.${extension}`, publicBaseUrl).toString();
}

export function verifyAudioLink(encryptionKey: string, callId: string, token: string): boolean {
  return safeEqual(mac(encryptionKey, `audio:${callId}`), token);
}

export function extensionOf(url: string): "mp3" | "wav" {
  return new URL(url).pathname.toLowerCase().endsWith(".mp3") ? "mp3" : "wav";
}
