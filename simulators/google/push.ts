import { randomBytes } from "node:crypto";
import { apiError, badRequest, required } from "./errors.js";

// Push channels (events.watch, channels.stop). Like Google, the simulator posts to the channel's
// address after it has answered: a "sync" message right after the channel opens, then "exists" on every
// change to the watched calendar, each with an empty body and everything in X-Goog-* headers. Messages
// of one channel go out one after the other, numbered; a failed delivery is recorded, not retried.

export interface PushRecord {
  channelId: string;
  address: string;
  state: "sync" | "exists";
  messageNumber: number;
  /** The receiver's HTTP status; 0 while in flight or when the connection failed. */
  status: number;
  error?: string;
  at: number;
}

export interface ChannelView {
  id: string;
  resourceId: string;
  email: string;
  address: string;
  token: string | null;
  expiration: number;
  stopped: boolean;
}

interface Channel extends ChannelView {
  resourceUri: string;
  messageNumber: number;
  /** The tail of this channel's delivery queue. */
  queue: Promise<void>;
}

/** Google lets the channel id hold these characters, at most 64 of them. */
const CHANNEL_ID = /^[A-Za-z0-9\-_+/=]{1,64}$/;
const DEFAULT_TTL_MS = 7 * 24 * 3600_000;
const MAX_TTL_MS = 30 * 24 * 3600_000;
const DELIVERY_TIMEOUT_MS = 5_000;
/** The Google Cloud project number of the simulated client (Google names it in some errors). */
const PROJECT_NUMBER = String(100_000_000_000 + (randomBytes(4).readUInt32BE() % 800_000_000_000));

const invalidChannel = (message: string) => apiError(400, "invalid", message);

export class PushChannels {
  readonly deliveries: PushRecord[] = [];
  private readonly channels = new Map<string, Channel>();
  private readonly inFlight = new Set<Promise<void>>();

  /** POST .../events/watch. `resourceId` is the watched calendar's. */
  open(email: string, calendarId: string, resourceId: string, body: Record<string, unknown>) {
    if (typeof body.id !== "string" || !body.id) throw required("Required");
    if (!CHANNEL_ID.test(body.id)) throw invalidChannel(`Invalid channel id: ${body.id}`);
    if (this.channels.has(body.id)) throw apiError(400, "channelIdNotUnique", "Channel id not unique");
    if (body.type !== "web_hook" && body.type !== "webhook") throw invalidChannel(`Invalid channel type: ${String(body.type)}`);
    if (typeof body.address !== "string") throw required("Required");
    let address: URL;
    try {
      address = new URL(body.address);
    } catch {
      throw invalidChannel(`Invalid WebHook address: ${body.address}`);
    }
    // Google wants HTTPS with a valid certificate; the simulator lets loopback addresses through on HTTP.
    const loopback = address.hostname === "127.0.0.1" || address.hostname === "localhost";
    if (address.protocol !== "https:" && !(address.protocol === "http:" && loopback)) throw apiError(400, "push.webhookUrlNotHttps", `WebHook callback must be HTTPS: ${body.address}`);
    if (body.token !== undefined && (typeof body.token !== "string" || body.token.length > 256)) throw badRequest("Invalid channel token");
    const now = Date.now();
    const requested = body.expiration === undefined || body.expiration === null ? now + DEFAULT_TTL_MS : Number(body.expiration);
    if (!Number.isFinite(requested)) throw badRequest(`Invalid value for expiration: ${String(body.expiration)}`);
    const channel: Channel = {
      id: body.id,
      resourceId,
      resourceUri: `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events?alt=json`,
      email: email.toLowerCase(),
      address: body.address,
      token: typeof body.token === "string" ? body.token : null,
      expiration: Math.min(Math.max(requested, now), now + MAX_TTL_MS),
      stopped: false,
      messageNumber: 0,
      queue: Promise.resolve(),
    };
    this.channels.set(channel.id, channel);
    this.enqueue(channel, "sync");
    return {
      kind: "api#channel",
      id: channel.id,
      resourceId: channel.resourceId,
      resourceUri: channel.resourceUri,
      ...(channel.token !== null ? { token: channel.token } : {}),
      expiration: String(channel.expiration),
    };
  }

  /** POST /channels/stop: only the user who opened the channel can stop it. */
  stop(email: string, body: Record<string, unknown>): void {
    const channel = typeof body.id === "string" ? this.channels.get(body.id) : undefined;
    if (!channel || channel.stopped || channel.email !== email.toLowerCase() || channel.resourceId !== body.resourceId) {
      throw apiError(404, "notFound", `Channel '${String(body.id)}' not found for project '${PROJECT_NUMBER}'`);
    }
    channel.stopped = true;
  }

  /** A change on `email`'s calendar: every live channel on it gets an "exists" message. */
  changed(email: string): void {
    for (const channel of this.channels.values()) {
      if (channel.email === email.toLowerCase() && !channel.stopped && channel.expiration > Date.now()) this.enqueue(channel, "exists");
    }
  }

  list(email?: string): ChannelView[] {
    return [...this.channels.values()]
      .filter((c) => !email || c.email === email.toLowerCase())
      .map(({ id, resourceId, email: owner, address, token, expiration, stopped }) => ({ id, resourceId, email: owner, address, token, expiration, stopped }));
  }

  /** Resolves once every delivery queued so far has been answered (or failed). */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private enqueue(channel: Channel, state: PushRecord["state"]): void {
    const messageNumber = ++channel.messageNumber;
    const delivery = channel.queue.then(() => this.deliver(channel, state, messageNumber));
    channel.queue = delivery;
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(channel: Channel, state: PushRecord["state"], messageNumber: number): Promise<void> {
    // A channel stopped while the message waited in the queue sends nothing more.
    if (channel.stopped) return;
    const record: PushRecord = { channelId: channel.id, address: channel.address, state, messageNumber, status: 0, at: Date.now() };
    this.deliveries.push(record);
    const headers: Record<string, string> = {
      "X-Goog-Channel-ID": channel.id,
      "X-Goog-Channel-Expiration": new Date(channel.expiration).toUTCString(),
      "X-Goog-Resource-ID": channel.resourceId,
      "X-Goog-Resource-URI": channel.resourceUri,
      "X-Goog-Resource-State": state,
      "X-Goog-Message-Number": String(messageNumber),
      "Content-Length": "0",
    };
    if (channel.token !== null) headers["X-Goog-Channel-Token"] = channel.token;
    try {
      const response = await fetch(channel.address, { method: "POST", headers, body: "", signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      await response.arrayBuffer();
      record.status = response.status;
    } catch (error) {
      record.error = (error as Error).message;
    }
  }
}

