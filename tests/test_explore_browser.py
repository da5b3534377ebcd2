"""The explorer in a real browser: links open views, views make links, clicks drill down.

The app serves the small sample warehouse built by the real ETL (沙河街道, three months).
"""
from __future__ import annotations

import csv
import io
import json

import pytest
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from sqlalchemy import text

from data import areas, db
from support import query_of, wait_file, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHAHE = "510104011000"
JINJIANG = "510104000000"


def wait_loaded(browser):
    """Charts drawn and the heading filled: the page's callbacks have answered."""
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#explore-breakdown .main-svg")
             and d.find_element(By.ID, "explore-heading").text.strip(), message="explorer did not render")
    wait_for(browser, lambda d: not d.execute_script(
        "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"), message="still loading")


def shown_value(browser, dropdown_id: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, f"#{dropdown_id} .dash-dropdown-value").text.strip()


def selected_option(browser, radio_id: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, f"#{radio_id} .selected input").get_attribute("value")


def pick(browser, dropdown_id: str, value: str, search: str | None = None):
    """Choose an option of a Dash dropdown the way a person does: open, type, click."""
    browser.find_element(By.ID, dropdown_id).click()
    if search:
        box = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "input.dash-dropdown-search"))
        box.send_keys(search)
    option = wait_for(browser, lambda d: d.find_element(
        By.CSS_SELECTOR, f"label.dash-dropdown-option input[value='{value}']").find_element(By.XPATH, "../.."))
    option.click()


def click_at(browser, x: float, y: float):
    """A real mouse click at a point of the viewport (Plotly hit-tests clicks by position)."""
    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(int(x), int(y)).click()
    actions.perform()


def click_inside(browser, district: str) -> None:
    """Click a point inside ``district``'s outline on the explorer's map (its vertices' mean),
    found in the page's own coordinates, whatever the chart's scale."""
    x, y = browser.execute_script("""
        const graph = document.querySelector('#explore-map .js-plotly-plot');
        graph.scrollIntoView({block: 'center'});
        const trace = graph.data.find(t => t.name === arguments[0]);
        const xs = trace.x.filter(v => v !== null), ys = trace.y.filter(v => v !== null);
        const mean = a => a.reduce((s, v) => s + v, 0) / a.length;
        const xa = graph._fullLayout.xaxis, ya = graph._fullLayout.yaxis;
        const plot = graph.querySelector('.nsewdrag').getBoundingClientRect();
        return [plot.left + xa.l2p(mean(xs)), plot.top + ya.l2p(mean(ys))];
    """, district)
    click_at(browser, x, y)


