# Shared settings for huntrs's scripts; sourced, not run.
# The build directory lives outside the clone so every clone on a machine (and CI)
# reuses one build of evcxr and its dependencies, and the kernel binary keeps one
# path, which keeps the preload cache under ~/.cache/huntrs valid.
HUNTRS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HUNTRS_ROOT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/huntrs/target}"
export HUNTRS_VENV="${HUNTRS_VENV:-$HUNTRS_ROOT/.venv}"
export HUNTRS_BIN="$CARGO_TARGET_DIR/debug/huntrs"
# The preloaded crates come from this checkout: the binary in the shared build
# directory may have been built from another clone.
export HUNTRS_SOURCE_DIR="${HUNTRS_SOURCE_DIR:-$HUNTRS_ROOT}"
