"""The wall's map drawn as the page's own elements, no Plotly: a map whose figures changed is
drawn anew from a few elements, with no chart library (Plotly's redraws grew the wall's JS heap).

``map_body`` gives the children of the map's container (a ``wall-chart-map`` div of the chart's
design size, ``layouts.wall.CHARTS["map-places"]``) from the data ``callbacks/wall.py`` reads for
the map (``_map``): the district outlines as one inline SVG image, service points as small
diamonds, each place a dot coloured by its figure (a hollow ring when it has none, never a 0),
the wall's own place ringed in gold, each label on the side ``label_sides`` chooses, and the
notes, in one keyed order.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from urllib.parse import quote

from dash import html
from dash.development.base_component import Component
from plotly.colors import sample_colorscale

from data import present
from data.outlines import district_outlines
from layouts import wall as view

Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels of the plotting area

MAP_SIDES = ("top center", "bottom center", "middle right", "middle left", "top right", "top left",
             "bottom right", "bottom left")
MAP_MIN_SPAN = 0.02  # degrees of longitude: about 2 km at Chengdu, a community's grid cells spread less
LINE = 30  # px: a label's line (24 px text), as ``label_boxes`` measures it and wall-map.css draws it

# The district outlines: the others faint, the wall's own filled and edged in gold.
OTHERS_LINE = "rgba(170, 182, 204, 0.35)"
OWN_FILL = "rgba(79, 179, 255, 0.06)"
OWN_LINE = "rgba(243, 193, 95, 0.6)"


# --- the frame and the labels' sides -----------------------------------------------------

def map_plot(width: int | None = None, height: int | None = None) -> tuple[int, int]:
    """The map's plotting area in pixels: its size (by default its design size) less its margins.
    The frame fills it exactly at the map's aspect, so nothing is stretched and labels land where placed."""
    if width is None or height is None:
        _kind, width, height = view.CHARTS["map-places"]
    return width - 2 * view.MAP_MARGIN, height - 2 * view.MAP_MARGIN


def map_frame(points: list[dict], plot: tuple[int, int] | None = None) -> tuple[list[float], list[float]] | None:
    """The map's x and y ranges: the places' spread, padded for their labels, at the chart's aspect."""
    if not points:
        return None
    width, height = plot or map_plot()
    xs, ys = [pt["x"] for pt in points], [pt["y"] for pt in points]
    centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    across = max((max(xs) - min(xs)) * 1.5, (max(ys) - min(ys)) * 1.6 * view.MAP_ASPECT * width / height,
                 MAP_MIN_SPAN)
    down = across * height / width / view.MAP_ASPECT
    return [centre[0] - across / 2, centre[0] + across / 2], [centre[1] - down / 2, centre[1] + down / 2]


def _outlines_frame(outlines: Sequence[dict], plot: tuple[int, int]) -> tuple[list[float], list[float]]:
    """With no places: every outline, at the chart's aspect (as Plotly's autorange showed them)."""
    xs = [x for o in outlines for x in o["x"] if x is not None]
    ys = [y for o in outlines for y in o["y"] if y is not None]
    width, height = plot
    centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    across = max(max(xs) - min(xs), (max(ys) - min(ys)) * view.MAP_ASPECT * width / height) * 1.05
    down = across * height / width / view.MAP_ASPECT
    return [centre[0] - across / 2, centre[0] + across / 2], [centre[1] - down / 2, centre[1] + down / 2]


def _pixel(x: float, y: float, xrange: list[float], yrange: list[float], plot: tuple[int, int]) -> tuple[float, float]:
    width, height = plot
    return ((x - xrange[0]) / (xrange[1] - xrange[0]) * width, (yrange[1] - y) / (yrange[1] - yrange[0]) * height)


def _gap(ringed: bool) -> float:
    """From a place's centre to its label: past its dot (or its gold ring), and a little air."""
    return (view.MAP_MARKER + (view.MAP_RING if ringed else 0)) / 2 + 4


def _extent(label: str) -> tuple[float, float]:
    """A label's size at 24 px in the wall's font: a CJK character 25 px, any other 13 (Latin letters
    and digits measure 12 to 14 in Chromium), and 10 px of air; a line is ``LINE`` high."""
    lines = str(label).split("<br>")
    wide = max(sum(25 if ord(ch) > 0x2E80 else 13 for ch in line) for line in lines)
    return wide + 10, LINE * len(lines)


def _box(centre: tuple[float, float], extent: tuple[float, float], side: str, ringed: bool = False) -> Box:
    (x, y), (w, h) = centre, extent
    gap = _gap(ringed)
    vertical, horizontal = side.split()
    left = {"center": x - w / 2, "right": x + gap, "left": x - gap - w}[horizontal]
    top = {"top": y - gap - h, "bottom": y + gap, "middle": y - h / 2}[vertical]
    return left, top, left + w, top + h


