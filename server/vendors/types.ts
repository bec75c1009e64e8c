import type { LiveToolFormat } from "./tool-calls.js";
import type { InboundFormat, InboundRequest } from "./inbound.js";
import type { CallRecordInput, VendorId } from "../calls/record.js";

/** The parts of an HTTP request a vendor signs. Header names are lower-case. */
export interface SignedRequest {
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
  /** Milliseconds since the epoch; injectable so replay windows can be tested. */
  now: number;
}

/**
 * A signature check. `unverifiable`: the request carries nothing the vendor's signature covers (a
 * Synthflow inbound-call webhook without a call id), which is not a wrong secret.
 */
export type VerifyResult = { ok: true } | { ok: false; reason: string; unverifiable?: true };

/** What one delivery means: a call event to store, an inbound call to answer, or something to acknowledge and ignore. */
export type ParseResult =
  | { kind: "call"; record: CallRecordInput } // validated by ingest with callRecordSchema
  | { kind: "inbound"; request: InboundRequest } // a call about to start: answered with the caller's context, never stored
  | { kind: "ignored"; reason: string } // e.g. transcript_updated, status-update: nothing to sync
  | { kind: "invalid"; reason: string }; // signed but not a payload we can read: quarantined

export interface VendorAdapter {
  id: VendorId;
  /** Human name for the settings page. */
  label: string;
  /** What the connection secret is for this vendor, shown when adding a connection. */
  secretHelp: string;
  /**
   * What the vendor's signature protects. "call_id": only the call id (Synthflow), so a captured
   * signature authenticates any body for that call: the first accepted body of a call stands and
   * live tools are off.
   */
  signatureCovers: "body" | "call_id";
  /** Why a connection secret cannot be this vendor's, or null when it can (its format, beyond the 8-character minimum). */
  secretProblem?(secret: string): string | null;
  /** Verify (async: Retell's SDK helper is) the vendor's own signature scheme over the raw bytes, in constant time, with its replay window. */
  verify(request: SignedRequest, secret: string): Promise<VerifyResult>;
  /** Parse the vendor's native JSON into the canonical record (validated with callRecordSchema). */
  parse(body: unknown): ParseResult;
  /**
   * The live tool calls' request and answer format (server/booking/tools.ts serves them); null where
   * the vendor's tool calls cannot be trusted (a signature that does not cover the body).
   */
  tools: LiveToolFormat | null;
  /** The answer to the vendor's inbound-call request (server/vendors/inbound.ts); null where the vendor sends none. */
  inbound: InboundFormat | null;
  /** Produce headers that `verify` accepts: used by tests, the demo and the benchmark. */
  sign(rawBody: Buffer, secret: string, now: number): Promise<Record<string, string>>;
}
