import React from "react";
import { Flex, Tab, Tabs, hubspot } from "@hubspot/ui-extensions";
import { MappingEditor } from "./MappingTab.js";
import { Connections } from "./ConnectionsTab.js";
import { FallbackQueue } from "./FallbackTab.js";
import { Booking } from "./BookingTab.js";
import { AuditLog } from "./AuditLog.js";
import { Permissions } from "./Permissions.js";
import { CallerContext } from "./CallerContextTab.js";
import { Notifications } from "./NotificationsTab.js";
import { Routing } from "./RoutingTab.js";

// The app's settings page in HubSpot, one tab per file: field mapping, vendor connections, the
// fallback queue, booking (service types, staff calendar connections), caller context (what the AI is
// told about a known caller), routing (shared numbers, owners of new callers, Leads), notifications
// (Slack, Teams, e-mail) and the activity (audit log), under a notice of the optional permissions
// the install lacks and what they would add.
// Everything is validated again server-side; the page shows the server's reasons (including "Only a
// super admin can change this." for users who may read but not change settings).

export function Settings() {
  return (
    <Flex direction="column" gap="md">
      <Permissions />
      <Tabs defaultSelected="mapping">
      <Tab tabId="mapping" title="Field mapping"><MappingEditor /></Tab>
      <Tab tabId="connections" title="Vendor connections"><Connections /></Tab>
      <Tab tabId="fallback" title="Fallback queue"><FallbackQueue /></Tab>
      <Tab tabId="booking" title="Booking"><Booking /></Tab>
      <Tab tabId="context" title="Caller context"><CallerContext /></Tab>
      <Tab tabId="routing" title="Routing"><Routing /></Tab>
      <Tab tabId="notifications" title="Notifications"><Notifications /></Tab>
      <Tab tabId="activity" title="Activity"><AuditLog /></Tab>
      </Tabs>
    </Flex>
  );
}

hubspot.extend<"settings">(() => <Settings />);