def _overlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def label_boxes(points: list[dict], xrange: list[float], yrange: list[float],
                plot: tuple[int, int] | None = None) -> dict[int, tuple[str, Box]]:
    """Where each place's label goes (by ``id`` of its point): its side and its box in pixels. The
    first side of ``MAP_SIDES`` where it covers no label placed before it, no dot and no edge, else
    the side covering least; the largest figures choose first."""
    size = plot or map_plot()
    width, height = size

    def outside(a: Box) -> float:  # beyond the plotting area: cut off
        return (max(0.0, -a[0]) + max(0.0, a[2] - width)) * (a[3] - a[1]) + \
            (max(0.0, -a[1]) + max(0.0, a[3] - height)) * (a[2] - a[0])

    half = view.MAP_MARKER / 2
    centres = {id(pt): _pixel(pt["x"], pt["y"], xrange, yrange, size) for pt in points}
    dots = [(x - half, y - half, x + half, y + half) for x, y in centres.values()]
    placed: list[Box] = []
    chosen: dict[int, tuple[str, Box]] = {}
    for pt in sorted(points, key=lambda q: -(q["value"] or 0)):
        centre, extent, ringed = centres[id(pt)], _extent(pt["label"]), bool(pt["own"])

        def cost(side: str, centre: tuple[float, float] = centre, extent: tuple[float, float] = extent,
                 ringed: bool = ringed) -> float:
            candidate = _box(centre, extent, side, ringed)
            return (sum(_overlap(candidate, other) for other in placed)
                    + 2 * sum(_overlap(candidate, d) for d in dots) + outside(candidate))

        side = min(MAP_SIDES, key=cost)  # the first side free of others, else the least covered
        placed.append(_box(centre, extent, side, ringed))
        chosen[id(pt)] = side, placed[-1]
    return chosen


def label_sides(points: list[dict], xrange: list[float], yrange: list[float],
                plot: tuple[int, int] | None = None) -> dict[int, str]:
    """Each place's label side (by ``id`` of its point), as ``label_boxes`` chooses it."""
    return {key: side for key, (side, _box) in label_boxes(points, xrange, yrange, plot).items()}


def map_colours(values: list[float], colour: str) -> list[str]:
    """Each place's colour: its metric's domain colour, darker for lower figures (a sequential scale)."""
    if not values:
        return []
    low, high = min(values), max(values)
    span = (high - low) or 1
    scale = [[0, view.mix(colour, view.CARD, 0.45)], [1, colour]]
    return list(sample_colorscale(scale, [(v - low) / span if high != low else 1.0 for v in values]))


# --- the outlines: one SVG image ------------------------------------------------------------

def _rings(outline: dict) -> Iterator[list[tuple[float, float]]]:
    """An outline's rings (its x and y lists hold None between rings)."""
    ring: list[tuple[float, float]] = []
    for x, y in zip(outline["x"], outline["y"]):
        if x is None or y is None:
            if ring:
                yield ring
            ring = []
        else:
            ring.append((x, y))
    if ring:
        yield ring


def _path(outlines: Sequence[dict], xrange: list[float], yrange: list[float], plot: tuple[int, int],
          everywhere: bool = False) -> str:
    """SVG path data of ``outlines`` in the plotting area's pixels; rings wholly beyond it are
    left out (unless ``everywhere``), the rest is clipped by the image's own edge."""
    width, height = plot
    pad = 50
    parts = []
    for outline in outlines:
        for ring in _rings(outline):
            pixels = [_pixel(x, y, xrange, yrange, plot) for x, y in ring]
            xs, ys = [p[0] for p in pixels], [p[1] for p in pixels]
            if not everywhere and (max(xs) < -pad or min(xs) > width + pad or max(ys) < -pad or min(ys) > height + pad):
                continue
            points: list[str] = []
            for x, y in pixels:
                point = f"{x:.1f} {y:.1f}"
                if not points or points[-1] != point:
                    points.append(point)
            parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


def outline_image(district: str, xrange: list[float], yrange: list[float], plot: tuple[int, int]) -> str:
    """The district outlines framed on ``xrange`` x ``yrange``, as an SVG ``data:`` URI the size
    of the plotting area: the other districts as faint lines, ``district`` filled, edged in gold."""
    outlines = district_outlines()
    others = [o for o in outlines if o["code"] != district]
    own = [o for o in outlines if o["code"] == district]
    width, height = plot
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}' preserveAspectRatio='none'>"
           f"<path class='districts' d='{_path(others, xrange, yrange, plot)}' fill='none' "
           f"stroke='{OTHERS_LINE}' stroke-width='1.5' stroke-linejoin='round'/>"
           f"<path class='district' d='{_path(own, xrange, yrange, plot, everywhere=True)}' fill='{OWN_FILL}' "
           f"stroke='{OWN_LINE}' stroke-width='2.5' stroke-linejoin='round'/></svg>")
    return "data:image/svg+xml;utf8," + quote(svg, safe=" '=:/,.()-;")


# --- the map's elements ---------------------------------------------------------------------

def _px(value: float) -> str:
    return f"{value:.1f}px"


