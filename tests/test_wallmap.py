"""The wall's map as page elements (layouts/wallmap.py): every place a dot, filled by its figure
or a hollow ring without one (never a 0), the wall's own place ringed in gold, labels as plain
text beside their dots and clear of each other, the district outlines as one SVG image, and the
same element tree for the same shape of data, so a refresh updates it in place."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest

from callbacks import wall
from data import present, settings
from data.outlines import district_outlines
from layouts import wall as view
from layouts import wallmap
from support import wall_app

STREET, COMMUNITY, DISTRICT = "510104011000", "510104011001", "510104000000"
WIDTH, HEIGHT = view.CHARTS["map-places"][1:]


def place(x: float, y: float, name: str, value: float | None, own: bool = False) -> dict:
    shown = "—" if value is None else f"{value:,.0f}"
    return {"x": x, "y": y, "value": value, "label": present.plot_text(name) + "<br>" + shown, "own": own}


def sample(**changes) -> dict:
    """Four communities of 沙河街道 as ``callbacks/wall._map`` gives them: one without a figure, one the wall's own."""
    data = {
        "points": [place(104.13353, 30.60321, "汇泉路", 2685, own=True), place(104.12196, 30.60537, "创业", 127),
                   place(104.12496, 30.5998, "同心", None), place(104.14066, 30.60254, "鹭岛", 359)],
        "district": DISTRICT, "empty": "暂无数据",
        "services": [{"x": 104.13, "y": 30.601}, {"x": 104.128, "y": 30.607}],
        "services_note": "◆ 服务点 2 处 · 15分钟生活圈",
    }
    return {**data, **changes}


def body(data: dict, lang: str = "zh", colour: str = view.GREEN) -> list:
    return wallmap.map_body(data, lang, colour, WIDTH, HEIGHT)


def layer(children: list, key: str) -> list:
    plot = next(c for c in children if c.key == "plot")
    return next(c for c in plot.children if c.key == key).children


def part(children: list, key: str):
    return next(c for c in children if c.key == key)


def px(value: str) -> float:
    return float(value.removesuffix("px"))


def text_of(label) -> list[str]:
    return [line.children for line in label.children]


def test_every_place_is_a_dot_filled_by_its_figure_or_a_hollow_ring_without_one():
    data = sample()
    dots = layer(body(data), "dots")
    assert len(dots) == len(data["points"])
    for dot, pt in zip(dots, data["points"]):
        assert ("hollow" in dot.className.split()) == (pt["value"] is None)
    filled = [d for d in dots if "hollow" not in d.className]
    assert [d.style["background"] for d in filled] == wallmap.map_colours([2685, 127, 359], view.GREEN)
    assert "background" not in part(dots, "dot-2").style  # a ring: nothing drawn as a zero
    assert text_of(part(layer(body(data), "labels"), "label-2")) == ["同心", "—"]
    assert part(body(data), "hollow").hidden is False  # the legend says what a ring means
    assert part(body(sample(points=data["points"][:2])), "hollow").hidden is True


def test_the_walls_own_place_is_ringed_in_gold_and_labelled_off_the_ring():
    data = sample()
    children = body(data)
    rings = layer(children, "rings")
    assert [r.key for r in rings] == ["ring-0"]
    dot = part(layer(children, "dots"), "dot-0")
    assert (rings[0].style["left"], rings[0].style["top"]) == (dot.style["left"], dot.style["top"])
    plot = part(children, "plot")
    assert px(plot.style["--wall-map-own"]) > px(plot.style["--wall-map-dot"])
    assert plot.style["--wall-map-gold"] == view.GOLD
    # Its label stands past the ring, not under it.
    label = part(layer(children, "labels"), "label-0")
    gap = abs(px(label.style["top"]) - px(dot.style["top"])) + abs(px(label.style["left"]) - px(dot.style["left"]))
    assert gap >= (view.MAP_MARKER + view.MAP_RING) / 2
    assert layer(body(sample(points=[place(104.12, 30.6, "创业", 3)])), "rings") == []


def test_labels_are_their_lines_as_plain_text_and_markup_stays_text():
    tricky = '<b>河</b> & <a href="x">50%</a>'
    data = sample(points=[place(104.13, 30.60, "汇泉路", 2685), place(104.12, 30.61, tricky, 12)])
    labels = layer(body(data), "labels")
    assert text_of(labels[0]) == ["汇泉路", "2,685"]
    assert text_of(labels[1]) == [tricky, "12"]  # as the source wrote it, never read as markup
    for label in labels:
        assert all(isinstance(line.children, str) for line in label.children)
    # A source's own "<br>" is a name, not a second line.
    lines = text_of(layer(body(sample(points=[place(104.13, 30.6, "A<br>B", 1)])), "labels")[0])
    assert lines == ["A<br>B", "1"]


