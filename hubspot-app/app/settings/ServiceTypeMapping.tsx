import React, { useState } from "react";
import { Alert, Button, Flex, Heading, Input, LoadingSpinner, Select, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, useExtensionActions } from "@hubspot/ui-extensions";
import type { CalendarKind, OfferedTypeView, ServiceView, StaffTypesRefusal, StaffTypesRequest, StaffTypesResponse, StaffView, WebhookKeyRequest, WebhookKeySaved } from "../shared/api.js";
import { backend, BackendError } from "../shared/backend.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";

// The Booking tab's "Services" editor for staff on a scheduling system (Acuity, Calendly, a HubSpot
// meeting link): which of the calendar's own types serves each service. The types are read live once
// the calendar is connected; the server checks every choice (the calendar offers it, it lasts as long
// as the service) and gives a reason per row. For Acuity also the staff member's calendar in the
// account and the API key its change notifications are signed with (stored, never shown back).

/** What each scheduling system calls its types, and what else it asks for. */
const SCHEDULING: Partial<Record<CalendarKind, { calendar: string; type: string; calendarId?: true; keyWhere?: string }>> = {
  acuity: { calendar: "Acuity Scheduling", type: "Acuity appointment type", calendarId: true, keyWhere: "In Acuity: Integrations > API." },
  calendly: { calendar: "Calendly", type: "Calendly event type" },
  hubspot: { calendar: "HubSpot meeting link", type: "HubSpot meeting link" },
};

/** "Consultation (30 min)", "Intro call (15, 30 or 60 min)". */
function typeLabel(type: OfferedTypeView): string {
  const lengths = type.durationsMinutes ?? [type.durationMinutes];
  const minutes = lengths.length > 1 ? `${lengths.slice(0, -1).join(", ")} or ${lengths.at(-1)}` : String(lengths[0]);
  return `${type.name} (${minutes} min)`;
}

/** The services of each staff member on a scheduling system, one editor each. */
export function ServiceMappings({ staff, services }: { staff: StaffView[]; services: ServiceView[] }) {
  const mapped = staff.filter((m) => SCHEDULING[m.calendar]);
  if (!mapped.length) return null;
  return (
    <Flex direction="column" gap="md">
      {mapped.map((member) => (
        <StaffServices key={member.id} member={member} services={services} />
      ))}
    </Flex>
  );
}

function StaffServices({ member, services }: { member: StaffView; services: ServiceView[] }) {
  const kind = SCHEDULING[member.calendar]!;
  const waiting = member.calendarStatus === "not_connected" ? "Connect" : member.calendarStatus === "needs_reauth" ? "Reconnect" : null;
  return (
    <Flex direction="column" gap="sm">
      <Heading>{`Services: ${member.name} (${kind.calendar})`}</Heading>
      {waiting ? (
        <Text>{`${waiting} ${member.name}'s ${kind.calendar} first (Staff calendars, above): then choose here which ${kind.type} serves each service.`}</Text>
      ) : (
        <TypesEditor member={member} services={services} />
      )}
    </Flex>
  );
}

function TypesEditor({ member, services }: { member: StaffView; services: ServiceView[] }) {
  const kind = SCHEDULING[member.calendar]!;
  const { data, error, reload, setData } = useLoaded(() => backend<StaffTypesResponse>(`/ui/v1/booking/staff/${member.id}/types`));
  // Each saved answer starts the form afresh from what the server stored.
  const [saves, setSaves] = useState(0);
  if (error) return <LoadError what={`${member.name}'s ${kind.type}s`} message={error} onRetry={() => void reload()} />;
  if (!data) return <LoadingSpinner label={`Loading ${member.name}'s ${kind.type}s`} />;
  const saved = (view: StaffTypesResponse) => {
    setData(() => view);
    setSaves((n) => n + 1);
  };
  return (
    <Flex direction="column" gap="sm">
      <TypesForm key={saves} member={member} services={services} view={data} onSaved={saved} />
      {data.webhookKey !== null && <WebhookKey member={member} stored={data.webhookKey === "stored"} where={kind.keyWhere} onStored={() => setData((v) => v && { ...v, webhookKey: "stored" })} />}
    </Flex>
  );
}

