"""The lobby wall's charts as the page's own elements: no Plotly on the wall.

Plotly's redraw code, JIT-compiled as charts were redrawn on every data change, grew the
wall's JS heap by 8% over 2,000 rotations. Here a chart is a few Dash ``html`` elements with
inline pixel geometry worked out in Python and CSS classes (assets/wall-charts.css). A chart
whose figures changed is sent whole and drawn anew (dash-renderer remounts what is under a
changed ``children``): its bars grow from their axis once (CSS), the rest of the wall is not
touched.

``chart_body`` draws what ``callbacks/wall.py``'s ``patch_hbar``, ``patch_donut``,
``patch_trend`` and ``patch_hotline`` drew on ``layouts/wall.py``'s skeletons, from the same
``data``, in the same colours and font, never under ``SMALLEST`` px: a missing month is a gap
(never a zero bar), an unfinished month is lighter, outlined and says how far it reaches.
Labels from source data go in as text children (Dash escapes them); a month label's
"<br>" is split into lines.

Spotlight (assets/wall.js): each bar (hbar) and slice (donut) has class ``wall-mark`` and
``data-v`` (its figure); a donut's legend rows have ``wall-mark-legend``, in the slices' order.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from dash import html
from dash.development.base_component import Component

from layouts import wall as view

Style = dict[str, Any]

# Plotly's margins on the skeletons (layouts/wall.py): left, right, top, bottom.
HBAR_MARGIN = (16, 24, 16, 16)
DONUT_MARGIN = (10, 10, 10, 10)
TREND_MARGIN = (16, 24, 44, 16)
HOTLINE_MARGIN = (16, 16, 64, 16)
HBAR_GAP = 0.35  # of a row, between bars (bargap)
TREND_GAP = 0.3
HOTLINE_GAP = 0.35
LABELS = 0.45  # of an hbar's width at most for its labels (a longer one ends in "…")
HBAR_RANGE = 1.28  # the largest bar at 1/1.28 (78%) of the bar area: room for its figure after it
TREND_RANGE = 1.2  # the tallest bar at 1/1.2 of the plot: room for the last figure above it
RATE_RANGE = 1.05  # the rates' axis: 0 to 105%
HOLE = 0.58  # a donut's hole, of its radius (the ring's mask in wall-charts.css)
RING = 0.4  # of a donut's width at least for its ring
LEGEND_GAP = 24  # px between the ring and its legend
SWATCH_ROW = 20 + 10 + 14 + 8  # px a legend row adds to its words: swatch, its gap, the share's gap, slack
STILL = "translate(0px, 0px)"  # a slice not drawn out (a transform still, so a change glides)
PULL = 0.06  # the largest slice drawn out by this much of the radius
LINE = 4  # px: a rate's line
MARKER = 10  # px: a rate's point
OPEN_MARKER = 16  # px: an unfinished month's hollow point
OUTLINE = 3  # px: an unfinished month's bar outline (and the hollow marker's ring)
LINE_HEIGHT = 30  # px: one line of 24 px text
LABEL_GAP = 12  # px between a label and its bar, an axis and its labels
TEXT = view.SMALLEST


def text_width(text: str, size: int = TEXT) -> float:
    """An estimate of ``text``'s width in px at ``size``: wide (CJK) characters a full em, others
    a little over half. Used only to lay out (label columns, whether months fit), never to clip."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return (wide + (len(text) - wide) * 0.6) * size


def figure_text(value: float | None, lang: str) -> str:
    """A figure as the wall writes it beside a bar (``layouts.wall.shown``, as the tiles: ``present.show``,
    compact, not a percentage)."""
    return view.shown(value, lang).number


def lines(label: str) -> list[str]:
    """A month label's lines: "12月<br>去年" is two."""
    return str(label).split("<br>")


def _px(value: float) -> str:
    return f"{value:.1f}px"


def _pct(value: float) -> str:
    return f"{value:.3f}%"


