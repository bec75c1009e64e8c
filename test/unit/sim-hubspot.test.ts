import { afterEach, describe, expect, it } from "vitest";
import { Client } from "@hubspot/api-client";
import { FilterOperatorEnum as Op } from "@hubspot/api-client/lib/codegen/crm/contacts/index.js";
import { AssociationSpecAssociationCategoryEnum, FilterOperatorEnum as ObjectOp } from "@hubspot/api-client/lib/codegen/crm/objects/index.js";
import { DEFAULT_DISPOSITIONS, startHubSpotSim, type HubSpotSim, type SimOptions } from "../../simulators/hubspot/index.js";

// The HubSpot simulator, driven through the real @hubspot/api-client as the app drives it: these
// tests pin the HubSpot behaviours the app must survive (STYLE.md, "Tests").

const CLIENT_ID = "sim-test-client";
const CLIENT_SECRET = "sim-test-secret";
const REDIRECT_URI = "https://app.example/oauth/callback";
const CONNECTED = DEFAULT_DISPOSITIONS.find((d) => d.label === "Connected")!.id;
const HUBSPOT_DEFINED = AssociationSpecAssociationCategoryEnum.HubspotDefined;

const sims: HubSpotSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function simulator(options: SimOptions = {}): Promise<HubSpotSim> {
  const sim = await startHubSpotSim(options);
  sims.push(sim);
  sim.registerApp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI });
  return sim;
}

const anonymous = (sim: HubSpotSim) => new Client({ basePath: sim.url, numberOfApiCallRetries: 0 });
const clientFor = (sim: HubSpotSim, accessToken: string) => new Client({ accessToken, basePath: sim.url, numberOfApiCallRetries: 0 });

/** The install flow: a code for the portal, exchanged by the real client. */
async function install(sim: HubSpotSim, portalId: string, scopes?: string[]) {
  const code = sim.issueAuthCode(portalId, scopes ? { scopes } : {});
  const tokens = await anonymous(sim).oauth.tokensApi.create("authorization_code", code, REDIRECT_URI, CLIENT_ID, CLIENT_SECRET);
  return { tokens, client: clientFor(sim, tokens.accessToken) };
}

interface Failure {
  code: number;
  body: Record<string, any>;
  headers: Record<string, string>;
}

/** The ApiException a request ends with. */
async function failure(request: Promise<unknown>): Promise<Failure> {
  try {
    await request;
  } catch (error) {
    return error as Failure;
  }
  throw new Error("expected the request to fail");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const eq = (propertyName: string, value: string) => ({ propertyName, operator: Op.Eq, value });
const searchContacts = (client: Client, filters: ReturnType<typeof eq>[][], properties = ["email", "phone"]) =>
  client.crm.contacts.searchApi.doSearch({ filterGroups: filters.map((f) => ({ filters: f })), properties, limit: 20 });
const toContact = (contactId: string, associationTypeId: number) => [{ to: { id: contactId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId }] }];
const callProperties = (extra: Record<string, string> = {}) => ({ hs_timestamp: new Date().toISOString(), hs_call_title: "Inbound call", hs_call_direction: "INBOUND", hs_call_status: "COMPLETED", hs_call_duration: "61000", ...extra });

