#!/usr/bin/env bash
# The test command (README, .ci/run): services up, test database migrated, types checked, tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/aira_test}
export DATABASE_URL=$TEST_DATABASE_URL
bash scripts/services.sh aira_test
npx prisma generate >/dev/null
npx prisma migrate deploy
npx tsc -p .
npx vitest run "$@"