def _text(size: int = TEXT, colour: str = view.INK, **extra: Any) -> Style:
    return {"fontSize": f"{size}px", "color": colour, "lineHeight": f"{LINE_HEIGHT}px", **extra}


def _box(left: float, top: float, width: float, height: float, **extra: Any) -> Style:
    return {"position": "absolute", "left": _px(left), "top": _px(top), "width": _px(width),
            "height": _px(height), **extra}


def _mark(value: float) -> dict[str, Any]:
    """A mark's figure, as ``data-v``: the spotlight's on ``.wall-mark`` (a month's bar has it too)."""
    return {"data-v": str(value)}


def leading(values: Sequence[float]) -> int:
    """The index of the largest figure (the first of equals): its bar or slice leads."""
    return max(range(len(values)), key=lambda i: values[i])


def empty(reason: str) -> list[Component]:
    """A chart with nothing to show: why, centred, no axes; a "<br>" in it (a late source's
    name, then its as-of) starts a new line, as it did on the Plotly chart, never shown as text."""
    return [html.Div([html.Div(line) for line in lines(reason)], className="wall-chart-empty", key="empty",
                     style={**_text(30, view.MUTED), "position": "absolute", "inset": "0", "display": "flex",
                            "flexDirection": "column", "alignItems": "center", "justifyContent": "center",
                            "textAlign": "center"})]


# --- horizontal bars ------------------------------------------------------------------------

def hbar(data: dict, lang: str, colour: str, width: int, height: int) -> list[Component]:
    """One row per member, largest in ``colour`` and the rest dimmed; its figure after each bar."""
    rows = data["rows"]
    if not rows:
        return empty(data["empty"])
    left, right, top, bottom = HBAR_MARGIN
    values = [r["value"] for r in rows]
    top_index = leading(values)
    span = max(values) * HBAR_RANGE or 1
    label_width = min(max(text_width(str(r["label"])) for r in rows) + 4, width * LABELS)
    row_height = (height - top - bottom) / len(rows)
    thickness = row_height * (1 - HBAR_GAP)
    children: list[Component] = []
    for i, (row, value) in enumerate(zip(rows, values)):
        label = str(row["label"])
        bar_colour = colour if i == top_index else view.dimmed(colour)
        children.append(html.Div([
            html.Div(label, title=label, className="wall-chart-label",
                     style={**_text(), "width": _px(label_width), "flex": "none", "textAlign": "right",
                            "overflow": "hidden", "textOverflow": "ellipsis", "whiteSpace": "nowrap",
                            "marginRight": _px(LABEL_GAP)}),
            html.Div([
                html.Div(className="wall-mark wall-chart-bar", **_mark(value),
                         style={"width": _pct(100 * value / span), "height": _px(thickness), "flex": "none",
                                "backgroundColor": bar_colour}),
                html.Span(figure_text(value, lang), className="wall-chart-value",
                          style=_text(whiteSpace="nowrap", marginLeft="8px")),
            ], className="wall-chart-track", style={"flex": "1", "minWidth": "0", "display": "flex",
                                                     "alignItems": "center", "height": "100%"}),
        ], className="wall-chart-row", key=f"row-{i}",
            style={**_box(left, top + i * row_height, width - left - right, row_height),
                   "display": "flex", "alignItems": "center"}))
    return children


# --- donut ----------------------------------------------------------------------------------

def _slice_fill(start: float, sweep: float, colour: str) -> Style:
    """A slice from ``start`` (degrees clockwise from 12 o'clock) through ``sweep`` in ``colour``,
    a sliver of the card before the next. The conic gradient and the ring's mask are in
    wall-charts.css; its three variables are registered there, so a changed slice glides."""
    gap = min(1.2, sweep * 0.3) if sweep < 360 else 0
    return {"--wall-from": f"{start:.3f}deg", "--wall-sweep": f"{sweep - gap:.3f}deg", "--wall-slice": colour}


