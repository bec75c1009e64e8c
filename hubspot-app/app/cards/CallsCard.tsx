import React, { useCallback, useEffect, useState } from "react";
import {
  Accordion,
  Button,
  DescriptionList,
  DescriptionListItem,
  Divider,
  EmptyState,
  ErrorState,
  Flex,
  Link,
  LoadingSpinner,
  Tag,
  Text,
  hubspot,
  useExtensionActions,
  useExtensionContext,
} from "@hubspot/ui-extensions";
import { useCrmProperties } from "@hubspot/ui-extensions/crm";
import type { CallsPage, CallSummary, TranscriptTurn } from "../shared/api.js";
import { backend, BackendError } from "../shared/backend.js";
import { duration, humanise, when } from "../shared/format.js";
import { LoadError } from "../shared/LoadError.js";
import { MoveCall } from "./MoveCall.js";

const PAGE_SIZE = 5;
const SPEAKER: Record<TranscriptTurn["speaker"], string> = { agent: "AI receptionist", caller: "Caller" };
const SENTIMENT_VARIANT = { positive: "success", neutral: "default", negative: "error" } as const;

const MATCH_RULE: Record<NonNullable<CallSummary["match"]>["rule"], string> = {
  oldest: "being the oldest",
  most_recent_activity: "its most recent activity",
  has_owner: "having an owner",
  flag_for_review: "its most recent activity (flagged for review)",
};

type State = { kind: "loading" } | { kind: "error"; message: string } | { kind: "reconnect" } | { kind: "ready"; calls: CallSummary[]; nextBefore: string | null; loadingMore: boolean };

