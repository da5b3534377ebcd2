"""Access control in a real Chromium against the real app with ``CSB_AUTH=on``.

Users and the lobby screen's kiosk token are made with the real command
(``python -m auth``); the app runs in its own process on plain http at 127.0.0.1, so its
cookies are allowed without https (``CSB_INSECURE_COOKIES=1``, for local testing only).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from support import ROOT, AppServer, expect_console, make_driver, quit_driver

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

AREA = "510104011000"
PASSWORD = "lobby screens are public"


def command(env: dict, *args: str, stdin: str = "") -> str:
    done = subprocess.run([sys.executable, "-m", "auth", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def secured(sample_warehouse_url, tmp_path_factory):
    """The app with access control on, a viewer named 李主任, and a kiosk URL for the lobby screen."""
    folder = tmp_path_factory.mktemp("auth")
    env = {"CSB_AUTH": "on", "CSB_SECRET_KEY": "browser-test-secret-0123456789",
           "CSB_INSECURE_COOKIES": "1", "CSB_USERS_FILE": str(folder / "users.json"),
           "CSB_TOKENS_FILE": str(folder / "kiosk_tokens.json")}
    full = {**os.environ, **env}
    command(full, "add-user", "李主任", "--role", "viewer", stdin=PASSWORD + "\n")
    command(full, "add-user", "分析员", "--role", "analyst", stdin=PASSWORD + "\n")
    command(full, "add-user", "管理员", "--role", "admin", stdin=PASSWORD + "\n")
    kiosk = command(full, "add-token", "shahe-lobby", "--area", AREA).strip().splitlines()[-1]
    server = AppServer(sample_warehouse_url, env=env).start()
    yield server, kiosk
    server.stop()


@pytest.fixture
def chromium():
    driver = make_driver(1366, 768, performance_log=True)
    yield driver
    quit_driver(driver)


def refused(path: str, status: int) -> None:
    """The console's note of a refusal this test provokes on purpose (Chromium logs every 4xx)."""
    expect_console(rf"^http://127\.0\.0\.1:\d+{path} - Failed to load resource: "
                   rf"the server responded with a status of {status} ")


def callback_answers(driver) -> list[int]:
    """The HTTP statuses of the page's own callback requests since the last call."""
    statuses = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            if urlsplit(response["url"]).path == "/_dash-update-component":
                statuses.append(response["status"])
    return statuses


def log_in(driver, server, name, path="/"):
    driver.get(server.url + path)
    wait(driver, lambda d: path_of(d) == "/login", message=f"{path} did not ask for a login")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver, lambda d: path_of(d) == path, message=f"{name} did not get to {path}")


def wait(driver, condition, timeout=20, message=""):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d), message)


def path_of(driver) -> str:
    return urlsplit(driver.current_url).path


def post_status(driver, body: dict) -> int:
    """The status of a callback POST sent by the page itself, with its cookies and Origin."""
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch('/_dash-update-component', {method: 'POST', headers: {'Content-Type': 'application/json'},"
        " body: JSON.stringify(arguments[0])}).then(function (r) { done(r.status); }, function () { done(-1); });", body)


EXPLORE_TREND = {
    "output": "..explore-trend-unscaled.data...explore-trend-data.data..",
    "outputs": [{"id": "explore-trend-unscaled", "property": "data"}, {"id": "explore-trend-data", "property": "data"}],
    "inputs": [{"id": "explore-state", "property": "data", "value": f"?metric=activity_participants&area={AREA}"}],
    "changedPropIds": ["explore-state.data"],
}


def test_a_leader_logs_in_through_the_form_and_sees_the_overview(secured, chromium):
    server, _kiosk = secured
    refused("/login", 401)  # the wrong password
    refused("/explore", 403)
    refused("/_dash-update-component", 403)
    chromium.get(server.url + "/")
    wait(chromium, lambda d: path_of(d) == "/login", message="the overview did not ask for a login")
    assert "用户名" in chromium.page_source and "Password" in chromium.page_source
    chromium.find_element(By.ID, "name").send_keys("李主任")
    chromium.find_element(By.ID, "password").send_keys("a wrong password")
    chromium.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(chromium, lambda d: "用户名或密码错误" in d.page_source, message="a wrong password was not reported")

    chromium.find_element(By.ID, "password").send_keys(PASSWORD)
    chromium.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    callback_answers(chromium)
    wait(chromium, lambda d: path_of(d) == "/" and d.find_elements(By.CSS_SELECTOR, ".kpi-card .kpi-value"),
         message="the overview did not open after logging in")
    wait(chromium, lambda d: any(e.text.strip() not in ("", "—")
                                 for e in d.find_elements(By.CSS_SELECTOR, ".kpi-card .kpi-value")),
         message="the overview showed no figures")
    assert "沙河街道" in chromium.find_element(By.ID, "overview-heading").text
    answers = callback_answers(chromium)
    assert answers and set(answers) <= {200, 204}, answers  # every callback of the page was let through

    chromium.get(server.url + "/explore")  # a viewer: the explorer is for analysts
    assert "无权访问" in chromium.page_source and "needs the analyst role" in chromium.page_source
    chromium.get(server.url + "/")  # and the explorer's callbacks refuse a viewer's own page too
    assert post_status(chromium, EXPLORE_TREND) == 403


def test_a_viewer_is_offered_no_link_that_would_refuse_them(secured, chromium):
    """A leader (viewer) on the overview: the top bar offers the overview and the wall only, what
    needs attention and the cards are there without links to the explorer or the data page,
    and every link on the page opens for them."""
    server, _kiosk = secured
    log_in(chromium, server, "李主任")
    wait(chromium, lambda d: d.find_elements(By.CSS_SELECTOR, ".attention-item")
         and any(e.text.strip() not in ("", "—") for e in d.find_elements(By.CSS_SELECTOR, ".kpi-card .kpi-value")),
         timeout=30, message="the overview did not render what needs attention")
    assert [e.get_attribute("pathname") for e in chromium.find_elements(By.CSS_SELECTOR, ".shell-nav nav a")] == ["/", "/wall"]
    user = chromium.find_element(By.CSS_SELECTOR, ".shell-user")  # who is signed in, and the way out
    assert user.text.split() == ["李主任（查看）", "退出"]
    assert [e.get_attribute("pathname") for e in user.find_elements(By.CSS_SELECTOR, "a")] == ["/logout"]
    lines = chromium.find_elements(By.CSS_SELECTOR, ".attention-item")
    assert all(line.text.strip() for line in lines) and not chromium.find_elements(By.CSS_SELECTOR, ".attention-item a")
    assert not chromium.find_elements(By.CSS_SELECTOR, "a.kpi-card, .todo-links a")
    links = chromium.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(function (a) { return a.pathname + a.search; });")
    statuses = chromium.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "Promise.all(arguments[0].map(function (href) { return fetch(href, {redirect: 'manual'})"
        ".then(function (r) { return [href, r.status]; }); })).then(done, function () { done(null); });", links)
    assert statuses and all(status == 200 for _href, status in statuses), statuses


