"""Headless Chromium for the view tests: the gallery of standalone view pages
(`crates/nbtools/examples/view_gallery`) and a Playwright browser to load them.

The gallery binary is $CARGO_TARGET_DIR/debug/examples/view_gallery (test.sh builds
it; by hand: `cargo build -p nbtools --example view_gallery`). Chromium is Debian's
(/usr/bin/chromium, installed by scripts/setup-system.sh) or $HUNTRS_CHROMIUM.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from huntrs_testing import REPO

# Flags that keep Chromium off the (closed) network and quiet as root in a container.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def gallery_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")).absolute()
    return target / "debug" / "examples" / "view_gallery"


def chromium_path() -> str:
    path = os.environ.get("HUNTRS_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).is_file():
        pytest.fail(
            f"Chromium not found at {path}; run scripts/setup-system.sh (as root) "
            "or point HUNTRS_CHROMIUM at a Chromium binary"
        )
    return path


@pytest.fixture(scope="session")
def gallery(tmp_path_factory) -> dict[str, str]:
    """Writes every view page; returns page file → view kind (pages are in
    `gallery_dir`)."""
    binary = gallery_binary()
    if not binary.is_file():
        pytest.fail(
            f"view gallery not built at {binary}; run "
            "`cargo build -p nbtools --example view_gallery`"
        )
    out = tmp_path_factory.mktemp("gallery")
    subprocess.run([str(binary), str(out)], check=True, timeout=300)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["__dir__"] = str(out)
    return manifest


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class LoadedView:
    """A page with one view loaded, and the JavaScript errors it raised."""

    page: object
    errors: list[str] = field(default_factory=list)

    def assert_no_errors(self) -> None:
        assert not self.errors, f"JavaScript errors: {self.errors}"


@pytest.fixture()
def open_view(gallery, browser):
    """open_view('timeline-basic') loads gallery page timeline-basic.html and waits
    until its view's script has set it up."""
    contexts = []

    def open_(name: str) -> LoadedView:
        file = f"{name}.html"
        assert file in gallery, f"no gallery page {file}; pages: {sorted(gallery)}"
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        loaded = LoadedView(page)
        page.on("pageerror", lambda error: loaded.errors.append(str(error)))
        page.on(
            "console",
            lambda msg: loaded.errors.append(msg.text) if msg.type == "error" else None,
        )
        page.goto((Path(gallery["__dir__"]) / file).as_uri())
        page.wait_for_load_state("load")
        return loaded

    yield open_
    for context in contexts:
        context.close()
