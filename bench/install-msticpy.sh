#!/usr/bin/env bash
# Installs msticpy 3.0.2 (with its [ml] extra: scikit-learn and rrcf) into a venv of
# its own, for the side-by-side sectools benchmark (scripts/bench-sectools.sh).
# Idempotent: pip runs only when the venv lacks msticpy 3.0.2. The first install
# takes a few minutes (pandas, numpy, scipy, scikit-learn wheels).
#
#   HUNTRS_BENCH_DIR   where bench tools live (default: ~/.cache/huntrs/bench)
#   PYTHON             interpreter that creates the venv (default: python3)
set -euo pipefail

version="3.0.2"
venv="${HUNTRS_BENCH_DIR:-$HOME/.cache/huntrs/bench}/msticpy-venv"
python="${PYTHON:-python3}"

installed() {
    # Asks the venv itself, so a half-finished or other-version install counts as absent.
    [[ -x "$venv/bin/python" ]] &&
        [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("msticpy"))' 2>/dev/null)" == "$version" ]] &&
        "$venv/bin/python" -c 'import rrcf, sklearn' >/dev/null 2>&1
}

if installed; then
    exit 0
fi

echo "installing msticpy[ml]==$version into $venv (once; takes a few minutes)" >&2
if [[ ! -x "$venv/bin/python" ]]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
"$venv/bin/python" -m pip install --quiet "msticpy[ml]==$version"
if ! installed; then
    echo "install-msticpy: msticpy $version is still not importable from $venv" >&2
    exit 1
fi
