import { parseArgs } from "node:util";
import { loadDotEnv, parseEnv } from "../config/env.js";
import { createRuntime, type Runtime } from "../runtime.js";
import { createConnection, listConnections, rotateSecret } from "../connections/connections.js";
import { listFallback, replayFallback } from "../fallback/fallback.js";
import { BookingSetupError } from "../booking/setup.js";
import { bookingConnect, bookingList, bookingSetup, bookingWebhookKey } from "./booking.js";
import { resealLegacySecrets, secretFrom } from "./secrets.js";
import { recordAudit } from "../audit/audit.js";
import { outboundSet, workflowsRegister, WorkflowsCliError } from "./workflows.js";
import { recordingSettings } from "./calling.js";

// The operator CLI: `npm run --silent cli -- <command>`. Prints JSON on stdout; errors go to stderr as
// {"error"} with exit code 1 (2 for usage errors). Commands that change a portal's settings write its
// audit log as the CLI (the settings page shows them).

type Command = (rt: Runtime, args: string[]) => Promise<unknown>;

export class UsageError extends Error {}

const USAGE = `usage:
  connections add --portal <id> --vendor <retell|vapi|bland|synthflow|generic> (--secret-file <path> | --secret-stdin) [--label <text>]
  connections rotate --portal <id> --id <connection id> (--secret-file <path> | --secret-stdin)
  connections list [--portal <id>]
  secrets reseal
  fallback list [--portal <id>] [--all]
  fallback replay (--id <id> | --all) [--portal <id>]
  booking setup --portal <id> --file <json>
  booking list --portal <id>
  booking connect --portal <id> --staff <email>
  booking webhook-key --portal <id> --staff <email> (--secret-file <path> | --secret-stdin)
  workflows register
  outbound set --portal <id> --id <connection id> [--secret-file <path> | --secret-stdin] [--from-number <e164>] [--agent <id>] [--phone-number-id <id>] [--task <text>] [--max-concurrent <n>]
  hubspot recording-settings`;

function options(args: string[], spec: Record<string, { type: "string" | "boolean" }>) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const SECRET_OPTIONS = { secret: { type: "string" }, "secret-file": { type: "string" }, "secret-stdin": { type: "boolean" } } as const;