def _label(index: int, pt: dict, side: str, centre: tuple[float, float]) -> html.Div:
    """A place's label, its lines as plain text, set off its dot on ``side`` (as Plotly's
    ``textposition``: the text's near edge ``_gap`` from the centre)."""
    vertical, horizontal = side.split()
    gap = _gap(bool(pt["own"]))
    x, y = centre
    left = {"center": x, "right": x + gap, "left": x - gap}[horizontal]
    top = {"top": y - gap, "bottom": y + gap, "middle": y}[vertical]
    shift = ({"center": -50, "right": 0, "left": -100}[horizontal], {"top": -100, "bottom": 0, "middle": -50}[vertical])
    lines = present.plot_lines(pt["label"])
    hollow = pt["value"] is None and not pt["own"]  # the own place's label is always in ink
    return html.Div(
        [html.Span(line, key=f"line-{n}", className="wall-map-line") for n, line in enumerate(lines)],
        key=f"label-{index}",
        className="wall-map-label" + (" hollow" if hollow else ""),
        style={"left": _px(left), "top": _px(top), "transform": f"translate({shift[0]}%, {shift[1]}%)",
               "textAlign": {"center": "center", "right": "left", "left": "right"}[horizontal]},
    )


def map_body(data: dict, lang: str, colour: str, width: int, height: int) -> list[Component]:
    """The children of the map's container (``width`` x ``height`` px): the plotting area with the
    outlines, service points, places and labels, then the notes. ``data``: ``callbacks/wall._map``'s."""
    plot = map_plot(width, height)
    points: list[dict] = data["points"]
    outlines = district_outlines()
    frame = map_frame(points, plot) or _outlines_frame(outlines, plot)
    xrange, yrange = frame
    boxes = label_boxes(points, xrange, yrange, plot)
    filled = iter(map_colours([pt["value"] for pt in points if pt["value"] is not None], colour))
    centres = [_pixel(pt["x"], pt["y"], xrange, yrange, plot) for pt in points]
    services = [_pixel(s["x"], s["y"], xrange, yrange, plot) for s in data.get("services", [])]

    dots = []
    for index, (pt, (x, y)) in enumerate(zip(points, centres)):
        where = {"left": _px(x), "top": _px(y)}
        if pt["value"] is None:  # no figure: a ring, never a 0
            dots.append(html.Div(key=f"dot-{index}", className="wall-map-dot hollow", style=where))
        else:
            dots.append(html.Div(key=f"dot-{index}", className="wall-map-dot", style={**where, "background": next(filled)}))
    rings = [html.Div(key=f"ring-{index}", className="wall-map-own", style={"left": _px(x), "top": _px(y)})
             for index, (pt, (x, y)) in enumerate(zip(points, centres)) if pt["own"]]
    labels = [_label(index, pt, boxes[id(pt)][0], centre) for index, (pt, centre) in enumerate(zip(points, centres))]
    note = data.get("services_note") or ""
    sizes = {  # each drawn size once, from layouts/wall.py's MAP_ constants (a ring's line is centred on its size)
        "--wall-map-dot": _px(view.MAP_MARKER + 2), "--wall-map-hollow": _px(view.MAP_MARKER + 4),
        "--wall-map-own": _px(view.MAP_MARKER + view.MAP_RING + 4), "--wall-map-service": _px(view.MAP_SERVICE),
        "--wall-map-ring-colour": view.MAP_HOLLOW, "--wall-map-service-colour": view.rgba(view.MUTED, 0.7),
        "--wall-map-edge": view.CARD, "--wall-map-gold": view.GOLD, "--wall-map-halo": view.MAP_HALO,
        "--wall-map-line": _px(LINE),
    }
    return [
        html.Div(
            [
                html.Img(key="outlines", className="wall-map-outlines", alt="",
                         src=outline_image(data["district"], xrange, yrange, plot)),
                html.Div([html.Div(key=f"service-{index}", className="wall-map-service",
                                   style={"left": _px(x), "top": _px(y)}) for index, (x, y) in enumerate(services)],
                         key="services", className="wall-map-layer"),
                html.Div(dots, key="dots", className="wall-map-layer"),
                html.Div(rings, key="rings", className="wall-map-layer"),
                html.Div(labels, key="labels", className="wall-map-layer"),
            ],
            key="plot", className="wall-map-plot",
            style={"left": _px(view.MAP_MARGIN), "top": _px(view.MAP_MARGIN), "width": _px(plot[0]),
                   "height": _px(plot[1]), **sizes},
        ),
        # "示意图": the outlines and the sample coordinates are schematic (ATTRIBUTION.md).
        html.Div(view.t("map_schematic", lang), key="schematic", className="wall-map-note wall-map-schematic"),
        # What a ring means: no figure for the period (not a zero).
        html.Div(view.t("map_hollow", lang), key="hollow", className="wall-map-note wall-map-hollow",
                 hidden=not any(pt["value"] is None for pt in points)),
        # The service points: how many are placed, and how many have no position (callbacks/wall._service_points).
        html.Div(note, key="services-note", className="wall-map-note wall-map-services", hidden=not note),
        html.Div(data["empty"], key="empty", className="wall-map-empty", hidden=bool(points)),
    ]

