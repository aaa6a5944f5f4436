#!/usr/bin/env bash
# The MongoDB test server: SecantusDB, a single-node server that speaks the
# MongoDB wire protocol and presents itself as a one-node replica set (so
# sessions and transactions work). It is a stand-in for tests, not MongoDB:
# the store keeps to standard features so it runs on real MongoDB unchanged.
#
# Usage:
#   scripts/mongo-test-server.sh start   # prints CRM_TEST_MONGO_URI=mongodb://127.0.0.1:PORT/?directConnection=true
#   scripts/mongo-test-server.sh stop    # stops it (by its PID) and deletes its data
#   scripts/mongo-test-server.sh status  # prints the URI if it runs; exit 1 otherwise
#
#   eval "export $(scripts/mongo-test-server.sh start)"
#   cargo test -p crm-store-mongo
#
# `start` installs SecantusDB in a venv under target/ once (idempotent),
# starts it on a free loopback port with a fresh temporary storage folder,
# waits until it answers, and writes its PID file. A server this script
# started and that still runs is reused.
#
# Files under target/mongo-test-server/: venv/, server.pid, server.log,
# uri, and the storage folder (data.*), deleted by `stop`.
#
# A trap of SecantusDB 0.7.0b3: `dropDatabase` while a transaction on that
# database is still open (a client that stopped between its writes and its
# commit) spins at 100 % CPU holding the server's lock, and every later
# command waits behind it. The HTTP tests stop each app gracefully before
# they drop its database (tests/common/mod.rs, `RunningApp`); after a test
# binary killed mid-run, `stop` and `start` again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac

SECANTUS_VERSION="0.7.0b3"
DIR="$TARGET_DIR/mongo-test-server"
VENV="$DIR/venv"
PID_FILE="$DIR/server.pid"
URI_FILE="$DIR/uri"
DATA_FILE="$DIR/data"
LOG="$DIR/server.log"
READY_TIMEOUT="${MONGO_TEST_READY_TIMEOUT:-60}"

log() { printf '[mongo-test-server] %s\n' "$*" >&2; }
die() { printf '[mongo-test-server] ERROR: %s\n' "$*" >&2; exit 1; }

running() {
    [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

installed_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("secantusdb"))' 2>/dev/null || true
}

install() {
    command -v python3 >/dev/null || die "python3 is required"
    mkdir -p "$DIR"
    if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        log "creating venv $VENV"
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    if [[ "$(installed_version)" != "$SECANTUS_VERSION" ]]; then
        log "installing secantusdb==$SECANTUS_VERSION"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
            --pre "secantusdb==$SECANTUS_VERSION"
    fi
    [[ "$(installed_version)" == "$SECANTUS_VERSION" ]] \
        || die "secantusdb $SECANTUS_VERSION is not installed in $VENV"
}

# Whether the server at $1 answers a ping (pymongo comes with SecantusDB).
answers() {
    "$VENV/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import sys
import pymongo
pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=500).admin.command("ping")
PY
}

start() {
    if running && [[ -f "$URI_FILE" ]]; then
        log "already running (PID $(cat "$PID_FILE"))"
        printf 'CRM_TEST_MONGO_URI=%s\n' "$(cat "$URI_FILE")"
        return
    fi
    stop_quietly
    install
    local port data uri pid
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    data="$(mktemp -d "$DIR/data.XXXXXX")"
    printf '%s\n' "$data" >"$DATA_FILE"
    uri="mongodb://127.0.0.1:$port/?directConnection=true"
    log "starting SecantusDB on 127.0.0.1:$port (log: $LOG)"
    "$VENV/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path "$data" \
        --log-level WARNING >"$LOG" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"
    local started=$SECONDS
    until answers "$uri"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$LOG" >&2 || true
            stop_quietly
            die "SecantusDB exited before it answered"
        fi
        if (( SECONDS - started >= READY_TIMEOUT )); then
            tail -n 40 "$LOG" >&2 || true
            stop_quietly
            die "SecantusDB did not answer within ${READY_TIMEOUT}s"
        fi
        sleep 0.5
    done
    printf '%s\n' "$uri" >"$URI_FILE"
    log "ready after $((SECONDS - started))s (PID $pid)"
    printf 'CRM_TEST_MONGO_URI=%s\n' "$uri"
}

# Stops the server this script started (by the PID it wrote), then deletes
# its storage folder and state files. Does nothing when none runs.
stop_quietly() {
    if [[ -f "$PID_FILE" ]]; then
        local pid
        pid="$(cat "$PID_FILE")"
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            if kill -0 "$pid" 2>/dev/null; then
                log "server $pid did not stop on SIGTERM; killing it"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$PID_FILE"
    fi
    if [[ -f "$DATA_FILE" ]]; then
        rm -rf "$(cat "$DATA_FILE")"
        rm -f "$DATA_FILE"
    fi
    rm -f "$URI_FILE"
}

case "${1:-}" in
    start) start ;;
    stop)
        stop_quietly
        log "stopped"
        ;;
    status)
        if running && [[ -f "$URI_FILE" ]]; then
            printf 'CRM_TEST_MONGO_URI=%s\n' "$(cat "$URI_FILE")"
        else
            log "not running"
            exit 1
        fi
        ;;
    *) die "usage: $0 start|stop|status" ;;
esac
