"""A valid playlist that leaves panels out still draws its panels (issue 13).

A playlist of two panels passes every playlist check; the wall once answered it with an
empty grey page, because filling the first screen looked for the components of panels the
playlist had left out. Here the real app serves such a playlist to a real Chromium.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from callbacks import wall
from data import playlist as playlists
from data import settings
from layouts import wall as view
from support import WALL_CHART_JS, AppServer, marks, wall_chart, with_class
from test_wall_browser import drawn_charts, open_wall, panels_as_of, stat_text

pytestmark = pytest.mark.timeout(180)

TWO_PANELS = """
refresh: 2
panels:
  - id: party
    duration: 1
  - id: governance
    duration: 1
"""


def test_the_two_panel_playlist_passes_the_playlist_checks():
    parsed = playlists.parse(TWO_PANELS, "two.yaml")
    assert parsed.panels() == ["party", "governance"] and parsed.problem is None


@pytest.fixture(scope="module")
def two_panel_server(sample_warehouse_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-panels")
    path = folder / "playlist.yaml"
    path.write_text(TWO_PANELS, encoding="utf-8")
    server = AppServer(sample_warehouse_url, env={"CSB_PLAYLIST": str(path)}).start()
    yield server
    server.stop()


def test_a_two_panel_playlist_draws_its_two_panels_and_keeps_refreshing(two_panel_server, browser):
    open_wall(browser, two_panel_server)
    as_of = panels_as_of(browser)
    assert list(as_of) == ["party", "governance"]
    for panel, stamp in as_of.items():
        assert datetime.fromisoformat(stamp).date() == settings.local_today(), panel
    charts = browser.execute_script("return document.querySelectorAll('.wall-graph').length")
    assert charts == 3 and drawn_charts(browser) == charts  # party's trend, governance's two
    assert stat_text(browser, "gov-hotline_received") not in (None, "", "—")
    kpis = browser.execute_script(
        "return Array.from(document.querySelectorAll('[data-kpi]')).map(function (e) { return e.textContent; })")
    assert len(kpis) == len(view.KPIS) and any(text not in ("", "—") for text in kpis)
    lines = browser.execute_script(
        "return Array.from(document.querySelectorAll('.wall-kpi-target')).map(function (e) { return e.textContent; })")
    assert len(lines) == len(view.KPIS) and all(lines), lines  # each tile's target or period, drawn from the refresh's data
    assert any(line.endswith("目标 95%") for line in lines)  # 12345 on time: its target (met or missed)
    assert "沙河街道" in browser.find_element("css selector", ".wall-header").text

    # The refresh that follows answers too (its outputs name lists this page does not have).
    refreshes = int(browser.execute_script("return document.getElementById('wall-root').getAttribute('data-refreshes')"))
    from test_wall_browser import wait

    wait(browser, lambda d: int(d.execute_script(
        "return document.getElementById('wall-root').getAttribute('data-refreshes')")) > refreshes + 1,
        timeout=20, message="the wall stopped refreshing")
    assert browser.execute_script("return document.getElementById('wall-root').getAttribute('data-state')") == "live"
    assert "KeyError" not in two_panel_server.output()


def test_the_first_screen_of_a_two_panel_playlist_has_its_figures(sample_warehouse_url, tmp_path, monkeypatch):
    """The same, without a browser: the page the server sends is filled, not the empty frame."""
    import dashboard
    from data import db
    from layouts.ids import Wall

    path = tmp_path / "playlist.yaml"
    path.write_text(TWO_PANELS, encoding="utf-8")
    monkeypatch.setenv("CSB_PLAYLIST", str(path))
    monkeypatch.setenv("DATABASE_URL", sample_warehouse_url)
    db.dispose_engines()
    app = dashboard.create_app()
    with app.server.test_request_context("/wall"):
        page = wall.first_screen("510104011000", "zh")
    assert page[Wall.DATA].data["ok"]
    assert getattr(page[Wall.panel("party")], "data-as-of") and getattr(page[Wall.panel("governance")], "data-as-of")
    # governance comes second: its charts wait, figures in, for the rotation (draw what is seen)
    found = wall._components(page)
    assert wall._key(Wall.chart("party-trend")) in found
    assert with_class(wall_chart(found, "party-trend").children, "wall-chart-bar")
    assert wall._key(Wall.chart("governance-events")) not in found  # in DEFERRED, its marks in
    assert marks(wall_chart(found, "governance-events").children)
    db.dispose_engines()


EVERY_CHART = """
refresh: 2
panels:
""" + "".join(f"  - id: {p}\n    duration: 1\n" for p in ("party", "governance", "services", "participation", "cobuild",
                                                          "map"))


def test_each_panels_charts_are_drawn_as_the_rotation_comes_round(sample_warehouse_url, tmp_path, browser):
    """A fresh screen draws the panel on view (and the one after it) first; the rest are
    drawn as the rotation comes to them (or a panel a second meanwhile), each with its
    figures, each once, in its own panel."""
    path = tmp_path / "playlist.yaml"
    path.write_text(EVERY_CHART, encoding="utf-8")
    server = AppServer(sample_warehouse_url, env={"CSB_PLAYLIST": str(path)}).start()
    try:
        open_wall(browser, server)
        from test_wall_browser import wait

        wait(browser, lambda d: d.execute_script("return document.querySelectorAll('.wall-graph').length")
             == len(view.CHARTS) and drawn_charts(d) == len(view.CHARTS), timeout=60,
             message="some panel's charts were never drawn")
        slots = browser.execute_script(
            "return Array.from(document.querySelectorAll('.wall-slot')).map(function (s) {"
            " return [JSON.parse(s.id).panel, s.querySelectorAll('.wall-graph').length,"
            " s.closest('.wall-panel').getAttribute('data-panel')]; })")
        assert slots and all(count == 1 and panel == home for panel, count, home in slots), slots
        items = browser.execute_script(WALL_CHART_JS, "services-items")  # a chart put in late has its figures
        assert items["marks"] and all(bar > 0 for bar in items["marks"]), items
    finally:
        server.stop_after(browser)
