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

export interface EscalationNotice {
  portalId: string;
  /** Masked, as in every notification that leaves the app. */
  caller: string;
  reason: string;
  urgency: string | null;
  /** The contact in HubSpot, where the follow-up task waits. */
  contactUrl: string;
}

export interface NotifierTargets {
  /** Slack incoming webhook (or any Slack-compatible one: Mattermost, Rocket.Chat): `{"text"}`. */
  slackWebhookUrl?: string | null;
  /** Microsoft Teams, a Workflows "When a Teams webhook request is received" URL: an Adaptive Card. */
  teamsWebhookUrl?: string | null;
  emailTo?: string | null;
}

export type NotifyChannel = "slack" | "teams" | "email";
export interface ChannelResult {
  ok: boolean;
  /** Why it did not go out, as an admin can act on it ("hooks.slack.com answered HTTP 404"). */
  reason?: string;
}
export type ChannelResults = Partial<Record<NotifyChannel, ChannelResult>>;

interface Message {
  subject: string;
  /** One paragraph: the chat message. */
  text: string;
  /** The e-mail body. */
  body: string;
  /** Where to act on it, shown as a button in Teams and a line in Slack and e-mail. */
  link?: { title: string; url: string };
}

export const delivered = (results: ChannelResults): boolean => Object.values(results).some((r) => r?.ok);

/**
 * Tells a portal's admins (or the operator) what needs a person: a lead in the fallback queue, an
 * escalated call, a staff calendar double-booked by hand. To a Slack-compatible incoming webhook,
 * a Microsoft Teams Workflows webhook (an Adaptive Card, the format Teams' Workflows post) and/or an
 * e-mail. Webhook URLs are typed by admins: they go through the guarded fetch. A failed notification
 * is logged and reported per channel, never retried forever: what it is about is safe in PostgreSQL.
 */
export class Notifier {
  private readonly mailer;

  constructor(private readonly options: { smtpUrl?: string; from: string; /** Webhook URLs are typed by admins: the guarded fetch. */ outbound: OutboundFetch }) {
    this.mailer = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : null;
  }

  /** Whether e-mail can go out at all (SMTP_URL set): the settings page says so next to the address. */
  get canEmail(): boolean {
    return this.mailer !== null;
  }

  async fallback(notice: FallbackNotice, targets: NotifierTargets): Promise<ChannelResults> {
    const text = `AI receptionist lead not yet in HubSpot (portal ${notice.portalId}, ${notice.vendor}, caller ${notice.caller}): ${notice.reason}. Replay it from the settings page's Fallback queue, or with: npm run cli -- fallback replay --id ${notice.fallbackId}`;
    return this.send(notice.portalId, "fallback", { subject: "AI receptionist lead waiting in the fallback queue", text, body: `${text}\n\n${notice.summary ?? ""}` }, targets);
  }

  /** A booking that an event in the staff member's own calendar overlaps (someone double-booked it by hand). */
  async overlap(notice: OverlapNotice, targets: NotifierTargets): Promise<ChannelResults> {
    const text = `Double booking in a staff calendar (portal ${notice.portalId}): ${notice.staff} has a calendar event ${notice.event} over the ${notice.service} booked by the AI receptionist ${notice.booking} (reference ${notice.reference}). Move one of them; the settings page's Booking tab lists it until then.`;
    return this.send(notice.portalId, "overlap", { subject: `Double booking: ${notice.staff}, ${notice.booking}`, text, body: text }, targets);
  }

  /** A call the AI escalated: a follow-up task waits on the contact. */
  async escalation(notice: EscalationNotice, targets: NotifierTargets): Promise<ChannelResults> {
    const urgency = notice.urgency ? ` (urgency: ${notice.urgency})` : "";
    const text = `Escalated AI receptionist call${urgency} from ${notice.caller}: ${notice.reason}. A follow-up task is on the contact in HubSpot.`;
    return this.send(notice.portalId, "escalation", { subject: `Escalated call${urgency}: ${notice.reason}`.slice(0, 200), text, body: text, link: { title: "Open the contact in HubSpot", url: notice.contactUrl } }, targets);
  }

  /** The settings page's "Send test": each configured channel, with its own result. */
  async test(portalId: string, targets: NotifierTargets): Promise<ChannelResults> {
    const text = `Test from the AI receptionist app (portal ${portalId}): escalations, fallback entries and calendar conflicts you switched on will arrive here.`;
    return this.send(portalId, "test", { subject: "AI receptionist: test notification", text, body: text }, targets);
  }

  private async send(portalId: string, what: string, message: Message, targets: NotifierTargets): Promise<ChannelResults> {
    const results: ChannelResults = {};
    const withLink = message.link ? `${message.text}\n${message.link.title}: ${message.link.url}` : message.text;
    const post = async (channel: NotifyChannel, url: string, payload: unknown) => {
      try {
        await this.options.outbound(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload), timeoutMs: 5_000, maxBytes: 64 * 1024 });
        results[channel] = { ok: true };
      } catch (error) {
        const refusal = error instanceof OutboundError ? { code: error.code, status: error.status } : {};
        log.warn({ portalId, channel, ...refusal, err: (error as Error).message }, `${what} webhook notification failed`);
        results[channel] = { ok: false, reason: (error as Error).message };
      }
    };
    if (targets.slackWebhookUrl) await post("slack", targets.slackWebhookUrl, { text: withLink });
    if (targets.teamsWebhookUrl) await post("teams", targets.teamsWebhookUrl, teamsCard(message));
    if (targets.emailTo) {
      if (!this.mailer) results.email = { ok: false, reason: "e-mail is not set up on this server (SMTP_URL)" };
      else {
        try {
          await this.mailer.sendMail({ from: this.options.from, to: targets.emailTo, subject: message.subject, text: message.link ? `${message.body}\n\n${message.link.title}: ${message.link.url}` : message.body });
          results.email = { ok: true };
        } catch (error) {
          log.warn({ portalId, err: (error as Error).message }, `${what} e-mail failed`);
          results.email = { ok: false, reason: `the mail server refused it: ${(error as Error).message}` };
        }
      }
    }
    return results;
  }
}

/** The message Teams' Workflows webhook expects: one Adaptive Card attachment. */
export function teamsCard(message: Pick<Message, "subject" | "text" | "link">): unknown {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            { type: "TextBlock", text: message.subject, weight: "Bolder", size: "Medium", wrap: true },
            { type: "TextBlock", text: message.text, wrap: true },
          ],
          ...(message.link ? { actions: [{ type: "Action.OpenUrl", title: message.link.title, url: message.link.url }] } : {}),
        },
      },
    ],
  };
}
