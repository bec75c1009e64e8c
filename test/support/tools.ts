import { getVendor } from "../../server/vendors/registry.js";
import type { Connection, Stack } from "./harness.js";

/**
 * One live tool call as Retell sends it (a custom function, signed over the body) to the connection's
 * toolsUrl, from a caller number (null: withheld). The booking tests of every calendar share it.
 */
export async function retellToolCall(stack: Pick<Stack, "url">, retell: Pick<Connection, "secret" | "token">, name: string, args: Record<string, unknown>, callId: string, from: string | null): Promise<{ status: number; body: Record<string, any> }> {
  const body = Buffer.from(JSON.stringify({ name, call: { call_id: callId, from_number: from, direction: "inbound" }, args }));
  const headers = await getVendor("retell").sign(body, retell.secret, Date.now());
  const response = await fetch(`${stack.url}/tools/${retell.token}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
