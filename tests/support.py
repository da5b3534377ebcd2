"""Real parts for tests: the app served in its own process, and headless Chromium.

Browser tests start the real app with ``python -m dashboard`` semantics in a subprocess
(so a test can stop and restart it) and drive Debian's Chromium through chromedriver.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CSB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CSB_CHROMEDRIVER", "/usr/bin/chromedriver")


@contextmanager
def api_app(database_url: str, name: str = "api-test"):
    """A bare Flask app serving only the JSON API, on ``database_url``; the warehouse's
    engines are dropped before and after, so no other test's connection leaks in or out."""
    import pytest
    from flask import Flask

    import api
    from data import db

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", database_url)
        db.dispose_engines()
        app = Flask(name)
        api.init_app(app)
        try:
            yield app
        finally:
            db.dispose_engines()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """The dashboard in a child process on a loopback port; stop() and start() again."""

    def __init__(self, database_url: str, port: int | None = None, env: dict | None = None):
        self.database_url = database_url
        self.port = port or free_port()
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="csb-app-", suffix=".log", delete=False)  # noqa: SIM115 - read after stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> AppServer:
        env = {**os.environ, "DATABASE_URL": self.database_url, "PORT": str(self.port), **self.env}
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "dashboard.py")],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited with {self.proc.returncode}: {self.output()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code in (200, 503):
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"app did not answer on {self.url}: {self.output()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def stop_after(self, browser) -> None:
        """Take ``browser`` off this app's pages first, then stop: a wall left open would go
        on asking a stopped server for refreshes and health checks, and Chromium logs every
        refused request as an error."""
        with suppress(Exception):  # a browser that already died is asking nothing
            browser.get("about:blank")
        self.stop()

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")


def make_driver(width: int = 1920, height: int = 1080, *, performance_log: bool = False):
    """Headless Chromium with a fresh profile, the flags this machine needs, a fixed viewport."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="csb-chrome-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
        f"--user-data-dir={profile}", f"--window-size={width},{height}", "--lang=zh-CN",
    ):
        opts.add_argument(arg)
    # The browser console is always recorded: every browser test ends by asserting it stayed clean.
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", **({"performance": "ALL"} if performance_log else {})})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    # The window includes no browser chrome in headless mode, but pin the viewport exactly.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    _PROFILES[driver] = profile  # removed by quit_driver
    LIVE_DRIVERS.append(driver)
    return driver


def quit_driver(driver) -> None:
    """Quit Chromium, keeping what its console said for the end-of-test check (conftest.py)."""
    profile = _PROFILES.pop(driver, None)
    if driver in LIVE_DRIVERS:
        LIVE_DRIVERS.remove(driver)
        with suppress(Exception):  # a browser that already died has no console left to read
            QUIT_CONSOLE.extend(console_log(driver))
    driver.quit()
    if profile:
        shutil.rmtree(profile, ignore_errors=True)


_PROFILES: dict = {}  # each driver's throw-away Chromium profile folder


# A Chromium takes seconds to start, and most browser tests want the same one (the ``browser``
# fixture): a test borrows it and gives it back instead. Given back, it keeps nothing a fresh one
# would not have: the test's tab is closed (its page, its session storage, its emulation and
# download settings go with it), and the next borrower gets a new tab with the cookies, the HTTP
# cache and every origin's stored data cleared, the timeouts at chromedriver's defaults and the
# performance log emptied.
_SPARE: dict[tuple[int, int, bool], Any] = {}  # (width, height, performance_log): an idle driver
_LENT: dict = {}  # a borrowed driver: its key in _SPARE


def _fresh_tab(driver) -> None:
    """Close the driver's tabs for one new, blank tab (its console read first, for the check)."""
    old = list(driver.window_handles)
    for handle in old:  # stop every page first, so nothing it says lands in the next test
        driver.switch_to.window(handle)
        driver.get("about:blank")
    driver.switch_to.new_window("tab")
    new = driver.current_window_handle
    for handle in old:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(new)


def borrow_driver(width: int = 1920, height: int = 1080, *, performance_log: bool = False):
    """A Chromium as make_driver gives it, reusing one an earlier test gave back (give_back)."""
    key = (width, height, performance_log)
    driver = _SPARE.pop(key, None)
    if driver is not None:
        try:
            driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
            driver.execute_cdp_cmd("Network.clearBrowserCache", {})
            # local storage, IndexedDB, cache storage, service workers of every origin ("*")
            driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": "*", "storageTypes": "all"})
            size = driver.get_window_size()
            if (size["width"], size["height"]) != (width, height):  # a test resized the window
                driver.set_window_size(width, height)
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            # chromedriver's own defaults for a new session: no implicit wait, scripts 30 s, loads 300 s
            driver.implicitly_wait(0)
            driver.set_script_timeout(30)
            driver.set_page_load_timeout(300)
            if performance_log:
                driver.get_log("performance")
        except Exception:  # noqa: BLE001 - a spare that broke while idle: start a fresh one
            _discard(driver)
            driver = None
    if driver is None:
        driver = make_driver(width, height, performance_log=performance_log)
    else:
        LIVE_DRIVERS.append(driver)
    _LENT[driver] = key
    return driver


def give_back(driver) -> None:
    """End a borrowed Chromium's test as quit_driver does (its pages gone, what its console
    said kept for the end-of-test check), keeping the browser itself for the next borrower."""
    key = _LENT.pop(driver)
    try:
        _fresh_tab(driver)
    except Exception:  # noqa: BLE001 - a browser the test broke is quit, not lent again
        quit_driver(driver)
        return
    if driver in LIVE_DRIVERS:
        LIVE_DRIVERS.remove(driver)
    QUIT_CONSOLE.extend(console_log(driver))
    old = _SPARE.pop(key, None)
    if old is not None:
        _discard(old)
    _SPARE[key] = driver


def quit_spares() -> None:
    """Quit the idle Chromiums (at the end of the session)."""
    while _SPARE:
        _discard(_SPARE.popitem()[1])


def _discard(driver) -> None:
    profile = _PROFILES.pop(driver, None)
    with suppress(Exception):
        driver.quit()
    if profile:
        shutil.rmtree(profile, ignore_errors=True)


# Drivers made by make_driver and not yet quit, and the console entries of those quit since the
# last check: conftest.py reads both after every test, so no browser test can forget the check.
LIVE_DRIVERS: list = []
QUIT_CONSOLE: list[dict] = []

# Console levels that fail a test. SEVERE is console.error, an uncaught exception or a failed
# resource load; WARNING is console.warn and Chromium's deprecation and intervention notices,
# which turn into errors in a later release. INFO and DEBUG (console.log) are left to the code.
CONSOLE_FAILS = ("SEVERE", "WARNING")

# Messages the running test declared with ``expect_console(pattern)``: an entry matching one
# of them is the behaviour under test (a refused request), not a fault. Cleared after each test.
_EXPECTED: list[re.Pattern] = []


def console_log(driver) -> list[dict]:
    """The browser console since the last read (Chromium hands out each entry once)."""
    return list(driver.get_log("browser"))


def expect_console(pattern: str) -> None:
    """Declare that the running test makes the console show a message matching ``pattern`` (a
    regex) on purpose, e.g. the 403 of a callback a viewer may not run."""
    _EXPECTED.append(re.compile(pattern))


def console_problems(entries: list[dict], expected: Sequence[re.Pattern] = ()) -> list[str]:
    """The entries at a failing level that no declared expectation explains, as text."""
    return [f"{e['level']}: {e['message']}" for e in entries
            if e.get("level") in CONSOLE_FAILS and not any(p.search(e["message"]) for p in expected)]


def take_console_problems() -> list[str]:
    """Read and clear every open and recently quit driver's console; what should not be there."""
    expected = list(_EXPECTED)
    entries = list(QUIT_CONSOLE)
    QUIT_CONSOLE.clear()
    for driver in list(LIVE_DRIVERS):
        with suppress(Exception):  # a crashed browser fails the test by itself
            entries.extend(console_log(driver))
    _EXPECTED.clear()
    return console_problems(entries, expected)


def build_sample_warehouse(folder: Path, *, streets=("510104011000",), months: int = 3, scale: float = 0.3,
                           end: date | None = None, sources: list[str] | None = None,
                           leave_out: Sequence[str] = ()) -> str:
    """A small but real warehouse: sample exports generated and loaded by the real ETL
    (``end``: the samples' last day, by default yesterday; ``sources``: some sources only;
    ``leave_out``: names of files, without suffix, not delivered)."""
    from etl.samples import generate

    samples = folder / "samples"
    written = generate(samples, end=end, months=months, streets=list(streets), scale=scale, sources=sources)
    for path in (p for paths in written.values() for p in paths if p.stem in leave_out):
        path.unlink()
    url = f"sqlite:///{folder / 'warehouse.db'}"
    env = {**os.environ, "CSB_SAMPLES_DIR": str(samples), "DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "etl", "run", *(["--only", *sources] if sources else [])], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"etl run failed ({done.returncode}): {done.stderr[-3000:]}")
    return url


def query_of(driver) -> dict[str, str]:
    """The current URL's query parameters (first value of each)."""
    from urllib.parse import parse_qs, urlsplit

    return {k: v[0] for k, v in parse_qs(urlsplit(driver.current_url).query).items()}


def wait_for(driver, condition, timeout: float = 45, message: str = ""):
    """Wait until ``condition(driver)`` is truthy.

    Dash re-renders parts of a page while a view changes: an element found a moment ago
    may be gone by the time it is read; that counts as "not yet", not as a failure.
    """
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,)).until(lambda d: condition(d), message)


