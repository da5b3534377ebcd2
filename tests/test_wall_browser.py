"""The wall screen in a real Chromium against the real app: what a passer-by (and a monitor) sees.

Intervals are shortened through a test playlist (``CSB_PLAYLIST``): panels rotate every
second and figures refresh every two seconds, so each test takes seconds.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import insert, select, update

from data import db, settings
from data import playlist as playlists
from data.schema import etl_run, fact
from layouts import wall as view
from support import AppServer, expect_console

pytestmark = pytest.mark.timeout(180)

FAST = """
refresh: 2
health_check: 1
panels:
  - id: league
    duration: 1
  - id: party
    duration: 1
  - id: guide
    duration: 1
  - id: governance
    duration: 1
  - id: services
    duration: 1
  - id: participation
    duration: 1
  - id: activities
    duration: 1
"""
ORDER = ["league", "party", "guide", "governance", "services", "participation", "activities"]


def private_copy(sample_warehouse_url: str, folder) -> str:
    """A copy of the sample warehouse that a test may change without disturbing others."""
    source = sample_warehouse_url.split("///", 1)[1]
    target = folder / "warehouse.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


@contextmanager
def wall_on(browser, url: str, folder, playlist: str | None):
    """The wall of an app of its own (``playlist``), open in ``browser``; afterwards the
    browser leaves it first (no health check may reach the stopped server), then it stops."""
    server = serve(url, folder, playlist)
    try:
        open_wall(browser, server)
        yield server
    finally:
        server.stop_after(browser)


def serve(url: str, folder, playlist: str | None):
    env = {}
    if playlist:
        path = folder / "playlist.yaml"
        path.write_text(playlist, encoding="utf-8")
        env["CSB_PLAYLIST"] = str(path)
    return AppServer(url, env=env).start()


@pytest.fixture(scope="module")
def default_server(sample_warehouse_url, tmp_path_factory):
    """The app with its shipped playlist, shared by the tests that only look."""
    server = serve(sample_warehouse_url, tmp_path_factory.mktemp("default"), None)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fast_warehouse(sample_warehouse_url, tmp_path_factory):
    url = private_copy(sample_warehouse_url, tmp_path_factory.mktemp("fast-warehouse"))
    yield url
    db.dispose_engines()


@pytest.fixture(scope="module")
def fast_server(fast_warehouse, tmp_path_factory):
    """The app on a private warehouse with one-second panels and a two-second refresh."""
    server = serve(fast_warehouse, tmp_path_factory.mktemp("fast"), FAST)
    yield server
    server.stop()


@pytest.fixture
def doomed_server(sample_warehouse_url, tmp_path):
    """A fast server of its own, for a test that stops and restarts it."""
    server = serve(private_copy(sample_warehouse_url, tmp_path), tmp_path, FAST)
    yield server
    server.stop()
    db.dispose_engines()


def wait(driver, condition, timeout=20, message=""):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d), message)


def state(driver) -> str | None:
    """The wall's data-state; None while there is no wall on the page (it is reloading itself)."""
    return driver.execute_script(
        "var root = document.getElementById('wall-root'); return root && root.getAttribute('data-state');")


def panels_as_of(driver) -> dict:
    """{panel id: data-as-of}, in the order the panels are on the page."""
    pairs = driver.execute_script(
        "return Array.from(document.querySelectorAll('.wall-panel')).map(function (p) {"
        " return [p.getAttribute('data-panel'), p.getAttribute('data-as-of')]; });"
    )
    return dict(pairs)


def open_wall(driver, server, query=""):
    driver.get(f"{server.url}/wall{query}")
    wait(driver, lambda d: panels_as_of(d) and all(panels_as_of(d).values()), message="panels never got figures")
    wait(driver, lambda d: state(d) == "live", message="the wall never went live")
    wait(driver, lambda d: not d.execute_script("return document.querySelector('.wall-kpi-value.counting')"),
         message="the KPIs never stopped counting up")
    # The panels not on view get their charts a panel a second after the first screen (draw what is seen).
    wait(driver, lambda d: not d.execute_script("return document.querySelector('.wall-slot:empty')"), timeout=40,
         message="a panel's charts were never put on the page")


def stat_text(driver, key: str) -> str:
    """The text of the panel figure whose pattern id is {"type": "wall-stat", "stat": key}."""
    return driver.execute_script(
        "var key = arguments[0];"
        "var hit = Array.from(document.querySelectorAll('[id^=\"{\"]')).find(function (el) {"
        " var id = JSON.parse(el.id); return id.type === 'wall-stat' && id.stat === key; });"
        " return hit ? hit.textContent : null;", key
    )


def drawn_charts(driver) -> int:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.wall-graph')).filter("
        "function (g) { return g.childElementCount > 0; }).length;"
    )


