import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import { alreadyExists, contactExists, invalidPropertyValues, notFound, objectNotFound, validationError, type PropertyProblem } from "./errors.js";
import {
  builtInGroups,
  builtInProperties,
  CONTACT_TO_ENGAGEMENT,
  DEFAULT_DISPOSITIONS,
  DEFAULT_RETURNED,
  DISPOSITION_PROPERTY,
  ENGAGEMENT_TO_CONTACT,
  FIELD_TYPES,
  OBJECT_LABELS,
  OBJECT_TYPE_IDS,
  OBJECT_TYPES,
  OWNER_PROPERTY,
  REQUIRED_ON_CREATE,
  TIMESTAMP_PROPERTIES,
  type EngagementType,
  type ObjectType,
  type SimOption,
  type SimProperty,
  type SimPropertyGroup,
} from "./properties.js";

// One portal's CRM: objects with HubSpot's write validation, merges, associations to contacts, the
// properties API, and a search engine that reads a lagging copy of the data.

/** An object as tests see it (sim.portal(id).contacts() ...): its current state. */
export interface SimObject {
  id: string;
  properties: Record<string, string | null>;
  /** The contacts an engagement is associated with (empty for contacts). */
  associations: string[];
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  /** Set on a contact merged into another: the surviving contact's id. */
  mergedInto?: string;
}

/** What the search index holds of an object at one moment. */
interface Snapshot {
  at: number;
  properties: Record<string, string | null>;
  associations: string[];
  archived: boolean;
  updatedAt: string;
}

interface StoredObject extends SimObject {
  type: ObjectType;
  archivedAt?: string;
  /** Every write, oldest first, pruned to what a search can still see (see `commit`). */
  history: Snapshot[];
}

export interface SimOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt: string;
  archived: boolean;
}

/** A user of the portal, as the user provisioning API (/settings/v3/users) shows them. */
export interface SimUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  superAdmin: boolean;
  roleIds: string[];
  primaryTeamId?: string;
}

export interface SimDisposition {
  id: string;
  label: string;
  deleted: boolean;
}

export interface StoreOptions {
  searchLagMs: number;
  /** The portal's country, used to read phone numbers written without a country code. */
  defaultCountry: CountryCode;
  nextId: () => string;
}

export type WriteMode = "api" | "seed";

interface Filter {
  propertyName: string;
  operator: string;
  value?: unknown;
  highValue?: unknown;
  values?: unknown[];
}

const MAX_FILTER_GROUPS = 5;
const MAX_FILTERS = 25;
const MAX_FILTERS_PER_GROUP = 10;
const MAX_SEARCH_PAGE = 200;
const MAX_SEARCH_RESULTS = 10_000;
const MAX_BATCH_INPUTS = 100;
const MAX_IN_VALUES = 100;
const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const OPERATORS = new Set(["EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"]);
/** What the free-text `query` of a search looks at. */
const QUERY_PROPERTIES: Record<ObjectType, string[]> = {
  contacts: ["firstname", "lastname", "email", "phone", "mobilephone", "company"],
  calls: ["hs_call_title", "hs_call_body"],
  notes: ["hs_note_body"],
  tasks: ["hs_task_subject", "hs_task_body"],
  meetings: ["hs_meeting_title", "hs_meeting_body"],
  leads: ["hs_lead_name"],
};

const iso = (ms: number) => new Date(ms).toISOString();
const isEngagement = (type: ObjectType): type is EngagementType => type !== "contacts";

export class PortalStore {
  private readonly objects = new Map<ObjectType, Map<string, StoredObject>>(OBJECT_TYPES.map((t) => [t, new Map()]));
  private readonly propertyCatalog = new Map<ObjectType, Map<string, SimProperty>>(OBJECT_TYPES.map((t) => [t, new Map(builtInProperties(t).map((p) => [p.name, p]))]));
  private readonly groupCatalog = new Map<ObjectType, Map<string, SimPropertyGroup>>(OBJECT_TYPES.map((t) => [t, new Map(builtInGroups(t).map((g) => [g.name, g]))]));
  readonly dispositions: SimDisposition[] = DEFAULT_DISPOSITIONS.map((d) => ({ ...d, deleted: false }));
  readonly owners: SimOwner[] = [];
  readonly users: SimUser[] = [];

  constructor(
    readonly portalId: string,
    private readonly options: StoreOptions,
  ) {}

  // ---- reads for tests ------------------------------------------------------------------------

  /** Current, live objects of a type (what HubSpot's UI would show), as plain copies. */
  live(type: ObjectType): SimObject[] {
    return [...this.table(type).values()].filter((o) => !o.archived).map(plain);
  }

  /** One object as stored, whatever its state (deleted, merged away). */
  peek(type: ObjectType, id: string): SimObject | undefined {
    const object = this.table(type).get(id);
    return object ? plain(object) : undefined;
  }

  properties(type: ObjectType): SimProperty[] {
    return [...this.catalog(type).values()].map((p) => structuredClone(p));
  }

  groups(type: ObjectType): SimPropertyGroup[] {
    return [...this.groupCatalog.get(type)!.values()].map((g) => ({ ...g }));
  }

  property(type: ObjectType, name: string): SimProperty | undefined {
    return this.catalog(type).get(name);
  }

  // ---- objects --------------------------------------------------------------------------------

  /**
   * The live object an id names. HubSpot answers a merged-away contact id with the contact it was
   * merged into, for reads and for single updates ("you can use the previous record ID values stored
   * in hs_merged_object_ids to update a record using the basic update endpoint" - CRM objects guide).
   */
  find(type: ObjectType, id: string, options: { followMerges?: boolean; archived?: boolean } = {}): StoredObject | undefined {
    const table = this.table(type);
    let object = table.get(id);
    if (options.followMerges !== false) while (object?.mergedInto) object = table.get(object.mergedInto);
    if (!object) return undefined;
    return object.archived === (options.archived ?? false) && !object.mergedInto ? object : undefined;
  }

