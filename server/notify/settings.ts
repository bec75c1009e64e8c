import { z } from "zod";
import type { Db } from "../db/client.js";
import { decrypt, encrypt, sealedFor } from "../config/crypto.js";
import type { Prisma } from "../generated/prisma/client.js";
import { delivered, type ChannelResults, type EscalationNotice, type Notifier, type NotifierTargets, type NotifyChannel } from "./notifier.js";
import type { FallbackNotice, OverlapNotice } from "./notifier.js";
import type { NotificationSettingsResponse, NotifyChannelResultView, NotifyEvent } from "../../hubspot-app/app/shared/api.js";

export const NOTIFY_EVENTS = ["escalation", "fallback", "overlap"] as const satisfies readonly NotifyEvent[];

/** The operator's own channel (FALLBACK_SLACK_WEBHOOK_URL, FALLBACK_EMAIL_TO), for portals that set none. */
export interface OperatorTargets {
  slackWebhookUrl?: string | null;
  emailTo?: string | null;
}

const webhookUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((value) => value === "" || URL.canParse(value), "must be a full URL, as Slack or Teams shows it (https://...)")
  .nullable()
  .optional();

export const notificationUpdateSchema = z.strictObject({
  slackUrl: webhookUrl,
  teamsUrl: webhookUrl,
  email: z.union([z.literal(""), z.email("must be an e-mail address")]).nullable().optional(),
  events: z.array(z.enum(NOTIFY_EVENTS)).max(NOTIFY_EVENTS.length),
});
export type NotificationUpdate = z.infer<typeof notificationUpdateSchema>;

type UrlColumn = "slackUrlEnc" | "teamsUrlEnc";

/**
 * A portal's notification channels (settings page, Notifications tab) and every send to them: the
 * events it switched off are not sent, the outcome of each send is kept per channel so the page shows
 * a channel that stopped working. A portal that set nothing uses the operator's channel for fallback
 * entries and double bookings (never for escalations: those are the business's own follow-ups).
 */
export class PortalNotifications {
  constructor(private readonly deps: { db: Db; encryptionKey: string; notifier: Notifier; operator: OperatorTargets; allowPlainHttp: boolean }) {}

  fallback(notice: FallbackNotice): Promise<boolean> {
    return this.send(notice.portalId, "fallback", (targets) => this.deps.notifier.fallback(notice, targets));
  }

  overlap(notice: OverlapNotice): Promise<boolean> {
    return this.send(notice.portalId, "overlap", (targets) => this.deps.notifier.overlap(notice, targets));
  }

  escalation(notice: EscalationNotice): Promise<boolean> {
    return this.send(notice.portalId, "escalation", (targets) => this.deps.notifier.escalation(notice, targets));
  }

  /** "Send test": every channel the portal saved, whatever events are switched on. */
  async test(portalId: string): Promise<ChannelResults | null> {
    const row = await this.deps.db.notificationSettings.findUnique({ where: { portalId } });
    const targets = row ? this.targetsOf(row) : null;
    if (!targets || !Object.values(targets).some(Boolean)) return null;
    const results = await this.deps.notifier.test(portalId, targets);
    await this.record(portalId, results);
    return results;
  }

  async view(portalId: string): Promise<NotificationSettingsResponse> {
    const row = await this.deps.db.notificationSettings.findUnique({ where: { portalId } });
    const targets = row ? this.targetsOf(row) : {};
    return {
      slack: targets.slackWebhookUrl ? masked(targets.slackWebhookUrl) : null,
      teams: targets.teamsWebhookUrl ? masked(targets.teamsWebhookUrl) : null,
      email: row?.email ?? null,
      events: (row?.events ?? [...NOTIFY_EVENTS]).filter((e): e is NotifyEvent => (NOTIFY_EVENTS as readonly string[]).includes(e)),
      canEmail: this.deps.notifier.canEmail,
      lastResults: (row?.lastResults ?? {}) as Partial<Record<NotifyChannel, NotifyChannelResultView>>,
    };
  }

