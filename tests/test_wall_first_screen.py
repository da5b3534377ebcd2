"""The wall page arrives with its figures in it: what the first refresh would have patched in."""
from __future__ import annotations

import json

import pytest
from dash import no_update
from plotly.utils import PlotlyJSONEncoder

import dashboard
from callbacks import wall
from data import db
from layouts import wall as view
from layouts.ids import Wall
from support import marks, wall_app, wall_chart, with_class


@pytest.fixture
def app(sample_warehouse_url, monkeypatch):
    with wall_app(sample_warehouse_url, monkeypatch) as app:
        yield app


def test_the_first_screen_carries_every_chart_figure_and_stamp(app):
    page = wall.first_screen("510104011000", "zh")
    data = page[Wall.DATA].data
    assert data["ok"] and data["key"] and len(data["kpis"]) == len(view.KPIS)
    _, figures = wall.figures("510104011000", "zh", _today())
    opening = getattr(page[Wall.STAGE], "data-active")
    deferred = page[Wall.DEFERRED].data
    on_page = {c.id["chart"] for c in wall._components(page).values()
               if isinstance(c.id, dict) and c.id.get("type") == "wall-chart"}
    for chart in view.CHARTS:
        colour = view.CHART_COLOURS[chart]  # its panel's domain colour
        expected = wall.chart_children(chart, figures["charts"][chart], "zh", colour)
        # The opening panel's charts are drawn with the page; every other chart waits, figures
        # in, for its panel to come round (draw what is seen).
        box = page[Wall.chart(chart)] if chart in on_page else deferred[chart]
        assert _json(box.children) == _json(expected), chart
        assert box.children, chart  # drawn: marks, or why there are none
        assert (chart in on_page) == (chart in {c.id for c in view.PANELS[opening].charts}), chart
    items = wall_chart(wall._components(page), "services-items")
    # a bar per row, each named
    assert marks(items.children) and len(marks(items.children)) == len(with_class(items.children, "wall-chart-label"))
    stamps = [getattr(page[Wall.panel(p)], "data-as-of") for p in view.PANEL_BUILDERS]
    assert all(stamps) and len(set(stamps)) == 1
    assert page[Wall.AREA_NAME].children == "沙河街道"
    assert page[Wall.stat("gov-hotline_received")].children not in ("", "—")


def test_the_first_refresh_after_a_filled_page_changes_no_chart(app):
    page = wall.first_screen("510104011000", "en")
    found = wall._components(page)
    ids = {kind: wall._ids(found, kind) for kind in ("wall-chart", "wall-panel", "wall-kpi", "wall-stat")}
    outputs = wall.answer({"n": 1}, page[Wall.DATA].data, page[Wall.CONFIG].data, page[Wall.PLAYLIST].data,
                          ids["wall-chart"], ids["wall-panel"], ids["wall-kpi"], ids["wall-stat"])
    data, charts, _stamps, _classes, stats, *singles, playlist = outputs
    assert data["ok"] and data["key"] == page[Wall.DATA].data["key"]
    assert all(chart is no_update for chart in charts)
    assert all(stat is no_update for stat in stats)
    assert playlist is no_update


