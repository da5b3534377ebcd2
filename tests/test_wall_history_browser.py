"""The wall runs for weeks: Dash's undo history must not grow with every tick (issue 13's heap
aim). dash-renderer records each change of a callback's input made in the browser (the clock's
interval every second, every rotation and refresh) for an undo button the wall never shows;
wall.js empties it every few seconds. A real Chromium on the real app, panels rotating fast.
"""
from __future__ import annotations

import time

import pytest

from test_wall_browser import wall_on

pytestmark = pytest.mark.timeout(180)

FAST = "refresh: 0.5\nhealth_check: 1\npanels:\n" + "".join(
    f"  - id: {panel}\n    duration: 0.2\n" for panel in ("party", "governance", "league"))


def test_the_undo_history_does_not_grow_with_every_tick(sample_warehouse_url, tmp_path, browser):
    with wall_on(browser, sample_warehouse_url, tmp_path, FAST):
        read = ("return [window.store.getState().history.past.length,"
                " +document.getElementById('wall-root').getAttribute('data-rotations')];")
        samples = []
        for _ in range(25):  # 25 s: two and more of wall.js's 10 s clear-outs
            samples.append(browser.execute_script(read))
            time.sleep(1)
        lengths = [length for length, _rotations in samples]
        rotations = samples[-1][1] - samples[0][1]
        assert rotations > 20  # the wall kept rotating (and recording) all along
        # Left alone the history only grows; here it is emptied and starts again.
        assert any(later < earlier for earlier, later in zip(lengths, lengths[1:])), lengths
        assert max(lengths) < rotations + 60, lengths  # at most ~10 s of ticks, not the whole run