def test_a_kiosk_url_shows_the_live_wall_and_nothing_else(secured, chromium):
    server, kiosk = secured
    refused("/_dash-update-component", 403)
    refused("/api/v1/metrics", 403)
    chromium.get(server.url + kiosk)
    wait(chromium, lambda d: d.execute_script(
        "var p = Array.from(document.querySelectorAll('.wall-panel'));"
        "return p.length > 0 && p.every(function (e) { return e.getAttribute('data-as-of'); });"),
        timeout=30, message="the wall's panels never got figures")
    wait(chromium, lambda d: d.execute_script(
        "return document.getElementById('wall-root').getAttribute('data-state')") == "live",
        message="the wall never went live")
    assert "沙河街道" in chromium.find_element(By.CSS_SELECTOR, ".wall-header").text
    # The panels not on view get their charts a panel a second after the first screen (draw what is
    # seen; at night the opening panel may have none).
    wait(chromium, lambda d: not d.execute_script("return document.querySelector('.wall-slot:empty')"), timeout=40,
         message="a panel's charts were never put on the page")
    answers = callback_answers(chromium)
    assert answers and set(answers) <= {200, 204}, answers
    drawn = chromium.execute_script(
        "return Array.from(document.querySelectorAll('.wall-chart')).filter("
        "function (g) { return g.childElementCount > 0; }).length;")
    assert drawn > 0
    assert post_status(chromium, EXPLORE_TREND) == 403  # sent from the wall page, with its session

    chromium.get(server.url + "/explore")
    wait(chromium, lambda d: path_of(d) == "/login", message="the kiosk browser opened the explorer")
    chromium.get(server.url + "/api/v1/metrics")
    assert "forbidden" in chromium.page_source


def test_an_analyst_works_in_the_explorer_and_an_admin_reads_the_data_page(secured, chromium):
    server, _kiosk = secured
    refused("/data", 403)  # an analyst's
    log_in(chromium, server, "分析员", "/explore")
    wait(chromium, lambda d: d.find_elements(By.CSS_SELECTOR, "#explore-breakdown .main-svg")
         and d.find_elements(By.CSS_SELECTOR, "#explore-trend .main-svg")
         and d.find_element(By.ID, "explore-heading").text.strip(), timeout=45, message="the explorer did not render")
    answers = callback_answers(chromium)
    assert answers and set(answers) <= {200, 204}, answers
    chromium.get(server.url + "/data")
    assert "无权访问" in chromium.page_source

    chromium.get(server.url + "/logout")
    chromium.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(chromium, lambda d: path_of(d) == "/login", message="logging out did not return to the login page")
    log_in(chromium, server, "管理员", "/data")
    wait(chromium, lambda d: d.find_elements(By.CSS_SELECTOR, "#data-runs .ag-row"), message="the data page showed no runs")
    answers = callback_answers(chromium)
    assert answers and set(answers) <= {200, 204}, answers


def test_a_kiosk_bound_to_a_community_never_shows_the_default_street_however_the_link_is_written(secured, chromium):
    """Issue 19, finding 6: ``/wall?token=T&area=A&area=A`` drew the default street (沙河街道)."""
    server, _kiosk = secured
    community = "510104011001"  # 汇泉路社区
    url = command({**os.environ, **server.env}, "add-token", "huiquan-lobby", "--area", community).strip().splitlines()[-1]
    refused(r"/wall\?token=[^ ]+", 400)
    chromium.get(server.url + url + f"&area={community}")  # the area twice
    wait(chromium, lambda d: "more than once" in d.find_element(By.TAG_NAME, "body").text,
         message="a link naming the area twice was not refused")
    assert not chromium.find_elements(By.CSS_SELECTOR, ".wall-header")
    assert "沙河街道" not in chromium.find_element(By.TAG_NAME, "body").text

    chromium.get(server.url + url)  # the screen's own link: its community
    wait(chromium, lambda d: d.find_elements(By.CSS_SELECTOR, ".wall-header")
         and "汇泉路社区" in d.find_element(By.CSS_SELECTOR, ".wall-header").text,
         timeout=30, message="the screen's own link did not show its community")
    assert "沙河街道" not in chromium.find_element(By.CSS_SELECTOR, ".wall-header").text
