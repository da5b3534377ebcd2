"""The laptop pages for everyone: axe-core in real Chromium, the grids' own words in Chinese, and
the charts' clicks reachable by keyboard.

axe-core is vendored (tests/vendor/axe.min.js, the npm package axe-core 4.14.1, MPL-2.0: the file
is shipped unchanged with its licence notice, tests/vendor/LICENSE-axe-core.txt), so the check
runs on a machine without internet. Refresh it with ``npm pack axe-core@4``.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from data import periods
from support import query_of, wait_for

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SHAHE = "510104011000"

# Each laptop page and what shows that it has drawn its figures. A new page is one line here.
PAGES = {
    "/": "#overview-league .ag-row",
    "/explore": "#explore-breakdown .main-svg",
    "/data": "#data-runs .ag-row",
}
FAILING = ("serious", "critical")
# AG Grid's and Dash's own English, which a Chinese page must not show.
ENGLISH = ("Search", "No Rows To Show", "Page 1 of", "selected", "Loading", "Select All", "to 1 of")


def open_page(browser, url: str, ready: str) -> None:
    browser.get(url)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ready), message=f"{url} did not draw")
    wait_for(browser, lambda d: not d.execute_script(
        "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"), message="still loading")


def axe_violations(browser) -> list[dict]:
    """axe-core's violations on the page as it is, each with its impact and the first nodes."""
    browser.set_script_timeout(120)
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    found = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
           .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ': ' + (n.failureSummary || ''))}))))
           .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
    """)
    return list(found)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_axe_finds_no_serious_violation(reading_app_server, browser, path, lang):
    query = "?lang=en" if lang == "en" else ""
    open_page(browser, f"{reading_app_server.url}{path}{query}", PAGES[path])
    assert browser.execute_script("return document.documentElement.lang") == ("en" if lang == "en" else "zh-CN")
    bad = [v for v in axe_violations(browser) if v["impact"] in FAILING]
    assert bad == [], "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in bad)


@pytest.mark.browser
@pytest.mark.slow
def test_axe_finds_no_serious_violation_with_a_custom_period_and_areas_compared(reading_app_server, browser):
    """Dash's date range and a multi-select holding values draw other markup: checked too."""
    last_month = periods.resolve("last_month", date.today())
    span = f"period=custom&start={last_month.start}&end={last_month.end}"
    for path, query in (("/", span), ("/explore", f"metric=hotline_received&compare=510104011001,510104011002&{span}")):
        open_page(browser, f"{reading_app_server.url}{path}?{query}", PAGES[path])
        for summary in browser.find_elements(By.CSS_SELECTOR, ".keys summary"):  # the keyboard lists open
            browser.execute_script("arguments[0].click()", summary)
        bad = [v for v in axe_violations(browser) if v["impact"] in FAILING]
        assert bad == [], f"{path}?{query}\n" + "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n    "
                                                           + "\n    ".join(v["nodes"]) for v in bad)


def grid_words(browser) -> str:
    """Every word the page's grids show, pager and overlays included."""
    return browser.execute_script(
        "return [...document.querySelectorAll('.ag-root-wrapper')].map(g => g.innerText).join('\\n')")


@pytest.mark.browser
def test_the_grids_speak_chinese_on_the_chinese_page_and_english_on_the_english_one(reading_app_server, browser):
    for path in PAGES:
        open_page(browser, f"{reading_app_server.url}{path}", PAGES[path])
        if path == "/explore":  # the table behind the charts is paged: open it to its pager
            browser.execute_script("document.querySelector('.ex-table').scrollIntoView()")
        words = grid_words(browser)
        page = browser.find_element(By.TAG_NAME, "body").text
        assert words.strip(), f"no grid drawn on {path}"
        assert [w for w in ENGLISH if w in page] == [], f"English left on the Chinese {path}"
    # the overview's 待办 list pages in Chinese: "页 1 / 2" rather than "Page 1 of 2"
    open_page(browser, f"{reading_app_server.url}/", PAGES["/"])
    pager = browser.find_elements(By.CSS_SELECTOR, "#overview-todo .ag-paging-panel")
    if pager and pager[0].is_displayed():
        assert "页" in pager[0].text and "Page" not in pager[0].text
    # the multi-select's own words ("3 selected") in Chinese too
    status = browser.find_element(By.ID, "overview-todo-status")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", status)
    status.click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"), message="no status menu")
    menu = browser.find_element(By.CSS_SELECTOR, ".dash-dropdown-content").text
    assert "全选" in menu and "Select All" not in menu
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)

    open_page(browser, f"{reading_app_server.url}/data?lang=en", PAGES["/data"])
    words = grid_words(browser)
    assert "Page" in words and "页" not in words


@pytest.mark.browser
def test_the_bars_and_the_map_open_an_area_from_the_keyboard(reading_app_server, browser):
    open_page(browser, f"{reading_app_server.url}/explore?metric=hotline_received&area={SHAHE}&by=children",
              PAGES["/explore"])
    summary = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#explore-bar-keys summary"),
                       message="no keyboard list beside the bars")
    # Tab to the list's summary, open it with Enter, Tab to the first area, press Enter.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", summary)
    assert browser.switch_to.active_element == summary
    summary.send_keys(Keys.ENTER)
    first = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#explore-bar-keys .pick"))
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element == first
    code = first.get_attribute("id")
    name = first.text.split(" · ")[0]
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: query_of(d).get("area", "") not in ("", SHAHE), message="Enter did not drill down")
    assert query_of(browser)["area"] in code
    wait_for(browser, lambda d: name in d.find_element(By.ID, "explore-heading").text)

    # the city's map of districts: the same from its own list
    open_page(browser, f"{reading_app_server.url}/explore?metric=hotline_received&area=510100000000",
              PAGES["/explore"])
    summary = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#explore-map-keys summary"),
                       message="no keyboard list beside the map")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", summary)
    summary.send_keys(Keys.ENTER)
    district = wait_for(browser, lambda d: d.find_element(
        By.XPATH, "//*[@id='explore-map-keys']//button[starts-with(normalize-space(.), '武侯区')]"))
    district.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: query_of(d).get("area") == "510107000000", message="the map's list did not open 武侯区")