def test_a_warehouse_that_cannot_be_read_leaves_the_empty_frame(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    db.dispose_engines()
    app = dashboard.create_app()
    with app.server.test_request_context("/wall"):
        page = wall.first_screen("510104011000", "zh")
    assert getattr(page[Wall.DATA], "data", None) is None
    assert all(getattr(page[Wall.panel(p)], "data-as-of") == "" for p in view.PANEL_BUILDERS)
    assert page[Wall.chart("governance-events")].children == []  # the empty box, no marks, no zeros
    db.dispose_engines()


def _json(tree) -> str:
    """A chart's elements as the browser gets them (Dash components compare by identity)."""
    return json.dumps(tree, cls=PlotlyJSONEncoder, sort_keys=True)


def _today():
    from data import settings

    return settings.local_today()


def test_a_walls_figures_are_computed_once_for_every_worker_sharing_the_cache(app, monkeypatch):
    today = _today()
    wall._cache.clear()
    key, first = wall.figures("510104011000", "zh", today)
    wall._cache.clear()  # another worker: nothing in its own memo

    def no_warehouse(*_args):
        raise AssertionError("read the warehouse again instead of the shared cache")

    monkeypatch.setattr(wall, "read_figures", no_warehouse)
    again_key, again = wall.figures("510104011000", "zh", today)
    assert (again_key, again) == (key, first)


def test_the_agenda_shows_what_is_on_now_then_what_is_next_and_moves_on_through_the_day(app, monkeypatch):
    """The day's figures are cached until midnight; what is on now and next is not.

    At a minute before an activity begins it is listed as next (with today's time); a
    minute after, it is marked on now; once it has ended it is gone, and the list is
    still full with the ones after it. Nothing that has ended is shown.
    """
    from datetime import datetime, timedelta

    from data import settings
    from layouts import wall as view

    today = _today()
    _, figures = wall.figures("510104011000", "en", today)
    rows = figures["lists"]["agenda"]
    starts = sorted({datetime.fromisoformat(r["starts"]) for r in rows})
    begins = next(s for s in starts if s.date() >= today and s.hour > 0)  # a minute before it is the same day
    monkeypatch.setattr(settings, "local_now", lambda: begins - timedelta(minutes=1))
    page = wall.first_screen("510104011000", "en")
    found = wall._components(page)
    ids = [wall._ids(found, kind) for kind, _prop in wall.PATTERN_OUTPUTS]

    def agenda_after_refresh(shown):
        outputs = wall.answer({"n": 1}, shown, page[Wall.CONFIG].data, page[Wall.PLAYLIST].data, *ids)
        return outputs[0], outputs[1 + len(ids) + wall.SINGLE_OUTPUTS.index(Wall.ACTIVITY_LIST)]

    def seen(items):
        return [(item.children[0].children, item.children[1].children, item.className.split()[1:]) for item in items]

    before = seen(page[Wall.ACTIVITY_LIST].children)
    assert len(before) == view.AGENDA_ITEMS
    first = before[0]
    assert "now" not in first[2] and first[0].startswith(f"{'Today' if begins.date() == today else ''}"), first
    shown, unchanged = agenda_after_refresh(page[Wall.DATA].data)
    assert unchanged is no_update  # a minute later, nothing has begun or ended: the list is left alone

    monkeypatch.setattr(settings, "local_now", lambda: begins + timedelta(minutes=1))
    data, items = agenda_after_refresh(shown)
    assert data["key"] == shown["key"]  # the same cached figures
    after = seen(items)
    began = [r for r in rows if datetime.fromisoformat(r["starts"]) == begins]
    assert [title for _when, title, marks in after if "now" in marks][-len(began):] == [r["title"] for r in began]
    assert all(when == "On now" for when, _title, marks in after if "now" in marks)
    assert agenda_after_refresh(data)[1] is no_update  # and the next refresh leaves it be

    # Much later: everything that has ended is gone, and the list is filled from the days after.
    late = begins + timedelta(days=3)
    monkeypatch.setattr(settings, "local_now", lambda: late)
    data, items = agenda_after_refresh(data)
    still = [r for r in rows if (datetime.fromisoformat(r["ends"]) if r["ends"]
                                 else datetime.fromisoformat(r["starts"]) + wall.AGENDA_GRACE) > late]
    assert [title for _when, title, _marks in seen(items)] == [r["title"] for r in still[:view.AGENDA_ITEMS]]


def test_every_kpi_tile_has_a_target_or_a_like_for_like_comparison(app):
    """Nine numbers without context tell a passer-by nothing: each tile's line is its target,
    or its change against the same days of last month (the overview's like-for-like rule); a
    stock's keeps its month ("11月 ▼0.1%")."""
    import re

    from callbacks import overview
    from data import areas, periods, query
    from data.wallfigures import THIS_MONTH

    cases = [(area, *case) for area in ("510104011002", "510104011000")  # a community (small, 0 some months), its street
             for case in (("zh", "目标", r"^((环比|\d+月 )[▲▼■][\d.]+%|上月同期为0)$"),
                          ("en", "Target",
                           r"^([▲▼■][\d.]+% vs [A-Z][a-z]{2}|[A-Z][a-z]{2} [▲▼■][\d.]+%|was 0 in [A-Z][a-z]{2})$"))]
    for area, lang, target_word, vs in cases:
        tiles = wall.first_screen(area, lang)[Wall.DATA].data["kpis"]
        assert len(tiles) == len(view.KPIS)
        for tile in tiles:
            info = query.metric_info(tile["code"]) or {}
            if wall._has_target(info):
                assert target_word in tile["target"], tile
            else:
                assert re.match(vs, tile["target"]), tile
    # The comparison is the overview's: the same cards, the same periods.
    cards = overview.kpi_cards(["activity_participants"], areas.get("510104011000"),
                               periods.resolve(THIS_MONTH, _today()))
    card = cards["activity_participants"]
    assert card.comparable
    tile = next(t for t in tiles if t["code"] == "activity_participants")
    assert tile["target"].endswith(f" vs {card.previous.start:%b}")  # the same days of that month
    assert len(tile["target"]) <= 12  # a tile's line at 24 px


def test_the_two_12345_rates_are_named_apart():
    from data import text

    for lang in ("zh", "en"):
        kpi, stat = text.t("kpi.hotline_on_time_rate", lang), text.t("stat.hotline_resolution_rate", lang)
        assert kpi != stat and kpi not in stat and stat not in kpi
        assert not kpi.endswith(stat.removeprefix("12345")) and not stat.endswith(kpi.removeprefix("12345"))


def test_each_guide_says_what_to_bring_and_where_and_each_service_point_its_walk_and_hours(app):
    for lang, bring, where, walk in (("zh", "带：", "到：", "步行约"), ("en", "Bring: ", "Where: ", " min walk")):
        _, figures = wall.figures("510104011000", lang, _today())
        guides = figures["lists"]["guide"]
        assert len(guides) == view.GUIDE_ITEMS
        assert all(len(g["sub"]) == 2 and g["sub"][0].startswith(bring) and g["sub"][1].startswith(where)
                   for g in guides), guides
        assert len({g["sub"][0] for g in guides}) == len(guides)  # each guide its own materials, not one shared line
        points = figures["lists"]["resource"]
        assert points and all(walk in p["sub"] and " · " in p["sub"] for p in points), points


def test_a_street_walls_service_points_serve_its_communities_and_a_community_wall_keeps_its_own(app):
    from collections import Counter

    from data import areas

    communities = areas.children("510104011000")
    for lang, walk in (("zh", "步行约"), ("en", " min walk")):
        names = {(c["name_en"] or c["name"]) if lang == "en" else c["name"] for c in communities}
        _, figures = wall.figures("510104011000", lang, _today())
        points = figures["lists"]["resource"]
        named = [p["sub"].split(" · ")[0] for p in points]
        assert len(points) == view.LIST_ITEMS and set(named) <= names, points
        assert len(set(named)) > 1 and max(Counter(named).values()) <= 2  # spread over the street
        assert all(walk in p["sub"] for p in points)
        if lang == "en":  # the samples name every point and community in English
            assert not any(wall._CJK.search(p["title"] + p["sub"]) for p in points), points
    _, own = wall.figures("510104011001", "zh", _today())  # 汇泉路社区
    others = [c["name"] for c in communities if c["code"] != "510104011001"]
    points = own["lists"]["resource"]
    assert points and not any(name in p["title"] + p["sub"] for p in points for name in others), points


def test_an_english_wall_marks_what_the_data_has_only_in_chinese():
    item = {"title": "社区书屋", "title_en": None, "location": "汇泉路社区书屋", "location_en": None,
            "body": "汇泉路社区书屋，步行约6分钟可达。开放时间：周二至周日 9:00-20:00，寒暑假另行通知。",
            "starts_at": None}
    assert wall._place(item, "en") == "(in Chinese) 汇泉路社区书屋"
    assert wall._place(dict(item, location_en="Huiquanlu Library"), "en") == "Huiquanlu Library"
    assert wall._place(item, "zh") == "汇泉路社区书屋"
    sub = wall._resources({"spread": False, "rows": [item]}, {}, "en")[0]["sub"]
    assert sub.startswith("6 min walk · (in Chinese) Tue–Sun 9:00-20:00")  # hours' day names translated
    assert (wall._resources({"spread": False, "rows": [item]}, {}, "zh")[0]["sub"]
            == "步行约6分钟 · 周二至周日 9:00-20:00，寒暑假另行通知")
