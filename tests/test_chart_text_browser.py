"""Labels from source data are text in every chart (issue 19, finding 10).

A hotline category ``<a href="https://evil.example/phish">点我</a>`` became a live link in
the explorer's breakdown chart and ``<b>`` rendered bold: Plotly writes tick labels,
legends, hover boxes and annotations as a little HTML. Here a private copy of the sample
warehouse gets such categories (grid events, the wall's bar chart; hotline, the explorer)
and a community named with markup, and every chart that shows them is opened in Chromium:
the labels read exactly as the source wrote them, with no link and no bold anywhere in the
charts, and the console stays empty.
"""
from __future__ import annotations

import sqlite3

import pytest

from support import AppServer, make_driver, quit_driver, wait_for
from test_wall_browser import private_copy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SHAHE = "510104011000"
COMMUNITY = "510104011001"
LINK = '<a href="https://evil.example/phish">点我</a>'
BOLD = "<b>粗体</b>类"
NAMED = "<i>斜</i>&amp;社区"
WALL_LINK = "<b><a href=/x>点</a></b>"  # the wall cuts labels at 24 characters


@pytest.fixture(scope="module")
def server(sample_warehouse_url, tmp_path_factory):
    url = private_copy(sample_warehouse_url, tmp_path_factory.mktemp("chart-text"))
    with sqlite3.connect(url.split("///", 1)[1]) as conn:
        for metric, label in (("grid_events_reported", WALL_LINK), ("hotline_received", LINK),
                              ("hotline_received", BOLD)):
            member = conn.execute(  # the largest category of the latest month: on the wall's chart
                "SELECT member FROM fact WHERE metric_code = ? AND dimension = 'category' AND member NOT LIKE '<%' "
                "AND period >= (SELECT date(MAX(period), 'start of month') FROM fact WHERE metric_code = ?) "
                "GROUP BY member ORDER BY SUM(value) DESC LIMIT 1", (metric, metric)).fetchone()[0]
            for table in ("fact", "fact_month"):
                conn.execute(f"UPDATE {table} SET member = ? WHERE metric_code = ? AND dimension = 'category' "  # noqa: S608 - two fixed names
                             "AND member = ?", (label, metric, member))
        conn.execute("UPDATE area SET name = ? WHERE code = ?", (NAMED, COMMUNITY))
    app = AppServer(url).start()
    yield app
    app.stop()


@pytest.fixture(scope="module")
def driver():
    browser = make_driver(1920, 1080)
    yield browser
    quit_driver(browser)


def chart_markup(browser, selector: str) -> dict:
    """What the charts under ``selector`` hold: their text, and any link or bold text in them.

    Bold: an element whose own text is a marked-up label's (Plotly's ``tspan``, the wall's
    ``div``/``span``) drawn bold. The wall's spotlight (``.wall-lit``) bolds the largest
    figure of a chart on purpose; that is the wall's emphasis, not the source's markup."""
    return browser.execute_script("""
        const charts = [...document.querySelectorAll(arguments[0])];
        const text = charts.map(c => c.textContent).join(' | ');
        const links = charts.flatMap(c => [...c.querySelectorAll('a')]).map(a => a.outerHTML);
        const own = t => [...t.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('');
        const bold = charts.flatMap(c => [...c.querySelectorAll('*')])
            .filter(t => !t.closest('.wall-lit') && /粗体|点/.test(own(t))
                    && ['bold', '700'].includes(getComputedStyle(t).fontWeight))
            .map(t => t.outerHTML);
        return {text: text, links: links, bold: bold};
    """, selector)


def test_the_explorer_writes_source_labels_as_text(server, driver):
    driver.get(f"{server.url}/explore?metric=hotline_received&area={SHAHE}&by=category")
    wait_for(driver, lambda d: LINK in chart_markup(d, "#explore-breakdown")["text"],
             message="the category was not written literally in the breakdown chart")
    found = chart_markup(driver, "#explore-breakdown")
    assert BOLD in found["text"]
    assert found["links"] == [] and found["bold"] == []

    for chart in ("stacked", "multiples"):  # legends and subplot titles
        driver.get(f"{server.url}/explore?metric=hotline_received&area={SHAHE}&by=category&chart={chart}")
        wait_for(driver, lambda d: LINK in chart_markup(d, "#explore-breakdown")["text"], message=chart)
        found = chart_markup(driver, "#explore-breakdown")
        assert found["links"] == [] and found["bold"] == [], chart

    # A community's name in the children breakdown and, compared, in the trend's legend.
    driver.get(f"{server.url}/explore?metric=hotline_received&area={SHAHE}&by=children&compare={COMMUNITY}")
    wait_for(driver, lambda d: NAMED in chart_markup(d, "#explore-breakdown")["text"]
             and NAMED in chart_markup(d, "#explore-trend")["text"], message="the community's name")
    assert chart_markup(driver, ".js-plotly-plot")["links"] == []
    italic = driver.execute_script(
        "return [...document.querySelectorAll('.js-plotly-plot tspan')].filter("
        "t => getComputedStyle(t).fontStyle === 'italic').length")
    assert italic == 0


def test_the_wall_writes_source_labels_as_text(server, driver):
    driver.get(f"{server.url}/wall?area={SHAHE}")
    wait_for(driver, lambda d: WALL_LINK in chart_markup(d, ".wall-graph")["text"], timeout=60,
             message="the grid event category was not written literally on the wall")
    found = chart_markup(driver, ".wall-graph")
    assert found["links"] == [] and found["bold"] == []
