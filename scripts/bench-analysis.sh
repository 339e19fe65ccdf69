#!/usr/bin/env bash
# Analysis benchmark: sectools's outliers (Isolation Forest), STL time-series anomalies,
# Markov sequence scoring and sessionize against msticpy 3.0.2 on the same inputs, in
# one run (see bench/analysis.py). Arguments go to analysis.py: --quick, --only a,b,
# --reps N. Builds only the sectools example, not huntrs.
#
#   MPBENCH_DATA         data folder (default: ~/.cache/huntrs/bench/mpbench-data); the
#                        outliers input comes from bench.py's cluster_features.pkl there
#                        (or is computed from cluster_events.csv with msticpy)
#   ANALYSIS_BENCH_BIN   in-process timer (default: the analysis_bench example, built here)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HUNTRS_ROOT"
export MPBENCH_DATA="${MPBENCH_DATA:-${HUNTRS_BENCH_DIR:-$HOME/.cache/huntrs/bench}/mpbench-data}"
if [[ ! -f "$MPBENCH_DATA/cluster_events.csv" && ! -f "$MPBENCH_DATA/cluster_features.pkl" ]]; then
    echo "bench-analysis: $MPBENCH_DATA has no cluster_events.csv; run scripts/bench-sectools.sh" \
        "once (it generates msticpy's benchmark data) or set MPBENCH_DATA" >&2
    exit 1
fi
bash bench/install-msticpy.sh
if [[ -z "${ANALYSIS_BENCH_BIN:-}" ]]; then
    # --workspace: polars with the features the tests built it with (see bench-sectools.sh).
    cargo build --quiet --workspace --example analysis_bench
fi
exec python3 bench/analysis.py "$@"