describe("contacts", () => {
  it("creates a contact, reads it by id and by email, and answers only the asked-for properties", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "101");
    const created = await client.crm.contacts.basicApi.create({ properties: { firstname: "Jo", email: "Jo.Rivera@Example.com", phone: "(415) 555-0177" }, associations: [] });
    expect(created.id).toMatch(/^\d+$/);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.properties.email).toBe("jo.rivera@example.com");

    const plain = await client.crm.contacts.basicApi.getById(created.id);
    expect(plain.properties).toMatchObject({ firstname: "Jo", email: "jo.rivera@example.com", hs_object_id: created.id });
    expect(plain.properties).not.toHaveProperty("phone"); // not among the default properties

    const byEmail = await client.crm.contacts.basicApi.getById("JO.RIVERA@example.com", ["phone", "zip", "no_such_property"], undefined, undefined, false, "email");
    expect(byEmail.id).toBe(created.id);
    expect(byEmail.properties).toMatchObject({ phone: "(415) 555-0177", zip: null });
    expect(byEmail.properties).not.toHaveProperty("no_such_property");

    const second = await client.crm.contacts.basicApi.create({ properties: { firstname: "Sam" }, associations: [] });
    expect(Number(second.id)).toBeGreaterThan(Number(created.id));
  });

  it("answers a duplicate email, in any casing, with 409 naming the existing contact", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "102");
    const first = await client.crm.contacts.basicApi.create({ properties: { email: "pat.kim@example.com" }, associations: [] });
    const duplicate = await failure(client.crm.contacts.basicApi.create({ properties: { email: "Pat.Kim@EXAMPLE.com", firstname: "Pat" }, associations: [] }));
    expect(duplicate.code).toBe(409);
    expect(duplicate.body).toMatchObject({ category: "CONFLICT", message: `Contact already exists. Existing ID: ${first.id}` });

    const other = await client.crm.contacts.basicApi.create({ properties: { firstname: "Lee" }, associations: [] });
    const patched = await failure(client.crm.contacts.basicApi.update(other.id, { properties: { email: "PAT.KIM@example.com" } }));
    expect(patched.code).toBe(409);
    expect(patched.body.message).toBe(`Contact already exists. Existing ID: ${first.id}`);
    expect(sim.portal("102").contacts()).toHaveLength(2);
  });

  it("rejects unknown properties, read-only ones, invalid options and malformed emails with HubSpot's 400, and clears with an empty string", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "103");
    const unknown = await failure(client.crm.contacts.basicApi.create({ properties: { firstname: "Jo", favourite_colour: "teal" }, associations: [] }));
    expect(unknown.code).toBe(400);
    expect(unknown.body.category).toBe("VALIDATION_ERROR");
    expect(unknown.body.message).toMatch(/^Property values were not valid: /);
    expect(unknown.body.message).toContain('\\"favourite_colour\\" does not exist');
    expect(unknown.body.message).toContain("PROPERTY_DOESNT_EXIST");
    expect(unknown.body.errors).toEqual([expect.objectContaining({ code: "PROPERTY_DOESNT_EXIST", context: { propertyName: ["favourite_colour"] } })]);

    const readOnly = await failure(client.crm.contacts.basicApi.create({ properties: { hs_searchable_calculated_phone_number: "4155550177" }, associations: [] }));
    expect(readOnly.code).toBe(400);
    expect(readOnly.body.errors[0].code).toBe("READ_ONLY_VALUE");

    const badOption = await failure(client.crm.contacts.basicApi.create({ properties: { lifecyclestage: "hot_lead" }, associations: [] }));
    expect(badOption.code).toBe(400);
    expect(badOption.body.message).toContain("INVALID_OPTION");
    expect(badOption.body.message).toContain("hot_lead was not one of the allowed options");

    const badEmail = await failure(client.crm.contacts.basicApi.create({ properties: { email: "not-an-email" }, associations: [] }));
    expect(badEmail.body.errors[0].code).toBe("INVALID_EMAIL");
    expect(sim.portal("103").contacts()).toHaveLength(0);

    const lead = await client.crm.contacts.basicApi.create({ properties: { lifecyclestage: "lead", zip: "94107" }, associations: [] });
    await client.crm.contacts.basicApi.update(lead.id, { properties: { zip: "", lifecyclestage: "" } });
    const cleared = await client.crm.contacts.basicApi.getById(lead.id, ["zip", "lifecyclestage"]);
    expect(cleared.properties).toMatchObject({ zip: null, lifecyclestage: null });
  });

  it("keeps phone as typed and computes the searchable national number and the E.164 form", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "104");
    const contact = await client.crm.contacts.basicApi.create({ properties: { phone: "(415) 555-0177", mobilephone: "+44 7700 900123" }, associations: [] });
    const read = await client.crm.contacts.basicApi.getById(contact.id, ["phone", "hs_searchable_calculated_phone_number", "hs_calculated_phone_number", "hs_searchable_calculated_mobile_number"]);
    expect(read.properties).toMatchObject({
      phone: "(415) 555-0177",
      hs_searchable_calculated_phone_number: "4155550177",
      hs_calculated_phone_number: "+14155550177",
      hs_searchable_calculated_mobile_number: "7700900123",
    });

    // EQ on the free-text phone only finds the same formatting; the calculated property finds any.
    expect((await searchContacts(client, [[eq("phone", "+14155550177")]])).total).toBe(0);
    expect((await searchContacts(client, [[eq("phone", "(415) 555-0177")]])).total).toBe(1);
    const found = await searchContacts(client, [[eq("hs_searchable_calculated_phone_number", "4155550177")]]);
    expect(found.results.map((r) => r.id)).toEqual([contact.id]);
  });

  it("makes a merged-away id resolve to the surviving contact, moves its calls, and keeps its email taken", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "105");
    const keep = await client.crm.contacts.basicApi.create({ properties: { firstname: "Dana", email: "dana@example.com" }, associations: [] });
    const dupe = await client.crm.contacts.basicApi.create({ properties: { lastname: "Whitfield", email: "d.whitfield@example.com" }, associations: [] });
    const call = await client.crm.objects.basicApi.create("calls", { properties: callProperties(), associations: toContact(dupe.id, 194) });

    const merged = await client.crm.contacts.basicApi.merge({ primaryObjectId: keep.id, objectIdToMerge: dupe.id });
    expect(merged.id).toBe(keep.id);
    const viaOldId = await client.crm.contacts.basicApi.getById(dupe.id, ["lastname", "hs_merged_object_ids"]);
    expect(viaOldId.id).toBe(keep.id);
    expect(viaOldId.properties).toMatchObject({ lastname: "Whitfield", hs_merged_object_ids: dupe.id });
    const patched = await client.crm.contacts.basicApi.update(dupe.id, { properties: { zip: "94107" } });
    expect(patched.id).toBe(keep.id);

    expect(sim.portal("105").calls().find((c) => c.id === call.id)!.associations).toEqual([keep.id]);
    const again = await failure(client.crm.contacts.basicApi.create({ properties: { email: "d.whitfield@example.com" }, associations: [] }));
    expect(again.body.message).toBe(`Contact already exists. Existing ID: ${keep.id}`);

    // Batch reads take live ids only: the merged-away one comes back as a 207 error.
    const batch = await client.crm.contacts.batchApi.read({ inputs: [{ id: keep.id }, { id: dupe.id }], properties: ["email"], propertiesWithHistory: [] });
    expect(batch.results.map((r) => r.id)).toEqual([keep.id]);
    expect((batch as { errors?: { context?: Record<string, string[]> }[] }).errors?.[0]?.context?.ids).toEqual([dupe.id]);
  });

  it("answers 404 for a deleted contact on read and update", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "106");
    const contact = await client.crm.contacts.basicApi.create({ properties: { firstname: "Gone" }, associations: [] });
    sim.deleteContact("106", contact.id);
    expect((await failure(client.crm.contacts.basicApi.getById(contact.id))).code).toBe(404);
    const update = await failure(client.crm.contacts.basicApi.update(contact.id, { properties: { firstname: "Back" } }));
    expect(update.code).toBe(404);
    expect(update.body.category).toBe("OBJECT_NOT_FOUND");
  });

  it("keeps portals apart: one portal's token does not see another portal's contacts", async () => {
    const sim = await simulator();
    const a = await install(sim, "201");
    const b = await install(sim, "202");
    const contact = await a.client.crm.contacts.basicApi.create({ properties: { email: "only-a@example.com" }, associations: [] });
    expect((await failure(b.client.crm.contacts.basicApi.getById(contact.id))).code).toBe(404);
    await b.client.crm.contacts.basicApi.create({ properties: { email: "only-a@example.com" }, associations: [] });
    expect(sim.portal("202").contacts()).toHaveLength(1);
  });
});

