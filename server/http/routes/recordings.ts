import { Router, type Request, type Response } from "express";
import { page } from "../page.js";
import { playableCall, recordingCopy, retrievableRecording } from "../../recordings/playback.js";
import type { RecordingDeps } from "../../recordings/store.js";
import { hubspotAudioUrl, verifyHubspotAudioLink, verifyPlayerLink } from "../../recordings/links.js";
import { audioExtension, audioType } from "../../recordings/media.js";
import { byteRange } from "../../recordings/range.js";

const PLAYER_CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors https://*.hubspot.com https://*.hubspotqa.com";

export interface RecordingRouteDeps extends RecordingDeps {
  /** The links are signed with a key derived from it (recordings/links.ts). */
  encryptionKey: string;
  publicBaseUrl: string;
  /** HubSpot names the app asking for a recording; only ours is answered. */
  appId: string;
}

const query = (req: Request, name: string) => (typeof req.query[name] === "string" ? (req.query[name] as string) : undefined);

/**
 * Recordings, three ways in:
 *   - the card's player page (an iframe modal, over a short-lived signed link) and its audio;
 *   - HubSpot's own player on the Call: HubSpot asks the URL registered with its calling extensions
 *     (`hubspot recording-settings`, server/cli/calling.ts) for the Call's external id, gets a
 *     short-lived `authenticatedUrl`, and reads the audio from it with Range requests (seeking).
 * The audio is our copy, fetched from the vendor on first use if the worker has not copied it yet.
 */
export function recordingRoutes(deps: RecordingRouteDeps): Router {
  const router = Router();

  // HubSpot's retrieval call: GET <registered URL with %s = hs_call_external_id>?externalAccountId&appId.
  // The external id is our call id (a random UUID, never shown outside the portal's CRM) and must
  // belong to the portal HubSpot names, so nobody can walk the ids of another portal's calls.
  router.get("/recordings/hubspot/:externalId", async (req, res) => {
    const accountId = query(req, "externalAccountId");
    const appId = query(req, "appId");
    if (appId !== undefined && appId !== deps.appId) return void res.status(404).json({ message: "not a recording of this app" });
    const callId = accountId ? await retrievableRecording(deps, req.params.externalId, accountId) : null;
    if (!callId) return void res.status(404).json({ message: "no recording for this call" });
    res.set("cache-control", "no-store").json({ authenticatedUrl: hubspotAudioUrl(deps.publicBaseUrl, deps.encryptionKey, callId) });
  });

  router.get("/recordings/:callId/player", async (req, res) => {
    // Its own CSP instead of the app-wide one, error pages included: HubSpot frames the player (so
    // no X-Frame-Options either).
    res.set("content-security-policy", PLAYER_CSP).removeHeader("x-frame-options");
    const { callId } = req.params;
    if (!verifyPlayerLink(deps.encryptionKey, callId, query(req, "exp"), query(req, "sig"))) {
      res.status(403).type("html").send(page("This link has expired", "<p>Recording links last ten minutes. Open the recording again from the contact record.</p>"));
      return;
    }
    const call = await playableCall(deps, callId);
    if (!call) {
      res.status(404).type("html").send(page("No recording", "<p>This call has no recording (or it was deleted).</p>"));
      return;
    }
    const src = `/recordings/${callId}/stream?exp=${encodeURIComponent(String(req.query.exp))}&sig=${encodeURIComponent(String(req.query.sig))}`;
    const when = call.startedAt ? new Date(call.startedAt).toUTCString() : "";
    res.type("html").send(page("Call recording", `<p>${when}</p><audio id="player" controls preload="metadata" src="${src}" style="width:100%"></audio>`));
  });

  /**
   * The bytes came from a vendor's host: served so that no browser treats them as a page of ours,
   * whatever they contain. `download`: as HubSpot wants it, an octet-stream attachment, with ranges.
   */
  const sendAudio = async (callId: string, req: Request, res: Response, download: boolean) => {
    const copy = await recordingCopy(deps, callId);
    if (!copy) {
      res.status(404).json({ error: "recording not available" });
      return;
    }
    const type = audioType(copy.contentType);
    const audio = Buffer.from(copy.audio);
    res
      .set("content-type", download ? "application/octet-stream" : (type ?? "application/octet-stream"))
      .set("x-content-type-options", "nosniff")
      .set("content-security-policy", "default-src 'none'; sandbox")
      .set("content-disposition", `${download ? "attachment" : "inline"}; filename="call-${copy.callId}.${audioExtension(type)}"`)
      .set("cross-origin-resource-policy", "cross-origin")
      .set("cache-control", "private, max-age=600");
    // HubSpot's player and the card's player page seek with Range and need 206.
    const range = byteRange(req.header("range"), audio.length);
    // One validator for the whole file: express would tag each range's bytes differently, and a player
    // that caches ranges would then mix parts of "different" files.
    res.set("accept-ranges", "bytes").set("etag", `"${copy.callId}-${audio.length}"`);
    switch (range.kind) {
      case "whole":
        res.send(audio);
        return;
      case "partial":
        res.status(206).set("content-range", `bytes ${range.start}-${range.end}/${audio.length}`).send(audio.subarray(range.start, range.end + 1));
        return;
      case "unsatisfiable":
        res.status(416).set("content-range", `bytes */${audio.length}`).end();
        return;
    }
  };

  router.get("/recordings/:callId/stream", async (req, res) => {
    if (!verifyPlayerLink(deps.encryptionKey, req.params.callId, query(req, "exp"), query(req, "sig"))) {
      res.status(403).json({ error: "expired or forged link" });
      return;
    }
    await sendAudio(req.params.callId, req, res, false);
  });

  // HubSpot's authenticatedUrl (from the retrieval call above).
  router.get("/recordings/:callId/audio", async (req, res) => {
    if (!verifyHubspotAudioLink(deps.encryptionKey, req.params.callId, query(req, "exp"), query(req, "sig"))) {
      res.status(403).json({ error: "expired or forged link" });
      return;
    }
    await sendAudio(req.params.callId, req, res, true);
  });
  return router;
}
