#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the distributed-tuning tests.
#
#   eval "$(bash .ci/postgres.sh)"      # install if missing, start, export HEADROOM_TEST_POSTGRES_URL
#   bash .ci/postgres.sh stop           # stop the server (the data directory is kept)
#
# Installs PostgreSQL from the Debian packages when no server binaries are present, then runs a
# private cluster (not the distribution's "main" cluster) in $HEADROOM_PG_DIR, listening only on
# 127.0.0.1 (port 5432 when free, else a free port). Re-running is safe: a running cluster is reused.
# The only thing printed on stdout is the `export HEADROOM_TEST_POSTGRES_URL=...` line; progress goes to
# stderr. The same line (without `export`) is written to $HEADROOM_PG_DIR/env.
set -euo pipefail

PG_DIR="${HEADROOM_PG_DIR:-${TMPDIR:-/tmp}/headroom-pg}"
DATA="$PG_DIR/data"
ROLE=headroom
PASSWORD=headroom
DATABASE=headroom_test

log() { echo "postgres.sh: $*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# The server refuses to run as root, so under root it runs as the packages' `postgres` user.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

find_bindir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

install_if_missing() {
    if [ -n "$(find_bindir)" ]; then return; fi
    log "installing PostgreSQL from the Debian packages"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
        postgresql postgresql-client >&2
}

port_free() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no obstacle
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

pick_port() {
    if port_free 5432; then echo 5432; return; fi
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

init_cluster() {
    local bindir="$1"
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR"; fi
    log "initialising a cluster in $DATA"
    # Local socket: trust (only the owner can reach the socket directory); TCP: password only.
    as_owner "$bindir/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >/dev/null
    chmod 700 "$PG_DIR"
}

start_server() {
    local bindir="$1" port="$2"
    log "starting on 127.0.0.1:$port"
    as_owner "$bindir/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR" start >&2
    echo "$port" >"$PG_DIR/port"
}

wait_ready() {
    local bindir="$1" port="$2" i
    for i in $(seq 1 60); do
        if as_owner "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; then return; fi
        sleep 1
    done
    log "server did not become ready; see $PG_DIR/server.log"
    exit 1
}

psql_admin() {
    local bindir="$1" port="$2"
    shift 2
    as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$port" -U postgres -d postgres "$@"
}

ensure_role_and_database() {
    local bindir="$1" port="$2"
    psql_admin "$bindir" "$port" >/dev/null <<EOF
SELECT 'CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD ''$PASSWORD'''
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE') \gexec
SELECT 'CREATE DATABASE $DATABASE OWNER $ROLE'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DATABASE') \gexec
EOF
}

running() {
    local bindir="$1"
    [ -f "$DATA/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

stop() {
    local bindir
    bindir="$(find_bindir)"
    if [ -n "$bindir" ] && running "$bindir"; then
        as_owner "$bindir/pg_ctl" -D "$DATA" -m fast -w stop >&2
    fi
}

main() {
    install_if_missing
    local bindir port
    bindir="$(find_bindir)"
    if running "$bindir"; then
        port="$(cat "$PG_DIR/port")"
        log "reusing the server already running on 127.0.0.1:$port"
    else
        if [ ! -f "$DATA/PG_VERSION" ]; then init_cluster "$bindir"; fi
        port="$(pick_port)"
        start_server "$bindir" "$port"
    fi
    wait_ready "$bindir" "$port"
    ensure_role_and_database "$bindir" "$port"
    local url="postgresql://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"
    echo "HEADROOM_TEST_POSTGRES_URL=$url" >"$PG_DIR/env"
    log "ready: $url"
    echo "export HEADROOM_TEST_POSTGRES_URL=$url"
}

case "${1:-start}" in
    start) main ;;
    stop) stop ;;
    *) log "usage: $0 [start|stop]"; exit 2 ;;
esac
