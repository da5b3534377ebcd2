"""The wall's map (issue 13): the areas below placed by their coordinates over the district
outline, coloured and labelled by the figure the playlist names; no figure is a hollow ring,
never a 0; drawn with no request leaving the server."""
from __future__ import annotations

import json
import re
import time
from urllib.parse import unquote, urlsplit

import pytest

from callbacks import wall
from data import areas, content, db, playlist, query, settings
from data.playlist import PlaylistError
from layouts import wall as view
from layouts.ids import Wall
from support import AppServer, texts, walk, wall_app, wall_chart, with_class

STREET, COMMUNITY, DISTRICT = "510104011000", "510104011001", "510104000000"


@pytest.fixture
def app(sample_warehouse_url, monkeypatch):
    with wall_app(sample_warehouse_url, monkeypatch) as app:
        yield app


def drawn(area: str, lang: str = "zh", metric: str | None = None) -> list:
    """The map's marks as the first screen draws them (the children of its box)."""
    _key, f = wall.figures(area, lang, settings.local_today(), metric)
    return wall.chart_children("map-places", f["charts"]["map-places"], lang, view.DOMAIN_COLOURS["services"])


def px(value: str) -> float:
    return float(value.removesuffix("px"))


def places(tree) -> list[dict]:
    """Each place the map draws: its dot's centre in pixels, hollow or not, ringed or not, its label's lines."""
    index = {c.key: c for c in walk(tree) if getattr(c, "key", None)}
    found = []
    for dot in with_class(tree, "wall-map-dot"):
        n = dot.key.removeprefix("dot-")
        label = index[f"label-{n}"]
        found.append({"at": (px(dot.style["left"]), px(dot.style["top"])), "hollow": "hollow" in dot.className.split(),
                      "colour": dot.style.get("background"), "own": f"ring-{n}" in index,
                      "lines": texts(label), "label": label})
    return found


def note(tree, name: str):
    return next(c for c in with_class(tree, "wall-map-note") if name in c.className.split())


def on_screen(lon: float, lat: float, placed: list[tuple[float, float, tuple[float, float]]]) -> tuple[float, float]:
    """Where (lon, lat) falls on the map, by the scale and offset its places are drawn at
    (``placed``: (lon, lat, pixels) of places): the map is linear in both, so the two places
    farthest apart east to west give x, the two farthest apart north to south give y."""
    west, east = min(placed, key=lambda p: p[0]), max(placed, key=lambda p: p[0])
    south, north = min(placed, key=lambda p: p[1]), max(placed, key=lambda p: p[1])
    x = west[2][0] + (lon - west[0]) * (east[2][0] - west[2][0]) / (east[0] - west[0])
    y = south[2][1] + (lat - south[1]) * (north[2][1] - south[2][1]) / (north[1] - south[1])
    return x, y


def test_a_street_map_places_each_community_at_its_coordinates_with_its_figure(app):
    tree = drawn(STREET)
    communities = areas.children(STREET)
    start, end = wall.spans(settings.local_today())["last_30_days"]
    shown = places(tree)
    assert len(shown) == len(communities)
    at: list[tuple[float, float, tuple[float, float]]] = []
    for community in communities:
        value = query.values([view.MAP_METRIC], community["code"], start, end).get(view.MAP_METRIC)
        name = community["name"].removesuffix("社区")
        labelled = [p for p in shown if p["lines"][0] == name]
        assert len(labelled) == 1, name
        assert labelled[0]["lines"][1].replace(",", "") == f"{value:.0f}"
        at.append((community["lon"], community["lat"], labelled[0]["at"]))
    # Placed by their coordinates: east is right, north is up, at one scale across the map.
    assert all((a[2][0] - b[2][0]) * (a[0] - b[0]) >= 0 and (a[2][1] - b[2][1]) * (a[1] - b[1]) <= 0
               for a in at for b in at)
    for lon, lat, pixels in at:
        assert on_screen(lon, lat, at) == pytest.approx(pixels, abs=0.2)
    # Over the district outline, framed on the communities: every dot inside the plotting area.
    plot = with_class(tree, "wall-map-plot")[0]
    width, height = px(plot.style["width"]), px(plot.style["height"])
    assert all(0 < x < width and 0 < y < height for _lon, _lat, (x, y) in at)
    outlines = unquote(with_class(tree, "wall-map-outlines")[0].src)
    assert outlines.startswith("data:image/svg+xml") and re.search(r"class='district' d='M[\d.]+ ", outlines)
    assert texts(note(tree, "wall-map-schematic")) == ["示意图 · 位置与边界非测绘"]


