"""The explorer's charts at the page's scale (callbacks/charts.py, assets/charts.js).

The laptop pages grow with the window beyond 1920px (assets/shell.css: one rem is 1/120 of
the width there), twice as large on a 4K screen; their charts grow with them: an axis label
keeps its proportion to the page's text, a chart its height to the page. At 1920x1080 the
charts are as the server draws them. At 4K a click on a bar or a district still drills down,
a hover still tells the figure, and a window made wider redraws the charts without asking
the server.
"""
from __future__ import annotations

import pytest
from selenium.webdriver.common.actions.action_builder import ActionBuilder

from support import borrow_driver, give_back, query_of, wait_for
from test_explore_browser import JINJIANG, SHAHE, click_at, click_inside, crumbs, wait_loaded

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

CITY = "510100000000"
SIZES = ((1920, 1080), (3840, 2160))


@pytest.fixture(scope="module")
def drivers():
    """A Chromium at 1920x1080 and one at 3840x2160 (device pixel ratio 1, as the screenshots)."""
    borrowed = {size: borrow_driver(*size) for size in SIZES}
    yield borrowed
    for driver in borrowed.values():
        give_back(driver)


def sizes(browser) -> dict:
    """Rendered sizes, in CSS pixels: the page's body text, an axis tick label of the trend and of
    the breakdown (font size and drawn height, from the SVG), and the trend chart's height."""
    return browser.execute_script("""
        const text = sel => document.querySelector(sel);
        const px = el => parseFloat(getComputedStyle(el).fontSize);
        const trendTick = text('#explore-trend .xtick text'), barTick = text('#explore-breakdown .ytick text');
        return {body: px(document.body), trend_tick: px(trendTick), bar_tick: px(barTick),
                bar_tick_drawn: barTick.getBBox().height,
                trend_height: text('#explore-trend .main-svg').getBoundingClientRect().height};
    """)


def open_explorer(browser, server, query: str = "") -> None:
    browser.get(f"{server.url}/explore{query}")
    wait_loaded(browser)
    wait_for(browser, lambda d: d.execute_script(
        "return !!document.querySelector('#explore-trend .xtick text')"
        " && !!document.querySelector('#explore-breakdown .ytick text')"), message="no axis labels")


def test_axis_labels_grow_with_the_page_text(reading_app_server, drivers):
    seen = {}
    for size, browser in drivers.items():
        open_explorer(browser, reading_app_server)
        seen[size] = sizes(browser)
    small, large = seen[SIZES[0]], seen[SIZES[1]]
    assert small["body"] == 16 and large["body"] == 32  # shell.css: the page twice as large at 4K
    assert small["trend_tick"] == 13 and small["bar_tick"] == 13  # 1920: the charts as the server draws them
    grown = large["body"] / small["body"]
    for key in ("trend_tick", "bar_tick", "bar_tick_drawn", "trend_height"):
        assert large[key] / small[key] == pytest.approx(grown, rel=0.05), (key, small, large)


def test_at_4k_a_click_on_a_bar_drills_down_and_a_hover_tells_the_figure(reading_app_server, drivers):
    browser = drivers[SIZES[1]]
    open_explorer(browser, reading_app_server)
    x, y = browser.execute_script("""
        document.getElementById('explore-breakdown').scrollIntoView({block: 'center'});
        const bars = document.querySelectorAll('#explore-breakdown .barlayer .point path');
        const box = bars[bars.length - 1].getBoundingClientRect();  // the top bar: the largest community
        return [box.left + box.width / 2, box.top + box.height / 2];
    """)
    moving = ActionBuilder(browser)
    moving.pointer_action.move_to_location(int(x), int(y))
    moving.perform()
    hover = wait_for(browser, lambda d: d.execute_script(
        "const t = document.querySelector('#explore-breakdown .hoverlayer .hovertext text');"
        "return t && [t.textContent, parseFloat(getComputedStyle(t).fontSize)];"), message="no hover box at 4K")
    assert hover[0] and hover[1] == 26  # the hover box's words at the page's scale too (13px at 1920)
    click_at(browser, x, y)
    wait_for(browser, lambda d: query_of(d).get("area") != SHAHE, message="clicking a bar at 4K did not drill down")
    wait_for(browser, lambda d: crumbs(d)[:3] == ["成都市", "锦江区", "沙河街道"] and len(crumbs(d)) == 4)


def test_at_4k_a_click_on_a_district_goes_there(reading_app_server, drivers):
    browser = drivers[SIZES[1]]
    open_explorer(browser, reading_app_server, f"?area={CITY}")
    wait_for(browser, lambda d: d.execute_script(
        "const g = document.querySelector('#explore-map .js-plotly-plot');"
        "return !!(g && g.data && g.data.some(t => t.name === '锦江区'))"), message="no district map")
    click_inside(browser, "锦江区")
    wait_for(browser, lambda d: query_of(d).get("area") == JINJIANG, message="clicking a district at 4K did not go there")
    wait_for(browser, lambda d: crumbs(d) == ["成都市", "锦江区"])


def test_a_wider_window_redraws_the_charts_without_asking_the_server(reading_app_server, drivers):
    browser = drivers[SIZES[0]]
    open_explorer(browser, reading_app_server)
    before = sizes(browser)
    asked = "return performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update-component')).length"
    calls = browser.execute_script(asked)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 2880, "height": 1620, "deviceScaleFactor": 1, "mobile": False})
    try:
        wait_for(browser, lambda d: sizes(d)["bar_tick"] > before["bar_tick"], message="the charts did not grow")
        after = sizes(browser)
        assert after["body"] == 24
        assert after["bar_tick"] == pytest.approx(13 * 1.5) and after["trend_tick"] == pytest.approx(13 * 1.5)
        assert browser.execute_script(asked) == calls  # drawn again from the stored figures
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
        wait_for(browser, lambda d: sizes(d) == before, message="back at 1920 the charts are not as they were")
    finally:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
