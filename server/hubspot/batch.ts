import { randomUUID } from "node:crypto";
import type { BatchGate, HubSpotClient } from "./client.js";
import { hubspotCall, HubSpotRequestError, syncErrorOf } from "./call.js";
import { classifyHubSpotError, PermanentSyncError, TransientSyncError } from "./errors.js";

// HubSpot's floor: the sync's requests gathered per portal into micro-batches (shared/reference/
// hubspot.md: batch read / create / update take 100 inputs and may answer 207 multi-status; search takes
// 5 filter groups, 25 filters, and `IN` with a list of values). Each caller of `MicroBatcher.add` gets
// its own item's result or its own error, so one bad call never fails the calls it was batched with:
//   - a 207 item error goes to that item alone;
//   - a whole-batch refusal that one input can cause (400 on a value, 409 on a taken e-mail) is split in
//     halves and sent again until the input that causes it is alone, and only that item gets the error;
//   - a failure of the request itself (429, 5xx, network, 401) goes to every item, as it would have
//     without batching: each job retries on its own backoff (or refreshes its token).
// Batches never leave the process: per-caller serialisation and the app-side index stay where they are
// (server/contacts/), and every batch request takes one slot of the portal's shared rate limit.

export const MAX_BATCH_INPUTS = 100;
/** Values per `IN` filter this app sends (HubSpot documents the operator, not a ceiling: kept to a batch). */
export const MAX_IN_VALUES = 100;
const MAX_SEARCH_PAGE = 200;

type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

interface Pending<I, O> {
  input: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export interface BatchTiming {
  /** How long the first item of a batch waits for others. */
  windowMs: number;
  maxSize: number;
}

interface Forming<I, O> {
  items: Pending<I, O>[];
  keys: Set<string>;
  timer: NodeJS.Timeout | null;
  /** Waiting at the gate: still takes items until full. */
  gated: boolean;
}

/**
 * Gathers items for `windowMs` after the first (or until `maxSize`), then runs them as one batch. Items
 * whose `uniqueKey` is already in a forming batch (HubSpot refuses a batch update naming one id twice)
 * go to the next one.
 * With a gate, a batch whose window is over waits for its rate-limit slot and keeps taking items while it
 * waits: when the portal's limit is the bottleneck, batches grow to `maxSize` instead of queueing at the
 * limiter as many small requests (bench/sync.ts counts the requests per call); when it is not, the slot
 * is free at once and nothing waits longer than the window.
 */
export class MicroBatcher<I, O> {
  private forming: Forming<I, O>[] = [];

  constructor(
    private readonly run: (inputs: I[]) => Promise<Settled<O>[]>,
    private readonly timing: BatchTiming,
    private readonly uniqueKey: (input: I) => string | null = () => null,
    private readonly gate: BatchGate | null = null,
  ) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => this.place({ input, resolve, reject }));
  }

  private place(item: Pending<I, O>): void {
    const key = this.uniqueKey(item.input);
    let batch = this.forming.find((b) => b.items.length < this.timing.maxSize && (key === null || !b.keys.has(key)));
    if (!batch) {
      batch = { items: [], keys: new Set(), timer: null, gated: false };
      this.forming.push(batch);
    }
    batch.items.push(item);
    if (key !== null) batch.keys.add(key);
    const open = batch;
    if (open.items.length >= this.timing.maxSize) {
      if (!open.gated) this.close(open);
    } else if (!open.timer && !open.gated) {
      open.timer = setTimeout(() => this.close(open), this.timing.windowMs);
    }
  }

  /** The window is over (or the batch is full): through the gate, then out. */
  private close(batch: Forming<I, O>): void {
    if (batch.timer) clearTimeout(batch.timer);
    batch.timer = null;
    if (!this.gate) return this.send(batch, null);
    batch.gated = true;
    this.gate.take().then(
      () => this.send(batch, null),
      (error: unknown) => this.send(batch, new TransientSyncError(`the portal's rate limit could not be checked: ${(error as Error).message}`)),
    );
  }

  private send(batch: Forming<I, O>, gateError: Error | null): void {
    this.forming = this.forming.filter((b) => b !== batch);
    const items = batch.items;
    if (gateError) return items.forEach((p) => p.reject(gateError));
    const request = () => this.run(items.map((p) => p.input));
    void (this.gate ? this.gate.prepaid(request) : request()).then(
      (settled) => items.forEach((p, i) => {
        const result = settled[i];
        if (!result) p.reject(new TransientSyncError("HubSpot's batch answer had no result for this input"));
        else if (result.ok) p.resolve(result.value);
        else p.reject(result.error);
      }),
      (error: unknown) => items.forEach((p) => p.reject(error)),
    );
  }
}

