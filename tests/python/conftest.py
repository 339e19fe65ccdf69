"""Session set-up for the huntrs kernel's Python integration tests.

Finds the `huntrs` binary, installs its kernelspec (and preload cache) into a
temporary prefix once per session, and points JUPYTER_PATH there, so that
jupyter_client finds kernel `huntrs` without touching the user's own install.

Binary lookup: $HUNTRS_BIN, else $CARGO_TARGET_DIR/debug/huntrs, else
<repo>/target/debug/huntrs. Build it with `cargo build -p huntrs`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from huntrs_testing import REPO

# Browser fixtures for the view tests (gallery pages, headless Chromium).
pytest_plugins = ["views_browser"]

# First install on a machine builds the preload cache, which can take minutes.
INSTALL_TIMEOUT = float(os.environ.get("HUNTRS_INSTALL_TIMEOUT", "1800"))


def find_huntrs_binary() -> Path:
    """The huntrs binary the tests run: the first of the lookup order above that
    applies (a set variable is not second-guessed, so no stale binary is used)."""
    if os.environ.get("HUNTRS_BIN"):
        label, path = "$HUNTRS_BIN", Path(os.environ["HUNTRS_BIN"])
    elif os.environ.get("CARGO_TARGET_DIR"):
        # Like cargo, a relative CARGO_TARGET_DIR counts from the working directory.
        target = Path(os.environ["CARGO_TARGET_DIR"]).absolute()
        label, path = "$CARGO_TARGET_DIR/debug/huntrs", target / "debug" / "huntrs"
    else:
        label, path = "<repo>/target/debug/huntrs", REPO / "target" / "debug" / "huntrs"

    if path.is_file() and os.access(path, os.X_OK):
        return path.resolve()
    pytest.exit(
        f"huntrs binary not found at {label} = {path}; build it with "
        "`cargo build -p huntrs`, or point HUNTRS_BIN at it",
        returncode=2,
    )
    raise AssertionError("unreachable")


def _announce(config: pytest.Config, text: str) -> None:
    """Writes a line to the terminal even while output is captured."""
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is None:
        print(text, file=sys.stderr)
        return
    with capman.global_and_fixture_disabled():
        print(text, file=sys.stderr, flush=True)


@pytest.fixture(scope="session")
def huntrs_bin() -> Path:
    """Absolute path of the huntrs binary under test."""
    return find_huntrs_binary()


@pytest.fixture(scope="session", autouse=True)
def huntrs_kernelspec(request: pytest.FixtureRequest, pytestconfig: pytest.Config):
    """Installs kernelspec `huntrs` into a temporary prefix for the whole session.

    Yields the kernelspec's directory. JUPYTER_PATH points at the prefix while the
    session runs, and is restored afterwards. A session of view tests only
    (test_views_*.py: static pages in a browser) needs no kernel and installs none.
    """
    if all(Path(str(item.path)).name.startswith("test_views_") for item in request.session.items):
        yield None
        return
    huntrs_bin = request.getfixturevalue("huntrs_bin")
    prefix = Path(tempfile.mkdtemp(prefix="huntrs-test-prefix-"))
    log_path = prefix / "install.log"
    _announce(
        pytestconfig,
        f"\n[huntrs] {huntrs_bin} install --prefix {prefix} "
        "(the first run on a machine builds the preload cache; this can take minutes)",
    )
    with open(log_path, "w") as log:
        try:
            proc = subprocess.run(
                [str(huntrs_bin), "install", "--prefix", str(prefix)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            tail = log_path.read_text(errors="replace")[-4000:]
            pytest.exit(
                f"`huntrs install` did not finish within {INSTALL_TIMEOUT:.0f} s; its output:\n{tail}",
                returncode=2,
            )
    if proc.returncode != 0:
        tail = log_path.read_text(errors="replace")[-4000:]
        pytest.exit(
            f"`huntrs install --prefix {prefix}` failed (exit {proc.returncode}); its output:\n{tail}",
            returncode=2,
        )
    spec_dir = prefix / "share" / "jupyter" / "kernels" / "huntrs"
    if not (spec_dir / "kernel.json").is_file():
        pytest.exit(f"`huntrs install` succeeded but wrote no {spec_dir / 'kernel.json'}", returncode=2)

    env = {
        "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
        # Warm spare engines that the test kernels leave behind exit soon after the
        # session instead of idling for an hour (unless the caller chose otherwise).
        "HUNTRS_SPARE_IDLE_SECS": os.environ.get("HUNTRS_SPARE_IDLE_SECS", "120"),
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield spec_dir
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(prefix, ignore_errors=True)
