"""Maps for the pages, drawn as SVG from the local OpenStreetMap file's road network (no tile
server is reachable): the roads within the points' box as one path, the points on top, and the
OpenStreetMap credit. Where no road network covers the box, the points alone, and a note."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CREDIT = "Roads © OpenStreetMap contributors (ODbL 1.0)"
PAD = 0.01  # degrees of road drawn around the points


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    kind: str  # a CSS class: what the point is (home, venue, placement...)
    title: str


def road_map(roads, points: list[Point], width: int = 640, height: int = 420) -> dict:
    """The map's SVG parts: `roads` (a geo.network.RoadNetwork or None), the points projected
    equirectangularly about their middle, and whether any road was drawn."""
    pts = [p for p in points if math.isfinite(p.lat) and math.isfinite(p.lon)]
    if not pts:
        return {"width": width, "height": height, "roads": "", "points": [], "credit": None}
    lat = np.array([p.lat for p in pts])
    lon = np.array([p.lon for p in pts])
    south, north = float(lat.min()) - PAD, float(lat.max()) + PAD
    west, east = float(lon.min()) - PAD, float(lon.max()) + PAD
    k = math.cos(math.radians((south + north) / 2))
    scale = min(
        (width - 20) / max((east - west) * k, 1e-9), (height - 20) / max(north - south, 1e-9)
    )

    def x(lo):
        return np.round(10 + (np.asarray(lo) - west) * k * scale, 1)

    def y(la):
        return np.round(height - 10 - (np.asarray(la) - south) * scale, 1)

    path = ""
    if roads is not None:
        la1, lo1, la2, lo2 = roads.segments(south, north, west, east)
        if len(la1):
            x1, y1, x2, y2 = x(lo1), y(la1), x(lo2), y(la2)
            path = " ".join(
                f"M{a:g} {b:g}L{c:g} {d:g}" for a, b, c, d in zip(x1, y1, x2, y2)
                if (a, b) != (c, d)
            )  # fmt: skip
    px, py = x(lon), y(lat)
    return {
        "width": width,
        "height": height,
        "roads": path,
        "points": [
            {"x": float(a), "y": float(b), "kind": p.kind, "title": p.title}
            for a, b, p in zip(px, py, pts)
        ],
        "credit": CREDIT if path else None,
    }
