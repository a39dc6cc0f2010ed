#!/usr/bin/env bash
# Start a throwaway Redis server on loopback for the Redis store tests.
#
#   eval "$(bash .ci/redis.sh)"      # install if missing, start, export HEADROOM_TEST_REDIS_URL
#   bash .ci/redis.sh stop           # stop the server
#
# Installs redis-server from the Debian packages when it is absent, then runs a private server (not
# the distribution's service) from $HEADROOM_REDIS_DIR: listening only on 127.0.0.1 (port 6379 when
# free, else a free port), a password, no persistence (no RDB snapshots, no AOF). Re-running is safe:
# a running server is reused. The only thing printed on stdout is the
# `export HEADROOM_TEST_REDIS_URL=...` line; progress goes to stderr. The same line (without `export`)
# is written to $HEADROOM_REDIS_DIR/env.
set -euo pipefail

REDIS_DIR="${HEADROOM_REDIS_DIR:-${TMPDIR:-/tmp}/headroom-redis}"
PASSWORD=headroom-ci

log() { echo "redis.sh: $*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_if_missing() {
    if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then return; fi
    log "installing redis-server from the Debian packages"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends redis-server >&2
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
    if port_free 6379; then echo 6379; return; fi
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

ping() {
    REDISCLI_AUTH="$PASSWORD" redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG
}

running() {
    [ -f "$REDIS_DIR/port" ] && ping "$(cat "$REDIS_DIR/port")"
}

start_server() {
    local port="$1"
    mkdir -p "$REDIS_DIR"
    chmod 700 "$REDIS_DIR"
    log "starting on 127.0.0.1:$port (no persistence)"
    # The password goes in a config file only the owner reads, never on a command line others can see.
    cat >"$REDIS_DIR/redis.conf" <<EOF
bind 127.0.0.1
port $port
requirepass $PASSWORD
protected-mode yes
save ""
appendonly no
daemonize yes
dir $REDIS_DIR
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/server.log
EOF
    chmod 600 "$REDIS_DIR/redis.conf"
    redis-server "$REDIS_DIR/redis.conf" >&2
    echo "$port" >"$REDIS_DIR/port"
}

wait_ready() {
    local port="$1" i
    for i in $(seq 1 60); do
        if ping "$port"; then return; fi
        sleep 0.5
    done
    log "server did not become ready; see $REDIS_DIR/server.log"
    exit 1
}

stop() {
    if running; then
        REDISCLI_AUTH="$PASSWORD" redis-cli -h 127.0.0.1 -p "$(cat "$REDIS_DIR/port")" shutdown nosave >&2 || true
    fi
}

main() {
    install_if_missing
    local port
    if running; then
        port="$(cat "$REDIS_DIR/port")"
        log "reusing the server already running on 127.0.0.1:$port"
    else
        port="$(pick_port)"
        start_server "$port"
    fi
    wait_ready "$port"
    local url="redis://:$PASSWORD@127.0.0.1:$port/0"
    echo "HEADROOM_TEST_REDIS_URL=$url" >"$REDIS_DIR/env"
    log "ready on 127.0.0.1:$port"
    echo "export HEADROOM_TEST_REDIS_URL=$url"
}

case "${1:-start}" in
    start) main ;;
    stop) stop ;;
    *) log "usage: $0 [start|stop]"; exit 2 ;;
esac
