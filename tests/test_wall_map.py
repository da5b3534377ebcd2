"""The wall's map (issue 13): the areas below placed by their coordinates over the district
outline, coloured and labelled by the figure the playlist names; no figure is a hollow ring,
never a 0; drawn with no request leaving the server."""
from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest

from callbacks import wall
from data import areas, content, db, playlist, query, settings
from data.playlist import PlaylistError
from layouts import wall as view
from layouts import wallmap
from layouts.ids import Wall
from support import AppServer, wall_app

STREET, COMMUNITY, DISTRICT = "510104011000", "510104011001", "510104000000"


@pytest.fixture
def app(sample_warehouse_url, monkeypatch):
    with wall_app(sample_warehouse_url, monkeypatch) as app:
        yield app


def drawn(area: str, lang: str = "zh", metric: str | None = None) -> dict:
    """The map's figure as the first screen draws it: its skeleton with the refresh's patch applied."""
    _key, f = wall.figures(area, lang, settings.local_today(), metric)
    _kind, width, height = view.CHARTS["map-places"]
    return wall.apply_patch(view.skeleton("map", width, height, lang), wall.patch_map(f["charts"]["map-places"], lang))


def trace(figure: dict, name: str) -> dict:
    return figure["data"][view.MAP_TRACES.index(name)]


def test_a_street_map_places_each_community_at_its_coordinates_with_its_figure(app):
    figure = drawn(STREET)
    communities = areas.children(STREET)
    start, end = wall.spans(settings.local_today())["last_30_days"]
    shown = trace(figure, "figures")
    assert len(shown["x"]) + len(trace(figure, "hollow")["x"]) == len(communities)
    for community in communities:
        value = query.values([view.MAP_METRIC], community["code"], start, end).get(view.MAP_METRIC)
        name = community["name"].removesuffix("社区")
        labels = [t for t in shown["text"] if t.split("<br>")[0] == name]
        assert len(labels) == 1, name
        at = shown["text"].index(labels[0])
        assert (shown["x"][at], shown["y"][at]) == (community["lon"], community["lat"])
        assert labels[0].split("<br>")[1].replace(",", "") == f"{value:.0f}"
    # Over the district outline, framed on the communities.
    assert trace(figure, "district")["x"] and None in trace(figure, "district")["x"]
    low, high = figure["layout"]["xaxis"]["range"]
    assert all(low < c["lon"] < high for c in communities)
    assert any(a.get("name") == "schematic" and a["text"] == "示意图 · 位置与边界非测绘"
               for a in figure["layout"]["annotations"])


def test_areas_without_a_figure_are_hollow_rings_not_zeros(app):
    """A district's wall: only 沙河街道 has data in the sample; its other streets are rings with "—"."""
    figure = drawn(DISTRICT)
    streets = areas.children(DISTRICT)
    hollow, filled = trace(figure, "hollow"), trace(figure, "figures")
    assert len(filled["x"]) == 1 and filled["text"][0].startswith("沙河")
    assert len(hollow["x"]) == len(streets) - 1 > 0
    assert all(text.endswith("<br>—") for text in hollow["text"])
    assert not any(text.split("<br>")[1] in ("0", "0.0") for text in hollow["text"])
    assert hollow["marker"]["symbol"] == "circle-open"
    legend = next(a for a in figure["layout"]["annotations"] if a.get("name") == "hollow")
    assert legend.get("visible", True) and "无数据" in legend["text"]


def test_a_community_wall_maps_its_grid_cells_or_else_its_streets_communities(app):
    # A metric recorded per grid cell: the community's grid cells.
    grids = drawn(COMMUNITY, metric="grid_events_reported")
    cells = areas.children(COMMUNITY)
    assert len(trace(grids, "figures")["x"]) + len(trace(grids, "hollow")["x"]) == len(cells)
    assert trace(grids, "own")["x"] == []
    # A metric recorded per community: the street's communities, this one ringed in gold.
    siblings = drawn(COMMUNITY)
    assert len(trace(siblings, "figures")["x"]) + len(trace(siblings, "hollow")["x"]) == len(areas.children(STREET))
    own = areas.get(COMMUNITY)
    assert (trace(siblings, "own")["x"], trace(siblings, "own")["y"]) == ([own["lon"]], [own["lat"]])
    # Its label is set off the ring (drawn by the ring's trace), not hidden under it.
    assert trace(siblings, "own")["text"][0].startswith("汇泉路<br>")
    assert not any(text.startswith("汇泉路") for text in trace(siblings, "figures")["text"])


def test_labels_are_placed_apart(app):
    """Each label's side is chosen so that, where there is room, no two labels cover each other."""
    for area, lang in ((STREET, "zh"), (COMMUNITY, "en")):
        figure = drawn(area, lang)
        shown = trace(figure, "figures")
        sides = shown["textposition"]
        assert len(sides) == len(shown["x"]) and set(sides) <= set(wallmap.MAP_SIDES)
        assert len(set(sides)) > 1  # the sample's close communities do not all take the top


def test_the_playlist_chooses_the_maps_figure(app, tmp_path, monkeypatch):
    path = tmp_path / "playlist.yaml"
    path.write_text("panels:\n  - id: map\n    metric: hotline_satisfaction_rate\n  - party\n", encoding="utf-8")
    monkeypatch.setenv("CSB_PLAYLIST", str(path))
    page = wall.first_screen(STREET, "en")
    found = wall._components(page)
    caption = found[wall._key(Wall.stat("map-period"))].children
    info = query.metric_info("hotline_satisfaction_rate")
    assert caption.startswith(info["name_en"]) and "last 30 days" in caption
    labels = trace(found[wall._key(Wall.chart("map-places"))].figure, "figures")["text"]
    assert labels and all(label.endswith("%") for label in labels)  # a rate, written as one


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
    figure = drawn(COMMUNITY)
    resources = content.items(["resource"], COMMUNITY, limit=500)
    placed = [content.coordinates(r["body"]) for r in resources if content.coordinates(r["body"])]
    assert placed  # the samples write each service point's position in its body
    services = trace(figure, "services")
    assert sorted(zip(services["x"], services["y"])) == sorted(placed)
    note = next(a for a in figure["layout"]["annotations"] if a.get("name") == "services")
    assert note["visible"] and note["text"] == f"◆ 服务点 {len(placed)} 处 · 15分钟生活圈"
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
        dots = browser.execute_script(  # {trace name: its drawn points}
            "var gd = document.querySelector('.wall-body-map .js-plotly-plot'), found = {};"
            "gd.querySelectorAll('.scatterlayer .trace').forEach(function (t) {"
            " found[t.__data__[0].trace.name] = t.querySelectorAll('.point').length; });"
            "return found;")
        places = dots.get("hollow", 0) + dots.get("figures", 0)
        assert places == len(areas.children(STREET, engine=db.get_engine(sample_warehouse_url)))
        assert dots["services"] > places  # the street's service points, a few per community
        words = browser.execute_script(
            "return Array.from(document.querySelectorAll('.wall-body-map svg text')).map(function (t) {"
            " return t.textContent; });")
        assert "示意图 · 位置与边界非测绘" in words and any(w.startswith("汇泉路") for w in words)
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
