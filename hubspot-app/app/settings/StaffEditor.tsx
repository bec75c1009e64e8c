import React, { useState } from "react";
import { Alert, Button, Divider, Flex, Heading, Input, Select, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, useExtensionActions } from "@hubspot/ui-extensions";
import type { BusinessSettingsRequest, BusinessSettingsSaved, CalendarKind, StaffInput, StaffRefusal, StaffSaved, StaffUpdateRequest, StaffView, Weekday, WeeklyBreaks, WeeklyHours } from "../shared/api.js";
import { backend, BackendError } from "../shared/backend.js";

// The business's time zone and its staff, set up here instead of with the operator CLI: each member's
// e-mail, calendar, working hours per weekday with breaks, and days off. Typed as text ("09:00-17:00",
// "12:00-13:00, 15:00-15:15", "2030-12-24"); the obvious mistakes are caught here, the rest (a break
// outside the hours, a date that does not exist, an e-mail listed twice) by the server, per field.

const WEEKDAYS: { id: Weekday; label: string }[] = [
  { id: "mon", label: "Monday" },
  { id: "tue", label: "Tuesday" },
  { id: "wed", label: "Wednesday" },
  { id: "thu", label: "Thursday" },
  { id: "fri", label: "Friday" },
  { id: "sat", label: "Saturday" },
  { id: "sun", label: "Sunday" },
];
const CALENDARS: { label: string; value: CalendarKind }[] = [
  { label: "Built-in calendar", value: "builtin" },
  { label: "Google Calendar", value: "google" },
  { label: "Microsoft 365", value: "microsoft" },
  { label: "Acuity Scheduling", value: "acuity" },
  { label: "Calendly", value: "calendly" },
  { label: "HubSpot meeting link", value: "hubspot" },
];
const RANGE = /^([01]\d|2[0-3]):[0-5]\d\s*-\s*([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A staff member as typed. */
interface StaffRow {
  key: number;
  name: string;
  email: string;
  calendar: CalendarKind;
  timezone: string;
  hubspotOwnerId: string | null;
  hours: Record<Weekday, string>;
  breaks: Record<Weekday, string>;
  daysOff: string;
}

let nextKey = 0;
const range = (r: [string, string]) => `${r[0]}-${r[1]}`;
const split = (text: string) => text.split(",").map((t) => t.trim()).filter(Boolean);
const toRange = (text: string): [string, string] => text.split("-").map((t) => t.trim()) as [string, string];

export function toStaffRow(member: StaffView | null, businessZone: string): StaffRow {
  const hours = {} as Record<Weekday, string>;
  const breaks = {} as Record<Weekday, string>;
  for (const { id } of WEEKDAYS) {
    const day = member ? member.hours[id] : id === "sat" || id === "sun" ? undefined : (["09:00", "17:00"] as [string, string]);
    hours[id] = day ? range(day) : "";
    breaks[id] = (member?.breaks[id] ?? []).map(range).join(", ");
  }
  return { key: nextKey++, name: member?.name ?? "", email: member?.email ?? "", calendar: member?.calendar ?? "builtin", timezone: member?.timezone ?? businessZone, hubspotOwnerId: member?.hubspotOwnerId ?? null, hours, breaks, daysOff: (member?.daysOff ?? []).join(", ") };
}

export function toStaffInput(row: StaffRow): StaffInput {
  const hours: WeeklyHours = {};
  const breaks: WeeklyBreaks = {};
  for (const { id } of WEEKDAYS) {
    if (row.hours[id].trim()) hours[id] = toRange(row.hours[id]);
    if (split(row.breaks[id]).length) breaks[id] = split(row.breaks[id]).map(toRange);
  }
  return {
    name: row.name.trim(),
    email: row.email.trim(),
    calendar: row.calendar,
    ...(row.timezone.trim() ? { timezone: row.timezone.trim() } : {}),
    ...(row.hubspotOwnerId ? { hubspotOwnerId: row.hubspotOwnerId } : {}),
    hours,
    breaks,
    daysOff: split(row.daysOff),
  };
}

/** Mistakes in the typing, by input name; the server checks the rest. */
export function staffMistakes(rows: StaffRow[]): Record<string, string> {
  const mistakes: Record<string, string> = {};
  rows.forEach((row, i) => {
    if (!row.name.trim()) mistakes[`staff-name-${i}`] = "Give the staff member a name";
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(row.email.trim())) mistakes[`staff-email-${i}`] = "An e-mail address, e.g. sam@example.com";
    for (const { id } of WEEKDAYS) {
      if (row.hours[id].trim() && !RANGE.test(row.hours[id].trim())) mistakes[`staff-hours-${id}-${i}`] = 'From-to in 24-hour time, e.g. "09:00-17:00" (empty: day off)';
      if (split(row.breaks[id]).some((b) => !RANGE.test(b))) mistakes[`staff-breaks-${id}-${i}`] = 'e.g. "12:00-13:00", several separated by commas';
    }
    if (split(row.daysOff).some((d) => !DATE.test(d))) mistakes[`staff-daysoff-${i}`] = 'Dates as "YYYY-MM-DD", separated by commas';
  });
  return mistakes;
}

/** The business's time zone; saving it the first time sets booking up. */
export function BusinessTimeZone({ timezone, onSaved }: { timezone: string | null; onSaved: () => Promise<void> }) {
  const actions = useExtensionActions<"settings">();
  const [value, setValue] = useState(timezone ?? "");
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    setError(null);
    try {
      const saved = await backend<BusinessSettingsSaved>("/ui/v1/booking/settings", { method: "PUT", body: { timezone: value.trim() } satisfies BusinessSettingsRequest });
      actions.addAlert({ type: "success", message: saved.created ? "Booking is set up. Now add your staff and service types." : `Time zone set to ${saved.timezone}.` });
      await onSaved();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Flex direction="row" gap="sm" align="end">
      <Input name="business-timezone" label="Business time zone" description="An IANA name, e.g. America/Los_Angeles or Europe/Madrid" value={value} error={!!error} validationMessage={error ?? undefined} onChange={(v) => setValue(String(v))} />
      <Button variant="primary" onClick={() => void save()}>{timezone ? "Save time zone" : "Set up booking"}</Button>
    </Flex>
  );
}

export function StaffEditor({ staff, timezone, onSaved }: { staff: StaffView[]; timezone: string; onSaved: () => Promise<void> }) {
  const actions = useExtensionActions<"settings">();
  const [rows, setRows] = useState<StaffRow[]>(() => staff.map((m) => toStaffRow(m, timezone)));
  const [mistakes, setMistakes] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const update = (key: number, change: (row: StaffRow) => Partial<StaffRow>) => setRows((current) => current.map((r) => (r.key === key ? { ...r, ...change(r) } : r)));

  const save = async () => {
    const found = staffMistakes(rows);
    setMistakes(found);
    if (Object.keys(found).length) return setError("Some fields need a fix (highlighted below); nothing was saved.");
    setError(null);
    setSaving(true);
    try {
      await backend<StaffSaved>("/ui/v1/booking/staff", { method: "PUT", body: { staff: rows.map(toStaffInput) } satisfies StaffUpdateRequest });
      actions.addAlert({ type: "success", message: "Staff saved. The AI receptionist offers their new hours within seconds." });
      await onSaved();
    } catch (e) {
      const problems = e instanceof BackendError ? ((e.body as Partial<StaffRefusal>).problems ?? []) : [];
      const marked: Record<string, string> = {};
      for (const p of problems) if (p.index !== null && p.field && ["name", "email", "daysOff"].includes(p.field)) marked[`staff-${p.field.toLowerCase()}-${p.index}`] = p.error;
      setMistakes(marked);
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const text = (name: string, label: string, value: string, onChange: (v: string) => void, placeholder?: string) => (
    <Input name={name} label={label} value={value} placeholder={placeholder} error={!!mistakes[name]} validationMessage={mistakes[name]} onChange={(v) => onChange(String(v))} />
  );

  return (
    <Flex direction="column" gap="sm">
      <Heading>Staff</Heading>
      <Text>Who takes appointments, when they work (empty hours: a day off), their breaks and days off. Times are in each person's time zone.</Text>
      {error && <Alert title="Staff not saved" variant="danger">{error}</Alert>}
      {rows.map((row, i) => (
        <Flex key={row.key} direction="column" gap="xs">
          <Flex direction="row" gap="sm" wrap="wrap">
            {text(`staff-name-${i}`, "Name", row.name, (v) => update(row.key, () => ({ name: v })))}
            {text(`staff-email-${i}`, "E-mail", row.email, (v) => update(row.key, () => ({ email: v })))}
            <Select name={`staff-calendar-${i}`} label="Calendar" value={row.calendar} options={CALENDARS} onChange={(v) => update(row.key, () => ({ calendar: v as CalendarKind }))} />
            {text(`staff-timezone-${i}`, "Time zone", row.timezone, (v) => update(row.key, () => ({ timezone: v })))}
          </Flex>
          <Table bordered={true}>
            <TableHead>
              <TableRow>
                <TableHeader>Day</TableHeader>
                <TableHeader>Hours</TableHeader>
                <TableHeader>Breaks</TableHeader>
              </TableRow>
            </TableHead>
            <TableBody>
              {WEEKDAYS.map(({ id, label }) => (
                <TableRow key={id}>
                  <TableCell>{label}</TableCell>
                  <TableCell>{text(`staff-hours-${id}-${i}`, "", row.hours[id], (v) => update(row.key, (r) => ({ hours: { ...r.hours, [id]: v } })), "day off")}</TableCell>
                  <TableCell>{text(`staff-breaks-${id}-${i}`, "", row.breaks[id], (v) => update(row.key, (r) => ({ breaks: { ...r.breaks, [id]: v } })), "e.g. 12:00-13:00")}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {text(`staff-daysoff-${i}`, "Days off", row.daysOff, (v) => update(row.key, () => ({ daysOff: v })), "e.g. 2030-12-24, 2030-12-25")}
          <Flex direction="row" justify="end">
            <Button size="xs" variant="secondary" onClick={() => setRows((current) => current.filter((r) => r.key !== row.key))} testId={`remove-staff-${i}`}>Remove {row.name || "this person"}</Button>
          </Flex>
          <Divider />
        </Flex>
      ))}
      <Flex direction="row" gap="sm" justify="end">
        <Button variant="secondary" onClick={() => setRows((current) => [...current, toStaffRow(null, timezone)])}>Add staff member</Button>
        <Button variant="primary" disabled={saving} onClick={() => void save()}>{saving ? "Saving…" : "Save staff"}</Button>
      </Flex>
    </Flex>
  );
}
