import { randomUUID } from "node:crypto";
import { accessDenied, graphError, itemNotFound } from "./errors.js";
import type { ChangeType, SimEvent } from "./calendar.js";
import type { SimUser } from "./identity.js";

// Graph change notifications for Outlook events. Creating a subscription first validates every URL it
// names: a POST with a `validationToken` query parameter (a sentence with spaces and colons) that must
// be echoed back, 200 text/plain, within the timeout, or the create fails with a 400. Afterwards each
// change to the user's events is POSTed there, asynchronously, with the subscription's clientState.
// Deliveries are not retried (Graph retries for hours); every attempt is in the push log.

export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

export interface SimSubscription {
  id: string;
  userId: string;
  resource: string;
  changeTypes: ChangeType[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiresAt: Date;
  applicationId: string;
}

/** One POST the simulator made to an app's endpoint. */
export interface PushRecord {
  kind: "validation" | "change" | "lifecycle";
  subscriptionId: string | null;
  url: string;
  /** The JSON posted, or the validation token. */
  body: unknown;
  /** The app's status, or null when it never answered (timeout, connection refused). */
  status: number | null;
  error?: string;
  at: number;
}

export interface SubscriptionOptions {
  validationTimeoutMs: number;
  deliveryTimeoutMs: number;
  log(record: PushRecord): void;
}

/** Outlook event subscriptions live at most 10080 minutes (7 days); under 45 minutes is raised to 45. */
export const MAX_EXPIRATION_MINUTES = 10_080;
const MIN_EXPIRATION_MINUTES = 45;
const CHANGE_TYPES: readonly ChangeType[] = ["created", "updated", "deleted"];
const FIELDS = new Set(["changeType", "notificationUrl", "lifecycleNotificationUrl", "resource", "expirationDateTime", "clientState", "latestSupportedTlsVersion", "includeResourceData", "encryptionCertificate", "encryptionCertificateId", "notificationQueryOptions", "notificationUrlAppId"]);

export class Subscriptions {
  private readonly subscriptions = new Map<string, SimSubscription>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly aborter = new AbortController();

  constructor(private readonly options: SubscriptionOptions) {}