def donut(data: dict, lang: str, colour: str, width: int, height: int) -> list[Component]:
    """A ring of slices in shades of ``colour``, the largest drawn out; at its right a legend
    line per slice with its share ("窗口  49%")."""
    rows = data["rows"]
    if not rows:
        return empty(data["empty"])
    left, right, top, bottom = DONUT_MARGIN
    values = [r["value"] for r in rows]
    total = sum(values) or 1
    top_index = leading(values)
    colours = view.shades(colour, 6)
    # The ring gives way to the legend down to RING of the width (a longer label ends in "…").
    legend_width = max(text_width(str(r["label"])) for r in rows) + text_width("100%") + SWATCH_ROW
    diameter = min(height - top - bottom, max(width - left - right - LEGEND_GAP - legend_width, width * RING))
    radius = diameter / 2 / (1 + PULL)
    centre_x, centre_y = left + diameter / 2, top + (height - top - bottom) / 2
    slices: list[Component] = []
    start = 0.0
    for i, value in enumerate(values):
        sweep = 360 * value / total
        pull = radius * PULL if i == top_index and len(values) > 1 else 0
        middle = math.radians(start + sweep / 2)
        shift = f"translate({pull * math.sin(middle):.2f}px, {-pull * math.cos(middle):.2f}px)" if pull else STILL
        slices.append(html.Div(
            html.Div(className="wall-chart-slice-fill", style=_slice_fill(start, sweep, colours[i % len(colours)])),
            className="wall-mark wall-chart-slice", key=f"slice-{i}", **_mark(value),
            style={**_box(centre_x - radius, centre_y - radius, 2 * radius, 2 * radius), "transform": shift}))
        start += sweep
    legend_left = left + diameter + LEGEND_GAP
    legend = html.Div([
        html.Div([
            html.Span(className="wall-chart-swatch",
                      style={"width": "20px", "height": "20px", "flex": "none", "borderRadius": "4px",
                             "backgroundColor": colours[i % len(colours)], "marginRight": "10px"}),
            html.Span(str(row["label"]), title=str(row["label"]), className="wall-chart-label",
                      style={"overflow": "hidden", "textOverflow": "ellipsis", "whiteSpace": "nowrap",
                             "minWidth": "0"}),
            html.Span(f"{value / total:.0%}", className="wall-chart-share",
                      style={"flex": "none", "marginLeft": "14px"}),
        ], className="wall-mark-legend wall-chart-legend-row", key=f"legend-{i}",
            style={**_text(), "display": "flex", "alignItems": "center"})
        for i, (row, value) in enumerate(zip(rows, values))
    ], className="wall-chart-legend",
        style={"position": "absolute", "left": _px(legend_left), "right": _px(right), "top": "0", "bottom": "0",
               "display": "flex", "flexDirection": "column", "justifyContent": "center", "gap": "6px"})
    return [html.Div(slices, className="wall-chart-ring", key="ring"), legend]


# --- months: the trend and the hotline's x axis --------------------------------------------

def _named(points: list[dict], slot: float) -> list[bool]:
    """Which months are named: all when every label fits its slot at 24 px, else every other
    one counting back from the latest (which is always named)."""
    fits = all(text_width(line) + 8 <= slot for pt in points for line in lines(pt["label"]))
    return [fits or (len(points) - 1 - i) % 2 == 0 for i in range(len(points))]


def _month_labels(points: list[dict], x0: float, slot: float, top: float, width: float) -> Component:
    """The months under the bars, centred on their slots; a "<br>" starts a second line. A label
    wider than the room beside its slot at the chart's edge (``width``) is moved in, not cut off."""
    named = _named(points, slot)
    labels = []
    for i, (pt, shown) in enumerate(zip(points, named)):
        parts: list[Component] = [html.Div(line) for line in lines(pt["label"])] if shown else []
        half = max(text_width(line) for line in lines(pt["label"])) / 2 + 2 if shown else 0
        centre = min(max(x0 + (i + 0.5) * slot, half), width - half)
        labels.append(html.Div(parts, className="wall-chart-month", key=f"month-{i}",
                               style={**_box(centre - slot, top, 2 * slot, 2 * LINE_HEIGHT),
                                      **_text(colour=view.MUTED), "textAlign": "center", "whiteSpace": "nowrap"}))
    return html.Div(labels, className="wall-chart-months", key="months")


