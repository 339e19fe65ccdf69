"""Side-by-side sectools benchmark: huntrs (CLI and in-process) vs msticpy 3.0.2, in one run.

For each workload, msticpy's own harness (shared/bench/msticpy/bench.py, run with
the msticpy venv's python) times msticpy, then this script times huntrs on the same
input file twice over: the equivalent CLI command, and the same sectools call
in-process (crates/sectools/examples/sectools_bench.rs). None of them run at the
same time: the machine has 2 cores, and either would slow the other down.

The CLI is measured from outside, as a user runs it: one untimed run first (warms
the page cache, like msticpy's warm-up call, and keeps the output so it can be
counted), then N timed runs with stdout to /dev/null. Per run: wall seconds, CPU
seconds (getrusage(RUSAGE_CHILDREN) delta) and the child's peak RSS (os.wait4).
Every huntrs run, CLI or in-process, has POLARS_MAX_THREADS=1 and
RAYON_NUM_THREADS=1, so polars itself stays on one thread; sectools splits inputs of a
megabyte or more over the cores the process may run on (sectools::parallel), as it
does for a user. So the wall-time speed-ups are huntrs on this machine's cores against
msticpy on one; the CPU speed-ups compare CPU seconds; and the one-core throughput
target is judged on a third, in-process run pinned to one CPU (sched_setaffinity),
where sectools uses one thread.

The in-process timing measures huntrs as bench.py measures msticpy: input loaded
untimed (except auditd, where reading the file is the API), one warm-up call, then N
timed calls; CPU seconds from the process CPU clock (Python's process_time), peak RSS
the process's own (VmHWM).

msticpy's times exclude loading the input (except auditd); the CLI's include process
start and reading the file, which only favours msticpy, most for small inputs. So
the targets are judged on the in-process numbers (see JUDGED_ON). msticpy's peak RSS
is its worker's: interpreter, imports, input and work.

Run:  scripts/bench-sectools.sh [--quick] [--only a,b] [--reps N]
      (installs msticpy, builds huntrs and sectools_bench, generates the data, then runs this)
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOME = Path.home()
BENCH_DIR = Path(os.environ.get("HUNTRS_BENCH_DIR", HOME / ".cache/huntrs/bench"))
DATA = Path(os.environ.get("MPBENCH_DATA", BENCH_DIR / "mpbench-data"))
MSTICPY_BENCH = Path(os.environ.get("MSTICPY_BENCH", REPO.parent / "shared/bench/msticpy"))
MSTICPY_PYTHON = Path(os.environ.get("MSTICPY_PYTHON", BENCH_DIR / "msticpy-venv/bin/python"))
TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR", HOME / ".cache/huntrs/target"))
HUNTRS_BIN = Path(os.environ.get("HUNTRS_BIN", TARGET_DIR / "debug/huntrs"))
SECTOOLS_BENCH_BIN = Path(os.environ.get("SECTOOLS_BENCH_BIN", TARGET_DIR / "debug/examples/sectools_bench"))
ONE_THREAD = {"POLARS_MAX_THREADS": "1", "RAYON_NUM_THREADS": "1"}

IOC_8_TYPES = "ipv4,ipv6,url,dns,email,md5_hash,sha1_hash,sha256_hash"
MEMORY_TARGET = 4.0  # huntrs's peak RSS should be at most 1/4 of msticpy's

# Which huntrs measurement each target is judged on: "in-proc" or "CLI". In-process,
# because that is how msticpy is measured: its times leave out interpreter start,
# imports and (but for auditd) input loading, and its peak RSS is a process holding
# the input and the result in DataFrames, as the in-process huntrs run does.
JUDGED_ON = {"speedup": "in-proc", "mb_s": "in-proc, one CPU", "memory": "in-proc"}


@dataclass
class Workload:
    name: str
    input: str  # file huntrs reads, in the data folder (see prepare_inputs)
    args: list[str]  # huntrs arguments; "{input}" stands for the input file
    kind: str  # how to count the output: "ioc", "b64" or "auditd"
    min_speedup: float | None  # target: msticpy median / huntrs median (JUDGED_ON)
    min_mb_s: float | None  # target: huntrs throughput on one core (JUDGED_ON)


WORKLOADS = [
    # msticpy's DataFrame path with the same 8 types (no paths).
    Workload("ioc_extract_df_200k", "ioc_lines.txt", ["ioc", "--types", IOC_8_TYPES, "{input}"], "ioc", 1000, 300),
    # msticpy calls extract(src=line) per line with all 10 types, huntrs's default.
    Workload("ioc_extract_src_20k", "ioc_lines_20k.txt", ["ioc", "{input}"], "ioc", None, None),
    Workload("b64_unpack_df_20k", "b64_cmdlines.csv", ["b64", "--column", "CommandLine", "{input}"], "b64", 200, None),
    Workload("auditd_big", "auditd_big.log", ["auditd", "{input}"], "auditd", 150, None),
    Workload("auditd_small", "auditd_log.txt", ["auditd", "{input}"], "auditd", 150, None),
    # Process trees, schema inferred (4688 and MDE internal) or msticpy's custom schema.
    Workload("proctree_win_200k", "proc_events.csv", ["proctree", "{input}"], "proctree", 50, None),
    Workload("proctree_mde_cs1", "mde_proc_cs1.csv", ["proctree", "{input}"], "proctree", None, None),
    Workload("proctree_winmin", "winproctree-minimal.csv", ["proctree", "{input}", "--schema", "{winmin_schema}"],
             "proctree", None, None),
    # Event clustering: features of 100k events, then DBSCAN in msticpy's two test
    # configurations (the CLI computes the features too; bench.py caches them untimed).
    Workload("cluster_features_100k", "cluster_events.csv",
             ["cluster", "{input}", "--process-features", "--features", "pathScore", "--eps", "1e9"],
             "cluster", None, None),
    Workload("dbcluster_100k_A", "cluster_events.csv",
             ["cluster", "{input}", "--process-features", "--features",
              "pathScore,commandlineTokensFull,isSystemSession", "--eps", "0.0001"], "cluster", None, None),
    Workload("dbcluster_100k_B", "cluster_events.csv",
             ["cluster", "{input}", "--process-features", "--features",
              "pathHash,commandlineTokensHash,isSystemSession", "--eps", "0.001"], "cluster", None, None),
]

# msticpy's schema for winproctree-minimal.csv (bench.py's proctree_winmin).
WINMIN_SCHEMA = {"process_name": "ImageFileName", "process_id": "PID", "parent_id": "PPID",
                 "time_stamp": "CreateTime", "target_logon_id": "TargetLogonId", "user_id": "SubjectUserSid"}


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------
# input data
# --------------------------------------------------------------------------
def check_data(data: Path) -> str | None:
    """Why `data` does not hold gen_data.py's output as its manifest describes, or None."""
    manifest = data / "manifest.json"
    if not manifest.is_file():
        return f"{manifest} missing"
    files = json.loads(manifest.read_text()).get("files", {})
    for name in {w.input for w in WORKLOADS} - {"ioc_lines_20k.txt"}:
        if name not in files:
            return f"{name} not in {manifest}"
    for name, info in files.items():
        path = data / name
        if not path.is_file() or path.stat().st_size != info["bytes"]:
            return f"{path} missing or not the size manifest.json records"
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != info["sha256"]:
            return f"{path} differs from manifest.json (sha256)"
    return None


