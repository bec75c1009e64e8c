// Synthflow's recordings endpoint (docs.synthflow.ai/api-reference/platform-api/recordings/get-call-recording):
// GET /v2/calls/{call_id}/recording with the workspace's API key answers 302 with a freshly signed
// link, valid 24 hours. From 2027-01-10 the post-call webhook's own link expires after 24 hours too, so
// a copy that could not be made in time is made through this endpoint.

/** The request for a call's recording; the guarded fetch follows the redirect without the key. */
export function synthflowRecordingRequest(apiBaseUrl: string, apiKey: string, vendorCallId: string): { url: string; headers: Record<string, string> } {
  return { url: `${apiBaseUrl.replace(/\/+$/, "")}/calls/${encodeURIComponent(vendorCallId)}/recording`, headers: { authorization: `Bearer ${apiKey}` } };
}
