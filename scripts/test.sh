#!/usr/bin/env bash
# Installs what the tests need (Python deps, Debian's chromium, poppler, npm's axe-core, PostgreSQL) and runs every test:
# lint, types, unit, integration (SQLite and PostgreSQL), live websocket, browser (Playwright) and fuzz tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
ldconfig -p | grep -q 'libcairo\.so\.2' || missing+=(libcairo2)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scripts/ensure_postgres.sh
# axe-core for the accessibility audit (tests/axe.py), pinned by tests/a11y/package-lock.json.
[ -e tests/a11y/node_modules/axe-core/axe.min.js ] || npm ci --prefix tests/a11y --no-audit --no-fund --silent
EXTRAS=test source scripts/_setup.sh

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# Two workers (pytest-xdist), a test module each at a time, so a module's shared server and board
# stay in one process: most browser and socket tests wait on the other side, so two run in the time of
# one on two cores. PIBOARD_TEST_WORKERS=0 runs them in this process.
workers=(-n "${PIBOARD_TEST_WORKERS:-2}" --dist loadfile)
if [ $# -eq 0 ]; then
  # The same integration tests on PostgreSQL (a throwaway server each worker starts on loopback);
  # the multi-process, crash and contention tests in tests/scale use PostgreSQL in the main run too.
  PIBOARD_TEST_DATABASE=postgres .venv/bin/pytest -q -p no:cacheprovider "${workers[@]}" tests/integration
fi
exec .venv/bin/pytest -q -p no:cacheprovider "${workers[@]}" "$@"
