"""The logon view in headless Chromium: the session table with failures highlighted,
the charts by account, logon type and hour, their tooltips, and the filters."""

from __future__ import annotations

from pathlib import Path


def visible_rows(page):
    return page.locator(".hv-logon-table tbody tr:visible")


def test_windows_logons_table_and_charts(open_view):
    view = open_view("logon-windows")
    page = view.page
    root = page.locator(".huntrs-view[data-huntrs-view=logon]")
    assert root.count() == 1
    headers = root.locator(".hv-logon-table thead th").all_inner_texts()
    assert headers[:4] == ["Time", "Result", "Account", "Logon type"], headers
    assert "Source IP" in headers and "Failure" in headers
    rows = root.locator(".hv-logon-table tbody tr")
    assert rows.count() > 1000
    failures = root.locator(".hv-logon-table tbody tr.hv-fail")
    assert failures.count() > 0
    # Failures stand out: a reddish background and their reason.
    colour = failures.first.locator("td").first.evaluate(
        "td => getComputedStyle(td).backgroundColor")
    r, g, b = [int(v) for v in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
    assert r > 200 and r > g + 20 and r > b + 20, colour
    assert failures.first.locator("td.hv-res").inner_text() == "failure"
    assert "0xc" in failures.first.inner_text()
    # Logon types by name.
    assert "3 Network" in rows.first.inner_text() or rows.filter(has_text="3 Network").count() > 0
    # The charts: accounts (stacked success/failure), logon types, 24 hours.
    accounts = root.locator("svg.hv-logon-chart[data-filter=account] g.hv-bar")
    assert accounts.count() == 15
    fail_widths = [float(w) for w in accounts.locator("rect.hv-bar-fail").evaluate_all(
        "rs => rs.map(r => r.getAttribute('width'))")]
    assert fail_widths[0] > 0, "the account with most failures comes first"
    kinds = root.locator("svg.hv-logon-chart[data-filter=kind] g.hv-bar")
    assert kinds.count() >= 3
    assert root.locator("svg.hv-logon-chart[data-filter=hour] g.hv-bar").count() == 24
    assert "3,113 logons" in root.locator(".hv-note").first.inner_text()
    view.assert_no_errors()


def test_capped_table_keeps_every_failure(open_view):
    view = open_view("logon-windows")
    page = view.page
    note = page.locator(".hv-logon-capped")
    assert note.count() == 1 and "the failures" in note.inner_text()
    summary = page.locator(".hv-note").first.inner_text()
    failed = int(summary.split(" failed")[0].rsplit(" ", 1)[1].replace(",", ""))
    assert page.locator(".hv-logon-table tbody tr.hv-fail").count() == failed
    view.assert_no_errors()


def test_filters_failures_only_and_chart_clicks(open_view):
    view = open_view("logon-windows")
    page = view.page
    total = visible_rows(page).count()
    page.get_by_label("failures only").check()
    failed = visible_rows(page).count()
    assert 0 < failed < total
    assert page.locator(".hv-logon-table tbody tr.hv-fail:visible").count() == failed
    page.get_by_role("button", name="clear").click()
    assert visible_rows(page).count() == total
    # Clicking an account's bar shows that account's logons only.
    bar = page.locator("svg.hv-logon-chart[data-filter=account] g.hv-bar").first
    account = bar.get_attribute("data-value")
    bar.locator("rect").last.click(force=True)
    shown = visible_rows(page)
    assert 0 < shown.count() < total
    accounts = set(shown.locator("td:nth-child(3)").all_inner_texts())
    assert accounts == {account}, accounts
    # Clicking it again clears the filter.
    bar.locator("rect").last.click(force=True)
    assert visible_rows(page).count() == total
    # The search box filters on any cell.
    page.locator(".hv-logon-tools input[type=search]").fill("RemoteInteractive")
    shown = visible_rows(page)
    assert 0 < shown.count() < total
    assert all("RemoteInteractive" in t for t in shown.locator("td:nth-child(4)").all_inner_texts())
    view.assert_no_errors()


def test_hovering_a_bar_shows_its_counts(open_view):
    view = open_view("logon-windows")
    page = view.page
    bar = page.locator("svg.hv-logon-chart[data-filter=hour] g.hv-bar").nth(9)
    bar.locator("rect").last.hover(force=True)
    tip = page.locator(".hv-tip")
    assert tip.is_visible()
    assert tip.inner_text().startswith("09:00–09:59: ")
    assert "failed" in tip.inner_text()
    view.assert_no_errors()


def test_signinlogs_sessions(open_view):
    view = open_view("logon-signinlogs")
    page = view.page
    headers = page.locator(".hv-logon-table thead th").all_inner_texts()
    assert headers[3] == "Client app" and "Location" in headers and "App" in headers, headers
    failures = page.locator(".hv-logon-table tbody tr.hv-fail")
    assert failures.count() > 0
    assert failures.filter(has_text="50126").count() > 0
    assert page.locator(".hv-logon-table tbody tr").filter(has_text="London, GB").count() > 0
    assert page.locator("svg.hv-logon-chart[data-filter=account] g.hv-bar").count() == 15
    assert "1,785 logons" in page.locator(".hv-note").first.inner_text()
    view.assert_no_errors()


def test_logon_view_shows_without_javascript(gallery, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((Path(gallery["__dir__"]) / "logon-windows.html").as_uri())
        assert page.locator(".hv-logon-table tbody tr.hv-fail").count() > 0
        assert page.locator("svg.hv-logon-chart g.hv-bar").count() > 24
        assert "failed" in page.locator("svg.hv-logon-chart g.hv-bar title").first.text_content()
    finally:
        context.close()