describe("search", () => {
  it("lags writes: a new contact is found only after the lag, an update shows old values until then, a deleted one lingers", async () => {
    const sim = await simulator({ searchLagMs: 400 });
    const { client } = await install(sim, "301");
    const contact = await client.crm.contacts.basicApi.create({ properties: { email: "new.caller@example.com", firstname: "Ana" }, associations: [] });
    const byEmail = [[eq("email", "new.caller@example.com")]];

    expect((await searchContacts(client, byEmail)).total).toBe(0);
    expect((await client.crm.contacts.basicApi.getById(contact.id)).id).toBe(contact.id); // reads by id are immediate
    await sleep(450);
    expect((await searchContacts(client, byEmail, ["firstname"])).results[0]!.properties.firstname).toBe("Ana");

    await client.crm.contacts.basicApi.update(contact.id, { properties: { firstname: "Anna" } });
    expect((await searchContacts(client, byEmail, ["firstname"])).results[0]!.properties.firstname).toBe("Ana");
    await sleep(450);
    expect((await searchContacts(client, byEmail, ["firstname"])).results[0]!.properties.firstname).toBe("Anna");

    sim.deleteContact("301", contact.id);
    expect((await searchContacts(client, byEmail)).total).toBe(1);
    await sleep(450);
    expect((await searchContacts(client, byEmail)).total).toBe(0);
  });

  it("seeded contacts respect the lag too", async () => {
    const sim = await simulator({ searchLagMs: 300 });
    const { client } = await install(sim, "302");
    const seeded = sim.seedContact("302", { firstname: "Lee", phone: "+1 415 555 0123" });
    const filters = [[eq("hs_searchable_calculated_phone_number", "4155550123")]];
    expect((await searchContacts(client, filters)).total).toBe(0);
    await sleep(350);
    expect((await searchContacts(client, filters)).results.map((r) => r.id)).toEqual([seeded.id]);
  });

  it("supports HubSpot's operators, one sort and paging, and refuses what HubSpot refuses", async () => {
    const sim = await simulator({ searchesPerSecond: 0 });
    const { client } = await install(sim, "303");
    for (const [firstname, email, zip] of [["Ana", "ana@acme.com", "94107"], ["Ben", "ben@acme.com", ""], ["Cy", "cy@other.org", "10001"]] as const) {
      await client.crm.contacts.basicApi.create({ properties: { firstname, email, ...(zip ? { zip } : {}) }, associations: [] });
    }
    const names = async (filters: { propertyName: string; operator: Op; value?: string; values?: string[] }[], sorts: string[] = []) =>
      (await client.crm.contacts.searchApi.doSearch({ filterGroups: [{ filters }], properties: ["firstname"], sorts, limit: 10 })).results.map((r) => r.properties.firstname);

    expect(await names([{ propertyName: "email", operator: Op.ContainsToken, value: "*@acme.com" }])).toEqual(["Ana", "Ben"]);
    expect(await names([{ propertyName: "zip", operator: Op.HasProperty }])).toEqual(["Ana", "Cy"]);
    expect(await names([{ propertyName: "zip", operator: Op.NotHasProperty }])).toEqual(["Ben"]);
    expect(await names([{ propertyName: "firstname", operator: Op.Neq, value: "ana" }])).toEqual(["Ben", "Cy"]);
    expect(await names([{ propertyName: "firstname", operator: Op.In, values: ["ana", "cy"] }])).toEqual(["Ana", "Cy"]);
    expect(await names([{ propertyName: "firstname", operator: Op.In, values: ["Ana"] }])).toEqual([]); // IN wants lowercase strings
    expect(await names([{ propertyName: "email", operator: Op.HasProperty }], ["-firstname"])).toEqual(["Cy", "Ben", "Ana"]);

    const first = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], properties: ["firstname"], limit: 2 });
    expect(first.total).toBe(3);
    const second = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], properties: ["firstname"], limit: 2, after: first.paging!.next!.after });
    expect([...first.results, ...second.results].map((r) => r.properties.firstname)).toEqual(["Ana", "Ben", "Cy"]);
    expect(second.paging).toBeUndefined();

    const tooMany = await failure(client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 201 }));
    expect(tooMany.code).toBe(400);
    const groups = Array.from({ length: 6 }, (_, i) => ({ filters: [eq("firstname", `n${i}`)] }));
    expect((await failure(client.crm.contacts.searchApi.doSearch({ filterGroups: groups }))).code).toBe(400);
    const filters = Array.from({ length: 5 }, (_, g) => ({ filters: Array.from({ length: g === 0 ? 6 : 5 }, (_, i) => eq("firstname", `n${g}${i}`)) }));
    expect((await failure(client.crm.contacts.searchApi.doSearch({ filterGroups: filters }))).body.message).toMatch(/Too many filters: 26/);
    expect((await failure(client.crm.contacts.searchApi.doSearch({ filterGroups: [{ filters: [eq("no_such_property", "x")] }] }))).code).toBe(400);
  });
});

