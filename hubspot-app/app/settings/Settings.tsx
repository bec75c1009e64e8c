import React, { useCallback, useEffect, useState } from "react";
import {
  Alert,
  Button,
  Divider,
  ErrorState,
  Flex,
  Heading,
  Input,
  LoadingSpinner,
  Select,
  StatusTag,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Tabs,
  Text,
  Toggle,
  hubspot,
  useExtensionActions,
} from "@hubspot/ui-extensions";
import { backend, BackendError } from "../shared/backend.js";
import { age, when } from "../shared/format.js";
import { AuditLog } from "./AuditLog.js";

// The app's settings page in HubSpot: field mapping, vendor connections, the fallback queue,
// booking (service types, staff calendar connections) and the activity (audit log).
// Everything is validated again server-side; the page shows the server's reasons (including "Only a
// super admin can change this." for users who may read but not change settings).

export interface MappingRule {
  field: string;
  label: string;
  kind: "canonical" | "qualification";
  property: string;
  policy: "overwrite" | "fill_if_empty";
  enabled: boolean;
  type: string;
}

export interface PortalProperty {
  name: string;
  label: string;
  type: string;
  readOnly: boolean;
}

interface ConnectionView {
  id: string;
  vendor: string;
  vendorLabel: string;
  webhookUrl: string;
  toolsUrl: string;
  lastDeliveryAt: string | null;
  lastError: string | null;
  weakSignature: boolean;
  /** Why the live tools are off on this connection (its vendor does not sign the body), or null. */
  toolsDisabledReason: string | null;
}

interface FallbackView {
  id: string;
  vendor: string;
  reason: string;
  ageSeconds: number;
  caller: string | null;
  permanent: boolean;
}

const POLICY_OPTIONS = [
  { label: "Always overwrite", value: "overwrite" },
  { label: "Fill if empty", value: "fill_if_empty" },
];

