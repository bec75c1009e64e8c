import { Router, type Response } from "express";
import { page } from "../page.js";
import { playableCall, recordingCopy } from "../../recordings/playback.js";
import type { RecordingDeps } from "../../recordings/store.js";
import { verifyAudioLink, verifyPlayerLink } from "../../recordings/links.js";
import { audioExtension, audioType } from "../../recordings/media.js";

const PLAYER_CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors https://*.hubspot.com https://*.hubspotqa.com";

export interface RecordingRouteDeps extends RecordingDeps {
  /** The links are signed with a key derived from it (recordings/links.ts). */
  encryptionKey: string;
}

/**
 * The recording player (opened by the contact card in an iframe modal, over a short-lived signed
 * link) and the audio itself (our copy; fetched from the vendor on first use if the worker has not
 * copied it yet). There is no audio component in HubSpot's UI kit, hence a page of our own.
 */
export function recordingRoutes(deps: RecordingRouteDeps): Router {
  const router = Router();

  router.get("/recordings/:callId/player", async (req, res) => {
    // Its own CSP instead of the app-wide one, error pages included: HubSpot frames the player (so
    // no X-Frame-Options either).
    res.set("content-security-policy", PLAYER_CSP).removeHeader("x-frame-options");
    const { callId } = req.params;
    if (!verifyPlayerLink(deps.encryptionKey, callId, req.query.exp as string | undefined, req.query.sig as string | undefined)) {
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

  const sendAudio = async (callId: string, res: Response) => {
    const copy = await recordingCopy(deps, callId);
    if (!copy) {
      res.status(404).json({ error: "recording not available" });
      return;
    }
    // The bytes came from a vendor's host: served so that no browser treats them as a page of ours,
    // whatever they contain. HubSpot's own call player loads the stable link from its origin.
    const type = audioType(copy.contentType);
    res
      .set("content-type", type ?? "application/octet-stream")
      .set("x-content-type-options", "nosniff")
      .set("content-security-policy", "default-src 'none'; sandbox")
      .set("content-disposition", `inline; filename="call-${copy.callId}.${audioExtension(type)}"`)
      .set("cross-origin-resource-policy", "cross-origin")
      .set("cache-control", "private, max-age=600")
      .send(Buffer.from(copy.audio));
  };

  router.get("/recordings/:callId/stream", async (req, res) => {
    if (!verifyPlayerLink(deps.encryptionKey, req.params.callId, req.query.exp as string | undefined, req.query.sig as string | undefined)) {
      res.status(403).json({ error: "expired or forged link" });
      return;
    }
    await sendAudio(req.params.callId, res);
  });

  // The stable link on the HubSpot Call: /recordings/<callId>/<token>.<mp3|wav>
  router.get("/recordings/:callId/:file", async (req, res) => {
    const token = req.params.file.replace(/\.(mp3|wav)$/, "");
    if (!verifyAudioLink(deps.encryptionKey, req.params.callId, token)) {
      res.status(403).json({ error: "forged link" });
      return;
    }
    await sendAudio(req.params.callId, res);
  });
  return router;
}
