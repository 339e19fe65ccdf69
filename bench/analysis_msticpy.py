"""msticpy 3.0.2's side of the analysis benchmark (run with the msticpy venv's python).

    analysis_msticpy.py prepare                 write the inputs into $MPBENCH_DATA/analysis
    analysis_msticpy.py WORKLOAD --reps N       time msticpy on one workload; prints JSON

Measured as shared/bench/msticpy/bench.py measures msticpy: input loaded untimed, one
warm-up call, then N timed calls (wall and process CPU seconds).
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")

DATA = Path(os.environ.get("MPBENCH_DATA", Path.home() / ".cache/huntrs/bench/mpbench-data"))
OUT = DATA / "analysis"
OUTLIER_COLS = ["commandlineLen", "commandlineLogLen", "commandlineTokensFull", "pathScore",
                "pathLogScore", "commandlineScore", "isSystemSession"]
CMDS = [f"Cmd-{i:02d}" for i in range(40)]
PARAMS = [f"P{i}" for i in range(12)]


def prepare(testdata: Path):
    import pandas as pd

    OUT.mkdir(parents=True, exist_ok=True)
    # Outliers: bench.py's feature matrix (its cached features of cluster_events.csv).
    pkl = DATA / "cluster_features.pkl"
    if pkl.exists():
        feats = pd.read_pickle(pkl)
    else:
        from msticpy.analysis.eventcluster import add_process_features
        feats = add_process_features(pd.read_csv(DATA / "cluster_events.csv"), path_separator="\\")
    x = feats[OUTLIER_COLS].astype(float)
    x.to_csv(OUT / "outliers_100k.csv", index=False, float_format="%.17g")
    # STL: five years of hourly values with a daily cycle, a trend, noise and spikes.
    rng = random.Random(5)
    start = pd.Timestamp("2020-01-01T00:00:00Z")
    n = 43_800
    vals = []
    for h in range(n):
        v = 1e6 + 20 * h + 2e5 * math.sin(2 * math.pi * (h % 24) / 24) + rng.gauss(0, 2e4)
        if rng.random() < 0.001:
            v += 3e5
        vals.append(round(v, 2))
    times = pd.date_range(start, periods=n, freq="h").strftime("%Y-%m-%dT%H:%M:%SZ")
    pd.DataFrame({"TimeGenerated": times, "Total": vals}).to_csv(OUT / "ts_43800.csv", index=False)
    # Sessions: 20,000 sessions of 2-14 commands with parameters and values.
    rng = random.Random(9)
    trans = {c: rng.sample(CMDS, 5) for c in CMDS}
    with open(OUT / "sessions_20k.jsonl", "w") as f:
        for _ in range(20_000):
            cur = rng.choice(CMDS[:8])
            sess = []
            for _ in range(rng.randint(2, 14)):
                params = {}
                for p in rng.sample(PARAMS, rng.randint(0, 4)):
                    params[p] = f"v{rng.randrange(3 if p < 'P6' else 500)}"
                sess.append([cur, params])
                cur = rng.choice(trans[cur]) if rng.random() < 0.95 else rng.choice(CMDS)
            f.write(json.dumps(sess) + "\n")
    # Events to sessionize: 5,000 events of 50 users.
    rows = []
    t0 = pd.Timestamp("2024-03-01T00:00:00Z")
    for u in range(50):
        t = t0 + pd.Timedelta(minutes=rng.randrange(600))
        for _ in range(100):
            t += pd.Timedelta(seconds=rng.choice([5, 30, 60, 300, 900, 3600]))
            rows.append((t.strftime("%Y-%m-%dT%H:%M:%SZ"), f"user{u}", f"10.0.0.{u % 7}", rng.choice(CMDS)))
    rng.shuffle(rows)
    pd.DataFrame(rows, columns=["TimeGenerated", "User", "ClientIP", "Operation"]).to_csv(
        OUT / "events_5k.csv", index=False)
    print(json.dumps({"prepared": str(OUT)}))


def load_sessions(kind):
    from msticpy.analysis.anomalous_sequence.utils.data_structures import Cmd

    sessions = []
    with open(OUT / "sessions_20k.jsonl") as f:
        for line in f:
            s = json.loads(line)
            if kind == "cmds":
                sessions.append([c for c, _ in s])
            else:
                sessions.append([Cmd(c, dict(p)) for c, p in s])
    return sessions


def workload(name):
    import pandas as pd

    if name == "outliers_100k":
        from msticpy.analysis.outliers import identify_outliers
        x = pd.read_csv(OUT / "outliers_100k.csv").to_numpy()

        def run():
            _, x_out, y_pred = identify_outliers(x, x, contamination=0.05)
            return {"outliers": int(len(x_out)), "rows": int(len(y_pred))}
        return run
    if name in ("stl_43800", "stl_time_series"):
        from msticpy.analysis.timeseries import ts_anomalies_stl
        if name == "stl_43800":
            df = pd.read_csv(OUT / "ts_43800.csv", parse_dates=["TimeGenerated"])
            col = "Total"
        else:
            df = pd.read_csv(Path(os.environ["MSTICPY_TESTDATA"]) / "time_series.csv",
                             parse_dates=["TimeGenerated"])
            col = "TotalBytesSent"

        def run():
            r = ts_anomalies_stl(df, time_column="TimeGenerated", data_column=col)
            return {"anomalies": int((r["anomalies"] != 0).sum()), "rows": len(r)}
        return run
    if name in ("sequence_cmds_20k", "sequence_values_20k"):
        from msticpy.analysis.anomalous_sequence.anomalous import score_sessions
        kind = "cmds" if name == "sequence_cmds_20k" else "values"
        df = pd.DataFrame({"session": load_sessions(kind)})

        def run():
            r = score_sessions(df, "session", window_length=3)
            lik = r["rarest_window3_likelihood"]
            return {"sessions": len(r), "min_likelihood": float(lik.min()),
                    "sum_likelihood": float(lik.sum())}
        return run
    if name == "sessionize_5k":
        from msticpy.analysis.anomalous_sequence.sessionize import sessionize_data
        df = pd.read_csv(OUT / "events_5k.csv", parse_dates=["TimeGenerated"])

        def run():
            r = sessionize_data(df, ["User", "ClientIP"], "TimeGenerated", 60, 20, "Operation")
            return {"sessions": len(r), "events": int(r["number_events"].sum())}
        return run
    raise SystemExit(f"unknown workload {name}")


def main():
    if sys.argv[1] == "prepare":
        prepare(Path(os.environ.get("MSTICPY_TESTDATA", "")))
        return
    name = sys.argv[1]
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 3
    run = workload(name)
    summary = run()  # warm-up
    walls, cpus = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        summary = run()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    print(json.dumps({"workload": name, "reps": reps, "wall_s": walls, "cpu_s": cpus,
                      "median_wall_s": statistics.median(walls),
                      "median_cpu_s": statistics.median(cpus), "summary": summary}))


if __name__ == "__main__":
    main()
