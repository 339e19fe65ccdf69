"""Browser tests of the data viewer: the gallery pages data-viewer-signins (SigninLogs,
1,785 rows), data-viewer-security (SecurityEvent, more rows than the viewer holds)
and data-table-small (the plain table small frames get)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect


def body_rows(page):
    return page.locator(".dv-app tbody tr")


def headers(page) -> list[str]:
    return [
        h.split("\n")[0]
        for h in page.locator(".dv-app thead th").all_inner_texts()
    ]


def test_viewer_draws_the_first_page(open_view):
    view = open_view("data-viewer-signins")
    page = view.page
    expect(body_rows(page)).to_have_count(25)
    assert page.locator(".dv-static").count() == 0
    expect(page.locator(".dv-status")).to_contain_text("Rows 1\u201325 of 1,785")
    assert headers(page)[:4] == ["#", "TimeGenerated", "UserPrincipalName", "IPAddress"]
    # Times are ISO 8601, UTC.
    first_time = body_rows(page).first.locator("td").nth(1).inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})?Z", first_time), first_time
    view.assert_no_errors()


def test_paging_changes_the_rows(open_view):
    view = open_view("data-viewer-signins")
    page = view.page
    first = body_rows(page).first.locator(".dv-rownum")
    expect(first).to_have_text("0")
    page.locator(".dv-next").click()
    expect(first).to_have_text("25")
    expect(page.locator(".dv-status")).to_contain_text("Rows 26\u201350")
    page.locator(".dv-prev").click()
    expect(first).to_have_text("0")
    page.locator(".dv-size").select_option("10")
    expect(body_rows(page)).to_have_count(10)
    page.locator(".dv-last").click()
    expect(page.locator(".dv-status")).to_contain_text("of 1,785 \u00b7 page 179 of 179")
    expect(body_rows(page)).to_have_count(5)
    view.assert_no_errors()


def test_filter_box_filters(open_view):
    view = open_view("data-viewer-signins")
    page = view.page
    page.locator(".dv-q").fill("50126")
    status = page.locator(".dv-status")
    expect(status).to_contain_text("(filtered from 1,785)")
    shown = int(re.search(r"of ([\d,]+)", status.inner_text()).group(1).replace(",", ""))
    assert 0 < shown < 1785
    for text in body_rows(page).all_inner_texts():
        assert "50126" in text
    page.locator(".dv-q").fill("")
    expect(status).to_contain_text("Rows 1\u201325 of 1,785")
    view.assert_no_errors()


def test_column_chooser_hides_and_shows_a_column(open_view):
    view = open_view("data-viewer-signins")
    page = view.page
    assert "IPAddress" in headers(page)
    page.locator(".dv-cols > summary").click()
    box = page.locator(".dv-cols-list label", has_text="IPAddress").locator("input")
    box.uncheck()
    expect(page.locator(".dv-app thead th", has_text="IPAddress")).to_have_count(0)
    assert len(body_rows(page).first.locator("td").all()) == len(headers(page))
    # A column hidden at first can be shown.
    page.locator(".dv-cols-list label", has_text="UserAgent").locator("input").check()
    expect(page.locator(".dv-app thead th", has_text="UserAgent")).to_have_count(1)
    expect(page.locator(".dv-cols > summary")).to_contain_text("Columns (")
    view.assert_no_errors()


def test_sorting_by_a_column(open_view):
    view = open_view("data-viewer-signins")
    page = view.page
    header = page.locator(".dv-app thead th", has_text="TimeGenerated")
    header.click()
    header.click()
    expect(header).to_have_class(re.compile("dv-desc"))
    times = [r.split("\t")[1] for r in body_rows(page).all_inner_texts()[:5]]
    assert times == sorted(times, reverse=True)
    view.assert_no_errors()


def test_large_frame_says_what_was_left_out(open_view):
    view = open_view("data-viewer-security")
    page = view.page
    expect(body_rows(page)).to_have_count(25)
    note = page.locator(".dv-left-out")
    expect(note).to_contain_text("Showing the first 10,000 of 17,593 rows")
    expect(note).to_contain_text("max_rows")
    expect(page.locator(".dv-status")).to_contain_text("7,593 rows not in this view")
    # Integer columns are right-aligned.
    assert "dv-num" in page.locator(".dv-app thead th", has_text="EventID").get_attribute("class")
    assert page.locator(".dv-app tbody td.dv-num").count() >= 25
    view.assert_no_errors()


def test_small_table_is_plain_html(open_view):
    view = open_view("data-table-small")
    page = view.page
    expect(page.locator("table.dv-table tbody tr")).to_have_count(8)
    assert page.locator("script").count() == 0
    expect(page.locator(".dv-shape")).to_have_text(re.compile(r"^8 rows × \d+ columns$"))
    view.assert_no_errors()


def test_first_page_without_scripts(gallery, browser):
    """What nbconvert/GitHub readers see: the first page as a table."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((Path(gallery["__dir__"]) / "data-viewer-signins.html").as_uri())
        table = page.locator(".dv-static table")
        expect(table).to_be_visible()
        expect(table.locator("tbody tr")).to_have_count(25)
        # Nothing interactive is drawn.
        assert page.locator(".dv-app").inner_text() == ""
    finally:
        context.close()
