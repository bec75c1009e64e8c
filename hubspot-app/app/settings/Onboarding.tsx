import React from "react";
import { Accordion, Button, Flex, Heading, Link, StatusTag, Text, Tile, useExtensionActions } from "@hubspot/ui-extensions";
import type { OnboardingResponse, OnboardingStep, OnboardingStepId } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { useLoaded } from "../shared/useLoaded.js";

// The checklist at the top of the settings page (GET /ui/v1/onboarding): connect the AI receptionist,
// put its URL in place, see a call arrive in HubSpot, set up booking. Each step's state comes from the
// portal's own data; each open step offers its next action. Folded into one closed line once every
// step is done.

const TITLES: Record<OnboardingStepId, string> = {
  connect: "Connect your AI receptionist",
  urls: "Put its webhook URL in place",
  first_call: "See a call arrive in HubSpot",
  booking: "Set up booking",
};
const ACTIONS: Record<OnboardingStepId, string> = {
  connect: "Add a connection",
  urls: "See the URLs",
  first_call: "Open the call log",
  booking: "Set up booking",
};

function Step({ step, onGo }: { step: OnboardingStep; onGo: (tab: string) => void }) {
  const actions = useExtensionActions<"settings">();
  return (
    <Flex direction="row" gap="sm" align="center" justify="between">
      <Flex direction="column" gap="flush">
        <Flex direction="row" gap="xs" align="center">
          <StatusTag variant={step.done ? "success" : "default"}>{step.done ? "Done" : "To do"}</StatusTag>
          <Text format={{ fontWeight: "bold" }}>{TITLES[step.id]}</Text>
        </Flex>
        <Text variant="microcopy">{step.detail}</Text>
      </Flex>
      <Flex direction="row" gap="xs">
        {step.link && <Link href={{ url: step.link, external: true }}>Open in HubSpot</Link>}
        {step.copyUrl && (
          <Button size="xs" testId={`copy-${step.id}`} onClick={() => void actions.copyTextToClipboard(step.copyUrl!).then(() => actions.addAlert({ type: "success", message: "Webhook URL copied." }))}>
            Copy webhook URL
          </Button>
        )}
        {!step.done && (
          <Button size="xs" variant="secondary" testId={`go-${step.id}`} onClick={() => onGo(step.tab)}>
            {ACTIONS[step.id]}
          </Button>
        )}
      </Flex>
    </Flex>
  );
}

export function Onboarding({ onGo }: { onGo: (tab: string) => void }) {
  const { data } = useLoaded(() => backend<OnboardingResponse>("/ui/v1/onboarding"));
  // The checklist is help, not a gate: while it loads, or if it cannot, the tabs below still work.
  if (!data) return null;
  const steps = data.steps.map((step) => <Step key={step.id} step={step} onGo={onGo} />);
  if (data.allDone) {
    return (
      <Accordion title="Set-up complete: every step is done" defaultOpen={false} size="sm">
        <Flex direction="column" gap="sm">{steps}</Flex>
      </Accordion>
    );
  }
  const done = data.steps.filter((s) => s.done).length;
  return (
    <Tile>
      <Flex direction="column" gap="sm">
        <Heading>Get started ({done} of {data.steps.length} done)</Heading>
        {steps}
      </Flex>
    </Tile>
  );
}
