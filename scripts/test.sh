#!/usr/bin/env bash
# The test command (README, .ci/run): services up, databases migrated, types checked, tests run.
# aira_template is the migrated database every full-stack test clones for itself (CREATE DATABASE
# ... TEMPLATE), so test files running in parallel never see each other's calls.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST=${PGHOST:-127.0.0.1}
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/aira_test}
export TEST_TEMPLATE_DATABASE=${TEST_TEMPLATE_DATABASE:-aira_template}
bash scripts/services.sh "${TEST_DATABASE_URL##*/}" "$TEST_TEMPLATE_DATABASE"
# The test databases are made afresh each run: whatever an earlier run or a half-applied migration left
# in them (Prisma refuses to migrate past a failed migration, P3009) cannot fail this one.
for db in "${TEST_DATABASE_URL##*/}" "$TEST_TEMPLATE_DATABASE"; do
  psql -h "$PGHOST" -U postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" postgres
done
bash scripts/services.sh "${TEST_DATABASE_URL##*/}" "$TEST_TEMPLATE_DATABASE"
bash scripts/ensure-chromium.sh
npx prisma generate >/dev/null
DATABASE_URL=$TEST_DATABASE_URL npx prisma migrate deploy >/dev/null
DATABASE_URL=${TEST_DATABASE_URL%/*}/$TEST_TEMPLATE_DATABASE npx prisma migrate deploy >/dev/null
# Test databases of interrupted runs.
psql -h "$PGHOST" -U postgres -tAc "SELECT datname FROM pg_database WHERE datname ~ '^aira_(run|bench)_[0-9a-f]+$'" postgres | while read -r db; do
  [ -n "$db" ] && psql -h "$PGHOST" -U postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" postgres || true
done
npx tsc -p .
# No import cycles in the product, its extensions, benchmarks or simulators (madge).
npm run --silent check:cycles
npx vitest run "$@"
