import React, { useState } from "react";
import { Alert, Button, Checkbox, Flex, Heading, Input, LoadingSpinner, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, useExtensionActions } from "@hubspot/ui-extensions";
import type { VendorApiKeyRequest, VendorApiKeySaved, VendorApplyRequest, VendorApplyResponse, VendorChangeLine, VendorChangeView, VendorSetupResponse, VendorTarget, VendorTargetResult, VendorTargetsResponse, VendorUndoRequest, VendorUndoResponse } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";

// A connection's vendor setup, under its URLs on the connections tab (docs/vendor-setup.md): pick the
// Retell agents or Vapi assistants (listed through the vendor's API), let the app point them at this
// connection, see exactly what it changed (before and after of every field and tool), and undo it. A
// vendor's refusal is shown with its reason. Only a super admin may change anything; the server checks.

const STATUS: Record<VendorChangeView["status"], { label: string; variant: "success" | "default" | "warning" }> = {
  applied: { label: "In place", variant: "success" },
  undone: { label: "Undone", variant: "default" },
  undone_with_conflicts: { label: "Undone, some left as changed since", variant: "warning" },
};

const shown = (value: string | null) => value ?? "(none)";

function ChangeLines({ lines, testId }: { lines: VendorChangeLine[]; testId: string }) {
  return (
    <Table bordered testId={testId}>
      <TableHead>
        <TableRow>
          <TableHeader>What</TableHeader>
          <TableHeader>Before</TableHeader>
          <TableHeader>After</TableHeader>
        </TableRow>
      </TableHead>
      <TableBody>
        {lines.map((line, i) => (
          <TableRow key={`${line.what}-${i}`}>
            <TableCell>{line.what}</TableCell>
            <TableCell>{shown(line.before)}</TableCell>
            <TableCell>{shown(line.after)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function ResultAlert({ result }: { result: VendorTargetResult }) {
  const title = result.outcome === "applied" ? `${result.name}: set up` : result.outcome === "unchanged" ? `${result.name}: already set up, nothing changed` : `${result.name}: not set up`;
  return (
    <Flex direction="column" gap="xs">
      <Alert title={title} variant={result.outcome === "failed" ? "danger" : result.note ? "warning" : "success"}>
        {result.error ?? result.note ?? `${result.changes.length} change(s), listed below.`}
      </Alert>
      {result.error && result.changes.length > 0 && <Text>Changed before the vendor refused (undo them below):</Text>}
    </Flex>
  );
}

export function VendorSetup({ connectionId }: { connectionId: string }) {
  const actions = useExtensionActions<"settings">();
  const { data, error, reload } = useLoaded(() => backend<VendorSetupResponse>(`/ui/v1/connections/${connectionId}/setup`));
  const [targets, setTargets] = useState<VendorTarget[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [apiKey, setApiKey] = useState("");
  const [vendorError, setVendorError] = useState<string | null>(null);
  const [results, setResults] = useState<VendorTargetResult[]>([]);
  const [undone, setUndone] = useState<VendorUndoResponse | null>(null);

  const list = async (cursor: string | null) => {
    try {
      const page = await backend<VendorTargetsResponse>(`/ui/v1/connections/${connectionId}/setup/targets${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
      setTargets((current) => [...(cursor ? (current ?? []) : []), ...page.targets]);
      setNext(page.next);
      setVendorError(null);
    } catch (e) {
      setVendorError((e as Error).message);
    }
  };

  const saveKey = async () => {
    try {
      await backend<VendorApiKeySaved>(`/ui/v1/connections/${connectionId}/setup/api-key`, { method: "PUT", body: { apiKey } satisfies VendorApiKeyRequest });
      setApiKey("");
      actions.addAlert({ type: "success", message: "API key stored." });
      await reload();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  const apply = async () => {
    try {
      const answer = await backend<VendorApplyResponse>(`/ui/v1/connections/${connectionId}/setup/apply`, { method: "POST", body: { targetIds: chosen } satisfies VendorApplyRequest });
      setResults(answer.results);
      setChosen([]);
      await reload();
      await list(null);
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  const undo = async (targetId: string) => {
    try {
      setUndone(await backend<VendorUndoResponse>(`/ui/v1/connections/${connectionId}/setup/undo`, { method: "POST", body: { targetId } satisfies VendorUndoRequest }));
      await reload();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  if (error) return <LoadError what="the vendor setup" message={error} onRetry={() => void reload()} />;
  if (!data) return <LoadingSpinner label="Loading the vendor setup" />;
  if (!data.supported) return <Text variant="microcopy">{data.reason}</Text>;
  const noun = data.targetNoun;
  const inPlace = [...new Map(data.changes.filter((c) => c.status === "applied").map((c) => [c.targetId, c.targetName])).entries()];
  return (
    <Flex direction="column" gap="sm">
      <Heading>Set up in {data.vendorLabel}</Heading>
      <Text>The app sets each {noun} you pick to send its calls to this connection's webhook URL, and adds the booking and caller lookup tools with this connection's tools URL. Every change is listed below and can be undone.</Text>
      {data.needsApiKey && (
        <Flex direction="row" gap="sm" align="end">
          <Input name={`vendor-key-${connectionId}`} label={`${data.vendorLabel} private API key`} type="password" description={data.apiKeySet ? "Stored. Enter a new one to replace it." : "Stored encrypted; used only to change the assistants you pick."} value={apiKey} onChange={setApiKey} />
          <Button size="xs" onClick={() => void saveKey()}>Save API key</Button>
        </Flex>
      )}
      <Button size="xs" variant="secondary" onClick={() => void list(null)}>{`List ${noun}s`}</Button>
      {vendorError && <Alert title={`${data.vendorLabel} did not answer as expected`} variant="danger">{vendorError}</Alert>}
      {targets && targets.length === 0 && <Text>No {noun}s in this {data.vendorLabel} account.</Text>}
      {targets?.map((t) => (
        <Checkbox key={t.id} name={`target-${t.id}`} checked={chosen.includes(t.id)} onChange={(checked) => setChosen((c) => (checked ? [...c, t.id] : c.filter((id) => id !== t.id)))}>
          {t.applied ? `${t.name} (set up)` : t.name}
        </Checkbox>
      ))}
      {next && <Button size="xs" variant="secondary" onClick={() => void list(next)}>{`More ${noun}s`}</Button>}
      {targets && targets.length > 0 && <Button variant="primary" onClick={() => void apply()} disabled={chosen.length === 0}>{`Set up the chosen ${noun}s`}</Button>}
      {results.map((r) => (
        <ResultAlert key={r.targetId} result={r} />
      ))}
      {undone && (
        <Alert title={undone.conflicts.length ? "Undone, except what was changed since" : "Undone"} variant={undone.conflicts.length ? "warning" : "success"}>
          {undone.conflicts.length ? `${undone.restored.length} value(s) restored. Left as they are now, because they were changed after the app set them: ${undone.conflicts.map((c) => c.what).join(", ")}.` : `${undone.restored.length} value(s) restored as they were before.`}
        </Alert>
      )}
      {inPlace.map(([targetId, name]) => (
        <Button key={targetId} size="xs" variant="destructive" onClick={() => void undo(targetId)} testId={`undo-${targetId}`}>{`Undo the setup of ${name}`}</Button>
      ))}
      {data.changes.length > 0 && <Heading>What the app changed</Heading>}
      {data.changes.map((change) => (
        <Flex key={change.id} direction="column" gap="xs">
          <Flex direction="row" gap="sm" align="center">
            <Text format={{ fontWeight: "bold" }}>{`${change.targetName}: ${change.resource} ${change.resourceId}`}</Text>
            <StatusTag variant={STATUS[change.status].variant}>{STATUS[change.status].label}</StatusTag>
          </Flex>
          <Text variant="microcopy">{`${new Date(change.appliedAt).toLocaleString()}${change.appliedBy ? ` by ${change.appliedBy}` : ""}`}</Text>
          <ChangeLines lines={change.changes} testId={`changes-${change.id}`} />
          {change.conflicts.length > 0 && (
            <Flex direction="column" gap="xs">
              <Text>Left alone by the undo (what the app had set, and what is there now):</Text>
              <ChangeLines lines={change.conflicts} testId={`conflicts-${change.id}`} />
            </Flex>
          )}
        </Flex>
      ))}
    </Flex>
  );
}
