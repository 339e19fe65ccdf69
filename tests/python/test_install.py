"""`huntrs install` / `huntrs uninstall`: the kernelspec they write and remove."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

INSTALL_TIMEOUT = 1800


def test_kernelspec_contents(huntrs_bin: Path, huntrs_kernelspec: Path):
    spec = json.loads((huntrs_kernelspec / "kernel.json").read_text())
    assert spec["argv"] == [str(huntrs_bin), "kernel", "--connection-file", "{connection_file}"], spec
    assert Path(spec["argv"][0]).is_absolute()
    assert spec["display_name"] == "Rust · huntrs", spec
    assert spec["language"] == "rust", spec
    assert spec["interrupt_mode"] == "message", spec
    logos = sorted(p.name for p in huntrs_kernelspec.glob("logo-*"))
    assert logos, f"no logos in {huntrs_kernelspec}: {sorted(p.name for p in huntrs_kernelspec.iterdir())}"
    for logo in huntrs_kernelspec.glob("logo-*"):
        assert logo.stat().st_size > 0, logo


def test_jupyter_client_finds_the_test_install(huntrs_kernelspec: Path):
    spec = KernelSpecManager().get_kernel_spec("huntrs")
    assert Path(spec.resource_dir).resolve() == huntrs_kernelspec.resolve()
    assert spec.interrupt_mode == "message"


def test_install_then_uninstall_prefix(huntrs_bin: Path, tmp_path: Path):
    def huntrs(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [str(huntrs_bin), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        assert proc.returncode == 0, f"huntrs {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc

    spec_dir = tmp_path / "share" / "jupyter" / "kernels" / "huntrs"
    huntrs("install", "--prefix", str(tmp_path))
    assert (spec_dir / "kernel.json").is_file()
    # Installing again over an existing install works too.
    huntrs("install", "--prefix", str(tmp_path))
    assert (spec_dir / "kernel.json").is_file()
    huntrs("uninstall", "--prefix", str(tmp_path))
    assert not spec_dir.exists()


def test_install_sys_prefix_uses_virtual_env(huntrs_bin: Path, tmp_path: Path):
    env = {**os.environ, "VIRTUAL_ENV": str(tmp_path)}
    spec_dir = tmp_path / "share" / "jupyter" / "kernels" / "huntrs"
    for action in ("install", "uninstall"):
        proc = subprocess.run(
            [str(huntrs_bin), action, "--sys-prefix"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        assert proc.returncode == 0, f"huntrs {action} --sys-prefix failed:\n{proc.stdout}\n{proc.stderr}"
        assert (spec_dir / "kernel.json").is_file() == (action == "install"), (action, spec_dir)
