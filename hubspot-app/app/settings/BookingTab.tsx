import React, { useState } from "react";
import { Alert, Button, Divider, Flex, Heading, Input, Link, LoadingSpinner, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, useExtensionActions } from "@hubspot/ui-extensions";
import type { BookingOverview, CalendarKind, CalendarStatus, ConnectLinkResponse, ServiceInput, ServicesRefusal, ServicesSaved, ServicesUpdateRequest, ServiceView, StaffView } from "../shared/api.js";
import { backend, BackendError } from "../shared/backend.js";
import { when } from "../shared/format.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";
import { BusinessTimeZone, StaffEditor } from "./StaffEditor.js";
import { ServiceMappings } from "./ServiceTypeMapping.js";

// The Booking tab: the business's time zone (which sets booking up), the service types callers can book,
// the staff with their hours (StaffEditor.tsx), each checked again by the server, each staff member's
// calendar connection (a single-use connect link to send them), and for staff on a scheduling system
// which of its types serves each service (ServiceTypeMapping.tsx).

/** A service type as typed: minutes stay text until saved, so a typo can be pointed at. */
interface ServiceRow {
  key: number;
  name: string;
  duration: string;
  buffer: string;
  aliases: string;
  /** Minutes before the appointment, comma-separated; empty on a new row: the server's default. */
  reminders: string;
  /** An existing row's reminders as loaded: an existing row emptied means no reminders. */
  reminderMinutes?: number[];
}
type ServiceField = "name" | "duration" | "buffer" | "aliases" | "reminders";

const SERVER_FIELDS: Record<string, ServiceField> = { name: "name", durationMinutes: "duration", bufferMinutes: "buffer", aliases: "aliases", reminderMinutes: "reminders" };
const WHOLE_MINUTES = /^\d+$/;
const fieldKey = (row: number, field: ServiceField) => `${row}:${field}`;

let nextRowKey = 0;
const toRow = (s: ServiceView): ServiceRow => ({ key: nextRowKey++, name: s.name, duration: String(s.durationMinutes), buffer: String(s.bufferMinutes), aliases: s.aliases.join(", "), reminders: s.reminderMinutes.join(", "), reminderMinutes: s.reminderMinutes });
const reminderList = (text: string) => text.split(",").map((r) => r.trim()).filter(Boolean);

function toService(row: ServiceRow): ServiceInput {
  return {
    name: row.name.trim(),
    durationMinutes: Number(row.duration.trim()),
    bufferMinutes: row.buffer.trim() === "" ? 0 : Number(row.buffer.trim()),
    aliases: row.aliases.split(",").map((a) => a.trim()).filter(Boolean),
    ...(row.reminderMinutes || reminderList(row.reminders).length ? { reminderMinutes: reminderList(row.reminders).map(Number) } : {}),
  };
}

/** Obvious mistakes, caught before asking the server (which checks ranges and duplicate names). */
function rowMistakes(rows: ServiceRow[]): Record<string, string> {
  const mistakes: Record<string, string> = {};
  for (const row of rows) {
    if (!row.name.trim()) mistakes[fieldKey(row.key, "name")] = "Give the service type a name";
    if (!WHOLE_MINUTES.test(row.duration.trim())) mistakes[fieldKey(row.key, "duration")] = "Minutes, as a whole number (e.g. 30)";
    if (row.buffer.trim() !== "" && !WHOLE_MINUTES.test(row.buffer.trim())) mistakes[fieldKey(row.key, "buffer")] = "Minutes, as a whole number (or 0)";
    if (reminderList(row.reminders).some((r) => !WHOLE_MINUTES.test(r))) mistakes[fieldKey(row.key, "reminders")] = "Minutes before, e.g. 1440, 60 (a day and an hour before)";
  }
  return mistakes;
}

