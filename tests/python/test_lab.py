"""The main job: `huntrs lab` prepares the environment and serves JupyterLab with
the huntrs kernel; `--headless` executes a notebook instead."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from huntrs_testing import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_serves_jupyterlab_with_the_huntrs_kernel(huntrs_bin: Path, tmp_path: Path):
    port = free_port()
    token = "huntrs-test-token"
    env = dict(os.environ, JUPYTER_TOKEN=token, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = open(tmp_path / "lab.log", "w")
    lab = subprocess.Popen(
        [str(huntrs_bin), "lab", "--no-browser", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 240
        specs = None
        while time.monotonic() < deadline and lab.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/api/kernelspecs?token={token}"
                with urllib.request.urlopen(url, timeout=2) as response:
                    specs = json.load(response)
                break
            except OSError:
                time.sleep(1)
        assert specs is not None, (tmp_path / "lab.log").read_text()[-3000:]
        huntrs = specs["kernelspecs"].get("huntrs")
        assert huntrs is not None, specs
        assert huntrs["spec"]["display_name"] == "Rust · huntrs"
        url = f"http://127.0.0.1:{port}/api/contents/00-kernel-tour.ipynb?token={token}&content=0"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert json.load(response)["type"] == "notebook", "JupyterLab serves notebooks/"
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            lab.kill()
        log.close()
    # JupyterLab stops with `huntrs lab`: terminated, it leaves no server behind.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and serves(port):
        time.sleep(0.5)
    assert not serves(port), "JupyterLab kept serving after `huntrs lab` was terminated"


def serves(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_lab_headless_executes_a_notebook(huntrs_bin: Path):
    notebook = REPO / "notebooks" / "00-kernel-tour.ipynb"
    result = subprocess.run(
        [str(huntrs_bin), "lab", "--headless", str(notebook)],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    executed = json.loads((REPO / "out" / notebook.name).read_text())
    outputs = [o for c in executed["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs, "the executed notebook has outputs"
    assert not [o for o in outputs if o["output_type"] == "error"]
