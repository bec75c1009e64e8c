import express from "express";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Listeners } from "../shared/listener.js";

// Synthflow's recordings as the post-call webhook and the Platform API hand them out
// (docs.synthflow.ai/recordings-migration-guide, .../recordings/get-call-recording), over real HTTP on
// two hosts, as in production (the API, and the storage its links point at):
//   - the post-call webhook's `recording_url` is a signed storage link that, from 2027-01-10, expires
//     24 hours after it was issued;
//   - GET /v2/calls/{call_id}/recording (Bearer API key) answers 302 with a freshly signed link valid
//     for 24 hours; asked again within that window it answers the same link;
//   - storage answers an expired link 400 and a forged one 403, with the XML bodies of Google Cloud
//     Storage's signed URLs, and never looks at an Authorization header (it must not get one).
// The simulator's clock moves with `advance(ms)`. Error bodies of the API: `{detail}` (unverified).

const DAY_MS = 24 * 60 * 60_000;

interface StoredRecording {
  apiKey: string;
  audio: Buffer;
  contentType: string;
  /** The link the API hands out while it lasts. */
  issued: { url: string; expiresAt: number } | null;
}

export interface SynthflowRequest {
  host: "api" | "storage";
  method: string;
  path: string;
  authorization: string | undefined;
  status: number;
}

export class SynthflowSim {
  /** The Platform API's base URL (with /v2), as SYNTHFLOW_API_BASE_URL takes it. */
  url = "";
  private storageUrl = "";
  readonly requests: SynthflowRequest[] = [];
  private readonly apiKeys = new Set<string>();
  private readonly recordings = new Map<string, StoredRecording>();
  private readonly signingKey = randomBytes(16);
  private readonly listeners = new Listeners();
  private offsetMs = 0;

  constructor(private readonly linkTtlMs = DAY_MS) {}

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the simulator's clock (links expire by it). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  addAccount(): { apiKey: string } {
    const apiKey = `sf_${randomBytes(16).toString("hex")}`;
    this.apiKeys.add(apiKey);
    return { apiKey };
  }

  /** A call's recording, stored under the account of `apiKey`. */
  addRecording(apiKey: string, callId: string, audio: Buffer, contentType = "audio/wav"): void {
    this.recordings.set(callId, { apiKey, audio, contentType, issued: null });
  }

  /** The `recording_url` a post-call webhook carries for the call: signed now, expiring after 24 h. */
  webhookLink(callId: string): string {
    return this.sign(callId, this.now() + this.linkTtlMs);
  }

  private sign(callId: string, expiresAt: number): string {
    const expires = String(Math.floor(expiresAt / 1000));
    const signature = createHmac("sha256", this.signingKey).update(`${callId}\n${expires}`).digest("hex");
    return `${this.storageUrl}/synthflow-recordings/${encodeURIComponent(callId)}.wav?X-Goog-Expires=${expires}&X-Goog-Signature=${signature}`;
  }

  private signatureValid(callId: string, expires: string, signature: string): boolean {
    const expected = Buffer.from(createHmac("sha256", this.signingKey).update(`${callId}\n${expires}`).digest("hex"));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  async listen(): Promise<void> {
    const api = express();
    api.use((req, res, next) => {
      res.on("finish", () => this.requests.push({ host: "api", method: req.method, path: req.path, authorization: req.headers.authorization, status: res.statusCode }));
      next();
    });
    api.get("/v2/calls/:callId/recording", (req, res) => {
      const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
      if (!match) return void res.status(401).json({ detail: "Not authenticated" });
      if (!this.apiKeys.has(match[1]!)) return void res.status(401).json({ detail: "Invalid API key" });
      const recording = this.recordings.get(req.params.callId);
      // Another account's call is not told apart from a call that does not exist.
      if (!recording || recording.apiKey !== match[1]) return void res.status(404).json({ detail: `Recording for call ${req.params.callId} not found` });
      if (!recording.issued || recording.issued.expiresAt <= this.now()) {
        const expiresAt = this.now() + DAY_MS;
        recording.issued = { url: this.sign(req.params.callId, expiresAt), expiresAt };
      }
      res.redirect(302, recording.issued.url);
    });
    api.use((req, res) => void res.status(404).json({ detail: "Not Found" }));

    const storage = express();
    storage.use((req, res, next) => {
      res.on("finish", () => this.requests.push({ host: "storage", method: req.method, path: req.path, authorization: req.headers.authorization, status: res.statusCode }));
      next();
    });
    storage.get("/synthflow-recordings/:file", (req, res) => {
      const callId = decodeURIComponent(req.params.file.replace(/\.wav$/, ""));
      const expires = String(req.query["X-Goog-Expires"] ?? "");
      const signature = String(req.query["X-Goog-Signature"] ?? "");
      const xml = (code: string, details: string) => `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>Invalid argument.</Message><Details>${details}</Details></Error>`;
      if (!this.signatureValid(callId, expires, signature)) return void res.status(403).type("application/xml").send(xml("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."));
      if (Number(expires) * 1000 <= this.now()) return void res.status(400).type("application/xml").send(xml("ExpiredToken", `The provided token has expired. Request signature expired at: ${new Date(Number(expires) * 1000).toISOString()}`));
      const recording = this.recordings.get(callId);
      if (!recording) return void res.status(404).type("application/xml").send(xml("NoSuchKey", "The specified key does not exist."));
      res.type(recording.contentType).send(recording.audio);
    });
    this.url = `${await this.listeners.serve(api)}/v2`;
    this.storageUrl = await this.listeners.serve(storage);
  }

  async close(): Promise<void> {
    await this.listeners.close();
  }
}

export async function startSynthflowSim(options: { linkTtlMs?: number } = {}): Promise<SynthflowSim> {
  const sim = new SynthflowSim(options.linkTtlMs);
  await sim.listen();
  return sim;
}