export function ServiceTypesEditor({ services, onSaved }: { services: ServiceView[]; onSaved: () => Promise<void> }) {
  const actions = useExtensionActions<"settings">();
  // Seeded once: the tab remounts this editor with the saved list after a save.
  const [rows, setRows] = useState<ServiceRow[]>(() => services.map(toRow));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const update = (key: number, change: Partial<ServiceRow>) => setRows((current) => current.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const add = () => setRows((current) => [...current, { key: nextRowKey++, name: "", duration: "30", buffer: "0", aliases: "", reminders: "" }]);
  const remove = (key: number) => setRows((current) => current.filter((r) => r.key !== key));

  const save = async () => {
    const mistakes = rowMistakes(rows);
    setFieldErrors(mistakes);
    if (Object.keys(mistakes).length) {
      setError("Some fields need a fix (highlighted below); nothing was saved.");
      return;
    }
    setError(null);
    setSaving(true);
    try {
      await backend<ServicesSaved>("/ui/v1/booking/services", { method: "PUT", body: { services: rows.map(toService) } satisfies ServicesUpdateRequest });
      actions.addAlert({ type: "success", message: "Service types saved. The AI receptionist uses them within seconds." });
      await onSaved();
    } catch (e) {
      // The server names each bad field by its row in what was sent, which is the order shown.
      const problems = e instanceof BackendError ? ((e.body as Partial<ServicesRefusal>).problems ?? []) : [];
      const marked: Record<string, string> = {};
      for (const p of problems) {
        const row = p.index === null ? undefined : rows[p.index];
        const field = p.field ? SERVER_FIELDS[p.field] : undefined;
        if (row && field) marked[fieldKey(row.key, field)] = p.error;
      }
      setFieldErrors(marked);
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const input = (row: ServiceRow, field: ServiceField, props: { placeholder?: string } = {}) => (
    <Input
      name={`service-${field}-${rows.indexOf(row)}`}
      label=""
      value={row[field]}
      placeholder={props.placeholder}
      error={!!fieldErrors[fieldKey(row.key, field)]}
      validationMessage={fieldErrors[fieldKey(row.key, field)]}
      onChange={(value) => update(row.key, { [field]: value })}
    />
  );

  return (
    <Flex direction="column" gap="sm">
      <Heading>Service types</Heading>
      <Text>What callers can book, and how long it takes. Callers may also use the other names listed (comma-separated).</Text>
      {error && <Alert title="Service types not saved" variant="danger">{error}</Alert>}
      <Table bordered={true}>
        <TableHead>
          <TableRow>
            <TableHeader>Service type</TableHeader>
            <TableHeader>Duration (min)</TableHeader>
            <TableHeader>Buffer after (min)</TableHeader>
            <TableHeader>Also understood as</TableHeader>
            <TableHeader>Reminders (min before)</TableHeader>
            <TableHeader> </TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((row) => (
            <TableRow key={row.key}>
              <TableCell>{input(row, "name", { placeholder: "e.g. Consultation" })}</TableCell>
              <TableCell>{input(row, "duration")}</TableCell>
              <TableCell>{input(row, "buffer")}</TableCell>
              <TableCell>{input(row, "aliases", { placeholder: "e.g. consult, first visit" })}</TableCell>
              <TableCell>{input(row, "reminders", { placeholder: "1440, 60" })}</TableCell>
              <TableCell>
                <Button size="xs" variant="secondary" onClick={() => remove(row.key)} testId={`remove-service-${rows.indexOf(row)}`}>Remove</Button>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Flex direction="row" gap="sm" justify="end">
        <Button variant="secondary" onClick={add}>Add service type</Button>
        <Button variant="primary" disabled={saving} onClick={() => void save()}>{saving ? "Saving…" : "Save service types"}</Button>
      </Flex>
    </Flex>
  );
}

const CALENDAR_LABELS: Record<CalendarKind, string> = { builtin: "Built-in", google: "Google Calendar", microsoft: "Microsoft 365", acuity: "Acuity Scheduling", calendly: "Calendly", hubspot: "HubSpot meeting link" };
const STATUS_TAGS: Record<CalendarStatus, { label: string; variant: "default" | "info" | "success" | "warning" }> = {
  builtin: { label: "Built-in", variant: "default" },
  not_connected: { label: "Not connected", variant: "info" },
  connected: { label: "Connected", variant: "success" },
  needs_reauth: { label: "Must reconnect", variant: "warning" },
};

/** "2 of 3 mapped, 1 to fix" for staff on a scheduling system; the others book every service on their hours. */
function servicesSummary(member: StaffView): string {
  if (!member.serviceTypes) return "All, within their hours";
  const mapped = member.serviceTypes.filter((t) => t.typeId).length;
  const problems = member.serviceTypes.filter((t) => t.problem).length;
  return `${mapped} of ${member.serviceTypes.length} mapped${problems ? `, ${problems} to fix` : ""}`;
}

export function StaffCalendars({ staff, timezone }: { staff: StaffView[]; timezone: string | null }) {
  const actions = useExtensionActions<"settings">();
  const [links, setLinks] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  const getLink = async (member: StaffView) => {
    setError(null);
    try {
      const answer = await backend<ConnectLinkResponse>(`/ui/v1/booking/staff/${member.id}/connect-link`, { method: "POST" });
      if ("connectUrl" in answer) setLinks((current) => ({ ...current, [member.id]: answer.connectUrl }));
      else actions.addAlert({ type: "success", message: `${member.name} books on HubSpot meeting links: ${answer.links} link${answer.links === 1 ? "" : "s"} found to map to services. Reload to see the status.` });
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const copy = async (member: StaffView) => {
    await actions.copyTextToClipboard(links[member.id]!);
    actions.addAlert({ type: "success", message: `Link copied: send it to ${member.name}.` });
  };

  return (
    <Flex direction="column" gap="sm">
      <Heading>Staff calendars</Heading>
      <Text>Staff on Google, Microsoft 365, Acuity Scheduling or Calendly are offered to callers once they have connected their calendar. Get a link and send it to them: it works once, within a day. Staff on a HubSpot meeting link need no link: "Use meeting links" checks the app's own HubSpot access (re-authorise the app if it asks for the meeting-link permission). On Acuity, Calendly or a meeting link, then choose which of its types serves each service (below).</Text>
      {staff
        .filter((m) => m.calendarStatus === "needs_reauth")
        .map((m) => (
          <Alert key={m.id} title={`${m.name} must reconnect their calendar`} variant="warning">
            {`${m.lastError ? `Last error: ${m.lastError}.` : "The calendar no longer accepts our access."} Until then the AI receptionist does not book ${m.name}. Get a connect link below and send it to them.`}
          </Alert>
        ))}
      {error && <Alert title="No connect link" variant="danger">{error}</Alert>}
      <Table bordered={true}>
        <TableHead>
          <TableRow>
            <TableHeader>Staff</TableHeader>
            <TableHeader>Calendar</TableHeader>
            <TableHeader>Status</TableHeader>
            <TableHeader>Services</TableHeader>
            <TableHeader> </TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {staff.map((m) => (
            <TableRow key={m.id}>
              <TableCell>{`${m.name} (${m.email})`}</TableCell>
              <TableCell>{m.calendarAccount ? `${CALENDAR_LABELS[m.calendar]}: ${m.calendarAccount}` : CALENDAR_LABELS[m.calendar]}</TableCell>
              <TableCell>
                <StatusTag variant={STATUS_TAGS[m.calendarStatus].variant}>{STATUS_TAGS[m.calendarStatus].label}</StatusTag>
                {m.calendarStatus === "connected" && <Text variant="microcopy">{m.lastError ?? (m.lastSyncAt ? `Last synced ${when(m.lastSyncAt, timezone ?? undefined)}` : "Not synced yet")}</Text>}
              </TableCell>
              <TableCell>{servicesSummary(m)}</TableCell>
              <TableCell>
                {m.calendar !== "builtin" && (
                  <Button size="xs" variant="secondary" onClick={() => void getLink(m)} testId={`connect-link-${m.id}`}>{m.calendar === "hubspot" ? "Use meeting links" : "Get connect link"}</Button>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {staff
        .filter((m) => links[m.id])
        .map((m) => (
          <Flex key={m.id} direction="row" gap="sm" align="end">
            <Input name={`connect-link-${m.id}`} label={`Connect link for ${m.name}`} description={`Send it to ${m.email}; only they should open it.`} value={links[m.id]} readOnly={true} />
            <Button size="xs" onClick={() => void copy(m)} testId={`copy-link-${m.id}`}>Copy link</Button>
          </Flex>
        ))}
    </Flex>
  );
}

export function Booking() {
  const { data: overview, error, loads, reload: load } = useLoaded(() => backend<BookingOverview>("/ui/v1/booking"));
  if (error) return <LoadError what="booking" message={error} onRetry={() => void load()} />;
  if (!overview) return <LoadingSpinner label="Loading booking" />;
  if (!overview.configured)
    return (
      <Flex direction="column" gap="md">
        <Text>Booking on the call is not set up yet. Choose the business's time zone to start; then add your staff and service types here.</Text>
        <BusinessTimeZone timezone={null} onSaved={load} />
      </Flex>
    );
  return (
    <Flex direction="column" gap="md">
      {overview.meetingLinksNeedScope && (
        <Alert title="HubSpot meeting links need one more permission" variant="warning">
          <Text>{`${overview.meetingLinksNeedScope.staff.join(", ")} book${overview.meetingLinksNeedScope.staff.length === 1 ? "s" : ""} on a HubSpot meeting link, which the app may only read and book once a super admin re-authorises it and grants the meeting-link permission. Until then the AI receptionist does not offer them. Calls keep being logged either way.`}</Text>
          <Link href={overview.meetingLinksNeedScope.reconnectUrl}>Re-authorise the app</Link>
        </Alert>
      )}
      {overview.overlaps.map((o) => (
        <Alert key={`${o.bookingId}-${o.eventStart}`} title={`Double booking: ${o.staff}, ${when(o.start, overview.timezone ?? undefined)}`} variant="warning">
          {`An event in ${o.staff}'s own calendar (${when(o.eventStart, overview.timezone ?? undefined)}) overlaps the ${o.service} the AI receptionist booked${o.reference ? ` (reference ${o.reference})` : ""}. Move the event or the booking; this goes away once they no longer overlap.`}
        </Alert>
      ))}
      <BusinessTimeZone key={`tz-${loads}`} timezone={overview.timezone} onSaved={load} />
      <Text>{overview.upcoming} upcoming booking(s)</Text>
      <ServiceTypesEditor key={loads} services={overview.services} onSaved={load} />
      <Divider />
      <StaffEditor key={`staff-${loads}`} staff={overview.staff} timezone={overview.timezone ?? "UTC"} onSaved={load} />
      <Divider />
      <StaffCalendars staff={overview.staff} timezone={overview.timezone} />
      <ServiceMappings key={`types-${loads}`} staff={overview.staff} services={overview.services} />
    </Flex>
  );
}