/** The contact's recent AI receptionist calls, in the narrow record sidebar. */
export function CallsCard() {
  const context = useExtensionContext<"crm.record.sidebar">();
  const actions = useExtensionActions<"crm.record.sidebar">();
  const contactId = String(context.crm.objectId);
  const { properties } = useCrmProperties(["firstname"]);
  const firstName = properties.firstname?.trim() || null;
  const [state, setState] = useState<State>({ kind: "loading" });

  const load = useCallback(
    async (before?: string) => {
      const query = `?limit=${PAGE_SIZE}${before ? `&before=${encodeURIComponent(before)}` : ""}`;
      try {
        const page = await backend<CallsPage>(`/ui/v1/contacts/${contactId}/calls${query}`);
        if (page.needsReconnect && page.calls.length === 0) return setState({ kind: "reconnect" });
        setState((previous) => ({
          kind: "ready",
          calls: before && previous.kind === "ready" ? [...previous.calls, ...page.calls] : page.calls,
          nextBefore: page.nextBefore,
          loadingMore: false,
        }));
      } catch (error) {
        if (error instanceof BackendError && error.needsReconnect) return setState({ kind: "reconnect" });
        setState({ kind: "error", message: (error as Error).message });
      }
    },
    [contactId],
  );

  useEffect(() => {
    void load();
  }, [load]);

  if (state.kind === "loading") return <LoadingSpinner label="Loading AI receptionist calls" />;
  if (state.kind === "reconnect") {
    return (
      <ErrorState title="Reconnect the AI receptionist app" type="lock">
        <Text>HubSpot no longer accepts the app's authorisation, so new calls are waiting. A super admin can reconnect it.</Text>
        <Link href="https://api.ai-receptionist.example.com/oauth/install">Reconnect</Link>
      </ErrorState>
    );
  }
  if (state.kind === "error") {
    const retry = () => {
      setState({ kind: "loading" });
      void load();
    };
    return <LoadError what="AI receptionist calls" message={state.message} onRetry={retry} />;
  }
  if (state.calls.length === 0) {
    return (
      <EmptyState title="No AI receptionist calls yet" layout="vertical" imageWidth={80}>
        <Text>Calls this contact makes to your AI receptionist will show up here.</Text>
      </EmptyState>
    );
  }

  const openRecording = (call: CallSummary) =>
    actions.openIframeModal({ uri: call.recordingUrl!, height: 220, width: 480, title: `Call recording, ${when(call.startedAt)}` });

  return (
    <Flex direction="column" gap="sm">
      {state.calls.map((call, index) => (
        <Flex key={call.id} direction="column" gap="xs">
          {index > 0 && <Divider />}
          <Text format={{ fontWeight: "bold" }}>
            {when(call.startedAt)}
            {call.durationMs !== null ? ` · ${duration(call.durationMs)}` : ""}
          </Text>
          <Flex direction="row" gap="xs" wrap="wrap">
            {call.disposition && <Tag variant={call.disposition === "escalated" ? "warning" : call.disposition === "booked" ? "success" : "default"}>{humanise(call.disposition)}</Tag>}
            {call.sentiment && <Tag variant={SENTIMENT_VARIANT[call.sentiment as keyof typeof SENTIMENT_VARIANT] ?? "default"}>{call.sentiment}</Tag>}
            {call.urgency && (call.urgency === "high" || call.urgency === "emergency") && <Tag variant="error">{call.urgency}</Tag>}
            {call.match?.needsReview && <Tag variant="warning">needs review</Tag>}
          </Flex>
          {call.match && (
            <Text variant="microcopy" testId={`match-${call.id}`}>
              {call.match.candidates} contacts share this number; this one was picked by {MATCH_RULE[call.match.rule]}.
            </Text>
          )}
          {call.movedAt && (
            <Text variant="microcopy" testId={`moved-${call.id}`}>
              Moved here from another contact {when(call.movedAt)}.
            </Text>
          )}
          {call.escalationReason && (
            <Text format={{ fontWeight: "demibold" }} testId={`escalation-${call.id}`}>
              Escalated: {call.escalationReason}
            </Text>
          )}
          <DescriptionList direction="column">
            {call.intent ? <DescriptionListItem label="Intent">{call.intent}</DescriptionListItem> : null}
            {call.summary ? <DescriptionListItem label="Summary">{call.summary}</DescriptionListItem> : null}
          </DescriptionList>
          {(call.turns || call.transcript) && (
            <Accordion title="Transcript" size="sm" defaultOpen={false} testId={`transcript-${call.id}`}>
              {call.turns ? <Turns callId={call.id} turns={call.turns} /> : <Text>{call.transcript}</Text>}
            </Accordion>
          )}
          {call.recordingUrl && (
            <Button size="xs" variant="secondary" onClick={() => openRecording(call)} testId={`play-${call.id}`}>
              Play recording
            </Button>
          )}
          <MoveCall
            callId={call.id}
            contactId={contactId}
            firstName={firstName}
            onMoved={(_moved, to) => {
              actions.addAlert({ type: "success", message: `Call moved to ${to.name ?? to.email ?? "the other contact"}.` });
              setState((previous) => (previous.kind === "ready" ? { ...previous, calls: previous.calls.filter((c) => c.id !== call.id) } : previous));
            }}
          />
        </Flex>
      ))}
      {state.nextBefore && (
        <Button
          variant="transparent"
          disabled={state.loadingMore}
          onClick={() => {
            setState({ ...state, loadingMore: true });
            void load(state.nextBefore!);
          }}
        >
          {state.loadingMore ? "Loading…" : "Show more"}
        </Button>
      )}
    </Flex>
  );
}

/** The conversation turn by turn: who spoke, then what they said. */
function Turns({ callId, turns }: { callId: string; turns: TranscriptTurn[] }) {
  return (
    <Flex direction="column" gap="xs">
      {turns.map((turn, i) => (
        <Flex key={i} direction="column" gap="flush" testId={`turn-${callId}-${i}`}>
          <Text format={{ fontWeight: "bold" }} variant="microcopy">
            {SPEAKER[turn.speaker]}
          </Text>
          <Text>{turn.text}</Text>
        </Flex>
      ))}
    </Flex>
  );
}

hubspot.extend<"crm.record.sidebar">(() => <CallsCard />);