/** One contact as the sync reads it. */
export type HubSpotContact = { id: string; properties: Record<string, string | null> };

/** Who the sync looks for: the values of one caller, as the search filters compare them. */
export interface CallerCriteria {
  /** National numbers (hs_searchable_calculated_*). */
  nationals: string[];
  /** E.164 numbers, for `phone` written that way. */
  e164s: string[];
  /** Lowercase e-mail addresses. */
  emails: string[];
  nameZip: { firstName: string; lastName: string; zip: string } | null;
}

interface SearchInput {
  criteria: CallerCriteria;
}
interface CreateInput {
  properties: Record<string, string>;
  associations?: unknown[];
}
interface UpdateInput {
  id: string;
  properties: Record<string, string>;
}
interface ReadInput {
  id: string;
}

type ObjectKind = "contacts" | "calls" | "tasks" | "meetings" | "leads";

/** Whether a whole-batch failure could have come from one input (worth splitting the batch). */
function causedByAnInput(error: unknown): boolean {
  if (error instanceof PermanentSyncError) return error.failure?.kind === "invalid";
  return error instanceof HubSpotRequestError && (error.failure.kind === "conflict" || error.failure.kind === "not_found");
}

/** Run `request` on the inputs; a refusal one input can cause is narrowed to that input by halving. */
async function splitOnRefusal<I, O>(inputs: I[], request: (inputs: I[]) => Promise<Settled<O>[]>): Promise<Settled<O>[]> {
  try {
    return await request(inputs);
  } catch (error) {
    if (inputs.length === 1 || !causedByAnInput(error)) throw error;
    const half = Math.ceil(inputs.length / 2);
    const [left, right] = await Promise.all([
      splitOnRefusal(inputs.slice(0, half), request).catch((e: unknown) => inputs.slice(0, half).map(() => ({ ok: false as const, error: e }))),
      splitOnRefusal(inputs.slice(half), request).catch((e: unknown) => inputs.slice(half).map(() => ({ ok: false as const, error: e }))),
    ]);
    return [...left, ...right];
  }
}

/** A 207 item error as the error a single request would have thrown. */
function itemError(error: { category?: string; message?: string }, status: number): Error {
  return syncErrorOf(classifyHubSpotError({ code: status, body: { message: error.message, category: error.category } }));
}

const STATUS_OF_CATEGORY: Record<string, number> = { OBJECT_NOT_FOUND: 404, CONFLICT: 409, VALIDATION_ERROR: 400, RATE_LIMITS: 429 };

type BatchError = { status?: string; category?: string; message?: string; context?: Record<string, unknown> };
type BatchAnswer = { results: { id: string; properties: Record<string, string | null>; objectWriteTraceId?: string }[]; errors?: BatchError[] };

/** The ids or trace ids an item error names (HubSpot puts them in `context`). */
function namedIn(error: BatchError, field: "ids" | "objectWriteTraceId"): string[] {
  const value = error.context?.[field];
  return Array.isArray(value) ? value.map(String) : typeof value === "string" ? [value] : [];
}

/**
 * The sync's batched HubSpot requests for one process: one batcher per portal, token and kind of
 * request. Items of one batcher share a client (same portal and token), so the first item's is used.
 */
export class HubSpotBatches {
  private readonly batchers = new Map<string, MicroBatcher<never, never>>();

  /**
   * `gate` gives the batches of a portal their rate-limit gate (search requests take the search slot
   * too); without one, each request takes its slot in the transport when it leaves.
   */
  constructor(
    private readonly timing: BatchTiming = { windowMs: 150, maxSize: MAX_BATCH_INPUTS },
    private readonly gate: ((portalId: string, kind: "search" | "write") => BatchGate) | null = null,
  ) {}

  private batcher<I, O>(key: string, make: () => MicroBatcher<I, O>): MicroBatcher<I, O> {
    let batcher = this.batchers.get(key) as MicroBatcher<I, O> | undefined;
    if (!batcher) {
      batcher = make();
      this.batchers.set(key, batcher as unknown as MicroBatcher<never, never>);
      // A token lasts 30 minutes: batchers of old tokens go, not to grow without end.
      if (this.batchers.size > 5_000) this.batchers.delete(this.batchers.keys().next().value!);
    }
    return batcher;
  }

  /**
   * The contacts that may be this caller, found with one search for every caller of the batch: `IN`
   * over the calculated phone properties, `phone` and `email`, and name + zip as three `IN` filters
   * (every combination comes back; the caller's own matcher keeps only its exact triple). All pages.
   */
  searchContacts(portalId: string, token: string, client: HubSpotClient, criteria: CallerCriteria, properties: string[]): Promise<HubSpotContact[]> {
    const key = `search:${portalId}:${token}:${properties.join(",")}`;
    return this.batcher<SearchInput, HubSpotContact[]>(key, () => new MicroBatcher((inputs) => searchAll(client, inputs.map((i) => i.criteria), properties), this.timing, undefined, this.gate?.(portalId, "search"))).add({ criteria });
  }

