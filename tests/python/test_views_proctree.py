"""Browser tests of the process-tree view: the gallery pages proctree-sample (the
sample SecurityEvent 4688 tree), proctree-mde (DeviceProcessEvents) and proctree-50k
(50,000 synthetic processes)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

COLLAPSED = "\u25b8"


def node(page, index: str):
    return page.locator(f'.pt-live li[data-i="{index}"]')


def first_collapsed(page) -> str:
    """data-i of the first drawn process that has children and is closed."""
    tog = page.locator(".pt-live .pt-tog", has_text=COLLAPSED).first
    expect(tog).to_be_visible()
    return tog.locator("xpath=../..").get_attribute("data-i")


def test_sample_tree_draws_with_legend(open_view):
    view = open_view("proctree-sample")
    page = view.page
    expect(page.locator(".pt-live > li[data-i]").first).to_be_visible()
    # The script replaces the static tree with its own.
    assert page.locator(".pt-static").count() == 0
    # The top levels start open: the first process's children are on screen.
    expect(page.locator(".pt-live > li[data-i] > ul > li[data-i]").nth(1)).to_be_visible()
    assert page.locator(".pt-legend .pt-key").count() >= 2
    assert "Computer:" in page.locator(".pt-legend").inner_text()
    view.assert_no_errors()


def test_expanding_shows_children_and_collapsing_hides_them(open_view):
    view = open_view("proctree-sample")
    page = view.page
    index = first_collapsed(page)
    kids = node(page, index).locator(":scope > ul > li[data-i]")
    assert kids.count() == 0
    node(page, index).locator(":scope > .pt-r .pt-tog").click()
    expect(kids.first).to_be_visible()
    assert kids.count() >= 1
    node(page, index).locator(":scope > .pt-r .pt-tog").click()
    expect(kids.first).to_be_hidden()
    node(page, index).locator(":scope > .pt-r .pt-tog").click()
    expect(kids.first).to_be_visible()
    view.assert_no_errors()


def test_search_highlights_and_expands_ancestors(open_view):
    view = open_view("proctree-sample")
    page = view.page
    box = page.locator(".pt-q")
    box.fill("whoami")
    box.press("Enter")
    count = page.locator(".pt-count")
    expect(count).to_have_text(re.compile(r"^1 of \d+ match(es)?$"))
    total = int(re.search(r"of (\d+)", count.inner_text()).group(1))
    current = page.locator(".pt-live .pt-cur")
    expect(current).to_have_count(1)
    # Its ancestors were opened, so it is on screen, with the match marked.
    expect(current).to_be_visible()
    expect(current.locator("mark").first).to_have_text(re.compile("whoami", re.I))
    assert page.locator(".pt-live mark").count() >= 1
    if total > 1:
        page.locator(".pt-next").click()
        expect(count).to_have_text(re.compile(r"^2 of "))
        page.locator(".pt-prev").click()
        expect(count).to_have_text(re.compile(r"^1 of "))
    box.fill("no-such-process-xyz")
    box.press("Enter")
    expect(count).to_have_text("no matches")
    expect(page.locator(".pt-live mark")).to_have_count(0)
    view.assert_no_errors()


def test_hover_shows_the_command_line(open_view):
    view = open_view("proctree-sample")
    page = view.page
    row = page.locator(".pt-live .pt-r", has=page.locator(".pt-cmd")).first
    cmd = row.locator(".pt-cmd").inner_text()
    row.locator(".pt-name").hover()
    tip = page.locator(".hv-tip")
    expect(tip).to_be_visible()
    text = tip.inner_text()
    assert "Command line: " in text
    assert cmd.rstrip("\u2026")[:40] in text
    view.assert_no_errors()


def test_mde_tree_colours_by_account(open_view):
    view = open_view("proctree-mde")
    page = view.page
    expect(page.locator(".pt-live > li[data-i]").first).to_be_visible()
    assert "AccountName:" in page.locator(".pt-legend").inner_text()
    view.assert_no_errors()


@pytest.mark.serial
def test_50k_tree_loads_expands_and_searches_quickly(open_view):
    started = time.monotonic()
    view = open_view("proctree-50k")
    page = view.page
    expect(page.locator(".pt-live > li[data-i]").first).to_be_visible()
    loaded = time.monotonic() - started
    # The initial rows stay few however large the tree is.
    assert page.locator(".pt-live li[data-i]").count() <= 1000
    assert loaded < 15, f"page took {loaded:.1f}s to load"

    index = first_collapsed(page)
    started = time.monotonic()
    node(page, index).locator(":scope > .pt-r .pt-tog").click()
    expect(node(page, index).locator(":scope > ul > li[data-i]").first).to_be_visible()
    assert time.monotonic() - started < 3

    # Each of the 50 hosts has exactly one process with this command-line ending.
    started = time.monotonic()
    box = page.locator(".pt-q")
    box.fill("--id 999")
    box.press("Enter")
    expect(page.locator(".pt-count")).to_have_text("1 of 50 matches")
    expect(page.locator(".pt-live .pt-cur")).to_be_visible()
    assert time.monotonic() - started < 5
    page.locator(".pt-next").click()
    expect(page.locator(".pt-count")).to_have_text("2 of 50 matches")
    assert page.locator(".pt-expand").is_disabled()
    view.assert_no_errors()


def test_static_tree_without_scripts(gallery, browser):
    """What nbconvert/GitHub readers see: nested <details>, no script needed."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((Path(gallery["__dir__"]) / "proctree-50k.html").as_uri())
        static = page.locator(".pt-static")
        expect(static).to_be_visible()
        assert static.locator("summary").count() >= 1
        # 50,000 processes and their inferred parent(s).
        assert re.search(r"shows 500 of 50,0\d\d processes", static.inner_text())
        assert page.locator(".pt-live").count() == 0
    finally:
        context.close()