describe("calls, tasks and meetings", () => {
  it("logs a call on a contact with a default outcome and lists it from the contact", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "401");
    const contact = await client.crm.contacts.basicApi.create({ properties: { firstname: "Jo" }, associations: [] });
    const call = await client.crm.objects.basicApi.create("calls", {
      properties: callProperties({ hs_call_disposition: CONNECTED, hs_call_recording_url: "https://cdn.example/rec.mp3", hs_call_external_id: "call-1" }),
      associations: toContact(contact.id, 194),
    });
    expect(call.properties).toMatchObject({ hs_call_disposition: CONNECTED, hs_call_external_id: "call-1" });
    expect(sim.portal("401").calls()).toEqual([expect.objectContaining({ id: call.id, associations: [contact.id] })]);

    const v4 = await client.crm.associations.v4.basicApi.getPage("contacts", contact.id, "calls");
    expect(v4.results.map((r) => Number(r.toObjectId))).toEqual([Number(call.id)]);
    expect(v4.results[0]!.associationTypes).toEqual([expect.objectContaining({ category: "HUBSPOT_DEFINED", typeId: 193 })]);

    const v3 = await (await client.apiRequest({ path: `/crm/v3/objects/contacts/${contact.id}/associations/calls` })).json();
    expect(v3).toEqual({ results: [{ id: call.id, type: "contact_to_call" }] });
    const withAssociations = await client.crm.contacts.basicApi.getById(contact.id, undefined, undefined, ["calls"]);
    expect(withAssociations.associations?.calls?.results.map((r) => r.id)).toEqual([call.id]);

    const byExternalId = await client.crm.objects.searchApi.doSearch("calls", { filterGroups: [{ filters: [{ propertyName: "hs_call_external_id", operator: ObjectOp.Eq, value: "call-1" }] }], properties: ["hs_call_external_id"], limit: 1 });
    expect(byExternalId.results.map((r) => r.id)).toEqual([call.id]);
  });

  it("rejects calls with an unknown outcome, a wrong association type, a missing contact, an http recording or no timestamp", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "402");
    const contact = await client.crm.contacts.basicApi.create({ properties: { firstname: "Jo" }, associations: [] });
    const create = (properties: Record<string, string>, associations = toContact(contact.id, 194)) => failure(client.crm.objects.basicApi.create("calls", { properties, associations }));

    const outcome = await create(callProperties({ hs_call_disposition: "Connected" }));
    expect(outcome.code).toBe(400);
    expect(outcome.body.message).toContain("INVALID_OPTION");
    expect((await create(callProperties(), toContact(contact.id, 200))).body.errors[0].code).toBe("INVALID_ASSOCIATION_TYPE");
    const missing = await create(callProperties(), toContact("999999", 194));
    expect(missing.code).toBe(400);
    expect(missing.body.message).toContain("999999");
    expect((await create(callProperties({ hs_call_recording_url: "http://cdn.example/rec.mp3" }))).body.errors[0].code).toBe("INVALID_URL");
    expect((await create(callProperties({ hs_call_status: "DONE" }))).body.message).toContain("INVALID_OPTION");
    expect((await create(callProperties({ hs_call_duration: "a minute" }))).code).toBe(400);
    const { hs_timestamp: _dropped, ...untimed } = callProperties();
    expect((await create(untimed)).body.errors[0]).toMatchObject({ code: "MISSING_REQUIRED_PROPERTY", context: { propertyName: ["hs_timestamp"] } });
    expect(sim.portal("402").calls()).toHaveLength(0);

    const own = sim.addDisposition("402", "Booked");
    const dispositions = await (await client.apiRequest({ path: "/calling/v1/dispositions" })).json();
    expect(dispositions).toEqual(expect.arrayContaining([{ id: CONNECTED, label: "Connected", deleted: false }, { id: own, label: "Booked", deleted: false }]));
    await client.crm.objects.basicApi.create("calls", { properties: callProperties({ hs_call_disposition: own }), associations: toContact(contact.id, 194) });
  });

  it("validates tasks and meetings with their own type ids and options", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "403");
    const contact = await client.crm.contacts.basicApi.create({ properties: { firstname: "Jo" }, associations: [] });
    const task = { hs_timestamp: String(Date.now()), hs_task_subject: "Call back", hs_task_status: "NOT_STARTED", hs_task_priority: "HIGH" };
    await client.crm.objects.basicApi.create("tasks", { properties: task, associations: toContact(contact.id, 204) });
    expect((await failure(client.crm.objects.basicApi.create("tasks", { properties: { ...task, hs_task_priority: "URGENT" }, associations: [] }))).code).toBe(400);
    const meeting = { hs_timestamp: new Date().toISOString(), hs_meeting_title: "Consultation", hs_meeting_outcome: "SCHEDULED" };
    const created = await client.crm.objects.basicApi.create("meetings", { properties: meeting, associations: toContact(contact.id, 200) });
    expect((await failure(client.crm.objects.basicApi.update("meetings", created.id, { properties: { hs_meeting_outcome: "MAYBE" } }))).code).toBe(400);
    await client.crm.objects.basicApi.update("meetings", created.id, { properties: { hs_meeting_outcome: "CANCELED" } });
    expect(sim.portal("403").meetings()[0]!.properties.hs_meeting_outcome).toBe("CANCELED");
    expect(sim.portal("403").tasks()[0]!.associations).toEqual([contact.id]);
  });
});

