import type { Client } from "@hubspot/api-client";
import { ACTION_NAME, callActionDefinition } from "./definition.js";

// Registers the workflow action with HubSpot once per app (not per portal): the automation actions API
// takes the developer account's API key. Run at deploy and whenever PUBLIC_BASE_URL changes: the
// definition that already carries our action's name (or URL) is updated, never duplicated.

export interface Registration {
  definitionId: string;
  created: boolean;
  actionUrl: string;
}

export async function registerCallAction(client: Client, appId: number, publicBaseUrl: string): Promise<Registration> {
  const definition = callActionDefinition(publicBaseUrl);
  const api = client.automation.actions.definitionsApi;
  let after: string | undefined;
  do {
    const page = await api.getPage(appId, 100, after);
    const ours = page.results.find((d) => d.labels?.en?.actionName === ACTION_NAME || d.actionUrl === definition.actionUrl);
    if (ours) {
      const updated = await api.update(ours.id, appId, definition as never);
      return { definitionId: updated.id, created: false, actionUrl: updated.actionUrl };
    }
    after = page.paging?.next?.after;
  } while (after);
  const created = await api.create(appId, definition as never);
  return { definitionId: created.id, created: true, actionUrl: created.actionUrl };
}
