"""The IP map in headless Chromium: the offline world outlines and the located points
draw, hovering a point shows its tooltip, zoom works, and rows the map cannot place
are reported, not lost."""

from __future__ import annotations

import re
from pathlib import Path


def ring_width(ring: str) -> int:
    """Width of one `x y l dx dy ...z` ring of an outline path, in map units."""
    numbers = [int(n) for n in re.findall(r"-?\d+", ring)]
    x = low = high = numbers[0]
    for dx in numbers[2::2]:
        x += dx
        low, high = min(low, x), max(high, x)
    return high - low


def test_signin_map_draws_countries_points_and_legend(open_view):
    view = open_view("map-signins")
    page = view.page
    svg = page.locator(".huntrs-view[data-huntrs-view=ip-map] svg.hv-map")
    assert svg.count() == 1
    assert svg.locator("g.hv-land path").count() > 170
    points = svg.locator("circle.hv-pt")
    assert points.count() >= 5
    # Every point lies inside the drawn map.
    box = svg.bounding_box()
    for i in range(points.count()):
        p = points.nth(i).bounding_box()
        assert p and box["x"] <= p["x"] + p["width"] / 2 <= box["x"] + box["width"]
        assert box["y"] <= p["y"] + p["height"] / 2 <= box["y"] + box["height"]
    legend = page.locator(".hv-map-legend").inner_text()
    assert "0 (" in legend and "50126" in legend, legend
    assert "1,785 events" in page.locator(".hv-note").first.inner_text()
    view.assert_no_errors()


def test_hovering_a_point_shows_its_tooltip(open_view):
    view = open_view("map-signins")
    page = view.page
    tip = page.locator(".huntrs-view .hv-tip")
    # The last circle is the smallest and drawn on top, so the mouse reaches it.
    point = page.locator("circle.hv-pt").last
    expected = point.get_attribute("data-tip")
    assert expected and "event" in expected
    # The script moved the static <title> into its own tooltip: no second, native one.
    assert point.locator("title").count() == 0
    point.hover()
    assert tip.is_visible()
    text = tip.inner_text()
    assert text == expected
    assert "UserPrincipalName:" in text and "@larkmoor.com" in text, text
    page.mouse.move(2, 2)
    assert not tip.is_visible()
    view.assert_no_errors()


def test_zoom_buttons_change_and_reset_the_view(open_view):
    view = open_view("map-signins")
    page = view.page
    svg = page.locator("svg.hv-map")
    home = svg.get_attribute("viewBox")
    radius = float(page.locator("circle.hv-pt").first.get_attribute("r"))
    page.get_by_role("button", name="+").click()
    zoomed = svg.get_attribute("viewBox")
    assert zoomed != home
    assert float(zoomed.split()[2]) < float(home.split()[2])
    # Circles keep their size on screen, so they shrink in map units.
    assert float(page.locator("circle.hv-pt").first.get_attribute("r")) < radius
    page.get_by_role("button", name="reset").click()
    assert svg.get_attribute("viewBox") == home
    view.assert_no_errors()


def test_rows_without_usable_coordinates_are_counted(open_view):
    view = open_view("map-latlon")
    page = view.page
    assert page.locator("circle.hv-pt").count() == 3
    notes = page.locator(".hv-map-skipped").all_inner_texts()
    assert any("1 row of 5 without coordinates" in n for n in notes), notes
    assert any("not on Earth" in n and "row 4 (123, 10)" in n for n in notes), notes
    view.assert_no_errors()


def test_points_across_the_antimeridian(open_view):
    view = open_view("map-points")
    page = view.page
    svg = page.locator("svg.hv-map")
    box = svg.bounding_box()
    points = page.locator("circle.hv-pt")
    assert points.count() == 5
    xs = [points.nth(i).bounding_box()["x"] for i in range(5)]
    # Suva and Anadyr sit at the right edge, Anchorage near the left.
    assert max(xs) > box["x"] + box["width"] * 0.95
    assert min(xs) < box["x"] + box["width"] * 0.15
    # Fiji and Chukotka straddle the antimeridian: their rings are drawn once at each
    # edge, so no ring spans the map (as a band across it would).
    paths = page.eval_on_selector_all(
        "svg.hv-map g.hv-land path", "ps => ps.map(p => p.getAttribute('d'))")
    widths = [ring_width(ring) for d in paths for ring in d.split("M")[1:]]
    assert max(widths) < 1000, max(widths)
    view.assert_no_errors()


def test_map_shows_without_javascript(gallery, browser):
    """nbconvert and GitHub show the HTML without running its script."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((Path(gallery["__dir__"]) / "map-signins.html").as_uri())
        assert page.locator("svg.hv-map g.hv-land path").count() > 170
        points = page.locator("circle.hv-pt")
        assert points.count() >= 5
        # The native SVG tooltip carries the hover text instead.
        assert "event" in points.first.locator("title").text_content()
    finally:
        context.close()
