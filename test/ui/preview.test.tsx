import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Alert, Button, Select, StatusTag, TableRow, Text, TextArea, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { ApiError, CallPreview, CallPreviewRequest } from "../../hubspot-app/app/shared/api.js";
import { PreviewCall } from "../../hubspot-app/app/settings/PreviewTab.js";

// The "Preview a call" tab, rendered with HubSpot's test renderer; fixtures typed by the /ui/v1 API module.
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const PREVIEW: CallPreview = {
  vendor: "vapi",
  caller: { phone: "+14155550801", email: null, name: "Dana Quill", zip: null },
  match: { kind: "existing", contactId: "501", name: "Dana Quill", by: "phone", how: "a contact in HubSpot has this phone number (2 contacts share it: the portal's rule on the Routing tab picks one)", candidates: 2 },
  contactChanges: [
    { field: "firstName", property: "firstname", policy: "fill_if_empty", before: "Dana", after: null, outcome: "kept" },
    { field: "intent", property: "aira_intent", policy: "overwrite", before: null, after: "quote", outcome: "written" },
  ],
  call: [{ property: "hs_call_direction", value: "INBOUND" }, { property: "hs_call_title", value: "AI receptionist call" }],
  escalation: null,
};

function backendFixture(answer: (body: CallPreviewRequest) => Response) {
  const sent: CallPreviewRequest[] = [];
  vi.spyOn(hubspot, "fetch").mockImplementation(async (url, options) => {
    const path = new URL(String(url)).pathname;
    if (path !== "/ui/v1/preview" || options?.method !== "POST") throw new Error(`unexpected ${options?.method} ${path}`);
    sent.push(options.body as unknown as CallPreviewRequest);
    return answer(options.body as unknown as CallPreviewRequest);
  });
  return sent;
}

afterEach(() => vi.restoreAllMocks());

describe("preview a call tab", () => {
  it("sends the pasted payload with its vendor and shows the match, each property's outcome and the Call", async () => {
    const sent = backendFixture(() => json(200, PREVIEW));
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<PreviewCall />);
    find(Select, { name: "preview-vendor" }).trigger("onChange", "vapi" as never);
    find(TextArea, { name: "preview-payload" }).trigger("onChange", '{"message":{"type":"end-of-call-report"}}' as never);
    find(Button, (b) => b.text === "Preview").trigger("onClick");
    await waitFor(() => expect(findAll(TableRow).length).toBe(5));
    expect(sent).toEqual([{ vendor: "vapi", payload: { message: { type: "end-of-call-report" } } }]);
    const tags = findAll(StatusTag).map((t) => [t.props.variant, t.text]);
    expect(tags).toEqual([["warning", "Dana Quill (501)"], ["info", "Kept (HubSpot has a value)"], ["success", "Would be written"]]);
    expect(findAll(Text).map((t) => t.text)).toContain(PREVIEW.match.how);
  });

  it("says the payload is not JSON without asking the server", async () => {
    const sent = backendFixture(() => json(200, PREVIEW));
    const { render, find, waitFor } = createRenderer("settings");
    render(<PreviewCall />);
    find(TextArea, { name: "preview-payload" }).trigger("onChange", "{not json" as never);
    find(Button, (b) => b.text === "Preview").trigger("onClick");
    await waitFor(() => expect(find(Alert).text).toMatch(/^The payload is not JSON/));
    expect(sent).toEqual([]);
  });

  it("shows the server's reason for a payload it cannot read", async () => {
    backendFixture(() => json(422, { error: "not a retell payload we can read: call.call_id: Required" } satisfies ApiError));
    const { render, find, waitFor } = createRenderer("settings");
    render(<PreviewCall />);
    find(TextArea, { name: "preview-payload" }).trigger("onChange", "{}" as never);
    find(Button, (b) => b.text === "Preview").trigger("onClick");
    await waitFor(() => expect(find(Alert).text).toBe("not a retell payload we can read: call.call_id: Required"));
  });
});
