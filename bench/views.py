"""Side-by-side view benchmark: huntrs's nbtools views vs msticpy 3.0.2's bokeh views, in one run.

Workloads (same input file for both sides):

* timeline_100k: 100,000 events, one lane per Computer, two tooltip columns.
  msticpy: vis.timeline.display_timeline(df, group_by="Computer",
  source_columns=["Account", "CommandLine"], hide=True), then
  bokeh.embed.file_html(fig, resources=INLINE); huntrs: timeline(&df).group_by(..)
  .tooltip(..).build() then View::to_page().
* timeline_values_100k: the same events' SentBytes over time, one series per
  Computer (msticpy: display_timeline_values, its default vbar; huntrs:
  timeline_values, its default bars).
* proctree_50k: the first 50,000 rows of msticpy's proc_events.csv (gen_data.py).
  The tree is built untimed on both sides (msticpy: build_process_tree; huntrs:
  sectools::build_process_tree); timed: msticpy plot_process_tree(tree) (it has no
  hide=True; its show() and output_notebook() are replaced by no-ops) + file_html,
  huntrs ProcessTreeView::new(&tree).build() + to_page().
* map_signins_20k (msticpy's folium map): 20,000 sign-ins with latitude/longitude,
  coloured by result. msticpy: vis.foliummap.plot_map(df, lat_column=..,
  long_column=.., layer_column=..) then the map's HTML (folium page; it loads Leaflet
  and the tiles from the network, so it is not self-contained); huntrs:
  IpMap::from_frame(&df).color_by(..).build() + to_page() (offline SVG).

The event CSVs are generated here, deterministically (random.Random with a fixed seed),
into the bench folder (~/.cache/huntrs/bench/views-data). Both sides read the CSV
untimed and parse the time column (pandas parse_dates; huntrs the same text into a
UTC datetime column). Then one untimed warm-up call and N timed repetitions, each
timing the figure/view and the standalone HTML page separately. HTML sizes are the
page's (msticpy: file_html's output; huntrs: View::to_page()). Peak RSS is each
worker process's own high-water mark (msticpy: ru_maxrss of its interpreter, with
imports, pandas input, tree and figures; huntrs: VmHWM of view_bench). huntrs runs
with POLARS_MAX_THREADS=1 and RAYON_NUM_THREADS=1; msticpy is single-threaded.
Neither side runs while the other does (the machine has 2 cores).

view_bench is the dev-profile build (the house style of scripts/bench-*.sh) with
nbtools at opt-level 2, which is how the kernel's preload cache compiles nbtools for
notebooks (kernel/src/preload.rs: dependencies at opt-level 2); scripts/bench-views.sh
builds it so. A plain `cargo build -p nbtools --example view_bench` leaves nbtools at
opt-level 0 and its view times are 4-6 times longer.

Run:  scripts/bench-views.sh [--quick] [--only a,b] [--reps N]
Results: ~/.cache/huntrs/bench/views-results.json (printed as a table too).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOME = Path.home()
BENCH_DIR = Path(os.environ.get("HUNTRS_BENCH_DIR", HOME / ".cache/huntrs/bench"))
MPBENCH_DATA = Path(os.environ.get("MPBENCH_DATA", BENCH_DIR / "mpbench-data"))
VIEWS_DATA = Path(os.environ.get("VIEWS_BENCH_DATA", BENCH_DIR / "views-data"))
MSTICPY_BENCH = Path(os.environ.get("MSTICPY_BENCH", REPO.parent / "shared/bench/msticpy"))
MSTICPY_PYTHON = Path(os.environ.get("MSTICPY_PYTHON", BENCH_DIR / "msticpy-venv/bin/python"))
TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR", HOME / ".cache/huntrs/target"))
VIEW_BENCH_BIN = Path(os.environ.get("VIEW_BENCH_BIN", TARGET_DIR / "debug/examples/view_bench"))
ONE_THREAD = {"POLARS_MAX_THREADS": "1", "RAYON_NUM_THREADS": "1"}

EVENT_ROWS = 100_000
SIGNIN_ROWS = 20_000
PROC_ROWS = 50_000
SEED = 20261028

WORKLOADS = {
    # name: (input file, description)
    "timeline_100k": ("timeline_events.csv", "event timeline, 100k events, group_by Computer, 2 tooltip columns"),
    "timeline_values_100k": ("timeline_events.csv", "values timeline (SentBytes), 100k events, 25 series"),
    "proctree_50k": ("proc_events.csv", "process tree view, first 50k rows of proc_events.csv"),
    "map_signins_20k": ("signins.csv", "map of 20k sign-ins by lat/long, coloured by result"),
}


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------
# input data
# --------------------------------------------------------------------------
def write_events(path: Path, rows: int = EVENT_ROWS) -> None:
    """100k process-ish events over a week: 25 computers, 60 accounts, command lines
    with varying arguments, bytes sent (log-uniform). Same file every run."""
    rng = random.Random(SEED)
    hosts = [f"WS-{n:03}.corp.example" for n in range(1, 21)] + [f"SRV-{n:02}.corp.example" for n in range(1, 6)]
    weights = [rng.uniform(0.2, 3.0) for _ in hosts]
    accounts = [f"user{n:02}" for n in range(60)]
    images = ["svchost.exe -k netsvcs", "cmd.exe /c dir {p}", "powershell.exe -nop -c Get-Item {p}",
              "chrome.exe --type=renderer --id {n}", "conhost.exe 0x{n:x}", "rundll32.exe shell32.dll,{n}",
              "net.exe use \\\\srv\\{p}", "whoami.exe /all", "schtasks.exe /query /tn task{n}"]
    paths = ["C:\\Users\\Public", "D:\\Shares\\Finance", "C:\\ProgramData", "C:\\Temp\\x{n}"]
    start = datetime(2026, 10, 26)
    span_ms = 7 * 24 * 3600 * 1000
    times = sorted(rng.randrange(span_ms) for _ in range(rows))
    with path.open("w", newline="") as f:
        f.write("TimeGenerated,Computer,EventID,Account,CommandLine,SentBytes\n")
        for t in times:
            n = rng.randrange(100_000)
            cmd = rng.choice(images).format(n=n, p=rng.choice(paths).format(n=n % 97))
            ts = (start + timedelta(milliseconds=t)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
            host = rng.choices(hosts, weights)[0]
            sent = int(10 ** rng.uniform(2, 7))
            f.write(f'{ts},{host},4688,{rng.choice(accounts)},"{cmd}",{sent}\n')


def write_signins(path: Path, rows: int = SIGNIN_ROWS) -> None:
    """Sign-ins from 40 places (lat/long), with a result code: a map's input."""
    rng = random.Random(SEED + 1)
    places = [(rng.uniform(-50, 65), rng.uniform(-170, 170), f"C{n:02}") for n in range(40)]
    results = ["0", "0", "0", "0", "50126", "50074"]
    start = datetime(2026, 10, 26)
    with path.open("w", newline="") as f:
        f.write("TimeGenerated,UserPrincipalName,IPAddress,Latitude,Longitude,Country,ResultType\n")
        for i in range(rows):
            lat, lon, country = rng.choice(places)
            ts = (start + timedelta(seconds=30 * i)).strftime("%Y-%m-%d %H:%M:%S")
            ip = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            f.write(f"{ts},user{rng.randrange(150)}@corp.example,{ip},{lat:.4f},{lon:.4f},{country},"
                    f"{rng.choice(results)}\n")


