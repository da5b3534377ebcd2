"""The wall's charts as the page's own elements (layouts/wallcharts.py): from the data the
Plotly patchers took, the same figures, colours and honesty (a gap is not a zero, a month so
far is lighter and says how far it reaches), legible from across a lobby, marked for the
spotlight, and the same element tree for the same data shape so React updates in place."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from dash.development.base_component import Component

import dashboard
from data import present
from layouts import wall as view
from layouts.wallcharts import chart_body

COLOUR = view.GREEN
HBAR = {"rows": [{"label": "社保", "value": 392.0}, {"label": "医保", "value": 196.0},
                 {"label": "<a href='x'>户籍</a>", "value": 98.0}], "empty": "暂无数据"}
DONUT = {"rows": [{"label": "0-17岁", "value": 60.0}, {"label": "35-59岁", "value": 350.0},
                  {"label": "60岁及以上", "value": 90.0}], "empty": "暂无数据"}


def months(values: list, partial: bool = True) -> list[dict]:
    """Points as callbacks/wall._points makes them: the first a year back, the last unfinished."""
    points = [{"label": f"{i % 12 + 1}月", "value": v} for i, v in enumerate(values)]
    points[0]["label"] = "12月<br>去年"
    if partial:
        points[-1].update(partial=True, through="至12月5日")
    return points


TREND = months([811.0, 571.0, None, 987.0, 736.0, 957.0, 938.0, 1043.0, 1059.0, 991.0, 867.0, 970.0, 367.0])
HOTLINE = {"received": months([993.0, 1013.0, 729.0, 937.0, 167.0]),
           "on_time": months([0.96, 0.945, 0.94, 0.958, 0.93]),
           "satisfied": months([0.90, 0.91, 0.89, 0.92, 0.88]),
           "names": ["受理量", "按时率", "满意率"]}


def walk(node) -> Iterator[Component]:
    """Every component under ``node`` (a component or a list of them), depth first, in order."""
    if isinstance(node, (list, tuple)):
        for child in node:
            yield from walk(child)
    elif isinstance(node, Component):
        yield node
        yield from walk(getattr(node, "children", None))


def classed(tree, name: str) -> list[Component]:
    return [c for c in walk(tree) if name in (getattr(c, "className", "") or "").split()]


def texts(node) -> list[str]:
    """The strings under ``node``, in order."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, (list, tuple)):
        return [t for child in node for t in texts(child)]
    if isinstance(node, Component):
        return texts(getattr(node, "children", None))
    return []


def style(c: Component) -> dict:
    return getattr(c, "style", None) or {}


def shape(node) -> object:
    """The element tree without its figures: types, classes and keys."""
    if isinstance(node, (list, tuple)):
        return [shape(child) for child in node]
    if isinstance(node, Component):
        return (type(node).__name__, getattr(node, "className", None), getattr(node, "key", None),
                shape(getattr(node, "children", None)))
    return None


def percent(value: str) -> float:
    assert value.endswith("%"), value
    return float(value[:-1])


def draw(kind: str, data, lang: str = "zh", size: tuple[int, int] = (600, 520)):
    return chart_body(kind, data, lang, COLOUR, *size)


def test_hbar_has_one_mark_per_row_in_order_widths_proportional_the_largest_in_the_lead_colour():
    tree = draw("hbar", HBAR)
    marks = classed(tree, "wall-mark")
    assert [float(m.to_plotly_json()["props"]["data-v"]) for m in marks] == [392.0, 196.0, 98.0]
    widths = [percent(style(m)["width"]) for m in marks]
    assert widths[0] == pytest.approx(100 / 1.28, abs=0.01), "the largest bar at 78% of the bar area"
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.01) and widths[2] == pytest.approx(widths[0] / 4, abs=0.01)
    assert [style(m)["backgroundColor"] for m in marks] == [COLOUR, view.dimmed(COLOUR), view.dimmed(COLOUR)]
    values = [texts(v)[0] for v in classed(tree, "wall-chart-value")]
    assert values == [present.show(v, None, "zh", compact=True, percent=False).number for v in (392.0, 196.0, 98.0)]


def test_a_label_from_source_data_stays_text_its_full_words_in_the_title():
    tree = draw("hbar", HBAR)
    labels = classed(tree, "wall-chart-label")
    assert texts(labels[2]) == ["<a href='x'>户籍</a>"] and labels[2].title == "<a href='x'>户籍</a>"
    assert not [c for c in walk(tree) if type(c).__name__ == "A"], "no link made from a label"
    assert style(labels[0])["textOverflow"] == "ellipsis"


def test_the_largest_figure_leads_wherever_it_is_in_the_rows():
    rows = {"rows": [{"label": "a", "value": 5.0}, {"label": "b", "value": 9.0}], "empty": ""}
    assert [style(m)["backgroundColor"] for m in classed(draw("hbar", rows), "wall-mark")] == [
        view.dimmed(COLOUR), COLOUR]


