"""The console's Playlist and Targets sections in a real Chromium, as an editor of 沙河街道,
against the real app with access control on (``CSB_INSECURE_COOKIES=1`` for plain http on
127.0.0.1): reorder the playlist and watch an open wall follow without reloading, restore
an earlier version, set a community's target and see the overview's card and the API use it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import ROOT, AppServer, make_driver, quit_driver, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

SHAHE, COMMUNITY = "510104011000", "510104011001"
RATE = "hotline_on_time_rate"
PASSWORD = "console browser password"


@pytest.fixture(scope="module")
def console_app(sample_warehouse_url, tmp_path_factory):
    """The app over a copy of the sample warehouse (these tests write), an editor of 沙河 and an admin."""
    folder = tmp_path_factory.mktemp("console-browser")
    shutil.copy(Path(sample_warehouse_url.removeprefix("sqlite:///")), folder / "warehouse.db")
    env = {"CSB_AUTH": "on", "CSB_SECRET_KEY": "console-browser-secret-0123456789", "CSB_INSECURE_COOKIES": "1",
           "CSB_USERS_FILE": str(folder / "users.json"), "CSB_TOKENS_FILE": str(folder / "kiosk_tokens.json"),
           "CSB_SESSIONS_FILE": str(folder / "ended_sessions.json")}
    for name, role, area in (("shahe", "editor", SHAHE), ("boss", "admin", None)):
        extra = ["--area", area] if area else []
        done = subprocess.run([sys.executable, "-m", "auth", "add-user", name, "--role", role, *extra], cwd=ROOT,
                              env={**os.environ, **env}, input=PASSWORD + "\n", capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    made = subprocess.run([sys.executable, "-m", "auth", "add-token", "shahe-lobby", "--area", SHAHE], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    server = AppServer(f"sqlite:///{folder / 'warehouse.db'}", env=env).start()
    server.kiosk = made.stdout.strip().splitlines()[-1]  # type: ignore[attr-defined] - the lobby screen's URL
    yield server
    server.stop()


@pytest.fixture
def editor(console_app):
    driver = make_driver(1366, 768)
    driver.get(console_app.url + "/login?next=/console")
    driver.find_element(By.ID, "name").send_keys("shahe")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".console-tabs"), message="the console did not open")
    yield driver
    quit_driver(driver)


def day_order(driver) -> list[str]:
    return [e.get_attribute("title") for e in driver.find_elements(By.CSS_SELECTOR, ".set-day .console-pl-panel")]


def click(driver, css: str) -> None:
    element = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, css), message=f"no {css}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def saved_message(driver, words: str) -> str:
    return wait_for(driver, lambda d: next((e.text for e in d.find_elements(By.CSS_SELECTOR, ".console-pl-form .console-done")
                                            if words in e.text), None), message=f"no '{words}'")


def rotation(wall) -> list[str]:
    """The daytime rotation the open wall runs now (assets/wall.js keeps the playlist it was given)."""
    return wall.execute_script("var p = window.CSBWall && window.CSBWall.playlist;"
                               "return p ? p.panels.map(function (e) { return e.id; }) : [];")


def test_an_editor_reorders_the_playlist_the_open_wall_follows_and_an_earlier_one_is_restored(console_app, editor):
    editor.get(console_app.url + f"/console?tab=playlist&area={SHAHE}")
    wait_for(editor, lambda d: day_order(d), message="the playlist did not load")
    assert day_order(editor)[:2] == ["party", "governance"]  # the shipped file's
    assert "默认文件" in editor.find_element(By.CSS_SELECTOR, ".console-pl-in-force").text
    # a lighter screen for a loaded test machine: three panels at every hour (the file's evening
    # and night windows removed), and a short refresh so the open wall's next one comes soon
    while editor.find_elements(By.CSS_SELECTOR, ".console-pl-set h3 button"):
        count = len(editor.find_elements(By.CSS_SELECTOR, ".console-pl-set"))
        click(editor, ".console-pl-set h3 button")
        wait_for(editor, lambda d, n=count: len(d.find_elements(By.CSS_SELECTOR, ".console-pl-set")) == n - 1)
    for panel in ("services", "participation", "cobuild", "map", "guide", "activities"):
        click(editor, f".set-day .console-pl-entry.panel-{panel} .console-pl-buttons button:nth-child(3)")
        wait_for(editor, lambda d, p=panel: p not in day_order(d), message=f"{panel} was not removed")
    file_order = day_order(editor)
    assert file_order == ["party", "governance", "league"]
    refresh = editor.find_element(By.ID, "console-pl-refresh")
    refresh.send_keys(Keys.CONTROL, "a")
    refresh.send_keys("3")
    click(editor, "#console-pl-save")
    saved_message(editor, "已保存为第")
    assert editor.find_element(By.ID, "console-pl-refresh").get_attribute("value") == "3"

    lobby = make_driver(1920, 1080)  # the lobby screen: a kiosk, its own browser
    try:
        lobby.get(console_app.url + console_app.kiosk)
        wait_for(lobby, lambda d: rotation(d) == file_order, timeout=120,
                 message="the lobby wall does not run the saved playlist")
        opened = lobby.execute_script("return window.CSBWall.loadedAt")

        # move 党建引领 down one: 基层治理 first
        click(editor, ".set-day .console-pl-entry.panel-party .console-pl-buttons button:nth-child(2)")
        wait_for(editor, lambda d: day_order(d)[:2] == ["governance", "party"], message="the panel did not move")
        click(editor, "#console-pl-save")
        wait_for(editor, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".console-pl-version")) == 2,
                 message="the second version is not listed")
        moved = ["governance", "party", *file_order[2:]]
        wait_for(lobby, lambda d: rotation(d) == moved, timeout=120, message="the open wall did not follow")
        assert lobby.execute_script("return window.CSBWall.loadedAt") == opened  # followed, not reloaded

        # restore the first version: 党建引领 first again, in the editor and on the wall
        click(editor, ".console-pl-version:last-child button")
        wait_for(editor, lambda d: any("已恢复" in e.text for e in d.find_elements(By.CSS_SELECTOR, ".console-done")),
                 message="the restore was not confirmed")
        wait_for(editor, lambda d: day_order(d) == file_order, message="the editor does not show the restored one")
        assert len(editor.find_elements(By.CSS_SELECTOR, ".console-pl-version")) == 3  # every version kept
        assert "本地区的第" in editor.find_element(By.CSS_SELECTOR, ".console-pl-in-force").text
        wait_for(lobby, lambda d: rotation(d) == file_order, timeout=120,
                 message="the wall did not follow the restore")
        assert lobby.execute_script("return window.CSBWall.loadedAt") == opened
    finally:
        quit_driver(lobby)


def test_an_editor_sets_a_communitys_target_and_the_overview_card_and_the_api_use_it(console_app, editor):
    editor.get(console_app.url + f"/console?tab=targets&area={COMMUNITY}")
    row = f".console-target-row.target-{RATE}"
    wait_for(editor, lambda d: d.find_elements(By.CSS_SELECTOR, row), message="the targets did not load")
    assert "95.0%（默认目标）" in editor.find_element(By.CSS_SELECTOR, row).text
    box = editor.find_element(By.CSS_SELECTOR, f"{row} input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("98.5")
    click(editor, "#console-target-save")
    wait_for(editor, lambda d: any("已保存" in e.text
                                   for e in d.find_elements(By.CSS_SELECTOR, ".console-targets .console-done")),
             message="the save was not confirmed")
    wait_for(editor, lambda d: "98.5%（社区设定）" in d.find_element(By.CSS_SELECTOR, row).text,
             message="the table does not show the community's target in force")

    editor.get(console_app.url + f"/?area={COMMUNITY}")
    card = f"#kpi-{RATE} .kpi-target"
    wait_for(editor, lambda d: "98.5%" in d.find_element(By.CSS_SELECTOR, card).text, timeout=60,
             message="the overview's card does not use the community's target")
    assert "社区设定" in editor.find_element(By.CSS_SELECTOR, card).text
    # the street's card keeps the catalogue's
    editor.get(console_app.url + f"/?area={SHAHE}")
    wait_for(editor, lambda d: "95.0%" in d.find_element(By.CSS_SELECTOR, card).text, timeout=60)
    assert "默认目标" in editor.find_element(By.CSS_SELECTOR, card).text

    year = editor.execute_script("return new Date().getFullYear()")
    answer = requests.get(f"{console_app.url}/api/v1/value", auth=("boss", PASSWORD), timeout=30,
                          params={"metric": RATE, "area": COMMUNITY, "start": f"{year}-01-01", "end": f"{year}-01-31"})
    assert answer.status_code == 200, answer.text[:300]
    assert (answer.json()["target"], answer.json()["target_source"]) == (0.985, "community")