def _label_rows(points: list[dict]) -> int:
    return max((len(lines(pt["label"])) for pt in points), default=1)


def _through(points: list[dict]) -> str:
    """How far the unfinished month reaches ("至12月4日"), or ""."""
    return next((pt["through"] for pt in reversed(points) if pt.get("partial")), "")


def _corner(note: str, right: float, top: float) -> Component:
    """The unfinished month's reach, right above the plot in gold (empty: nothing shows)."""
    return html.Div(note, className="wall-chart-through", key="through",
                    style={**_text(colour=view.GOLD), "position": "absolute", "top": _px(top), "right": _px(right),
                           "whiteSpace": "nowrap"})


def _month_bar(point: dict, colour: str, share: float, extra: list[Component] | None = None,
               fill: str | None = None) -> list[Component]:
    """A month's bar at ``share`` of the plot's height: lighter and outlined when unfinished."""
    partial = bool(point.get("partial"))
    style: Style = {"height": _pct(100 * share), "width": "100%", "flex": "none", "boxSizing": "border-box",
                    "backgroundColor": view.partial(colour) if partial else (fill or colour)}
    if partial:
        style["border"] = f"{OUTLINE}px solid {colour}"
    bar = html.Div(className="wall-chart-bar wall-chart-partial" if partial else "wall-chart-bar", style=style,
                   **_mark(point["value"]))  # its figure, for whoever reads the page (not a spotlight mark)
    return [*(extra or []), bar]


def trend(points: list[dict], lang: str, colour: str, width: int, height: int) -> list[Component]:
    """A bar per month (a missing month: a gap), only the latest with its figure; the unfinished
    month lighter and outlined, its reach in the top right corner."""
    values = [pt["value"] for pt in points]
    known = [v for v in values if v is not None]
    if not any(known):
        return empty(view.t("no_data", lang))
    left, right, top, bottom = TREND_MARGIN
    axis_height = _label_rows(points) * LINE_HEIGHT + 6
    plot_w, plot_h = width - left - right, height - top - bottom - axis_height
    slot = plot_w / len(points)
    span = max(known) * TREND_RANGE or 1
    columns = []
    for i, (pt, value) in enumerate(zip(points, values)):
        last = i == len(points) - 1
        figure: list[Component] = [html.Div(figure_text(value, lang), className="wall-chart-value",
                           style={**_text(), "whiteSpace": "nowrap", "textAlign": "center", "margin": "0 -60px"})]
        body = [] if value is None else _month_bar(pt, colour, max(value, 0) / span, figure if last else None)
        columns.append(html.Div(body, className="wall-chart-column", key=f"month-{i}",
                                style={**_box(left + i * slot + slot * TREND_GAP / 2, top, slot * (1 - TREND_GAP),
                                              plot_h),
                                       "display": "flex", "flexDirection": "column", "justifyContent": "flex-end"}))
    return [html.Div(columns, className="wall-chart-columns", key="columns"),
            _month_labels(points, left, slot, top + plot_h + 6, width),
            _corner(_through(points), right, top - LINE_HEIGHT - 6)]


# --- the hotline: received as bars, two rates as lines ------------------------------------

