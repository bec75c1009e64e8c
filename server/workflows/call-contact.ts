import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import type { HubSpotClient } from "../hubspot/client.js";
import { hubspotCall, HubSpotRequestError } from "../hubspot/call.js";
import { PermanentSyncError, PortalNeedsReauthError, TransientSyncError } from "../hubspot/errors.js";
import { normalisePhone } from "../contacts/phone.js";
import { webhookUrlFor } from "../connections/connections.js";
import type { ActionOutcome } from "./answers.js";
import { CONTACT_PROPERTIES } from "./definition.js";
import { canDial, dialers, type DialVendor } from "./dialers.js";
import { answerExecution, claimExecution, dialSettings, finishExecution, releaseExecution } from "./outbound-calls.js";
import { inputText, type ActionRequest } from "./request.js";

const log = logger("workflows.call-contact");

/** A claim older than this that never got its answer: the process died while the vendor was asked. */
const IN_FLIGHT_GIVE_UP_MS = 2 * 60_000;

export interface CallActionDeps {
  db: Db;
  encryptionKey: string;
  publicBaseUrl: string;
  /** A HubSpot client for the portal (its token refreshed as needed). */
  hubspot(portalId: string): Promise<HubSpotClient>;
  /** Each dialing vendor's API base URL. */
  vendorApis: Record<DialVendor, string>;
  dialTimeoutMs: number;
  now?: () => Date;
}

type Failed = Extract<ActionOutcome, { kind: "failed" }>;
const failed = (code: Failed["code"], message: string): Failed => ({ kind: "failed", code, message });
const later = (retryAfterSeconds: number, reason: string): ActionOutcome => ({ kind: "retry_later", retryAfterSeconds, reason });

/**
 * One execution of "Call this contact with the AI receptionist", from HubSpot's verified request:
 *   1. the connection the workflow names, in the portal the request is signed for;
 *   2. the execution claimed under its callbackId (a retry gets the first answer) and under the
 *      connection's cap on calls at once (over it: 429, HubSpot retries later);
 *   3. the contact's number and context (first name, owner's first name, the reason);
 *   4. the vendor's API starts the call; its post-call webhook later lands on this contact (sync
 *      reads OutboundCall for the contact and the direction).
 */
export async function callContact(deps: CallActionDeps, request: ActionRequest): Promise<ActionOutcome> {
  const portalId = request.origin.portalId;
  const contactId = request.object.objectId;
  const now = deps.now?.() ?? new Date();

  // 1.
  const named = inputText(request, "connection");
  const connection = named ? await deps.db.connection.findFirst({ where: { portalId, OR: isUuid(named) ? [{ id: named }, { label: named }] : [{ label: named }] }, orderBy: { createdAt: "asc" } }) : null;
  if (!connection) return failed("UNKNOWN_CONNECTION", named ? `"${named}" is neither the id nor the label of a connection of this portal` : "the action's connection field is empty");
  if (!canDial(connection.vendor)) return failed("NOT_CONFIGURED", `${connection.vendor} connections cannot place outbound calls (Retell, Vapi and Bland can)`);

  // 2.
  const claim = await claimExecution(deps.db, { callbackId: request.callbackId, portalId, connectionId: connection.id, contactId }, now);
  switch (claim.kind) {
    case "answered":
      return claim.outcome;
    case "in_flight": {
      if (now.getTime() - claim.since.getTime() < IN_FLIGHT_GIVE_UP_MS) return later(30, "this execution is being handled");
      const outcome = failed("OUTCOME_UNKNOWN", "the first attempt stopped while the provider was being asked; check the provider's call log before calling again");
      await answerExecution(deps.db, request.callbackId, outcome);
      return outcome;
    }
    case "not_configured":
      return failed("NOT_CONFIGURED", "set the vendor API key and caller settings with `cli outbound set` (docs/workflows.md)");
    case "at_capacity":
      return later(60, `the connection already has ${claim.active} of its ${claim.max} calls at once`);
    case "claimed":
      break;
    default: {
      const unreachable: never = claim;
      throw new Error(`unhandled claim ${JSON.stringify(unreachable)}`);
    }
  }

  const vendor = connection.vendor;
  let outcome: ActionOutcome;
  try {
    outcome = await dial(deps, request, { id: connection.id, vendor, webhookToken: connection.webhookToken }, dialSettings(claim.settings, deps.encryptionKey));
  } catch (error) {
    await releaseExecution(deps.db, claim.id);
    throw error;
  }
  if (outcome.kind === "retry_later") await releaseExecution(deps.db, claim.id);
  else await finishExecution(deps.db, claim.id, outcome);
  log.info({ portalId, vendor, connectionId: connection.id, outcome: outcome.kind, ...(outcome.kind === "failed" ? { code: outcome.code } : {}) }, "workflow call action");
  return outcome;
}