  /**
   * The HubSpot Call that carries our call id in hs_call_external_id, if one exists: after an attempt
   * that died between HubSpot's answer and our write. One search (`IN`) for every retried call of the
   * batch: a worker killed with a hundred jobs in hand would otherwise cost a hundred searches, at
   * HubSpot's few per second.
   */
  findCallByExternalId(portalId: string, token: string, client: HubSpotClient, externalId: string): Promise<string | null> {
    return this.batcher<string, string | null>(`calls-by-external-id:${portalId}:${token}`, () => new MicroBatcher((ids) => searchCallsByExternalId(client, ids), this.timing, undefined, this.gate?.(portalId, "search"))).add(externalId);
  }

  /** Contacts by id; null for an id the batch read does not know (deleted, or merged away). */
  readContact(portalId: string, token: string, client: HubSpotClient, id: string, properties: string[]): Promise<HubSpotContact | null> {
    const key = `read:${portalId}:${token}:${properties.join(",")}`;
    return this.batcher<ReadInput, HubSpotContact | null>(key, () => new MicroBatcher((inputs) => readAll(client, inputs, properties), this.timing, undefined, this.gate?.(portalId, "write"))).add({ id });
  }

  create(kind: ObjectKind, portalId: string, token: string, client: HubSpotClient, input: CreateInput): Promise<string> {
    return this.batcher<CreateInput, string>(`create:${kind}:${portalId}:${token}`, () => new MicroBatcher((inputs) => splitOnRefusal(inputs, (part) => createAll(client, kind, part)), this.timing, undefined, this.gate?.(portalId, "write"))).add(input);
  }

  /** The id HubSpot answers for (a contact merged since keeps answering under its primary's id). */
  update(kind: ObjectKind, portalId: string, token: string, client: HubSpotClient, input: UpdateInput): Promise<string> {
    return this.batcher<UpdateInput, string>(
      `update:${kind}:${portalId}:${token}`,
      () => new MicroBatcher((inputs) => splitOnRefusal(inputs, (part) => updateAll(client, kind, part)), this.timing, (i) => i.id, this.gate?.(portalId, "write")),
    ).add(input);
  }
}

function batchApiOf(client: HubSpotClient, kind: ObjectKind) {
  const api = client.crm.objects.batchApi;
  return {
    create: (inputs: unknown[]) => api.create(kind, { inputs } as never) as unknown as Promise<BatchAnswer>,
    update: (inputs: unknown[]) => api.update(kind, { inputs } as never) as unknown as Promise<BatchAnswer>,
  };
}

async function createAll(client: HubSpotClient, kind: ObjectKind, inputs: CreateInput[]): Promise<Settled<string>[]> {
  // Batch results come in no promised order: each input carries a trace id its result echoes.
  const traced = inputs.map((input) => ({ ...input, associations: input.associations ?? [], objectWriteTraceId: randomUUID() }));
  const answer = await hubspotCall(() => batchApiOf(client, kind).create(traced));
  const byTrace = new Map(answer.results.map((r) => [r.objectWriteTraceId, r.id]));
  const failed = new Map<string, unknown>();
  for (const error of answer.errors ?? []) for (const trace of namedIn(error, "objectWriteTraceId")) failed.set(trace, itemError(error, STATUS_OF_CATEGORY[error.category ?? ""] ?? 400));
  return traced.map((input) => {
    const id = byTrace.get(input.objectWriteTraceId);
    if (id) return { ok: true, value: id };
    return { ok: false, error: failed.get(input.objectWriteTraceId) ?? new TransientSyncError(`HubSpot's batch create of ${kind} answered nothing for this input`) };
  });
}

async function updateAll(client: HubSpotClient, kind: ObjectKind, inputs: UpdateInput[]): Promise<Settled<string>[]> {
  const answer = await hubspotCall(() => batchApiOf(client, kind).update(inputs.map(({ id, properties }) => ({ id, properties }))));
  const updated = new Set(answer.results.map((r) => r.id));
  const missing = new Set((answer.errors ?? []).flatMap((e) => (e.category === "OBJECT_NOT_FOUND" ? namedIn(e, "ids") : [])));
  const other = (answer.errors ?? []).find((e) => e.category !== "OBJECT_NOT_FOUND");
  return inputs.map((input) => {
    if (updated.has(input.id)) return { ok: true, value: input.id };
    if (missing.has(input.id)) return { ok: false, error: itemError({ message: `${kind} ${input.id} not found`, category: "OBJECT_NOT_FOUND" }, 404) };
    return { ok: false, error: other ? itemError(other, STATUS_OF_CATEGORY[other.category ?? ""] ?? 400) : new TransientSyncError(`HubSpot's batch update of ${kind} answered nothing for ${input.id}`) };
  });
}