def prepare_inputs(data: Path, tmp: Path) -> dict[str, Path]:
    """Each workload's input file: the data folder's, except the 20k-line slice that
    msticpy takes in memory from ioc_lines.txt and huntrs needs as a file (in tmp)."""
    paths = {w.input: data / w.input for w in WORKLOADS}
    paths["ioc_lines_20k.txt"] = tmp / "ioc_lines_20k.txt"
    paths["winmin_schema"] = tmp / "winmin_schema.json"
    paths["winmin_schema"].write_text(json.dumps(WINMIN_SCHEMA))
    with (data / "ioc_lines.txt").open("rb") as src, paths["ioc_lines_20k.txt"].open("wb") as dst:
        for _, line in zip(range(20_000), src):
            dst.write(line)
    return paths


# --------------------------------------------------------------------------
# huntrs
# --------------------------------------------------------------------------
# Runs a command once per stdout file given, in a small separate interpreter.
# Why not from this process: on Linux a child's ru_maxrss starts at the RSS of the
# process it was spawned from (exec records the old address space's high-water
# mark), and this script's RSS grows while it counts outputs. Spawned from a bare
# `python -S` (~11 MB), huntrs's reported peak is its own down to that floor.
# posix_spawn + wait4: wait4 is the one call that returns a child's own peak RSS.
SPAWNER = """
import json, os, resource, sys, tempfile, time
argv, stdouts = json.loads(sys.argv[1])
env = dict(os.environ, **json.loads(sys.argv[2]))
runs = []
for stdout in stdouts:
    with tempfile.TemporaryFile() as err:
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
                   (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            runs.append({"exit": code, "stderr": err.read()[-2000:].decode(errors="replace").strip()})
            break
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    runs.append({"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": usage.ru_maxrss / 1024})
print(json.dumps(runs))
"""


