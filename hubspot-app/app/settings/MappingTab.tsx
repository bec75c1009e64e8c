import React, { useState } from "react";
import { Alert, Button, Flex, LoadingSpinner, Select, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, Toggle, useExtensionActions } from "@hubspot/ui-extensions";
import type { CreatePropertyRequest, MappingPolicy, MappingProblem, MappingRefusal, MappingResponse, MappingRule, MappingUpdateRequest, PropertiesResponse, PropertyCreated } from "../shared/api.js";
import { backend, BackendError } from "../shared/backend.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";

// The Field mapping tab: which HubSpot contact property each captured field goes to, and whether it
// overwrites. The server checks every rule against the portal's properties and says which one is wrong.

const POLICY_OPTIONS = [
  { label: "Always overwrite", value: "overwrite" },
  { label: "Fill if empty", value: "fill_if_empty" },
];

export function MappingEditor() {
  const actions = useExtensionActions<"settings">();
  const { data, error, reload: load, setData } = useLoaded(async () => {
    const [mapping, portal] = await Promise.all([backend<MappingResponse>("/ui/v1/mapping"), backend<PropertiesResponse>("/ui/v1/properties")]);
    return { rules: mapping.rules, properties: portal.properties };
  });
  const rules = data?.rules ?? null;
  const properties = data?.properties ?? [];
  const setRules = (update: (current: MappingRule[] | null) => MappingRule[] | null) => setData((d) => (d ? { ...d, rules: update(d.rules) ?? [] } : d));
  const [problems, setProblems] = useState<MappingProblem[]>([]);
  const [saving, setSaving] = useState(false);

  const update = (field: string, change: Partial<MappingRule>) => setRules((current) => current?.map((r) => (r.field === field ? { ...r, ...change } : r)) ?? null);

  const save = async () => {
    if (!rules) return;
    setSaving(true);
    setProblems([]);
    try {
      await backend("/ui/v1/mapping", { method: "PUT", body: { rules: rules.map(({ field, property, policy, enabled }) => ({ field, property, policy, enabled })) } satisfies MappingUpdateRequest });
      actions.addAlert({ type: "success", message: "Field mapping saved. It applies from the next call." });
    } catch (e) {
      setProblems(e instanceof BackendError ? ((e.body as Partial<MappingRefusal>).problems ?? []) : []);
      actions.addAlert({ type: "danger", message: (e as Error).message });
    } finally {
      setSaving(false);
    }
  };

  const createProperty = async (field: string) => {
    try {
      const created = await backend<PropertyCreated>("/ui/v1/properties", { method: "POST", body: { field } satisfies CreatePropertyRequest });
      actions.addAlert({ type: "success", message: `Created the property ${created.created}.` });
      await load();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  if (error) return <LoadError what="the field mapping" message={error} onRetry={() => void load()} />;
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
                  <Select name={`policy-${rule.field}`} label="" value={rule.policy} options={POLICY_OPTIONS} onChange={(value) => update(rule.field, { policy: value as MappingPolicy })} />
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
