#!/usr/bin/env bash
# Check PostgreSQL and Redis answer at DATABASE_URL / REDIS_URL; fail loudly if not.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python - <<'PY'
import os, sys
import psycopg, redis
try:
    psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=5).close()
except Exception as exc:
    sys.exit(f"PostgreSQL does not answer at {os.environ['DATABASE_URL']}: {exc}")
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).ping()
except Exception as exc:
    sys.exit(f"Redis does not answer at {os.environ['REDIS_URL']}: {exc}")
print("PostgreSQL and Redis answer.")
PY