def test_the_wall_renders_every_panel_of_the_default_playlist(default_server, browser):
    open_wall(browser, default_server)
    as_of = panels_as_of(browser)
    assert list(as_of) == playlists.read(playlists.default_path()).panels()
    for panel, stamp in as_of.items():
        assert datetime.fromisoformat(stamp).date() == settings.local_today(), panel
    charts = browser.execute_script("return document.querySelectorAll('.wall-graph').length")
    assert charts == len(view.CHARTS) and drawn_charts(browser) == charts
    header = browser.find_element("css selector", ".wall-header").text
    assert "沙河街道" in header and "社区智慧大脑" in header and "数据更新于" in header
    kpis = browser.execute_script(
        "return Array.from(document.querySelectorAll('[data-kpi]')).map(function (e) { return e.textContent; })"
    )
    assert len(kpis) == len(view.KPIS) and any(text not in ("", "—") for text in kpis)


def test_the_wall_speaks_english_with_lang_en(default_server, browser):
    open_wall(browser, default_server, "?lang=en")
    header = browser.find_element("css selector", ".wall-header").text
    assert "Community Smart Brain" in header and "Data loaded" in header  # the last load (issue 12)
    assert "Shahe" in header  # the area's English name
    titles = browser.execute_script(
        "return Array.from(document.querySelectorAll('.wall-panel-title')).map(function (e) { return e.textContent; })"
    )
    assert "Governance" in titles and not any("治理" in t for t in titles)


def test_rotation_follows_the_playlist(fast_server, browser):
    open_wall(browser, fast_server)
    browser.execute_script(
        "var stage = document.getElementById('wall-stage'); window.__shown = [stage.getAttribute('data-active')];"
        "new MutationObserver(function () { window.__shown.push(stage.getAttribute('data-active')); })"
        ".observe(stage, {attributes: true, attributeFilter: ['data-active']});"
    )
    wait(browser, lambda d: len(d.execute_script("return window.__shown")) >= len(ORDER) + 2, timeout=30,
         message="the panels did not rotate")
    shown = browser.execute_script("return window.__shown")
    start = ORDER.index(shown[0])
    assert shown == [ORDER[(start + i) % len(ORDER)] for i in range(len(shown))]
    # One script reads both, so a rotation between two reads cannot make them disagree.
    active, visible = browser.execute_script(
        "return [document.getElementById('wall-stage').getAttribute('data-active'),"
        " Array.from(document.querySelectorAll('.wall-panel')).filter(function (p) {"
        " return getComputedStyle(p).visibility === 'visible'; }).map(function (p) { return p.dataset.panel; })]"
    )
    assert active in visible


def add_hotline_orders(url: str, extra: int) -> None:
    """``extra`` more 12345 orders this month in the warehouse at ``url`` (on one community's
    day), recorded as a load, as a delivery would: the wall's next refresh brings them."""
    engine = db.get_engine(url)
    this_month = settings.local_today().replace(day=1)
    with engine.begin() as conn:
        row = conn.execute(
            select(fact.c.period, fact.c.area_code).where(
                fact.c.metric_code == "hotline_received", fact.c.dimension == "", fact.c.period >= this_month,
            ).limit(1)
        ).first()
        assert row is not None, "the sample warehouse has no 12345 orders this month"
        conn.execute(
            update(fact)
            .where(fact.c.metric_code == "hotline_received", fact.c.dimension == "",
                   fact.c.period == row.period, fact.c.area_code == row.area_code)
            .values(value=fact.c.value + extra)
        )
        now = datetime.now()
        conn.execute(insert(etl_run).values(source="hotline", location="test edit", started_at=now,
                                            finished_at=now, status="success", rows_read=1, rows_loaded=1))


def test_a_changed_figure_appears_after_a_refresh_without_a_reload(fast_server, fast_warehouse, browser):
    open_wall(browser, fast_server)
    before = stat_text(browser, "gov-hotline_received")
    browser.execute_script("window.__sameWall = 'yes'")

    add_hotline_orders(fast_warehouse, 1000)

    expected = f"{int(before.replace(',', '')) + 1000:,}"
    wait(browser, lambda d: stat_text(d, "gov-hotline_received") == expected, timeout=20,
         message=f"12345 received stayed {stat_text(browser, 'gov-hotline_received')}, expected {expected}")
    assert browser.execute_script("return window.__sameWall") == "yes"  # patched in place, no reload
    assert state(browser) == "live"


