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

export interface NotifierTargets {
  slackWebhookUrl?: string | null;
  emailTo?: string | null;
}

/**
 * Tells ops a lead landed in the fallback queue: a Slack-compatible incoming webhook (`{"text"}`, also
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
    let delivered = false;
    if (targets.slackWebhookUrl) {
      try {
        await this.options.outbound(targets.slackWebhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }), timeoutMs: 5_000, maxBytes: 64 * 1024 });
        delivered = true;
      } catch (error) {
        const refusal = error instanceof OutboundError ? { code: error.code, status: error.status } : {};
        log.warn({ portalId: notice.portalId, ...refusal, err: (error as Error).message }, "fallback webhook notification failed");
      }
    }
    if (targets.emailTo && this.mailer) {
      try {
        await this.mailer.sendMail({ from: this.options.from, to: targets.emailTo, subject: "AI receptionist lead waiting in the fallback queue", text: `${text}\n\n${notice.summary ?? ""}` });
        delivered = true;
      } catch (error) {
        log.warn({ portalId: notice.portalId, err: (error as Error).message }, "fallback e-mail failed");
      }
    }
    return delivered;
  }
}
