#!/usr/bin/env bash
# View benchmark: the nbtools views (timeline, values timeline, process tree, map) vs
# msticpy 3.0.2's bokeh/folium equivalents, side by side on the same inputs (see
# bench/views.py). Arguments go to views.py: --quick (1 repetition), --only a,b, --reps N.
#
#   MPBENCH_DATA     msticpy benchmark data (proc_events.csv; default:
#                    ~/.cache/huntrs/bench/mpbench-data, generated if missing)
#   VIEWS_BENCH_DATA the generated event and sign-in CSVs (default:
#                    ~/.cache/huntrs/bench/views-data)
#   VIEW_BENCH_BIN   in-process timer (default: the view_bench example, built here
#                    in the dev profile with nbtools at opt-level 2, as notebooks run it)
#   MSTICPY_BENCH    msticpy's workloads (default: ../shared/bench/msticpy; only its
#                    gen_data.py is used, when proc_events.csv is missing)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HUNTRS_ROOT"

mp_bench="${MSTICPY_BENCH:-$HUNTRS_ROOT/../shared/bench/msticpy}"
if [[ -d "$mp_bench" ]]; then
    MSTICPY_BENCH="$(cd "$mp_bench" && pwd)"
    export MSTICPY_BENCH
fi
export MPBENCH_DATA="${MPBENCH_DATA:-${HUNTRS_BENCH_DIR:-$HOME/.cache/huntrs/bench}/mpbench-data}"

bash bench/install-msticpy.sh
if [[ -z "${VIEW_BENCH_BIN:-}" ]]; then
    # nbtools at opt-level 2, as the kernel's preload cache builds it for notebooks
    # (kernel/src/preload.rs); a plain dev build leaves nbtools itself at opt-level 0.
    # The profile is part of the artifact's hash, so this does not replace the
    # ordinary dev build of nbtools in the shared target directory.
    cargo build --quiet --workspace --example view_bench \
        --config 'profile.dev.package.nbtools.opt-level=2'
fi
exec python3 bench/views.py "$@"
