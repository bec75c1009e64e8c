import nodemailer from "nodemailer";
import { logger } from "../config/logger.js";
import { OutboundError, type OutboundFetch } from "../net/outbound.js";

const log = logger("notify");

export interface FallbackNotice {
  portalId: string;
  fallbackId: string;
  vendor: string;
  reason: string;
  /** Masked: never a full phone number in a notification that leaves the app. */
  caller: string;
  summary?: string | null;
}

export interface OverlapNotice {
  portalId: string;
  staff: string;
  service: string;
  reference: string;
  /** When the booking is, as ops read it ("Tue, Dec 8, 3:00 PM (America/Denver)"). */
  booking: string;
  /** When the overlapping calendar event is, the same way. */
  event: string;
}

export interface NotifierTargets {
  slackWebhookUrl?: string | null;
  emailTo?: string | null;
}

/**
 * Tells ops a lead landed in the fallback queue, or a staff calendar was double-booked by hand: a Slack-compatible incoming webhook (`{"text"}`, also
 * understood by Mattermost, Rocket.Chat, Teams workflows) and/or an e-mail. A failed notification is
 * logged, never retried forever: the entry itself is safe in PostgreSQL.
 */
export class Notifier {
  private readonly mailer;

  constructor(private readonly options: { smtpUrl?: string; from: string; /** Webhook URLs are typed by admins: the guarded fetch. */ outbound: OutboundFetch }) {
    this.mailer = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : null;
  }

  async fallback(notice: FallbackNotice, targets: NotifierTargets): Promise<boolean> {
    const text = `AI receptionist lead not yet in HubSpot (portal ${notice.portalId}, ${notice.vendor}, caller ${notice.caller}): ${notice.reason}. Replay with: npm run cli -- fallback replay --id ${notice.fallbackId}`;
    return this.send(notice.portalId, "fallback", { subject: "AI receptionist lead waiting in the fallback queue", text, body: `${text}\n\n${notice.summary ?? ""}` }, targets);
  }

  /** A booking that an event in the staff member's own calendar overlaps (someone double-booked it by hand). */
  async overlap(notice: OverlapNotice, targets: NotifierTargets): Promise<boolean> {
    const text = `Double booking in a staff calendar (portal ${notice.portalId}): ${notice.staff} has a calendar event ${notice.event} over the ${notice.service} booked by the AI receptionist ${notice.booking} (reference ${notice.reference}). Move one of them; the settings page's Booking tab lists it until then.`;
    return this.send(notice.portalId, "overlap", { subject: `Double booking: ${notice.staff}, ${notice.booking}`, text, body: text }, targets);
  }

  /** Slack-compatible webhook and/or e-mail; true when either went out. */
  private async send(portalId: string, what: string, message: { subject: string; text: string; body: string }, targets: NotifierTargets): Promise<boolean> {
    let delivered = false;
    if (targets.slackWebhookUrl) {
      try {
        await this.options.outbound(targets.slackWebhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: message.text }), timeoutMs: 5_000, maxBytes: 64 * 1024 });
        delivered = true;
      } catch (error) {
        const refusal = error instanceof OutboundError ? { code: error.code, status: error.status } : {};
        log.warn({ portalId, ...refusal, err: (error as Error).message }, `${what} webhook notification failed`);
      }
    }
    if (targets.emailTo && this.mailer) {
      try {
        await this.mailer.sendMail({ from: this.options.from, to: targets.emailTo, subject: message.subject, text: message.body });
        delivered = true;
      } catch (error) {
        log.warn({ portalId, err: (error as Error).message }, `${what} e-mail failed`);
      }
    }
    return delivered;
  }
}
