import React from "react";
import { Button, ErrorState, Text } from "@hubspot/ui-extensions";

/** What the card and each settings tab show when their data did not load: the server's sentence, and a retry where one helps. */
export function LoadError({ what, message, onRetry }: { what: string; message: string; onRetry?: () => void }) {
  return (
    <ErrorState title={`Couldn't load ${what}`}>
      <Text>{message}</Text>
      {onRetry && <Button onClick={onRetry}>Try again</Button>}
    </ErrorState>
  );
}
