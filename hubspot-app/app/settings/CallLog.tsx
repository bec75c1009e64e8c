import React, { useCallback, useEffect, useState } from "react";
import { Button, DateInput, Divider, Flex, Link, LoadingSpinner, Select, StatusTag, Table, Tag, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, Tile, useExtensionActions } from "@hubspot/ui-extensions";
import type { CallLogEntry, CallLogPage, CallLogStatus, MatchedVia, QuarantinedPayloadView, ReplayResponse } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { duration, humanise, when } from "../shared/format.js";
import { LoadError } from "../shared/LoadError.js";
import { CallOverview } from "./CallOverview.js";

// The settings page's Calls tab: the overview, then every call of the portal and every payload
// quarantined on its connections, newest first (GET /ui/v1/call-log), with where each stands, the
// contact it landed on and how it was found, links into HubSpot, why it failed, and replay for a call
// in the fallback queue (POST /ui/v1/call-log/:id/replay, super admins). Filters by status, vendor and
// days; pages by the server's cursor.

const PAGE_SIZE = 25;

export const STATUS_LABELS: Record<CallLogStatus, string> = {
  received: "Received",
  synced: "Synced",
  retrying: "Retrying",
  fallback: "In the fallback queue",
  waiting_auth: "Waiting for re-authorisation",
  quarantined: "Quarantined",
  forgotten: "Deleted for privacy",
};
const STATUS_VARIANTS: Record<CallLogStatus, "success" | "info" | "warning" | "danger" | "default"> = {
  received: "info",
  synced: "success",
  retrying: "warning",
  fallback: "danger",
  waiting_auth: "warning",
  quarantined: "danger",
  forgotten: "default",
};
export const MATCHED_LABELS: Record<MatchedVia, string> = {
  index: "known caller (our index)",
  search: "found by HubSpot search",
  created: "new contact created",
  conflict: "existing contact with that e-mail",
};
// The vendors a connection can be made for (server/vendors/registry.ts).
const VENDORS = [
  { value: "retell", label: "Retell AI" },
  { value: "vapi", label: "Vapi" },
  { value: "bland", label: "Bland AI" },
  { value: "synthflow", label: "Synthflow" },
  { value: "generic", label: "Generic webhook" },
];
const ALL = "all";

type Day = { year: number; month: number; date: number } | null;
export interface CallLogFilters {
  status: CallLogStatus | typeof ALL;
  vendor: string;
  from: Day;
  to: Day;
}

const isoDay = (d: NonNullable<Day>) => `${d.year}-${String(d.month + 1).padStart(2, "0")}-${String(d.date).padStart(2, "0")}`;

/** The query string of a page: the filters set, the page size and where the last page ended. */
export function callLogPath(filters: CallLogFilters, cursor?: string): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (filters.status !== ALL) query.set("status", filters.status);
  if (filters.vendor !== ALL) query.set("vendor", filters.vendor);
  if (filters.from) query.set("from", isoDay(filters.from));
  if (filters.to) query.set("to", isoDay(filters.to));
  if (cursor) query.set("cursor", cursor);
  return `/ui/v1/call-log?${query.toString()}`;
}

function Contact({ entry }: { entry: CallLogEntry }) {
  if (entry.kind === "quarantined") return <Text>—</Text>;
  if (!entry.contactId) return <Text>{entry.callerName ?? entry.caller ?? "not matched yet"}</Text>;
  return (
    <Flex direction="column" gap="flush">
      {entry.contactUrl ? <Link href={{ url: entry.contactUrl, external: true }}>{entry.callerName ?? `Contact ${entry.contactId}`}</Link> : <Text>{entry.callerName ?? entry.contactId}</Text>}
      <Text variant="microcopy">{entry.matchedVia ? MATCHED_LABELS[entry.matchedVia] : "match not recorded"}</Text>
      {entry.sharedNumber && (
        <Tag variant={entry.sharedNumber.needsReview ? "warning" : "default"}>
          {`${entry.sharedNumber.needsReview ? "Check: " : ""}number shared by ${entry.sharedNumber.candidates} contacts${entry.sharedNumber.rule ? `, picked by ${entry.sharedNumber.rule.replaceAll("_", " ")}` : ""}`}
        </Tag>
      )}
      {entry.movedAt && <Text variant="microcopy">Moved here by a rep</Text>}
    </Flex>
  );
}

function Quarantined({ payload, onClose }: { payload: QuarantinedPayloadView; onClose: () => void }) {
  return (
    <Tile>
      <Flex direction="column" gap="sm">
        <Text format={{ fontWeight: "bold" }}>Quarantined {payload.vendor} payload, received {when(payload.receivedAt)}</Text>
        <Text>Why: {payload.reason}</Text>
        <Text variant="microcopy">{payload.body}</Text>
        {payload.truncated !== null && <Text variant="microcopy">(first {payload.truncated} characters shown)</Text>}
        <Button size="xs" variant="secondary" onClick={onClose}>Close</Button>
      </Flex>
    </Tile>
  );
}

