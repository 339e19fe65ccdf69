#!/usr/bin/env python3
"""Makes crates/nbtools/src/views/assets/world-110m.txt, the country outlines of the
IP map view (nbtools::views::map), from world-atlas's countries-110m.json.

Source: the npm package world-atlas 2.0.2 (https://github.com/topojson/world-atlas,
ISC licence), TopoJSON of Natural Earth's 1:110m Admin 0 countries, version 4.1.0.
Natural Earth data is in the public domain (https://www.naturalearthdata.com/about/terms-of-use/).

Regenerate (needs only Python 3 and npm):

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 scripts/make-world-outlines.py /tmp/package/countries-110m.json \
        > crates/nbtools/src/views/assets/world-110m.txt

Output: '#' comment lines, then one line per country, `NAME<TAB>SVG-PATH`. Paths are in
an equirectangular projection quantised to 1/Q degree: x = (lon + 180) * Q,
y = (90 - lat) * Q, so the whole world is 360Q x 180Q units. Each ring is `M x y`
then relative `l` steps, closed by `z`. Antarctica is left out: no IP geolocates there,
and dropping it lets the map crop its southern ocean.
"""

import json
import sys

Q = 5  # units per degree: 0.2 degree precision, well inside 1:110m's own accuracy


def decode_arcs(topo):
    """The arcs as lists of (lon, lat): TopoJSON stores them delta-encoded and quantised."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring, arcs):
    """A ring's points: its arcs joined; a negative index (~i) means arc i reversed, and
    each arc after the first repeats the previous arc's last point."""
    points = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def unwrap(points):
    """A ring's longitudes made continuous: a ring crossing the antimeridian (Fiji,
    Chukotka) jumps by about 360 degrees, which would draw a band across the map."""
    out = [points[0]]
    for lon, lat in points[1:]:
        prev = out[-1][0]
        while lon - prev > 180:
            lon -= 360
        while lon - prev < -180:
            lon += 360
        out.append((lon, lat))
    return out


def ring_paths(points):
    """The ring's path, plus a copy shifted by 360 degrees when it runs off one edge of
    the map, so that both of its halves show (the SVG's viewBox clips the rest)."""
    points = unwrap(points)
    paths = [ring_path(points)]
    lons = [lon for lon, _ in points]
    if min(lons) < -180:
        paths.append(ring_path([(lon + 360, lat) for lon, lat in points]))
    if max(lons) > 180:
        paths.append(ring_path([(lon - 360, lat) for lon, lat in points]))
    return "".join(paths)


def ring_path(points):
    """`M x y l dx dy ...z` in quantised units, dropping steps that round to nothing."""
    cells = []
    for lon, lat in points:
        cell = (round((lon + 180) * Q), round((90 - lat) * Q))
        if not cells or cells[-1] != cell:
            cells.append(cell)
    if len(cells) > 1 and cells[0] == cells[-1]:
        cells.pop()
    if len(cells) < 3:
        return ""
    out = [f"M{cells[0][0]} {cells[0][1]}l"]
    steps = []
    for (x0, y0), (x1, y1) in zip(cells, cells[1:]):
        steps.append(f"{x1 - x0}" + (f"{y1 - y0}" if y1 - y0 < 0 else f" {y1 - y0}"))
    # A minus sign separates numbers in SVG paths; only positives need a space.
    joined = steps[0]
    for step in steps[1:]:
        joined += step if step.startswith("-") else " " + step
    out.append(joined)
    out.append("z")
    return "".join(out)


def main():
    topo = json.load(open(sys.argv[1], encoding="utf-8"))
    arcs = decode_arcs(topo)
    print("# Country outlines for the huntrs IP map: Natural Earth 1:110m Admin 0 countries")
    print("# (public domain) via world-atlas 2.0.2 countries-110m.json (ISC).")
    print(f"# Made by scripts/make-world-outlines.py; equirectangular, {Q} units per degree,")
    print(f"# x = (lon + 180) * {Q}, y = (90 - lat) * {Q}. Lines: NAME<TAB>SVG path.")
    for geometry in topo["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name", "")
        if name == "Antarctica":
            continue
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        path = "".join(
            ring_paths(ring_points(ring, arcs)) for polygon in polygons for ring in polygon
        )
        if path:
            print(f"{name}\t{path}")


if __name__ == "__main__":
    main()
