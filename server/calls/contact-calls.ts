import type { Db } from "../db/client.js";
import type { CallRecord } from "./record.js";
import { transcriptTurns } from "./transcript.js";
import type { AmbiguityRule, CallSummary } from "../../hubspot-app/app/shared/api.js";

/**
 * One page of a contact's calls, newest first, as the contact card shows them. `before` is the
 * creation time the previous page ended at; `recordingLink` makes the short-lived player link of a
 * call that has a recording.
 */
export async function contactCalls(
  db: Db,
  query: { portalId: string; contactId: string; limit: number; before?: Date; recordingLink(callId: string): string },
): Promise<{ calls: CallSummary[]; nextBefore: string | null }> {
  const { portalId, contactId, limit, before } = query;
  const rows = await db.call.findMany({
    where: { portalId, hubspotContactId: contactId, ...(before && !Number.isNaN(before.getTime()) ? { createdAt: { lt: before } } : {}) },
    orderBy: { createdAt: "desc" },
    take: limit + 1,
  });
  const calls = rows.slice(0, limit).map((row): CallSummary => {
    const r = row.record as unknown as CallRecord;
    const turns = transcriptTurns(r).map(({ speaker, text }) => ({ speaker, text }));
    return {
      id: row.id,
      vendor: row.vendor,
      startedAt: r.startedAt ?? row.createdAt.toISOString(),
      durationMs: r.durationMs ?? null,
      disposition: r.disposition ?? null,
      sentiment: r.sentiment?.label ?? null,
      intent: r.intent ?? null,
      urgency: r.urgency ?? null,
      language: r.language ?? null,
      summary: r.summary ?? null,
      transcript: r.transcript ?? null,
      turns: turns.length ? turns : null,
      escalationReason: r.escalation?.reason ?? null,
      recordingUrl: r.recordingUrl ? query.recordingLink(row.id) : null,
      syncStatus: row.status,
      match: row.matchCandidates ? { candidates: row.matchCandidates, rule: row.matchRule as AmbiguityRule, needsReview: row.needsReview } : null,
      movedAt: row.movedAt?.toISOString() ?? null,
    };
  });
  return { calls, nextBefore: rows.length > limit ? rows[limit - 1]!.createdAt.toISOString() : null };
}
