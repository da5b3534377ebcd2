"""Hostile text end to end: loaded by the real ETL, shown by the real app in a real Chromium.

One private warehouse and one app server serve the whole module. Into the sample
warehouse the real ETL (``python -m etl load``) loads

- a content Markdown file and a JSON feed whose titles, bodies and locations carry
  ``<script>``, ``<img onerror>``, ``<svg onload>``, ``javascript:`` links and inline
  event handlers, each of which would set ``window.__pwned`` (or the page title) if it ran;
- an area register export renaming 沙河街道's communities to an emoji name, a full-width
  name, a name wrapped in a right-to-left override (U+202E), a 10,000-character name and
  a spreadsheet formula.

Then every page that shows names or content is opened and must show them as inert text,
without a callback error, with its boxes the size they were made.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By

from callbacks.wall import TICKER_CHARS
from data import settings
from support import ROOT, AppServer, wait_for
from test_wall_browser import private_copy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SHAHE = "510104011000"
LONG_TEXT = "长" * 10_000  # content text has no length limit
LONG_NAME = "长" * 100  # the longest name the area register takes (a longer one is a rejected row)
REFUSED_KIND = "<img src=x onerror=\"window.__pwned='reject'\">"

HOSTILE_NAMES = {
    "510104011001": "🏠幸福家园社区🌸",
    "510104011002": "ＡＢＣ全角社区１２３",
    "510104011003": "\u202e区社心同\u202c",
    "510104011004": LONG_NAME,
    "510104011005": '=HYPERLINK("http://evil.example/","点我")',
}

NOTICE = """---
kind: notice
title: "<script>window.__pwned='title'</script>停水通知<img src=x onerror=\\"window.__pwned='img'\\">"
area: "510104011000"
published_at: "{published} 08:00"
---