  /** The object whose unique property (`idProperty`, e.g. email) has this value. */
  findByUnique(type: ObjectType, idProperty: string, value: string): StoredObject | undefined {
    const property = this.catalog(type).get(idProperty);
    if (!property?.hasUniqueValue) throw validationError(`${idProperty} is not a unique identifier property for ${type}`, "INVALID_ID_PROPERTY");
    if (type === "contacts" && idProperty === "email") {
      const id = this.emailOwner(value, null);
      return id ? this.find(type, id) : undefined;
    }
    return [...this.table(type).values()].find((o) => !o.archived && !o.mergedInto && o.properties[idProperty] === value);
  }

  create(type: ObjectType, body: { properties?: unknown; associations?: unknown }, mode: WriteMode = "api"): StoredObject {
    const properties = this.validateWrite(type, body.properties ?? {}, mode);
    const missing = REQUIRED_ON_CREATE[type].filter((name) => !properties[name]);
    if (missing.length) {
      throw invalidPropertyValues(
        this.portalId,
        missing.map((name) => ({ name, error: "MISSING_REQUIRED_PROPERTY", message: `The property "${name}" is required to create a ${OBJECT_LABELS[type].toLowerCase()}.` })),
      );
    }
    const links = this.resolveAssociations(type, body.associations);
    if (type === "contacts") this.assertEmailFree(properties.email, null);
    // Leads guide: "Must be associated with an existing contact" (the exact error text is not published).
    if (type === "leads" && !links.some((l) => l.type === "contacts")) throw validationError("A lead must be associated with an existing contact or company on creation", "MISSING_REQUIRED_ASSOCIATION");

    const id = this.options.nextId();
    const now = Date.now();
    const stamps = TIMESTAMP_PROPERTIES[type];
    const object: StoredObject = {
      id,
      type,
      properties: { ...withoutNulls(properties), hs_object_id: id, [stamps.created]: iso(now), [stamps.modified]: iso(now) },
      associations: links.filter((l) => l.type === "contacts").map((l) => l.id),
      createdAt: iso(now),
      updatedAt: iso(now),
      archived: false,
      history: [],
    };
    if (type === "contacts") recomputeContact(object.properties, this.options.defaultCountry);
    this.table(type).set(id, object);
    this.commit(object, now);
    for (const contactId of object.associations) this.stampActivity(type, contactId, now);
    // A contact created with inline associations to engagements: the link is stored on the engagement.
    for (const link of links.filter((l) => l.type !== "contacts")) {
      const engagement = this.find(link.type, link.id)!;
      if (!engagement.associations.includes(id)) engagement.associations.push(id);
      this.commit(engagement, now);
    }
    return object;
  }

  update(type: ObjectType, id: string, rawProperties: unknown, idProperty?: string): StoredObject {
    const object = idProperty ? this.findByUnique(type, idProperty, id) : this.find(type, id);
    if (!object) throw objectNotFound(id);
    const properties = this.validateWrite(type, rawProperties ?? {}, "api");
    if (type === "contacts" && properties.email) this.assertEmailFree(properties.email, object.id);
    for (const [name, value] of Object.entries(properties)) {
      if (value === null) delete object.properties[name];
      else object.properties[name] = value;
    }
    if (type === "contacts") recomputeContact(object.properties, this.options.defaultCountry);
    this.commit(object, Date.now());
    return object;
  }

  archive(type: ObjectType, id: string): void {
    const object = this.find(type, id);
    if (!object) return; // HubSpot answers 204 for an id that is already gone
    object.archived = true;
    object.archivedAt = iso(Date.now());
    this.commit(object, Date.now());
  }

  /**
   * HubSpot's contact merge: the primary keeps its id and fills its empty properties from the other,
   * whose email becomes an additional email (still unique across the portal), whose engagements move
   * to the primary, and whose id lands in the primary's hs_merged_object_ids. The merged-away id keeps
   * resolving to the primary (see `find`); search keeps showing both until its lag has passed.
   */
  merge(type: ObjectType, primaryId: string, secondaryId: string): StoredObject {
    if (type !== "contacts") throw validationError(`Merging ${type} is not supported by this simulator`, "UNSUPPORTED_OBJECT_TYPE");
    const primary = this.find(type, primaryId, { followMerges: false });
    const secondary = this.find(type, secondaryId, { followMerges: false });
    if (!primary) throw objectNotFound(primaryId);
    if (!secondary) throw objectNotFound(secondaryId);
    if (primary.id === secondary.id) throw validationError("Cannot merge an object with itself", "INVALID_MERGE");
    const now = Date.now();
    const catalog = this.catalog(type);
    for (const [name, value] of Object.entries(secondary.properties)) {
      if (value && !primary.properties[name] && !catalog.get(name)?.readOnlyValue) primary.properties[name] = value;
    }
    const extraEmails = [secondary.properties.email, ...split(secondary.properties.hs_additional_emails), ...split(primary.properties.hs_additional_emails)];
    setOrDelete(primary.properties, "hs_additional_emails", join(extraEmails.filter((e): e is string => !!e && e !== primary.properties.email)));
    setOrDelete(primary.properties, "hs_merged_object_ids", join([...split(primary.properties.hs_merged_object_ids), secondary.id, ...split(secondary.properties.hs_merged_object_ids)]));
    recomputeContact(primary.properties, this.options.defaultCountry);
    for (const engagementType of OBJECT_TYPES.filter(isEngagement)) {
      for (const engagement of this.table(engagementType).values()) {
        if (!engagement.associations.includes(secondary.id)) continue;
        engagement.associations = [...new Set(engagement.associations.map((c) => (c === secondary.id ? primary.id : c)))];
        this.commit(engagement, now);
      }
    }
    secondary.archived = true;
    secondary.archivedAt = iso(now);
    secondary.mergedInto = primary.id;
    this.commit(secondary, now);
    this.commit(primary, now);
    return primary;
  }

