import React from "react";
import { Alert, Link, Text } from "@hubspot/ui-extensions";
import type { StatusResponse } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { useLoaded } from "../shared/useLoaded.js";

// Above the settings tabs: the optional permissions this install has not granted, and what an admin
// gains by re-authorising with them. Nothing when everything is granted (or the status cannot load:
// the tabs say what is wrong themselves).

export function Permissions() {
  const { data } = useLoaded(() => backend<StatusResponse>("/ui/v1/status"));
  if (!data || data.missingPermissions.length === 0) return null;
  return (
    <Alert title="Re-authorise the app to get more out of it" variant="info">
      {data.missingPermissions.map((permission) => (
        <Text key={permission.scopes.join(" ")} testId={`gain-${permission.scopes.join("+")}`}>
          {permission.gain} (HubSpot permission: {permission.scopes.join(", ")})
        </Text>
      ))}
      <Text>Calls are logged either way. A super admin re-authorises by installing the app again:</Text>
      <Link href={data.reconnectUrl}>Re-authorise</Link>
    </Alert>
  );
}