<script>window.__pwned = 'body'; document.title = 'pwned'</script>
<img src=x onerror="window.__pwned='onerror'"> [点我](javascript:window.__pwned='link')
<a href="#" onclick="window.__pwned='click'">x</a>
"""


def feed(today: str, published: str) -> dict:
    """The hostile items, published ``published`` (yesterday: a notice dated later today would
    not be on the ticker yet); the activity starts late ``today``."""
    return {"items": [
        {"id": "h-guide", "kind": "guide", "area": SHAHE, "published_at": f"{published} 08:00",
         "title": "<svg onload=\"window.__pwned='svg'\">办事指引：" + LONG_TEXT,
         "body": "<iframe src=\"javascript:window.__pwned='iframe'\"></iframe>\n\n"
                 "第一行 <b onmouseover=\"window.__pwned='hover'\">粗</b> [链接](javascript:window.__pwned='md')"},
        {"id": "h-news", "kind": "news", "area": SHAHE, "published_at": f"{published} 09:00",
         "title": "🎉\u202e新闻ＡＢＣ" + "😀" * 50, "body": "正文"},
        {"id": "h-activity", "kind": "activity", "area": SHAHE, "published_at": f"{published} 07:00",
         "starts_at": f"{today} 23:30", "title": "<img src=x onerror=\"window.__pwned='act'\">活动" + "长" * 3000,
         "location": "<script>window.__pwned='loc'</script>" + "地" * 500},
        {"id": "h-resource", "kind": "resource", "area": SHAHE, "published_at": f"{published} 09:30",
         "title": "=cmd|' /C calc'!A0 服务点", "body": "@SUM(1+1) <script>window.__pwned='res'</script>"},
    ]}


def etl_load(url: str, source: str, path, rejected: int = 0) -> None:
    done = subprocess.run([sys.executable, "-m", "etl", "load", source, str(path)], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"rejected {rejected}" in done.stdout, done.stdout


@pytest.fixture(scope="module")
def hostile_url(sample_warehouse_url, tmp_path_factory):
    """A copy of the sample warehouse with the hostile names and content loaded by the ETL."""
    import csv

    folder = tmp_path_factory.mktemp("hostile")
    url = private_copy(sample_warehouse_url, folder)
    (folder / "areas").mkdir()
    with open(folder / "areas" / "register.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编码", "名称", "层级", "上级编码", "户数", "人口", "经度", "纬度"])
        for code, name in HOSTILE_NAMES.items():
            writer.writerow([code, name, "社区", SHAHE, "", "", "", ""])
    today = settings.local_today().isoformat()
    published = (settings.local_today() - timedelta(days=1)).isoformat()
    (folder / "content").mkdir()
    (folder / "content" / "notice.md").write_text(NOTICE.format(published=published), encoding="utf-8")
    (folder / "content" / "feed.json").write_text(json.dumps(feed(today, published), ensure_ascii=False),
                                                  encoding="utf-8")
    etl_load(url, "areas", folder / "areas")
    etl_load(url, "content", folder / "content")
    # A refused item: the data page shows the refusal, payload and all, as its latest.
    refused = folder / "refused" / "feed.json"
    refused.parent.mkdir()
    # (with one good item beside it: a delivery whose every row is refused is a failed run)
    refused.write_text(json.dumps({"items": [{"id": "h-bad", "kind": REFUSED_KIND, "title": "x", "area": SHAHE,
                                              "published_at": f"{published} 10:00"},
                                             {"id": "h-good", "kind": "news", "title": "ok", "area": SHAHE,
                                              "published_at": f"{published} 09:00"}]}), encoding="utf-8")
    etl_load(url, "content", refused, rejected=1)
    return url


@pytest.fixture(scope="module")
def server(hostile_url):
    app = AppServer(hostile_url).start()
    yield app
    app.stop()


@pytest.fixture(scope="module")
def driver():
    from support import make_driver, quit_driver

    browser = make_driver(1920, 1080, performance_log=True)
    yield browser
    quit_driver(browser)


def settled(browser):
    """Dash has rendered and no callback is still running."""
    wait_for(browser, lambda d: d.execute_script(
        "return document.querySelector('#_dash-app-content, #react-entry-point') !== null"
        " && document.querySelector('[data-dash-is-loading=\"true\"]') === null"), message="still loading")


def server_errors(browser) -> list[str]:
    """Responses of 500 and above seen since the last call (the performance log)."""
    failed = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            if response["status"] >= 500:
                failed.append(f"{response['status']} {response['url']}")
    return failed


def inert(browser) -> dict:
    """Evidence that no payload ran and none is live in the DOM."""
    return browser.execute_script("""
        const onAttrs = [];
        for (const el of document.querySelectorAll('*')) {
            for (const a of el.attributes) {
                if (/^on/i.test(a.name)) onAttrs.push(el.tagName + ' ' + a.name);
            }
        }
        return {
            pwned: window.__pwned === undefined ? null : String(window.__pwned),
            title: document.title,
            scripts: [...document.scripts].filter(s => s.text.includes('__pwned')).length,
            onAttrs: onAttrs,
            javascriptLinks: [...document.querySelectorAll('[href],[src]')]
                .filter(e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || '')).length,
            foreign: document.querySelectorAll('iframe, svg[onload], img[src="x"]').length,
        };
    """)


def assert_inert(browser, page: str):
    found = inert(browser)
    assert found["pwned"] is None, f"{page}: a payload ran ({found['pwned']})"
    assert "pwned" not in found["title"], f"{page}: the title was changed"
    assert found["scripts"] == 0 and found["onAttrs"] == [] and found["javascriptLinks"] == 0 \
        and found["foreign"] == 0, f"{page}: live markup from content in the DOM: {found}"


def overflowing(browser, selector: str) -> list[str]:
    """Elements matching ``selector`` that stick out sideways from the viewport."""
    return browser.execute_script("""
        const vw = document.documentElement.clientWidth, out = [];
        for (const el of document.querySelectorAll(arguments[0])) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.left < -1 || r.right > vw + 1) out.push(el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
        }
        return out;
    """, selector)


def test_the_etl_keeps_hostile_text_as_written(hostile_url):
    """The payloads reach the warehouse untouched: the pages, not the loader, make them safe."""
    from data import areas, content, db

    engine = db.get_engine(hostile_url)
    assert areas.get("510104011004", engine=engine)["name"] == LONG_NAME
    assert areas.get("510104011005", engine=engine)["name"].startswith("=HYPERLINK(")
    titles = [i["title"] for i in content.items(["notice", "guide"], SHAHE, limit=50, engine=engine)]
    assert any(t.startswith("<script>") for t in titles)
    assert any(t.startswith("<svg onload") for t in titles)


def test_the_wall_shows_hostile_content_as_inert_text(server, driver):
    server_errors(driver)
    driver.get(server.url + "/wall")
    wait_for(driver, lambda d: d.execute_script(
        "const r = document.getElementById('wall-root'); return r && r.getAttribute('data-state') === 'live'"),
        message="the wall never went live")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".wall-ticker-item[data-item]"),
             message="the ticker never filled")
    time.sleep(1)
    assert_inert(driver, "wall")
    assert server_errors(driver) == []

    # The payloads are there, as the text people wrote, not as markup.
    ticker = driver.execute_script(
        "return [...document.querySelectorAll('.wall-ticker-item')].map(e => e.textContent).join('\\n')")
    assert "<script>window.__pwned='title'</script>停水通知" in ticker
    longest = driver.execute_script(
        "return Math.max(...[...document.querySelectorAll('.wall-ticker-item')].map(e => e.textContent.length))")
    assert longest <= TICKER_CHARS + 10, "a 10,000-character title would hold the ticker for minutes"
    # A guide's summary line is its prose: the Markdown's markup is dropped, not shown.
    summaries = driver.execute_script(
        "return [...document.querySelectorAll('.wall-item-sub')].map(e => e.textContent)")
    assert any(s.startswith("第一行 粗") for s in summaries), summaries
    assert not any("<" in s or "onmouseover" in s for s in summaries), summaries

    # Long text is cut with an ellipsis inside its panel, never pushing the screen wider.
    assert overflowing(driver, ".wall-kpi, .wall-panel, .wall-item-title, .wall-agenda-item, .wall-league") == []
    clipped = driver.execute_script("""
        return [...document.querySelectorAll('.wall-item-title, .wall-agenda-title, .wall-league-name')]
            .filter(e => e.textContent.length > 200)
            .map(e => [getComputedStyle(e).textOverflow,
                       e.getBoundingClientRect().width <= e.parentElement.getBoundingClientRect().width + 1]);
    """)
    assert clipped and all(style == "ellipsis" and inside for style, inside in clipped), clipped
    kpi_heights = driver.execute_script(
        "return [...document.querySelectorAll('.wall-kpi')].map(e => Math.round(e.getBoundingClientRect().height))")
    assert kpi_heights and max(kpi_heights) == min(kpi_heights) and max(kpi_heights) < 300


def test_the_wall_of_a_hostile_community_name_keeps_its_header(server, driver):
    server_errors(driver)
    driver.get(server.url + "/wall?area=510104011004")
    wait_for(driver, lambda d: d.execute_script(
        "const r = document.getElementById('wall-root'); return r && r.getAttribute('data-state') === 'live'"),
        message="the wall never went live")
    wait_for(driver, lambda d: len(d.find_element(By.ID, "wall-area-name").get_attribute("textContent")) >= len(LONG_NAME))
    assert_inert(driver, "wall of a long-named community")
    assert server_errors(driver) == []
    assert overflowing(driver, ".wall-area, .wall-kpi, .wall-panel") == []
    header = driver.execute_script(
        "const e = document.getElementById('wall-area-name'); const r = e.getBoundingClientRect();"
        " return [getComputedStyle(e).textOverflow, r.height, r.right]")
    assert header[0] == "ellipsis" and header[1] < 120
    # The title beside the name still reads the right way round, whatever marks the name holds.
    assert driver.execute_script(
        "return getComputedStyle(document.getElementById('wall-area-name')).unicodeBidi") == "isolate"
    title = driver.find_element(By.CSS_SELECTOR, ".wall-title")
    assert title.text == "社区智慧大脑" and title.rect["x"] + title.rect["width"] <= 1920


def test_the_overview_lists_hostile_community_names_without_breaking(server, driver):
    server_errors(driver)
    driver.get(f"{server.url}/?area={SHAHE}")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#overview-league .ag-row"), message="no league table")
    settled(driver)
    assert_inert(driver, "overview")
    assert server_errors(driver) == []
    names = driver.execute_script(
        "return [...document.querySelectorAll(\"#overview-league [col-id='name']\")].map(e => e.textContent)")
    assert any(n.startswith("🏠幸福家园社区") for n in names)
    assert any(n.startswith("=HYPERLINK(") for n in names)
    assert overflowing(driver, ".kpi-card, #overview-league") == []
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    # The overview of the long-named community itself: its heading stays one line.
    driver.get(f"{server.url}/?area=510104011004")
    wait_for(driver, lambda d: len(d.find_element(By.ID, "overview-heading").text) > 10, message="no heading")
    settled(driver)
    assert server_errors(driver) == []
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert driver.execute_script("return document.getElementById('overview-heading').getBoundingClientRect().height") < 120
    assert overflowing(driver, ".kpi-card, .page-heading") == []


def test_the_explorer_breaks_down_by_hostile_names_without_breaking(server, driver):
    server_errors(driver)
    driver.get(f"{server.url}/explore?metric=hotline_received&area={SHAHE}&by=children")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#explore-breakdown .main-svg"), message="no chart")
    settled(driver)
    assert_inert(driver, "explorer")
    assert server_errors(driver) == []
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert overflowing(driver, ".card, .ex-figure") == []

    # The explorer on the long-named community itself: heading and breadcrumb stay one line.
    driver.get(f"{server.url}/explore?metric=hotline_received&area=510104011004")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#explore-breakdown .main-svg"), message="no chart")
    settled(driver)
    assert server_errors(driver) == []
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    heading = driver.execute_script("return document.getElementById('explore-heading').getBoundingClientRect().height")
    assert heading < 200

    # On a laptop too.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    try:
        driver.refresh()
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#explore-breakdown .main-svg"), message="no chart")
        settled(driver)
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert overflowing(driver, ".card, .breadcrumb, .page-heading") == []
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})


def test_the_data_page_shows_the_hostile_loads_without_breaking(server, driver):
    server_errors(driver)
    driver.get(server.url + "/data")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".dh-card"), message="no source cards")
    settled(driver)
    wait_for(driver, lambda d: "window.__pwned='reject'" in d.find_element(By.TAG_NAME, "body").text,
             message="the refused item's reason is not shown")
    assert_inert(driver, "data page")
    assert server_errors(driver) == []
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert overflowing(driver, ".dh-card") == []
