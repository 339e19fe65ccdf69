#!/usr/bin/env bash
# KQL-on-polars benchmark: one `where | summarize by` query over a 10M-row Parquet
# table through data::kql and the same query written by hand in polars, alternating,
# each in its own process so peak memory (VmHWM) is per mode; then parse+plan time of
# every query in queries/. Prints a table and writes the results as JSON.
#
#   KQL_BENCH_DIR   where the table is generated (default ~/.cache/huntrs/bench/kql)
#   KQL_BENCH_ROWS  rows (default 10000000)
#   KQL_BENCH_REPS  repetitions per mode (default 3)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HUNTRS_ROOT"

dir="${KQL_BENCH_DIR:-${HUNTRS_BENCH_DIR:-$HOME/.cache/huntrs/bench}/kql}"
rows="${KQL_BENCH_ROWS:-10000000}"
reps="${KQL_BENCH_REPS:-3}"
# data at opt-level 2, as the kernel's preload builds it for notebooks; --workspace so that
# polars keeps the features the tests built it with (-p data alone compiles it again).
cargo build --quiet --workspace --example kql_bench --config 'profile.dev.package.data.opt-level=2'
bin="$CARGO_TARGET_DIR/debug/examples/kql_bench"
if [[ ! -f "$dir/Events.parquet" || "$(cat "$dir/rows" 2>/dev/null)" != "$rows" ]]; then
    echo "generating $rows rows in $dir"
    "$bin" generate "$dir" "$rows"
    echo "$rows" > "$dir/rows"
fi
out="$dir/results.jsonl"
: > "$out"
for _ in $(seq "$reps"); do
    "$bin" polars "$dir" >> "$out"
    "$bin" kql "$dir" >> "$out"
done
"$bin" plan queries > "$dir/plan.jsonl"
python3 - "$out" "$dir/plan.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
by = {m: [r for r in runs if r["mode"] == m] for m in ("polars", "kql")}
med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in by.items()}
rss = {m: max(r["peak_rss_mb"] for r in rs) for m, rs in by.items()}
rows = {m: {r["rows"] for r in rs} for m, rs in by.items()}
assert rows["polars"] == rows["kql"], f"results differ: {rows}"
print(f"where | summarize over the table ({len(by['kql'])} runs each, median):")
print(f"  polars by hand  {med['polars']:.3f} s   peak {rss['polars']:.0f} MB")
print(f"  data::kql       {med['kql']:.3f} s   peak {rss['kql']:.0f} MB")
print(f"  KQL overhead    {100 * (med['kql'] / med['polars'] - 1):+.1f} %   rows {sorted(rows['kql'])}")
plans = [json.loads(l) for l in open(sys.argv[2])]
us = sorted(p["parse_plan_us"] for p in plans)
print(f"parse+plan of {len(plans)} library queries: median {statistics.median(us):.0f} µs, max {us[-1]:.0f} µs")
PY
