import { signV3 } from "../../server/hubspot/signature.js";
import { TEST_CLIENT_SECRET, TEST_PUBLIC_BASE_URL, type Stack } from "./harness.js";

// A request from the card or the settings page, exactly as hubspot.fetch makes it: HubSpot appends
// portalId/userId/userEmail to the URL and signs METHOD + URL + body + timestamp (v3).

export interface UiUser {
  id: string;
  email: string;
}

export interface UiRequest {
  portal: string;
  user: UiUser;
  method?: string;
  body?: unknown;
  timestamp?: number;
  /** Changes the URL after signing (a forged request). */
  tamper?: (url: string) => string;
  secret?: string;
}

export async function uiFetch(stack: Stack, path: string, options: UiRequest): Promise<{ status: number; body: any }> {
  const method = options.method ?? "GET";
  const url = new URL(path, TEST_PUBLIC_BASE_URL);
  url.searchParams.set("portalId", options.portal);
  url.searchParams.set("userId", options.user.id);
  url.searchParams.set("userEmail", options.user.email);
  const body = options.body === undefined ? "" : JSON.stringify(options.body);
  const timestamp = options.timestamp ?? Date.now();
  const signature = signV3(options.secret ?? TEST_CLIENT_SECRET, method, url.toString(), body, timestamp);
  const sentUrl = options.tamper ? options.tamper(url.toString()) : url.toString();
  const local = sentUrl.replace(TEST_PUBLIC_BASE_URL, stack.url);
  const response = await fetch(local, { method, headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) }, body: body || undefined });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** A super admin of both portals `installTwoPortals` makes. */
export const ADMIN: UiUser = { id: "42", email: "admin@example.com" };
/** A user of the first portal who is not a super admin. */
export const REP: UiUser = { id: "43", email: "rep@example.com" };

/** Two installs of the app: ADMIN is a super admin of both, REP a user of the first who is not. */
export async function installTwoPortals(stack: Stack): Promise<{ portalId: string; otherPortal: string }> {
  const portalId = await stack.install();
  const otherPortal = await stack.install();
  for (const portal of [portalId, otherPortal]) stack.sim.addUser(portal, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
  stack.sim.addUser(portalId, { id: REP.id, email: REP.email, superAdmin: false });
  return { portalId, otherPortal };
}
