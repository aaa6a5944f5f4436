#!/usr/bin/env bash
# Browser test: Debian's chromium, headless, against the running server.
#
# Starts `crm-server` on a free loopback port over a fresh database filled by
# `crm-server seed-demo`, signs in as the demo admin, asks for a report of
# the last six months by week, then opens in headless chromium:
#   - the dashboard from its signed link (`metrics.dashboard`),
#   - the dashboard signed in with the access token (`/dashboard#token=…`),
#   - each chart's HTML page from its signed link (`metrics.charts.*.html`),
# and checks the DOM chromium leaves after running the pages' scripts: every
# chart drawn as an SVG with content, the page's own error report empty, no
# console error; and that a screenshot of the dashboard is not blank.
#
# Usage: scripts/browser-test.sh
#
# When chromium is not installed the test says so loudly and is skipped;
# under CI=true that is a failure (`.ci/run` installs chromium).
#
# Environment (optional): CRM_SERVER_BIN (default target/debug/crm-server),
# CHROMIUM (default: `chromium` on the PATH). Output: target/browser-test/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
OUT="$TARGET_DIR/browser-test"
mkdir -p "$OUT"

log() { printf '[browser-test] %s\n' "$*"; }
die() { printf '[browser-test] ERROR: %s\n' "$*" >&2; exit 1; }

CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
if [[ -z "$CHROMIUM" ]]; then
    cat >&2 <<'BANNER'

###########################################################################
##  BROWSER TEST SKIPPED: chromium is not installed on this machine.     ##
##  The dashboard and the HTML charts were NOT checked in a browser.     ##
##  Install it with `apt-get install -y chromium` (.ci/run does) and    ##
##  run scripts/browser-test.sh again.                                   ##
###########################################################################

BANNER
    if [[ "${CI:-}" == "true" ]]; then
        die "CI=true: the browser test must run; chromium is missing"
    fi
    exit 0
fi
log "using $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"

SERVER_BIN="${CRM_SERVER_BIN:-$TARGET_DIR/debug/crm-server}"
[[ -x "$SERVER_BIN" ]] || die "server binary $SERVER_BIN not found (run cargo build -p crm-server)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/crm-browser.XXXXXX")"
SERVER_PID=""
cleanup() {
    local status=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
export CRM_DATABASE_URL="sqlite://$WORK/crm.db" CRM_LISTEN="127.0.0.1:$PORT" \
    CRM_LOG=warn CRM_LOG_FORMAT=json

log "seeding demo data"
"$SERVER_BIN" seed-demo --customers 120 >"$OUT/seed.log" 2>&1 </dev/null \
    || { cat "$OUT/seed.log" >&2; die "seed-demo failed"; }
"$SERVER_BIN" serve >"$OUT/server.log" 2>&1 </dev/null &
SERVER_PID=$!
for _ in $(seq 1 240); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready" || true)" == 200 ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited during start-up"
    sleep 0.25
done
log "server ready on $BASE"

TOKEN="$(curl -sf -H 'Content-Type: application/json' \
    --data '{"email":"admin@demo.example.com","password":"demo-password-1234"}' \
    "$BASE/api/auth/login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
FROM="$(date -u -d '182 days ago' +%F)"
curl -sf -H "Authorization: Bearer $TOKEN" \
    "$BASE/api/reports?from=$FROM&granularity=week" >"$OUT/report.json" \
    || die "GET /api/reports failed"

chrome() {
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --user-data-dir="$WORK/profile-$RANDOM" \
        --enable-logging=stderr --v=0 --window-size=1400,2200 \
        --virtual-time-budget=20000 "$@"
}

# name<TAB>url<TAB>kind, for every page to open.
python3 - "$OUT/report.json" "$TOKEN" "$BASE" >"$WORK/pages.tsv" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
token, base = sys.argv[2], sys.argv[3]
metrics = report["metrics"]
print(f"dashboard-signed\t{metrics['dashboard']}\tdashboard")
print(f"dashboard-token\t{base}/dashboard#token={token}\tdashboard")
for name, links in sorted(metrics["charts"].items()):
    print(f"chart-{name}\t{links['html']}\tchart")
PY

failed=0
while IFS=$'\t' read -r name url kind; do
    chrome --dump-dom "$url" >"$OUT/$name.html" 2>"$OUT/$name.console.log" </dev/null || true
    if python3 "$ROOT/scripts/browser-check.py" "$kind" "$OUT/$name.html" "$OUT/$name.console.log"; then
        log "ok: $name"
    else
        log "FAILED: $name (see $OUT/$name.html and $OUT/$name.console.log)"
        failed=1
    fi
done <"$WORK/pages.tsv"

SIGNED="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["metrics"]["dashboard"])' "$OUT/report.json")"
rm -f "$OUT/dashboard.png"
chrome --screenshot="$OUT/dashboard.png" "$SIGNED" >/dev/null 2>"$OUT/screenshot.log" </dev/null || true
if python3 "$ROOT/scripts/browser-check.py" png "$OUT/dashboard.png"; then
    log "ok: screenshot $OUT/dashboard.png is not blank"
else
    log "FAILED: screenshot $OUT/dashboard.png"
    failed=1
fi

(( failed == 0 )) || die "the browser test failed"
log "passed"
