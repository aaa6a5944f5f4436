#!/usr/bin/env bash
# Property-based API tests: schemathesis against the real server.
#
# Builds `crm-server` (debug, the same target/ and profile as `cargo test`),
# starts it on a free loopback port with a fresh SQLite file and a bootstrap
# admin, signs in as that admin, then lets schemathesis generate requests for
# every operation of /openapi.json and check the answers against the document.
#
# Usage: scripts/schemathesis.sh
#
# Environment (all optional):
#   ST_MAX_EXAMPLES   test cases per operation and phase      (default 50)
#   ST_SEED           hypothesis seed, for reproducible runs  (default 20261125)
#   ST_WORKERS        concurrent schemathesis workers         (default 2)
#   ST_TIMEOUT        hard limit on the whole st run, seconds (default 900)
#   ST_READY_TIMEOUT  seconds to wait for /health/ready       (default 60)
#   CRM_SERVER_BIN    run this prebuilt binary instead of building target/debug/crm-server
#
# Output under target/schemathesis/: server.log, report/ (JUnit XML), and the
# hypothesis example database (so a failure found once is replayed first).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac

SCHEMATHESIS_VERSION="4.32.5"
VENV="$TARGET_DIR/schemathesis-venv"
OUT="$TARGET_DIR/schemathesis"
SERVER_LOG="$OUT/server.log"
REPORT_DIR="$OUT/report"

MAX_EXAMPLES="${ST_MAX_EXAMPLES:-50}"
SEED="${ST_SEED:-20261125}"
WORKERS="${ST_WORKERS:-2}"
ST_TIMEOUT="${ST_TIMEOUT:-900}"
READY_TIMEOUT=${ST_READY_TIMEOUT:-60}

ADMIN_EMAIL="admin@example.com"
# Throwaway credentials for a throwaway database that lives only during this run.
ADMIN_PASSWORD="schemathesis-admin-Passw0rd-2026"

CHECKS="not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"

log() { printf '[schemathesis] %s\n' "$*"; }
die() { printf '[schemathesis] ERROR: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is required"
command -v curl >/dev/null || die "curl is required"

mkdir -p "$OUT"

# --- 1. schemathesis in its own venv (idempotent) ----------------------------
installed_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true
}
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    log "creating venv $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
fi
if [[ "$(installed_version)" != "$SCHEMATHESIS_VERSION" ]]; then
    log "installing schemathesis==$SCHEMATHESIS_VERSION"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        "schemathesis==$SCHEMATHESIS_VERSION"
fi
[[ "$(installed_version)" == "$SCHEMATHESIS_VERSION" ]] \
    || die "schemathesis $SCHEMATHESIS_VERSION is not installed in $VENV"
log "schemathesis $SCHEMATHESIS_VERSION ready"

# --- 2. the server binary ----------------------------------------------------
if [[ -n "${CRM_SERVER_BIN:-}" ]]; then
    SERVER_BIN="$CRM_SERVER_BIN"
    log "using prebuilt server $SERVER_BIN"
else
    log "building crm-server (debug)"
    cargo build -p crm-server --locked
    SERVER_BIN="$TARGET_DIR/debug/crm-server"
fi
[[ -x "$SERVER_BIN" ]] || die "server binary $SERVER_BIN not found"

# --- 3. start it on a free port with a fresh database ------------------------
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/crm-schemathesis.XXXXXX")"
SERVER_PID=""

stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        # Graceful shutdown is bounded; give it 10 s, then force.
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            log "server $SERVER_PID did not stop on SIGTERM; killing it"
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
cleanup() {
    local status=$?
    stop_server
    rm -rf "$WORK_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

server_log_tail() {
    printf '\n----- last 60 lines of %s -----\n' "$SERVER_LOG" >&2
    tail -n 60 "$SERVER_LOG" >&2 || true
    printf -- '----- end of server log -----\n\n' >&2
}
fail() {
    printf '[schemathesis] ERROR: %s\n' "$*" >&2
    server_log_tail
    exit 1
}

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE_URL="http://127.0.0.1:$PORT"

log "starting $SERVER_BIN serve on $BASE_URL (log: $SERVER_LOG)"
env \
    CRM_DATABASE_URL="sqlite://$WORK_DIR/crm.db" \
    CRM_LISTEN="127.0.0.1:$PORT" \
    CRM_BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" \
    CRM_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    CRM_ACCESS_TOKEN_TTL="2h" \
    CRM_LOG_FORMAT="json" \
    CRM_LOG="warn" \
    "$SERVER_BIN" serve >"$SERVER_LOG" 2>&1 </dev/null &
SERVER_PID=$!

ready=""
code=""
deadline=$((SECONDS + READY_TIMEOUT))
while (( SECONDS < deadline )); do
    kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_PID=""; fail "the server exited during start-up"; }
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/health/ready" || true)"
    if [[ "$code" == "200" ]]; then ready=1; break; fi
    sleep 0.25
