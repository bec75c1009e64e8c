import React, { useEffect, useState } from "react";
import { Button, Checkbox, Flex, Heading, Input, LoadingSpinner, StatusTag, Text, useExtensionActions } from "@hubspot/ui-extensions";
import type { NotificationSettingsResponse, NotificationSettingsSaved, NotificationSettingsUpdateRequest, NotificationTestResponse, NotifyChannel, NotifyEvent } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";
import { when } from "../shared/format.js";

// The Notifications tab: where the business hears of what needs a person (an escalated call, a lead
// in the fallback queue, a staff calendar double-booked by hand), on Slack, Microsoft Teams and/or
// e-mail, with a test send and each channel's last outcome. A saved webhook URL never comes back to
// the page (it is a credential): the field shows where it points, and typing replaces it.

const EVENTS: { event: NotifyEvent; label: string; description: string }[] = [
  { event: "escalation", label: "Escalated calls", description: "The AI handed the call to a person: a follow-up task is on the contact." },
  { event: "fallback", label: "Calls not yet in HubSpot", description: "A call waits in the fallback queue (HubSpot refused it or kept failing)." },
  { event: "overlap", label: "Double bookings", description: "Someone put an event in a staff calendar over a booking the AI made." },
];

const CHANNELS: { channel: NotifyChannel; label: string }[] = [
  { channel: "slack", label: "Slack" },
  { channel: "teams", label: "Microsoft Teams" },
  { channel: "email", label: "E-mail" },
];

export function Notifications() {
  const actions = useExtensionActions<"settings">();
  const { data, error, loads, reload } = useLoaded(() => backend<NotificationSettingsResponse>("/ui/v1/notifications"));
  const [slackUrl, setSlackUrl] = useState<string | undefined>(undefined);
  const [teamsUrl, setTeamsUrl] = useState<string | undefined>(undefined);
  const [email, setEmail] = useState<string | undefined>(undefined);
  // null until the saved settings are in the editor (no render with every event unticked).
  const [events, setEvents] = useState<NotifyEvent[] | null>(null);
  const [testResults, setTestResults] = useState<NotificationTestResponse["results"] | null>(null);
  useEffect(() => {
    if (!data) return;
    setSlackUrl(undefined);
    setTeamsUrl(undefined);
    setEmail(undefined);
    setEvents(data.events);
  }, [loads]);

  const save = async () => {
    if (!events) return;
    // Only what was typed is sent: an untouched URL field keeps the saved URL.
    const body: NotificationSettingsUpdateRequest = { events, ...(slackUrl !== undefined ? { slackUrl: slackUrl.trim() || null } : {}), ...(teamsUrl !== undefined ? { teamsUrl: teamsUrl.trim() || null } : {}), ...(email !== undefined ? { email: email.trim() || null } : {}) };
    try {
      await backend<NotificationSettingsSaved>("/ui/v1/notifications", { method: "PUT", body: body as unknown as Record<string, unknown> });
      actions.addAlert({ type: "success", message: "Notifications saved." });
      await reload();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  const test = async () => {
    try {
      const sent = await backend<NotificationTestResponse>("/ui/v1/notifications/test", { method: "POST", body: {} });
      setTestResults(sent.results);
      const failed = Object.values(sent.results).filter((r) => r && !r.ok).length;
      actions.addAlert(failed ? { type: "warning", message: `The test did not reach ${failed === 1 ? "one channel" : `${failed} channels`}: see the reasons below.` } : { type: "success", message: "Test sent: check your channels." });
      await reload();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  if (error) return <LoadError what="the notification settings" message={error} onRetry={() => void reload()} />;
  if (!data || !events) return <LoadingSpinner label="Loading the notification settings" />;
  const configured = { slack: data.slack, teams: data.teams, email: data.email };
  return (
    <Flex direction="column" gap="sm">
      <Text>Where the business hears of calls and bookings that need a person. Every web address goes through the app's guarded fetch; a saved address is never shown again, only where it points.</Text>
      <Input name="slack-url" label="Slack incoming webhook URL" placeholder={data.slack ? `Saved: ${data.slack}` : "https://hooks.slack.com/services/..."} value={slackUrl ?? ""} onChange={(value) => setSlackUrl(String(value))} description="Slack: Apps, Incoming Webhooks, Add to a channel. Empty and saved: removed." />
      <Input name="teams-url" label="Microsoft Teams workflow URL" placeholder={data.teams ? `Saved: ${data.teams}` : "https://...logic.azure.com/workflows/..."} value={teamsUrl ?? ""} onChange={(value) => setTeamsUrl(String(value))} description={'Teams: the channel\'s Workflows, "Post to a channel when a webhook request is received".'} />
      <Input name="email" label="E-mail address" placeholder={data.email ?? "ops@yourbusiness.com"} value={email ?? ""} onChange={(value) => setEmail(String(value))} description={data.canEmail ? "One address (a shared inbox or a list)." : "This server has no mail relay set up, so e-mail cannot be sent: use Slack or Teams."} />
      <Heading>What is sent</Heading>
      {EVENTS.map(({ event, label, description }) => (
        <Checkbox key={event} name={`event-${event}`} checked={events.includes(event)} description={description} onChange={(checked) => setEvents((current) => (checked ? [...new Set([...(current ?? []), event])] : (current ?? []).filter((e) => e !== event)))}>
          {label}
        </Checkbox>
      ))}
      <Flex direction="row" gap="sm">
        <Button variant="primary" onClick={() => void save()}>Save notifications</Button>
        <Button onClick={() => void test()}>Send test</Button>
      </Flex>
      <Heading>Channels</Heading>
      {CHANNELS.map(({ channel, label }) => {
        const last = testResults?.[channel] ?? data.lastResults[channel];
        const at = data.lastResults[channel]?.at;
        return (
          <Flex key={channel} direction="row" gap="sm" align="center">
            <Text format={{ fontWeight: "bold" }}>{label}</Text>
            {!configured[channel] ? (
              <StatusTag variant="default">Not set up</StatusTag>
            ) : !last ? (
              <StatusTag variant="info">Nothing sent yet</StatusTag>
            ) : last.ok ? (
              <StatusTag variant="success">{at ? `Last sent ${when(at)}` : "Sent"}</StatusTag>
            ) : (
              <StatusTag variant="danger">{`Last send failed: ${last.reason ?? "no reason given"}`}</StatusTag>
            )}
          </Flex>
        );
      })}
    </Flex>
  );
}
