import React, { useState } from "react";
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
import { CallLog } from "./CallLog.js";
import { Onboarding } from "./Onboarding.js";
import { PreviewCall } from "./PreviewTab.js";

// The app's settings page in HubSpot, one tab per file: the calls (overview and call log), field
// mapping, vendor connections, a preview of a sample payload, the fallback queue, booking (service types, staff calendar
// connections), caller context (what the AI is told about a known caller), routing (shared numbers,
// owners of new callers, Leads), notifications (Slack, Teams, e-mail) and the settings changes (audit
// log), under the onboarding checklist (until every step is done) and a notice of the optional
// permissions the install lacks and what they would add.
// Everything is validated again server-side; the page shows the server's reasons (including "Only a
// super admin can change this." for users who may read but not change settings).

export function Settings() {
  const [tab, setTab] = useState<string>("calls");
  return (
    <Flex direction="column" gap="md">
      <Onboarding onGo={setTab} />
      <Permissions />
      <Tabs selected={tab} onSelectedChange={(id: string | number) => setTab(String(id))}>
      <Tab tabId="calls" title="Calls"><CallLog /></Tab>
      <Tab tabId="mapping" title="Field mapping"><MappingEditor /></Tab>
      <Tab tabId="connections" title="Vendor connections"><Connections /></Tab>
      <Tab tabId="preview" title="Preview a call"><PreviewCall /></Tab>
      <Tab tabId="fallback" title="Fallback queue"><FallbackQueue /></Tab>
      <Tab tabId="booking" title="Booking"><Booking /></Tab>
      <Tab tabId="context" title="Caller context"><CallerContext /></Tab>
      <Tab tabId="routing" title="Routing"><Routing /></Tab>
      <Tab tabId="notifications" title="Notifications"><Notifications /></Tab>
      <Tab tabId="activity" title="Settings changes"><AuditLog /></Tab>
      </Tabs>
    </Flex>
  );
}

hubspot.extend<"settings">(() => <Settings />);