export function MappingEditor() {
  const actions = useExtensionActions<"settings">();
  const [rules, setRules] = useState<MappingRule[] | null>(null);
  const [properties, setProperties] = useState<PortalProperty[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<{ field: string; error: string }[]>([]);
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    setError(null);
    try {
      const [mapping, portal] = await Promise.all([backend<{ rules: MappingRule[] }>("/ui/v1/mapping"), backend<{ properties: PortalProperty[] }>("/ui/v1/properties")]);
      setRules(mapping.rules);
      setProperties(portal.properties);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const update = (field: string, change: Partial<MappingRule>) => setRules((current) => current?.map((r) => (r.field === field ? { ...r, ...change } : r)) ?? null);

  const save = async () => {
    if (!rules) return;
    setSaving(true);
    setProblems([]);
    try {
      await backend("/ui/v1/mapping", { method: "PUT", body: { rules: rules.map(({ field, property, policy, enabled }) => ({ field, property, policy, enabled })) } });
      actions.addAlert({ type: "success", message: "Field mapping saved. It applies from the next call." });
    } catch (e) {
      const body = e instanceof BackendError ? (e.body as { problems?: { field: string; error: string }[] }) : {};
      setProblems(body.problems ?? []);
      actions.addAlert({ type: "danger", message: (e as Error).message });
    } finally {
      setSaving(false);
    }
  };

  const createProperty = async (field: string) => {
    try {
      const created = await backend<{ created: string }>("/ui/v1/properties", { method: "POST", body: { field } });
      actions.addAlert({ type: "success", message: `Created the property ${created.created}.` });
      await load();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  if (error) {
    return (
      <ErrorState title="Couldn't load the field mapping">
        <Text>{error}</Text>
        <Button onClick={() => void load()}>Try again</Button>
      </ErrorState>
    );
  }
  if (!rules) return <LoadingSpinner label="Loading the field mapping" />;

  const propertyOptions = properties.filter((p) => !p.readOnly).map((p) => ({ label: `${p.label} (${p.type})`, value: p.name }));
  const exists = new Set(properties.map((p) => p.name));
  return (
    <Flex direction="column" gap="md">
      <Text>Each value the AI captures goes to one HubSpot contact property. "Fill if empty" never replaces what your team typed.</Text>
      {problems.length > 0 && (
        <Alert title="Nothing was saved" variant="danger">
          {problems.map((p) => `${p.field}: ${p.error}`).join(" · ")}
        </Alert>
      )}
      <Table bordered={true}>
        <TableHead>
          <TableRow>
            <TableHeader>Captured field</TableHeader>
            <TableHeader>HubSpot property</TableHeader>
            <TableHeader>When the contact has a value</TableHeader>
            <TableHeader>On</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {rules.map((rule) => {
            const problem = problems.find((p) => p.field === rule.field);
            return (
              <TableRow key={rule.field}>
                <TableCell>{rule.label}</TableCell>
                <TableCell>
                  <Select
                    name={`property-${rule.field}`}
                    label=""
                    value={rule.property}
                    options={exists.has(rule.property) ? propertyOptions : [...propertyOptions, { label: `${rule.property} (missing)`, value: rule.property }]}
                    error={!!problem}
                    validationMessage={problem?.error}
                    onChange={(value) => update(rule.field, { property: String(value) })}
                  />
                  {!exists.has(rule.property) && (
                    <Button size="xs" variant="secondary" onClick={() => void createProperty(rule.field)} testId={`create-${rule.field}`}>
                      Create property
                    </Button>
                  )}
                </TableCell>
                <TableCell>
                  <Select name={`policy-${rule.field}`} label="" value={rule.policy} options={POLICY_OPTIONS} onChange={(value) => update(rule.field, { policy: value as MappingRule["policy"] })} />
                </TableCell>
                <TableCell>
                  <Toggle label="Mapped" labelDisplay="hidden" checked={rule.enabled} onChange={(checked) => update(rule.field, { enabled: checked })} />
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      <Flex justify="end">
        <Button variant="primary" disabled={saving} onClick={() => void save()}>
          {saving ? "Saving…" : "Save mapping"}
        </Button>
      </Flex>
    </Flex>
  );
}

export function Connections() {
  const actions = useExtensionActions<"settings">();
  const [connections, setConnections] = useState<ConnectionView[] | null>(null);
  const [vendors, setVendors] = useState<{ id: string; label: string; secretHelp: string }[]>([]);
  const [vendor, setVendor] = useState("retell");
  const [secret, setSecret] = useState("");
  const [rotating, setRotating] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const data = await backend<{ connections: ConnectionView[]; vendors: { id: string; label: string; secretHelp: string }[] }>("/ui/v1/connections");
      setConnections(data.connections);
      setVendors(data.vendors);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const add = async () => {
    try {
      await backend("/ui/v1/connections", { method: "POST", body: { vendor, secret } });
      setSecret("");
      actions.addAlert({ type: "success", message: "Connected. Paste the webhook URL into your AI receptionist." });
      await load();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  const copy = async (text: string, what: string) => {
    await actions.copyTextToClipboard(text);
    actions.addAlert({ type: "success", message: `${what} copied.` });
  };

  const rotate = async (id: string) => {
    try {
      await backend(`/ui/v1/connections/${id}/secret`, { method: "POST", body: { secret: rotating[id] ?? "" } });
      setRotating((r) => ({ ...r, [id]: "" }));
      actions.addAlert({ type: "success", message: "Secret rotated. The URLs stay the same." });
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  if (error) return <ErrorState title="Couldn't load the connections"><Text>{error}</Text></ErrorState>;
  if (!connections) return <LoadingSpinner label="Loading connections" />;
  const help = vendors.find((v) => v.id === vendor)?.secretHelp;
  return (
    <Flex direction="column" gap="md">
      {connections.length === 0 && <Text>No AI receptionist connected yet.</Text>}
      {connections.map((c) => (
        <Flex key={c.id} direction="column" gap="xs">
          <Heading>{c.vendorLabel}</Heading>
          <Text>Webhook URL: {c.webhookUrl}</Text>
          <Text>Tools URL: {c.toolsUrl}</Text>
          <Text>{c.lastDeliveryAt ? `Last delivery ${new Date(c.lastDeliveryAt).toLocaleString()}` : "No delivery yet"}</Text>
          {c.lastError && <Alert title="Last error" variant="warning">{c.lastError}</Alert>}
          {c.weakSignature && <Alert title="Weaker signature" variant="info">{c.vendorLabel} signs only the call id, not the payload: the first delivery of each call is kept, and a later one that differs is quarantined, not merged. Prefer a vendor or generic connection that signs the body.</Alert>}
          {c.toolsDisabledReason && <Alert title="Live tools are off" variant="warning">{c.toolsDisabledReason}</Alert>}
          <Flex direction="row" gap="sm" align="end">
            <Button size="xs" variant="secondary" onClick={() => void copy(c.webhookUrl, "Webhook URL")} testId={`copy-webhook-${c.id}`}>Copy webhook URL</Button>
            <Button size="xs" variant="secondary" onClick={() => void copy(c.toolsUrl, "Tools URL")}>Copy tools URL</Button>
            <Input name={`rotate-${c.id}`} label="New secret" type="password" value={rotating[c.id] ?? ""} onChange={(value) => setRotating((r) => ({ ...r, [c.id]: value }))} />
            <Button size="xs" onClick={() => void rotate(c.id)} testId={`rotate-${c.id}`}>Rotate secret</Button>
          </Flex>
          <Divider />
        </Flex>
      ))}
      <Heading>Connect an AI receptionist</Heading>
      <Select name="vendor" label="Vendor" value={vendor} options={vendors.map((v) => ({ label: v.label, value: v.id }))} onChange={(value) => setVendor(String(value))} />
      <Input name="secret" label="Signing secret" type="password" description={help} value={secret} onChange={setSecret} />
      <Button variant="primary" onClick={() => void add()}>Connect</Button>
    </Flex>
  );
}

export function FallbackQueue() {
  const actions = useExtensionActions<"settings">();
  const [entries, setEntries] = useState<FallbackView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setEntries((await backend<{ entries: FallbackView[] }>("/ui/v1/fallback")).entries);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const replay = async (body: { id: string } | { all: true }) => {
    try {
      const result = await backend<{ replayed: string[] }>("/ui/v1/fallback/replay", { method: "POST", body });
      actions.addAlert({ type: "success", message: `${result.replayed.length} call(s) sent to HubSpot again.` });
      await load();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  if (error) return <ErrorState title="Couldn't load the fallback queue"><Text>{error}</Text></ErrorState>;
  if (!entries) return <LoadingSpinner label="Loading the fallback queue" />;
  if (entries.length === 0) return <Text>Every call is in HubSpot. Calls that cannot be synced after retries wait here.</Text>;
  return (
    <Flex direction="column" gap="sm">
      <Table bordered={true}>
        <TableHead>
          <TableRow>
            <TableHeader>Caller</TableHeader>
            <TableHeader>Reason</TableHeader>
            <TableHeader>Waiting</TableHeader>
            <TableHeader> </TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {entries.map((entry) => (
            <TableRow key={entry.id}>
              <TableCell>{entry.caller ?? "unknown"}</TableCell>
              <TableCell>{entry.reason}</TableCell>
              <TableCell>{age(entry.ageSeconds)}</TableCell>
              <TableCell>
                <Button size="xs" onClick={() => void replay({ id: entry.id })} testId={`replay-${entry.id}`}>Replay</Button>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Button onClick={() => void replay({ all: true })}>Replay all</Button>
    </Flex>
  );
}

export type CalendarStatus = "builtin" | "not_connected" | "connected" | "needs_reauth";

export interface ServiceView {
  name: string;
  durationMinutes: number;
  bufferMinutes: number;
  aliases: string[];
  reminderMinutes: number[];
}

export interface StaffView {
  id: string;
  name: string;
  email: string;
  calendar: "builtin" | "google" | "microsoft";
  timezone: string;
  calendarStatus: CalendarStatus;
  calendarAccount: string | null;
  lastSyncAt: string | null;
  lastError: string | null;
}

export interface BookingOverview {
  configured: boolean;
  timezone: string | null;
  services: ServiceView[];
  staff: StaffView[];
  upcoming: number;
}

/** A service type as typed: minutes stay text until saved, so a typo can be pointed at. */
interface ServiceRow {
  key: number;
  name: string;
  duration: string;
  buffer: string;
  aliases: string;
  /** Not edited here; sent back unchanged so a save keeps them (new rows get the server's default). */
  reminderMinutes?: number[];
}
type ServiceField = "name" | "duration" | "buffer" | "aliases";

const SERVER_FIELDS: Record<string, ServiceField> = { name: "name", durationMinutes: "duration", bufferMinutes: "buffer", aliases: "aliases" };
const WHOLE_MINUTES = /^\d+$/;
const fieldKey = (row: number, field: ServiceField) => `${row}:${field}`;

let nextRowKey = 0;
const toRow = (s: ServiceView): ServiceRow => ({ key: nextRowKey++, name: s.name, duration: String(s.durationMinutes), buffer: String(s.bufferMinutes), aliases: s.aliases.join(", "), reminderMinutes: s.reminderMinutes });

function toService(row: ServiceRow) {
  return {
    name: row.name.trim(),
    durationMinutes: Number(row.duration.trim()),
    bufferMinutes: row.buffer.trim() === "" ? 0 : Number(row.buffer.trim()),
    aliases: row.aliases.split(",").map((a) => a.trim()).filter(Boolean),
    ...(row.reminderMinutes ? { reminderMinutes: row.reminderMinutes } : {}),
  };
}

/** Obvious mistakes, caught before asking the server (which checks ranges and duplicate names). */
function rowMistakes(rows: ServiceRow[]): Record<string, string> {
  const mistakes: Record<string, string> = {};
  for (const row of rows) {
    if (!row.name.trim()) mistakes[fieldKey(row.key, "name")] = "Give the service type a name";
    if (!WHOLE_MINUTES.test(row.duration.trim())) mistakes[fieldKey(row.key, "duration")] = "Minutes, as a whole number (e.g. 30)";
    if (row.buffer.trim() !== "" && !WHOLE_MINUTES.test(row.buffer.trim())) mistakes[fieldKey(row.key, "buffer")] = "Minutes, as a whole number (or 0)";
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
  const add = () => setRows((current) => [...current, { key: nextRowKey++, name: "", duration: "30", buffer: "0", aliases: "" }]);
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
      await backend("/ui/v1/booking/services", { method: "PUT", body: { services: rows.map(toService) } });
      actions.addAlert({ type: "success", message: "Service types saved. The AI receptionist uses them within seconds." });
      await onSaved();
    } catch (e) {
      // The server names each bad field by its row in what was sent, which is the order shown.
      const problems = e instanceof BackendError ? ((e.body as { problems?: { index: number | null; field: string | null; error: string }[] }).problems ?? []) : [];
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

const CALENDAR_LABELS: Record<StaffView["calendar"], string> = { builtin: "Built-in", google: "Google Calendar", microsoft: "Microsoft 365" };
const STATUS_TAGS: Record<CalendarStatus, { label: string; variant: "default" | "info" | "success" | "warning" }> = {
  builtin: { label: "Built-in", variant: "default" },
  not_connected: { label: "Not connected", variant: "info" },
  connected: { label: "Connected", variant: "success" },
  needs_reauth: { label: "Must reconnect", variant: "warning" },
};

export function StaffCalendars({ staff, timezone }: { staff: StaffView[]; timezone: string | null }) {
  const actions = useExtensionActions<"settings">();
  const [links, setLinks] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  const getLink = async (member: StaffView) => {
    setError(null);
    try {
      const { connectUrl } = await backend<{ connectUrl: string }>(`/ui/v1/booking/staff/${member.id}/connect-link`, { method: "POST" });
      setLinks((current) => ({ ...current, [member.id]: connectUrl }));
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
      <Text>Staff on Google or Microsoft 365 are offered to callers once they have connected their calendar. Get a link and send it to them: it works once, within a day.</Text>
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
              <TableCell>
                {m.calendar !== "builtin" && (
                  <Button size="xs" variant="secondary" onClick={() => void getLink(m)} testId={`connect-link-${m.id}`}>Get connect link</Button>
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
  const [overview, setOverview] = useState<BookingOverview | null>(null);
  const [loads, setLoads] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setOverview(await backend<BookingOverview>("/ui/v1/booking"));
      setLoads((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  if (error) return <ErrorState title="Couldn't load booking"><Text>{error}</Text></ErrorState>;
  if (!overview) return <LoadingSpinner label="Loading booking" />;
  if (!overview.configured) return <Text>Booking on the call is not set up yet: see docs/booking-tools.md (npm run cli -- booking setup).</Text>;
  return (
    <Flex direction="column" gap="md">
      <Text>Time zone {overview.timezone} · {overview.upcoming} upcoming booking(s)</Text>
      <ServiceTypesEditor key={loads} services={overview.services} onSaved={load} />
      <Divider />
      <StaffCalendars staff={overview.staff} timezone={overview.timezone} />
    </Flex>
  );
}

export function Settings() {
  return (
    <Tabs defaultSelected="mapping">
      <Tab tabId="mapping" title="Field mapping"><MappingEditor /></Tab>
      <Tab tabId="connections" title="Vendor connections"><Connections /></Tab>
      <Tab tabId="fallback" title="Fallback queue"><FallbackQueue /></Tab>
      <Tab tabId="booking" title="Booking"><Booking /></Tab>
      <Tab tabId="activity" title="Activity"><AuditLog /></Tab>
    </Tabs>
  );
}

hubspot.extend<"settings">(() => <Settings />);
