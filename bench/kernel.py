"""Side-by-side kernel benchmark: huntrs vs evcxr_jupyter 0.22, in one run.

Measures, for each kernel, through jupyter_client:
  (a) kernel start -> first result of a cell using the huntrs crates (warm cache);
      evcxr_jupyter has no preload, so its cell brings the crate in with `:dep`.
      huntrs is measured twice: claiming the warm spare engine that every huntrs
      kernel leaves behind (the normal case: a notebook opened or restarted after
      the first), and with spares off (HUNTRS_SPARE=0: the kernel starts its own
      engine, as the very first kernel on a machine does)
  (b) median of 20 trivial cells
  (c) median of 20 cells calling a huntrs crate
  (e) restart -> first result using a huntrs crate, for two restarts in a row (the
      restart request included; evcxr_jupyter needs its `:dep` again)
and for huntrs alone:
  (d) the cold preload (`huntrs preload` into an empty cache), once, and whether a
      later kernel start compiles anything. BENCH_COLD_PRELOAD=0 skips it (it takes
      half an hour on 2 cores).

Run:  scripts/bench-kernel.sh   (installs evcxr_jupyter 0.22 once, then runs this)
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client import KernelManager

REPO = Path(__file__).resolve().parent.parent
STARTS = int(os.environ.get("BENCH_STARTS", "3"))
CELLS = int(os.environ.get("BENCH_CELLS", "20"))
RESTARTS = 2


def kernelspecs(huntrs: Path, evcxr: Path, root: Path) -> Path:
    data = root / "share" / "jupyter"
    subprocess.run([str(huntrs), "install", "--prefix", str(root), "--no-preload"], check=True,
                   stdout=subprocess.DEVNULL)
    spec = data / "kernels" / "evcxr_bench"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(evcxr), "--control_file", "{connection_file}"],
        "display_name": "evcxr 0.22 (bench)", "language": "rust", "interrupt_mode": "message",
    }))
    return data


def run_cell(client, code: str, timeout: float = 600.0) -> tuple[float, dict]:
    started = time.perf_counter()
    msg_id = client.execute(code)
    while True:
        reply = client.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    elapsed = time.perf_counter() - started
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"cell failed: {code!r}: {reply['content']}")
    return elapsed, reply["content"]


CACHE_KEY = ""  # set in main from `huntrs preload`'s output


def spare_ready(timeout: float = 120.0) -> bool:
    """Waits until a spare engine of this build is listening (kernel/src/worker.rs):
    a socket `spare-<pid>.sock` in this cache's socket folder, of a live process."""
    folder = Path(tempfile.gettempdir()) / f"huntrs-{os.getuid()}-{CACHE_KEY}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for sock in folder.glob("spare-*.sock"):
            pid = sock.stem.removeprefix("spare-")
            if pid.isdigit() and Path(f"/proc/{pid}").exists():
                return True
        time.sleep(0.2)
    return False


def start(name: str, env: dict | None = None):
    started = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel(env=dict(os.environ, **(env or {})))
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=600)
    return km, client, started


# The crate cells use `entities`, the huntrs crate without polars: through `:dep`,
# evcxr_jupyter would compile polars first, which takes over half an hour on 2 cores.
def crate_cell(kernel: str, i: int) -> str:
    return f'entities::Host::from_fqdn("host{i}.example").host_name'


def first_cell(kernel: str) -> str:
    if kernel == "huntrs":
        return crate_cell(kernel, 0)
    path = REPO / "crates" / "entities"
    return f':dep entities = {{ path = "{path}" }}\n{crate_cell(kernel, 0)}'


