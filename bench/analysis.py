"""Side-by-side analysis benchmark: sectools (in-process) vs msticpy 3.0.2, in one run.

Workloads: Isolation Forest on bench.py's 100k x 7 feature matrix (`outliers_100k`,
msticpy's identify_outliers(x, x, contamination=0.05)), STL anomalies on 43,800 hourly
values and on msticpy's time_series.csv, Markov sequence scoring of 20,000 sessions
(commands only, and commands+params+values; window 3), and sessionize on 5,000 events.

Both sides load the input untimed, make one warm-up call, then time N calls
(bench/analysis_msticpy.py for msticpy, crates/sectools/examples/analysis_bench.rs for
sectools). They never run at the same time; sectools runs with POLARS_MAX_THREADS=1.
The summaries of both are printed so the outputs can be compared (the Isolation
Forests use different random generators, so their outlier counts differ slightly).

Run:  scripts/bench-analysis.sh [--quick] [--only a,b] [--reps N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOME = Path.home()
BENCH_DIR = Path(os.environ.get("HUNTRS_BENCH_DIR", HOME / ".cache/huntrs/bench"))
DATA = Path(os.environ.get("MPBENCH_DATA", BENCH_DIR / "mpbench-data"))
MSTICPY_PYTHON = Path(os.environ.get("MSTICPY_PYTHON", BENCH_DIR / "msticpy-venv/bin/python"))
TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR", HOME / ".cache/huntrs/target"))
BENCH_BIN = Path(os.environ.get("ANALYSIS_BENCH_BIN", TARGET_DIR / "debug/examples/analysis_bench"))
TESTDATA = Path(os.environ.get("MSTICPY_TESTDATA", REPO.parent / "shared/corpus/msticpy-testdata"))

# name: (repetitions, minimum speed-up asked for or None)
WORKLOADS = {
    "outliers_100k": (5, 5.0),
    "stl_43800": (5, None),
    "stl_time_series": (10, None),
    "sequence_cmds_20k": (3, None),
    "sequence_values_20k": (3, None),
    "sessionize_5k": (3, None),
}


def run_json(cmd: list[str], env: dict) -> dict:
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1 repetition each")
    ap.add_argument("--only", help="comma-separated workloads")
    ap.add_argument("--reps", type=int)
    args = ap.parse_args()
    env = dict(os.environ, MPBENCH_DATA=str(DATA), MSTICPY_TESTDATA=str(TESTDATA))
    worker = str(REPO / "bench/analysis_msticpy.py")
    if not (DATA / "analysis/sessions_20k.jsonl").exists() or not (DATA / "analysis/outliers_100k.csv").exists():
        print(f"preparing inputs in {DATA / 'analysis'}", file=sys.stderr)
        run_json([str(MSTICPY_PYTHON), worker, "prepare"], env)
    names = args.only.split(",") if args.only else list(WORKLOADS)
    rust_env = dict(env, POLARS_MAX_THREADS="1", RAYON_NUM_THREADS="1")
    results = {}
    rows = []
    for name in names:
        reps, target = WORKLOADS[name]
        reps = 1 if args.quick else (args.reps or reps)
        mp = run_json([str(MSTICPY_PYTHON), worker, name, "--reps", str(reps)], env)
        rs = run_json([str(BENCH_BIN), name, str(DATA / "analysis"), "--reps", str(reps)], rust_env)
        wall = mp["median_wall_s"] / max(rs["median_wall_s"], 1e-9)
        cpu = mp["median_cpu_s"] / rs["median_cpu_s"] if rs["median_cpu_s"] > 0 else None
        ok = "" if target is None else ("met" if wall >= target else "MISSED")
        results[name] = {"msticpy": mp, "sectools": rs, "speedup_wall": wall, "speedup_cpu": cpu,
                         "target": target}
        rows.append(f"| {name} | {reps} | {mp['median_wall_s']:.4f} | {rs['median_wall_s']:.4f} | "
                    f"{wall:.1f}x | {'' if cpu is None else f'{cpu:.1f}x'} | "
                    f"{'' if target is None else f'>= {target:g}x {ok}'} | "
                    f"{json.dumps(mp['summary'])} | {json.dumps(rs['summary'])} |")
    print("| workload | reps | msticpy s | sectools s | speed-up (wall) | speed-up (CPU) | target | msticpy output | sectools output |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    out = DATA / "analysis-results.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nresults: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
