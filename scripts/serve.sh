#!/usr/bin/env bash
# Installs piboard into .venv and serves it on http://127.0.0.1:8000 (a demo ART on first start).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
exec .venv/bin/piboard serve "$@"
