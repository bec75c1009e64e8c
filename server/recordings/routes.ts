import { Router } from "express";
import type { Runtime } from "../runtime.js";
import type { CallRecord } from "../calls/record.js";
import { page } from "../http/page.js";
import { archiveRecording } from "./store.js";
import { verifyAudioLink, verifyPlayerLink } from "./links.js";
import { audioExtension, audioType } from "./media.js";

const PLAYER_CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors https://*.hubspot.com https://*.hubspotqa.com";

/**
 * The recording player (opened by the contact card in an iframe modal, over a short-lived signed
 * link) and the audio itself (our copy; fetched from the vendor on first use if the worker has not
 * copied it yet). There is no audio component in HubSpot's UI kit, hence a page of our own.
 */
export function recordingRoutes(rt: Runtime): Router {
  const router = Router();

  router.get("/recordings/:callId/player", async (req, res) => {
    // Its own CSP instead of the app-wide one, error pages included: HubSpot frames the player (so
    // no X-Frame-Options either).
    res.set("content-security-policy", PLAYER_CSP).removeHeader("x-frame-options");
    const { callId } = req.params;
    if (!verifyPlayerLink(rt.env.ENCRYPTION_KEY, callId, req.query.exp as string | undefined, req.query.sig as string | undefined)) {
      res.status(403).type("html").send(page("This link has expired", "<p>Recording links last ten minutes. Open the recording again from the contact record.</p>"));
      return;
    }
    const call = await rt.db.call.findUnique({ where: { id: callId } });
    const record = call?.record as unknown as CallRecord | undefined;
    if (!call || !record?.recordingUrl) {
      res.status(404).type("html").send(page("No recording", "<p>This call has no recording (or it was deleted).</p>"));
      return;
    }
    const src = `/recordings/${callId}/stream?exp=${encodeURIComponent(String(req.query.exp))}&sig=${encodeURIComponent(String(req.query.sig))}`;
    const when = record.startedAt ? new Date(record.startedAt).toUTCString() : "";
    res.type("html").send(page("Call recording", `<p>${when}</p><audio id="player" controls preload="metadata" src="${src}" style="width:100%"></audio>`));
  });

  const sendAudio = async (callId: string, res: import("express").Response) => {
    const call = await rt.db.call.findUnique({ where: { id: callId } });
    const record = call?.record as unknown as CallRecord | undefined;
    // A call that is gone or scrubbed (privacy deletion) has no recording, whatever copy may exist.
    let copy = call && record?.recordingUrl ? await rt.db.recording.findUnique({ where: { callId } }) : null;
    if (!copy && call && record?.recordingUrl && (await archiveRecording(rt, call, record.recordingUrl))) copy = await rt.db.recording.findUnique({ where: { callId } });
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
    if (!verifyPlayerLink(rt.env.ENCRYPTION_KEY, req.params.callId, req.query.exp as string | undefined, req.query.sig as string | undefined)) {
      res.status(403).json({ error: "expired or forged link" });
      return;
    }
    await sendAudio(req.params.callId, res);
  });

  // The stable link on the HubSpot Call: /recordings/<callId>/<token>.<mp3|wav>
  router.get("/recordings/:callId/:file", async (req, res) => {
    const token = req.params.file.replace(/\.(mp3|wav)$/, "");
    if (!verifyAudioLink(rt.env.ENCRYPTION_KEY, req.params.callId, token)) {
      res.status(403).json({ error: "forged link" });
      return;
    }
    await sendAudio(req.params.callId, res);
  });
  return router;
}
