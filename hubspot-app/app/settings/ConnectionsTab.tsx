import React, { useState } from "react";
import { Alert, Button, Divider, Flex, Heading, Input, LoadingSpinner, Select, StatusTag, Text, useExtensionActions } from "@hubspot/ui-extensions";
import type { ConnectionCreated, ConnectionListItem, ConnectionsResponse, CreateConnectionRequest, RotateSecretRequest, SecretRotated, VendorApiKeyRequest, VendorApiKeySaved } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";
import { VendorSetup } from "./VendorSetup.js";

// The Vendor connections tab: each AI receptionist connected to this portal, its URLs and health, and
// its signing secret (set or rotated here, never shown again), and for Retell and Vapi the setup of
// its agents or assistants through the vendor's API (VendorSetup.tsx); for Synthflow, the API key that
// fetches a recording again once the webhook's link has expired.

/** Synthflow's recording links expire after 24 h: with its API key the app can ask for a fresh one. */
function RecordingKey({ connection, onSaved }: { connection: ConnectionListItem; onSaved: () => Promise<void> }) {
  const actions = useExtensionActions<"settings">();
  const [apiKey, setApiKey] = useState("");
  const stored = connection.recordingKey?.set ?? false;
  const save = async () => {
    try {
      await backend<VendorApiKeySaved>(`/ui/v1/connections/${connection.id}/setup/api-key`, { method: "PUT", body: { apiKey } satisfies VendorApiKeyRequest });
      setApiKey("");
      actions.addAlert({ type: "success", message: `${connection.vendorLabel} API key stored: an expired recording link is now fetched again through ${connection.vendorLabel}.` });
      await onSaved();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };
  return (
    <Flex direction="column" gap="xs">
      <Flex direction="row" gap="sm" align="center">
        <Text format={{ fontWeight: "bold" }}>Recordings</Text>
        <StatusTag variant={stored ? "success" : "warning"}>{stored ? "API key stored" : "No API key"}</StatusTag>
      </Flex>
      <Text>
        {connection.vendorLabel}'s recording links expire 24 hours after the call (from 10 January 2027). The app copies each recording as soon as the call arrives; with your {connection.vendorLabel} API key it can also fetch a recording whose copy could not be made in time.
      </Text>
      <Flex direction="row" gap="sm" align="end">
        <Input name={`recording-key-${connection.id}`} label={`${connection.vendorLabel} API key`} type="password" description={stored ? "Stored encrypted. Enter a new one to replace it." : "Stored encrypted; used only to fetch this connection's recordings."} value={apiKey} onChange={setApiKey} />
        <Button size="xs" onClick={() => void save()} disabled={apiKey.trim().length === 0} testId={`save-recording-key-${connection.id}`}>Save API key</Button>
      </Flex>
    </Flex>
  );
}

export function Connections() {
  const actions = useExtensionActions<"settings">();
  const { data, error, reload: load } = useLoaded(() => backend<ConnectionsResponse>("/ui/v1/connections"));
  const connections = data?.connections ?? null;
  const vendors = data?.vendors ?? [];
  const [vendor, setVendor] = useState("retell");
  const [secret, setSecret] = useState("");
  const [rotating, setRotating] = useState<Record<string, string>>({});

  const add = async () => {
    try {
      await backend<ConnectionCreated>("/ui/v1/connections", { method: "POST", body: { vendor, secret } satisfies CreateConnectionRequest });
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
      await backend<SecretRotated>(`/ui/v1/connections/${id}/secret`, { method: "POST", body: { secret: rotating[id] ?? "" } satisfies RotateSecretRequest });
      setRotating((r) => ({ ...r, [id]: "" }));
      actions.addAlert({ type: "success", message: "Secret rotated. The URLs stay the same." });
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  if (error) return <LoadError what="the connections" message={error} onRetry={() => void load()} />;
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
          {c.setupSupported && <VendorSetup connectionId={c.id} />}
          {c.recordingKey && <RecordingKey connection={c} onSaved={load} />}
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