describe("owners", () => {
  it("lists the portal's owners, filtered by email", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "450");
    const alex = sim.addOwner("450", { email: "alex@example.com", firstName: "Alex", lastName: "Rivera" });
    sim.addOwner("450", { email: "sam@example.com", firstName: "Sam", lastName: "Lee" });
    const all = await client.crm.owners.ownersApi.getPage();
    expect(all.results.map((o) => o.email)).toEqual(["alex@example.com", "sam@example.com"]);
    const one = await client.crm.owners.ownersApi.getPage("ALEX@example.com");
    expect(one.results).toEqual([expect.objectContaining({ id: alex, firstName: "Alex", archived: false })]);
    expect(one.results[0]!.createdAt).toBeInstanceOf(Date);
  });
});

describe("users (user provisioning)", () => {
  it("answers a portal's user with superAdmin, 404 for a user of another portal or none, 403 without settings.users.read, 401 without a token", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "460");
    await install(sim, "461");
    const admin = sim.addUser("460", { email: "owner@example.com", superAdmin: true, firstName: "Olu" });
    const rep = sim.addUser("460", { email: "rep@example.com" });
    const elsewhere = sim.addUser("461", { email: "other@example.com", superAdmin: true });

    expect(await client.settings.users.usersApi.getById(admin)).toMatchObject({ id: admin, email: "owner@example.com", superAdmin: true, firstName: "Olu", roleIds: [] });
    expect((await client.settings.users.usersApi.getById(rep)).superAdmin).toBe(false);
    expect((await client.settings.users.usersApi.getById("REP@example.com", "EMAIL")).id).toBe(rep);
    sim.setSuperAdmin("460", rep, true);
    expect((await client.settings.users.usersApi.getById(rep)).superAdmin).toBe(true);

    const unknown = await failure(client.settings.users.usersApi.getById(elsewhere));
    expect(unknown.code).toBe(404);
    expect(unknown.body).toMatchObject({ status: "error", category: "OBJECT_NOT_FOUND" });
    const noScope = await install(sim, "460", ["oauth", "crm.objects.contacts.read"]);
    const refused = await failure(noScope.client.settings.users.usersApi.getById(admin));
    expect(refused.code).toBe(403);
    expect(refused.body).toMatchObject({ category: "MISSING_SCOPES", errors: [{ context: { requiredGranularScopes: ["settings.users.read"] } }] });
    expect((await failure(clientFor(sim, "not-a-token").settings.users.usersApi.getById(admin))).code).toBe(401);
  });
});

