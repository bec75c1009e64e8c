import type { Db } from "../db/client.js";
import { APP_PROPERTIES, CANONICAL_FIELDS, PROPERTY_GROUP, qualificationDefinition, type PropertyDefinition } from "../mapping/fields.js";
import type { HubSpotClient } from "./client.js";
import { hubspotCall, HubSpotRequestError } from "./call.js";
import type { PortalProperty } from "../../hubspot-app/app/shared/api.js";

const GROUP_MARKER = `group:${PROPERTY_GROUP.name}`;

/** Properties known provisioned, per HubSpot client (one per portal and token, server/hubspot/client.ts). */
const provisionedSeen = new WeakMap<HubSpotClient, Set<string>>();

/**
 * Creates the app's property group and the given properties in the portal, once: what was created is
 * remembered in ProvisionedProperty, and a 409 (created by another worker, or by a previous install)
 * counts as done.
 */
export async function ensureProperties(db: Db, client: HubSpotClient, portalId: string, definitions: PropertyDefinition[]): Promise<void> {
  // Every call asks: what this process has seen provisioned for this client (portal and token) is not
  // read again. A new token (every refresh, every install) reads the table once more.
  const seen = provisionedSeen.get(client);
  if (definitions.every((d) => seen?.has(d.name))) return;
  const done = new Set((await db.provisionedProperty.findMany({ where: { portalId } })).map((row) => row.name));
  const todo = definitions.filter((d) => !done.has(d.name));
  if (todo.length === 0) {
    provisionedSeen.set(client, done);
    return;
  }
  if (!done.has(GROUP_MARKER)) {
    await createIgnoringConflict(() => client.crm.properties.groupsApi.create("contacts", { name: PROPERTY_GROUP.name, label: PROPERTY_GROUP.label, displayOrder: -1 }));
    await db.provisionedProperty.createMany({ data: [{ portalId, name: GROUP_MARKER }], skipDuplicates: true });
  }
  for (const d of todo) {
    await createIgnoringConflict(() =>
      client.crm.properties.coreApi.create("contacts", {
        name: d.name,
        label: d.label,
        description: d.description,
        groupName: PROPERTY_GROUP.name,
        type: d.type as never,
        fieldType: d.fieldType as never,
        options: d.options?.map((o, i) => ({ label: o.label, value: o.value, displayOrder: i, hidden: false })),
      }),
    );
    await db.provisionedProperty.createMany({ data: [{ portalId, name: d.name }], skipDuplicates: true });
  }
}

async function createIgnoringConflict(create: () => Promise<unknown>): Promise<void> {
  try {
    await hubspotCall(create);
  } catch (error) {
    if (error instanceof HubSpotRequestError && error.failure.kind === "conflict") return;
    throw error;
  }
}

export const provisionAppProperties = (db: Db, client: HubSpotClient, portalId: string) => ensureProperties(db, client, portalId, APP_PROPERTIES);

/** The portal's contact properties, as the mapping editor shows them (read-only ones marked). */
export async function listContactProperties(client: HubSpotClient): Promise<PortalProperty[]> {
  const response = await hubspotCall(() => client.crm.properties.coreApi.getAll("contacts"));
  return response.results.map((p) => ({
    name: p.name,
    label: p.label,
    type: String(p.type),
    fieldType: String(p.fieldType),
    readOnly: Boolean(p.modificationMetadata?.readOnlyValue || p.calculated),
    options: (p.options ?? []).map((o) => o.value),
  }));
}

export type PropertyCreation = { kind: "created"; name: string } | { kind: "built_in" };

/**
 * Creates (again) the app's own HubSpot property of a field: a canonical field's or a qualification
 * question's (`q:<key>`). A field mapped to a built-in HubSpot property has nothing to create.
 */
export async function createFieldProperty(db: Db, client: () => Promise<HubSpotClient>, portalId: string, field: string): Promise<PropertyCreation> {
  const definition = field.startsWith("q:") ? qualificationDefinition(field.slice(2)) : APP_PROPERTIES.find((p) => p.name === (CANONICAL_FIELDS as Record<string, { defaultProperty: string }>)[field]?.defaultProperty);
  if (!definition) return { kind: "built_in" };
  // Forget the marker that it was provisioned, so ensureProperties asks HubSpot again instead of skipping it.
  await db.provisionedProperty.deleteMany({ where: { portalId, name: definition.name } });
  const portalClient = await client();
  provisionedSeen.get(portalClient)?.delete(definition.name);
  await ensureProperties(db, portalClient, portalId, [definition]);
  return { kind: "created", name: definition.name };
}
