import React from "react";
import { Button, Flex, LoadingSpinner, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, useExtensionActions } from "@hubspot/ui-extensions";
import type { FallbackResponse, ReplayRequest, ReplayResponse } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { age } from "../shared/format.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";

// The Fallback queue tab: calls that could not be synced after retries, and replaying them.

export function FallbackQueue() {
  const actions = useExtensionActions<"settings">();
  const { data: entries, error, reload: load } = useLoaded(async () => (await backend<FallbackResponse>("/ui/v1/fallback")).entries);

  const replay = async (body: ReplayRequest) => {
    try {
      const result = await backend<ReplayResponse>("/ui/v1/fallback/replay", { method: "POST", body });
      actions.addAlert({ type: "success", message: `${result.replayed.length} call(s) sent to HubSpot again.` });
      await load();
    } catch (e) {
      actions.addAlert({ type: "danger", message: (e as Error).message });
    }
  };

  if (error) return <LoadError what="the fallback queue" message={error} onRetry={() => void load()} />;
  if (!entries) return <LoadingSpinner label="Loading the fallback queue" />;
  if (entries.length === 0) return <Text>Every call is in HubSpot. Calls that cannot be synced after retries wait here.</Text>;
  return (
    <Flex direction="column" gap="sm">
      <Table bordered={true}>
        <TableHead>
          <TableRow>
            <TableHeader>Caller</TableHeader>
            <TableHeader>Reason</TableHeader>
            <TableHeader>Waiting</TableHeader>
            <TableHeader> </TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {entries.map((entry) => (
            <TableRow key={entry.id}>
              <TableCell>{entry.caller ?? "unknown"}</TableCell>
              <TableCell>{entry.reason}</TableCell>
              <TableCell>{age(entry.ageSeconds)}</TableCell>
              <TableCell>
                <Button size="xs" onClick={() => void replay({ id: entry.id })} testId={`replay-${entry.id}`}>Replay</Button>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Button onClick={() => void replay({ all: true })}>Replay all</Button>
    </Flex>
  );
}
