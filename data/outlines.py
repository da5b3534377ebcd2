"""The bundled district outlines (``data/reference/chengdu_districts.geojson``), for maps
drawn with no tile server: plotly's own scatter traces over these rings, so no request
ever leaves the server. The outlines are schematic (ATTRIBUTION.md): whatever draws them
says so.
"""
from __future__ import annotations

import json
from functools import lru_cache

from data import settings


@lru_cache(maxsize=1)
def district_outlines() -> tuple[dict, ...]:
    """Each district's code, name and outer rings (lon, lat lists with None between rings)."""
    path = settings.catalog_dir() / "chengdu_districts.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    outlines = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for polygon in polygons:
            ring = polygon[0]  # outer ring; the schematic outlines have no holes worth drawing
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
        code = str(feature.get("id") or feature["properties"]["code"])
        outlines.append({"code": code, "name": feature["properties"].get("name", code), "x": xs, "y": ys})
    return tuple(outlines)


def district_of(code: str) -> str:
    """The 12-digit code of the district holding ``code`` (any area below a district)."""
    return code[:6] + "000000"
