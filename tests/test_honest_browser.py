"""Issue 12's "Done when" in a real Chromium: one community missing one report, a monthly
report not yet delivered and the month so far, on the wall, the overview and the explorer.

The sample warehouse (沙河街道, three months up to yesterday; the party report for this month
not delivered yet) is copied and one community's row of last month's party report taken
out, as when that row is refused: the community is covered by the report but has no figure.
A level (党员总数) then carries its earlier report inside the street's sum, marked, and no
page reads the month as a drop. The other cases of "Done when" are shown by
tests/test_explore_browser.py (months before the first delivery, a community metric at grid
level, small counts masked in the download), tests/test_overview_browser.py and
tests/test_wall_honest_browser.py (the month so far, a late report), and
tests/test_data_page_browser.py (a closed event without its closing time: a warning);
tests/test_honest_done_when_browser.py shows the rest on all three pages (a re-delivery that
moves orders, a closed event without its closing time, small counts with secondary
suppression, a community metric on a grid cell's wall).
"""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import delete, select

from data import db, periods, present, query, rollup
from data.schema import fact, metric
from support import WALL_MONTHS_JS, AppServer, wait_for
from test_explore_browser import open_explorer
from test_overview_browser import card_value, wait_loaded
from test_wall_browser import open_wall, private_copy, stat_text

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SHAHE = "510104011000"
THIS_MONTH = periods.month_start(periods.today())
LAST_MONTH = periods.add_months(THIS_MONTH, -1)
LAST_END = periods.month_end(LAST_MONTH)


@pytest.fixture(scope="module")
def missed(sample_warehouse_url, tmp_path_factory):
    """(warehouse URL, the community whose last party report is missing)."""
    url = private_copy(sample_warehouse_url, tmp_path_factory.mktemp("missed-report"))
    engine = db.get_engine(url)
    with engine.begin() as conn:
        codes = conn.execute(select(metric.c.code).where(metric.c.source == "party")).scalars().all()
        reporting = sorted(conn.execute(select(fact.c.area_code).distinct().where(
            fact.c.metric_code == "party_members", fact.c.period == LAST_MONTH)).scalars())
        assert len(reporting) > 1, "the sample needs a street with several reporting communities"
        gone = reporting[0]
        conn.execute(delete(fact).where(fact.c.metric_code.in_(codes), fact.c.area_code == gone,
                                        fact.c.period >= LAST_MONTH, fact.c.period < THIS_MONTH))
        rollup.refresh(conn, metrics=codes)
    yield url, gone
    db.dispose_engines()


@pytest.fixture(scope="module")
def server(missed):
    app = AppServer(missed[0]).start()
    yield app
    app.stop()


def _levels(missed) -> tuple[float, float]:
    """Last month's 党员总数 of the street as the pages must show it (the missing community at
    its earlier level) and as it would read had it dropped out."""
    engine = db.get_engine(missed[0])
    shown = query.value("party_members", SHAHE, LAST_MONTH, LAST_END, engine=engine)
    before = periods.add_months(LAST_MONTH, -1)
    dropped = shown - query.value("party_members", missed[1], before, periods.month_end(before), engine=engine)
    assert query.carried("party_members", SHAHE, LAST_MONTH, LAST_END, engine=engine) == ((missed[1], before),)
    return shown, dropped


def test_the_overview_carries_the_missing_report_and_marks_the_months(missed, server, browser):
    shown, dropped = _levels(missed)
    info = query.metric_info("party_members", engine=db.get_engine(missed[0]))
    browser.get(f"{server.url}/?area={SHAHE}")
    wait_loaded(browser)
    assert card_value(browser, "party_members") == present.show(shown, info, "zh").text != \
        present.show(dropped, info, "zh").text
    spark = browser.find_element(By.CSS_SELECTOR, "#kpi-party_members .kpi-spark")
    title, src = spark.get_attribute("title"), spark.get_attribute("src")
    assert f"{LAST_MONTH.month}月含结转" in title and f"{THIS_MONTH.month}月未报送" in title, title
    assert "spark-carried" in src and "spark-late" in src  # a hollow square, a dashed gap: not a dip, not a 0
    attention = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".attention-item")]
    assert not [line for line in attention if "党员总数" in line], attention


