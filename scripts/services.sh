#!/usr/bin/env bash
# Make sure PostgreSQL and Redis are up on this machine and the project's databases exist.
# Idempotent: does nothing when everything is already running. Used by `npm run setup`, the demo and CI.
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}

if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  echo "services: starting PostgreSQL" >&2
  if command -v pg_ctlcluster >/dev/null; then
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  fi
  for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
  pg_isready -h "$PGHOST" -p "$PGPORT" >/dev/null || { echo "services: PostgreSQL did not start on $PGHOST:$PGPORT" >&2; exit 1; }
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "services: starting Redis" >&2
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "services: Redis did not start" >&2; exit 1; }
fi

for db in "$@"; do
  if ! psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres | grep -q 1; then
    echo "services: creating database $db" >&2
    createdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$db"
  fi
done