def run_all(argv: list[str], stdouts: list[str]) -> list[dict]:
    """Runs argv once per entry of stdouts (stdout to that file): wall s, CPU s and
    peak RSS MB of each run, with POLARS_MAX_THREADS=1 and RAYON_NUM_THREADS=1."""
    cp = subprocess.run([sys.executable, "-S", "-E", "-c", SPAWNER, json.dumps([argv, stdouts]),
                         json.dumps(ONE_THREAD)], capture_output=True, text=True)
    if cp.returncode != 0:
        raise BenchError(f"could not run {argv[0]}: {cp.stderr.strip()[-2000:]}")
    runs = json.loads(cp.stdout)
    if runs and "exit" in runs[-1]:
        raise BenchError(f"huntrs failed (exit {runs[-1]['exit']}): {' '.join(argv)}\n{runs[-1]['stderr']}")
    return runs


def baseline() -> dict:
    """What every huntrs number includes: starting the process (`huntrs --version`),
    and the peak-RSS floor that the spawner imposes (a run of /bin/true)."""
    start = run_all([str(HUNTRS_BIN), "--version"], [os.devnull] * 11)[1:]
    true = shutil.which("true") or "/bin/true"
    return {"huntrs_start_s": statistics.median(r["wall_s"] for r in start),
            "rss_floor_mb": max(r["peak_rss_mb"] for r in run_all([true], [os.devnull] * 3))}