  /**
   * PUT /crm/v4/objects/{from}/{id}/associations/{to}/{toId}: associates an engagement (or lead) with a
   * contact, from either side, with HubSpot-defined type ids that must fit the pair. Both records must
   * exist. Answers what HubSpot's v4 answers: the pair and its labels.
   */
  associate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string, rawTypes: unknown) {
    const { engagementType, engagement, contact } = this.associationPair(fromType, fromId, toType, toId);
    if (!Array.isArray(rawTypes) || rawTypes.length === 0) throw validationError("The body must be a non-empty array of association types ({associationCategory, associationTypeId})", "INVALID_INPUT");
    const expected = fromType === "contacts" ? CONTACT_TO_ENGAGEMENT[engagementType] : ENGAGEMENT_TO_CONTACT[engagementType];
    for (const t of rawTypes as { associationCategory?: unknown; associationTypeId?: unknown }[]) {
      const typeId = Number(t?.associationTypeId);
      if (t?.associationCategory !== "HUBSPOT_DEFINED" && t?.associationCategory !== "USER_DEFINED") throw validationError(`Unknown association category ${String(t?.associationCategory)}`, "INVALID_ASSOCIATION_CATEGORY");
      if (t.associationCategory === "USER_DEFINED" || typeId !== expected) throw validationError(`${String(t?.associationTypeId)} is not a valid association type id from ${fromType} to ${toType}`, "INVALID_ASSOCIATION_TYPE");
    }
    const now = Date.now();
    if (!engagement.associations.includes(contact.id)) {
      engagement.associations.push(contact.id);
      this.commit(engagement, now);
      this.stampActivity(engagementType, contact.id, now);
    }
    return { fromObjectTypeId: OBJECT_TYPE_IDS[fromType], fromObjectId: Number(fromType === "contacts" ? contact.id : engagement.id), toObjectTypeId: OBJECT_TYPE_IDS[toType], toObjectId: Number(fromType === "contacts" ? engagement.id : contact.id), labels: [] };
  }

  /** DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}: every association between the two goes; 204 even if there was none. */
  unassociate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    const { engagement, contact } = this.associationPair(fromType, fromId, toType, toId);
    if (!engagement.associations.includes(contact.id)) return;
    engagement.associations = engagement.associations.filter((id) => id !== contact.id);
    this.commit(engagement, Date.now());
  }

  private associationPair(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): { engagementType: EngagementType; engagement: StoredObject; contact: StoredObject } {
    const engagementType = isEngagement(fromType) ? fromType : toType;
    if (!isEngagement(engagementType) || (fromType !== "contacts" && toType !== "contacts")) throw validationError(`Associations from ${fromType} to ${toType} are not supported by this simulator`, "INVALID_ASSOCIATION_TYPE");
    const [engagementId, contactId] = fromType === "contacts" ? [toId, fromId] : [fromId, toId];
    const engagement = this.find(engagementType, engagementId);
    if (!engagement) throw validationError(`Could not find ${OBJECT_LABELS[engagementType]} with id ${engagementId}`, "INVALID_ASSOCIATION", { fromObjectId: [engagementId] });
    const contact = this.find("contacts", contactId);
    if (!contact) throw validationError(`Could not find CONTACT with id ${contactId}`, "INVALID_ASSOCIATION", { toObjectId: [contactId] });
    return { engagementType, engagement, contact };
  }

  /** HubSpot's "Last activity date": an activity (not a lead) newly logged on a contact. */
  private stampActivity(type: ObjectType, contactId: string, now: number): void {
    if (type === "contacts" || type === "leads") return;
    const contact = this.find("contacts", contactId);
    if (!contact) return;
    contact.properties.notes_last_updated = iso(now);
    this.commit(contact, now);
  }

  /** GET /crm/v3/objects/:type (one page, oldest first). */
  list(type: ObjectType, query: { limit?: number; after?: string; properties?: string[]; archived?: boolean }) {
    const limit = query.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw validationError("limit must be between 1 and 100", "INVALID_LIMIT");
    const after = query.after ?? "0";
    const all = [...this.table(type).values()].filter((o) => o.archived === (query.archived ?? false) && !o.mergedInto).sort(byId);
    const start = all.findIndex((o) => Number(o.id) > Number(after));
    const page = start < 0 ? [] : all.slice(start, start + limit);
    const next = start >= 0 && start + limit < all.length ? page[page.length - 1]!.id : null;
    return { results: page.map((o) => this.toJson(o, query.properties)), ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}) };
  }

  /**
   * POST .../batch/read. Ids that do not exist (or were merged away: HubSpot's guide supports merged
   * ids on the single-record endpoints only) come back as a 207 with an error naming them.
   */
  batchRead(type: ObjectType, body: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    const inputs = batchInputs(body);
    const idProperty = typeof body.idProperty === "string" && body.idProperty !== "hs_object_id" ? body.idProperty : undefined;
    const requested = stringList(body.properties);
    const startedAt = iso(Date.now());
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of inputs) {
      const id = String((input as { id?: unknown })?.id ?? "");
      const object = idProperty ? this.findByUnique(type, idProperty, id) : this.find(type, id, { followMerges: false });
      if (object) results.push(this.toJson(object, requested));
      else missing.push(id);
    }
    const response: Record<string, unknown> = { status: "COMPLETE", results, startedAt, completedAt: iso(Date.now()) };
    if (missing.length === 0) return { status: 200, body: response };
    const label = OBJECT_LABELS[type];
    response.numErrors = 1;
    response.errors = [{ status: "error", category: "OBJECT_NOT_FOUND", message: `Could not get some ${label} objects, they may be deleted or not exist. Check that ids are valid.`, context: { ids: missing } }];
    return { status: 207, body: response };
  }

  /**
   * POST .../batch/create. All or nothing, as HubSpot's: one input with a bad value fails the batch
   * with a 400, one whose e-mail is taken (or repeats another input's) with the 409 naming the existing
   * contact, and nothing is created. Results come in no promised order: each carries its input's
   * `objectWriteTraceId`.
   */
  batchCreate(type: ObjectType, body: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    const inputs = batchInputs(body);
    const startedAt = iso(Date.now());
    const seenEmails = new Map<string, number>();
    inputs.forEach((input, i) => {
      const properties = this.validateWrite(type, (input as { properties?: unknown })?.properties ?? {}, "api");
      const missing = REQUIRED_ON_CREATE[type].filter((name) => !properties[name]);
      if (missing.length) throw invalidPropertyValues(this.portalId, missing.map((name) => ({ name, error: "MISSING_REQUIRED_PROPERTY", message: `The property "${name}" is required to create a ${OBJECT_LABELS[type].toLowerCase()}.` })));
      this.resolveAssociations(type, (input as { associations?: unknown })?.associations);
      if (type === "contacts" && properties.email) {
        this.assertEmailFree(properties.email, null);
        const email = properties.email.toLowerCase();
        if (seenEmails.has(email)) throw validationError(`Duplicate email in batch input: inputs ${seenEmails.get(email)} and ${i} both have ${email}`, "DUPLICATE_EMAIL");
        seenEmails.set(email, i);
      }
    });
    const results = inputs.map((input) => {
      const { properties, associations, objectWriteTraceId } = input as { properties?: unknown; associations?: unknown; objectWriteTraceId?: unknown };
      const created = this.create(type, { properties, associations });
      return { ...this.toJson(created, Object.keys((properties as object) ?? {})), ...(objectWriteTraceId === undefined ? {} : { objectWriteTraceId: String(objectWriteTraceId) }) };
    });
    return { status: 201, body: { status: "COMPLETE", results: shuffled(results), startedAt, completedAt: iso(Date.now()) } };
  }

  /**
   * POST .../batch/update. An id named twice fails the batch (400), as does a bad value (400) or an
   * e-mail another contact has (409); ids that do not exist, or were merged away (batch endpoints do
   * not follow merges), come back as a 207 error naming them while the rest are updated.
   */
  batchUpdate(type: ObjectType, body: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    const inputs = batchInputs(body) as { id?: unknown; properties?: unknown }[];
    const startedAt = iso(Date.now());
    const ids = inputs.map((input) => String(input?.id ?? ""));
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (repeated.length) throw validationError(`Duplicate IDs found in batch input: [${[...new Set(repeated)].join(", ")}]. IDs must be unique`, "DUPLICATE_IDS");
    const missing: string[] = [];
    const found: { object: StoredObject; properties: unknown }[] = [];
    for (const [i, input] of inputs.entries()) {
      const object = this.find(type, ids[i]!, { followMerges: false });
      if (!object) {
        missing.push(ids[i]!);
        continue;
      }
      const properties = this.validateWrite(type, input.properties ?? {}, "api");
      if (type === "contacts" && properties.email) this.assertEmailFree(properties.email, object.id);
      found.push({ object, properties: input.properties });
    }
    const results = found.map(({ object, properties }) => this.toJson(this.update(type, object.id, properties), Object.keys((properties as object) ?? {})));
    const response: Record<string, unknown> = { status: "COMPLETE", results: shuffled(results), startedAt, completedAt: iso(Date.now()) };
    if (missing.length === 0) return { status: 200, body: response };
    response.numErrors = 1;
    response.errors = [{ status: "error", category: "OBJECT_NOT_FOUND", message: `Could not update some ${OBJECT_LABELS[type]} objects, they may be deleted or not exist. Check that ids are valid.`, context: { ids: missing } }];
    return { status: 207, body: response };
  }

  /** The objects of `toType` associated with an object, with HubSpot's directional type ids. */
  associationsOf(fromType: ObjectType, fromId: string, toType: ObjectType): { id: string; typeId: number }[] {
    const from = this.find(fromType, fromId);
    if (!from) return [];
    if (fromType === "contacts" && isEngagement(toType)) {
      return [...this.table(toType).values()].filter((e) => !e.archived && e.associations.includes(from.id)).sort(byId).map((e) => ({ id: e.id, typeId: CONTACT_TO_ENGAGEMENT[toType] }));
    }
    if (isEngagement(fromType) && toType === "contacts") {
      return from.associations.filter((id) => this.find("contacts", id)).map((id) => ({ id, typeId: ENGAGEMENT_TO_CONTACT[fromType] }));
    }
    return [];
  }

  /** An object as the v3 API answers it: the asked-for properties (or the defaults), as strings. */
  toJson(object: StoredObject, requested?: string[], associationTypes: ObjectType[] = [], snapshot?: Snapshot) {
    const source = snapshot?.properties ?? object.properties;
    const catalog = this.catalog(object.type);
    const stamps = TIMESTAMP_PROPERTIES[object.type];
    // HubSpot answers only properties that exist, null when empty, and always the id and timestamps.
    const names = new Set([...(requested?.length ? requested : DEFAULT_RETURNED[object.type]), "hs_object_id", stamps.created, stamps.modified]);
    const properties: Record<string, string | null> = {};
    for (const name of names) if (catalog.has(name)) properties[name] = source[name] ?? null;
    const json: Record<string, unknown> = { id: object.id, properties, createdAt: object.createdAt, updatedAt: snapshot?.updatedAt ?? object.updatedAt, archived: object.archived };
    if (object.archivedAt && object.archived) json.archivedAt = object.archivedAt;
    const associations: Record<string, unknown> = {};
    for (const toType of associationTypes) {
      const links = this.associationsOf(object.type, object.id, toType);
      if (links.length) associations[toType] = { results: links.map((l) => ({ id: l.id, type: `${object.type.slice(0, -1)}_to_${toType.slice(0, -1)}` })) };
    }
    if (Object.keys(associations).length) json.associations = associations;
    return json;
  }

  // ---- search ---------------------------------------------------------------------------------

  /**
   * POST .../search. HubSpot's search index lags its writes by seconds: search reads each object as it
   * was `searchLagMs` ago (a contact created a moment ago is not found; one updated a moment ago is
   * found with its old values; one deleted a moment ago is still found).
   */
  search(type: ObjectType, body: Record<string, unknown>) {
    const groups = this.parseFilterGroups(type, body.filterGroups);
    const limit = body.limit ?? 10;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_PAGE) {
      throw validationError(`limit must be between 1 and ${MAX_SEARCH_PAGE}; got ${String(limit)}`, "INVALID_LIMIT");
    }
    const after = body.after === undefined || body.after === null || body.after === "" ? 0 : Number(body.after);
    if (!Number.isInteger(after) || after < 0) throw validationError(`after must be a paging cursor; got ${String(body.after)}`, "INVALID_AFTER");
    // The search index pages through at most 10,000 results.
    if (after + limit > MAX_SEARCH_RESULTS) throw validationError(`Paging past ${MAX_SEARCH_RESULTS} results is not supported`, "TOO_MANY_RESULTS");
    const sort = this.parseSort(type, body.sorts);
    const query = typeof body.query === "string" ? body.query.trim().toLowerCase() : "";

    const cutoff = Date.now() - this.options.searchLagMs;
    const visible: { object: StoredObject; snapshot: Snapshot }[] = [];
    for (const object of this.table(type).values()) {
      const snapshot = visibleAt(object, cutoff);
      if (snapshot && !snapshot.archived) visible.push({ object, snapshot });
    }
    const found = visible.filter(
      ({ snapshot }) => (groups.length === 0 || groups.some((filters) => filters.every((f) => this.matches(type, snapshot, f)))) && (!query || matchesQuery(type, snapshot, query)),
    );
    found.sort((a, b) => (sort ? compareBy(sort, this.catalog(type).get(sort.propertyName), a.snapshot, b.snapshot) : 0) || Number(a.object.id) - Number(b.object.id));
    const page = found.slice(after, after + limit);
    const requested = stringList(body.properties);
    const next = after + limit < found.length ? String(after + limit) : null;
    return {
      total: found.length,
      results: page.map(({ object, snapshot }) => this.toJson(object, requested, [], snapshot)),
      ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}),
    };
  }

  private parseFilterGroups(type: ObjectType, raw: unknown): Filter[][] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw validationError("filterGroups must be an array", "INVALID_FILTER_GROUPS");
    // Limits raised on 2024-08-26 (developer changelog): 5 groups, 10 filters per group, 25 in total.
    if (raw.length > MAX_FILTER_GROUPS) throw validationError(`Too many filter groups: ${raw.length}. The maximum is ${MAX_FILTER_GROUPS}.`, "TOO_MANY_FILTER_GROUPS");
    const groups = raw.map((g) => {
      const filters = (g as { filters?: unknown })?.filters;
      if (!Array.isArray(filters)) throw validationError("Each filter group needs a filters array", "INVALID_FILTERS");
      if (filters.length > MAX_FILTERS_PER_GROUP) throw validationError(`Too many filters in a group: ${filters.length}. The maximum is ${MAX_FILTERS_PER_GROUP}.`, "TOO_MANY_FILTERS");
      return filters as Filter[];
    });
    const total = groups.reduce((n, g) => n + g.length, 0);
    if (total > MAX_FILTERS) throw validationError(`Too many filters: ${total}. The maximum is ${MAX_FILTERS}.`, "TOO_MANY_FILTERS");
    for (const filter of groups.flat()) {
      if (!OPERATORS.has(filter?.operator)) throw validationError(`Unknown filter operator: ${String(filter?.operator)}`, "INVALID_OPERATOR");
      if (!this.searchable(type, filter.propertyName)) throw validationError(`Unknown property in filter: ${String(filter.propertyName)}`, "PROPERTY_DOESNT_EXIST");
      if (["IN", "NOT_IN"].includes(filter.operator) && !Array.isArray(filter.values)) throw validationError(`${filter.operator} needs a values array`, "INVALID_FILTER");
      // HubSpot documents no ceiling on IN values; the simulator holds the app to the one it keeps (100).
      if (["IN", "NOT_IN"].includes(filter.operator) && filter.values!.length > MAX_IN_VALUES) throw validationError(`Too many values in an ${filter.operator} filter: ${filter.values!.length}. The maximum is ${MAX_IN_VALUES}.`, "TOO_MANY_VALUES");
      if (["EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"].includes(filter.operator) && (filter.value === undefined || filter.value === null)) {
        throw validationError(`${filter.operator} needs a value`, "INVALID_FILTER");
      }
      if (filter.operator === "BETWEEN" && (filter.highValue === undefined || filter.highValue === null)) throw validationError("BETWEEN needs a highValue", "INVALID_FILTER");
    }
    return groups;
  }

  private parseSort(type: ObjectType, raw: unknown): { propertyName: string; descending: boolean } | null {
    if (raw === undefined || raw === null) return null;
    if (!Array.isArray(raw)) throw validationError("sorts must be an array", "INVALID_SORTS");
    if (raw.length === 0) return null;
    // "You can only use one sorting rule in a search" (search guide).
    if (raw.length > 1) throw validationError("Only one sort is supported per search", "TOO_MANY_SORTS");
    const sort = raw[0] as unknown;
    const parsed = typeof sort === "string" ? { propertyName: sort.replace(/^-/, ""), descending: sort.startsWith("-") } : { propertyName: String((sort as { propertyName?: unknown })?.propertyName), descending: (sort as { direction?: unknown })?.direction === "DESCENDING" };
    if (!this.searchable(type, parsed.propertyName)) throw validationError(`Unknown property in sort: ${parsed.propertyName}`, "PROPERTY_DOESNT_EXIST");
    return parsed;
  }

  private searchable(type: ObjectType, name: unknown): boolean {
    return typeof name === "string" && (this.catalog(type).has(name) || (isEngagement(type) && name === "associations.contact"));
  }

  private matches(type: ObjectType, snapshot: Snapshot, filter: Filter): boolean {
    const property = this.catalog(type).get(filter.propertyName);
    const actual = filter.propertyName === "associations.contact" ? null : (snapshot.properties[filter.propertyName] ?? null);
    const has = actual !== null && actual !== "";
    const text = (v: unknown) => String(v).toLowerCase();
    const equal = (v: unknown) => has && compareValues(property, actual!, v) === 0;
    switch (filter.operator) {
      case "EQ":
        if (filter.propertyName === "associations.contact") return snapshot.associations.includes(String(filter.value));
        // String EQ is case-insensitive: the index stores lowercased tokens (emails match any casing).
        return equal(filter.value);
      case "NEQ":
        return !equal(filter.value);
      case "IN":
      case "NOT_IN": {
        // The IN operator compares string values with the lowercased index as given: HubSpot's search
        // guide asks for lowercase values, and an uppercase one never matches.
        const values = filter.values ?? [];
        const hit = has && values.some((v) => (isTextual(property) ? actual!.toLowerCase() === String(v) : compareValues(property, actual!, v) === 0));
        return filter.operator === "IN" ? hit : !hit;
      }
      case "HAS_PROPERTY":
        return has;
      case "NOT_HAS_PROPERTY":
        return !has;
      case "LT":
        return has && compareValues(property, actual!, filter.value) < 0;
      case "LTE":
        return has && compareValues(property, actual!, filter.value) <= 0;
      case "GT":
        return has && compareValues(property, actual!, filter.value) > 0;
      case "GTE":
        return has && compareValues(property, actual!, filter.value) >= 0;
      case "BETWEEN":
        return has && compareValues(property, actual!, filter.value) >= 0 && compareValues(property, actual!, filter.highValue) <= 0;
      case "CONTAINS_TOKEN":
      case "NOT_CONTAINS_TOKEN": {
        const hit = has && containsToken(actual!, text(filter.value));
        return filter.operator === "CONTAINS_TOKEN" ? hit : !hit;
      }
      default:
        return false;
    }
  }

  // ---- properties API -------------------------------------------------------------------------

  createProperty(type: ObjectType, body: Record<string, unknown>): SimProperty {
    const name = body.name;
    if (typeof name !== "string" || !NAME_PATTERN.test(name)) throw validationError(`Property name '${String(name)}' is not valid: use lowercase letters, digits and underscores, starting with a letter`, "INVALID_PROPERTY_NAME");
    if (typeof body.label !== "string" || !body.label) throw validationError("label is required", "MISSING_REQUIRED_FIELD");
    const propertyType = String(body.type) as SimProperty["type"];
    const fieldType = String(body.fieldType);
    if (!FIELD_TYPES[propertyType]) throw validationError(`type '${propertyType}' is not a valid property type`, "INVALID_PROPERTY_TYPE");
    if (!FIELD_TYPES[propertyType]!.includes(fieldType)) throw validationError(`fieldType '${fieldType}' is not valid for a property of type '${propertyType}'`, "INVALID_FIELD_TYPE");
    const groupName = String(body.groupName);
    if (!this.groupCatalog.get(type)!.has(groupName)) throw validationError(`Property group '${groupName}' does not exist`, "INVALID_PROPERTY_GROUP");
    if (this.catalog(type).has(name)) throw alreadyExists(`A property named '${name}' already exists.`);
    const options = propertyType === "bool" && body.options === undefined ? boolOptions() : parseOptions(body.options, propertyType);
    const now = iso(Date.now());
    const property: SimProperty = {
      name,
      label: body.label,
      type: propertyType,
      fieldType,
      groupName,
      description: typeof body.description === "string" ? body.description : "",
      options,
      readOnlyValue: false,
      calculated: false,
      hasUniqueValue: body.hasUniqueValue === true,
      hubspotDefined: false,
      createdAt: now,
      updatedAt: now,
    };
    this.catalog(type).set(name, property);
    return property;
  }

  updateProperty(type: ObjectType, name: string, body: Record<string, unknown>): SimProperty {
    const property = this.catalog(type).get(name);
    if (!property) throw notFound(`Unable to find property with name ${name}`);
    if (property.calculated) throw validationError(`${name} is a calculated property; its definition cannot be changed`, "READ_ONLY_DEFINITION");
    if (body.type !== undefined && body.type !== property.type) throw validationError("The type of an existing property cannot be changed", "INVALID_PROPERTY_TYPE");
    if (body.fieldType !== undefined && !FIELD_TYPES[property.type]!.includes(String(body.fieldType))) throw validationError(`fieldType '${String(body.fieldType)}' is not valid for a property of type '${property.type}'`, "INVALID_FIELD_TYPE");
    if (body.groupName !== undefined && !this.groupCatalog.get(type)!.has(String(body.groupName))) throw validationError(`Property group '${String(body.groupName)}' does not exist`, "INVALID_PROPERTY_GROUP");
    if (typeof body.label === "string" && body.label) property.label = body.label;
    if (typeof body.description === "string") property.description = body.description;
    if (body.fieldType !== undefined) property.fieldType = String(body.fieldType);
    if (body.groupName !== undefined) property.groupName = String(body.groupName);
    if (body.options !== undefined) property.options = parseOptions(body.options, property.type);
    property.updatedAt = iso(Date.now());
    return property;
  }

  createGroup(type: ObjectType, body: Record<string, unknown>): SimPropertyGroup {
    const name = body.name;
    if (typeof name !== "string" || !NAME_PATTERN.test(name)) throw validationError(`Property group name '${String(name)}' is not valid`, "INVALID_GROUP_NAME");
    if (typeof body.label !== "string" || !body.label) throw validationError("label is required", "MISSING_REQUIRED_FIELD");
    const groups = this.groupCatalog.get(type)!;
    if (groups.has(name)) throw alreadyExists(`A property group named '${name}' already exists.`);
    const group = { name, label: body.label, displayOrder: typeof body.displayOrder === "number" ? body.displayOrder : -1, archived: false };
    groups.set(name, group);
    return group;
  }

  // ---- internals ------------------------------------------------------------------------------

  private table(type: ObjectType): Map<string, StoredObject> {
    return this.objects.get(type)!;
  }

  private catalog(type: ObjectType): Map<string, SimProperty> {
    return this.propertyCatalog.get(type)!;
  }

  /** Records a write: the object's current state becomes a snapshot search will see after the lag. */
  private commit(object: StoredObject, now: number): void {
    const stamp = TIMESTAMP_PROPERTIES[object.type].modified;
    object.updatedAt = iso(now);
    object.properties[stamp] = object.updatedAt;
    object.history.push({ at: now, properties: { ...object.properties }, associations: [...object.associations], archived: object.archived, updatedAt: object.updatedAt });
    // Keep the newest snapshot a search can already see, and everything after it.
    const cutoff = now - this.options.searchLagMs;
    let keepFrom = 0;
    for (let i = 0; i < object.history.length; i++) if (object.history[i]!.at <= cutoff) keepFrom = i;
    object.history.splice(0, keepFrom);
  }

  /**
   * HubSpot's write validation, all problems at once: unknown properties (PROPERTY_DOESNT_EXIST),
   * calculated ones (READ_ONLY_VALUE), enumeration values outside the options (INVALID_OPTION), and
   * values of the wrong type. An empty string clears a property. Seeds (data another app or a person
   * wrote) may set read-only values; the calculated phone properties are recomputed anyway.
   */
  private validateWrite(type: ObjectType, raw: unknown, mode: WriteMode): Record<string, string | null> {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw validationError("properties must be an object of property names to values", "INVALID_INPUT");
    const clean: Record<string, string | null> = {};
    const problems: PropertyProblem[] = [];
    for (const [name, rawValue] of Object.entries(raw)) {
      const property = this.catalog(type).get(name);
      if (!property) {
        problems.push({ name, error: "PROPERTY_DOESNT_EXIST", message: `Property "${name}" does not exist` });
        continue;
      }
      if (property.readOnlyValue && mode === "api") {
        problems.push({ name, error: "READ_ONLY_VALUE", message: `"${name}" is a read only property; its value cannot be set.` });
        continue;
      }
      if (rawValue !== null && typeof rawValue === "object") {
        problems.push({ name, error: "INVALID_TYPE", message: `${name} must be a string, number or boolean` });
        continue;
      }
      const value = rawValue === null || rawValue === undefined ? "" : String(rawValue);
      if (value === "") {
        clean[name] = null;
        continue;
      }
      const problem = this.checkValue(type, property, value);
      if (problem) problems.push({ name, ...problem });
      else clean[name] = type === "contacts" && name === "email" ? value.toLowerCase() : value;
    }
    if (problems.length) throw invalidPropertyValues(this.portalId, problems);
    return clean;
  }

  private checkValue(type: ObjectType, property: SimProperty, value: string): { error: string; message: string } | null {
    const { name } = property;
    switch (property.type) {
      case "enumeration": {
        if (name === OWNER_PROPERTY) return /^\d+$/.test(value) ? null : { error: "INVALID_OPTION", message: `${value} is not a valid owner id` };
        if (name === DISPOSITION_PROPERTY) {
          // Call outcomes are the portal's own GUIDs (GET /calling/v1/dispositions), not labels.
          return this.dispositions.some((d) => d.id === value && !d.deleted) ? null : { error: "INVALID_OPTION", message: `${value} was not one of the allowed options: ${this.dispositions.filter((d) => !d.deleted).map((d) => `[${d.id} (${d.label})]`).join(", ")}` };
        }
        if (property.options.length === 0) return null;
        const chosen = property.fieldType === "checkbox" ? value.split(";") : [value];
        const bad = chosen.find((v) => !property.options.some((o) => o.value === v));
        return bad === undefined ? null : { error: "INVALID_OPTION", message: `${bad} was not one of the allowed options: ${property.options.map((o) => `[label: "${o.label}" value: "${o.value}"]`).join(", ")}` };
      }
      case "number":
        return value.trim() !== "" && Number.isFinite(Number(value)) ? null : { error: "INVALID_DECIMAL", message: `${value} is not a valid number for ${name}` };
      case "bool":
        return value === "true" || value === "false" ? null : { error: "INVALID_BOOLEAN", message: `${value} is not a valid boolean for ${name}; use true or false` };
      case "datetime":
        return parseTime(value) !== null ? null : { error: "INVALID_DATE", message: `${value} is not a valid datetime for ${name}: use epoch milliseconds or ISO 8601` };
      case "date": {
        // Date properties hold midnight UTC only.
        const ms = parseTime(value);
        return ms !== null && ms % 86_400_000 === 0 ? null : { error: "INVALID_DATE", message: `${value} is not a valid date for ${name}: dates must be midnight UTC` };
      }
      default:
        if (type === "contacts" && name === "email" && !EMAIL_PATTERN.test(value)) return { error: "INVALID_EMAIL", message: `Email address ${value} is invalid` };
        // HubSpot only plays recordings it can fetch over HTTPS.
        if (name === "hs_call_recording_url" && !/^https:\/\/[^\s/]+/.test(value)) return { error: "INVALID_URL", message: `${name} must be an https URL` };
        return null;
    }
  }

  /** Inline associations of a create: each must name an existing object with the right type id. */
  private resolveAssociations(fromType: ObjectType, raw: unknown): { type: ObjectType; id: string }[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw validationError("associations must be an array", "INVALID_ASSOCIATIONS");
    const links: { type: ObjectType; id: string }[] = [];
    for (const association of raw as { to?: { id?: unknown }; types?: { associationCategory?: unknown; associationTypeId?: unknown }[] }[]) {
      const toId = String(association?.to?.id ?? "");
      const types = association?.types;
      if (!toId || !Array.isArray(types) || types.length === 0) throw validationError("Each association needs to.id and at least one type", "INVALID_ASSOCIATIONS");
      let toType: ObjectType | null = null;
      for (const t of types) {
        const typeId = Number(t?.associationTypeId);
        if (t?.associationCategory !== "HUBSPOT_DEFINED") throw validationError(`Association category ${String(t?.associationCategory)} with type id ${typeId} does not exist in this portal`, "INVALID_ASSOCIATION_TYPE");
        const target: ObjectType | undefined = isEngagement(fromType)
          ? typeId === ENGAGEMENT_TO_CONTACT[fromType]
            ? "contacts"
            : undefined
          : OBJECT_TYPES.filter(isEngagement).find((e) => CONTACT_TO_ENGAGEMENT[e] === typeId);
        if (!target) throw validationError(`${typeId} is not a valid association type id from ${fromType}`, "INVALID_ASSOCIATION_TYPE");
        if (toType && toType !== target) throw validationError("The types of one association point at different object types", "INVALID_ASSOCIATION_TYPE");
        toType = target;
      }
      const target = this.find(toType!, toId);
      if (!target) throw validationError(`Could not create associations: no ${OBJECT_LABELS[toType!]} with id ${toId} exists`, "INVALID_ASSOCIATION", { toObjectId: [toId] });
      links.push({ type: toType!, id: target.id });
    }
    return links;
  }

  /** The live contact that owns an email, as its email or an additional email (case-insensitive). */
  private emailOwner(email: string, exceptId: string | null): string | null {
    const wanted = email.toLowerCase();
    for (const contact of this.table("contacts").values()) {
      if (contact.archived || contact.id === exceptId) continue;
      if (contact.properties.email === wanted || split(contact.properties.hs_additional_emails).includes(wanted)) return contact.id;
    }
    return null;
  }

  private assertEmailFree(email: string | null | undefined, selfId: string | null): void {
    if (!email) return;
    const owner = this.emailOwner(email, selfId);
    if (owner) throw contactExists(owner);
  }
}