def test_a_chart_whose_figures_changed_off_screen_shows_them_when_its_panel_comes_round(
        fast_server, fast_warehouse, browser):
    """A chart on a panel off screen is not redrawn at each refresh (nobody would see it): its new
    figure waits and is drawn as the rotation comes round. What a passer-by sees: every time
    the governance panel is on view, its 12345 chart's latest bar is the month's new total."""
    open_wall(browser, fast_server)
    browser.execute_script(
        "var stage = document.getElementById('wall-stage'); window.__onView = [];"
        "new MutationObserver(function () {"
        "  if (stage.getAttribute('data-active') !== 'governance') { return; }"
        "  var months = document.getElementById(JSON.stringify({chart: 'governance-hotline', type: 'wall-chart'}))"
        "    .querySelectorAll('.wall-chart-column');"
        "  var bar = months[months.length - 1].querySelector('.wall-chart-bar');"
        "  window.__onView.push(bar && Number(bar.getAttribute('data-v')));"
        "}).observe(stage, {attributes: true, attributeFilter: ['data-active']});"
    )
    before = int(stat_text(browser, "gov-hotline_received").replace(",", ""))
    add_hotline_orders(fast_warehouse, 7)
    wait(browser, lambda d: stat_text(d, "gov-hotline_received") == f"{before + 7:,}", timeout=20,
         message="the refresh never brought the new 12345 total")
    seen = len(browser.execute_script("return window.__onView"))
    wait(browser, lambda d: len(d.execute_script("return window.__onView")) >= seen + 2, timeout=40,
         message="the governance panel did not come round twice")
    shown = browser.execute_script("return window.__onView")[seen:]
    assert shown[:2] == [before + 7, before + 7], f"12345 chart on view showed {shown}, the month's total is {before + 7}"


def test_a_lost_server_keeps_the_figures_with_a_note_and_the_wall_recovers(doomed_server, browser):
    open_wall(browser, doomed_server)
    kpis_before = browser.execute_script(
        "return Array.from(document.querySelectorAll('[data-kpi]')).map(function (e) { return e.textContent; })"
    )
    charts = drawn_charts(browser)

    doomed_server.stop()
    # The browser reports every request the stop cut off or refused, and Dash the callbacks that failed.
    expect_console(r" - Failed to load resource: net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE)$")
    expect_console(r"Error: Callback failed: the server did not respond\.")
    wait(browser, lambda d: state(d) in ("stale", "offline"), timeout=15, message="the wall did not notice")
    time.sleep(2.5)  # a couple of failed refreshes and health checks
    assert state(browser) in ("stale", "offline")
    note = browser.find_element("id", "wall-status").text
    assert note.startswith("⚠") and "数据" in note
    assert browser.execute_script(
        "return Array.from(document.querySelectorAll('[data-kpi]')).map(function (e) { return e.textContent; })"
    ) == kpis_before
    assert drawn_charts(browser) == charts

    doomed_server.start()
    wait(browser, lambda d: state(d) == "live", timeout=40, message="the wall did not recover")
    assert browser.find_element("id", "wall-status").text == ""


def test_no_request_leaves_the_app(default_server, browser):
    browser.get_log("performance")  # drop anything from before this test
    open_wall(browser, default_server, "?lang=en")
    time.sleep(1)
    own = urlsplit(default_server.url).netloc
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert any(url.endswith("/healthz") for url in urls)
    foreign = [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != own]
    assert foreign == []


def test_the_wall_loads_no_chart_library_nor_grid_code(default_server, browser):
    """The wall's charts are its own elements: no plotly.js (nor dcc's graph chunks) is fetched,
    yet every chart is drawn."""
    browser.get_log("performance")
    open_wall(browser, default_server)
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(urlsplit(message["params"]["request"]["url"]).path)
    assert urls and not [u for u in urls if "plotly" in u.lower() or "graph" in u.lower() or "dash_ag_grid" in u], urls
    # Nor the laptop pages' own scripts: the date picker's Chinese names, the grid's functions, the charts' scale.
    assert not [u for u in urls if "date-fns" in u or "datepicker_locale" in u or "dashAgGridFunctions" in u
                or u.endswith("/assets/charts.js")], urls
    assert browser.execute_script("return typeof window.Plotly") == "undefined"
    charts = browser.execute_script("return document.querySelectorAll('.wall-graph').length")
    assert charts == len(view.CHARTS) and drawn_charts(browser) == charts


def test_the_clock_shows_the_deployments_time_whatever_zone_the_lobby_pc_is_set_to(default_server, browser):
    """A lobby PC left on New York time still shows Chengdu's time, the time of the figures'
    "today" and of the playlist's evening hours (CSB_TIMEZONE, default Asia/Shanghai)."""
    from zoneinfo import ZoneInfo

    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
    try:
        open_wall(browser, default_server)
        zone = ZoneInfo("Asia/Shanghai")
        before = datetime.now(zone)
        clock, day = browser.execute_script(
            "return [document.getElementById('wall-clock').textContent, document.getElementById('wall-date').textContent]")
        after = datetime.now(zone)
        assert clock[:5] in {before.strftime("%H:%M"), after.strftime("%H:%M")}, clock
        assert f"{after.month}月{after.day}日" in day or f"{before.month}月{before.day}日" in day, day
        browser_hour = browser.execute_script("return new Date().getHours()")
        assert browser_hour == datetime.now(ZoneInfo("America/New_York")).hour  # the PC really is elsewhere
    finally:
        browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})  # "" restores the real zone
