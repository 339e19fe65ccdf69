#!/usr/bin/env bash
# Kernel benchmark: huntrs and evcxr_jupyter 0.22 side by side (see bench/kernel.py).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HUNTRS_ROOT"
bash scripts/setup-system.sh
bash scripts/setup-python.sh
bash bench/install-evcxr-jupyter.sh
cargo build --quiet -p huntrs
export EVCXR_JUPYTER="${EVCXR_JUPYTER_ROOT:-$HOME/.cache/huntrs/bench/evcxr_jupyter}/bin/evcxr_jupyter"
exec "$HUNTRS_VENV/bin/python" bench/kernel.py
