"""Screenshots of every page in headless Chromium, for the README and for looking at.

    .venv/bin/python docs/screenshots.py [OUT_DIR] [--database-url URL]

Serves the app (``tests/support.AppServer``) on the warehouse at ``--database-url`` /
``DATABASE_URL`` / ``var/warehouse.db`` and writes one PNG per page and size into
OUT_DIR (default ``docs/screenshots``): the wall at 1920x1080 and 3840x2160 in Chinese
and English (its first panel, and with ``--panels`` every panel of the playlist, each
held for a few seconds), the laptop pages at 1920x1080, 3840x2160 and 1366x768. The
browser runs in Chengdu time, as a lobby screen there would.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from data import playlist as playlists  # noqa: E402
from support import AppServer, make_driver, quit_driver, wait_for  # noqa: E402

SHOTS = [
    ("wall", "/wall", (1920, 1080)), ("wall", "/wall", (3840, 2160)),
    ("wall", "/wall?lang=en", (1920, 1080)), ("wall", "/wall?lang=en", (3840, 2160)),
    ("overview", "/", (1920, 1080)), ("overview", "/", (3840, 2160)), ("overview", "/", (1366, 768)),
    ("explore", "/explore", (1920, 1080)), ("explore", "/explore", (3840, 2160)), ("explore", "/explore", (1366, 768)),
    ("data", "/data", (1920, 1080)), ("data", "/data", (3840, 2160)),
]


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


def every_panel(driver, out: Path, name: str) -> None:
    """One shot per panel as the wall rotates through them."""
    for panel in playlists.read(playlists.default_path()).panels():
        wait_for(driver, lambda d, panel=panel: d.execute_script(
            "var s = document.querySelector('.wall-stage'); return s && s.getAttribute('data-active')") == panel,
            timeout=120, message=f"panel {panel} never came round")
        time.sleep(2.0)
        driver.save_screenshot(str(out / f"{name}-{panel}.png"))
        print(out / f"{name}-{panel}.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL")
                        or f"sqlite:///{ROOT / 'var' / 'warehouse.db'}")
    parser.add_argument("--panels", action="store_true", help="also every wall panel, one shot each")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["TZ"] = "Asia/Shanghai"  # the browser's clock and the playlist's time windows
    env = {}
    if args.panels:
        # Day-time panels only, 4 s each, so the shots come round quickly.
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as rotation:
            rotation.write("refresh: 60\npanels:\n" + "".join(
                f"  - id: {p}\n    duration: 4\n" for p in playlists.read(playlists.default_path()).panels()))
        env["CSB_PLAYLIST"] = rotation.name
    server = AppServer(args.database_url, env=env).start()
    try:
        for page, path, (width, height) in SHOTS:
            driver = make_driver(width, height)
            try:
                driver.get(server.url + path)
                wait_for(driver, lambda d, page=page: ready(d, page), timeout=60, message=f"{path} never got ready")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
