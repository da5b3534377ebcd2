"""The wall in a real Chromium says how far its figures reach (issue 12): the header's last
load, each panel's as-of, the unfinished month, "未报送" for a late source, a community's
league among its street's communities; and the console stays empty (tests/conftest.py).

The sample warehouse is copied and its care and volunteer deliveries cut three weeks short
(their facts after that day removed, the roll-up refreshed, their recorded coverage ending
then), as if those systems had stopped delivering: the query layer then has no figure of
theirs this month.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from callbacks import wall
from data import db, query, rollup, settings
from data.schema import etl_coverage, etl_run, fact, metric
from test_wall_browser import open_wall, private_copy, serve, stat_text

pytestmark = pytest.mark.timeout(180)

HUIQUAN = "510104011001"  # 汇泉路社区, 沙河街道
CARE_STOPPED = settings.local_today() - timedelta(days=21)


@pytest.fixture(scope="module")
def late_warehouse(sample_warehouse_url, tmp_path_factory):
    url = private_copy(sample_warehouse_url, tmp_path_factory.mktemp("late-care"))
    engine = db.get_engine(url)
    late = ("care", "volunteers")
    care = select(etl_run.c.id).where(etl_run.c.source.in_(late)).scalar_subquery()
    with engine.begin() as conn:
        codes = conn.execute(select(metric.c.code).where(metric.c.source.in_(late))).scalars().all()
        conn.execute(delete(fact).where(fact.c.metric_code.in_(codes), fact.c.period > CARE_STOPPED))
        rollup.refresh(conn, metrics=codes)
        conn.execute(delete(etl_coverage).where(etl_coverage.c.run_id.in_(care),
                                                etl_coverage.c.first_day > CARE_STOPPED))
        conn.execute(update(etl_coverage).where(etl_coverage.c.run_id.in_(care),
                                                etl_coverage.c.last_day > CARE_STOPPED)
                     .values(last_day=CARE_STOPPED))
    yield url
    db.dispose_engines()


@pytest.fixture(scope="module")
def late_server(late_warehouse, tmp_path_factory):
    server = serve(late_warehouse, tmp_path_factory.mktemp("late-server"), None)
    yield server
    server.stop()


def _js(driver, script: str, *args):
    return driver.execute_script(script, *args)


def test_the_wall_says_how_far_each_figure_reaches(late_server, late_warehouse, browser):
    open_wall(browser, late_server)
    loaded = query.last_loaded_at(engine=db.get_engine(late_warehouse))
    assert browser.find_element("id", "wall-updated").text == wall._loaded(loaded, settings.local_today(), "zh")
    assert stat_text(browser, "party-through").startswith("党组织月报截至")
    assert stat_text(browser, "governance-through").startswith("数据截至")
    stopped = f"{CARE_STOPPED.month}月{CARE_STOPPED.day}日"
    through = stat_text(browser, "services-through")  # the service hall's day, then the late ones by name
    # Both stopped the same day and are overdue: one part names them both, tagged once.
    assert through.startswith("数据截至") and through.endswith(f" · 逾期未报一老一小、志愿服务截至{stopped}"), through
    tags = _js(browser, "return Array.from(document.querySelectorAll("
                        "'[id*=\"services-through\"] .wall-overdue')).map(function (t) { return t.textContent; });")
    assert tags == ["逾期未报"], tags
    # A panel's stat of a late source: "未报送" and its as-of, its unit hidden.
    assert stat_text(browser, "svc-volunteer_hours") == f"未报送截至{stopped}"
    unit = _js(browser, "var s = Array.from(document.querySelectorAll('.wall-stat-figure')).find(function (f) {"
                        " return f.querySelector('.wall-late'); }); return getComputedStyle("
                        "s.querySelector('.wall-stat-unit')).display;")
    assert unit == "none"
    tile = _js(browser, "var t = document.querySelector('[data-kpi=\"elderly_meals\"]').closest('.wall-kpi');"
                        " return [t.className, t.querySelector('.wall-kpi-value').textContent,"
                        " t.querySelector('.wall-kpi-target').textContent];")
    assert tile[1:] == ["未报送", f"截至{stopped}"] and "late" in tile[0], tile
    # The empty care chart says why, the source's name then its as-of on a line of its own.
    empty = _js(browser, "return Array.from(document.querySelectorAll('.wall-chart-empty')).map(function (e) {"
                         " return [Array.from(e.children).map(function (l) { return l.textContent; }),"
                         " parseFloat(getComputedStyle(e).fontSize)]; });")
    assert [["一老一小未报送", f"截至{stopped}"], 30] in empty, empty
    # The as-of is written large enough to read across the room (no text under 20 px on the canvas).
    size = _js(browser, "return parseFloat(getComputedStyle(document.querySelector('.wall-panel-through')).fontSize)")
    assert size >= 24
    # The 12-month trends mark the month so far: its corner says how far it reaches.
    notes = _js(browser, "return Array.from(document.querySelectorAll('.wall-chart-through'))"
                         ".map(function (e) { return [e.textContent, parseFloat(getComputedStyle(e).fontSize)]; })"
                         ".filter(function (n) { return n[0]; });")
    assert any(note.startswith("至") and px >= 24 for note, px in notes), notes


def test_a_communitys_wall_ranks_the_communities_of_its_street(late_server, browser):
    open_wall(browser, late_server, f"?area={HUIQUAN}&lang=en")
    assert stat_text(browser, "league-period") == "Communities of the street · last 30 days"
    rows = _js(browser, "return Array.from(document.querySelectorAll('.wall-league tbody tr')).map(function (r) {"
                        " return [r.className, r.querySelector('.wall-league-name').textContent]; });")
    assert len(rows) > 1 and all(name.endswith("Community") for _cls, name in rows)
    assert [name for cls, name in rows if cls == "wall-league-own"] == ["Huiquanlu Community"]
    assert browser.find_element("id", "wall-updated").text.startswith("Data loaded ")
