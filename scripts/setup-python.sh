#!/usr/bin/env bash
# Creates (or refreshes) the project's Python venv for the kernel's integration
# tests and installs tests/requirements.txt into it.
#
#   HUNTRS_VENV   where the venv lives (default: <repo>/.venv)
#   PYTHON        interpreter that creates it (default: python3)
#
# Idempotent and quiet on success: pip runs only when the requirements file (or
# the interpreter) changed since the last successful install, which a stamp file
# inside the venv records.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${HUNTRS_VENV:-$repo/.venv}"
python="${PYTHON:-python3}"
requirements="$repo/tests/requirements.txt"
stamp="$venv/.huntrs-requirements.sha256"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup-python: '$python' not found; install Python 3 (3.9 or newer)" >&2
    exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

run_quiet() {
    # Runs "$@" with its output kept aside; shows it only if the command fails.
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "setup-python: failed: $*" >&2
        exit 1
    fi
}

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$venv"
    run_quiet "$python" -m venv "$venv"
fi

# The stamp covers the requirements and the venv's interpreter version, so a
# venv rebuilt on another Python reinstalls too.
want="$( { cat "$requirements"; "$venv/bin/python" -c 'import sys; print(sys.version)'; } \
    | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

rm -f "$stamp"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
run_quiet "$venv/bin/python" -m pip install --quiet --requirement "$requirements"
echo "$want" >"$stamp"
