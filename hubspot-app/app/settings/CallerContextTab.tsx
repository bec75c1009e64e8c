import React, { useEffect, useState } from "react";
import { Button, Flex, Heading, Input, LoadingSpinner, Text, Toggle, useExtensionActions } from "@hubspot/ui-extensions";
import type { CallerContextField, CallerContextResponse, CallerContextSaved, CallerContextShared, CallerContextUpdateRequest } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";

// The Caller context tab: which details of a caller the app already knows the AI receptionist is told
// when a call starts (nothing else about the contact leaves HubSpot), and which Vapi assistant takes
// the calls Vapi asks us about. The server checks everything again and only a super admin may save.

const FIELDS: { field: CallerContextField; label: string; description: string }[] = [
  { field: "firstName", label: "First name", description: "So the AI can greet them by name." },
  { field: "upcomingBooking", label: "Upcoming booking", description: "The service, when, and its reference." },
  { field: "lastCall", label: "Last call", description: "The intent and a one-line summary of their previous call." },
  { field: "ownerName", label: "Contact owner's first name", description: "Who at the business looks after them." },
];

export function CallerContext() {
  const actions = useExtensionActions<"settings">();
  const { data, error, loads, reload } = useLoaded(() => backend<CallerContextResponse>("/ui/v1/caller-context"));
  const [shared, setShared] = useState<CallerContextShared | null>(null);
  const [assistants, setAssistants] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!data) return;
    setShared(data.shared);
    setAssistants(Object.fromEntries(data.vapiConnections.map((c) => [c.connectionId, c.assistantId ?? ""])));
  }, [loads]);

  const save = async () => {
    if (!shared) return;
    const body: CallerContextUpdateRequest = { shared, ...(data?.vapiConnections.length ? { vapiAssistants: Object.fromEntries(Object.entries(assistants).map(([id, value]) => [id, value.trim() || null])) } : {}) };
    try {
      await backend<CallerContextSaved>("/ui/v1/caller-context", { method: "PUT", body: body as unknown as Record<string, unknown> });
      actions.addAlert({ type: "success", message: "Caller context saved." });
      await reload();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  if (error) return <LoadError what="the caller context settings" message={error} onRetry={() => void reload()} />;
  if (!data || !shared) return <LoadingSpinner label="Loading the caller context settings" />;
  return (
    <Flex direction="column" gap="sm">
      <Text>When a caller the app already knows rings, the AI receptionist is told only what is switched on here. A caller it does not know gets empty values.</Text>
      {FIELDS.map(({ field, label, description }) => (
        <Flex key={field} direction="column" gap="xs">
          <Toggle name={`share-${field}`} label={label} checked={shared[field]} onChange={(checked) => setShared((s) => (s ? { ...s, [field]: checked } : s))} />
          <Text variant="microcopy">{description}</Text>
        </Flex>
      ))}
      {data.vapiConnections.length > 0 && (
        <Flex direction="column" gap="xs">
          <Heading>Vapi assistants</Heading>
          <Text>Vapi asks which assistant takes each inbound call: give the assistant id for each Vapi connection.</Text>
          {data.vapiConnections.map((c) => (
            <Input key={c.connectionId} name={`assistant-${c.connectionId}`} label={c.label ?? "Vapi connection"} value={assistants[c.connectionId] ?? ""} onChange={(value) => setAssistants((a) => ({ ...a, [c.connectionId]: String(value) }))} />
          ))}
        </Flex>
      )}
      <Button onClick={() => void save()}>Save caller context</Button>
    </Flex>
  );
}