def measure(kernel: str, env: dict | None = None, wait_for_spare: bool = False) -> dict:
    firsts = []
    trivial: list[float] = []
    crate: list[float] = []
    restarts: list[float] = []
    for run in range(STARTS):
        if wait_for_spare and not spare_ready():
            raise RuntimeError("no huntrs spare engine appeared within 120 s")
        km, client, started = start(kernel, env)
        try:
            run_cell(client, first_cell(kernel))
            firsts.append(time.perf_counter() - started)
            if run == 0:
                for i in range(CELLS):
                    trivial.append(run_cell(client, f"{i} + 1")[0])
                for i in range(CELLS):
                    crate.append(run_cell(client, crate_cell(kernel, i))[0])
                for _ in range(RESTARTS):
                    started = time.perf_counter()
                    km.restart_kernel(now=False)
                    client.wait_for_ready(timeout=600)
                    run_cell(client, first_cell(kernel))
                    restarts.append(time.perf_counter() - started)
        finally:
            client.stop_channels()
            km.shutdown_kernel(now=True)
    return {
        "start_to_first_result_s": statistics.median(firsts),
        "start_to_first_result_all_s": firsts,
        "trivial_cell_median_s": statistics.median(trivial),
        "trivial_cell_p90_s": sorted(trivial)[int(0.9 * (len(trivial) - 1))],
        "crate_cell_median_s": statistics.median(crate),
        "restart_to_first_result_s": max(restarts),
        "restart_to_first_result_all_s": restarts,
    }


def cold_preload(huntrs: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="huntrs-cold-cache-") as cache:
        env = dict(os.environ, HUNTRS_CACHE_DIR=cache)
        started = time.perf_counter()
        subprocess.run([str(huntrs), "preload"], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        second = subprocess.run([str(huntrs), "preload"], check=True, env=env,
                                capture_output=True, text=True)
        warm = time.perf_counter() - started
        recompiled = [l for l in second.stderr.splitlines() if "Compiling" in l]
    return {"cold_preload_s": cold, "warm_preload_s": warm, "crates_recompiled_when_warm": len(recompiled)}


def main() -> int:
    huntrs = Path(os.environ["HUNTRS_BIN"])
    evcxr = Path(os.environ["EVCXR_JUPYTER"])
    with tempfile.TemporaryDirectory(prefix="huntrs-bench-") as root:
        os.environ["JUPYTER_PATH"] = str(kernelspecs(huntrs, evcxr, Path(root)))
        # Warm huntrs's cache first: (a)-(c) are about warm starts.
        preload = subprocess.run([str(huntrs), "preload"], check=True, capture_output=True, text=True)
        global CACHE_KEY
        CACHE_KEY = re.search(r"/(v[0-9.]+-[0-9a-f]{16})\b", preload.stderr).group(1)
        results = {
            "huntrs": measure("huntrs", wait_for_spare=True),
            "huntrs, spares off": measure("huntrs", env={"HUNTRS_SPARE": "0"}),
            "evcxr_jupyter 0.22": measure("evcxr_bench"),
        }
    if os.environ.get("BENCH_COLD_PRELOAD", "1") != "0":
        results["huntrs"].update(cold_preload(huntrs))
    h, n, e = results["huntrs"], results["huntrs, spares off"], results["evcxr_jupyter 0.22"]
    rows = [
        ("(a) start -> first result using a huntrs crate", h, "start_to_first_result_s"),
        ("    same, spares off (first kernel on a machine)", n, "start_to_first_result_s"),
        ("(b) trivial cell, median", h, "trivial_cell_median_s"),
        ("(c) cell calling a huntrs crate, median", h, "crate_cell_median_s"),
        ("(e) restart -> first result, slower of 2 in a row", h, "restart_to_first_result_s"),
        ("    same, spares off", n, "restart_to_first_result_s"),
    ]
    print(f"\n{'measure':<50} {'huntrs':>10} {'evcxr':>10} {'huntrs/evcxr':>13}")
    for label, ours, key in rows:
        print(f"{label:<50} {ours[key]:>9.2f}s {e[key]:>9.2f}s {ours[key] / e[key]:>13.2f}")
    if "cold_preload_s" in h:
        print(f"{'(d) cold preload, once':<50} {h['cold_preload_s']:>9.1f}s")
        print(f"{'    preload again (warm cache)':<50} {h['warm_preload_s']:>9.1f}s "
              f"(crates recompiled: {h['crates_recompiled_when_warm']})")
    out = REPO / "out"
    out.mkdir(exist_ok=True)
    (out / "bench-kernel.json").write_text(json.dumps(results, indent=2))
    print(f"\nraw numbers: {out / 'bench-kernel.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
