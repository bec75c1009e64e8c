import { createHmac, randomUUID } from "node:crypto";
import type { Directory, SimUser } from "./directory.js";
import { alreadyExists, invalidArgument, notFound, permissionDenied, type ErrorDetail } from "./errors.js";
import { paginate } from "./paging.js";
import type { WebhookEventName } from "./scheduling.js";
import { calendlyTime } from "./time.js";

// Webhook subscriptions and their deliveries. A delivery is POSTed after the change that caused it has
// been answered, signed `Calendly-Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>`
// with the subscription's signing_key (an OAuth app's own key when none was given). A receiver that
// does not answer 2xx gets the same body again after each retry delay. Tests can make the next
// deliveries arrive twice, or hold deliveries and let them go in another order.

export const WEBHOOK_EVENTS = ["invitee.created", "invitee.canceled", "invitee_no_show.created", "invitee_no_show.deleted", "routing_form_submission.created"] as const;

export interface SimWebhookSubscription {
  uuid: string;
  uri: string;
  callbackUrl: string;
  events: string[];
  scope: "user" | "organization";
  organization: string;
  user: string | null;
  creator: string;
  signingKey: string;
  state: "active" | "disabled";
  createdAt: number;
}

/** One POST the simulator made to a callback URL. */
export interface DeliveryRecord {
  subscription: string;
  url: string;
  event: WebhookEventName;
  /** The exact bytes posted. */
  body: string;
  signature: string;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** Sent again on purpose by `duplicateNext`. */
  duplicate: boolean;
  /** The receiver's status; null when it never answered. */
  status: number | null;
  error?: string;
  at: number;
}

export interface WebhookOptions {
  directory: Directory;
  appSigningKey: string;
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  /** Extra random delay before each delivery, so that concurrent deliveries can overtake each other. */
  jitterMs: number;
  log(record: DeliveryRecord): void;
}

interface Pending {
  subscription: SimWebhookSubscription;
  event: WebhookEventName;
  body: string;
  duplicate: boolean;
}

export class Webhooks {
  private readonly subscriptions = new Map<string, SimWebhookSubscription>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly held: Pending[] = [];
  private holding = false;
  private duplicates = 0;
  private readonly aborter = new AbortController();

  constructor(private readonly options: WebhookOptions) {}

  /** POST /webhook_subscriptions. `canReadEvents`: the token may read what invitee webhooks carry. */
  create(viewer: SimUser, body: Record<string, unknown>, canReadEvents: boolean): SimWebhookSubscription {
    const problems: ErrorDetail[] = [];
    const url = typeof body.url === "string" ? body.url : "";
    if (!url) problems.push({ parameter: "url", message: "is required" });
    else if (!callbackAllowed(url)) problems.push({ parameter: "url", message: "must be a valid https URL" });
    const events = Array.isArray(body.events) ? (body.events as unknown[]) : null;
    if (!events?.length) problems.push({ parameter: "events", message: "is required" });
    else if (events.some((e) => !(WEBHOOK_EVENTS as readonly unknown[]).includes(e))) problems.push({ parameter: "events", message: `must be a subset of ${WEBHOOK_EVENTS.join(", ")}` });
    if (typeof body.organization !== "string" || !body.organization) problems.push({ parameter: "organization", message: "is required" });
    if (body.scope !== "user" && body.scope !== "organization") problems.push({ parameter: "scope", message: "must be one of user, organization" });
    if (body.scope === "user" && (typeof body.user !== "string" || !body.user)) problems.push({ parameter: "user", message: "is required when scope is user" });
    if (body.signing_key !== undefined && (typeof body.signing_key !== "string" || !body.signing_key)) problems.push({ parameter: "signing_key", message: "must be a non-empty string" });
    if (problems.length) throw invalidArgument(...problems);
    const admin = viewer.role === "owner" || viewer.role === "admin";
    if (body.organization !== viewer.organization) throw permissionDenied();
    if (body.scope === "organization" && !admin) throw permissionDenied();
    if (body.scope === "user" && body.user !== viewer.uri && !(admin && this.options.directory.byUri(body.user as string)?.organization === viewer.organization)) throw permissionDenied();
    if (!canReadEvents) throw permissionDenied("The access token does not have the required scope: scheduled_events:read");
    const user = body.scope === "user" ? (body.user as string) : null;
    if ([...this.subscriptions.values()].some((s) => s.callbackUrl === url && s.organization === viewer.organization && s.scope === body.scope && s.user === user)) {
      throw alreadyExists("Hook with this url already exists");
    }
    const uuid = randomUUID();
    const subscription: SimWebhookSubscription = {
      uuid,
      uri: `${this.options.directory.apiUrl()}/webhook_subscriptions/${uuid}`,
      callbackUrl: url,
      events: [...new Set(events as string[])],
      scope: body.scope as SimWebhookSubscription["scope"],
      organization: viewer.organization,
      user,
      creator: viewer.uri,
      signingKey: (body.signing_key as string | undefined) ?? this.options.appSigningKey,
      state: "active",
      createdAt: Date.now(),
    };
    this.subscriptions.set(uuid, subscription);
    return subscription;
  }