/**
 * HubSpot's calculated contact properties. `phone` stays free text as written; the searchable copy is
 * the national number without country code, the calculated one the E.164 form when it parses.
 */
function recomputeContact(properties: Record<string, string | null>, country: CountryCode): void {
  const phone = normalisePhone(properties.phone, country);
  const mobile = normalisePhone(properties.mobilephone, country);
  setOrDelete(properties, "hs_searchable_calculated_phone_number", phone?.national);
  setOrDelete(properties, "hs_calculated_phone_number", phone?.e164);
  setOrDelete(properties, "hs_searchable_calculated_mobile_number", mobile?.national);
  setOrDelete(properties, "hs_calculated_mobile_number", mobile?.e164);
  setOrDelete(properties, "hs_email_domain", properties.email?.split("@")[1]);
}

function normalisePhone(raw: string | null | undefined, country: CountryCode): { national: string; e164: string | null } | null {
  if (!raw) return null;
  const parsed = parsePhoneNumberFromString(raw, country);
  if (parsed?.isPossible()) return { national: String(parsed.nationalNumber), e164: parsed.number };
  const digits = raw.replace(/\D/g, "");
  return digits ? { national: digits, e164: null } : null;
}

function setOrDelete(properties: Record<string, string | null>, name: string, value: string | null | undefined): void {
  if (value) properties[name] = value;
  else delete properties[name];
}