async function secretOption(o: Record<string, string | boolean | undefined>): Promise<string | undefined> {
  try {
    return await secretFrom(o);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const commands: Record<string, Command> = {
  "connections add": async (rt, args) => {
    const o = options(args, { portal: { type: "string" }, vendor: { type: "string" }, ...SECRET_OPTIONS, label: { type: "string" } });
    const secret = await secretOption(o);
    if (!o.portal || !o.vendor || !secret) throw new UsageError("connections add needs --portal, --vendor and the secret (--secret-file <path> or --secret-stdin)");
    const view = await createConnection(rt.db, { portalId: String(o.portal), vendor: String(o.vendor), secret, label: o.label as string | undefined, encryptionKey: rt.env.ENCRYPTION_KEY, publicBaseUrl: rt.env.PUBLIC_BASE_URL });
    await recordAudit(rt.db, view.portalId, { source: "cli" }, { action: "connection.created", target: view.id, details: { vendor: view.vendor, label: (o.label as string | undefined) ?? null } });
    return { id: view.id, webhookUrl: view.webhookUrl, toolsUrl: view.toolsUrl };
  },
  "connections rotate": async (rt, args) => {
    const o = options(args, { portal: { type: "string" }, id: { type: "string" }, ...SECRET_OPTIONS });
    const secret = await secretOption(o);
    if (!o.portal || !o.id || !secret) throw new UsageError("connections rotate needs --portal, --id and the new secret (--secret-file <path> or --secret-stdin)");
    await rotateSecret(rt.db, { portalId: String(o.portal), connectionId: String(o.id), secret, encryptionKey: rt.env.ENCRYPTION_KEY });
    const { vendor } = await rt.db.connection.findUniqueOrThrow({ where: { id: String(o.id) }, select: { vendor: true } });
    await recordAudit(rt.db, String(o.portal), { source: "cli" }, { action: "connection.secret_rotated", target: String(o.id), details: { vendor } });
    return { rotated: true };
  },
  "secrets reseal": async (rt, args) => {
    options(args, {});
    return { resealed: await resealLegacySecrets(rt.db, rt.env.ENCRYPTION_KEY) };
  },
  "connections list": async (rt, args) => {
    const o = options(args, { portal: { type: "string" } });
    return listConnections(rt.db, rt.env.PUBLIC_BASE_URL, o.portal as string | undefined);
  },
  "fallback list": async (rt, args) => {
    const o = options(args, { portal: { type: "string" }, all: { type: "boolean" } });
    return listFallback(rt.db, { portalId: o.portal as string | undefined, includeResolved: Boolean(o.all) });
  },
  "fallback replay": async (rt, args) => {
    const o = options(args, { id: { type: "string" }, all: { type: "boolean" }, portal: { type: "string" } });
    if (!o.id === !o.all) throw new UsageError("fallback replay needs exactly one of --id <id> or --all");
    const result = await replayFallback(rt.db, rt.queue, rt.env.SYNC_MAX_ATTEMPTS, o.id ? { id: String(o.id) } : { all: true, portalId: o.portal as string | undefined });
    // --all may span portals: one entry per portal that had calls replayed.
    const replayed = await rt.db.fallbackEntry.findMany({ where: { id: { in: result.replayed } }, select: { portalId: true } });
    const perPortal = new Map<string, number>();
    for (const { portalId } of replayed) perPortal.set(portalId, (perPortal.get(portalId) ?? 0) + 1);
    for (const [portalId, count] of perPortal) await recordAudit(rt.db, portalId, { source: "cli" }, { action: "fallback.replayed", target: o.id ? String(o.id) : null, details: { replayed: count } });
    return result;
  },
  "booking setup": bookingSetup,
  "booking list": bookingList,
  "booking connect": bookingConnect,
  "booking webhook-key": async (rt, args) => {
    const o = options(args, { portal: { type: "string" }, staff: { type: "string" }, ...SECRET_OPTIONS });
    const rest = [...(o.portal ? ["--portal", String(o.portal)] : []), ...(o.staff ? ["--staff", String(o.staff)] : [])];
    return bookingWebhookKey(rt, rest, await secretOption(o));
  },
  "workflows register": async (rt, args) => {
    options(args, {});
    return workflowsRegister(rt);
  },
  "outbound set": async (rt, args) => {
    const o = options(args, { portal: { type: "string" }, id: { type: "string" }, ...SECRET_OPTIONS, "from-number": { type: "string" }, agent: { type: "string" }, "phone-number-id": { type: "string" }, task: { type: "string" }, "max-concurrent": { type: "string" } });
    if (!o.portal || !o.id) throw new UsageError("outbound set needs --portal and --id (and the vendor API key as --secret-file <path> or --secret-stdin the first time)");
    const text = (name: string) => (o[name] === undefined ? undefined : String(o[name]));
    return outboundSet(rt, { portalId: String(o.portal), connectionId: String(o.id), apiKey: await secretOption(o), fromNumber: text("from-number"), agentId: text("agent"), phoneNumberId: text("phone-number-id"), task: text("task"), maxConcurrent: text("max-concurrent") });
  },
  "hubspot recording-settings": async (rt, args) => {
    options(args, {});
    return recordingSettings(rt);
  },
};

export async function runCli(argv: string[], rt: Runtime): Promise<unknown> {
  const name = argv.slice(0, 2).join(" ");
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"\n${USAGE}`);
  return command(rt, argv.slice(2));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let rt: Runtime | undefined;
  let code = 0;
  try {
    loadDotEnv();
    rt = createRuntime(parseEnv(), { dbPoolSize: 2 });
    console.log(JSON.stringify(await runCli(process.argv.slice(2), rt), null, 2));
  } catch (error) {
    code = error instanceof UsageError || error instanceof BookingSetupError || error instanceof WorkflowsCliError ? 2 : 1;
    const message = (error as Error).message;
    console.error(JSON.stringify({ error: message }));
  } finally {
    await rt?.close();
  }
  process.exit(code);
}
