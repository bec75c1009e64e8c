import { afterEach, describe, expect, it, vi } from "vitest";
import React from "react";
import { Accordion, Button, Heading, Link, StatusTag, Text, hubspot } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import type { ApiError, OnboardingResponse, OnboardingStep } from "../../hubspot-app/app/shared/api.js";
import { Onboarding } from "../../hubspot-app/app/settings/Onboarding.js";

// The checklist at the top of the settings page, against fixtures typed by the /ui/v1 API module.

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const answer = (response: () => Response) => vi.spyOn(hubspot, "fetch").mockImplementation(async (url) => {
  if (new URL(String(url)).pathname !== "/ui/v1/onboarding") throw new Error(`unexpected ${String(url)}`);
  return response();
});
afterEach(() => vi.restoreAllMocks());

const WEBHOOK_URL = "https://api.example/webhooks/abc";
const step = (fields: Pick<OnboardingStep, "id" | "done" | "detail" | "tab"> & Partial<OnboardingStep>): OnboardingStep => ({ copyUrl: null, link: null, ...fields });
const JUST_CONNECTED: OnboardingResponse = {
  allDone: false,
  steps: [
    step({ id: "connect", done: true, detail: "Retell AI connected", tab: "connections" }),
    step({ id: "urls", done: false, detail: "No delivery yet: paste the webhook URL into your AI receptionist's settings", tab: "connections", copyUrl: WEBHOOK_URL }),
    step({ id: "first_call", done: false, detail: "No call in HubSpot yet: call your AI receptionist once", tab: "calls" }),
    step({ id: "booking", done: false, detail: "No service type or calendar yet", tab: "booking" }),
  ],
};

describe("onboarding checklist", () => {
  it("shows each step's state from the server, with the next action of each open step", async () => {
    answer(() => json(200, JUST_CONNECTED));
    const onGo = vi.fn();
    const { render, find, findAll, findByTestId, waitFor, mocks } = createRenderer("settings");
    render(<Onboarding onGo={onGo} />);
    await waitFor(() => expect(find(Heading).text).toBe("Get started (1 of 4 done)"));
    expect(findAll(StatusTag).map((t) => t.text)).toEqual(["Done", "To do", "To do", "To do"]);
    expect(findAll(Text).map((t) => t.text)).toEqual(expect.arrayContaining(["Connect your AI receptionist", "Retell AI connected", "No delivery yet: paste the webhook URL into your AI receptionist's settings"]));
    // A done step offers nothing more; open ones lead to their tab.
    expect(findAll(Button, (b) => String(b.props.testId).startsWith("go-")).map((b) => b.props.testId)).toEqual(["go-urls", "go-first_call", "go-booking"]);
    findByTestId(Button, "go-booking").trigger("onClick");
    expect(onGo).toHaveBeenCalledWith("booking");
    findByTestId(Button, "copy-urls").trigger("onClick");
    await vi.waitFor(() => expect(mocks.actions.copyTextToClipboard.calls[0]![0]).toBe(WEBHOOK_URL));
  });

  it("links the latest call in HubSpot once one arrived", async () => {
    const link = "https://app.hubspot.com/contacts/123/record/0-48/9001";
    answer(() =>
      json(200, {
        allDone: false,
        steps: [
          step({ id: "connect", done: true, detail: "Retell AI connected", tab: "connections" }),
          step({ id: "urls", done: true, detail: "Last delivery 2 min ago", tab: "connections" }),
          step({ id: "first_call", done: true, detail: "Latest call in HubSpot 2 min ago", tab: "calls", link }),
          step({ id: "booking", done: false, detail: "Add a staff member with a calendar", tab: "booking" }),
        ],
      } satisfies OnboardingResponse),
    );
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<Onboarding onGo={() => undefined} />);
    await waitFor(() => expect(find(Heading).text).toBe("Get started (3 of 4 done)"));
    expect(findAll(Text).map((t) => t.text)).toEqual(expect.arrayContaining(["Last delivery 2 min ago", "Latest call in HubSpot 2 min ago"]));
    expect((find(Link).props.href as { url: string }).url).toBe(link);
    expect(findAll(Button, (b) => String(b.props.testId).startsWith("copy-"))).toEqual([]);
  });

  it("folds into one closed line once every step is done", async () => {
    answer(() => json(200, { allDone: true, steps: JUST_CONNECTED.steps.map((s) => ({ ...s, done: true, copyUrl: null })) } satisfies OnboardingResponse));
    const { render, find, findAll, waitFor } = createRenderer("settings");
    render(<Onboarding onGo={() => undefined} />);
    await waitFor(() => expect(findAll(Accordion)).toHaveLength(1));
    expect(find(Accordion).props).toMatchObject({ title: "Set-up complete: every step is done", defaultOpen: false });
    expect(findAll(Heading)).toEqual([]);
    expect(findAll(Button, (b) => String(b.props.testId).startsWith("go-"))).toEqual([]);
  });
});