def test_the_outlines_are_one_svg_image_with_the_own_district_filled():
    data = sample()
    image = part(part(body(data), "plot").children, "outlines")
    assert image.src.startswith("data:image/svg+xml;utf8,")
    svg = ET.fromstring(unquote(image.src.split(",", 1)[1]))
    paths = {p.get("class"): p for p in svg.iter("{http://www.w3.org/2000/svg}path")}
    own = paths["district"]
    assert own.get("fill") == wallmap.OWN_FILL and own.get("stroke") == wallmap.OWN_LINE
    rings = [o for o in district_outlines() if o["code"] == DISTRICT][0]["x"].count(None)
    assert own.get("d").count("M") == rings > 0
    assert paths["districts"].get("fill") == "none" and paths["districts"].get("stroke") == wallmap.OTHERS_LINE
    plot = wallmap.map_plot(WIDTH, HEIGHT)
    assert svg.get("viewBox") == f"0 0 {plot[0]} {plot[1]}"  # the plotting area: beyond it is clipped


def test_the_empty_map_says_so_and_shows_the_outlines():
    children = body(sample(points=[], services=[], services_note=""))
    assert part(children, "empty").hidden is False and part(children, "empty").children == "暂无数据"
    assert layer(children, "dots") == [] and layer(children, "labels") == [] and layer(children, "rings") == []
    assert part(children, "hollow").hidden is True and part(children, "services-note").hidden is True
    assert part(children, "schematic").children == "示意图 · 位置与边界非测绘"
    assert "district" in unquote(part(part(children, "plot").children, "outlines").src)
    shown = body(sample())
    assert part(shown, "empty").hidden is True
    assert part(shown, "services-note").hidden is False and part(shown, "services-note").children.startswith("◆")
    assert len(layer(shown, "services")) == 2


def shape(node) -> object:
    """A component tree without its figures: type, key and children (what React matches)."""
    if isinstance(node, list):
        return [shape(n) for n in node]
    if isinstance(node, str) or node is None:
        return None
    return (type(node).__name__, getattr(node, "key", None), shape(node.children))


def test_the_same_shape_of_data_gives_the_same_element_tree():
    before = sample()
    after = sample(points=[{**pt, "value": None if pt["value"] == 127 else (pt["value"] or 5) * 2,
                            "x": pt["x"] + 0.001} for pt in before["points"]])
    assert shape(body(before)) == shape(body(after))
    for siblings in (body(before), layer(body(before), "dots"), layer(body(before), "labels")):
        keys = [c.key for c in siblings]
        assert None not in keys and len(set(keys)) == len(keys)


def test_no_text_on_the_map_is_under_24px():
    css = (Path(__file__).parents[1] / "assets" / "wall-map.css").read_text(encoding="utf-8")
    sizes = [int(size) for size in re.findall(r"font-size:\s*(\d+)px", css)]
    assert sizes and min(sizes) >= view.SMALLEST


def rendered_text(children: list) -> list[tuple[float, float, float, float]]:
    """Each label's text as map_body sets it: its anchor, shifted by its transform, at its reckoned
    size (``wallmap._extent``) less the 5 px of air either side that the placing keeps if it can."""
    boxes = []
    for label in layer(children, "labels"):
        w, h = wallmap._extent("<br>".join(text_of(label)))
        dx, dy = (float(v) / 100 for v in re.findall(r"(-?\d+)%", label.style["transform"]))
        left, top = px(label.style["left"]) + dx * w, px(label.style["top"]) + dy * h
        boxes.append((left + 5, top, left + w - 5, top + h))
    return boxes


@pytest.fixture
def app(sample_warehouse_url, monkeypatch):
    with wall_app(sample_warehouse_url, monkeypatch) as app:
        yield app


def test_labels_do_not_cover_each_other_on_the_sample_data(app):
    for area, lang in ((STREET, "zh"), (STREET, "en"), (COMMUNITY, "zh"), (DISTRICT, "zh")):
        _key, figures = wall.figures(area, lang, settings.local_today())
        data = figures["charts"]["map-places"]
        boxes = rendered_text(body(data, lang))
        assert len(boxes) == len(data["points"]) > 1
        covered = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                   if min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])]
        assert covered == [], (area, lang)


def test_the_wall_page_brings_the_maps_styles(app):
    page = app.server.test_client().get("/wall").get_data(as_text=True)
    assert re.search(r'<link[^>]+href="[^"]*/assets/wall-map\.css', page)
