import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Alert, Link, Text, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { StatusResponse } from "../../hubspot-app/app/shared/api.js";
import { Permissions } from "../../hubspot-app/app/settings/Permissions.js";

// The notice above the settings tabs: what an admin gains by re-authorising with the optional
// permissions the install lacks; nothing when it has them all.

const status = (missingPermissions: StatusResponse["missingPermissions"]): StatusResponse => ({ installed: true, needsReconnect: false, reason: null, reconnectUrl: "https://api.ai-receptionist.example.com/oauth/install", missingPermissions });
const json = (body: StatusResponse) => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });

afterEach(() => vi.restoreAllMocks());

describe("optional permissions notice", () => {
  it("says what re-authorising adds, with the link to do it", async () => {
    const gain = "Each call's transcript shows in HubSpot's own transcript viewer on the call.";
    const fetch = vi.spyOn(hubspot, "fetch").mockImplementationOnce(() => Promise.resolve(json(status([{ scopes: ["crm.extensions_calling_transcripts.read", "crm.extensions_calling_transcripts.write"], gain }]))));
    const { render, find, findByTestId, waitFor } = createRenderer("settings");
    render(<Permissions />);
    await waitFor(() => expect(find(Alert)).toBeTruthy());
    expect(fetch.mock.calls[0]![0]).toBe("https://api.ai-receptionist.example.com/ui/v1/status");
    expect(findByTestId(Text, "gain-crm.extensions_calling_transcripts.read+crm.extensions_calling_transcripts.write").text).toContain(gain);
    expect(find(Link).props.href).toBe("https://api.ai-receptionist.example.com/oauth/install");
  });

  it("shows nothing when every optional permission is granted", async () => {
    const fetch = vi.spyOn(hubspot, "fetch").mockImplementationOnce(() => Promise.resolve(json(status([]))));
    const { render, findAll } = createRenderer("settings");
    render(<Permissions />);
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(findAll(Alert)).toHaveLength(0);
  });
});
