// The inbound-call request some vendors send before the AI answers (Retell's `call_inbound`, Vapi's
// `assistant-request`, Synthflow's `call_inbound`), read into one shape, and the answer written back in
// the vendor's shape. They arrive on the connection's webhook URL, signed like every delivery; the
// vendor's parse() recognises them (ParseResult "inbound") and they are answered, never stored as calls
// (server/context/ decides what the variables say).

export interface InboundRequest {
  /** The caller's number as the vendor reports it (not yet normalised); null when withheld. */
  phone: string | null;
  /** The vendor's id of the call when the request carries one (Vapi, Synthflow), else null (Retell has no call yet). */
  vendorCallId: string | null;
}

/** Flat string variables: the vendors substitute them into the agent's prompt ({{caller_first_name}}). */
export type PromptVariables = Record<string, string>;

export interface InboundAnswerOptions {
  /** The assistant a Vapi connection is configured to start (Vapi's answer must name one), or null. */
  assistantId: string | null;
}

export interface InboundFormat {
  /** The vendor's answer to its inbound-call request, carrying the variables. */
  reply(variables: PromptVariables, options: InboundAnswerOptions): unknown;
}