export function CallLog() {
  const actions = useExtensionActions<"settings">();
  const [filters, setFilters] = useState<CallLogFilters>({ status: ALL, vendor: ALL, from: null, to: null });
  const [entries, setEntries] = useState<CallLogEntry[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [payload, setPayload] = useState<QuarantinedPayloadView | null>(null);

  const load = useCallback(async (current: CallLogFilters, cursor?: string) => {
    setError(null);
    try {
      const page = await backend<CallLogPage>(callLogPath(current, cursor));
      setEntries((shown) => (cursor ? [...(shown ?? []), ...page.entries] : page.entries));
      setNextCursor(page.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    void load(filters);
  }, [load, filters]);

  const older = async () => {
    if (!nextCursor) return;
    setLoadingOlder(true);
    await load(filters, nextCursor);
    setLoadingOlder(false);
  };

  const replay = async (entry: CallLogEntry) => {
    try {
      const result = await backend<ReplayResponse>(`/ui/v1/call-log/${encodeURIComponent(entry.id)}/replay`, { method: "POST", body: {} });
      actions.addAlert({ type: "success", message: result.replayed.length ? "The call was sent to HubSpot again." : "The call had already left the fallback queue." });
      await load(filters);
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  const showPayload = async (entry: CallLogEntry) => {
    try {
      setPayload(await backend<QuarantinedPayloadView>(`/ui/v1/call-log/quarantined/${encodeURIComponent(entry.id)}`));
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  const filtered = filters.status !== ALL || filters.vendor !== ALL || !!filters.from || !!filters.to;
  return (
    <Flex direction="column" gap="md">
      <CallOverview />
      <Divider />
      <Flex direction="row" gap="sm" wrap="wrap" align="end">
        <Select label="Status" name="status" value={filters.status} options={[{ value: ALL, label: "Every status" }, ...Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label }))]} onChange={(value) => setFilters((f) => ({ ...f, status: value as CallLogFilters["status"] }))} />
        <Select label="Vendor" name="vendor" value={filters.vendor} options={[{ value: ALL, label: "Every vendor" }, ...VENDORS]} onChange={(value) => setFilters((f) => ({ ...f, vendor: String(value) }))} />
        <DateInput label="From" name="from" value={filters.from ?? undefined} format="medium" onChange={(value) => setFilters((f) => ({ ...f, from: value ? { year: value.year, month: value.month, date: value.date } : null }))} />
        <DateInput label="To" name="to" value={filters.to ?? undefined} format="medium" onChange={(value) => setFilters((f) => ({ ...f, to: value ? { year: value.year, month: value.month, date: value.date } : null }))} />
        <Button variant="secondary" onClick={() => void load(filters)}>Refresh</Button>
      </Flex>
      {payload && <Quarantined payload={payload} onClose={() => setPayload(null)} />}
      {error ? (
        <LoadError what="the calls" message={error} onRetry={() => void load(filters)} />
      ) : !entries ? (
        <LoadingSpinner label="Loading the calls" />
      ) : entries.length === 0 ? (
        <Text>{filtered ? "No call matches these filters." : "No call has arrived yet. Calls appear here the moment your AI receptionist sends them."}</Text>
      ) : (
        <Table bordered={true}>
          <TableHead>
            <TableRow>
              <TableHeader>Received</TableHeader>
              <TableHeader>Status</TableHeader>
              <TableHeader>Caller / contact</TableHeader>
              <TableHeader>Call</TableHeader>
              <TableHeader>Why</TableHeader>
              <TableHeader> </TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {entries.map((entry) => (
              <TableRow key={`${entry.kind}-${entry.id}`}>
                <TableCell>
                  <Text>{when(entry.at)}</Text>
                  <Text variant="microcopy">{VENDORS.find((v) => v.value === entry.vendor)?.label ?? entry.vendor}</Text>
                </TableCell>
                <TableCell>
                  <StatusTag variant={STATUS_VARIANTS[entry.status]}>{STATUS_LABELS[entry.status]}</StatusTag>
                </TableCell>
                <TableCell>
                  <Contact entry={entry} />
                </TableCell>
                <TableCell>
                  {entry.hubspotCallUrl ? <Link href={{ url: entry.hubspotCallUrl, external: true }}>Call in HubSpot</Link> : <Text>{entry.kind === "call" ? "not in HubSpot yet" : "—"}</Text>}
                  {(entry.disposition || entry.durationMs !== null) && <Text variant="microcopy">{[humanise(entry.disposition), duration(entry.durationMs)].filter(Boolean).join(", ")}</Text>}
                </TableCell>
                <TableCell>{entry.reason ?? ""}</TableCell>
                <TableCell>
                  {entry.replayable && <Button size="xs" testId={`replay-${entry.id}`} onClick={() => void replay(entry)}>Replay</Button>}
                  {entry.kind === "quarantined" && <Button size="xs" variant="secondary" testId={`payload-${entry.id}`} onClick={() => void showPayload(entry)}>Show payload</Button>}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {nextCursor && entries && (
        <Flex direction="row" justify="end">
          <Button disabled={loadingOlder} onClick={() => void older()}>{loadingOlder ? "Loading…" : "Show older"}</Button>
        </Flex>
      )}
    </Flex>
  );
}