describe("properties", () => {
  it("creates groups and properties once, with HubSpot's validation, and enforces the new options on writes", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "501");
    const properties = client.crm.properties;
    await properties.groupsApi.create("contacts", { name: "ai_receptionist", label: "AI receptionist", displayOrder: -1 });
    expect((await failure(properties.groupsApi.create("contacts", { name: "ai_receptionist", label: "Again" }))).code).toBe(409);

    const definition = { name: "ai_urgency", label: "Urgency", groupName: "ai_receptionist", type: "enumeration", fieldType: "select", options: [{ label: "Low", value: "low", displayOrder: 0, hidden: false }, { label: "High", value: "high", displayOrder: 1, hidden: false }] };
    const created = await properties.coreApi.create("contacts", definition as never);
    expect(created).toMatchObject({ name: "ai_urgency", type: "enumeration", groupName: "ai_receptionist" });
    const duplicate = await failure(properties.coreApi.create("contacts", definition as never));
    expect(duplicate.code).toBe(409);
    expect(duplicate.body.category).toBe("OBJECT_ALREADY_EXISTS");
    expect((await failure(properties.coreApi.create("contacts", { ...definition, name: "AI Urgency" } as never))).code).toBe(400);
    expect((await failure(properties.coreApi.create("contacts", { ...definition, name: "ai_other", type: "string", fieldType: "select" } as never))).code).toBe(400);
    expect((await failure(properties.coreApi.create("contacts", { ...definition, name: "ai_other", groupName: "nowhere" } as never))).code).toBe(400);

    const listed = await properties.coreApi.getAll("contacts");
    expect(listed.results.map((p) => p.name)).toEqual(expect.arrayContaining(["email", "phone", "lifecyclestage", "hs_searchable_calculated_phone_number", "ai_urgency"]));
    expect(listed.results.find((p) => p.name === "hs_analytics_source")?.modificationMetadata?.readOnlyValue).toBe(true);

    expect((await failure(client.crm.contacts.basicApi.create({ properties: { ai_urgency: "urgent" }, associations: [] }))).code).toBe(400);
    await properties.coreApi.update("contacts", "ai_urgency", { options: [...definition.options, { label: "Urgent", value: "urgent", displayOrder: 2, hidden: false }] } as never);
    await client.crm.contacts.basicApi.create({ properties: { ai_urgency: "urgent" }, associations: [] });
    expect(sim.portal("501").properties().some((p) => p.name === "ai_urgency")).toBe(true);
  });
});