function TypesForm({ member, services, view, onSaved }: { member: StaffView; services: ServiceView[]; view: StaffTypesResponse; onSaved: (view: StaffTypesResponse) => void }) {
  const kind = SCHEDULING[member.calendar]!;
  const actions = useExtensionActions<"settings">();
  const [choices, setChoices] = useState<Record<string, string>>(() => Object.fromEntries(view.mapping.map((m) => [m.service, m.typeId ?? ""])));
  const [calendarId, setCalendarId] = useState(view.calendarId ?? "");
  const [reasons, setReasons] = useState<{ services: Record<string, string>; calendarId?: string }>({ services: {} });
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const options = (current: string) => [
    { label: "Not offered", value: "" },
    ...view.types.map((t) => ({ label: typeLabel(t), value: t.id })),
    // A type mapped before and gone since stays selectable, so the row shows what is stored (and its problem).
    ...(current && !view.types.some((t) => t.id === current) ? [{ label: `${current} (no longer offered)`, value: current }] : []),
  ];

  const save = async () => {
    setError(null);
    setSaving(true);
    try {
      const body = { types: Object.fromEntries(Object.entries(choices).filter(([, id]) => id)), ...(kind.calendarId && calendarId.trim() ? { calendarId: calendarId.trim() } : {}) } satisfies StaffTypesRequest;
      const stored = await backend<StaffTypesResponse>(`/ui/v1/booking/staff/${member.id}/types`, { method: "PUT", body });
      actions.addAlert({ type: "success", message: `Services saved for ${member.name}. The AI receptionist offers them within seconds.` });
      onSaved(stored);
    } catch (e) {
      const problems = e instanceof BackendError ? ((e.body as Partial<StaffTypesRefusal>).problems ?? []) : [];
      setReasons({
        services: Object.fromEntries(problems.filter((p) => p.service !== null && p.field === "type").map((p) => [p.service!, p.error])),
        calendarId: problems.find((p) => p.field === "calendarId")?.error,
      });
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  // A stored problem belongs to the stored type: once another is chosen it no longer applies.
  const storedProblem = (service: string) => view.mapping.find((m) => m.service === service && m.typeId === (choices[service] || null))?.problem ?? undefined;
  return (
    <Flex direction="column" gap="sm">
      <Text>{`Which ${kind.type} books each service for ${member.name}; a service left at "Not offered" is not offered for them. Its length must be the service's.`}</Text>
      {error && <Alert title="Services not saved" variant="danger">{error}</Alert>}
      <Table bordered={true}>
        <TableHead>
          <TableRow>
            <TableHeader>Service type</TableHeader>
            <TableHeader>{kind.type}</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {services.map((service) => {
            const reason = reasons.services[service.name] ?? storedProblem(service.name);
            return (
              <TableRow key={service.name}>
                <TableCell>{`${service.name} (${service.durationMinutes} min)`}</TableCell>
                <TableCell>
                  <Select
                    name={`service-type-${member.id}-${service.name}`}
                    label=""
                    value={choices[service.name] ?? ""}
                    options={options(choices[service.name] ?? "")}
                    error={!!reason}
                    validationMessage={reason}
                    onChange={(value) => setChoices((current) => ({ ...current, [service.name]: String(value) }))}
                  />
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {kind.calendarId && (
        <Input
          name={`calendar-id-${member.id}`}
          label={`${kind.calendar} calendar id (optional)`}
          description={`Only when the account has several calendars: the number of ${member.name}'s.`}
          value={calendarId}
          error={!!reasons.calendarId}
          validationMessage={reasons.calendarId}
          onChange={(value) => setCalendarId(String(value))}
        />
      )}
      <Flex direction="row" justify="end">
        <Button variant="primary" disabled={saving} onClick={() => void save()} testId={`save-types-${member.id}`}>{saving ? "Saving…" : "Save services"}</Button>
      </Flex>
    </Flex>
  );
}

/** The key the account signs change notifications with: typed once, then only "stored" is shown. */
function WebhookKey({ member, stored, where, onStored }: { member: StaffView; stored: boolean; where?: string; onStored: () => void }) {
  const actions = useExtensionActions<"settings">();
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const store = async () => {
    setError(null);
    try {
      await backend<WebhookKeySaved>(`/ui/v1/booking/staff/${member.id}/webhook-key`, { method: "PUT", body: { key: key.trim() } satisfies WebhookKeyRequest });
      setKey("");
      actions.addAlert({ type: "success", message: `API key stored for ${member.name}'s change notifications.` });
      onStored();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Flex direction="row" gap="sm" align="end">
      <Input
        name={`webhook-key-${member.id}`}
        type="password"
        label="API key for change notifications"
        description={`${stored ? "Stored. Paste a new one only to replace it." : "Not stored yet: until it is, changes made directly in the calendar (a booking moved or cancelled there) do not reach the app; bookings are still checked live."}${where ? ` ${where}` : ""}`}
        value={key}
        error={!!error}
        validationMessage={error ?? undefined}
        onChange={(value) => setKey(String(value))}
      />
      <StatusTag variant={stored ? "success" : "warning"}>{stored ? "Stored" : "Not stored"}</StatusTag>
      <Button variant="secondary" disabled={!key.trim()} onClick={() => void store()} testId={`store-key-${member.id}`}>Store key</Button>
    </Flex>
  );
}
