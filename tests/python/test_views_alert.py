"""The alert view and the entity graph in headless Chromium: the gallery pages
draw, raise no JavaScript errors, and carry their hover text (SVG <title>)."""

from __future__ import annotations


def test_alert_view_shows_alert_entities_and_properties(open_view):
    view = open_view("alert")
    page = view.page
    assert page.locator(".huntrs-view[data-huntrs-view=alert]").count() == 1
    assert page.locator(".hv-title .hv-badge").first.inner_text() in {
        "High", "Medium", "Low", "Informational"}
    rows = page.locator("table.hv-entities tbody tr")
    assert rows.count() >= 5
    assert page.locator("table.hv-extended tr").count() >= 1
    # The static view needs no script: nothing in it should fail either way.
    view.assert_no_errors()


def test_entity_graph_draws_nodes_edges_and_hover_titles(open_view):
    view = open_view("entity-graph")
    page = view.page
    nodes = page.locator("svg.hv-graph g.hv-node")
    edges = page.locator("svg.hv-graph line")
    assert nodes.count() >= 5
    assert edges.count() >= nodes.count() - 1, "every entity is linked to the alert"
    # Every node is drawn inside the picture, not piled up at one point.
    boxes = [nodes.nth(i).locator("circle").bounding_box() for i in range(nodes.count())]
    assert all(b and b["width"] > 0 for b in boxes)
    assert len({(round(b["x"]), round(b["y"])) for b in boxes}) == len(boxes)
    # The hover text of a process node holds its command line.
    titles = [nodes.nth(i).locator("title").text_content() for i in range(nodes.count())]
    assert any("CommandLine:" in t for t in titles), titles
    alert_nodes = page.locator("svg.hv-graph g.hv-node[data-kind=alert]")
    assert alert_nodes.count() == 1
    view.assert_no_errors()


def test_alert_view_with_graph_embeds_the_graph(open_view):
    view = open_view("alert-graph")
    assert view.page.locator("svg.hv-graph g.hv-node").count() >= 5
    view.assert_no_errors()
