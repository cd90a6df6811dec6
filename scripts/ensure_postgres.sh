#!/usr/bin/env bash
# Makes PostgreSQL server binaries (initdb, pg_ctl) available for the tests; CI runs it before pytest.
# The tests start their own throwaway server on 127.0.0.1 (tests/pg.py); nothing is started here and
# the Debian package's own cluster, if apt creates one, is not used.
set -euo pipefail

have_binaries() {
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && return 0
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

if ! have_binaries; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

have_binaries || { echo "ensure_postgres: initdb/pg_ctl still missing after install" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "ensure_postgres: running as root but the 'postgres' system user is missing" >&2
  exit 1
fi
dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
echo "ensure_postgres: PostgreSQL server binaries in ${dir:-$(dirname "$(command -v initdb)")}"
