"""Screenshots of every page in headless Chromium, for the README and for looking at.

    .venv/bin/python docs/screenshots.py [OUT_DIR] [--database-url URL] [--pages wall] [--at 2026-12-07T09:30]

Serves the app (``tests/support.AppServer``) on the warehouse at ``--database-url`` /
``DATABASE_URL`` / ``var/warehouse.db`` and writes one PNG per page and size into
OUT_DIR (default ``docs/screenshots``): the wall at 1920x1080, 3840x2160 and 1366x768 in Chinese
and English (its first panel, and with ``--panels`` every panel of the playlist, each
held for a few seconds), the laptop pages at 1920x1080, 3840x2160 and 1366x768, and on a
second server with logins on (one admin, users in a temporary folder) the login form and each
console tab (``--pages login,console``: ``login-<size>.png``, ``console-<tab>-<size>.png``). The
browser runs in Chengdu time, as a lobby screen there would. ``--pages`` keeps to some
pages; ``--at`` pins the clock (``CSB_FAKE_NOW``), so the README's wall shows the daytime
rotation whenever it is refreshed, and ``--wall-panel`` which panel:
``--pages wall --at 2026-12-07T09:30 --wall-panel map`` (the README's).

    .venv/bin/python docs/screenshots.py /work/shots/wall --wall-matrix

``--wall-matrix`` photographs only the wall, every panel that comes round, for a street, a
community and a district, in Chinese and English, at 1920x1080 and 3840x2160, at two moments:
the last Saturday evening (19:30, the playlist's evening window: dimmed, its own panels) and
the Monday morning after it (09:30, the daytime rotation). "Now" is pinned with
``CSB_FAKE_NOW`` (README), which the wall's browser clock and playlist hours follow too.
Build the warehouse on a clock pinned no later than the Saturday evening
(``CSB_FAKE_NOW=...T18:00 python -m etl run``), so that its loads are not in the future.
Files: ``OUT_DIR/<moment>/<area kind>-<lang>-<size>-<panel>.png``.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from data import playlist as playlists  # noqa: E402
from data import settings  # noqa: E402
from support import AppServer, make_driver, quit_driver, wait_for  # noqa: E402

SHOTS = [
    ("wall", "/wall", (1920, 1080)), ("wall", "/wall", (3840, 2160)), ("wall", "/wall", (1366, 768)),
    ("wall", "/wall?lang=en", (1920, 1080)), ("wall", "/wall?lang=en", (3840, 2160)),
    ("wall", "/wall?lang=en", (1366, 768)),
    ("overview", "/", (1920, 1080)), ("overview", "/", (3840, 2160)), ("overview", "/", (1366, 768)),
    ("overview", "/?lang=en", (1920, 1080)), ("overview", "/?lang=en", (3840, 2160)),
    ("overview", "/?lang=en", (1366, 768)),
    ("explore", "/explore", (1920, 1080)), ("explore", "/explore", (3840, 2160)), ("explore", "/explore", (1366, 768)),
    ("data", "/data", (1920, 1080)), ("data", "/data", (3840, 2160)), ("data", "/data", (1366, 768)),
]
# Behind a login (a second server, logins on, one admin): the login form and every console tab.
LAPTOP_SIZES = ((1366, 768), (1920, 1080), (3840, 2160))
CONSOLE_TABS = ("notices", "playlist", "targets", "screens", "audit")
ADMIN, ADMIN_PASSWORD = "admin", "screenshots of the console"


def ready(driver, page: str) -> bool:
    """Figures in and charts drawn (the wall: every panel has data-as-of)."""
    if page == "wall":
        return bool(driver.execute_script(
            "var p = document.querySelectorAll('.wall-panel');"
            "return p.length && Array.from(p).every(function (e) { return e.getAttribute('data-as-of'); })"
            " && !document.querySelector('.wall-kpi-value.counting');"))
    return bool(driver.execute_script(
        "return !document.querySelector('._dash-loading, [data-dash-is-loading=\"true\"]')"
        " && document.querySelectorAll('.js-plotly-plot, .ag-root, main').length > 0;"))


def settle(driver, page: str, path: str) -> None:
    """Ready twice, a second and a half apart: a page's callbacks come in waves (the explorer's
    charts wait for its pickers), and a quiet moment between two waves is not the end."""
    for _ in range(2):
        wait_for(driver, lambda d: ready(d, page), timeout=60, message=f"{path} never got ready")
        time.sleep(1.5)


def secured_server(database_url: str, env: dict) -> AppServer:
    """The app with logins on and one admin (``ADMIN``), its users in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="csb-shots-"))
    secured = {**env, "CSB_AUTH": "on", "CSB_SECRET_KEY": "screenshots-secret-0123456789",
               "CSB_INSECURE_COOKIES": "1", "CSB_USERS_FILE": str(folder / "users.json"),
               "CSB_TOKENS_FILE": str(folder / "kiosk_tokens.json"),
               "CSB_SESSIONS_FILE": str(folder / "ended_sessions.json")}
    subprocess.run([sys.executable, "-m", "auth", "add-user", ADMIN, "--role", "admin"], cwd=ROOT,
                   env={**os.environ, **secured}, input=ADMIN_PASSWORD + "\n", text=True, check=True,
                   capture_output=True)
    return AppServer(database_url, env=secured).start()


