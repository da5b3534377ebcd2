"""The league table shows its last-ranked community; night mode follows the playlist's
hours; the canvas drifts a few pixels against burn-in; English mode is English wherever
the data has English names (issue 13). A real Chromium on the
real app, on a playlist whose window covers now, then one whose window does not.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from callbacks import wall
from data import settings
from support import AppServer, wall_app
from test_wall_browser import open_wall, wait

pytestmark = pytest.mark.timeout(180)

SHAHE = "510104011000"
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _playlist(dim_now: bool) -> str:
    """League by day; a night window (dim: night, league and guide) that covers now, or not."""
    now = settings.local_now()
    start = now - timedelta(hours=1) if dim_now else now + timedelta(hours=2)
    end = now + timedelta(hours=1) if dim_now else now + timedelta(hours=3)
    return (f"refresh: 2\npanels:\n  - id: league\n    duration: 600\nwindows:\n"
            f'  - name: night\n    from: "{start:%H:%M}"\n    to: "{end:%H:%M}"\n    dim: night\n'
            f"    panels:\n      - id: league\n        duration: 600\n      - guide\n      - activities\n")


@pytest.fixture(scope="module")
def night_server(sample_warehouse_url, tmp_path_factory):
    path = tmp_path_factory.mktemp("night") / "playlist.yaml"
    path.write_text(_playlist(dim_now=True), encoding="utf-8")
    server = AppServer(sample_warehouse_url, env={"CSB_PLAYLIST": str(path)}).start()
    server.playlist = path
    yield server
    server.stop()


def _rows(browser) -> list[list[str]]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('.wall-league tbody tr')).map(function (r) {"
        " return [r.querySelector('.wall-league-rank').textContent, r.querySelector('.wall-league-name').textContent];"
        " });")


def test_the_league_shows_the_last_ranked_community(night_server, browser, sample_warehouse_url, monkeypatch):
    open_wall(browser, night_server, f"?area={SHAHE}")
    with wall_app(sample_warehouse_url, monkeypatch):  # the same figures, read here
        _, figures = wall.figures(SHAHE, "zh", settings.local_today())
    expected = figures["lists"]["league"]
    ranked = [r for r in expected if r["rank"] == max(x["rank"] for x in expected)]
    assert len(ranked) == 1
    rows = _rows(browser)
    assert rows == [[str(r["rank"]), r["name"]] for r in expected]
    assert rows[-1] == [str(ranked[0]["rank"]), ranked[0]["name"]]  # the bottom of the table is on screen
    assert rows[-1][1].endswith("社区") and browser.find_element("css selector", ".wall-league").is_displayed()
    notes = browser.execute_script(
        "return Array.from(document.querySelectorAll('.wall-league-note')).map(function (e) { return e.textContent; });")
    assert "每千人" in notes and any(note.startswith("目标") for note in notes)


def test_night_mode_follows_the_playlists_hours_and_the_canvas_drifts(night_server, browser):
    open_wall(browser, night_server)
    root = "return document.getElementById('wall-root').getAttribute(arguments[0])"
    wait(browser, lambda d: d.execute_script(root, "data-dim") == "night", message="the night window did not dim")
    assert browser.execute_script("return document.querySelector('.wall-stage').getAttribute('data-active')") == "league"
    dimmed = browser.execute_script("return getComputedStyle(document.getElementById('wall-canvas')).filter")
    assert "brightness" in dimmed

    # The staff move the night window to later hours: at the next refresh the wall brightens.
    night_server.playlist.write_text(_playlist(dim_now=False), encoding="utf-8")
    wait(browser, lambda d: d.execute_script(root, "data-dim") == "none", timeout=30,
         message="the wall stayed dim outside the playlist's night hours")

    # The pixel shift: a few pixels of the whole canvas, and back round its orbit.
    before = browser.execute_script(root, "data-shift")
    moves = [browser.execute_script("return CSBWall.shift()") for _ in range(12)]
    assert browser.execute_script(root, "data-shift") != before
    assert all(abs(x) <= 4 and abs(y) <= 4 for x, y in moves) and len({tuple(m) for m in moves}) > 3
    transform = browser.execute_script("return document.getElementById('wall-canvas').style.transform")
    assert transform.startswith("translate(") and "scale(" in transform


def test_english_mode_has_no_chinese_where_english_names_exist(night_server, browser):
    open_wall(browser, night_server, "?lang=en")
    texts = browser.execute_script(
        "return Array.from(document.querySelectorAll('.wall-panel[data-panel=guide] li, .wall-agenda li,"
        " .wall-league tbody tr, .wall-kpi, .wall-header, .wall-ticker-item'))"
        ".map(function (e) { return e.textContent; });")
    assert len(texts) > 10
    # Every guide, service point, activity and place has its English name in the samples:
    # nothing Chinese is left, not even a marked fallback.
    assert [t for t in texts if CJK.search(t) or "(in Chinese)" in t] == []
    guides = browser.execute_script(
        "return Array.from(document.querySelectorAll('.wall-panel[data-panel=guide] li')).map(function (li) {"
        " return Array.from(li.querySelectorAll('.wall-item-sub')).map(function (e) { return e.textContent; }); });")
    bring = [lines[0] for lines in guides if len(lines) == 2]
    assert bring and all(b.startswith("Bring: ") for b in bring) and len(set(bring)) == len(bring)  # each its own
    assert any(re.search(r"\d+ min walk · ", sub) for lines in guides for sub in lines)
    label = browser.find_element("css selector", ".wall-ticker-label").text.strip()
    tags = set(browser.execute_script(
        "return Array.from(document.querySelectorAll('.wall-ticker-item b')).map(function (e) { return e.textContent; });"))
    assert label and label not in tags  # the ticker's label is not "News" a second time
