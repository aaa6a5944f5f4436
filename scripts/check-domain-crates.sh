#!/usr/bin/env bash
# Checks that the domain crates are what a Rust service embedding them wants:
# each builds on its own with its default features, and none pulls in a web
# framework, an async runtime, a database driver or a mailer as a normal
# dependency (docs/architecture.md, "The dependency rule"; the `utoipa`
# derives sit behind each crate's `openapi` feature, which only crm-server
# turns on).
#
# For each crate:
#   1. `cargo check -p <crate> --locked`: the crate alone, default features
#      (the same target/ as every other step, so this is cheap);
#   2. `cargo tree -p <crate> -e normal` must not list utoipa*, actix*, tokio,
#      rusqlite, mongodb or lettre.
#
# Usage: scripts/check-domain-crates.sh   (from anywhere; no arguments)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# The pure crates: the kernel, the contexts, and general libraries they may use.
CRATES=(crm-kernel crm-identity crm-customers crm-tickets crm-interactions crm-email crm-analytics crm-ical)
# A package name (as `cargo tree --prefix none` prints it) that must not appear.
FORBIDDEN='^(utoipa[a-z0-9_-]*|actix[a-z0-9_-]*|tokio|rusqlite|mongodb|lettre) v'

# Normal dependencies of a crate, one package per line, for its default features.
normal_deps() {
    cargo tree --locked -p "$1" -e normal --prefix none "${@:2}" | sort -u
}

failed=()

# The check must be able to fail: with the `openapi` feature the kernel does
# depend on utoipa, so the pattern has to find it there.
if ! normal_deps crm-kernel --features openapi | grep -Eq "$FORBIDDEN"; then
    echo "ERROR: the forbidden-dependency pattern finds nothing in crm-kernel --features openapi;" >&2
    echo "       cargo tree's output changed and this check would pass blindly." >&2
    exit 1
fi

for crate in "${CRATES[@]}"; do
    printf '\n--- %s ---\n' "$crate"
    if ! cargo check --locked -p "$crate"; then
        failed+=("$crate (does not build alone)")
        continue
    fi
    offenders="$(normal_deps "$crate" | grep -E "$FORBIDDEN" || true)"
    if [[ -n "$offenders" ]]; then
        echo "ERROR: $crate depends on:" >&2
        echo "$offenders" >&2
        while read -r name _; do
            echo "  how $name gets in:" >&2
            cargo tree --locked -p "$crate" -e normal -i "$name" >&2 || true
        done <<<"$offenders"
        failed+=("$crate (forbidden dependencies)")
    else
        echo "$crate: builds alone; no web, runtime, database or mail crate"
    fi
done

if (( ${#failed[@]} > 0 )); then
    printf '\nFAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
printf '\nevery domain crate builds alone and stays free of I/O crates\n'