  /** POST /subscriptions. */
  async create(user: SimUser, clientId: string, scopes: string[], body: unknown): Promise<SimSubscription> {
    const fields = body as Record<string, unknown> | undefined;
    if (!fields || typeof fields !== "object" || Array.isArray(fields)) throw graphError(400, "BadRequest", "Empty Payload. JSON content expected.");
    for (const key of Object.keys(fields)) {
      if (!FIELDS.has(key) && !key.startsWith("@odata.")) throw graphError(400, "RequestBodyRead", `The property '${key}' does not exist on type 'microsoft.graph.subscription'.`);
    }
    const invalid = (message: string) => graphError(400, "InvalidRequest", message);
    if (!scopes.some((s) => s === "Calendars.Read" || s === "Calendars.ReadWrite")) throw accessDenied();

    const changeTypes = typeof fields.changeType === "string" ? fields.changeType.split(",").map((s) => s.trim()) : [];
    if (!changeTypes.length || changeTypes.some((c) => !CHANGE_TYPES.includes(c as ChangeType))) throw invalid(`Invalid changeType '${String(fields.changeType)}': use created, updated, deleted, comma-separated.`);
    const resource = typeof fields.resource === "string" ? fields.resource.replace(/^\//, "") : "";
    const mine = new RegExp(`^(me|users/(${escape(user.id)}|${escape(user.email)}))/(calendar/)?events$`, "i");
    if (!mine.test(resource)) {
      if (/^users\/[^/]+\/(calendar\/)?events$/i.test(resource)) throw accessDenied();
      throw invalid(`Resource '${resource}' is not supported by the simulator: use me/events.`);
    }
    const notificationUrl = endpoint(fields.notificationUrl, "notificationUrl");
    const lifecycleNotificationUrl = fields.lifecycleNotificationUrl === undefined || fields.lifecycleNotificationUrl === null ? null : endpoint(fields.lifecycleNotificationUrl, "lifecycleNotificationUrl");
    const expiration = typeof fields.expirationDateTime === "string" ? new Date(fields.expirationDateTime) : new Date(Number.NaN);
    if (Number.isNaN(expiration.getTime())) throw invalid("expirationDateTime is required and must be a date and time.");
    const minutes = (expiration.getTime() - Date.now()) / 60_000;
    if (minutes <= 0) throw invalid("Subscription expiration must be in the future.");
    if (minutes > MAX_EXPIRATION_MINUTES) throw invalid(`Subscription expiration can only be ${MAX_EXPIRATION_MINUTES} minutes in the future.`);
    if (fields.clientState !== undefined && fields.clientState !== null && (typeof fields.clientState !== "string" || fields.clientState.length > 128)) throw invalid("clientState must be a string of at most 128 characters.");

    // Every URL named is validated before the subscription exists.
    for (const url of [notificationUrl, ...(lifecycleNotificationUrl ? [lifecycleNotificationUrl] : [])]) await this.validate(url);

    const subscription: SimSubscription = {
      id: randomUUID(),
      userId: user.id,
      resource,
      changeTypes: changeTypes as ChangeType[],
      notificationUrl,
      lifecycleNotificationUrl,
      clientState: (fields.clientState as string | null | undefined) ?? null,
      expiresAt: new Date(Math.max(expiration.getTime(), Date.now() + MIN_EXPIRATION_MINUTES * 60_000)),
      applicationId: clientId,
    };
    this.subscriptions.set(subscription.id, subscription);
    return subscription;
  }

  /** DELETE /subscriptions/{id}. */
  remove(user: SimUser, id: string): void {
    const subscription = this.subscriptions.get(id);
    if (!subscription || subscription.userId !== user.id) throw itemNotFound();
    this.subscriptions.delete(id);
  }

  list(userId?: string): SimSubscription[] {
    return [...this.subscriptions.values()].filter((s) => !userId || s.userId === userId).map((s) => structuredClone(s));
  }

  /** A change to one of the user's events: one notification per live subscription that asked for this change type. */
  changed(user: SimUser, changeType: ChangeType, event: SimEvent): void {
    for (const subscription of this.subscriptions.values()) {
      if (subscription.userId !== user.id || !subscription.changeTypes.includes(changeType) || subscription.expiresAt.getTime() <= Date.now()) continue;
      const resource = `Users/${user.id}/Events/${event.id}`;
      const body = {
        value: [
          {
            subscriptionId: subscription.id,
            subscriptionExpirationDateTime: subscription.expiresAt.toISOString(),
            changeType,
            resource,
            resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": resource, "@odata.etag": `W/"${event.changeKey}"`, id: event.id },
            clientState: subscription.clientState,
            tenantId: user.tenantId,
          },
        ],
      };
      this.track(this.post("change", subscription.id, subscription.notificationUrl, body));
    }
  }

  /** A lifecycle notice to the subscription's lifecycleNotificationUrl; subscriptionRemoved also ends it. */
  async lifecycle(id: string, event: LifecycleEvent, tenantId: string): Promise<PushRecord> {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw new Error(`lifecycle: no subscription ${id}`);
    if (!subscription.lifecycleNotificationUrl) throw new Error(`lifecycle: subscription ${id} has no lifecycleNotificationUrl, so Graph would send nothing`);
    if (event === "subscriptionRemoved") this.subscriptions.delete(id);
    const body = { value: [{ subscriptionId: id, subscriptionExpirationDateTime: subscription.expiresAt.toISOString(), tenantId, clientState: subscription.clientState, lifecycleEvent: event }] };
    return this.track(this.post("lifecycle", id, subscription.lifecycleNotificationUrl, body));
  }

  /** Resolves once every notification scheduled so far has been answered or given up on. */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async stop(): Promise<void> {
    this.aborter.abort();
    await this.settle();
  }

  private async validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set("validationToken", token);
    const record: PushRecord = { kind: "validation", subscriptionId: null, url, body: token, status: null, at: Date.now() };
    this.options.log(record);
    let echoed = false;
    try {
      const response = await fetch(target, { method: "POST", headers: { "Content-Type": "text/plain; charset=utf-8" }, signal: AbortSignal.any([AbortSignal.timeout(this.options.validationTimeoutMs), this.aborter.signal]) });
      record.status = response.status;
      const text = await response.text();
      echoed = response.status === 200 && /^text\/plain\b/i.test(response.headers.get("content-type") ?? "") && text === token;
    } catch (error) {
      record.error = (error as Error).message;
    }
    if (!echoed) throw graphError(400, "InvalidRequest", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.");
  }

  private async post(kind: PushRecord["kind"], subscriptionId: string, url: string, body: unknown): Promise<PushRecord> {
    // Notifications leave after the write that caused them has been answered.
    await new Promise((resolve) => setImmediate(resolve));
    const record: PushRecord = { kind, subscriptionId, url, body, status: null, at: Date.now() };
    this.options.log(record);
    try {
      const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json; charset=utf-8" }, body: JSON.stringify(body), signal: AbortSignal.any([AbortSignal.timeout(this.options.deliveryTimeoutMs), this.aborter.signal]) });
      record.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      record.error = (error as Error).message;
    }
    return record;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
    return promise;
  }
}

/** Graph insists on HTTPS; the simulator also lets http through on loopback, where tests listen. */
function endpoint(raw: unknown, field: string): string {
  try {
    const url = new URL(String(raw));
    if (url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))) return String(raw);
  } catch {
    // reported below
  }
  throw graphError(400, "InvalidRequest", `Invalid ${field} '${String(raw)}': it must be an absolute HTTPS URL.`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export const subscriptionJson = (s: SimSubscription, base: string) => ({
  "@odata.context": `${base}/v1.0/$metadata#subscriptions/$entity`,
  id: s.id,
  resource: s.resource,
  applicationId: s.applicationId,
  changeType: s.changeTypes.join(","),
  clientState: s.clientState,
  notificationUrl: s.notificationUrl,
  notificationQueryOptions: null,
  lifecycleNotificationUrl: s.lifecycleNotificationUrl,
  expirationDateTime: s.expiresAt.toISOString(),
  creatorId: s.userId,
  includeResourceData: null,
  latestSupportedTlsVersion: "v1_2",
  encryptionCertificate: null,
  encryptionCertificateId: null,
  notificationUrlAppId: null,
});