async function readAll(client: HubSpotClient, inputs: ReadInput[], properties: string[]): Promise<Settled<HubSpotContact | null>[]> {
  const ids = [...new Set(inputs.map((i) => i.id))];
  const answer = (await hubspotCall(() => client.crm.contacts.batchApi.read({ inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [] }))) as unknown as BatchAnswer;
  const byId = new Map(answer.results.map((r) => [r.id, { id: r.id, properties: r.properties }]));
  return inputs.map((input) => ({ ok: true, value: byId.get(input.id) ?? null }));
}

async function searchCallsByExternalId(client: HubSpotClient, externalIds: string[]): Promise<Settled<string | null>[]> {
  const results = await allSearchPages((after) =>
    client.crm.objects.searchApi.doSearch("calls", {
      // IN compares with HubSpot's lowercased index: the values go lowercase (our ids are UUIDs).
      filterGroups: [{ filters: [{ propertyName: "hs_call_external_id", operator: "IN" as never, values: [...new Set(externalIds.map((id) => id.toLowerCase()))] }] }],
      properties: ["hs_call_external_id"],
      sorts: ["hs_createdate"] as never,
      limit: MAX_SEARCH_PAGE,
      after: after as never,
    }),
  );
  const found = new Map<string, string>();
  for (const result of results) {
    const externalId = result.properties.hs_call_external_id?.toLowerCase();
    // The first created stays the call's own (a second could only come from a race we do not have).
    if (externalId && !found.has(externalId)) found.set(externalId, result.id);
  }
  return externalIds.map((id) => ({ ok: true, value: found.get(id.toLowerCase()) ?? null }));
}

/** Every page of one search (HubSpot pages by `paging.next.after`), each page its own request. */
async function allSearchPages<R>(page: (after: string | undefined) => Promise<{ results: R[]; paging?: { next?: { after: string } } }>): Promise<R[]> {
  const results: R[] = [];
  let after: string | undefined;
  do {
    const answer = await hubspotCall(() => page(after));
    results.push(...answer.results);
    after = answer.paging?.next?.after;
  } while (after);
  return results;
}

/** The filter groups of one search for these callers (at most 5 groups, 25 filters). */
export function searchGroups(callers: CallerCriteria[]): { filters: { propertyName: string; operator: "IN"; values: string[] }[] }[] {
  const distinct = (values: string[]) => [...new Set(values)];
  const nationals = distinct(callers.flatMap((c) => c.nationals));
  const e164s = distinct(callers.flatMap((c) => c.e164s));
  const emails = distinct(callers.flatMap((c) => c.emails.map((e) => e.toLowerCase())));
  const nameZips = callers.flatMap((c) => (c.nameZip ? [c.nameZip] : []));
  const inFilter = (propertyName: string, values: string[]) => ({ propertyName, operator: "IN" as const, values });
  const groups = [];
  if (nationals.length) {
    // `phone` is free text: only HubSpot's calculated properties match every formatting.
    groups.push({ filters: [inFilter("hs_searchable_calculated_phone_number", nationals)] });
    groups.push({ filters: [inFilter("hs_searchable_calculated_mobile_number", nationals)] });
  }
  if (e164s.length) groups.push({ filters: [inFilter("phone", e164s)] });
  if (emails.length) groups.push({ filters: [inFilter("email", emails)] });
  if (nameZips.length) {
    // IN compares with HubSpot's lowercased index: the values go lowercase.
    groups.push({
      filters: [
        inFilter("firstname", distinct(nameZips.map((n) => n.firstName.toLowerCase()))),
        inFilter("lastname", distinct(nameZips.map((n) => n.lastName.toLowerCase()))),
        inFilter("zip", distinct(nameZips.map((n) => n.zip.toLowerCase()))),
      ],
    });
  }
  return groups;
}

async function searchAll(client: HubSpotClient, callers: CallerCriteria[], properties: string[]): Promise<Settled<HubSpotContact[]>[]> {
  const groups = searchGroups(callers);
  const results = groups.length
    ? await allSearchPages((after) => client.crm.contacts.searchApi.doSearch({ filterGroups: groups as never, properties, sorts: ["createdate"] as never, limit: MAX_SEARCH_PAGE, after: after as never }))
    : [];
  const found: HubSpotContact[] = results.map((r) => ({ id: r.id, properties: r.properties }));
  return callers.map(() => ({ ok: true, value: found }));
}
