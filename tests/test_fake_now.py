"""A pinned clock for tests and screenshots (``CSB_FAKE_NOW``): the server's "now", the wall's
browser clock and the playlist's hours all follow it, and a production server refuses it.

The wall's screenshots of "a Saturday evening" and "a Monday morning" (docs/screenshots.py
--wall-matrix) depend on it; a lobby screen must never run on it.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, time, timedelta

import pytest

from data import settings, text
from support import ROOT, AppServer
from test_wall_browser import open_wall, stat_text, wait

pytestmark = pytest.mark.timeout(180)


def _saturday_evening() -> datetime:
    """The last Saturday (today, if it is one) at 19:30: inside the shipped evening window."""
    today = datetime.now(settings.timezone()).date()
    return datetime.combine(today - timedelta(days=(today.weekday() - 5) % 7), time(19, 30))


def test_the_clock_starts_at_the_pinned_moment_and_runs_on(monkeypatch):
    pinned = _saturday_evening()
    monkeypatch.setenv(settings.FAKE_NOW, pinned.isoformat(timespec="minutes"))
    first = settings.local_now()
    assert timedelta(0) <= first - pinned < timedelta(minutes=1)
    assert settings.local_now() >= first and settings.local_today() == pinned.date()
    # The same moment written with its zone (UTC) is the same Chengdu time.
    monkeypatch.setenv(settings.FAKE_NOW, (pinned - timedelta(hours=8)).isoformat() + "+00:00")
    assert abs(settings.local_now() - pinned) < timedelta(minutes=1)

    monkeypatch.delenv(settings.FAKE_NOW)
    real = datetime.now(settings.timezone()).replace(tzinfo=None)
    assert abs(settings.local_now() - real) < timedelta(seconds=5) and settings.fake_offset() is None


def test_a_pinned_clock_that_is_not_a_time_is_refused_with_its_name_and_value(monkeypatch):
    monkeypatch.setenv(settings.FAKE_NOW, "Saturday evening")
    with pytest.raises(ValueError, match=r"CSB_FAKE_NOW='Saturday evening' is not a local date and time"):
        settings.local_now()


def test_gunicorn_refuses_to_start_on_a_pinned_clock():
    env = {**os.environ, settings.FAKE_NOW: "2026-12-05T19:30", "CSB_BIND": "127.0.0.1:0"}
    done = subprocess.run([sys.executable, "-m", "gunicorn", "dashboard:server"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "CSB_FAKE_NOW is set" in done.stdout + done.stderr and "unset it to run gunicorn" in done.stdout + done.stderr
    assert "Booting worker" not in done.stdout + done.stderr  # refused before serving anything


@pytest.fixture(scope="module")
def pinned_servers(sample_warehouse_url):
    """The app on the shipped playlist, its clock pinned to a Saturday evening, and to the
    Monday morning after it."""
    evening = _saturday_evening()
    morning = datetime.combine(evening.date() + timedelta(days=2), time(9, 30))
    servers = [(moment, AppServer(sample_warehouse_url, env={settings.FAKE_NOW: moment.isoformat(timespec="minutes")})
                .start()) for moment in (evening, morning)]
    yield servers
    for _moment, server in servers:
        server.stop()


def _shown(browser) -> dict:
    return browser.execute_script(
        "var r = document.getElementById('wall-root');"
        "return {clock: document.getElementById('wall-clock').textContent,"
        " date: document.getElementById('wall-date').textContent, dim: r.getAttribute('data-dim'),"
        " active: document.querySelector('.wall-stage').getAttribute('data-active')};")


def test_the_wall_shows_the_pinned_saturday_evening_and_monday_morning(pinned_servers, browser):
    (evening, evening_server), (morning, morning_server) = pinned_servers

    open_wall(browser, evening_server)
    wait(browser, lambda d: re.fullmatch(r"19:3\d:\d\d", _shown(d)["clock"]), message="the clock is not pinned")
    shown = _shown(browser)
    weekday = text.weekday_name(evening.weekday(), "zh")
    assert f"{evening.month}月{evening.day}日" in shown["date"] and weekday in shown["date"]
    # The playlist's evening window (18:30-22:00): dimmed, its own panels, by the pinned hour.
    assert shown["dim"] == "evening" and shown["active"] == "activities"
    # The server's "today" is pinned too: the agenda runs from the pinned day.
    assert f"{evening.month}月{evening.day}日" in stat_text(browser, "activities-period")

    open_wall(browser, morning_server)
    wait(browser, lambda d: re.fullmatch(r"09:3\d:\d\d", _shown(d)["clock"]), message="the clock is not pinned")
    shown = _shown(browser)
    assert f"{morning.month}月{morning.day}日" in shown["date"]
    assert shown["dim"] == "none" and shown["active"] == "party"  # the daytime rotation, bright


def test_without_a_pinned_clock_the_page_carries_no_moment(reading_app_server, browser):
    open_wall(browser, reading_app_server)
    assert browser.execute_script("return document.getElementById('wall-root').hasAttribute('data-now')") is False


def _agenda_shown(browser) -> list[dict]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('.wall-agenda li.wall-agenda-item')).map(function (li) {"
        " return {when: li.querySelector('.wall-agenda-when').textContent,"
        " title: li.querySelector('.wall-agenda-title').textContent, cls: li.className}; });")


def test_on_monday_morning_the_agenda_opens_with_what_is_left_of_today(pinned_servers, browser,
                                                                       sample_warehouse_url, monkeypatch):
    """The agenda in the browser, the clock at 09:30 on a Monday: what is on now or still to
    come today first, in order of start, then the coming days; nothing that has ended."""
    from callbacks import wall
    from layouts import wall as view
    from support import wall_app

    _evening, (morning, server) = pinned_servers
    monkeypatch.setattr(settings, "local_now", lambda: morning)
    with wall_app(sample_warehouse_url, monkeypatch):  # the rows the server reads, read here
        _key, figures = wall.figures(view.DEFAULT_AREA, "zh", morning.date())
    rows = [(datetime.fromisoformat(r["starts"]), datetime.fromisoformat(r["ends"]) if r["ends"] else None, r["title"])
            for r in figures["lists"]["agenda"]]
    left_today = sorted((s, t) for s, e, t in rows if s.date() == morning.date() and (e or s) > morning)
    assert left_today, "the sample warehouse has no activity left on the Monday morning: the test would prove nothing"

    open_wall(browser, server)
    wait(browser, lambda d: _agenda_shown(d), message="the agenda is empty")
    shown = _agenda_shown(browser)
    today = shown[:min(len(left_today), view.AGENDA_ITEMS)]
    assert [s["title"] for s in today] == [t for _s, t in left_today][:len(today)]
    assert all((" now" in s["cls"]) or (" today" in s["cls"]) for s in today), today
    assert all(s["when"] == "进行中" or s["when"].startswith("今天 ") for s in today), today
    later = shown[len(today):]
    assert all(" today" not in s["cls"] and " now" not in s["cls"] for s in later), later  # then the coming days
    assert len(shown) == view.AGENDA_ITEMS or len(shown) == len([r for r in rows if (r[1] or r[0]) > morning])
