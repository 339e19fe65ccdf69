#!/usr/bin/env bash
# Installs evcxr_jupyter 0.22 from crates.io (the engine huntrs builds on) for the
# side-by-side kernel benchmark. Idempotent; takes ~10 min the first time on 2 cores.
set -euo pipefail
root="${EVCXR_JUPYTER_ROOT:-$HOME/.cache/huntrs/bench/evcxr_jupyter}"
if [ -x "$root/bin/evcxr_jupyter" ]; then
  exit 0
fi
echo "installing evcxr_jupyter 0.22.0 into $root (once)" >&2
cargo install evcxr_jupyter --version 0.22.0 --locked --root "$root" --quiet