def test_areas_without_a_figure_are_hollow_rings_not_zeros(app):
    """A district's wall: only 沙河街道 has data in the sample; its other streets are rings with "—"."""
    tree = drawn(DISTRICT)
    streets = areas.children(DISTRICT)
    filled = [p for p in places(tree) if not p["hollow"]]
    hollow = [p for p in places(tree) if p["hollow"]]
    assert len(filled) == 1 and filled[0]["lines"][0].startswith("沙河")
    assert len(hollow) == len(streets) - 1 > 0
    assert all(p["lines"][-1] == "—" for p in hollow)
    assert not any(p["lines"][1] in ("0", "0.0") for p in hollow)
    assert all(p["colour"] is None for p in hollow)  # a ring, not a dot in a colour of the scale
    legend = note(tree, "wall-map-hollow")
    assert not legend.hidden and "无数据" in texts(legend)[0]


def test_a_community_wall_maps_its_grid_cells_or_else_its_streets_communities(app):
    # A metric recorded per grid cell: the community's grid cells.
    grids = drawn(COMMUNITY, metric="grid_events_reported")
    cells = areas.children(COMMUNITY)
    assert len(places(grids)) == len(cells)
    assert with_class(grids, "wall-map-own") == []
    # A metric recorded per community: the street's communities, this one ringed in gold.
    siblings = drawn(COMMUNITY)
    shown = places(siblings)
    assert len(shown) == len(areas.children(STREET))
    own = [p for p in shown if p["own"]]
    assert len(own) == 1 and own[0]["lines"][0] == "汇泉路"
    ring = with_class(siblings, "wall-map-own")[0]
    assert (px(ring.style["left"]), px(ring.style["top"])) == own[0]["at"]
    others = [(lon, lat, p["at"]) for p in shown for lon, lat in [next(
        (a["lon"], a["lat"]) for a in areas.children(STREET) if a["name"].removesuffix("社区") == p["lines"][0])]]
    mine = areas.get(COMMUNITY)
    assert on_screen(mine["lon"], mine["lat"], others) == pytest.approx(own[0]["at"], abs=0.2)
    # Its label is set off the ring, not hidden under it: its near edge beyond the ring's.
    label = own[0]["label"]
    ring_radius = (view.MAP_MARKER + view.MAP_RING + 4) / 2
    off = (abs(px(label.style["left"]) - own[0]["at"][0]), abs(px(label.style["top"]) - own[0]["at"][1]))
    assert max(off) >= ring_radius, off
    assert "hollow" not in label.className.split()  # the own place's name in ink


def test_labels_are_placed_apart(app):
    """Each label's side is chosen so that, where there is room, no two labels cover each other."""
    sides = {f"translate({h}%, {v}%)" for h in (-50, 0, -100) for v in (-100, 0, -50)}
    for area, lang in ((STREET, "zh"), (COMMUNITY, "en")):
        labels = [p["label"] for p in places(drawn(area, lang))]
        chosen = [label.style["transform"] for label in labels]
        assert labels and set(chosen) <= sides
        assert len(set(chosen)) > 1  # the sample's close communities do not all take the top


def test_the_playlist_chooses_the_maps_figure(app, tmp_path, monkeypatch):
    path = tmp_path / "playlist.yaml"
    path.write_text("panels:\n  - id: map\n    metric: hotline_satisfaction_rate\n  - party\n", encoding="utf-8")
    monkeypatch.setenv("CSB_PLAYLIST", str(path))
    page = wall.first_screen(STREET, "en")
    found = wall._components(page)
    caption = found[wall._key(Wall.stat("map-period"))].children
    info = query.metric_info("hotline_satisfaction_rate")
    assert caption.startswith(info["name_en"]) and "last 30 days" in caption
    labels = [p["lines"] for p in places(wall_chart(found, "map-places").children)]
    assert labels and all(lines[-1].endswith("%") for lines in labels)  # a rate, written as one


def test_the_playlist_checks_the_maps_metric():
    parsed = playlist.parse("panels:\n  - id: map\n    metric: grid_events_reported\n")
    assert parsed.map_metric() == "grid_events_reported"
    assert playlist.parse("panels:\n  - map\n").map_metric() is None

    def problem(text: str) -> PlaylistError:
        with pytest.raises(PlaylistError) as caught:
            playlist.parse(text, "playlist.yaml")
        return caught.value

    unknown = problem("panels:\n  - id: map\n    metric: grid_event_reported\n")
    assert unknown.line == 3 and "unknown metric 'grid_event_reported'" in unknown.reason
    assert "grid_events_reported" in unknown.reason  # the close one is suggested
    elsewhere = problem("panels:\n  - id: party\n    metric: party_members\n")
    assert elsewhere.line == 3 and "map" in elsewhere.reason and "'party'" in elsewhere.reason
    twice = problem("panels:\n  - id: map\n    metric: party_members\n"
                    "windows:\n  - from: '18:00'\n    to: '07:00'\n    panels:\n      - id: map\n"
                    "        metric: volunteer_hours\n")
    assert "two metrics" in twice.reason


