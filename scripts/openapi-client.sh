#!/usr/bin/env bash
# The OpenAPI document as a client generator sees it.
#
# Writes the document the server serves at /openapi.json (no server needed:
# the `openapi` example of crm-server prints it), validates it with
# openapi-spec-validator, and generates a Python client from it with
# openapi-python-client. Fails if the validator refuses the document, if the
# generator prints any warning or error (a warning means some operation or
# schema was left out of the client), or if the generated client cannot
# parse the answers of `GET /api/me` into its typed models.
#
# Usage: scripts/openapi-client.sh
#
# Environment (optional):
#   CRM_OPENAPI_BIN   run this prebuilt `openapi` example instead of `cargo run --example openapi`
#
# Output under target/openapi-client/: openapi.json, generate.log, client/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac

OPENAPI_PYTHON_CLIENT_VERSION="0.29.1"
OPENAPI_SPEC_VALIDATOR_VERSION="0.9.0"
VENV="$TARGET_DIR/openapi-client-venv"
OUT="$TARGET_DIR/openapi-client"
DOCUMENT="$OUT/openapi.json"
CLIENT="$OUT/client"
LOG="$OUT/generate.log"
CONFIG="$ROOT/scripts/openapi-client.yaml"

log() { printf '[openapi-client] %s\n' "$*"; }
die() { printf '[openapi-client] ERROR: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is required"
mkdir -p "$OUT"

# --- 1. the tools in their own venv (idempotent) -----------------------------
installed_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$1" 2>/dev/null || true
}
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    log "creating venv $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
fi
if [[ "$(installed_version openapi-python-client)" != "$OPENAPI_PYTHON_CLIENT_VERSION" \
    || "$(installed_version openapi-spec-validator)" != "$OPENAPI_SPEC_VALIDATOR_VERSION" ]]; then
    log "installing openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        "openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION" \
        "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
fi
[[ "$(installed_version openapi-python-client)" == "$OPENAPI_PYTHON_CLIENT_VERSION" ]] \
    || die "openapi-python-client $OPENAPI_PYTHON_CLIENT_VERSION is not installed in $VENV"
[[ "$(installed_version openapi-spec-validator)" == "$OPENAPI_SPEC_VALIDATOR_VERSION" ]] \
    || die "openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION is not installed in $VENV"
# The generator formats the client with ruff, installed beside it.
export PATH="$VENV/bin:$PATH"

# --- 2. the document -----------------------------------------------------------
log "writing $DOCUMENT"
rm -f "$DOCUMENT"
if [[ -n "${CRM_OPENAPI_BIN:-}" ]]; then
    [[ -x "$CRM_OPENAPI_BIN" ]] || die "$CRM_OPENAPI_BIN is not an executable"
    "$CRM_OPENAPI_BIN" "$DOCUMENT"
else
    cargo run --quiet --locked -p crm-server --example openapi -- "$DOCUMENT"
fi
[[ -s "$DOCUMENT" ]] || die "no document was written"

# --- 3. validate ---------------------------------------------------------------
log "openapi-spec-validator $DOCUMENT"
"$VENV/bin/openapi-spec-validator" "$DOCUMENT"

# --- 4. generate, with no warning ----------------------------------------------
rm -rf "$CLIENT"
log "openapi-python-client generate (log: $LOG)"
status=0
"$VENV/bin/openapi-python-client" generate \
    --path "$DOCUMENT" --config "$CONFIG" --meta none --output-path "$CLIENT" \
    >"$LOG" 2>&1 </dev/null || status=$?
cat "$LOG"
(( status == 0 )) || die "the generator failed (exit status $status)"
# A clean run prints only "Generating …"; anything else is a warning (a part
# of the document left out of the client), an error or a skipped step.
if grep -v -E '^(Generating .*)?$' "$LOG" >/dev/null; then
    die "the generator printed warnings or errors (see above); the client is incomplete"
fi
[[ -f "$CLIENT/client.py" ]] || die "no client was generated in $CLIENT"

# --- 5. the client has a typed answer for GET /api/me --------------------------
log "checking the generated client's answer types for GET /api/me"
(
    cd "$OUT"
    "$VENV/bin/python" - <<'PY'
import httpx

from client.api.auth import me
from client.client import Client
from client.models.customer_account_body import CustomerAccountBody
from client.models.staff_account_body import StaffAccountBody

client = Client(base_url="http://127.0.0.1")
stamp = "2026-11-25T09:00:00.000Z"
staff = {
    "kind": "user", "user_id": "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b", "name": "Grace Hopper",
    "email": "grace@example.com", "phone": None, "role": "admin", "status": "active",
    "notes": None, "company_ids": [], "created_at": stamp, "updated_at": stamp,
}
customer = {
    "kind": "customer", "customer_id": "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6c", "role": "customer",
    "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": None,
    "created_at": stamp,
}
for body, expected in ((staff, StaffAccountBody), (customer, CustomerAccountBody)):
    parsed = me._parse_response(client=client, response=httpx.Response(200, json=body))
    if not isinstance(parsed, expected):
        raise SystemExit(f"GET /api/me: {body['kind']} parsed as {type(parsed).__name__}, not {expected.__name__}")
    print(f"[openapi-client] GET /api/me ({body['kind']}) -> {type(parsed).__name__}")
PY
)
log "passed"
