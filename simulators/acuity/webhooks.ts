import { createHmac } from "node:crypto";
import type { Appointment, ChangeKind } from "./appointments.js";
import { invalid, notFound } from "./errors.js";
import { newId } from "./schedule.js";

// Dynamic webhooks (developers.acuityscheduling.com/page/webhooks-webhooks-webhooks and /docs/webhooks):
// `{event, target}` subscriptions, at most 25 per account (then a 400), targets on port 443 or 80
// (the simulator also lets loopback through on any port, where tests listen). A change is posted
// after the answer that caused it, form-encoded `action`, `id`, `calendarID`, `appointmentTypeID`,
// signed in X-Acuity-Signature with base64 HMAC-SHA256 of the raw body keyed with the account's API
// key. `appointment.changed` fires on every change, so subscribing to it and to `scheduled` (etc.)
// delivers the same change twice, as Acuity warns. Failed deliveries are recorded, not retried.
// Chaos knobs: every delivery twice, or deliveries held and released newest first.

export const EVENTS = ["appointment.scheduled", "appointment.rescheduled", "appointment.canceled", "appointment.changed", "order.completed"] as const;
export type WebhookEvent = (typeof EVENTS)[number];

export interface SimWebhook {
  id: number;
  userId: number;
  event: WebhookEvent;
  target: string;
  status: "active";
}

export interface WebhookDelivery {
  webhookId: number;
  target: string;
  /** The raw form body, exactly as signed. */
  body: string;
  signature: string;
  action: string;
  appointmentId: number;
  /** The receiver's HTTP status; 0 while in flight or when the connection failed. */
  status: number;
  error?: string;
  duplicate: boolean;
  at: number;
}

export interface WebhookChaos {
  /** Every delivery goes out a second time once the first is answered. */
  twice?: boolean;
  /** Deliveries wait until settle() or releaseWebhooks(), then go out newest first. */
  reorder?: boolean;
}

export interface WebhookOptions {
  max: number;
  delayMs: number;
  deliveryTimeoutMs: number;
  /** "short": action=scheduled, as the docs list it; "event": action=appointment.scheduled. */
  actionStyle: "short" | "event";
  apiKeyOf(userId: number): string;
}

/** Signs a webhook body as Acuity does (exported so tests can check the simulator against it). */
export function acuitySignature(body: string, apiKey: string): string {
  return createHmac("sha256", apiKey).update(body).digest("base64");
}

export class Webhooks {
  readonly deliveries: WebhookDelivery[] = [];
  chaos: WebhookChaos = {};
  private readonly hooks = new Map<number, SimWebhook>();
  private held: (() => Promise<void>)[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly aborter = new AbortController();

  constructor(private readonly options: WebhookOptions) {}

  /** POST /webhooks */
  create(userId: number, body: Record<string, unknown>): SimWebhook {
    if (!EVENTS.includes(body.event as WebhookEvent)) throw invalid("invalid_event", `The event "${String(body.event ?? "")}" is invalid. Use one of: ${EVENTS.join(", ")}.`);
    if (!validTarget(body.target)) throw invalid("invalid_target", `The target "${String(body.target ?? "")}" must be a URL on port 443 or 80.`);
    if (this.list(userId).length >= this.options.max) throw invalid("too_many_webhooks", `A maximum of ${this.options.max} webhooks can be created per account.`);
    const hook: SimWebhook = { id: newId(), userId, event: body.event as WebhookEvent, target: String(body.target), status: "active" };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  list(userId?: number): SimWebhook[] {
    return [...this.hooks.values()].filter((h) => userId === undefined || h.userId === userId);
  }

  /** DELETE /webhooks/:id: only the account's own. */
  remove(userId: number, id: unknown): void {
    const hook = this.hooks.get(Number(id));
    if (!hook || hook.userId !== userId) throw notFound();
    this.hooks.delete(hook.id);
  }

  /** An appointment of `userId` changed: one delivery per matching subscription. */
  changed(userId: number, kind: ChangeKind, appointment: Appointment): void {
    for (const hook of this.list(userId)) {
      if (hook.event !== `appointment.${kind}` && hook.event !== "appointment.changed") continue;
      const short = hook.event === "appointment.changed" ? "changed" : kind;
      const action = this.options.actionStyle === "event" ? `appointment.${short}` : short;
      const body = new URLSearchParams({ action, id: String(appointment.id), calendarID: String(appointment.calendarID), appointmentTypeID: String(appointment.appointmentTypeID) }).toString();
      const send = async () => {
        await this.post(hook, action, appointment.id, body, false);
        if (this.chaos.twice) await this.post(hook, action, appointment.id, body, true);
      };
      if (this.chaos.reorder) this.held.push(send);
      else this.track(new Promise<void>((resolve) => setTimeout(resolve, this.options.delayMs)).then(send));
    }
  }

  /** Sends the held deliveries, newest first. */
  release(): void {
    const held = this.held.reverse();
    this.held = [];
    this.track(held.reduce((chain, send) => chain.then(send), Promise.resolve()));
  }

  /** Resolves once every delivery so far (held ones included) has been answered or has failed. */
  async settle(): Promise<void> {
    if (this.held.length) this.release();
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async stop(): Promise<void> {
    this.held = [];
    this.aborter.abort();
    await this.settle();
  }

  private async post(hook: SimWebhook, action: string, appointmentId: number, body: string, duplicate: boolean): Promise<void> {
    const signature = acuitySignature(body, this.options.apiKeyOf(hook.userId));
    const record: WebhookDelivery = { webhookId: hook.id, target: hook.target, body, signature, action, appointmentId, status: 0, duplicate, at: Date.now() };
    this.deliveries.push(record);
    try {
      const response = await fetch(hook.target, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Acuity-Signature": signature },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.deliveryTimeoutMs), this.aborter.signal]),
      });
      await response.arrayBuffer();
      record.status = response.status;
    } catch (error) {
      record.error = (error as Error).message;
    }
  }

  private track(promise: Promise<void>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }
}

/** Port 443 (https) or 80 (http), as Acuity demands; loopback on any port for tests. */
function validTarget(raw: unknown): boolean {
  try {
    const url = new URL(String(raw));
    if (["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return url.protocol === "http:" || url.protocol === "https:";
    return (url.protocol === "https:" && (url.port === "" || url.port === "443")) || (url.protocol === "http:" && (url.port === "" || url.port === "80"));
  } catch {
    return false;
  }
}
