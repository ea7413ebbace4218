#!/usr/bin/env bash
# The whole test suite (README's second command). GONGKAI_TEST_DB=sqlite|postgresql picks the database.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/pytest ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet -c requirements.lock -e ".[dev]"
fi
exec .venv/bin/pytest -n 2 "$@"
