import React, { useEffect, useState } from "react";
import { Alert, Button, Flex, Heading, Input, LoadingSpinner, MultiSelect, Select, Text, Toggle, useExtensionActions } from "@hubspot/ui-extensions";
import type { AmbiguityRule, IntentRoute, OwnerRule, RoutingResponse, RoutingSaved, RoutingUpdateRequest, ZipRoute } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";

// The Routing tab: which contact a call lands on when several share the caller's number, who owns a
// new caller (owners picked from the portal's HubSpot users), and whether a new caller gets a HubSpot
// Lead. The server checks everything again (owners must be the portal's) and only a super admin may save.

const AMBIGUITY_OPTIONS: { value: AmbiguityRule; label: string }[] = [
  { value: "oldest", label: "The oldest contact" },
  { value: "most_recent_activity", label: "The contact with the most recent activity" },
  { value: "has_owner", label: "The contact that has an owner" },
  { value: "flag_for_review", label: "Most recent activity, and flag the call for review" },
];

const OWNER_RULE_OPTIONS: { value: OwnerRule; label: string }[] = [
  { value: "none", label: "No owner" },
  { value: "round_robin", label: "Round-robin among chosen users" },
  { value: "zip", label: "By zip code or territory" },
  { value: "intent", label: "By intent or service" },
];

type Editable = RoutingUpdateRequest;

function editableOf(data: RoutingResponse): Editable {
  const { ambiguityRule, ownerRule, roundRobinOwnerIds, zipRoutes, intentRoutes, fallbackOwnerId, createLeads } = data;
  return { ambiguityRule, ownerRule, roundRobinOwnerIds, zipRoutes, intentRoutes, fallbackOwnerId, createLeads };
}

export function Routing() {
  const actions = useExtensionActions<"settings">();
  const { data, error, loads, reload } = useLoaded(() => backend<RoutingResponse>("/ui/v1/routing"));
  const [form, setForm] = useState<Editable | null>(null);
  useEffect(() => {
    if (data) setForm(editableOf(data));
  }, [loads]);

  if (error) return <LoadError what="the routing settings" message={error} onRetry={() => void reload()} />;
  if (!data || !form) return <LoadingSpinner label="Loading the routing settings" />;

  const ownerOptions = data.owners.map((o) => ({ value: o.id, label: o.email ? `${o.name} (${o.email})` : o.name }));
  const set = (patch: Partial<Editable>) => setForm((f) => (f ? { ...f, ...patch } : f));
  const save = async () => {
    try {
      await backend<RoutingSaved>("/ui/v1/routing", { method: "PUT", body: form as unknown as Record<string, unknown> });
      actions.addAlert({ type: "success", message: "Routing saved." });
      await reload();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  return (
    <Flex direction="column" gap="md">
      <Flex direction="column" gap="xs">
        <Heading>Callers who share a number</Heading>
        <Text>When several contacts have the caller's number (a household, a front desk), the call lands on:</Text>
        <Select name="ambiguity-rule" label="Shared numbers" value={form.ambiguityRule} options={AMBIGUITY_OPTIONS} onChange={(value) => set({ ambiguityRule: value as AmbiguityRule })} />
        <Text variant="microcopy">Later calls from that number follow the same contact. A rep can move a call from the contact card ("Not Dana? Move this call").</Text>
      </Flex>

      <Flex direction="column" gap="xs">
        <Heading>Owners for new callers</Heading>
        {data.ownersError && <Alert title="Users not loaded" variant="warning">{data.ownersError}</Alert>}
        <Select name="owner-rule" label="New callers get" value={form.ownerRule} options={OWNER_RULE_OPTIONS} onChange={(value) => set({ ownerRule: value as OwnerRule })} />
        {form.ownerRule === "round_robin" && (
          <MultiSelect name="round-robin-owners" label="Take turns" value={form.roundRobinOwnerIds} options={ownerOptions} onChange={(value) => set({ roundRobinOwnerIds: value.map(String) })} />
        )}
        {form.ownerRule === "zip" && (
          <RouteRows
            kind="zip"
            rows={form.zipRoutes.map((r) => ({ key: r.prefix, ownerId: r.ownerId }))}
            keyLabel="Zip code or its start"
            ownerOptions={ownerOptions}
            onChange={(rows) => set({ zipRoutes: rows.map((r): ZipRoute => ({ prefix: r.key, ownerId: r.ownerId })) })}
          />
        )}
        {form.ownerRule === "intent" && (
          <RouteRows
            kind="intent"
            rows={form.intentRoutes.map((r) => ({ key: r.match, ownerId: r.ownerId }))}
            keyLabel="Words in the intent or service"
            ownerOptions={ownerOptions}
            onChange={(rows) => set({ intentRoutes: rows.map((r): IntentRoute => ({ match: r.key, ownerId: r.ownerId })) })}
          />
        )}
        {(form.ownerRule === "zip" || form.ownerRule === "intent") && (
          <Select name="fallback-owner" label="When nothing matches" value={form.fallbackOwnerId ?? ""} options={[{ value: "", label: "No owner" }, ...ownerOptions]} onChange={(value) => set({ fallbackOwnerId: value ? String(value) : null })} />
        )}
        <Text variant="microcopy">Escalation tasks go to the contact's owner, due in 15 minutes (emergency), 1 hour (high), 4 hours (medium), or 9:00 the next business day (low).</Text>
      </Flex>

      <Flex direction="column" gap="xs">
        <Heading>Leads</Heading>
        <Toggle name="create-leads" label="Create a HubSpot Lead for each new caller" checked={form.createLeads} onChange={(checked) => set({ createLeads: checked })} />
        {data.leadsSkipped && (
          <Alert title="The last Lead was not created" variant="warning">
            {data.leadsSkipped.reason}
          </Alert>
        )}
      </Flex>

      <Button onClick={() => void save()}>Save routing</Button>
    </Flex>
  );
}

interface RouteRow {
  key: string;
  ownerId: string;
}

/** Zip prefixes or intent words, each with its owner: edit, add, remove. */
function RouteRows({ kind, rows, keyLabel, ownerOptions, onChange }: { kind: "zip" | "intent"; rows: RouteRow[]; keyLabel: string; ownerOptions: { value: string; label: string }[]; onChange: (rows: RouteRow[]) => void }) {
  const update = (index: number, patch: Partial<RouteRow>) => onChange(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  return (
    <Flex direction="column" gap="xs">
      {rows.map((row, index) => (
        <Flex key={index} direction="row" gap="sm" align="end">
          <Input name={`${kind}-key-${index}`} label={keyLabel} value={row.key} onChange={(value) => update(index, { key: String(value) })} />
          <Select name={`${kind}-owner-${index}`} label="Owner" value={row.ownerId} options={ownerOptions} onChange={(value) => update(index, { ownerId: String(value) })} />
          <Button variant="secondary" size="xs" onClick={() => onChange(rows.filter((_, i) => i !== index))}>
            Remove
          </Button>
        </Flex>
      ))}
      <Button variant="secondary" size="xs" onClick={() => onChange([...rows, { key: "", ownerId: ownerOptions[0]?.value ?? "" }])}>
        {kind === "zip" ? "Add a zip code" : "Add an intent or service"}
      </Button>
    </Flex>
  );
}