def prepare_inputs() -> dict[str, Path]:
    VIEWS_DATA.mkdir(parents=True, exist_ok=True)
    events = VIEWS_DATA / "timeline_events.csv"
    signins = VIEWS_DATA / "signins.csv"
    if not events.is_file():
        tmp = events.with_suffix(".tmp")
        write_events(tmp)
        tmp.rename(events)
    if not signins.is_file():
        tmp = signins.with_suffix(".tmp")
        write_signins(tmp)
        tmp.rename(signins)
    proc = MPBENCH_DATA / "proc_events.csv"
    if not proc.is_file():
        gen = MSTICPY_BENCH / "gen_data.py"
        if not gen.is_file():
            raise BenchError(f"{proc} missing and no {gen} to generate it")
        print(f"generating {proc} with {gen}", file=sys.stderr)
        subprocess.run([sys.executable, str(gen)], check=True, env=dict(os.environ, MPBENCH_DATA=str(MPBENCH_DATA)))
    return {"timeline_events.csv": events, "signins.csv": signins, "proc_events.csv": proc}


# --------------------------------------------------------------------------
# msticpy (run with the msticpy venv's python; prints one JSON object)
# --------------------------------------------------------------------------
MSTICPY_WORKER = r'''
import json, re, resource, statistics, sys, time, warnings
warnings.filterwarnings("ignore")
workload, path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
t_import = time.perf_counter()
import pandas as pd
from bokeh.embed import file_html
from bokeh.resources import INLINE
import msticpy
import_s = time.perf_counter() - t_import

page = None
if workload in ("timeline_100k", "timeline_values_100k"):
    from msticpy.vis.timeline import display_timeline, display_timeline_values
    df = pd.read_csv(path, parse_dates=["TimeGenerated"])
    if workload == "timeline_100k":
        def figure():
            return display_timeline(df, group_by="Computer", source_columns=["Account", "CommandLine"], hide=True)
    else:
        def figure():
            return display_timeline_values(df, value_column="SentBytes", group_by="Computer",
                                           source_columns=["Account", "CommandLine"], hide=True)
    def page(fig):
        return file_html(fig, resources=INLINE, title="timeline")
elif workload == "proctree_50k":
    from msticpy.transform.proc_tree_builder import build_process_tree
    import msticpy.vis.process_tree as mp_tree
    # plot_process_tree has no hide=True: it always calls output_notebook() and show().
    # Both are no-ops here (as hide=True makes them for the timeline), so what is timed
    # is building the figure; file_html then writes the page.
    mp_tree.show = lambda *args, **kwargs: None
    mp_tree.output_notebook = lambda *args, **kwargs: None
    mp_tree.reset_output = lambda *args, **kwargs: None
    df = pd.read_csv(path, parse_dates=["TimeGenerated"], nrows=50_000)
    tree = build_process_tree(df)
    def figure():
        return mp_tree.plot_process_tree(tree)[1]
    def page(fig):
        return file_html(fig, resources=INLINE, title="process tree")
elif workload == "map_signins_20k":
    from msticpy.vis.foliummap import plot_map
    df = pd.read_csv(path, parse_dates=["TimeGenerated"], dtype={"ResultType": str})
    def figure():
        return plot_map(df, lat_column="Latitude", long_column="Longitude", layer_column="ResultType")
    def page(fmap):
        m = getattr(fmap, "folium_map", fmap)
        return m.get_root().render()
else:
    sys.exit(f"unknown workload {workload}")
rows = len(df)
setup_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

t = time.perf_counter()
page(figure())
warmup_s = time.perf_counter() - t
fig_s, page_s, total_s = [], [], []
for _ in range(reps):
    t0 = time.perf_counter()
    fig = figure()
    t1 = time.perf_counter()
    html = page(fig)
    t2 = time.perf_counter()
    fig_s.append(t1 - t0); page_s.append(t2 - t1); total_s.append(t2 - t0)
print(json.dumps({
    "workload": workload, "rows": rows, "reps": reps, "import_s": import_s, "warmup_s": warmup_s,
    "figure_s": fig_s, "page_s": page_s, "total_s": total_s,
    "median_figure_s": statistics.median(fig_s), "median_page_s": statistics.median(page_s),
    "median_total_s": statistics.median(total_s),
    "page_bytes": len(html.encode()),
    "remote_resources": len(re.findall(r'<(?:script|link)[^>]*(?:src|href)="https?://', html)),
    "setup_rss_mb": setup_rss_mb,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "versions": {"msticpy": msticpy.__version__, "pandas": pd.__version__,
                 "bokeh": __import__("bokeh").__version__},
}))
'''


