"""Charts that draw the eye (issue 13): on the panel on view a light moves from bar to bar
and slice to slice, largest first, every few seconds, without redrawing the chart; at night
it stays off. A real Chromium on the real app, its clock pinned (CSB_FAKE_NOW) to a day hour
and to a night hour of one playlist.
"""
from __future__ import annotations

from datetime import datetime, time

import pytest

from data import settings
from support import AppServer
from test_wall_browser import open_wall, wait

pytestmark = pytest.mark.timeout(240)

# Services by day and by night; the night window dims the wall.
PLAYLIST = """refresh: 2
panels:
  - id: services
    duration: 600
windows:
  - name: night
    from: "22:00"
    to: "07:30"
    dim: night
    panels:
      - id: services
        duration: 600
"""

# Per chart of the panel on view: its kind, its marks' figures, the lit marks' indexes, how
# many of its legend lines are lit (charts with no marks to light, the trends, left out).
LIT = """
var panel = document.querySelector('.wall-panel[data-panel="' +
    document.querySelector('.wall-stage').getAttribute('data-active') + '"]');
return Array.from(panel.querySelectorAll('.wall-chart')).map(function (box) {
  var marks = Array.from(box.querySelectorAll('.wall-mark'));
  var kind = box.classList.contains('wall-chart-donut') ? 'pie' : box.classList.contains('wall-chart-hbar') ? 'hbar' : 'other';
  return {id: box.id, kind: kind,
          values: marks.map(function (m) { return Number(m.getAttribute('data-v')); }),
          lit: marks.map(function (m, i) { return m.classList.contains('wall-lit') ? i : -1; })
                    .filter(function (i) { return i >= 0; }),
          legend: box.querySelectorAll('.wall-mark-legend.wall-lit').length};
}).filter(function (c) { return c.kind !== 'other'; });
"""


def _pinned(sample_warehouse_url, folder, hour: int) -> AppServer:
    path = folder / "playlist.yaml"
    path.write_text(PLAYLIST, encoding="utf-8")
    moment = datetime.combine(datetime.now(settings.timezone()).date(), time(hour, 0))
    return AppServer(sample_warehouse_url, env={"CSB_PLAYLIST": str(path),
                                                settings.FAKE_NOW: moment.isoformat(timespec="minutes")}).start()


def _ranked(values: list) -> list[int]:
    return sorted((i for i, v in enumerate(values) if v > 0), key=lambda i: (-values[i], i))


def _step(browser) -> str:
    return browser.execute_script("return document.getElementById('wall-root').getAttribute('data-spotlight')")


def test_the_light_moves_from_the_largest_bar_to_the_next_without_a_redraw(sample_warehouse_url, tmp_path, browser):
    server = _pinned(sample_warehouse_url, tmp_path, 14)
    try:
        open_wall(browser, server)
        wait(browser, lambda d: _step(d) == "0", message="the spotlight never started")
        first = browser.execute_script(LIT)
        assert {c["kind"] for c in first} == {"hbar", "pie"}  # the services panel's bars and donut
        for chart in first:
            assert chart["lit"] == [_ranked(chart["values"])[0]], chart  # the largest first, alone
        assert [c["legend"] for c in first if c["kind"] == "pie"] == [1]  # its legend line too
        # Keep a handle on the drawn marks: a step must move a class, not redraw the chart.
        browser.execute_script("window.__marks = Array.from(document.querySelectorAll('.wall-chart .wall-mark'));")
        wait(browser, lambda d: _step(d) == "1", timeout=10, message="the light did not move on")
        second = browser.execute_script(LIT)
        for chart in second:
            ranked = _ranked(chart["values"])
            assert chart["lit"] == [ranked[1 % len(ranked)]], chart
        assert browser.execute_script(
            "return window.__marks.length > 0 && window.__marks.every(function (m) { return m.isConnected; })"
        )  # the same elements, not redrawn
        # Nothing is lit on the panels off screen.
        assert browser.execute_script(
            "return document.querySelectorAll('.wall-panel:not([data-panel=services]) .wall-lit').length") == 0
    finally:
        server.stop_after(browser)


def test_at_night_nothing_moves(sample_warehouse_url, tmp_path, browser):
    server = _pinned(sample_warehouse_url, tmp_path, 23)
    try:
        open_wall(browser, server)
        root = "return document.getElementById('wall-root').getAttribute(arguments[0])"
        wait(browser, lambda d: d.execute_script(root, "data-dim") == "night", message="the night window did not dim")
        wait(browser, lambda d: _step(d) == "still", timeout=10, message="the spotlight ran at night")
        assert all(chart["lit"] == [] for chart in browser.execute_script(LIT))
    finally:
        server.stop_after(browser)