def crumbs(browser) -> list[str]:
    """The breadcrumb's labels, read in one step (it re-renders while the view changes)."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#explore-breadcrumb .crumb')).map(e => e.innerText.trim())")


def open_explorer(browser, reading_app_server, query: str = ""):
    browser.get(f"{reading_app_server.url}/explore{query}")
    wait_loaded(browser)
    browser.execute_script("window.__same_page = true")


def test_a_link_opens_the_view_it_describes(reading_app_server, browser):
    open_explorer(browser, reading_app_server, f"?metric=hotline_received&area={SHAHE}&grain=week&by=category&chart=stacked")
    assert shown_value(browser, "explore-metric") == "12345受理"
    assert shown_value(browser, "explore-by") == "类别"
    assert selected_option(browser, "explore-grain") == "week"
    assert selected_option(browser, "explore-chart") == "stacked"
    assert crumbs(browser) == ["成都市", "锦江区", "沙河街道"]
    assert browser.find_element(By.ID, "explore-heading").text.startswith("12345受理")
    # a stacked chart: one bar trace per category
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#explore-breakdown .barlayer .trace")) > 1)
    assert query_of(browser)["grain"] == "week"


def test_changing_the_view_changes_the_link_without_reloading(reading_app_server, browser):
    open_explorer(browser, reading_app_server)
    assert query_of(browser) == {"metric": "activity_participants", "area": SHAHE}

    browser.find_element(By.CSS_SELECTOR, "#explore-grain input[value='week']").find_element(By.XPATH, "../..").click()
    wait_for(browser, lambda d: query_of(d).get("grain") == "week", message="grain did not reach the URL")

    pick(browser, "explore-metric", "hotline_received", search="12345受理")
    wait_for(browser, lambda d: query_of(d).get("metric") == "hotline_received", message="metric did not reach the URL")

    browser.find_element(By.CSS_SELECTOR, "#explore-chart input[value='multiples']").find_element(By.XPATH, "../..").click()
    wait_for(browser, lambda d: query_of(d).get("chart") == "multiples")
    assert query_of(browser) == {"metric": "hotline_received", "area": SHAHE, "grain": "week", "chart": "multiples"}
    assert browser.execute_script("return window.__same_page === true"), "the page reloaded"

    # the link, opened afresh, gives the same view
    browser.get(browser.current_url)
    wait_loaded(browser)
    assert shown_value(browser, "explore-metric") == "12345受理"
    assert selected_option(browser, "explore-grain") == "week"
    assert selected_option(browser, "explore-chart") == "multiples"


def test_click_a_bar_to_drill_down_and_the_breadcrumb_to_come_back(reading_app_server, browser, sample_warehouse_url):
    open_explorer(browser, reading_app_server)
    communities = {a["name"]: a["code"] for a in areas.children(SHAHE, engine=db.get_engine(sample_warehouse_url))}

    x, y = browser.execute_script("""
        document.getElementById('explore-breakdown').scrollIntoView({block: 'center'});
        const bars = document.querySelectorAll('#explore-breakdown .barlayer .point path');
        const box = bars[bars.length - 1].getBoundingClientRect();  // the top bar: the largest community
        return [box.left + box.width / 2, box.top + box.height / 2];
    """)
    click_at(browser, x, y)
    wait_for(browser, lambda d: query_of(d).get("area") != SHAHE, message="clicking a bar did not drill down")
    community = query_of(browser)["area"]
    assert community in communities.values()
    wait_for(browser, lambda d: crumbs(d)[-1] != "沙河街道")
    assert crumbs(browser)[:3] == ["成都市", "锦江区", "沙河街道"]
    assert communities[crumbs(browser)[-1]] == community

    browser.find_element(By.XPATH, "//nav[@id='explore-breadcrumb']/button[text()='沙河街道']").click()
    wait_for(browser, lambda d: query_of(d).get("area") == SHAHE, message="the breadcrumb did not go back up")
    wait_for(browser, lambda d: crumbs(d) == ["成都市", "锦江区", "沙河街道"])
    assert browser.execute_script("return window.__same_page === true"), "the page reloaded"


def test_click_a_district_on_the_map_to_go_there(reading_app_server, browser):
    open_explorer(browser, reading_app_server, "?area=510100000000")  # the city: its districts' map
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#explore-map .scatterlayer .trace"))
    click_inside(browser, "锦江区")
    wait_for(browser, lambda d: query_of(d).get("area") == JINJIANG, message="clicking a district did not go there")
    wait_for(browser, lambda d: crumbs(d) == ["成都市", "锦江区"])


def _downloads(browser, folder):
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def test_the_csv_download_holds_the_breakdown_with_small_counts_masked(reading_app_server, browser, sample_warehouse_url,
                                                                      tmp_path):
    open_explorer(browser, reading_app_server, f"?metric=activity_participants&area={SHAHE}&by=age_band")
    _downloads(browser, tmp_path)
    browser.find_element(By.ID, "explore-csv").click()
    path = wait_file(tmp_path, ".csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read Chinese"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["年龄段", "名称", "数值（人次）"]

    # the same figures, summed straight from the fact table
    engine = db.get_engine(sample_warehouse_url)
    with engine.connect() as conn:
        expected = dict(conn.execute(text(
            "SELECT member, SUM(value) FROM fact WHERE metric_code = 'activity_participants' "
            "AND dimension = 'age_band' AND area_code >= :low AND area_code < :high GROUP BY member"
        ), {"low": "510104011", "high": "510104011~"}).all())
    assert expected, "the sample warehouse has age bands"
    got = {row[0]: row[2] for row in rows[1:]}
    assert set(got) == set(expected)
    for member, total in expected.items():
        if 0 < total < 5:
            assert got[member] == "<5"
        else:
            assert float(got[member]) == pytest.approx(total)


def test_the_page_fetches_nothing_from_outside(reading_app_server, browser):
    open_explorer(browser, reading_app_server)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#explore-map .scatterlayer .trace"))
    outside = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(reading_app_server.url):
                outside.add(url)
    assert outside == set()


def test_date_axes_speak_chinese_on_chinese_pages(reading_app_server, browser):
    open_explorer(browser, reading_app_server, f"?metric=hotline_received&area={SHAHE}&grain=month&period=last_12_months")
    ticks = wait_for(browser, lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('#explore-trend .xtick text')).map(e => e.textContent)"))
    assert all("月" in tick or "年" in tick for tick in ticks), ticks
    assert not [t for t in ticks if any(m in t for m in ("Jan", "Mar", "May", "Jul", "Sep", "Nov"))]


def test_the_running_month_is_marked_partial_and_missing_months_are_not_zero(reading_app_server, browser):
    """The sample holds three months: the trend of the last 12 draws no zeros before them,
    and the month still running is dotted and labelled with the day its data reaches."""
    open_explorer(browser, reading_app_server, f"?metric=hotline_received&area={SHAHE}&grain=month")
    labels = wait_for(browser, lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('#explore-trend .textpoint text')).map(e => e.textContent)"))
    assert len(labels) == 1 and labels[0].startswith("至") and labels[0].endswith("日"), labels
    traces = browser.execute_script(
        "return document.querySelector('#explore-trend .js-plotly-plot').data.map(t => [t.y, t.line && t.line.dash])")
    solid, dotted = traces[0], traces[1]
    assert solid[0][0] is None and 0 not in solid[0], "months before the first delivery must be gaps"
    assert dotted[1] == "dot"
    assert "数据截至" in browser.find_element(By.ID, "explore-figure").text


def test_a_community_metric_offers_no_grid_cells(reading_app_server, browser):
    community = "510104011001"
    open_explorer(browser, reading_app_server, f"?metric=hotline_received&area={community}")
    note = wait_for(browser, lambda d: d.find_element(By.ID, "explore-mask-note").text.strip())
    assert note == "该指标只记录到社区，不能按下级地区分解"
    assert browser.find_elements(By.CSS_SELECTOR, "#explore-breakdown .barlayer .point") == []


def test_the_date_picker_names_months_and_days_in_the_page_language(reading_app_server, browser):
    """The calendar speaks the page's language, not the browser's (this one is English), and
    its names come from the app itself: no script is fetched from elsewhere."""
    custom = "?period=custom&start=2026-03-01&end=2026-03-31"
    for lang, month, weekdays in (("zh", "2026年3月", ["一", "二", "三", "四", "五", "六", "日"]),
                                  ("en", "March 2026", ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"])):
        browser.get(f"{reading_app_server.url}/explore{custom}" + ("&lang=en" if lang == "en" else ""))
        wait_loaded(browser)
        browser.find_element(By.ID, "explore-dates").click()
        first = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".dash-datepicker-calendar"),
                         message="the calendar did not open")
        assert first.find_element(By.CSS_SELECTOR, ".dash-datepicker-calendar-month-header").text == month
        assert [th.text for th in first.find_elements(By.CSS_SELECTOR, "thead tr:nth-child(2) th")] == weekdays
        assert browser.find_element(By.ID, "explore-dates").get_attribute("value") == "2026-03-01"