done
[[ -n "$ready" ]] || fail "GET /health/ready did not answer 200 within ${READY_TIMEOUT}s (last status: ${code:-none})"
log "server ready (pid $SERVER_PID)"

# --- 4. sign in as the bootstrap admin ---------------------------------------
LOGIN_BODY="$(ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD" python3 -c \
    'import json, os; print(json.dumps({"email": os.environ["ADMIN_EMAIL"], "password": os.environ["ADMIN_PASSWORD"]}))')"
LOGIN_RESPONSE="$WORK_DIR/login.json"
login_status="$(curl -s -o "$LOGIN_RESPONSE" -w '%{http_code}' --max-time 30 \
    -H 'Content-Type: application/json' --data "$LOGIN_BODY" "$BASE_URL/api/auth/login" || true)"
[[ "$login_status" == "200" ]] \
    || fail "POST /api/auth/login answered ${login_status:-nothing}: $(head -c 500 "$LOGIN_RESPONSE" 2>/dev/null)"
TOKEN="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["access_token"])' "$LOGIN_RESPONSE")" \
    || fail "the login response has no access_token"
[[ -n "$TOKEN" ]] || fail "the login response has an empty access_token"
log "signed in as $ADMIN_EMAIL"

# The document must exist and describe at least one operation, or the run
# below would test nothing and still pass.
SCHEMA_FILE="$WORK_DIR/openapi.json"
schema_status="$(curl -s -o "$SCHEMA_FILE" -w '%{http_code}' --max-time 30 "$BASE_URL/openapi.json" || true)"
[[ "$schema_status" == "200" ]] || fail "GET /openapi.json answered ${schema_status:-nothing}"
OPERATIONS="$(python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
print(sum(1 for item in doc.get("paths", {}).values() for m in item if m in methods))
' "$SCHEMA_FILE")" || fail "/openapi.json is not a JSON document"
(( OPERATIONS > 0 )) || fail "/openapi.json describes no operation"
log "/openapi.json describes $OPERATIONS operations"

# --- 5. schemathesis ---------------------------------------------------------
rm -rf "$REPORT_DIR"
mkdir -p "$REPORT_DIR" "$OUT/hypothesis"
JUNIT="$REPORT_DIR/junit.xml"

ST_ARGS=(
    run "$BASE_URL/openapi.json"
    --url "$BASE_URL"
    --header "Authorization: Bearer $TOKEN"
    --checks "$CHECKS"
    --phases "examples,coverage,fuzzing,stateful"
    --max-examples "$MAX_EXAMPLES"
    --seed "$SEED"
    --workers "$WORKERS"
    --request-timeout 30
    --generation-database "$OUT/examples-db"
    --report junit
    --report-junit-path "$JUNIT"
    --no-color
)
log "st ${ST_ARGS[*]//$TOKEN/<token>}"

# Run from inside target/ so nothing (e.g. .hypothesis/) lands in the repository root.
st_status=0
(
    cd "$OUT"
    HYPOTHESIS_STORAGE_DIRECTORY="$OUT/hypothesis" \
        SCHEMATHESIS_HOOKS="$ROOT/scripts/schemathesis_hooks.py" \
        timeout --kill-after=30 "$ST_TIMEOUT" "$VENV/bin/st" "${ST_ARGS[@]}" </dev/null
) || st_status=$?

if (( st_status == 124 )); then
    fail "schemathesis did not finish within ${ST_TIMEOUT}s"
fi
kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_PID=""; fail "the server died during the schemathesis run"; }

# A run that tested no operation, or skipped one, is a failure, not a pass.
# (Within a run, the Examples phase covers only operations whose schema has
# examples and Stateful only applies when links between operations can be
# inferred; schemathesis reports those phases as skipped/not applicable
# otherwise, which is expected. Coverage and Fuzzing always run.)
if [[ -f "$JUNIT" ]]; then
    python3 - "$JUNIT" <<'PY' || st_status=$(( st_status == 0 ? 1 : st_status ))
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
cases = list(root.iter("testcase"))
skipped = [c.get("name", "?") for c in cases if c.find("skipped") is not None]
print(f"[schemathesis] JUnit report: {len(cases)} test cases, {len(skipped)} skipped")
for name in skipped:
    print(f"[schemathesis]   skipped: {name}")
if not cases or len(cases) == len(skipped):
    print("[schemathesis] ERROR: no operation was tested", file=sys.stderr)
    sys.exit(1)
if skipped:
    # An operation schemathesis cannot generate requests for is untested:
    # usually an unsatisfiable schema. Treat it as a defect, not a pass.
    print("[schemathesis] ERROR: operations were skipped", file=sys.stderr)
    sys.exit(1)
PY
else
    printf '[schemathesis] ERROR: no JUnit report at %s\n' "$JUNIT" >&2
    st_status=$(( st_status == 0 ? 1 : st_status ))
fi

if (( st_status != 0 )); then
    fail "schemathesis failed (exit status $st_status); reproduce with ST_SEED=$SEED scripts/schemathesis.sh"
fi
log "passed"