def nice_ticks(most: float, count: int = 4) -> list[float]:
    """Round ticks from 0 covering ``most`` (about ``count`` of them): 0, 500, 1000 ..."""
    raw = max(most, 1) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [step * k for k in range(int(most // step) + 1)]


def _segment(x1: float, y1: float, x2: float, y2: float, colour: str, dotted: bool, key: str) -> Component:
    """A straight piece of a line: a div as long as the piece, turned about its left end."""
    length = math.hypot(x2 - x1, y2 - y1)
    angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
    paint = (f"repeating-linear-gradient(90deg, {colour} 0 {LINE}px, transparent {LINE}px {LINE * 2.5:g}px)"
             if dotted else colour)
    return html.Div(className="wall-chart-segment wall-chart-dotted" if dotted else "wall-chart-segment", key=key,
                    style={**_box(x1, y1 - LINE / 2, length, LINE), "background": paint,
                           "transform": f"rotate({angle:.3f}deg)", "transformOrigin": "left center"})


def _marker(x: float, y: float, colour: str, hollow: bool, key: str) -> Component:
    size = OPEN_MARKER if hollow else MARKER
    style = {**_box(x - size / 2, y - size / 2, size, size), "borderRadius": "50%", "boxSizing": "border-box"}
    if hollow:
        style.update(border=f"{OUTLINE}px solid {colour}", backgroundColor="transparent")
    else:
        style["backgroundColor"] = colour
    return html.Div(className="wall-chart-marker wall-chart-open" if hollow else "wall-chart-marker", key=key,
                    style=style)


def _rate_line(points: list[dict], xs: list[float], y_of: Callable[[float], float], colour: str,
               name: str) -> Component:
    """A rate's line: a segment between each two known months (a missing month breaks it), a
    point at each; an unfinished last month's segment dotted, to a hollow point."""
    values = [pt["value"] for pt in points]
    last_partial = len(points) > 1 and bool(points[-1].get("partial"))
    parts: list[Component] = []
    for i in range(1, len(values)):
        a, b = values[i - 1], values[i]
        if a is not None and b is not None:
            dotted = last_partial and i == len(values) - 1
            parts.append(_segment(xs[i - 1], y_of(a), xs[i], y_of(b), colour, dotted, f"{name}-segment-{i}"))
    for i, value in enumerate(values):
        if value is not None:
            hollow = last_partial and i == len(values) - 1
            parts.append(_marker(xs[i], y_of(value), colour, hollow, f"{name}-marker-{i}"))
    return html.Div(parts, className=f"wall-chart-line wall-chart-line-{name}", key=name)


def _legend(names: list[str], colour: str) -> Component:
    """The hotline's legend across the top: a bar swatch, then the two rates' line swatches."""
    swatches = [{"width": "20px", "height": "20px", "backgroundColor": view.rgba(colour, 0.75)},
                {"width": "32px", "height": _px(LINE), "backgroundColor": view.GOLD},
                {"width": "32px", "height": _px(LINE), "backgroundColor": view.INK}]
    return html.Div([
        html.Div([html.Span(className="wall-chart-swatch", style={**swatch, "flex": "none", "marginRight": "8px"}),
                  html.Span(str(name), className="wall-chart-label",
                            style={"whiteSpace": "nowrap", "overflow": "hidden", "textOverflow": "ellipsis"})],
                 className="wall-chart-legend-row", key=f"legend-{i}",
                 style={"display": "flex", "alignItems": "center", "minWidth": "0"})
        for i, (name, swatch) in enumerate(zip(names, swatches))
    ], className="wall-chart-legend", key="legend",
        style={**_text(), "position": "absolute", "left": "16px", "right": "16px", "top": "0", "display": "flex",
               "gap": "24px", "overflow": "hidden"})


def hotline(data: dict, lang: str, colour: str, width: int, height: int) -> list[Component]:
    """Orders received a month as bars on the left axis; the on-time (gold) and satisfied (ink)
    rates as lines on a 0-105% right axis; the unfinished month lighter, outlined, dotted in."""
    received = data["received"]
    if not any(pt["value"] for pt in received):
        return empty(view.t("no_data", lang))
    left, right, top, bottom = HOTLINE_MARGIN
    counts = [pt["value"] for pt in received]
    most = max(v for v in counts if v is not None)
    ticks = nice_ticks(most)
    span = max(most * 1.05, ticks[-1]) or 1
    tick_text = [figure_text(tick, lang) for tick in ticks]
    rate_ticks = [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")]
    left_axis = max(text_width(x) for x in tick_text) + LABEL_GAP
    right_axis = max(text_width(x) for _v, x in rate_ticks) + LABEL_GAP
    axis_height = _label_rows(received) * LINE_HEIGHT + 6
    x0, y0 = left + left_axis, top
    plot_w = width - right - right_axis - x0
    plot_h = height - top - bottom - axis_height
    slot = plot_w / len(received)
    xs = [x0 + (i + 0.5) * slot for i in range(len(received))]

    def count_y(value: float) -> float:
        return y0 + plot_h * (1 - value / span)

    def rate_y(value: float) -> float:
        return y0 + plot_h * (1 - value / RATE_RANGE)

    grid = [html.Div([
        html.Div(className="wall-chart-gridline", style={**_box(x0, count_y(tick) - 1, plot_w, 2),
                                                          "backgroundColor": view.GRID}),
        html.Div(text, className="wall-chart-tick",
                 style={**_box(left, count_y(tick) - LINE_HEIGHT / 2, left_axis - LABEL_GAP, LINE_HEIGHT),
                        **_text(colour=view.MUTED), "textAlign": "right", "whiteSpace": "nowrap"}),
    ], key=f"tick-{i}") for i, (tick, text) in enumerate(zip(ticks, tick_text))]
    rates = [html.Div(text, className="wall-chart-tick", key=f"rate-{i}",
                      style={**_box(x0 + plot_w + LABEL_GAP, rate_y(value) - LINE_HEIGHT / 2, right_axis, LINE_HEIGHT),
                             **_text(colour=view.MUTED), "whiteSpace": "nowrap"})
             for i, (value, text) in enumerate(rate_ticks)]
    fill = view.rgba(colour, 0.75)
    columns = [html.Div([] if value is None else _month_bar(pt, colour, max(value, 0) / span, fill=fill),
                        className="wall-chart-column", key=f"month-{i}",
                        style={**_box(x0 + i * slot + slot * HOTLINE_GAP / 2, y0, slot * (1 - HOTLINE_GAP), plot_h),
                               "display": "flex", "flexDirection": "column", "justifyContent": "flex-end"})
               for i, (pt, value) in enumerate(zip(received, counts))]
    return [
        html.Div(grid, className="wall-chart-axis wall-chart-axis-left", key="axis-left"),
        html.Div(rates, className="wall-chart-axis wall-chart-axis-right", key="axis-right"),
        html.Div(columns, className="wall-chart-columns", key="columns"),
        _rate_line(data["on_time"], xs, rate_y, view.GOLD, "on_time"),
        _rate_line(data["satisfied"], xs, rate_y, view.INK, "satisfied"),
        _month_labels(received, x0, slot, y0 + plot_h + 6, width),
        _legend(list(data["names"]), colour),
        _corner(_through(received), right + right_axis, y0 - LINE_HEIGHT - 2),
    ]


DRAW: dict[str, Callable[..., list[Component]]] = {"hbar": hbar, "donut": donut, "trend": trend, "hotline": hotline}


def chart_body(kind: str, data: Any, lang: str, colour: str, width: int, height: int) -> list[Component]:
    """The children of a wall chart's container (a ``position: relative`` div of ``width`` x
    ``height`` px, class "wall-graph wall-chart wall-chart-<kind>"), drawn from what
    callbacks/wall.py's patcher of ``kind`` takes."""
    if kind not in DRAW:
        raise ValueError(f"unknown chart kind {kind!r}")
    return DRAW[kind](data, lang, colour, width, height)
