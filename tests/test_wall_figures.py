"""The wall asks once: its panels declare what they show, and one read answers a refresh."""
from __future__ import annotations

import collections
import functools
from pathlib import Path

import pytest
from sqlalchemy import event

from callbacks import wall
from data import content, db, query, settings, wallfigures
from data import playlist as playlists
from layouts import wall as view
from support import wall_app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(sample_warehouse_url, monkeypatch):
    with wall_app(sample_warehouse_url, monkeypatch) as app:
        yield app


def counting(monkeypatch, module, names):
    """Count the calls ``read`` makes to ``module``'s functions (the functions still run)."""
    calls = collections.Counter()
    for name in names:
        real = getattr(module, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, functools.wraps(real)(counted))
    return calls


def test_every_panel_a_playlist_may_name_is_declared_and_drawn():
    assert tuple(view.PANELS) == playlists.PANELS
    assert {p.id: p.build for p in view.PANELS.values()} == view.PANEL_BUILDERS
    for panel in view.PANELS.values():
        assert panel.build("zh").id == {"type": "wall-panel", "panel": panel.id}
    charts = [c.id for p in view.PANELS.values() for c in p.charts]
    assert len(charts) == len(set(charts)) == len(view.CHARTS)


def test_one_read_asks_the_query_layer_once_per_kind_of_question(app, monkeypatch):
    asked = counting(monkeypatch, query, ["values", "values_many", "trends", "breakdown_rows", "breakdown_rows_many",
                                          "league_table", "latest_period", "metric_info", "catalog", "last_loaded_at"])
    listed = counting(monkeypatch, content, ["items", "upcoming"])
    today = settings.local_today()
    found = wallfigures.read(view.NEEDS, view.DEFAULT_AREA, wall.spans(today))

    metrics = {code for need in view.NEEDS for code in wallfigures.metrics_of(need)}
    # Once per metric, and once more for each part of a ratio (for its as-of): a look-up kept
    # per data version, not the whole catalogue.
    ratios = sum(info.get("kind") == "ratio" for info in found["metrics"].values())
    assert len(metrics) == len(found["metrics"]) and asked["metric_info"] == len(metrics) + 2 * ratios
    # This month's figures, this year's (the fund's), and the monthly reports' latest month, at once.
    assert asked["values_many"] == 1 and asked["values"] == 0
    assert asked["trends"] == 1  # every 12-month trend at once
    assert asked["breakdown_rows_many"] == 1 and asked["breakdown_rows"] == 0  # every breakdown at once
    assert asked["league_table"] == 2  # the league table's areas and the map's
    # The party report's month and the merchant log's. (The screen-wide "data as of", the
    # latest day of three sources, was issue 12's bug: each panel now states its own sources' as-of.)
    assert asked["latest_period"] == 2
    assert asked["catalog"] == 0
    assert asked["last_loaded_at"] == 1  # the header's "data loaded"
    # Each list of content once, and once more for the map's service points (its own, longer list).
    lists = sum(isinstance(n, (wallfigures.Items, wallfigures.ServicePoints)) for n in view.NEEDS)
    maps = sum(isinstance(n, wallfigures.Places) for n in view.NEEDS)
    assert listed["items"] == lists + maps == 4 and listed["upcoming"] == 1
    assert set(found["answers"]) == set(view.NEEDS)

    asked.clear()
    again = wallfigures.read(view.NEEDS, view.DEFAULT_AREA, wall.spans(today))
    assert again == found and sum(asked.values()) == 0  # the read is cached per data version


def test_a_wall_in_two_languages_reads_the_warehouse_once(app):
    statements = []
    engine = db.get_engine()
    listener = lambda *_args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        today = settings.local_today()
        zh = wall.read_figures(view.DEFAULT_AREA, "zh", today)
        cold = len(statements)
        en = wall.read_figures(view.DEFAULT_AREA, "en", today)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert cold > 0 and len(statements) == cold
    assert [k["n"] for k in zh["kpis"]] == [k["n"] for k in en["kpis"]]
    assert zh["area_name"] == "沙河街道" and en["area_name"] != zh["area_name"]


def test_a_kpi_tile_arrives_by_one_channel(app):
    page = wall.first_screen(view.DEFAULT_AREA, "zh")
    found = wall._components(page)
    assert not any(i["stat"].startswith("target-") for i in wall._ids(found, "wall-stat"))
    tiles = wall._ids(found, "wall-kpi")
    assert [found[wall._key(t)].className for t in tiles] == ["wall-kpi"] * len(view.KPIS)  # not written here
    kpis = page[wall.Wall.DATA].data["kpis"]
    assert [k["code"] for k in kpis] == [code for code, _l, _u in view.KPIS]
    assert all({"text", "n", "d", "s", "target", "below"} <= set(k) for k in kpis)


@pytest.mark.parametrize("path", ["callbacks/wall.py", "layouts/wall.py", "data/wallfigures.py", "assets/wall.js",
                                  "tests/test_wall_first_screen.py", "tests/test_wall_browser.py"])
def test_the_wall_uses_only_dashs_public_api(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    for private in ("._traverse", "_callback.", "GLOBAL_CALLBACK", "_setup_server", "_callback_list", "dash._"):
        assert private not in text, f"{path} uses {private}"
