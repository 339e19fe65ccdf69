#!/usr/bin/env bash
# Runs every test: formatting, lints, Rust unit and doc tests, then the kernel
# through real Jupyter clients (jupyter_kernel_test, jupyter_client, nbclient),
# and the views in headless Chromium (Playwright).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HUNTRS_ROOT"
# Spare engines the tests leave behind exit two minutes after the last kernel, not
# after the default hour.
export HUNTRS_SPARE_IDLE_SECS="${HUNTRS_SPARE_IDLE_SECS:-120}"
step() { printf '\n== %s\n' "$*"; }

# A full disk shows up later as dozens of unrelated-looking kernel errors; say it first.
mkdir -p "$CARGO_TARGET_DIR"
free_gb=$(df -Pk "$CARGO_TARGET_DIR" 2>/dev/null | awk 'NR==2 {print int($4 / 1048576)}')
if [ -n "$free_gb" ] && [ "$free_gb" -lt 10 ]; then
    echo "warning: only ${free_gb} GB free for builds; a cold build needs about 20 GB, and" \
        "compilations that run out fail with 'No space left on device'" >&2
fi

step "system packages"
bash scripts/setup-system.sh
step "python environment ($HUNTRS_VENV)"
bash scripts/setup-python.sh

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
step "cargo test"
cargo test --workspace --quiet
step "fuzz targets build (run them with cargo fuzz; see crates/sectools/fuzz/README.md)"
cargo build --quiet -p sectools-fuzz

step "kernel build and preload cache; view gallery for the browser tests"
cargo build --quiet -p huntrs
cargo build --quiet -p nbtools --example view_gallery
"$HUNTRS_BIN" preload

step "kernel tests through Jupyter clients"
"$HUNTRS_VENV/bin/python" -m pytest tests/python -q --durations=12
