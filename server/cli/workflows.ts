import type { Runtime } from "../runtime.js";
import { recordAudit } from "../audit/audit.js";
import { registerCallAction } from "../workflows/register.js";
import { saveOutboundSettings } from "../workflows/outbound-calls.js";
import { canDial, dialers } from "../workflows/dialers.js";

// The workflow action's operator commands: `workflows register` (app-level, the developer key) and
// `outbound set` (a connection's vendor API key and caller settings, per portal).

export class WorkflowsCliError extends Error {}

export async function workflowsRegister(rt: Runtime): Promise<unknown> {
  const key = rt.env.HUBSPOT_DEVELOPER_API_KEY;
  if (!key) throw new WorkflowsCliError("HUBSPOT_DEVELOPER_API_KEY is not set: the automation actions API takes the developer account's API key (docs/runbook.md)");
  return registerCallAction(rt.clients.developer(key), Number(rt.env.HUBSPOT_APP_ID), rt.env.PUBLIC_BASE_URL);
}

export interface OutboundSetOptions {
  portalId: string;
  connectionId: string;
  apiKey?: string;
  fromNumber?: string;
  agentId?: string;
  phoneNumberId?: string;
  task?: string;
  maxConcurrent?: string;
}

export async function outboundSet(rt: Runtime, o: OutboundSetOptions): Promise<unknown> {
  const connection = await rt.db.connection.findFirst({ where: { id: o.connectionId, portalId: o.portalId } });
  if (!connection) throw new WorkflowsCliError(`no connection ${o.connectionId} in portal ${o.portalId}`);
  if (!canDial(connection.vendor)) throw new WorkflowsCliError(`${connection.vendor} connections cannot place outbound calls: use a Retell, Vapi or Bland connection`);
  const maxConcurrent = o.maxConcurrent === undefined ? undefined : Number(o.maxConcurrent);
  if (maxConcurrent !== undefined && (!Number.isInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > 100)) throw new WorkflowsCliError("--max-concurrent must be a whole number from 1 to 100");
  try {
    await saveOutboundSettings(rt.db, rt.env.ENCRYPTION_KEY, { connectionId: connection.id, apiKey: o.apiKey, fromNumber: o.fromNumber, agentId: o.agentId, phoneNumberId: o.phoneNumberId, task: o.task, maxConcurrent });
  } catch (error) {
    throw new WorkflowsCliError((error as Error).message);
  }
  const saved = await rt.db.outboundSettings.findUniqueOrThrow({ where: { connectionId: connection.id } });
  const missing = dialers[connection.vendor].missing({ apiKey: "", fromNumber: saved.fromNumber, agentId: saved.agentId, phoneNumberId: saved.phoneNumberId, task: saved.task });
  await recordAudit(rt.db, o.portalId, { source: "cli" }, { action: "connection.outbound_set", target: connection.id, details: { vendor: connection.vendor, apiKeyChanged: Boolean(o.apiKey) } });
  return { connectionId: connection.id, vendor: connection.vendor, ready: missing === null, ...(missing ? { missing } : {}), maxConcurrent: saved.maxConcurrent };
}