function visibleAt(object: StoredObject, cutoff: number): Snapshot | undefined {
  for (let i = object.history.length - 1; i >= 0; i--) if (object.history[i]!.at <= cutoff) return object.history[i];
  return undefined;
}

const isTextual = (property: SimProperty | undefined) => !property || property.type === "string";

function compareValues(property: SimProperty | undefined, actual: string, wanted: unknown): number {
  if (property?.type === "number") return Number(actual) - Number(wanted);
  if (property?.type === "datetime" || property?.type === "date") return (parseTime(actual) ?? 0) - (parseTime(String(wanted)) ?? 0);
  const a = actual.toLowerCase();
  const b = String(wanted).toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBy(sort: { propertyName: string; descending: boolean }, property: SimProperty | undefined, a: Snapshot, b: Snapshot): number {
  const x = a.properties[sort.propertyName];
  const y = b.properties[sort.propertyName];
  if (!x || !y) return x ? -1 : y ? 1 : 0; // empty values last
  const order = compareValues(property, x, y);
  return sort.descending ? -order : order;
}

/** CONTAINS_TOKEN: the value split into words; `*` is a wildcard (e.g. `*@example.com`). */
function containsToken(actual: string, token: string): boolean {
  const lower = actual.toLowerCase();
  if (token.includes("*")) {
    const pattern = new RegExp(`^${token.split("*").map(escapeRegExp).join(".*")}$`);
    return pattern.test(lower) || lower.split(/\s+/).some((word) => pattern.test(word));
  }
  return lower.split(/[^\p{L}\p{N}]+/u).includes(token) || lower.split(/\s+/).includes(token);
}

function matchesQuery(type: ObjectType, snapshot: Snapshot, query: string): boolean {
  return QUERY_PROPERTIES[type].some((name) => {
    const value = snapshot.properties[name]?.toLowerCase();
    return !!value && (value.startsWith(query) || value.split(/[^\p{L}\p{N}@.]+/u).some((word) => word.startsWith(query)));
  });
}

function parseTime(value: string): number | null {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function parseOptions(raw: unknown, type: SimProperty["type"]): SimOption[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw validationError("options must be an array", "INVALID_OPTIONS");
  if (raw.length && type !== "enumeration" && type !== "bool") throw validationError(`A property of type ${type} cannot have options`, "INVALID_OPTIONS");
  const seen = new Set<string>();
  return raw.map((o: Record<string, unknown>, i) => {
    if (typeof o?.label !== "string" || !o.label || typeof o?.value !== "string" || !o.value) throw validationError("Each option needs a label and a value", "INVALID_OPTIONS");
    if (seen.has(o.value)) throw validationError(`Duplicate option value: ${o.value}`, "DUPLICATE_OPTION");
    seen.add(o.value);
    return { label: o.label, value: o.value, displayOrder: typeof o.displayOrder === "number" ? o.displayOrder : i, hidden: o.hidden === true, ...(typeof o.description === "string" ? { description: o.description } : {}) };
  });
}

function boolOptions(): SimOption[] {
  return [
    { label: "Yes", value: "true", displayOrder: 0, hidden: false },
    { label: "No", value: "false", displayOrder: 1, hidden: false },
  ];
}

function plain(object: StoredObject): SimObject {
  const copy: SimObject = { id: object.id, properties: { ...object.properties }, associations: [...object.associations], createdAt: object.createdAt, updatedAt: object.updatedAt, archived: object.archived };
  if (object.mergedInto) copy.mergedInto = object.mergedInto;
  return copy;
}

function withoutNulls(properties: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).filter((e): e is [string, string] => e[1] !== null));
}

const byId = (a: { id: string }, b: { id: string }) => Number(a.id) - Number(b.id);
const split = (value: string | null | undefined) => (value ? value.split(";").filter(Boolean) : []);
const join = (values: string[]) => [...new Set(values)].join(";") || null;
const stringList = (raw: unknown) => (Array.isArray(raw) ? raw.filter((v): v is string => typeof v === "string") : undefined);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A batch's `inputs`: an array of 1 to 100. */
function batchInputs(body: Record<string, unknown>): unknown[] {
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) throw validationError("inputs is required", "INVALID_INPUT");
  if (inputs.length === 0) throw validationError("inputs must not be empty", "INVALID_INPUT");
  if (inputs.length > MAX_BATCH_INPUTS) throw validationError(`Batch input size ${inputs.length} exceeds the limit of ${MAX_BATCH_INPUTS}`, "TOO_MANY_INPUTS");
  return inputs;
}

/** HubSpot promises no order for batch results. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
