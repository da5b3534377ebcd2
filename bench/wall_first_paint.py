"""How fast the wall draws its first screen, and whether its memory stays flat for weeks.

    .venv/bin/python bench/wall_first_paint.py [--database-url URL] [--rotations 2000]

One run in headless Chromium against the real app in a child process:

1. First screen: from navigation until every panel carries ``data-as-of`` and every chart
   has drawn (two animation frames after the last one), measured in the page with
   ``performance.now()``. Once on a freshly started server (its figure cache cold) and once
   more on the same server (warm). Aim: within 1.5 s.
2. Heap: the wall with a playlist of 0.1 s panels and a 0.5 s refresh, while a thread
   changes a figure in the warehouse every 2 s (so refreshes carry real patches). The JS
   heap (CDP ``Runtime.getHeapUsage`` after ``HeapProfiler.collectGarbage``) is read after
   100 and after N rotations. Aim: the second within 10% of the first.

The warehouse is a private copy (SQLite) of ``--database-url`` / ``DATABASE_URL`` /
``var/warehouse.db``, or a freshly built small sample warehouse when none has figures.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import create_engine, func, insert, select, update  # noqa: E402

from data.schema import etl_run, fact  # noqa: E402
from support import AppServer, build_sample_warehouse, make_driver, quit_driver  # noqa: E402

FAST_PLAYLIST = """
refresh: 0.5
health_check: 1
panels:
""" + "".join(f"  - id: {p}\n    duration: 0.1\n" for p in
              ("party", "governance", "services", "participation", "league", "guide", "activities"))

# Installed before any page script: notes the moment the first screen is complete.
FIRST_SCREEN_PROBE = """
(function () {
  function complete() {
    var panels = document.querySelectorAll('.wall-panel');
    if (!panels.length) { return false; }
    for (var i = 0; i < panels.length; i++) { if (!panels[i].getAttribute('data-as-of')) { return false; } }
    var graphs = document.querySelectorAll('.wall-graph');
    for (var j = 0; j < graphs.length; j++) { if (!graphs[j].querySelector('svg.main-svg')) { return false; } }
    return true;
  }
  var seen = false;
  var observer = new MutationObserver(function () {
    if (seen || !complete()) { return; }
    seen = true;
    observer.disconnect();
    window.__figuresAt = performance.now();
    requestAnimationFrame(function () { requestAnimationFrame(function () {
      window.__firstScreen = performance.now();
    }); });
  });
  observer.observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-as-of']});
})();
"""


def private_warehouse(url: str | None, folder: Path) -> str:
    """A SQLite copy the benchmark may change; a sample warehouse if there is nothing to copy."""
    candidates = [url, os.environ.get("DATABASE_URL"), f"sqlite:///{ROOT / 'var' / 'warehouse.db'}"]
    for candidate in candidates:
        if not candidate or not candidate.startswith("sqlite:///"):
            continue
        source = Path(candidate.split("///", 1)[1])
        if not source.exists():
            continue
        with sqlite3.connect(source) as conn:
            try:
                if conn.execute("SELECT count(*) FROM fact").fetchone()[0] == 0:
                    continue
            except sqlite3.DatabaseError:
                continue
            target = folder / "warehouse.db"
            with sqlite3.connect(target) as copy:
                conn.backup(copy)
        return f"sqlite:///{target}"
    print("no warehouse with figures found; building a small sample warehouse…", flush=True)
    return build_sample_warehouse(folder / "sample")


def first_screen(driver, url: str) -> tuple[float, float]:
    driver.get(url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = driver.execute_script("return [window.__figuresAt || null, window.__firstScreen || null]")
        if got[1]:
            return got[0], got[1]
        time.sleep(0.05)
    raise RuntimeError("the first screen never completed")


def heap(driver, readings: int = 5) -> int:
    """Live JS heap after a full GC; the least of a few readings, so a refresh that happens
    to be in flight (its response and patches not yet collectable) does not count."""
    driver.execute_cdp_cmd("HeapProfiler.enable", {})
    sizes = []
    for _ in range(readings):
        driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
        sizes.append(int(driver.execute_cdp_cmd("Runtime.getHeapUsage", {})["usedSize"]))
        time.sleep(0.3)
    return min(sizes)


def counters(driver) -> tuple[int, int]:
    got = driver.execute_script(
        "var r = document.getElementById('wall-root');"
        "return r ? [r.getAttribute('data-rotations'), r.getAttribute('data-refreshes')] : [0, 0];"
    )
    return int(got[0] or 0), int(got[1] or 0)


def wait_rotations(driver, target: int, timeout: float) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rotations, refreshes = counters(driver)
        if rotations >= target:
            return rotations, refreshes
        time.sleep(0.2)
    raise RuntimeError(f"only {counters(driver)[0]} rotations after {timeout:.0f} s")


def keep_changing(url: str, stop: threading.Event, every: float = 2.0) -> None:
    """Bump one of this month's figures and record a load, so refreshes bring new patches."""
    engine = create_engine(url)
    with engine.connect() as conn:
        target = conn.execute(
            select(fact.c.period, fact.c.area_code, fact.c.metric_code)
            .where(fact.c.dimension == "", fact.c.metric_code == "hotline_received")
            .order_by(fact.c.period.desc()).limit(1)
        ).first()
    if target is None:
        return
    step = 1
    while not stop.wait(every):
        with engine.begin() as conn:
            conn.execute(update(fact).where(fact.c.period == target.period, fact.c.area_code == target.area_code,
                                            fact.c.metric_code == target.metric_code, fact.c.dimension == "")
                         .values(value=fact.c.value + step))
            now = datetime.now()
            conn.execute(insert(etl_run).values(source="bench", location="wall benchmark", started_at=now,
                                                finished_at=now, status="success"))
        step = -step
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a SQLite warehouse to copy (default: DATABASE_URL, var/warehouse.db)")
    parser.add_argument("--rotations", type=int, default=2000)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="csb-wall-bench-"))
    url = private_warehouse(args.database_url, folder)
    engine = create_engine(url)
    with engine.connect() as conn:
        facts = conn.execute(select(func.count()).select_from(fact)).scalar()
    engine.dispose()
    print(f"warehouse: {url} ({facts:,} facts)")

    # 1. first screen, default playlist
    server = AppServer(url).start()
    driver = make_driver(1920, 1080)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_SCREEN_PROBE})
        cold = first_screen(driver, server.url + "/wall")
        warm = first_screen(driver, server.url + "/wall")
    finally:
        quit_driver(driver)
        server.stop()
    print(f"first screen, cold server cache: figures at {cold[0]:6.0f} ms, drawn at {cold[1]:6.0f} ms")
    print(f"first screen, warm server cache: figures at {warm[0]:6.0f} ms, drawn at {warm[1]:6.0f} ms")
    print(f"  aim: within 1500 ms -> {'met' if max(cold[1], warm[1]) <= 1500 else 'NOT met'}")

    # 2. heap over many rotations and refreshes, tiny intervals
    playlist = folder / "fast.yaml"
    playlist.write_text(FAST_PLAYLIST, encoding="utf-8")
    server = AppServer(url, env={"CSB_PLAYLIST": str(playlist)}).start()
    driver = make_driver(1920, 1080)
    stop = threading.Event()
    changer = threading.Thread(target=keep_changing, args=(url, stop), daemon=True)
    try:
        driver.get(server.url + "/wall")
        changer.start()
        started = time.monotonic()
        r1, f1 = wait_rotations(driver, 100, timeout=120)
        h1 = heap(driver)
        print(f"after {r1:5d} rotations and {f1:5d} refreshes: JS heap {h1 / 1e6:7.2f} MB")
        r2, f2 = wait_rotations(driver, args.rotations, timeout=args.rotations * 0.5 + 120)
        h2 = heap(driver)
        print(f"after {r2:5d} rotations and {f2:5d} refreshes: JS heap {h2 / 1e6:7.2f} MB "
              f"({time.monotonic() - started:.0f} s)")
        ratio = h2 / h1
        print(f"heap ratio: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%)  aim: within 10% -> "
              f"{'met' if abs(ratio - 1) <= 0.10 else 'NOT met'}")
        state = driver.execute_script("return document.getElementById('wall-root').getAttribute('data-state')")
        print(f"wall state at the end: {state}")
    finally:
        stop.set()
        quit_driver(driver)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