def test_the_explorer_marks_the_carried_month(missed, server, browser):
    shown, _ = _levels(missed)
    open_explorer(browser, server, f"?metric=party_members&area={SHAHE}&grain=month")
    traces = wait_for(browser, lambda d: d.execute_script(
        "var p = document.querySelector('#explore-trend .js-plotly-plot');"
        "return p && p.data && p.data.map(t => [t.x, t.y, t.marker && t.marker.symbol, t.hovertext]);"))
    squares = [t for t in traces if t[2] == "square-open"]
    assert len(squares) == 1, traces
    xs, ys, _, hover = squares[0]
    assert [x[:10] for x in xs] == [LAST_MONTH.isoformat()] and ys == [shown]
    assert "含结转" in hover[0]
    line = traces[0]  # the area's own line goes through the carried level: no dip
    assert line[1][[x[:10] for x in line[0]].index(LAST_MONTH.isoformat())] == shown


def test_the_wall_shows_the_street_level_with_the_missing_report_carried(missed, server, browser):
    shown, dropped = _levels(missed)
    info = query.metric_info("party_members", engine=db.get_engine(missed[0]))
    open_wall(browser, server, f"?area={SHAHE}")
    figure = stat_text(browser, "party-party_members")
    assert figure == present.show(shown, info, "zh", compact=True).number
    assert figure != present.show(dropped, info, "zh", compact=True).number
    assert stat_text(browser, "party-through").startswith("党组织月报截至")
    # The KPI strip's 党员总数: last month's level, dated last month (this month's report has not come).
    tile = browser.execute_script(
        "var t = document.querySelector('[data-kpi=\"party_members\"]').closest('.wall-kpi');"
        " return [t.querySelector('.wall-kpi-value').textContent, t.querySelector('.wall-kpi-target').textContent];")
    assert tile[0] == present.show(shown, info, "zh", compact=True).number, tile
    assert tile[1].split()[0] in (f"截至{LAST_MONTH.month}月", f"{LAST_MONTH.month}月"), tile  # then its change, if any
    # The 12-month trend: the months before the sample's first delivery are gaps (a month
    # with no bar at all), never a bar of 0.
    bars = browser.execute_script(WALL_MONTHS_JS, "party-trend")
    first = next(i for i, v in enumerate(bars) if v is not None)
    # 近12个月: twelve whole months and this month so far (periods.last_months), thirteen columns
    assert len(bars) == 13 and first > 0 and bars[:first] == [None] * first, bars


def test_the_explorer_of_a_monthly_report_ends_at_its_last_whole_month(missed, server, browser):
    """This month's party report has not come: the view reaches last month, and says so."""
    open_explorer(browser, server, f"?metric=party_members&area={SHAHE}&grain=month")
    figure = browser.find_element(By.ID, "explore-figure").text
    assert f"数据截至{LAST_END.isoformat()}" in figure and "月报指标只计整月" in figure, figure
    xs = browser.execute_script("return document.querySelector('#explore-trend .js-plotly-plot').data[0].x")
    assert max(x[:10] for x in xs) == LAST_MONTH.isoformat()  # no bucket for this month, not a 0


def test_the_overview_of_a_grid_cell_says_a_community_figure_is_not_recorded_there(missed, server, browser):
    """A community-only metric asked at grid level: no figure and why, not 0 nor "no data yet";
    grid events, recorded per grid cell, keep theirs."""
    engine = db.get_engine(missed[0])
    grid = "510104011001001"  # 汇泉路社区's first grid cell
    browser.get(f"{server.url}/?area={grid}&period=last_month")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kpi-hotline_received .kpi-value"),
             message="overview did not render")
    wait_for(browser, lambda d: not d.execute_script(
        "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"), message="still loading")
    assert card_value(browser, "hotline_received") == "—"
    note = browser.find_element(By.CSS_SELECTOR, "#kpi-hotline_received .kpi-note").text
    assert note == "该指标只记录到社区，网格没有单独的数字"
    assert card_value(browser, "party_members") == "—"
    assert not browser.find_elements(By.CSS_SELECTOR, "#kpi-party_members .kpi-as-of")  # no "截至11月" for nothing
    events = query.value("grid_events_reported", grid, LAST_MONTH, LAST_END, engine=engine)
    info = query.metric_info("grid_events_reported", engine=engine)
    assert card_value(browser, "grid_events_reported") == present.show(events, info, "zh").text != "—"
