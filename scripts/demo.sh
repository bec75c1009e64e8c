#!/usr/bin/env bash
# The main job on a fresh machine: services up, demo database migrated, then a local demo of the whole
# pipeline against the bundled HubSpot simulator (server/demo/run.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL=${DEMO_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/aira_demo}
export LOG_LEVEL=${LOG_LEVEL:-error}
bash scripts/services.sh aira_demo
npx prisma generate >/dev/null
npx prisma migrate deploy >/dev/null
exec npx tsx server/demo/run.ts