def test_donut_has_a_slice_and_a_legend_row_each_in_order_the_largest_drawn_out():
    tree = draw("donut", DONUT, size=(556, 340))
    slices = classed(tree, "wall-mark")
    legend = classed(tree, "wall-mark-legend")
    assert [float(s.to_plotly_json()["props"]["data-v"]) for s in slices] == [60.0, 350.0, 90.0]
    assert [texts(row) for row in legend] == [["0-17岁", "12%"], ["35-59岁", "70%"], ["60岁及以上", "18%"]]
    fills = [style(classed(s, "wall-chart-slice-fill")[0]) for s in slices]
    assert [f["--wall-slice"] for f in fills] == view.shades(COLOUR, 6)[:3]
    sweeps = [float(f["--wall-sweep"].removesuffix("deg")) for f in fills]
    assert sweeps[1] == pytest.approx(360 * 0.7, abs=1.5) and sweeps[0] == pytest.approx(360 * 0.12, abs=1.5)
    starts = [float(f["--wall-from"].removesuffix("deg")) for f in fills]
    assert starts == pytest.approx([0, 360 * 0.12, 360 * 0.82], abs=0.01), "clockwise from 12 o'clock"
    pulled = [style(s)["transform"] != "translate(0px, 0px)" for s in slices]
    assert pulled == [False, True, False]


@pytest.mark.parametrize(("kind", "data", "reason"), [
    ("hbar", {"rows": [], "empty": "未报送（数据至11月30日）"}, "未报送（数据至11月30日）"),
    ("donut", {"rows": [], "empty": "暂无数据"}, "暂无数据"),
    ("trend", months([None, None, None], partial=False), view.t("no_data", "zh")),
    ("hotline", {**HOTLINE, "received": months([None, None, None])}, view.t("no_data", "zh")),
])
def test_an_empty_chart_says_why_in_the_middle_with_no_axes_or_marks(kind, data, reason):
    tree = draw(kind, data)
    assert len(tree) == 1 and "wall-chart-empty" in tree[0].className
    assert texts(tree) == [reason] and style(tree[0])["fontSize"] == "30px" and style(tree[0])["color"] == view.MUTED
    assert not classed(tree, "wall-mark") and not classed(tree, "wall-chart-month")


def test_trend_a_missing_month_is_a_gap_never_a_zero_bar_and_only_the_last_bar_has_its_figure():
    tree = draw("trend", TREND)
    columns = classed(tree, "wall-chart-column")
    assert len(columns) == 13 and columns[2].children == [], "no bar at all for the missing month"
    bars = classed(tree, "wall-chart-bar")
    assert len(bars) == 12 and all(percent(style(b)["height"]) > 0 for b in bars)
    tallest = max(percent(style(b)["height"]) for b in bars)
    assert tallest == pytest.approx(100 / 1.2, abs=0.01)
    assert [texts(v) for v in classed(tree, "wall-chart-value")] == [["367"]]
    assert classed(columns[-1], "wall-chart-value"), "the figure rides on the last bar"


def test_trend_the_unfinished_month_is_lighter_outlined_and_the_corner_says_how_far_it_reaches():
    tree = draw("trend", TREND)
    bars = classed(tree, "wall-chart-bar")
    assert [b for b in bars if "wall-chart-partial" in b.className] == [bars[-1]]
    assert style(bars[-1])["backgroundColor"] == view.partial(COLOUR)
    assert style(bars[-1])["border"] == f"3px solid {COLOUR}"
    assert all(style(b)["backgroundColor"] == COLOUR and "border" not in style(b) for b in bars[:-1])
    corner = classed(tree, "wall-chart-through")
    assert texts(corner) == ["至12月5日"] and style(corner[0])["color"] == view.GOLD
    whole = draw("trend", months([1.0, 2.0, 3.0], partial=False))
    assert texts(classed(whole, "wall-chart-through")) == [""] and not classed(whole, "wall-chart-partial")


def test_a_month_label_with_a_break_is_two_lines_and_when_twelve_do_not_fit_every_other_is_named():
    narrow = classed(draw("trend", TREND, size=(600, 520)), "wall-chart-month")
    assert texts(narrow[0]) == ["12月", "去年"], "'<br>' split into two lines"
    assert [bool(texts(m)) for m in narrow] == [i % 2 == 0 for i in range(13)], "the latest month always named"
    wide = classed(draw("trend", months([1.0] * 5), size=(900, 520)), "wall-chart-month")
    assert [texts(m) for m in wide] == [["12月", "去年"], ["2月"], ["3月"], ["4月"], ["5月"]]


