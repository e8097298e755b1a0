#!/usr/bin/env bash
# A throwaway PostgreSQL for CI and local tests of the Postgres-backed Dagster instance.
#
#   eval "$(bash examples/deploy/ci-postgres.sh)"     # start (or reuse) it, export DAGSTER_PG_*
#   bash examples/deploy/ci-postgres.sh --stop         # stop it and delete its data
#
# Installs Debian's `postgresql` package with apt-get when no server binaries are found, then
# runs initdb + pg_ctl in a fresh temporary data directory, listening on 127.0.0.1 only, on a
# free port, as the `postgres` user when run as root (initdb refuses root) or as the current user
# otherwise. Creates a role and a database with a generated password and prints `export
# DAGSTER_PG_...=` lines on stdout; everything else goes to stderr so that `eval` sees only those.
# Idempotent: a second call finds the running server through its state file and prints the same
# lines. Needs no stdin and no prompts (CI=true, DEBIAN_FRONTEND=noninteractive).
set -euo pipefail

STATE_DIR=${TELEMETRY_CI_PG_STATE_DIR:-${TMPDIR:-/tmp}/telemetry-ci-postgres}
STATE_FILE="$STATE_DIR/env"
PG_DB=${DAGSTER_PG_DB_NAME:-dagster_telemetry}
PG_ROLE=${DAGSTER_PG_ROLE:-dagster_telemetry}

log() { printf 'ci-postgres: %s\n' "$*" >&2; }

find_bindir() {
  local dir
  # Highest installed major version first.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    log "need root (or passwordless sudo) to run: $*"
    return 1
  fi
}

install_postgres() {
  log "no PostgreSQL server binaries found: installing Debian's postgresql with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq </dev/null >&2
  as_root apt-get install -y -qq --no-install-recommends postgresql </dev/null >&2
}

# Runs a command as the server's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local port tries
  port=$((54320 + RANDOM % 600))
  for tries in $(seq 1 600); do
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
    port=$((port + 1))
    [ "$port" -gt 54999 ] && port=54320
  done
  log "no free port found in 54320-54999"
  return 1
}

new_password() {
  # 32 alphanumerics: safe inside SQL quotes and shell exports without escaping.
  local pw=""
  while [ "${#pw}" -lt 32 ]; do
    pw="$pw$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  done
  echo "${pw:0:32}"
}

print_exports() {
  # The state file holds exactly the lines to print (and, after them, comments with paths).
  grep '^export ' "$STATE_FILE"
}

running_from_state() {
  [ -f "$STATE_FILE" ] || return 1
  local port data bindir
  port=$(sed -n 's/^export DAGSTER_PG_PORT=//p' "$STATE_FILE")
  data=$(sed -n 's/^# data_dir=//p' "$STATE_FILE")
  bindir=$(sed -n 's/^# bindir=//p' "$STATE_FILE")
  [ -n "$port" ] && [ -n "$data" ] && [ -d "$data" ] || return 1
  as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1 || return 1
  "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" >/dev/null 2>&1
}

stop_server() {
  if [ ! -f "$STATE_FILE" ]; then
    log "nothing to stop (no $STATE_FILE)"
    return 0
  fi
  local data bindir base
  data=$(sed -n 's/^# data_dir=//p' "$STATE_FILE")
  bindir=$(sed -n 's/^# bindir=//p' "$STATE_FILE")
  base=$(dirname "$data")
  if [ -d "$data" ]; then
    as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop </dev/null >&2 || true
  fi
  case "$base" in
    */telemetry-pg.*) rm -rf "$base" ;;
  esac
  rm -f "$STATE_FILE"
  log "stopped and removed $data"
}

start_server() {
  local bindir base data sock port password
  bindir=$(find_bindir) || { install_postgres; bindir=$(find_bindir); }
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    log "running as root but there is no 'postgres' user to own the server"
    return 1
  fi
  base=$(mktemp -d "${TMPDIR:-/tmp}/telemetry-pg.XXXXXX")
  chmod 755 "$base"
  data="$base/data"
  sock="$base/sock"
  mkdir -p "$data" "$sock" "$base/log"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$data" "$sock" "$base/log"
  fi
  port=$(free_port)
  password=$(new_password)

  log "initdb in $data ($bindir)"
  # Local socket connections (in a directory only the owner can use) need no password;
  # TCP connections, the only ones Dagster makes, need the generated one.
  if ! as_owner "$bindir/initdb" -D "$data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --no-locale </dev/null >"$base/initdb.log" 2>&1; then
    cat "$base/initdb.log" >&2
    return 1
  fi
  log "starting on 127.0.0.1:$port"
  as_owner "$bindir/pg_ctl" -D "$data" -l "$base/log/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$sock" \
    start </dev/null >&2 || { cat "$base/log/server.log" >&2; return 1; }
  as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres \
    -d postgres </dev/null >&2 <<SQL
CREATE ROLE $PG_ROLE LOGIN PASSWORD '$password';
CREATE DATABASE $PG_DB OWNER $PG_ROLE;
SQL
  mkdir -p "$STATE_DIR"
  chmod 700 "$STATE_DIR"
  umask 077
  cat >"$STATE_FILE" <<EOF
export DAGSTER_PG_HOST=127.0.0.1
export DAGSTER_PG_PORT=$port
export DAGSTER_PG_USERNAME=$PG_ROLE
export DAGSTER_PG_PASSWORD=$password
export DAGSTER_PG_DB=$PG_DB
# data_dir=$data
# bindir=$bindir
EOF
  log "ready: database $PG_DB, role $PG_ROLE, port $port (stop with: $0 --stop)"
}

case "${1:-}" in
  --stop)
    stop_server
    ;;
  "")
    if running_from_state; then
      log "reusing the server recorded in $STATE_FILE"
    else
      [ -f "$STATE_FILE" ] && stop_server
      start_server
    fi
    print_exports
    ;;
  *)
    log "usage: $0 [--stop]"
    exit 2
    ;;
esac