describe("OAuth, scopes and rate limits", () => {
  it("expires access tokens (401), refreshes them with the refresh token, and refuses a revoked one", async () => {
    const sim = await simulator();
    const { tokens, client } = await install(sim, "601");
    const info = await anonymous(sim).oauth.accessTokensApi.get(tokens.accessToken);
    expect(info).toMatchObject({ hubId: 601, scopes: expect.arrayContaining(["crm.objects.contacts.write"]), expiresIn: expect.any(Number) });
    expect(tokens.expiresIn).toBe(1800);

    sim.expireAccessTokens("601");
    const expired = await failure(client.crm.contacts.basicApi.getPage());
    expect(expired.code).toBe(401);
    expect(expired.body.category).toBe("EXPIRED_AUTHENTICATION");
    const unknown = await failure(clientFor(sim, "not-a-token").crm.contacts.basicApi.getPage());
    expect(unknown.body).toMatchObject({ status: "error", category: "INVALID_AUTHENTICATION", message: expect.stringMatching(/^Authentication credentials not found/) });

    const refreshed = await anonymous(sim).oauth.tokensApi.create("refresh_token", undefined, undefined, CLIENT_ID, CLIENT_SECRET, tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    expect((await clientFor(sim, refreshed.accessToken).crm.contacts.basicApi.getPage()).results).toEqual([]);

    sim.revokeRefreshTokens("601");
    const revoked = await failure(anonymous(sim).oauth.tokensApi.create("refresh_token", undefined, undefined, CLIENT_ID, CLIENT_SECRET, tokens.refreshToken));
    expect(revoked.code).toBe(400);
    expect(revoked.body.status).toBe("BAD_REFRESH_TOKEN");
  });

  it("uses an authorisation code once, and only with the registered redirect URI", async () => {
    const sim = await simulator();
    const oauth = anonymous(sim).oauth.tokensApi;
    const code = sim.issueAuthCode("602");
    expect((await failure(oauth.create("authorization_code", code, "https://evil.example/cb", CLIENT_ID, CLIENT_SECRET))).body.status).toBe("BAD_REDIRECT_URI");
    await oauth.create("authorization_code", code, REDIRECT_URI, CLIENT_ID, CLIENT_SECRET);
    expect((await failure(oauth.create("authorization_code", code, REDIRECT_URI, CLIENT_ID, CLIENT_SECRET))).body.status).toBe("BAD_AUTH_CODE");
    expect((await failure(oauth.create("authorization_code", sim.issueAuthCode("602"), REDIRECT_URI, CLIENT_ID, "wrong"))).code).toBe(400);
  });

  it("answers 403 MISSING_SCOPES for an endpoint whose scope the token lacks", async () => {
    const sim = await simulator();
    const { client } = await install(sim, "603", ["oauth", "crm.objects.contacts.read"]);
    const refused = await failure(client.crm.contacts.basicApi.create({ properties: { firstname: "Jo" }, associations: [] }));
    expect(refused.code).toBe(403);
    expect(refused.body).toMatchObject({ status: "error", category: "MISSING_SCOPES" });
    expect(refused.body.errors[0].context.requiredGranularScopes).toEqual(["crm.objects.contacts.write"]);
    expect((await failure(client.crm.properties.coreApi.getAll("contacts"))).code).toBe(403);
    expect((await client.crm.contacts.searchApi.doSearch({ filterGroups: [] })).total).toBe(0); // a search is a read
  });

  it("answers 429 TEN_SECONDLY_ROLLING past the portal's limit, with the rate-limit headers on every answer", async () => {
    const sim = await simulator({ tenSecondlyLimit: 3 });
    const { client } = await install(sim, "604");
    const other = await install(sim, "605");
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) remaining.push((await client.crm.contacts.basicApi.getPageWithHttpInfo()).headers["x-hubspot-ratelimit-remaining"]!);
    expect(remaining).toEqual(["2", "1", "0"]);
    const limited = await failure(client.crm.contacts.basicApi.getPage());
    expect(limited.code).toBe(429);
    expect(limited.body).toMatchObject({ status: "error", errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING", message: "You have reached your ten_secondly_rolling limit." });
    expect(limited.headers).toMatchObject({ "x-hubspot-ratelimit-max": "3", "x-hubspot-ratelimit-remaining": "0", "x-hubspot-ratelimit-interval-milliseconds": "10000" });
    await other.client.crm.contacts.basicApi.getPage(); // another portal has its own window
    expect(sim.countRequests({ portalId: "604", status: 429 })).toBe(1);
  });

  it("answers 429 SECONDLY past the per-second search limit", async () => {
    const sim = await simulator({ searchesPerSecond: 2 });
    const { client } = await install(sim, "606");
    const results = await Promise.allSettled(Array.from({ length: 3 }, () => client.crm.contacts.searchApi.doSearch({ filterGroups: [] })));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as Failure);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.body).toMatchObject({ policyName: "SECONDLY", message: "You have reached your secondly limit." });
    await client.crm.contacts.basicApi.getPage(); // other endpoints are not held to it
    await sleep(1_050);
    await client.crm.contacts.searchApi.doSearch({ filterGroups: [] });
  });
});

