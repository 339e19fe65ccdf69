#!/usr/bin/env bash
# Installs the Debian packages that building and testing huntrs needs.
#
# Runs apt-get (update first) only when a package is missing, so it is cheap to
# call every time. Needs root for that (no sudo is used); without root it says
# what is missing and carries on, since the build can still fall back to the
# default linker.
set -euo pipefail

# lld/mold link faster; chromium drives the views' browser tests (tests/python/test_views.py).
packages=(lld mold chromium)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    echo "setup-system: not root, skipping install of missing Debian packages: ${missing[*]}" >&2
    echo "setup-system: install them with: apt-get install ${missing[*]}" >&2
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-system: apt-get not found; install these packages by hand: ${missing[*]}" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup-system: failed to install: ${missing[*]}" >&2
    exit 1
fi
echo "setup-system: installed ${missing[*]}"