def test_a_service_points_position_is_read_from_its_body_and_never_made_up():
    assert content.coordinates("汇泉路社区食堂，步行约5分钟可达。\n\n坐标：104.08612, 30.65731") == (104.08612, 30.65731)
    assert content.coordinates("Coordinates: 104.1, 30.6") == (104.1, 30.6)
    assert content.coordinates("汇泉路社区食堂，步行约5分钟可达。") is None  # no line: no position
    assert content.coordinates("坐标：200.5, 30.6") is None  # not a place on Earth


def test_the_map_places_the_service_points_that_have_a_position_and_says_how_many_do_not(app):
    tree = drawn(COMMUNITY)
    resources = content.items(["resource"], COMMUNITY, limit=500)
    placed = [content.coordinates(r["body"]) for r in resources if content.coordinates(r["body"])]
    assert placed  # the samples write each service point's position in its body
    at = [(lon, lat, p["at"]) for p in places(tree) for lon, lat in [next(
        (a["lon"], a["lat"]) for a in areas.children(STREET) if a["name"].removesuffix("社区") == p["lines"][0])]]
    services = sorted((px(s.style["left"]), px(s.style["top"])) for s in with_class(tree, "wall-map-service"))
    expected = sorted(on_screen(lon, lat, at) for lon, lat in placed)
    assert len(services) == len(expected)
    assert all(s == pytest.approx(e, abs=0.2) for s, e in zip(services, expected))
    services_note = note(tree, "wall-map-services")
    assert not services_note.hidden and texts(services_note) == [f"◆ 服务点 {len(placed)} 处 · 15分钟生活圈"]
    # A feed whose service points carry no position: none placed, and the map says so.
    said = wall._service_points({"placed": [], "unplaced": 4}, "en")
    assert said == {"services": [], "services_note": "Service points have no position: not on the map"}
    some = wall._service_points({"placed": [{"lon": 104.1, "lat": 30.6}], "unplaced": 2}, "zh")["services_note"]
    assert some == "◆ 服务点 1 处 · 15分钟生活圈 · 另有 2 处无坐标，未标注"


@pytest.mark.timeout(180)
def test_the_map_draws_in_the_browser_with_no_request_leaving_the_server(sample_warehouse_url, tmp_path, browser):
    path = tmp_path / "playlist.yaml"
    path.write_text("panels:\n  - id: map\n    duration: 600\n  - party\n", encoding="utf-8")
    server = AppServer(sample_warehouse_url, env={"CSB_PLAYLIST": str(path)}).start()
    try:
        browser.get_log("performance")
        from test_wall_browser import open_wall

        open_wall(browser, server)
        drawn_map = browser.execute_script(  # what the map panel shows: its places, service points, words
            "var map = document.querySelector('.wall-body-map .wall-chart-map');"
            "function boxes(sel) { return Array.from(map.querySelectorAll(sel)).map(function (el) {"
            " var r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }); }"
            "var img = map.querySelector('.wall-map-outlines');"
            "return {places: map.querySelectorAll('.wall-map-dot').length,"
            " services: map.querySelectorAll('.wall-map-service').length,"
            " outlines: img.complete && img.naturalWidth > 0,"
            " words: Array.from(map.querySelectorAll('.wall-map-note:not([hidden]), .wall-map-label'))"
            "  .map(function (el) { return el.innerText; }),"
            " labels: boxes('.wall-map-label')};")
        places = drawn_map["places"]
        assert places == len(areas.children(STREET, engine=db.get_engine(sample_warehouse_url)))
        assert drawn_map["services"] > places  # the street's service points, a few per community
        assert drawn_map["outlines"]  # the district outline drawn, from the page itself
        words = drawn_map["words"]
        assert "示意图 · 位置与边界非测绘" in words and any(w.startswith("汇泉路") for w in words)
        # The street's communities have room apart: no two labels, as drawn, cover each other.
        labels = drawn_map["labels"]
        assert [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:]
                if min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1] == []
        time.sleep(1)
        own = urlsplit(server.url).netloc
        urls = [m["params"]["request"]["url"] for m in
                (json.loads(e["message"])["message"] for e in browser.get_log("performance"))
                if m["method"] == "Network.requestWillBeSent"]
        entries = browser.execute_script("return performance.getEntries().map(function (e) { return e.name; })")
        foreign = [u for u in [*urls, *entries] if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                   and urlsplit(u).netloc != own]
        assert urls and foreign == []
    finally:
        server.stop_after(browser)


def test_a_league_says_how_many_areas_below_have_no_figure_to_rank(app):
    """A district whose sample data covers one street ranks that street alone; its caption
    says how many more streets there are, so the table is not read as the whole district."""
    _key, f = wall.figures(DISTRICT, "zh", settings.local_today())
    streets = areas.children(DISTRICT)
    ranked = f["lists"]["league"]
    assert 0 < len(ranked) < len(streets)
    assert f["stats"]["league-period"] == f"各下级区域 · 近30天 · 另有{len(streets) - len(ranked)}个无数据"
    _key, street = wall.figures(STREET, "en", settings.local_today())
    assert "without figures" not in street["stats"]["league-period"]  # every community ranked