describe("faults on demand", () => {
  it("fails the next requests, fails matching ones, and goes down with 503, hangs or resets", async () => {
    const sim = await simulator();
    const { client, tokens } = await install(sim, "701");
    sim.failNext(2, { status: 502 });
    expect((await failure(client.crm.contacts.basicApi.getPage())).code).toBe(502);
    expect((await failure(client.crm.contacts.basicApi.getPage())).code).toBe(502);
    await client.crm.contacts.basicApi.getPage();

    sim.failMatching((request) => request.method === "POST" && request.path === "/crm/v3/objects/calls", { status: 500 });
    expect((await failure(client.crm.objects.basicApi.create("calls", { properties: callProperties(), associations: [] }))).code).toBe(500);
    await client.crm.contacts.basicApi.create({ properties: { firstname: "Jo" }, associations: [] });
    sim.failMatching(null);

    sim.setDown(true);
    expect((await failure(client.crm.contacts.basicApi.getPage())).code).toBe(503);
    const headers = { authorization: `Bearer ${tokens.accessToken}` };
    sim.setDown(true, { mode: "timeout" });
    // The client gives up once the simulator holds the request (a fixed 200 ms could abort before the
    // request even arrived on a busy machine, and then nothing would have hung).
    const arrived = sim.requests.length;
    const giveUp = new AbortController();
    const hanging = fetch(`${sim.url}/crm/v3/objects/contacts`, { headers, signal: giveUp.signal });
    hanging.catch(() => undefined);
    for (let waited = 0; sim.requests.length === arrived && waited < 30_000; waited += 10) await sleep(10);
    await sleep(100); // it stays unanswered
    giveUp.abort();
    await expect(hanging).rejects.toThrow(/aborted|timeout/i);
    sim.setDown(true, { mode: "reset" });
    await expect(fetch(`${sim.url}/crm/v3/objects/contacts`, { headers })).rejects.toThrow(/fetch failed/);
    sim.setDown(false);
    await client.crm.contacts.basicApi.getPage();

    expect(sim.countRequests({ method: "GET", path: "/crm/v3/objects/contacts", status: 502 })).toBe(2);
    expect(sim.countRequests({ pathPrefix: "/crm/v3/objects/calls", status: 500 })).toBe(1);
    expect(sim.requests.filter((r) => r.status === 0)).toHaveLength(2); // the hang and the reset
    sim.reset();
    expect(sim.requests).toHaveLength(0);
    expect(sim.portal("701").contacts()).toHaveLength(1);
  });
});
