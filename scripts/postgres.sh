#!/usr/bin/env bash
# Run COMMAND with a throw-away PostgreSQL server for the tests:
#   bash scripts/postgres.sh COMMAND [ARGS...]
# Installs Debian's postgresql with apt-get if no server is there (only as root), runs initdb in a
# fresh temporary directory (as the postgres user when run as root), listens on 127.0.0.1 only, on
# a free port, with its unix socket in that directory, creates the role and database "wonderland"
# (password login, CREATEDB so that tests can make a database each) and runs COMMAND with
# WONDERLAND_TEST_POSTGRES_URL=postgresql://wonderland:PASSWORD@127.0.0.1:PORT/wonderland.
# The server is stopped and the directory removed when COMMAND ends. COMMAND runs without the URL
# when WONDERLAND_SKIP_POSTGRES=1 or WONDERLAND_TEST_POSTGRES_URL is set already, and when no server
# can be started (the tests that need one then fail and say why). Exit status: COMMAND's.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: bash scripts/postgres.sh COMMAND [ARGS...]" >&2; exit 2; }

say() { echo "postgres.sh: $*" >&2; }

server_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/postgres" ] && echo "$dir"
}

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

bindir=""
datadir=""
stop_server() {
  if [ -n "$datadir" ]; then
    as_server_user "$bindir/pg_ctl" -D "$datadir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$datadir"
  fi
}

start_server() {
  bindir="$(server_bindir)" || bindir=""
  if [ -z "$bindir" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      say "no PostgreSQL server here, and only root can install one (apt-get install postgresql)"
      return 1
    fi
    say "installing PostgreSQL (apt-get install postgresql)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir="$(server_bindir)" || { say "apt-get installed no server"; return 1; }
  fi
  datadir="$(mktemp -d "${TMPDIR:-/tmp}/wonderland-postgres.XXXXXX")"
  [ "$(id -u)" = 0 ] && chown postgres: "$datadir"
  local password port
  password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  as_server_user "$bindir/initdb" -D "$datadir/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$datadir/initdb.log" 2>&1 \
    || { say "initdb failed:"; cat "$datadir/initdb.log" >&2; return 1; }
  for _ in 1 2 3; do  # the free port may be taken between choosing and listening: choose again
    port="$(free_port)"
    if as_server_user "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir -c fsync=off" start >/dev/null; then
      as_server_user "$bindir/psql" -q -h "$datadir" -p "$port" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE wonderland LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE DATABASE wonderland OWNER wonderland" >/dev/null
      export WONDERLAND_TEST_POSTGRES_URL="postgresql://wonderland:$password@127.0.0.1:$port/wonderland"
      say "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
      return 0
    fi
  done
  say "the server did not start:"; cat "$datadir/server.log" >&2
  return 1
}

if [ "${WONDERLAND_SKIP_POSTGRES:-}" = 1 ]; then
  say "WONDERLAND_SKIP_POSTGRES=1: the PostgreSQL tests are skipped"
elif [ -n "${WONDERLAND_TEST_POSTGRES_URL:-}" ]; then
  say "using the server at WONDERLAND_TEST_POSTGRES_URL"
else
  trap stop_server EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  start_server || say "no PostgreSQL: the tests that need it will fail (WONDERLAND_SKIP_POSTGRES=1 skips them)"
fi
status=0
"$@" || status=$?
exit "$status"
