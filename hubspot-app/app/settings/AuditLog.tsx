import React, { useCallback, useEffect, useState } from "react";
import { Button, Flex, LoadingSpinner, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text } from "@hubspot/ui-extensions";
import type { AuditEntryView, AuditPage } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { when } from "../shared/format.js";
import { LoadError } from "../shared/LoadError.js";

// The settings page's Activity tab: every change to these settings, who made it and when, newest
// first (GET /ui/v1/audit). Every user of the portal may read it; only super admins change settings.

const PAGE_SIZE = 20;

const who = (actor: AuditEntryView["actor"]) => (actor.source === "cli" ? "Operator (CLI)" : actor.email || `HubSpot user ${actor.userId}`);

export function AuditLog() {
  const [entries, setEntries] = useState<AuditEntryView[] | null>(null);
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);

  const load = useCallback(async (before?: string) => {
    setError(null);
    try {
      const page = await backend<AuditPage>(`/ui/v1/audit?limit=${PAGE_SIZE}${before ? `&before=${encodeURIComponent(before)}` : ""}`);
      setEntries((current) => (before ? [...(current ?? []), ...page.entries] : page.entries));
      setNextBefore(page.nextBefore);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const older = async () => {
    if (!nextBefore) return;
    setLoadingOlder(true);
    await load(nextBefore);
    setLoadingOlder(false);
  };

  if (error) return <LoadError what="the activity" message={error} onRetry={() => void load()} />;
  if (!entries) return <LoadingSpinner label="Loading the activity" />;
  return (
    <Flex direction="column" gap="sm">
      <Text>Every change to these settings, newest first. Only super admins of this HubSpot account can change them.</Text>
      {entries.length === 0 ? (
        <Text>No settings were changed yet.</Text>
      ) : (
        <Table bordered={true}>
          <TableHead>
            <TableRow>
              <TableHeader>When</TableHeader>
              <TableHeader>Who</TableHeader>
              <TableHeader>What</TableHeader>
            </TableRow>
          </TableHead>
          <TableBody>
            {entries.map((entry) => (
              <TableRow key={entry.id}>
                <TableCell>{when(entry.at)}</TableCell>
                <TableCell>{who(entry.actor)}</TableCell>
                <TableCell>{entry.summary}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Flex direction="row" gap="sm" justify="end">
        <Button variant="secondary" onClick={() => void load()}>Refresh</Button>
        {nextBefore && (
          <Button disabled={loadingOlder} onClick={() => void older()}>{loadingOlder ? "Loading…" : "Show older"}</Button>
        )}
      </Flex>
    </Flex>
  );
}