def figures(engine) -> dict:
    """Every stored fact as {(period, area, metric, dimension, member): value}."""
    from sqlalchemy import select

    from data.schema import fact

    with engine.connect() as conn:
        rows = conn.execute(select(fact.c.period, fact.c.area_code, fact.c.metric_code, fact.c.dimension,
                                   fact.c.member, fact.c.value)).all()
    return {(str(p), a, m, d, mb): v for p, a, m, d, mb, v in rows}


def everything_stored(engine) -> str:
    """Every cell of every warehouse table as one text, to look for personal data in."""
    from sqlalchemy import select

    from data.schema import metadata

    parts = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


def wait_file(folder, suffix: str, timeout: float = 20):
    """The file ending in ``suffix`` that Chromium finished downloading into ``folder``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done and not any(p.name.endswith(".crdownload") for p in folder.iterdir()):
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file arrived in {folder}")


@contextmanager
def wall_app(database_url: str, monkeypatch):
    """The app on ``database_url`` inside a /wall request (as a wall refresh runs), its
    query cache and the wall's memo empty: for tests that call the wall's callbacks."""
    import dashboard
    from callbacks import wall
    from data import cache as data_cache
    from data import db

    monkeypatch.setenv("DATABASE_URL", database_url)
    db.dispose_engines()
    app = dashboard.create_app()
    with app.server.test_request_context("/wall"):
        data_cache.cache.clear()
        wall._cache.clear()
        yield app
    db.dispose_engines()


def wall_chart(found: dict, chart: str):
    """A chart's box in a wall's first screen (``found``: ``callbacks.wall._components`` of
    the page): on the page, or waiting in the DEFERRED store for its panel to come round.
    Its ``children`` are its marks (layouts/wallcharts.py, layouts/wallmap.py)."""
    from callbacks import wall
    from layouts.ids import Wall

    key = wall._key(Wall.chart(chart))
    return found[key] if key in found else found[Wall.DEFERRED].data[chart]


def walk(tree):
    """Every component of ``tree`` (a component, a list, a string), in document order."""
    from dash.development.base_component import Component

    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, Component):
            yield item
            stack.append(getattr(item, "children", None))


def with_class(tree, name: str) -> list:
    """The components of ``tree`` whose className has ``name``, in document order."""
    return [c for c in walk(tree) if name in (getattr(c, "className", None) or "").split()]


def texts(tree) -> list[str]:
    """The text of ``tree`` as a reader sees it: every string child, in document order."""
    found: list[str] = []
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            found.append(str(item))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif item is not None and hasattr(item, "children"):
            stack.append(item.children)
    return found


def marks(tree) -> list[float]:
    """A chart's marks' figures (``.wall-mark`` ``data-v``: its bars or slices), in order."""
    return [float(getattr(c, "data-v")) for c in with_class(tree, "wall-mark")]


#: In the browser: a wall chart's marks' figures and its text, by chart id
#: (``driver.execute_script(WALL_CHART_JS, "governance-events")``); null while not on the page.
WALL_CHART_JS = """
const box = document.getElementById(JSON.stringify({chart: arguments[0], type: "wall-chart"}));
if (!box) { return null; }
return {marks: [...box.querySelectorAll('.wall-mark')].map(m => Number(m.getAttribute('data-v'))),
        text: box.innerText, lit: [...box.querySelectorAll('.wall-lit')].length};
"""

#: In the browser: a wall trend or hotline chart's months, oldest first, each its bar's figure
#: (``data-v``) or null where the month has no bar (a gap); null while not on the page.
WALL_MONTHS_JS = """
const box = document.getElementById(JSON.stringify({chart: arguments[0], type: "wall-chart"}));
if (!box) { return null; }
return [...box.querySelectorAll('.wall-chart-column')].map(c => {
    const bar = c.querySelector('.wall-chart-bar');
    return bar ? Number(bar.getAttribute('data-v')) : null; });
"""