def behind_login(out: Path, server: AppServer, pages: set[str]) -> None:
    """The login form, and each console tab as the admin sees it, at every laptop size."""
    from selenium.webdriver.common.by import By

    for width, height in LAPTOP_SIZES:
        driver = make_driver(width, height)
        try:
            driver.get(server.url + "/login")
            wait_for(driver, lambda d: d.find_elements(By.ID, "name"), message="no login form")
            if not pages or "login" in pages:
                time.sleep(1.0)
                driver.save_screenshot(str(out / f"login-{width}x{height}.png"))
                print(out / f"login-{width}x{height}.png")
            if pages and "console" not in pages:
                continue
            driver.find_element(By.ID, "name").send_keys(ADMIN)
            driver.find_element(By.ID, "password").send_keys(ADMIN_PASSWORD)
            driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait_for(driver, lambda d: "/login" not in d.current_url, message="the admin did not get in")
            for tab in CONSOLE_TABS:
                driver.get(f"{server.url}/console?tab={tab}")
                settle(driver, "console", f"/console?tab={tab}")
                time.sleep(2.5)
                target = out / f"console-{tab}-{width}x{height}.png"
                driver.save_screenshot(str(target))
                print(target)
        finally:
            quit_driver(driver)


def every_panel(driver, out: Path, name: str) -> None:
    """One shot per panel as the wall rotates through them."""
    for panel in playlists.read(playlists.default_path()).panels():
        wait_for(driver, lambda d, panel=panel: d.execute_script(
            "var s = document.querySelector('.wall-stage'); return s && s.getAttribute('data-active')") == panel,
            timeout=120, message=f"panel {panel} never came round")
        time.sleep(2.0)
        driver.save_screenshot(str(out / f"{name}-{panel}.png"))
        print(out / f"{name}-{panel}.png")


# The wall matrix: one area of each kind the wall serves (the embedded street, one of its
# communities, its district) and two moments of the week.
MATRIX_AREAS = (("street", "510104011000"), ("community", "510104011001"), ("district", "510104000000"))
MATRIX_SIZES = ((1920, 1080), (3840, 2160))
MATRIX_LANGS = ("zh", "en")
MATRIX_HOLD = 6  # seconds each panel stays on screen: long enough to settle and be photographed


def matrix_moments(today) -> list[tuple[str, datetime]]:
    """The last Saturday evening (today, if it is Saturday) and the Monday morning after it."""
    saturday = today - timedelta(days=(today.weekday() - 5) % 7)
    return [("saturday-evening", datetime.combine(saturday, clock(19, 30))),
            ("monday-morning", datetime.combine(saturday + timedelta(days=2), clock(9, 30)))]


def quick_playlist(path) -> str:
    """The playlist at ``path`` with every panel held ``MATRIX_HOLD`` seconds, its windows
    (evening, night) kept: written to a temporary file, whose name is returned."""
    with open(path, encoding="utf-8") as source:
        found = yaml.safe_load(source)
    found["duration"] = MATRIX_HOLD
    for entries in [found.get("panels") or [], *[w.get("panels") or [] for w in found.get("windows") or []]]:
        for entry in entries:
            entry["duration"] = MATRIX_HOLD
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as rotation:
        yaml.safe_dump(found, rotation, allow_unicode=True, sort_keys=False)
    return rotation.name


