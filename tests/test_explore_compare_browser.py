"""The explorer's comparisons in a real browser (issue 18): charts saved as images, the map
below the district drills down, the comparison controls travel in the link, ticks never repeat.

The app serves the small sample warehouse built by the real ETL (沙河街道, three months).
"""
from __future__ import annotations

import struct

import pytest
from selenium.webdriver.common.by import By

from data import areas, db
from support import query_of, wait_file, wait_for
from test_explore_browser import click_at, open_explorer, selected_option, wait_loaded

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHAHE = "510104011000"


def _downloads(browser, folder):
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def test_the_trend_saves_as_png_and_svg_with_plotlys_own_export(reading_app_server, browser, tmp_path):
    _downloads(browser, tmp_path)
    open_explorer(browser, reading_app_server, f"?metric=hotline_received&area={SHAHE}")
    browser.find_element(By.CSS_SELECTOR, "#explore-trend .main-svg")
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='PNG 下载趋势图']").click()
    png = wait_file(tmp_path, ".png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"  # a PNG file, its header chunk giving the picture's size
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 400 and height >= 200
    assert wait_file(tmp_path, ".png").name == f"csb-trend-hotline_received-{SHAHE}.png"
    browser.find_element(By.CSS_SELECTOR, "button[aria-label='SVG 下载趋势图']").click()
    svg = wait_file(tmp_path, ".svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg")  # an SVG document
    assert "<text" in svg  # with its axis labels as text


def test_clicking_a_community_on_the_street_map_drills_down(reading_app_server, browser, sample_warehouse_url):
    open_explorer(browser, reading_app_server, f"?metric=hotline_received&area={SHAHE}")
    communities = {a["code"] for a in areas.children(SHAHE, engine=db.get_engine(sample_warehouse_url))}
    wait_for(browser, lambda d: d.find_element(By.ID, "explore-map-title").text == "沙河街道各社区")
    assert "示意" in browser.find_element(By.ID, "explore-map-note").text
    x, y = browser.execute_script("""
        document.getElementById('explore-map').scrollIntoView({block: 'center'});
        const dots = document.querySelectorAll('#explore-map .scatterlayer .trace .points path');
        const box = dots[dots.length - 1].getBoundingClientRect();
        return [box.left + box.width / 2, box.top + box.height / 2];
    """)
    click_at(browser, x, y)
    wait_for(browser, lambda d: query_of(d).get("area") != SHAHE, message="clicking a dot did not drill down")
    assert query_of(browser)["area"] in communities
    wait_loaded(browser)
    # a community's map: its street's communities, its own ringed
    wait_for(browser, lambda d: d.find_element(By.ID, "explore-map-title").text.endswith("所在沙河街道各社区"))


def test_the_comparison_controls_travel_in_the_link(reading_app_server, browser):
    open_explorer(browser, reading_app_server, f"?metric=hotline_received&area={SHAHE}&compare=510104011001")
    assert selected_option(browser, "explore-compare-as") == "index"
    assert "指数" in browser.find_element(By.CSS_SELECTOR, "#explore-trend .ytitle").text
    browser.find_element(By.CSS_SELECTOR, "#explore-compare-as input[value='multiples']").find_element(
        By.XPATH, "../..").click()
    wait_for(browser, lambda d: query_of(d).get("compare_as") == "multiples")
    browser.find_element(By.CSS_SELECTOR, "#explore-yoy input[value='1']").find_element(By.XPATH, "../..").click()
    wait_for(browser, lambda d: query_of(d).get("yoy") == "1")
    wait_for(browser, lambda d: "对比多个地区时不叠加去年同期" in d.find_element(By.ID, "explore-trend-note").text)
    assert browser.execute_script("return window.__same_page === true"), "the page reloaded"

    browser.get(browser.current_url)
    wait_loaded(browser)
    assert selected_option(browser, "explore-compare-as") == "multiples"
    assert browser.find_element(By.CSS_SELECTOR, "#explore-yoy input[value='1']").is_selected()
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#explore-trend .cartesianlayer > .subplot")) == 2,
             message="each compared area has its own panel")


@pytest.mark.parametrize("view", ["&period=last_30_days&grain=day", "&period=this_month&grain=day",
                                  "&period=last_12_months&grain=week"])
def test_the_trends_ticks_never_repeat(reading_app_server, browser, view):
    open_explorer(browser, reading_app_server, f"?metric=hotline_received&area={SHAHE}{view}")
    ticks = wait_for(browser, lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('#explore-trend .xtick text')).map(e => e.textContent)"))
    assert ticks and len(ticks) == len(set(ticks)), ticks
