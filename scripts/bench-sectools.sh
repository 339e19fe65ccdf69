#!/usr/bin/env bash
# sectools benchmark: huntrs's `ioc`, `b64`, `auditd` and `proctree` commands, the same sectools
# calls timed in-process, and msticpy 3.0.2 side by side on the same inputs (see
# bench/sectools.py). Arguments go to
# sectools.py: --quick (1 repetition), --only a,b, --reps N, --msticpy-results FILE.
#
#   MPBENCH_DATA   data folder (default: ~/.cache/huntrs/bench/mpbench-data)
#   HUNTRS_BIN     huntrs binary to time (default: the debug build, built here)
#   SECTOOLS_BENCH_BIN  in-process timer (default: the sectools_bench example's
#                  debug build, built here)
#   MSTICPY_BENCH  msticpy's workloads (default: ../shared/bench/msticpy)
set -euo pipefail
huntrs_bin="${HUNTRS_BIN:-}"  # env.sh sets HUNTRS_BIN; a caller's choice wins
source "$(dirname "$0")/env.sh"
cd "$HUNTRS_ROOT"

mp_bench="${MSTICPY_BENCH:-$HUNTRS_ROOT/../shared/bench/msticpy}"
if [[ ! -f "$mp_bench/bench.py" || ! -f "$mp_bench/gen_data.py" ]]; then
    echo "bench-sectools: $mp_bench not found: the msticpy comparison needs msticpy's" \
        "workloads (gen_data.py, bench.py) in shared/bench/msticpy beside this checkout," \
        "or MSTICPY_BENCH pointing at them" >&2
    exit 1
fi
MSTICPY_BENCH="$(cd "$mp_bench" && pwd)"
export MSTICPY_BENCH
export MPBENCH_DATA="${MPBENCH_DATA:-${HUNTRS_BENCH_DIR:-$HOME/.cache/huntrs/bench}/mpbench-data}"

bash bench/install-msticpy.sh
if [[ -n "$huntrs_bin" ]]; then
    export HUNTRS_BIN="$huntrs_bin"
else
    cargo build --quiet -p huntrs
fi
# The same sectools calls timed in-process, as msticpy is (sectools.py's in-proc columns).
if [[ -z "${SECTOOLS_BENCH_BIN:-}" ]]; then
    # Built for the whole workspace, so polars gets the features the tests and the
    # kernel built it with: `-p sectools` alone would compile it again (~20 minutes).
    cargo build --quiet --workspace --example sectools_bench
fi

# gen_data.py is deterministic (~30 s), so existing data that matches its own
# manifest is what it would write again.
if ! python3 bench/sectools.py --check-data 2>/dev/null; then
    echo "generating benchmark data into $MPBENCH_DATA" >&2
    python3 "$MSTICPY_BENCH/gen_data.py"
    python3 bench/sectools.py --check-data
fi
exec python3 bench/sectools.py "$@"