def test_hotline_lines_have_a_segment_between_each_two_months_the_unfinished_one_dotted_to_a_hollow_point():
    tree = draw("hotline", HOTLINE, size=(700, 520))
    for name in ("on_time", "satisfied"):
        line = classed(tree, f"wall-chart-line-{name}")[0]
        segments = classed(line, "wall-chart-segment")
        assert len(segments) == 4
        assert ["wall-chart-dotted" in s.className for s in segments] == [False, False, False, True]
        markers = classed(line, "wall-chart-marker")
        assert ["wall-chart-open" in m.className for m in markers] == [False, False, False, False, True]
        assert style(markers[-1])["width"] == "16.0px" and style(markers[0])["width"] == "10.0px"
        assert all(style(s)["height"] == "4.0px" and style(s)["transformOrigin"] == "left center" for s in segments)
    whole = {key: months([0.9, 0.8, 0.7], partial=False) for key in ("received", "on_time", "satisfied")}
    whole_tree = draw("hotline", {**whole, "names": HOTLINE["names"]})
    assert not classed(whole_tree, "wall-chart-dotted") and not classed(whole_tree, "wall-chart-open")
    assert len(classed(whole_tree, "wall-chart-segment")) == 2 * 2


def test_hotline_a_missing_rate_breaks_its_line():
    data = {**HOTLINE, "on_time": months([0.96, None, 0.94, 0.958, 0.93])}
    line = classed(draw("hotline", data), "wall-chart-line-on_time")[0]
    assert len(classed(line, "wall-chart-segment")) == 2 and len(classed(line, "wall-chart-marker")) == 4


def test_hotline_segments_join_its_points_and_the_rates_sit_on_a_0_to_105_percent_axis():
    tree = draw("hotline", HOTLINE, size=(700, 520))
    line = classed(tree, "wall-chart-line-satisfied")[0]
    centres = [(float(style(m)["left"][:-2]) + 5, float(style(m)["top"][:-2]) + 5)
               for m in classed(line, "wall-chart-marker")[:2]]
    segment = style(classed(line, "wall-chart-segment")[0])
    (x1, y1), (x2, y2) = centres
    assert float(segment["left"][:-2]) == pytest.approx(x1, abs=0.1)
    assert float(segment["width"][:-2]) == pytest.approx(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5, abs=0.2)
    rates = [texts(t)[0] for t in classed(classed(tree, "wall-chart-axis-right")[0], "wall-chart-tick")]
    assert rates == ["0%", "50%", "100%"]
    left = [texts(t)[0] for t in classed(classed(tree, "wall-chart-axis-left")[0], "wall-chart-tick")]
    assert left[0] == "0" and len(left) >= 3
    assert all(style(g)["backgroundColor"] == view.GRID for g in classed(tree, "wall-chart-gridline"))
    assert texts(classed(tree, "wall-chart-legend")) == HOTLINE["names"]
    bars = classed(tree, "wall-chart-bar")
    assert [style(b)["backgroundColor"] for b in bars] == [view.rgba(COLOUR, 0.75)] * 4 + [view.partial(COLOUR)]
    assert texts(classed(tree, "wall-chart-through")) == ["至12月5日"]


@pytest.mark.parametrize(("kind", "data"), [("hbar", HBAR), ("donut", DONUT), ("trend", TREND), ("hotline", HOTLINE),
                                            ("hbar", {"rows": [], "empty": "暂无数据"})])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_text_under_24_px(kind, data, lang):
    for c in walk(draw(kind, data, lang)):
        size = style(c).get("fontSize")
        if size is not None:
            assert float(size.removesuffix("px")) >= view.SMALLEST, (kind, c)


def test_text_elements_state_their_size_or_sit_in_one_that_does():
    """Every string is in an element with a font size of 24 px or more, or under one."""
    def check(node, inherited: float | None) -> None:
        if isinstance(node, list):
            for child in node:
                check(child, inherited)
        elif isinstance(node, Component):
            size = style(node).get("fontSize")
            check(getattr(node, "children", None), float(size[:-2]) if size else inherited)
        elif isinstance(node, str) and node:
            assert inherited is not None and inherited >= view.SMALLEST, node

    for kind, data in (("hbar", HBAR), ("donut", DONUT), ("trend", TREND), ("hotline", HOTLINE)):
        check(draw(kind, data), None)


@pytest.mark.parametrize(("kind", "before", "after"), [
    ("hbar", HBAR, {**HBAR, "rows": [{**r, "value": r["value"] * 3 + 1} for r in reversed(HBAR["rows"])]}),
    ("donut", DONUT, {**DONUT, "rows": [{**r, "value": r["value"] + 40} for r in DONUT["rows"]]}),
    ("trend", TREND, [{**p, "value": p["value"] and p["value"] * 2} for p in TREND]),
    ("hotline", HOTLINE, {**HOTLINE, "received": [{**p, "value": p["value"] + 300} for p in HOTLINE["received"]]}),
])
def test_new_figures_of_the_same_shape_give_the_same_element_tree(kind, before, after):
    """So React changes props in place (and CSS glides them) instead of remounting."""
    assert shape(draw(kind, before)) == shape(draw(kind, after))


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        chart_body("map", {}, "zh", COLOUR, 100, 100)


def test_the_chart_styles_are_served_on_the_wall(sample_warehouse_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sample_warehouse_url)
    page = dashboard.create_app().server.test_client().get("/wall?area=510104011000").get_data(as_text=True)
    assert re.search(r'<link rel="stylesheet" href="[^"]*/assets/wall-charts\.css', page)