def wall_matrix(out: Path, database_url: str) -> None:
    """Every panel of the wall as it comes round: ``MATRIX_AREAS`` x languages x ``MATRIX_SIZES``
    x ``matrix_moments``, each moment on a server whose clock is pinned there (CSB_FAKE_NOW)."""
    rotation = quick_playlist(playlists.configured_path())
    chosen = playlists.read(rotation)
    for moment_name, moment in matrix_moments(settings.local_today()):
        folder = out / moment_name
        folder.mkdir(parents=True, exist_ok=True)
        panels = [e.panel for e in chosen.rotation_at(moment.hour * 60 + moment.minute)]
        server = AppServer(database_url, env={"CSB_PLAYLIST": rotation,
                                              "CSB_FAKE_NOW": moment.isoformat(timespec="minutes")}).start()
        try:
            for kind, area in MATRIX_AREAS:
                for lang in MATRIX_LANGS:
                    for width, height in MATRIX_SIZES:
                        driver = make_driver(width, height)
                        try:
                            driver.get(f"{server.url}/wall?area={area}&lang={lang}")
                            wait_for(driver, lambda d: ready(d, "wall"), timeout=90, message=f"{area} never got ready")
                            for panel in panels:
                                wait_for(driver, lambda d, panel=panel: d.execute_script(
                                    "var s = document.querySelector('.wall-stage');"
                                    "return s && s.getAttribute('data-active')") == panel,
                                    timeout=MATRIX_HOLD * (len(panels) + 2), message=f"{panel} never came round")
                                time.sleep(2.0)  # the cross-fade and the count-ups settle
                                target = folder / f"{kind}-{lang}-{width}x{height}-{panel}.png"
                                driver.save_screenshot(str(target))
                                print(target, flush=True)
                        finally:
                            quit_driver(driver)
        finally:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL")
                        or f"sqlite:///{ROOT / 'var' / 'warehouse.db'}")
    parser.add_argument("--panels", action="store_true", help="also every wall panel, one shot each")
    parser.add_argument("--pages", default="", help="only these pages, comma-separated "
                        "(wall, overview, explore, data, login, console)")
    parser.add_argument("--at", default="", help="pin the server's and the wall's clock (CSB_FAKE_NOW), e.g. 2026-12-07T09:30")
    parser.add_argument("--wall-panel", default="", help="the wall's shots show this panel (e.g. map), not the first")
    parser.add_argument("--wall-matrix", action="store_true",
                        help="only the wall: every panel, three areas, two languages, two sizes, two moments")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["TZ"] = "Asia/Shanghai"  # the browser's clock and the playlist's time windows
    if args.wall_matrix:
        wall_matrix(args.out, args.database_url)
        return 0
    env = {}
    if args.panels:
        # Day-time panels only, 4 s each, so the shots come round quickly.
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as rotation:
            rotation.write("refresh: 60\npanels:\n" + "".join(
                f"  - id: {p}\n    duration: 4\n" for p in playlists.read(playlists.default_path()).panels()))
        env["CSB_PLAYLIST"] = rotation.name
    if args.at:
        env[settings.FAKE_NOW] = args.at
    pages = {p.strip() for p in args.pages.split(",") if p.strip()}
    open_pages = [shot for shot in SHOTS if not pages or shot[0] in pages]
    if open_pages:
        server = AppServer(args.database_url, env=env).start()
        try:
            for page, path, (width, height) in open_pages:
                driver = make_driver(width, height)
                try:
                    driver.get(server.url + path)
                    settle(driver, page, path)
                    if page == "wall" and args.wall_panel:
                        wait_for(driver, lambda d: d.execute_script(
                            "return document.querySelector('.wall-stage').getAttribute('data-active')") == args.wall_panel,
                            timeout=300, message=f"panel {args.wall_panel} never came round")
                    time.sleep(2.5)  # count-ups and chart transitions settle
                    suffix = "-en" if "lang=en" in path else ""
                    target = args.out / f"{page}-{width}x{height}{suffix}.png"
                    driver.save_screenshot(str(target))
                    print(target)
                    if page == "wall" and args.panels:
                        every_panel(driver, args.out, target.stem)
                finally:
                    quit_driver(driver)
        finally:
            server.stop()
    if not pages or pages & {"login", "console"}:
        server = secured_server(args.database_url, env)
        try:
            behind_login(args.out, server, pages)
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