def bench_msticpy(name: str, path: Path, reps: int) -> dict:
    cp = subprocess.run([str(MSTICPY_PYTHON), "-c", MSTICPY_WORKER, name, str(path), str(reps)],
                        capture_output=True, text=True, env=dict(os.environ, **ONE_THREAD))
    if cp.returncode != 0:
        raise BenchError(f"msticpy {name} failed: {cp.stderr.strip()[-3000:]}")
    return json.loads(cp.stdout.strip().splitlines()[-1])


def bench_huntrs(name: str, path: Path, reps: int) -> dict:
    argv = [str(VIEW_BENCH_BIN), name, str(path), "--reps", str(reps)]
    cp = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, **ONE_THREAD))
    if cp.returncode != 0:
        raise BenchError(f"huntrs {name} failed: {cp.stderr.strip()[-3000:]}")
    return json.loads(cp.stdout.strip().splitlines()[-1])


def mb(n: float | None) -> str:
    return "-" if n is None else f"{n / 1e6:.1f} MB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 repetition")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", help="comma-separated workloads")
    ap.add_argument("--out", type=Path, default=BENCH_DIR / "views-results.json")
    args = ap.parse_args()
    reps = 1 if args.quick else max(1, args.reps)
    names = list(WORKLOADS) if not args.only else args.only.split(",")
    for n in names:
        if n not in WORKLOADS:
            sys.exit(f"views: unknown workload {n}; known: {', '.join(WORKLOADS)}")
    if not MSTICPY_PYTHON.is_file():
        sys.exit(f"views: no msticpy venv at {MSTICPY_PYTHON}; run bench/install-msticpy.sh")
    if not VIEW_BENCH_BIN.is_file():
        sys.exit(f"views: no {VIEW_BENCH_BIN}; cargo build -p nbtools --example view_bench")
    inputs = prepare_inputs()
    results = {}
    for name in names:
        file, what = WORKLOADS[name]
        print(f"{name}: {what} ...", file=sys.stderr, flush=True)
        try:
            mp = bench_msticpy(name, inputs[file], reps)
        except BenchError as e:
            print(f"  {e}", file=sys.stderr)
            mp = {"error": str(e)}
        hu = bench_huntrs(name, inputs[file], reps)
        ratio = mp["median_total_s"] / hu["median_total_s"] if "median_total_s" in mp else None
        results[name] = {"description": what, "input": str(inputs[file]), "msticpy": mp, "huntrs": hu,
                         "ratio": ratio}
    print(f"\n{'workload':<22} {'msticpy s (fig+page)':>22} {'huntrs s (view+page)':>22} {'ratio':>7} "
          f"{'msticpy HTML':>13} {'huntrs HTML':>12} {'msticpy RSS':>12} {'huntrs RSS':>11}")
    for name, r in results.items():
        mp, hu = r["msticpy"], r["huntrs"]
        mp_s = (f"{mp['median_total_s']:.2f} ({mp['median_figure_s']:.2f}+{mp['median_page_s']:.2f})"
                if "median_total_s" in mp else "failed")
        hu_s = f"{hu['median_total_s']:.3f} ({hu['median_build_s']:.3f}+{hu['median_page_s']:.3f})"
        ratio = f"{r['ratio']:.0f}×" if r["ratio"] else "-"
        mp_rss = f"{mp['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in mp else "-"
        hu_rss = f"{hu['peak_rss_mb']:.0f} MB"
        print(f"{name:<22} {mp_s:>22} {hu_s:>22} {ratio:>7} {mb(mp.get('page_bytes')):>13} "
              f"{mb(hu['page_bytes']):>12} {mp_rss:>12} {hu_rss:>11}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"reps": reps, "threads": ONE_THREAD, "results": results}, indent=2))
    print(f"\nresults: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