async function dial(deps: CallActionDeps, request: ActionRequest, connection: { id: string; vendor: DialVendor; webhookToken: string }, settings: ReturnType<typeof dialSettings>): Promise<ActionOutcome> {
  const dialer = dialers[connection.vendor];
  const missing = dialer.missing(settings);
  if (missing) return failed("NOT_CONFIGURED", `the ${connection.vendor} connection lacks ${missing}`);

  // 3.
  const contact = await contactContext(deps, request);
  if (contact.kind !== "found") return contact.outcome;
  const raw = contact.properties.phone || contact.properties.mobilephone;
  if (!raw) return failed("NO_PHONE", "the contact has no phone or mobile phone number");
  const portal = await deps.db.portal.findUnique({ where: { id: request.origin.portalId }, select: { defaultRegion: true } });
  const phone = normalisePhone(raw, portal?.defaultRegion ?? "US");
  if (!phone) return failed("INVALID_PHONE", `"${maskNumber(raw)}" is not a phone number that can be dialled`);

  // 4.
  const result = await dialer.dial({
    settings,
    baseUrl: deps.vendorApis[connection.vendor],
    toNumber: phone.e164,
    variables: { first_name: contact.properties.firstname ?? "", owner_first_name: contact.ownerFirstName ?? "", reason: inputText(request, "reason") },
    metadata: { hubspot_portal_id: request.origin.portalId, hubspot_callback_id: request.callbackId },
    webhookUrl: webhookUrlFor(deps.publicBaseUrl, connection.webhookToken),
    timeoutMs: deps.dialTimeoutMs,
  });
  switch (result.kind) {
    case "started":
      return { kind: "started", vendor: connection.vendor, vendorCallId: result.vendorCallId };
    case "refused":
      return failed("VENDOR_REFUSED", `${connection.vendor} answered ${result.status}: ${result.reason}`);
    case "unavailable":
      return later(result.retryAfterSeconds ?? 60, `${connection.vendor} could not take the call now (${result.reason})`);
    default: {
      const unreachable: never = result;
      throw new Error(`unhandled dial result ${JSON.stringify(unreachable)}`);
    }
  }
}

type ContactContext =
  | { kind: "found"; properties: Partial<Record<(typeof CONTACT_PROPERTIES)[number], string | null>>; ownerFirstName: string | null }
  | { kind: "stop"; outcome: ActionOutcome };

/** The contact's properties as HubSpot sent them (objectRequestOptions), or read when it did not. */
async function contactContext(deps: CallActionDeps, request: ActionRequest): Promise<ContactContext> {
  const portalId = request.origin.portalId;
  try {
    let client: HubSpotClient | null = null;
    const hubspot = async () => (client ??= await deps.hubspot(portalId));
    let properties = request.object.properties;
    if (!properties || !CONTACT_PROPERTIES.some((name) => name in properties!)) {
      const contact = await hubspotCall(async () => (await hubspot()).crm.contacts.basicApi.getById(request.object.objectId, [...CONTACT_PROPERTIES]));
      properties = contact.properties;
    }
    // The owner's first name is context for the AI, not worth failing or delaying the call over.
    let ownerFirstName: string | null = null;
    const ownerId = properties.hubspot_owner_id;
    if (ownerId && /^\d+$/.test(ownerId)) {
      ownerFirstName = await hubspotCall(async () => (await hubspot()).crm.owners.ownersApi.getById(Number(ownerId))).then(
        (owner) => owner.firstName ?? null,
        () => null,
      );
    }
    return { kind: "found", properties, ownerFirstName };
  } catch (error) {
    if (error instanceof HubSpotRequestError && error.failure.kind === "not_found") return { kind: "stop", outcome: failed("CONTACT_NOT_FOUND", `contact ${request.object.objectId} does not exist`) };
    if (error instanceof TransientSyncError) return { kind: "stop", outcome: later(60, `HubSpot did not answer: ${error.message}`) };
    if (error instanceof PortalNeedsReauthError || error instanceof PermanentSyncError || error instanceof HubSpotRequestError) return { kind: "stop", outcome: failed("NOT_CONFIGURED", `the contact could not be read: ${error.message}`) };
    throw error;
  }
}

const isUuid = (text: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);

/** What the workflow history may show of a number: enough to recognise it, not the whole of it. */
function maskNumber(raw: string): string {
  const text = raw.trim().slice(0, 40);
  return text.length <= 4 ? text : `${"•".repeat(Math.max(0, text.length - 4))}${text.slice(-4)}`;
}
