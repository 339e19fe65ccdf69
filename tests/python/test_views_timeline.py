"""Event timeline views in headless Chromium: the gallery pages timeline-basic,
-groups, -duration and -values (crates/nbtools/examples/view_gallery/timeline.rs)."""

from __future__ import annotations

import pytest

ROOT = '.huntrs-view[data-huntrs-view="timeline"]'
MARKS = f"{ROOT} svg.tl-plot g.tl-s > *"
TICKS = f"{ROOT} g.tl-axis text"


def tick_labels(page) -> list[str]:
    return page.locator(TICKS).all_text_contents()


def tick_xs(page) -> list[float]:
    return page.eval_on_selector_all(TICKS, "ts => ts.map(t => +t.getAttribute('x'))")


def first_mark_x(page) -> float:
    return page.eval_on_selector(
        MARKS, "el => +(el.getAttribute('cx') ?? el.getAttribute('x'))"
    )


def wheel_over_plot(page, delta_y: float, times: int = 1) -> None:
    box = page.locator(f"{ROOT} rect.tl-frame").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    for _ in range(times):
        page.mouse.wheel(0, delta_y)
    page.wait_for_timeout(50)


@pytest.mark.parametrize(
    "name", ["timeline-basic", "timeline-groups", "timeline-duration", "timeline-values"]
)
def test_page_draws_marks_axis_and_legend(open_view, name):
    view = open_view(name)
    page = view.page
    assert page.locator(f"{ROOT}[data-huntrs-ready]").count() == 1
    assert page.locator(MARKS).count() > 0
    assert len(tick_labels(page)) >= 3
    assert page.locator(f"{ROOT} .tl-legend .tl-key").count() >= 1
    # The script shows the zoom controls; the static page keeps them hidden.
    assert page.locator(f"{ROOT} .tl-reset").is_visible()
    view.assert_no_errors()


def test_groups_have_lanes_legend_overlay_and_reference(open_view):
    view = open_view("timeline-groups")
    page = view.page
    lanes = page.locator(f"{ROOT} g.tl-lanes text").all_text_contents()
    legend = page.locator(f"{ROOT} .tl-legend .tl-key").all_inner_texts()
    assert lanes[0] == "Alerts"
    assert len(lanes) == len(legend) >= 3
    assert legend[0].startswith("Alerts")
    assert page.locator(f"{ROOT} g.tl-ov > circle").count() > 0
    assert page.locator(f"{ROOT} .tl-ref text").text_content() == "phish opened"
    # Every lane's marks have that lane's colour.
    fills = page.eval_on_selector_all(
        f"{ROOT} g.tl-s:not(.tl-ov)", "gs => gs.map(g => g.getAttribute('fill'))"
    )
    assert len(set(fills[:10])) == min(len(fills), 10)
    view.assert_no_errors()


def test_hover_shows_the_chosen_columns(open_view):
    view = open_view("timeline-basic")
    page = view.page
    mark = page.locator(MARKS).first
    mark.hover(force=True)
    tip = page.locator(f"{ROOT} .hv-tip")
    tip.wait_for(state="visible", timeout=2000)
    text = tip.inner_text()
    assert "Account: " in text and "CommandLine: " in text and "Computer: " in text, text
    # The first line is the (first) event's time.
    assert text.splitlines()[0].startswith("20"), text
    page.mouse.move(2, 2)
    assert not tip.is_visible()
    view.assert_no_errors()


def test_hover_on_a_duration_bar_and_a_value(open_view):
    view = open_view("timeline-duration")
    view.page.locator(MARKS).first.hover(force=True)
    text = view.page.locator(f"{ROOT} .hv-tip").inner_text()
    assert "\u2192" in text and " events" in text, text
    view = open_view("timeline-values")
    view.page.locator(MARKS).first.hover(force=True)
    text = view.page.locator(f"{ROOT} .hv-tip").inner_text()
    assert "SentBytes: " in text and "SourceIP: " in text, text
    view.assert_no_errors()


@pytest.mark.parametrize("name", ["timeline-groups", "timeline-duration", "timeline-values"])
def test_wheel_zooms_and_reset_restores(open_view, name):
    view = open_view(name)
    page = view.page
    before_ticks = tick_labels(page)
    before_x = first_mark_x(page)
    wheel_over_plot(page, -120, times=4)
    zoomed_ticks = tick_labels(page)
    assert zoomed_ticks != before_ticks
    assert first_mark_x(page) != before_x
    # Zooming in spreads the marks: the first one moves left of the cursor's time.
    if name != "timeline-duration":
        assert first_mark_x(page) < before_x
    page.locator(f"{ROOT} .tl-reset").click()
    assert tick_labels(page) == before_ticks
    assert first_mark_x(page) == pytest.approx(before_x, abs=0.01)
    view.assert_no_errors()


def test_drag_pans_and_double_click_resets(open_view):
    view = open_view("timeline-groups")
    page = view.page
    before_ticks = tick_xs(page)
    before_x = first_mark_x(page)
    box = page.locator(f"{ROOT} rect.tl-frame").bounding_box()
    y = box["y"] + 4
    page.mouse.move(box["x"] + 300, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 400, y, steps=5)
    page.mouse.up()
    page.wait_for_timeout(50)
    assert first_mark_x(page) == pytest.approx(before_x + 100, abs=1)
    # The ticks move with the data (their labels may stay: a pan of a day on a
    # week-long axis keeps its two-day ticks).
    assert tick_xs(page) != before_ticks
    page.locator(f"{ROOT} svg.tl-svg").dblclick(position={"x": 500, "y": 10})
    page.wait_for_timeout(50)
    assert tick_xs(page) == before_ticks
    assert first_mark_x(page) == pytest.approx(before_x, abs=0.01)
    view.assert_no_errors()