def bench_huntrs(w: Workload, inputs: dict[str, Path], reps: int, out_file: Path) -> dict:
    argv = [str(HUNTRS_BIN)] + [a.replace("{input}", str(inputs[w.input]))
                                .replace("{winmin_schema}", str(inputs["winmin_schema"])) for a in w.args]
    # The first run is untimed: it warms the page cache and its output is kept for counting.
    runs = run_all(argv, [str(out_file)] + [os.devnull] * reps)[1:]
    return {
        "command": " ".join(argv),
        "times": [r["wall_s"] for r in runs],
        "median_s": statistics.median(r["wall_s"] for r in runs),
        "cpu_median_s": statistics.median(r["cpu_s"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "input_bytes": inputs[w.input].stat().st_size,
        "summary": summarize(w.kind, out_file),
    }


def pin_to_one_cpu() -> None:
    """In the child before exec: run on the first CPU this process may use."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def bench_inproc(w: Workload, inputs: dict[str, Path], reps: int, one_cpu: bool = False) -> dict:
    """The sectools call behind w, timed in-process by the sectools_bench example
    (which takes the first 20,000 lines itself for ioc_extract_src_20k); with one_cpu,
    pinned to one CPU, so sectools reads the input on one thread."""
    argv = [str(SECTOOLS_BENCH_BIN), w.name, str(inputs[w.input]), "--reps", str(reps)]
    cp = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, **ONE_THREAD),
                        preexec_fn=pin_to_one_cpu if one_cpu else None)
    if cp.returncode != 0:
        raise BenchError(f"sectools_bench failed (exit {cp.returncode}): {' '.join(argv)}\n{cp.stderr.strip()[-2000:]}")
    try:
        r = json.loads(cp.stdout)
    except ValueError as e:
        raise BenchError(f"sectools_bench printed no JSON ({e}): {cp.stdout[-500:]!r}") from e
    return {
        "command": " ".join(argv),
        "times": r["wall_s"],
        "median_s": r["median_wall_s"],
        # null when the example could not read the CPU clock (not 64-bit Linux)
        "cpu_median_s": r["median_cpu_s"],
        "warmup_s": r["warmup_s"],
        "setup_rss_mb": r["setup_rss_mb"],
        "peak_rss_mb": r["peak_rss_mb"],
        "summary": r["summary"],
    }


def summarize(kind: str, path: Path) -> dict:
    """Counts from huntrs's JSON-lines output; an output it can't read is reported in
    the counts table, not fatal: the timings stand on their own."""
    try:
        return count_output(kind, path)
    except (ValueError, AttributeError, TypeError) as e:
        return {"error": f"output not in the expected JSON-lines form: {e}"}


def first_key(obj: dict, keys: tuple[str, ...]):
    """The value of the first of `keys` in obj: the counters below accept the names
    msticpy's columns use and plain snake_case, so they survive small format changes."""
    for k in keys:
        if k in obj:
            return obj[k]
    return None


def count_output(kind: str, path: Path) -> dict:
    """Counts from huntrs's JSON-lines output that line up with msticpy's `summary`."""
    if kind in ("proctree", "cluster"):  # `name: value` summary lines
        counts = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition(": ")
            counts[name] = int(value)
        return {"items": counts.get("Processes", counts.get("OutputRows", 0)), "by_type": counts}
    items = 0
    by = collections.Counter()
    sources = set()
    notes_only = 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            obj = json.loads(line)
            if kind == "ioc":  # {"line": N, "iocs": [{"type", "value"}, ...]}
                for ioc in obj.get("iocs", []):
                    by[ioc.get("type")] += 1
                    items += 1
                continue
            if kind == "b64":
                encoding = first_key(obj, ("encoding_type", "encoding"))
                if encoding is None:  # a row's notes (limits hit) without a decoded item
                    notes_only += 1
                    continue
                by[encoding] += 1
                sources.add(first_key(obj, ("src_index", "row", "row_id", "index", "line")))
            else:
                by[first_key(obj, ("EventType", "event_type", "type"))] += 1
            items += 1
    out = {"items": items, "by_type": dict(sorted((str(k), v) for k, v in by.items()))}
    if kind == "b64":
        out["src_rows"] = len(sources - {None})
        out["notes_only_rows"] = notes_only
    return out


# --------------------------------------------------------------------------
# msticpy
# --------------------------------------------------------------------------
def bench_msticpy(name: str, quick: bool, out: Path) -> dict:
    """Runs msticpy's bench.py for one workload; its entry of `out` (bench.py merges)."""
    cmd = [str(MSTICPY_PYTHON), str(MSTICPY_BENCH / "bench.py"), "--only", name, "--out", str(out)]
    if quick:
        cmd.append("--quick")
    # bench.py's table goes to stderr so this script's stdout is only its own report.
    cp = subprocess.run(cmd, env=dict(os.environ, MPBENCH_DATA=str(DATA)), stdout=sys.stderr)
    if cp.returncode != 0:
        raise BenchError(f"msticpy bench.py failed (exit {cp.returncode}): {' '.join(cmd)}")
    return load_msticpy(out, name)


def load_msticpy(path: Path, name: str) -> dict:
    result = json.loads(path.read_text()).get("workloads", {}).get(name)
    if result is None:
        raise BenchError(f"no msticpy result for {name} in {path}")
    if "error" in result:
        raise BenchError(f"msticpy {name}: {result['error']}")
    return result


def msticpy_count(name: str, summary: dict) -> str:
    if "Processes" in summary:
        return f"{summary['Processes']} processes"
    if "output_rows" in summary:
        return f"{summary['output_rows']} rows, {summary['clusters']} clusters, {summary['noise']} noise"
    if "result_rows" in summary:
        return f"{summary['result_rows']} rows"
    if "shape" in summary:
        return f"{summary['shape'][0]} rows x {summary['shape'][1]} cols, {summary['event_types']} event types"
    return f"{sum(summary.get('by_type', {}).values())} iocs"


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
def check(value: float | None, target: float | None, unit: str, on: str) -> str:
    if target is None:
        return "–"
    if value is None:
        return f"? ≥{target:g}{unit} on {on}"
    return f"{'✓' if value >= target else '✗'} ≥{target:g}{unit} on {on}"


def judged(d: dict, target: str) -> float | None:
    """The derived value a target is judged on, per JUDGED_ON."""
    key = {"speedup": {"in-proc": "inproc_speedup", "CLI": "speedup"},
           "mb_s": {"in-proc, one CPU": "one_cpu_mb_s", "in-proc": "inproc_mb_s", "CLI": "huntrs_mb_s"},
           "memory": {"in-proc": "inproc_memory_ratio", "CLI": "memory_ratio"}}[target][JUDGED_ON[target]]
    return d.get(key)


def ratio(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}×" if x >= 100 else f"{x:.1f}×"


def num(x: float | None, fmt: str) -> str:
    return "–" if x is None else format(x, fmt)


def inproc_count(summary: dict) -> str:
    """sectools_bench's summary in the words msticpy_count uses."""
    if "tree" in summary:
        return f"{summary['tree']['Processes']} processes"
    if "clusters" in summary:
        return f"{summary['rows']} rows, {summary['clusters']} clusters, {summary['noise']} noise"
    if "events" in summary:
        return f"{summary['events']} rows x {summary['columns']} cols, {summary['event_types']} event types"
    if "src_rows" in summary:
        return f"{summary['rows']} rows from {summary['src_rows']} rows"
    if "rows" in summary:
        return f"{summary['rows']} rows"
    return f"{summary.get('iocs', '?')} iocs"


def report(results: dict[str, dict], base: dict) -> None:
    columns = ["workload", "input MB", "msticpy s", "CLI s", "in-proc s", "speed-up CLI", "speed-up in-proc",
               "CPU speed-up CLI", "CPU speed-up in-proc", "target", "MB/s CLI", "MB/s in-proc",
               "MB/s in-proc, one CPU", "target",
               "msticpy RSS MB", "CLI RSS MB", "in-proc RSS MB", "memory ratio CLI", "memory ratio in-proc",
               "target", "work memory ratio in-proc", "load 1m huntrs / msticpy"]
    print("\n| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for w in WORKLOADS:
        r = results.get(w.name)
        if r is None:
            continue
        if "error" in r:
            print(f"| {w.name} | ERROR: {r['error'].splitlines()[0]} |" + " |" * (len(columns) - 2))
            continue
        h, p, m, d = r["huntrs"], r["huntrs_inproc"], r["msticpy"], r["derived"]
        load = f"{r['load_1m'][0]:.2f}–{r['load_1m'][1]:.2f} / {num(m.get('load_before'), '.2f')}"
        cells = [
            w.name, f"{d['input_mb']:.2f}", f"{m['median_s']:.3f}", f"{h['median_s']:.4f}", f"{p['median_s']:.4f}",
            ratio(d["speedup"]), ratio(d["inproc_speedup"]), ratio(d["cpu_speedup"]), ratio(d["inproc_cpu_speedup"]),
            check(judged(d, "speedup"), w.min_speedup, "×", JUDGED_ON["speedup"]),
            f"{d['huntrs_mb_s']:,.1f}", f"{d['inproc_mb_s']:,.1f}", num(d.get("one_cpu_mb_s"), ",.1f"),
            check(judged(d, "mb_s"), w.min_mb_s, " MB/s", JUDGED_ON["mb_s"]),
            f"{m['peak_rss_mb']:.0f}", f"{h['peak_rss_mb']:.1f}", num(p["peak_rss_mb"], ".1f"),
            ratio(d["memory_ratio"]), ratio(d["inproc_memory_ratio"]),
            check(judged(d, "memory"), MEMORY_TARGET, "×", JUDGED_ON["memory"]),
            ratio(d.get("inproc_work_memory_ratio")), load,
        ]
        print("| " + " | ".join(cells) + " |")

    print(f"\nCLI times include process start ({base['huntrs_start_s'] * 1000:.1f} ms for `huntrs --version`) and "
          "reading the input; in-process times (sectools_bench) leave both out as msticpy's do, except for auditd, "
          "where reading the file is part of the call in all three. Targets are judged on the column named in the "
          "target cell. CLI peak RSS below "
          f"{base['rss_floor_mb']:.1f} MB (the spawner's floor) reads as that floor; in-process peak RSS is the "
          "example's own (VmHWM: binary, input frame, warm-up and timed calls). Work memory ratio (shown, not "
          "judged): msticpy's peak RSS above its loaded input over huntrs's in-process one, the memory the calls "
          "themselves add. Load: huntrs's 1-minute load "
          "average before–after its runs / msticpy's before its run.")
    print("\nOutput counts (huntrs CLI JSON lines, huntrs in-process summary, msticpy's summary):\n")
    print("| workload | huntrs CLI | huntrs in-proc | msticpy | per type, huntrs CLI/msticpy |")
    print("|---|---|---|---|---|")
    for w in WORKLOADS:
        r = results.get(w.name)
        if r is None or "error" in r:
            continue
        hs, ps, ms = r["huntrs"]["summary"], r["huntrs_inproc"]["summary"], r["msticpy"]["summary"]
        if "error" in hs:
            print(f"| {w.name} | {hs['error']} | {inproc_count(ps)} | {msticpy_count(w.name, ms)} | |")
            continue
        theirs = ms.get("by_type") or ms.get("by_encoding") or {}
        ours = hs["by_type"]
        if w.kind == "proctree":  # the whole summary, field by field
            theirs = {k: v for k, v in ms.items() if isinstance(v, int)}
        if w.kind == "cluster":
            theirs = {"OutputRows": ms.get("output_rows"), "Clusters": ms.get("clusters"),
                      "NoiseRows": ms.get("noise"), "LargestCluster": ms.get("max_cluster")}
            ours = {k: v for k, v in ours.items() if k in theirs}
        if w.kind == "auditd":  # msticpy records only how many event types there are
            per_type = f"{len(ours)}/{ms['event_types']} event types"
        else:
            per_type = ", ".join(f"{k} {ours.get(k, 0)}/{theirs.get(k, 0)}" for k in sorted(set(ours) | set(theirs)))
        src = f" from {hs['src_rows']} rows" if "src_rows" in hs else ""
        msrc = f" from {ms['src_rows']} rows" if "src_rows" in ms else ""
        print(f"| {w.name} | {hs['items']} items{src} | {inproc_count(ps)} | {msticpy_count(w.name, ms)}{msrc} "
              f"| {per_type} |")
    if any(w.kind == "auditd" and w.name in results for w in WORKLOADS):
        print("\nmsticpy's auditd rows group records by timestamp alone (its mssg_id drops the serial), and it merges "
              "SYSCALL+EXECVE groups into SYSCALL_EXECVE: 381 rows for auditd_log.txt, where (timestamp, serial) "
              "makes 938 events.")
    for w in WORKLOADS:
        r = results.get(w.name)
        if w.kind == "proctree" and r and "error" not in r and r["msticpy"].get("input_rows"):
            rows = r["msticpy"]["input_rows"]
            print(f"\n{w.name}: {rows:,} input rows; huntrs in-process {rows / r['huntrs_inproc']['median_s']:,.0f} "
                  f"rows/s, CLI (incl. reading the CSV) {rows / r['huntrs']['median_s']:,.0f} rows/s, msticpy "
                  f"{rows / r['msticpy']['median_s']:,.0f} rows/s")
    for w in WORKLOADS:
        split = results.get(w.name, {}).get("huntrs_inproc", {}).get("summary", {}).get("split_s")
        if split:  # where the in-process time goes (last repetition)
            print(f"\n{w.name} in-process, last repetition: "
                  + ", ".join(f"{step} {s:.4f} s" for step, s in split.items()))


def derive(h: dict, p: dict, m: dict, p1: dict | None) -> dict:
    """Ratios against msticpy for the CLI (h) and in-process (p) huntrs runs, and the
    throughput of the in-process run pinned to one CPU (p1, where measured); speed-ups
    and memory ratios are msticpy / huntrs, so bigger is better throughout."""
    mb = h["input_bytes"] / 1e6
    return {
        "one_cpu_mb_s": None if p1 is None else mb / p1["median_s"],
        "input_mb": mb,
        "speedup": m["median_s"] / h["median_s"],
        "cpu_speedup": m["cpu_median_s"] / max(h["cpu_median_s"], 1e-6),
        "huntrs_mb_s": mb / h["median_s"],
        "memory_ratio": m["peak_rss_mb"] / h["peak_rss_mb"],
        "inproc_speedup": m["median_s"] / p["median_s"],
        "inproc_cpu_speedup": (None if p["cpu_median_s"] is None
                               else m["cpu_median_s"] / max(p["cpu_median_s"], 1e-6)),
        "inproc_mb_s": mb / p["median_s"],
        "inproc_memory_ratio": None if p["peak_rss_mb"] is None else m["peak_rss_mb"] / p["peak_rss_mb"],
        # Shown, not judged: what the calls add above the loaded input (peak minus
        # setup RSS), the memory counterpart of the in-process times.
        "inproc_work_memory_ratio": work_memory_ratio(m, p),
    }


def work_memory_ratio(m: dict, p: dict) -> float | None:
    """msticpy's peak RSS above its loaded input over huntrs's in-process one; None
    when a side did not report both or added nothing measurable."""
    if None in (m.get("setup_rss_mb"), m.get("peak_rss_mb"), p.get("setup_rss_mb"), p.get("peak_rss_mb")):
        return None
    huntrs = p["peak_rss_mb"] - p["setup_rss_mb"]
    return None if huntrs < 1 else (m["peak_rss_mb"] - m["setup_rss_mb"]) / huntrs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 repetition each (msticpy too)")
    ap.add_argument("--only", default="", help="comma-separated workload names")
    ap.add_argument("--reps", type=int,
                    help="huntrs repetitions, CLI and in-process (default 5; msticpy keeps its own)")
    ap.add_argument("--msticpy-results", type=Path,
                    help="take msticpy's numbers from this bench.py results file instead of running it")
    ap.add_argument("--out", type=Path, default=DATA / "sectools-results.json")
    ap.add_argument("--check-data", action="store_true", help="only check the data folder against its manifest")
    args = ap.parse_args()

    if args.check_data:
        problem = check_data(DATA)
        if problem:
            print(f"sectools: data not ready: {problem}", file=sys.stderr)
        return 1 if problem else 0

    names = [n for n in args.only.split(",") if n]
    unknown = set(names) - {w.name for w in WORKLOADS}
    if unknown:
        ap.error(f"unknown workload(s) {', '.join(sorted(unknown))}; choose from {', '.join(w.name for w in WORKLOADS)}")
    workloads = [w for w in WORKLOADS if not names or w.name in names]
    reps = 1 if args.quick else (args.reps or 5)
    problem = check_data(DATA)
    if problem:
        sys.exit(f"sectools: {problem}; run scripts/bench-sectools.sh (it runs gen_data.py) or set MPBENCH_DATA")
    if not HUNTRS_BIN.is_file():
        sys.exit(f"sectools: no huntrs binary at {HUNTRS_BIN}; build it (cargo build -p huntrs) or set HUNTRS_BIN")
    if not SECTOOLS_BENCH_BIN.is_file():
        sys.exit(f"sectools: no sectools_bench at {SECTOOLS_BENCH_BIN}; build it (cargo build -p sectools "
                 "--example sectools_bench) or set SECTOOLS_BENCH_BIN")
    if not args.msticpy_results and not MSTICPY_PYTHON.is_file():
        sys.exit(f"sectools: no msticpy venv at {MSTICPY_PYTHON}; run bench/install-msticpy.sh")
    # A quick run keeps its own file, so it never replaces the numbers of a full one.
    msticpy_out = args.msticpy_results or DATA / ("msticpy-results-quick.json" if args.quick else "msticpy-results.json")

    results: dict[str, dict] = {}
    try:
        base = baseline()
    except BenchError as e:
        sys.exit(f"sectools: {e}")
    with tempfile.TemporaryDirectory(prefix="huntrs-sectools-") as tmp:
        inputs = prepare_inputs(DATA, Path(tmp))
        for w in workloads:
            print(f"== {w.name}", file=sys.stderr, flush=True)
            try:
                m = (load_msticpy(msticpy_out, w.name) if args.msticpy_results
                     else bench_msticpy(w.name, args.quick, msticpy_out))
                # Load before and after huntrs's runs: on 2 cores a busy machine shows in wall times.
                load_before = os.getloadavg()[0]
                h = bench_huntrs(w, inputs, reps, Path(tmp) / f"{w.name}.out.jsonl")
                p = bench_inproc(w, inputs, reps)
                p1 = bench_inproc(w, inputs, reps, one_cpu=True) if w.min_mb_s else None
                load = [load_before, os.getloadavg()[0]]
            except BenchError as e:
                print(f"   {e}", file=sys.stderr, flush=True)
                results[w.name] = {"error": str(e)}
                continue
            d = derive(h, p, m, p1)
            results[w.name] = {"huntrs": h, "huntrs_inproc": p, "huntrs_inproc_one_cpu": p1, "msticpy": m,
                               "derived": d, "load_1m": load}
            print(f"   huntrs CLI {h['median_s']:.4f}s ({d['huntrs_mb_s']:.1f} MB/s, {h['peak_rss_mb']:.1f} MB), "
                  f"in-process {p['median_s']:.4f}s ({d['inproc_mb_s']:.1f} MB/s), "
                  f"msticpy {m['median_s']:.3f}s ({m['peak_rss_mb']:.0f} MB): "
                  f"{ratio(d['speedup'])} CLI, {ratio(d['inproc_speedup'])} in-process; load {load[1]:.2f}",
                  file=sys.stderr, flush=True)

    report(results, base)
    args.out.write_text(json.dumps({
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "huntrs_bin": str(HUNTRS_BIN),
        "sectools_bench_bin": str(SECTOOLS_BENCH_BIN),
        "huntrs_env": ONE_THREAD,
        "huntrs_reps": reps,
        "judged_on": JUDGED_ON,
        "baseline": base,
        "msticpy_results": str(msticpy_out),
        "data": str(DATA),
        "workloads": results,
    }, indent=1))
    print(f"\nresults: {args.out}", file=sys.stderr)
    return 1 if any("error" in r for r in results.values()) else 0

if __name__ == "__main__":
    sys.exit(main())
