import { writeFileSync } from "node:fs";
import { genericWebhookJsonSchema } from "../server/vendors/generic/schema.js";

// Regenerates docs/generic-webhook.schema.json from the canonical zod schema:
//   npx tsx scripts/generic-schema.ts
writeFileSync("docs/generic-webhook.schema.json", `${JSON.stringify(genericWebhookJsonSchema(), null, 2)}\n`);
