import { afterEach, describe, expect, it } from "vitest";
import { Client } from "@hubspot/api-client";
import { AssociationSpecAssociationCategoryEnum } from "@hubspot/api-client/lib/codegen/crm/associations/v4/index.js";
import { startHubSpotSim, type HubSpotSim } from "../../simulators/hubspot/index.js";

// The HubSpot simulator's endpoints for ambiguous callers and routing, through the real client: the
// owners list paged with `after`, v4 association writes (add, remove, wrong type ids), "Last activity
// date", and Leads (0-136) with their own scope and their required contact association.

const CLIENT_ID = "sim-routing-client";
const CLIENT_SECRET = "sim-routing-secret";
const REDIRECT_URI = "https://app.example/oauth/callback";
const HUBSPOT_DEFINED = AssociationSpecAssociationCategoryEnum.HubspotDefined;

const sims: HubSpotSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function installed(options: { scopes?: string[]; tenSecondlyLimit?: number } = {}) {
  const sim = await startHubSpotSim({ tenSecondlyLimit: options.tenSecondlyLimit ?? 0 });
  sims.push(sim);
  sim.registerApp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI });
  const portalId = "5550001";
  const code = sim.issueAuthCode(portalId, options.scopes ? { scopes: options.scopes } : {});
  const tokens = await new Client({ basePath: sim.url, numberOfApiCallRetries: 0 }).oauth.tokensApi.create("authorization_code", code, REDIRECT_URI, CLIENT_ID, CLIENT_SECRET);
  return { sim, portalId, client: new Client({ accessToken: tokens.accessToken, basePath: sim.url, numberOfApiCallRetries: 0 }) };
}

async function failure(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, any> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; body: unknown };
    return { code: e.code, body: typeof e.body === "string" ? JSON.parse(e.body) : (e.body as Record<string, any>) };
  }
  throw new Error("expected HubSpot to refuse");
}

describe("owners", () => {
  it("pages with `after`; 401 for a bad token; 429 with policyName over the limit", async () => {
    const { sim, portalId, client } = await installed({ tenSecondlyLimit: 5 });
    for (let i = 0; i < 3; i++) sim.addOwner(portalId, { email: `o${i}@example.com`, firstName: `Owner${i}`, lastName: "X" });
    const first = await client.crm.owners.ownersApi.getPage(undefined, undefined, 2, false);
    expect(first.results.map((o) => o.email)).toEqual(["o0@example.com", "o1@example.com"]);
    const second = await client.crm.owners.ownersApi.getPage(undefined, first.paging!.next!.after, 2, false);
    expect(second.results.map((o) => o.email)).toEqual(["o2@example.com"]);
    expect(second.paging).toBeUndefined();
    const bad = await failure(new Client({ accessToken: "not-a-token", basePath: sim.url, numberOfApiCallRetries: 0 }).crm.owners.ownersApi.getPage());
    expect(bad.code).toBe(401);
    expect(bad.body.category).toBe("INVALID_AUTHENTICATION");
    const answers = await Promise.allSettled(Array.from({ length: 6 }, () => client.crm.owners.ownersApi.getPage()));
    const limited = answers.find((a) => a.status === "rejected") as PromiseRejectedResult;
    expect(limited.reason.code).toBe(429);
    const body = typeof limited.reason.body === "string" ? JSON.parse(limited.reason.body) : limited.reason.body;
    expect(body.policyName).toBe("TEN_SECONDLY_ROLLING");
  });
});

describe("v4 associations", () => {
  it("moves a call from one contact to another; refuses a wrong type id and a missing record", async () => {
    const { sim, portalId, client } = await installed();
    const dana = sim.seedContact(portalId, { firstname: "Dana", phone: "+14155550111" });
    const sam = sim.seedContact(portalId, { firstname: "Sam", phone: "+14155550111" });
    const call = await client.crm.objects.basicApi.create("calls", { properties: { hs_timestamp: new Date().toISOString() }, associations: [{ to: { id: dana.id }, types: [{ associationCategory: HUBSPOT_DEFINED as never, associationTypeId: 194 }] }] });
    expect(sim.portal(portalId).object("contacts", dana.id)!.properties.notes_last_updated).toBeTruthy();
    expect(sim.portal(portalId).object("contacts", sam.id)!.properties.notes_last_updated).toBeUndefined();

    const added = await client.crm.associations.v4.basicApi.create("calls", call.id, "contacts", sam.id, [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 194 }]);
    expect(added).toMatchObject({ fromObjectTypeId: "0-48", toObjectTypeId: "0-1" });
    await client.crm.associations.v4.basicApi.archive("calls", call.id, "contacts", dana.id);
    expect(sim.portal(portalId).object("calls", call.id)!.associations).toEqual([sam.id]);
    expect(sim.portal(portalId).object("contacts", sam.id)!.properties.notes_last_updated).toBeTruthy();
    const listed = await client.crm.associations.v4.basicApi.getPage("calls", call.id, "contacts");
    expect(listed.results.map((r) => String(r.toObjectId))).toEqual([sam.id]);

    const wrongType = await failure(client.crm.associations.v4.basicApi.create("calls", call.id, "contacts", dana.id, [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 204 }]));
    expect(wrongType.code).toBe(400);
    expect(wrongType.body.category).toBe("VALIDATION_ERROR");
    const missing = await failure(client.crm.associations.v4.basicApi.create("calls", call.id, "contacts", "999999", [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 194 }]));
    expect(missing.code).toBe(400);
    expect(missing.body.message).toContain("999999");
  });
});

describe("leads", () => {
  it("a lead needs hs_lead_name and a contact; with both it is created on the contact", async () => {
    const { sim, portalId, client } = await installed();
    const dana = sim.seedContact(portalId, { firstname: "Dana" });
    const noContact = await failure(client.crm.objects.basicApi.create("leads", { properties: { hs_lead_name: "Dana" }, associations: [] }));
    expect(noContact.code).toBe(400);
    const noName = await failure(client.crm.objects.basicApi.create("leads", { properties: {}, associations: [{ to: { id: dana.id }, types: [{ associationCategory: HUBSPOT_DEFINED as never, associationTypeId: 578 }] }] }));
    expect(noName.code).toBe(400);
    expect(noName.body.message).toContain("hs_lead_name");
    const lead = await client.crm.objects.basicApi.create("leads", { properties: { hs_lead_name: "Dana" }, associations: [{ to: { id: dana.id }, types: [{ associationCategory: HUBSPOT_DEFINED as never, associationTypeId: 578 }] }] });
    expect(sim.portal(portalId).leads()).toEqual([expect.objectContaining({ id: lead.id, associations: [dana.id] })]);
  });

  it("an install without the Leads scope gets HubSpot's 403 MISSING_SCOPES", async () => {
    const { sim, portalId, client } = await installed({ scopes: ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write"] });
    const dana = sim.seedContact(portalId, { firstname: "Dana" });
    const refused = await failure(client.crm.objects.basicApi.create("leads", { properties: { hs_lead_name: "Dana" }, associations: [{ to: { id: dana.id }, types: [{ associationCategory: HUBSPOT_DEFINED as never, associationTypeId: 578 }] }] }));
    expect(refused.code).toBe(403);
    expect(refused.body.category).toBe("MISSING_SCOPES");
    expect(sim.portal(portalId).leads()).toEqual([]);
  });
});
