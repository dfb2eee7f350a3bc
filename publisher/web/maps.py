"""Maps of partnerships by country and by French region, drawn on the server as SVG.

The shapes come from packages of the npm registry installed by ``make map-data`` into
``maps/node_modules``: Natural Earth's countries at 1:110m as TopoJSON (``world-atlas``), and the
regions of France as SVG paths (``@svg-maps/france.regions``). Nothing is fetched at run time
and no tile server is involved: each shape is a link to the partnerships it counts.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Blueprint, render_template
from markupsafe import Markup, escape

from publisher.resources import reference_table, resource_dir
from publisher.web.facets import facet_index

blueprint = Blueprint("maps", __name__)

WORLD_FILE = "world-atlas/countries-110m.json"
REGIONS_FILE = "@svg-maps/france.regions/index.js"
WORLD_SCALE = 170.0
SOUTH_LIMIT = -58.0  # leave Antarctica out
CLASSES = 5
ANTARCTICA = "010"


def map_data_dir() -> Path | None:
    try:
        folder = resource_dir("maps") / "node_modules"
    except FileNotFoundError:
        return None
    return folder if folder.is_dir() else None


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """The Equal Earth projection (Šavrič, Patterson, Jenny 2018), in radians of the unit sphere."""
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    m = math.sqrt(3) / 2
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(m * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (m * (a1 + 3 * a2 * t2 + t6 * (7 * a3 + 9 * a4 * t2)))
    y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
    return x, y


@dataclass(frozen=True)
class Shape:
    key: str
    name: str
    path: str


@dataclass(frozen=True)
class DrawnMap:
    view_box: str
    shapes: tuple[Shape, ...]


@cache
def _numeric_to_alpha2() -> dict[str, tuple[str, str]]:
    with reference_table("countries.csv").open(encoding="utf-8", newline="") as handle:
        return {row["numeric"]: (row["alpha2"].lower(), row["name_fr"]) for row in csv.DictReader(handle)}


@cache
def world_map() -> DrawnMap | None:
    """Every country of Natural Earth 1:110m as an SVG path, keyed by ISO 3166 alpha-2 (lower case)."""
    folder = map_data_dir()
    if folder is None or not (folder / WORLD_FILE).is_file():
        return None
    topology = json.loads((folder / WORLD_FILE).read_text(encoding="utf-8"))
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    x_max, _ = equal_earth(180, 0)
    _, y_max = equal_earth(0, 90)
    _, y_min = equal_earth(0, SOUTH_LIMIT)
    codes = _numeric_to_alpha2()

    def ring(indexes: list[int]) -> str:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
            points.extend(arc if not points else arc[1:])
        out = []
        previous_lon = None
        for lon, lat in points:
            x, y = equal_earth(lon, max(lat, SOUTH_LIMIT))
            # A jump across the antimeridian starts a new sub-path instead of a line across the map.
            command = "M" if previous_lon is None or abs(lon - previous_lon) > 180 else "L"
            out.append(f"{command}{(x + x_max) * WORLD_SCALE:.1f},{(y_max - y) * WORLD_SCALE:.1f}")
            previous_lon = lon
        return "".join(out) + "Z"

    shapes = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = str(geometry.get("id", ""))
        if numeric not in codes or numeric == ANTARCTICA or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        path = "".join(ring(r) for polygon in polygons for r in polygon)
        alpha2, name = codes[numeric]
        shapes.append(Shape(alpha2, name, path))
    width = 2 * x_max * WORLD_SCALE
    height = (y_max - y_min) * WORLD_SCALE
    return DrawnMap(f"0 0 {width:.0f} {height:.0f}", tuple(shapes))


@cache
def regions_map() -> DrawnMap | None:
    """The regions of metropolitan France as SVG paths, keyed by their INSEE code."""
    folder = map_data_dir()
    if folder is None or not (folder / REGIONS_FILE).is_file():
        return None
    text = (folder / REGIONS_FILE).read_text(encoding="utf-8")
    data = json.loads(text[text.index("{"): text.rindex("}") + 1])
    from publisher.web.search import fold

    with reference_table("regions.csv").open(encoding="utf-8", newline="") as handle:
        by_name = {fold(row["name"]): row["insee"] for row in csv.DictReader(handle)}
    shapes = []
    for location in data["locations"]:
        code = by_name.get(fold(location["name"]))
        if code:
            shapes.append(Shape(code, location["name"], location["path"]))
    return DrawnMap(data["viewBox"], tuple(shapes))


def _class_of(n: int, top: int) -> int:
    """Colour class 0 (none) to CLASSES, on a log scale up to the largest count."""
    if n <= 0:
        return 0
    if top <= 1:
        return CLASSES
    return 1 + min(CLASSES - 1, int(math.log(n) / math.log(top) * (CLASSES - 1) + 0.5))


def render_map(drawn: DrawnMap, counts: dict[str, int], facet: str, title: str) -> Markup:
    top = max(counts.values(), default=0)
    parts = [f'<svg class="map" viewBox="{drawn.view_box}" role="img" aria-label="{escape(title)}" '
             'xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>"]
    for shape in drawn.shapes:
        n = counts.get(shape.key, 0)
        label = f"{shape.name} : {n} partenariat{'s' if n > 1 else ''}"
        path = (f'<path class="area c{_class_of(n, top)}" data-key="{escape(shape.key)}" d="{shape.path}">'
                f"<title>{escape(label)}</title></path>")
        if n:
            parts.append(f'<a href="/partnerships?{facet}={escape(shape.key)}" aria-label="{escape(label)}">'
                         f"{path}</a>")
        else:
            parts.append(path)
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(counts: dict[str, int]) -> list[tuple[int, str]]:
    top = max(counts.values(), default=0)
    if top <= 0:
        return [(0, "aucun")]
    bounds: dict[int, list[int]] = {}
    for n in range(1, top + 1) if top <= 10_000 else sorted(set(counts.values())):
        bounds.setdefault(_class_of(n, top), []).append(n)
    rows = [(0, "aucun")]
    for cls, values in sorted(bounds.items()):
        low, high = values[0], values[-1]
        rows.append((cls, str(low) if low == high else f"{low} à {high}"))
    return rows


@blueprint.route("/map")
def map_page() -> str:
    """Partnerships by country of their foreign partners and by region of their French partners."""
    index = facet_index()
    by_country = {k: v for k, v in index.counts(index.partnerships, "country").items()}
    by_region = {k: v for k, v in index.counts(index.partnerships, "region").items()}
    world, regions = world_map(), regions_map()
    top_countries = sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    return render_template(
        "map.html",
        world=render_map(world, by_country, "country", "Partenariats par pays") if world else None,
        regions=render_map(regions, by_region, "region", "Partenariats par région française") if regions else None,
        world_legend=legend(by_country), regions_legend=legend(by_region),
        top_countries=[(index.labels.get("country", {}).get(k, k), k, n) for k, n in top_countries],
        top_regions=[(index.labels.get("region", {}).get(k, k), k, n)
                     for k, n in sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0]))],
    )
