#!/usr/bin/env bash
# Second README command: set up and run the whole test suite against the real
# PostgreSQL, Redis, Celery worker and headless Chromium. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
export WORKBENCH_REQUIRE_SERVICES=1
scripts/bootstrap.sh test
scripts/install_chromium.sh
scripts/check_services.sh
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/ruff check .
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Model changes without a migration: run manage.py makemigrations" >&2; exit 1; }
exec .venv/bin/python -m pytest "$@"