  /** Saves a validated update; a URL that is not https (plain http only where private networks are allowed) is refused with the reason. */
  async save(portalId: string, update: NotificationUpdate): Promise<{ kind: "saved" } | { kind: "invalid"; reason: string }> {
    for (const [field, value] of [["slackUrl", update.slackUrl], ["teamsUrl", update.teamsUrl]] as const) {
      if (!value) continue;
      const protocol = new URL(value).protocol;
      if (protocol !== "https:" && !(this.deps.allowPlainHttp && protocol === "http:")) return { kind: "invalid", reason: `${field}: must start with https://` };
    }
    const seal = (column: UrlColumn, value: string | null | undefined) => (value === undefined ? undefined : value ? encrypt(value, this.deps.encryptionKey, sealedFor("NotificationSettings", column, portalId)) : null);
    const data = {
      slackUrlEnc: seal("slackUrlEnc", update.slackUrl),
      teamsUrlEnc: seal("teamsUrlEnc", update.teamsUrl),
      ...(update.email === undefined ? {} : { email: update.email || null }),
      events: [...new Set(update.events)],
    };
    // A channel whose URL changed starts without the old URL's last result.
    const cleared = (["slack", "teams", "email"] as const).filter((c) => ({ slack: update.slackUrl, teams: update.teamsUrl, email: update.email })[c] !== undefined);
    await this.deps.db.$transaction(async (tx) => {
      const saved = await tx.notificationSettings.upsert({ where: { portalId }, create: { portalId, ...data }, update: data });
      if (!cleared.length) return;
      const last = { ...(saved.lastResults as Record<string, unknown>) };
      for (const channel of cleared) delete last[channel];
      await tx.notificationSettings.update({ where: { portalId }, data: { lastResults: last as Prisma.InputJsonValue } });
    });
    return { kind: "saved" };
  }

  /** Uninstall: the portal's channels go. */
  async forget(portalId: string): Promise<void> {
    await this.deps.db.notificationSettings.deleteMany({ where: { portalId } });
  }

  private async send(portalId: string, event: NotifyEvent, compose: (targets: NotifierTargets) => Promise<ChannelResults>): Promise<boolean> {
    const row = await this.deps.db.notificationSettings.findUnique({ where: { portalId } });
    let targets: NotifierTargets;
    if (row) {
      if (!row.events.includes(event)) return false;
      targets = this.targetsOf(row);
    } else {
      if (event === "escalation") return false;
      targets = this.deps.operator;
    }
    if (!Object.values(targets).some(Boolean)) return false;
    const results = await compose(targets);
    if (row) await this.record(portalId, results);
    return delivered(results);
  }

  private targetsOf(row: { portalId: string; slackUrlEnc: string | null; teamsUrlEnc: string | null; email: string | null }): NotifierTargets {
    return { slackWebhookUrl: this.open(row.portalId, "slackUrlEnc", row.slackUrlEnc), teamsWebhookUrl: this.open(row.portalId, "teamsUrlEnc", row.teamsUrlEnc), emailTo: row.email };
  }

  private open(portalId: string, column: UrlColumn, value: string | null): string | null {
    if (!value) return null;
    // Copied from the old plain Portal column by the migration: sealed the next time the settings are saved.
    if (/^https?:\/\//.test(value)) return value;
    return decrypt(value, this.deps.encryptionKey, sealedFor("NotificationSettings", column, portalId));
  }

  private async record(portalId: string, results: ChannelResults): Promise<void> {
    const at = new Date().toISOString();
    const entries = Object.entries(results).map(([channel, result]) => [channel, { ...result, at }]);
    if (!entries.length) return;
    // One statement, merged in PostgreSQL: two sends at once each keep their channel's result.
    await this.deps.db.$executeRaw`UPDATE "NotificationSettings" SET "lastResults" = "lastResults" || ${JSON.stringify(Object.fromEntries(entries))}::jsonb WHERE "portalId" = ${portalId}`;
  }
}

/** Where a webhook URL points, without the secret part: "hooks.slack.com, ending …a1b2". */
export function masked(url: string): string {
  const host = URL.canParse(url) ? new URL(url).host : "an address";
  return `${host}, ending …${url.slice(-4)}`;
}