  /** GET /webhook_subscriptions?organization&scope[&user] */
  list(viewer: SimUser, query: Record<string, string | undefined>, pageUrl: string) {
    const problems: ErrorDetail[] = [];
    if (!query.organization) problems.push({ parameter: "organization", message: "is required" });
    if (query.scope !== "user" && query.scope !== "organization") problems.push({ parameter: "scope", message: "must be one of user, organization" });
    if (query.scope === "user" && !query.user) problems.push({ parameter: "user", message: "is required when scope is user" });
    if (problems.length) throw invalidArgument(...problems);
    if (query.organization !== viewer.organization) throw permissionDenied();
    const items = [...this.subscriptions.values()]
      .filter((s) => s.organization === viewer.organization && s.scope === query.scope && (query.scope !== "user" || s.user === query.user))
      .sort((a, b) => a.createdAt - b.createdAt);
    return paginate(items, query, pageUrl, (s) => this.json(s));
  }

  get(viewer: SimUser, uuid: string): SimWebhookSubscription {
    const subscription = this.subscriptions.get(uuid);
    if (!subscription) throw notFound();
    if (subscription.organization !== viewer.organization) throw permissionDenied();
    return subscription;
  }

  /** DELETE /webhook_subscriptions/{uuid}: deliveries already queued still go out, as on Calendly. */
  remove(viewer: SimUser, uuid: string): void {
    this.get(viewer, uuid);
    this.subscriptions.delete(uuid);
  }

  all(): SimWebhookSubscription[] {
    return [...this.subscriptions.values()];
  }

  json(s: SimWebhookSubscription) {
    const at = calendlyTime(s.createdAt);
    return { uri: s.uri, callback_url: s.callbackUrl, created_at: at, updated_at: at, retry_started_at: null, state: s.state, events: s.events, scope: s.scope, organization: s.organization, user: s.user, group: null, creator: s.creator };
  }

  /** An invitee event on `host`'s calendar: one delivery per live subscription that wants it. */
  fire(name: WebhookEventName, host: SimUser, payload: Record<string, unknown>): void {
    const createdAt = calendlyTime(Date.now());
    for (const subscription of this.subscriptions.values()) {
      if (subscription.state !== "active" || !subscription.events.includes(name) || subscription.organization !== host.organization) continue;
      if (subscription.scope === "user" && subscription.user !== host.uri) continue;
      const body = JSON.stringify({ created_at: createdAt, created_by: subscription.creator, event: name, payload });
      const twice = this.duplicates > 0;
      if (twice) this.duplicates--;
      this.enqueue({ subscription, event: name, body, duplicate: false });
      if (twice) this.enqueue({ subscription, event: name, body, duplicate: true });
    }
  }

  /** The next `n` deliveries are each sent twice, byte for byte. */
  duplicateNext(n: number): void {
    this.duplicates += n;
  }

  /** Deliveries wait until `release()`. */
  hold(): void {
    this.holding = true;
  }

  /** Sends the held deliveries, in the order they were made, reversed, or shuffled. */
  release(order: "fifo" | "reverse" | "shuffle" = "fifo"): void {
    this.holding = false;
    const batch = this.held.splice(0);
    if (order === "reverse") batch.reverse();
    if (order === "shuffle") for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    // One after another, so the order chosen is the order of arrival.
    let chain = Promise.resolve();
    for (const pending of batch) chain = chain.then(() => this.attempt(pending, 1));
    this.track(chain);
  }

  /** Resolves once every delivery sent so far (retries included) is done; held ones are not waited for. */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  async stop(): Promise<void> {
    this.aborter.abort();
    this.held.length = 0;
    await this.settle();
  }

  private enqueue(pending: Pending): void {
    if (this.holding) return void this.held.push(pending);
    const jitter = this.options.jitterMs > 0 ? Math.random() * this.options.jitterMs : 0;
    // After the answer to the request that caused it.
    this.track(new Promise<void>((resolve) => setTimeout(resolve, jitter)).then(() => this.attempt(pending, 1)));
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async attempt(pending: Pending, attempt: number): Promise<void> {
    if (this.aborter.signal.aborted) return;
    const t = Math.floor(Date.now() / 1000);
    const signature = `t=${t},v1=${createHmac("sha256", pending.subscription.signingKey).update(`${t}.${pending.body}`).digest("hex")}`;
    const record: DeliveryRecord = { subscription: pending.subscription.uri, url: pending.subscription.callbackUrl, event: pending.event, body: pending.body, signature, attempt, duplicate: pending.duplicate, status: null, at: Date.now() };
    this.options.log(record);
    try {
      const response = await fetch(pending.subscription.callbackUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json; charset=utf-8", "Calendly-Webhook-Signature": signature, "User-Agent": "Calendly" },
        body: pending.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.aborter.signal]),
      });
      await response.arrayBuffer();
      record.status = response.status;
    } catch (error) {
      record.error = (error as Error).message;
    }
    const delay = this.options.retryDelaysMs[attempt - 1];
    if ((record.status === null || record.status < 200 || record.status >= 300) && delay !== undefined && !this.aborter.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      await this.attempt(pending, attempt + 1);
    }
  }
}

/** Calendly wants HTTPS; the simulator lets loopback addresses through on HTTP. */
function callbackAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || (u.protocol === "http:" && (u.hostname === "127.0.0.1" || u.hostname === "localhost"));
  } catch {
    return false;
  }
}
