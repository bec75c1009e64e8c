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
import { age } from "../shared/format.js";

// The app's settings page in HubSpot: field mapping, vendor connections and the fallback queue.
// Everything is validated again server-side; the page shows the server's reasons.

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
          {c.weakSignature && <Alert title="Weaker signature" variant="info">Synthflow signs only the call id, not the payload: a copied delivery could be altered. Prefer a vendor or generic connection that signs the body.</Alert>}
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

interface BookingOverview {
  configured: boolean;
  timezone: string | null;
  services: { name: string; durationMinutes: number; bufferMinutes: number; aliases: string[] }[];
  staff: { name: string; email: string; calendar: string; timezone: string }[];
  upcoming: number;
}

export function Booking() {
  const [overview, setOverview] = useState<BookingOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    backend<BookingOverview>("/ui/v1/booking").then(setOverview, (e: Error) => setError(e.message));
  }, []);
  if (error) return <ErrorState title="Couldn't load booking"><Text>{error}</Text></ErrorState>;
  if (!overview) return <LoadingSpinner label="Loading booking" />;
  if (!overview.configured) return <Text>Booking on the call is not set up yet: see docs/booking-tools.md (npm run cli -- booking setup).</Text>;
  return (
    <Flex direction="column" gap="sm">
      <Text>Time zone {overview.timezone} · {overview.upcoming} upcoming booking(s)</Text>
      <Table bordered={true}>
        <TableHead>
          <TableRow>
            <TableHeader>Service type</TableHeader>
            <TableHeader>Duration</TableHeader>
            <TableHeader>Also understood as</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {overview.services.map((s) => (
            <TableRow key={s.name}>
              <TableCell>{s.name}</TableCell>
              <TableCell>{`${s.durationMinutes} min${s.bufferMinutes ? ` + ${s.bufferMinutes} min buffer` : ""}`}</TableCell>
              <TableCell>{s.aliases.join(", ")}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Table bordered={true}>
        <TableHead>
          <TableRow>
            <TableHeader>Staff</TableHeader>
            <TableHeader>Calendar</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {overview.staff.map((m) => (
            <TableRow key={m.email}>
              <TableCell>{`${m.name} (${m.email})`}</TableCell>
              <TableCell>{`${m.calendar}, ${m.timezone}`}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
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
    </Tabs>
  );
}

hubspot.extend<"settings">(() => <Settings />);
