import React, { useState } from "react";
import { Alert, Button, Flex, Heading, Select, StatusTag, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, TextArea } from "@hubspot/ui-extensions";
import type { CallPreview, CallPreviewRequest, PreviewPropertyChange } from "../shared/api.js";
import { backend } from "../shared/backend.js";

// "Preview a call": the admin pastes a sample post-call payload in the vendor's own shape and sees
// what it would do in this portal before the first real call: the contact it would land on and why,
// each property change with its policy, and the Call that would be logged. Nothing is written to
// HubSpot; the server reads HubSpot as the sync would.

const VENDORS = [
  { label: "Retell AI", value: "retell" },
  { label: "Vapi", value: "vapi" },
  { label: "Bland AI", value: "bland" },
  { label: "Synthflow", value: "synthflow" },
  { label: "Any other (generic format)", value: "generic" },
];

const OUTCOME: Record<PreviewPropertyChange["outcome"], { label: string; variant: "success" | "default" | "info" | "warning" }> = {
  written: { label: "Would be written", variant: "success" },
  kept: { label: "Kept (HubSpot has a value)", variant: "info" },
  unchanged: { label: "Already this value", variant: "default" },
  off: { label: "Rule switched off", variant: "warning" },
};

export function PreviewCall() {
  const [vendor, setVendor] = useState("retell");
  const [payload, setPayload] = useState("");
  const [preview, setPreview] = useState<CallPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setError(null);
    setPreview(null);
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch (e) {
      setError(`The payload is not JSON: ${(e as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      const request: CallPreviewRequest = { vendor, payload: body };
      setPreview(await backend<CallPreview>("/ui/v1/preview", { method: "POST", body: request as unknown as Record<string, unknown> }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Flex direction="column" gap="sm">
      <Text>Paste a post-call payload exactly as your AI receptionist sends it (its webhook log or documentation has one) to see what it would do here. Nothing is written to HubSpot.</Text>
      <Select name="preview-vendor" label="Sent by" options={VENDORS} value={vendor} onChange={(value) => setVendor(String(value))} />
      <TextArea name="preview-payload" label="Payload (JSON)" rows={8} value={payload} onChange={(value) => setPayload(String(value))} />
      <Button variant="primary" disabled={busy || !payload.trim()} onClick={() => void run()}>Preview</Button>
      {error && <Alert title="No preview" variant="danger">{error}</Alert>}
      {preview && (
        <Flex direction="column" gap="sm">
          <Heading>Contact</Heading>
          <Flex direction="row" gap="sm" align="center">
            <StatusTag variant={preview.match.kind === "new" ? "info" : preview.match.candidates > 1 ? "warning" : "success"}>
              {preview.match.kind === "new" ? "New contact" : `${preview.match.name ?? "Contact"} (${preview.match.contactId})`}
            </StatusTag>
            <Text>{preview.match.how}</Text>
          </Flex>
          <Heading>Contact properties</Heading>
          {preview.contactChanges.length === 0 ? (
            <Text>The payload has no value for any mapped field.</Text>
          ) : (
            <Table>
              <TableHead>
                <TableRow>
                  <TableHeader>Property</TableHeader>
                  <TableHeader>Policy</TableHeader>
                  <TableHeader>In HubSpot now</TableHeader>
                  <TableHeader>From this call</TableHeader>
                  <TableHeader>Outcome</TableHeader>
                </TableRow>
              </TableHead>
              <TableBody>
                {preview.contactChanges.map((change) => (
                  <TableRow key={change.property}>
                    <TableCell>{change.property}</TableCell>
                    <TableCell>{change.policy.replaceAll("_", " ")}</TableCell>
                    <TableCell>{change.before ?? "—"}</TableCell>
                    <TableCell>{change.after ?? "—"}</TableCell>
                    <TableCell><StatusTag variant={OUTCOME[change.outcome].variant}>{OUTCOME[change.outcome].label}</StatusTag></TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          <Heading>The Call logged on it</Heading>
          <Table>
            <TableBody>
              {preview.call.map((p) => (
                <TableRow key={p.property}>
                  <TableCell>{p.property}</TableCell>
                  <TableCell>{p.value.length > 300 ? `${p.value.slice(0, 300)}…` : p.value}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {preview.escalation && <Text>{`And ${preview.escalation}.`}</Text>}
        </Flex>
      )}
    </Flex>
  );
}
