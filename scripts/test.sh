#!/usr/bin/env bash
# Runs every test: formatting, lints (clippy -D warnings), Rust unit and doc tests, then the kernel
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
# Clippy lints the workspace while `cargo test` compiles it: clippy-driver wraps rustc
# for workspace members only, with `cargo clippy -- -D warnings`'s arguments, which is
# what `cargo clippy` itself does around `cargo check`. A separate `cargo clippy` would
# type-check every dependency a second time: ten minutes on a fresh two-core machine.
clippy_driver="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)"
linted() {
    RUSTC_WORKSPACE_WRAPPER="$clippy_driver" \
        CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" "$@"
}
step "cargo test, linted by clippy -D warnings"
linted cargo test --workspace --quiet
# The fuzz targets (run them with cargo fuzz; see crates/sectools/fuzz/README.md), the
# kernel and the view gallery the browser tests load. Built for the whole workspace,
# so dependencies get the features `cargo test --workspace` compiled them with: on
# its own, `-p sectools-fuzz` would unify fewer features and compile polars again.
step "kernel, fuzz targets and view gallery build, linted"
linted cargo build --quiet --workspace --bins --examples
step "preload cache"
"$HUNTRS_BIN" preload

# Most kernel tests wait on one rustc at a time, so two pytest processes (one per
# core) finish in a bit over half the time. Tests marked `serial` time responses or
# rebuild part of the shared preload cache; they run afterwards, alone.
step "kernel tests through Jupyter clients, two at a time"
"$HUNTRS_VENV/bin/python" -m pytest tests/python -q -n 2 --dist loadscope -m "not serial" --durations=12
step "kernel tests that run alone"
"$HUNTRS_VENV/bin/python" -m pytest tests/python -q -m serial --durations=6
