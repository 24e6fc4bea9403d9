#!/usr/bin/env bash
# First README command: set up a fresh machine and serve the workbench with the
# seed corpus and demo accounts at http://127.0.0.1:8000 (SQLite, eager tasks).
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo runs with DEBUG on (tracebacks, static files from the apps); the
# settings default to off for everything else.
export DEBUG=${DEBUG:-true}
scripts/bootstrap.sh
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo
.venv/bin/python manage.py collectstatic --noinput -v0
echo "Serving on http://127.0.0.1:${PORT:-8000}/  (Ctrl-C to stop)"
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT:-8000}"
