#!/usr/bin/env bash
# Installs aiosmtpd (a real SMTP server, from PyPI) into a venv under
# target/ for crm-smtp's tests, idempotently, and prints the venv's python.
#
# Usage: export CRM_TEST_SMTP_PYTHON="$(scripts/aiosmtpd-venv.sh)"
#
# scripts/test does this before `cargo test`; the tests of crm-smtp and
# crm-server start crates/testkit/smtp_server.py (through crm-testkit's
# harness) with that python on a random loopback port. Progress goes to stderr, the path alone
# to stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac

AIOSMTPD_VERSION="1.4.6"
VENV="$TARGET_DIR/aiosmtpd-venv"

log() { printf '[aiosmtpd] %s\n' "$*" >&2; }
die() { printf '[aiosmtpd] ERROR: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is required"

installed_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("aiosmtpd"))' 2>/dev/null || true
}
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    log "creating venv $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV" >&2
fi
if [[ "$(installed_version)" != "$AIOSMTPD_VERSION" ]]; then
    log "installing aiosmtpd==$AIOSMTPD_VERSION"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        "aiosmtpd==$AIOSMTPD_VERSION" >&2
fi
[[ "$(installed_version)" == "$AIOSMTPD_VERSION" ]] \
    || die "aiosmtpd $AIOSMTPD_VERSION is not installed in $VENV"
"$VENV/bin/python" -c 'import aiosmtpd.smtp' || die "aiosmtpd does not import in $VENV"
log "aiosmtpd $AIOSMTPD_VERSION ready"
printf '%s\n' "$VENV/bin/python"
