"""The wall runs for weeks: what it takes off the screen must not pile up in memory (issue
13's heap aim). Every panel comes round again and again, its charts and its lists
redrawn by the refreshes, the ticker rebuilt; a DOM node that something still holds after it
left the page (a closure in wall.js, a chart's old marks, a list of old nodes) is a detached
node, and a heap snapshot shows what holds each one. None is allowed: the charts are the page's
own elements (no chart library keeping its last draw). A real Chromium on the real app, panels
rotating fast.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from test_wall_browser import wall_on

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from wall_first_paint import FAST_PLAYLIST, heap_parts  # noqa: E402

pytestmark = pytest.mark.timeout(420)


def test_nothing_the_wall_took_off_the_screen_stays_in_memory(sample_warehouse_url, tmp_path, browser):
    with wall_on(browser, sample_warehouse_url, tmp_path, FAST_PLAYLIST):
        read = ("var r = document.getElementById('wall-root');"
                " return [+r.getAttribute('data-rotations'), +r.getAttribute('data-refreshes')];")
        start = browser.execute_script(read)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            rotations, refreshes = browser.execute_script(read)
            if rotations - start[0] >= 27 and refreshes - start[1] >= 5:  # every panel round three times
                break
            time.sleep(1)
        else:
            pytest.fail(f"the wall did not rotate and refresh: {start} -> {browser.execute_script(read)}")
        parts = heap_parts(browser)
        assert parts["objects"] > 0  # a real snapshot was read
        held = parts["holders"]
        assert not held, f"DOM nodes that left the page are still held: {held}"
