import React, { useState } from "react";
import { Alert, Button, Flex, Input, LoadingSpinner, Text } from "@hubspot/ui-extensions";
import type { CallMoved, ContactChoice, ContactSearchResponse } from "../shared/api.js";
import { backend } from "../shared/backend.js";

// "Not Dana? Move this call": a rep picks the right contact (HubSpot's contact search, through the
// backend) and confirms; the backend moves the HubSpot Call and teaches the app that the caller's
// number belongs to that contact, so their later calls land there too.

type Step =
  | { kind: "closed" }
  | { kind: "searching"; query: string; results: ContactChoice[] | null; busy: boolean; error: string | null }
  | { kind: "confirm"; query: string; results: ContactChoice[]; choice: ContactChoice; busy: boolean; error: string | null };

const describe = (c: ContactChoice) => c.name ?? c.email ?? c.phone ?? `Contact ${c.id}`;

export function MoveCall({ callId, contactId, firstName, onMoved }: { callId: string; contactId: string; firstName: string | null; onMoved: (moved: CallMoved, to: ContactChoice) => void }) {
  const [step, setStep] = useState<Step>({ kind: "closed" });

  if (step.kind === "closed") {
    return (
      <Button size="xs" variant="transparent" testId={`move-${callId}`} onClick={() => setStep({ kind: "searching", query: "", results: null, busy: false, error: null })}>
        {firstName ? `Not ${firstName}? Move this call` : "Wrong contact? Move this call"}
      </Button>
    );
  }

  const search = async (query: string) => {
    setStep({ kind: "searching", query, results: null, busy: true, error: null });
    try {
      const answer = await backend<ContactSearchResponse>(`/ui/v1/contacts/search?q=${encodeURIComponent(query.trim())}`);
      setStep({ kind: "searching", query, results: answer.results.filter((c) => c.id !== contactId), busy: false, error: null });
    } catch (e) {
      setStep({ kind: "searching", query, results: null, busy: false, error: (e as Error).message });
    }
  };

  if (step.kind === "confirm") {
    const move = async () => {
      setStep({ ...step, busy: true, error: null });
      try {
        const moved = await backend<CallMoved>(`/ui/v1/calls/${callId}/move`, { method: "POST", body: { toContactId: step.choice.id } });
        onMoved(moved, step.choice);
      } catch (e) {
        setStep({ ...step, busy: false, error: (e as Error).message });
      }
    };
    return (
      <Flex direction="column" gap="xs" testId={`move-confirm-${callId}`}>
        <Text>Move this call to {describe(step.choice)}? Their later calls from this number will land there too.</Text>
        {step.error && <Alert title="The call was not moved" variant="danger">{step.error}</Alert>}
        <Flex direction="row" gap="xs">
          <Button size="xs" variant="primary" disabled={step.busy} onClick={() => void move()}>
            {step.busy ? "Moving…" : "Move the call"}
          </Button>
          <Button size="xs" variant="secondary" disabled={step.busy} onClick={() => setStep({ kind: "searching", query: step.query, results: step.results, busy: false, error: null })}>
            Back
          </Button>
        </Flex>
      </Flex>
    );
  }

  return (
    <Flex direction="column" gap="xs" testId={`move-search-${callId}`}>
      <Input name={`move-query-${callId}`} label="Find the right contact" placeholder="Name, e-mail or phone" value={step.query} onChange={(value) => setStep({ ...step, query: String(value) })} />
      <Flex direction="row" gap="xs">
        <Button size="xs" disabled={step.busy || step.query.trim().length < 2} onClick={() => void search(step.query)}>
          Search
        </Button>
        <Button size="xs" variant="secondary" onClick={() => setStep({ kind: "closed" })}>
          Cancel
        </Button>
      </Flex>
      {step.busy && <LoadingSpinner label="Searching contacts" />}
      {step.error && <Alert title="Search failed" variant="danger">{step.error}</Alert>}
      {step.results && step.results.length === 0 && <Text>No other contact matches "{step.query.trim()}".</Text>}
      {step.results?.map((choice) => (
        <Flex key={choice.id} direction="row" gap="xs" align="center">
          <Text>{[describe(choice), choice.email, choice.phone].filter((v, i, all) => v && all.indexOf(v) === i).join(" · ")}</Text>
          <Button size="xs" variant="secondary" testId={`choose-${choice.id}`} onClick={() => setStep({ kind: "confirm", query: step.query, results: step.results!, choice, busy: false, error: null })}>
            Choose
          </Button>
        </Flex>
      ))}
    </Flex>
  );
}
