import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { translate } from "@hubspot/project-parsing-lib/translate";
import { isKnownPlatformVersion } from "@hubspot/project-parsing-lib/projects";
import { validateUid } from "@hubspot/project-parsing-lib/uid";
import { REQUIRED_SCOPES } from "../../server/hubspot/scopes.js";
import { BACKEND_URL } from "../../hubspot-app/app/shared/backend.js";
import { callActionDefinition } from "../../server/workflows/definition.js";

// The HubSpot project parses offline, as `hs project upload` would read it (full schema validation
// needs a HubSpot account).

describe("hubspot-app project", () => {
  it("parses with no skipped hsmeta files and unique uids", async () => {
    const config = JSON.parse(readFileSync("hsproject.json", "utf8"));
    expect(isKnownPlatformVersion(config.platformVersion)).toBe(true);
    const result = await translate({ projectSourceDir: `${process.cwd()}/hubspot-app`, platformVersion: config.platformVersion }, { skipValidation: true });
    expect(result.skippedHsMetaFiles).toEqual([]);
    const nodes = Object.values(result.intermediateRepresentation.intermediateNodesIndexedByUid) as { uid: string; componentType: string }[];
    const types = nodes.map((n) => n.componentType).sort();
    expect(types).toEqual(expect.arrayContaining(["APPLICATION", "CARD", "SETTINGS", "WEBHOOKS"].map((t) => expect.stringMatching(new RegExp(t, "i")))));
    const uids = nodes.map((n) => n.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(validateUid(uid)).toBeFalsy();
  });

  it("asks for exactly the scopes the backend uses, and puts the card in the contact sidebar", () => {
    const app = JSON.parse(readFileSync("hubspot-app/app/app-hsmeta.json", "utf8"));
    expect(app.config.distribution).toBe("marketplace");
    expect(app.config.auth.requiredScopes).toEqual([...REQUIRED_SCOPES]);
    const card = JSON.parse(readFileSync("hubspot-app/app/cards/calls-card-hsmeta.json", "utf8"));
    expect(card.config).toMatchObject({ location: "crm.record.sidebar", objectTypes: ["contacts"] });
    // Extensions may only reach the UI backend and the player page, never the webhook or tool endpoints.
    expect(app.config.permittedUrls.fetch).toEqual([`${BACKEND_URL}/ui/v1/`]);
    expect(app.config.permittedUrls.iframe).toEqual([`${BACKEND_URL}/recordings/`]);
    const extensions = (readdirSync("hubspot-app/app", { recursive: true }) as string[]).filter((file) => file.endsWith(".tsx"));
    expect(extensions).toEqual(expect.arrayContaining(["cards/CallsCard.tsx", "settings/Settings.tsx"]));
    const sources = extensions.map((file) => readFileSync(`hubspot-app/app/${file}`, "utf8")).join("\n");
    const paths = [...sources.matchAll(/backend(?:<[^>]*>)?\(\s*[`"]([^`"$]*)/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) expect(path.startsWith("/ui/v1/")).toBe(true);
    const hooks = JSON.parse(readFileSync("hubspot-app/app/webhooks/webhooks-hsmeta.json", "utf8"));
    expect(hooks.config.subscriptions.hubEvents).toEqual([{ subscriptionType: "contact.privacyDeletion", active: true }]);
  });

  it("declares the workflow action as a project component, the same definition the CLI registers through the API", async () => {
    const component = JSON.parse(readFileSync("hubspot-app/app/workflow-actions/call-contact-hsmeta.json", "utf8"));
    const { published, functions: _none, ...definition } = callActionDefinition(BACKEND_URL);
    expect(component).toEqual({ uid: "ai_receptionist_call_contact", type: "workflow-action", config: { ...definition, isPublished: published, supportedClients: [{ client: "WORKFLOWS" }] } });
    const config = JSON.parse(readFileSync("hsproject.json", "utf8"));
    const result = await translate({ projectSourceDir: `${process.cwd()}/hubspot-app`, platformVersion: config.platformVersion }, { skipValidation: true });
    const nodes = Object.values(result.intermediateRepresentation.intermediateNodesIndexedByUid) as { uid: string; componentType: string }[];
    expect(nodes.find((n) => n.uid === component.uid)?.componentType).toMatch(/workflow.?action/i);
  });
});
