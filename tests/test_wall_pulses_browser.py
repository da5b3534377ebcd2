"""The wall's "just in" list: a grid event loaded by the ETL appears at the next refresh,
with its category, community, time and status and nothing personal."""
from __future__ import annotations

from datetime import timedelta

import pytest

from data import db, settings
from etl import pipeline
from support import AppServer
from test_etl_grid_events import write_ledger
from test_wall_browser import open_wall, private_copy, wait

pytestmark = pytest.mark.timeout(180)

GOVERNANCE = """
refresh: 2
health_check: 1
panels:
  - id: governance
    duration: 60
"""


def pulses(driver) -> list[str]:
    return driver.execute_script(
        "var list = Array.from(document.querySelectorAll('[id^=\"{\"]')).find(function (el) {"
        " var id = JSON.parse(el.id); return id.type === 'wall-list' && id.list === 'pulses'; });"
        " return list ? Array.from(list.querySelectorAll('li')).map(function (li) { return li.innerText; }) : [];"
    )


@pytest.fixture
def governance_wall(sample_warehouse_url, tmp_path):
    url = private_copy(sample_warehouse_url, tmp_path)
    path = tmp_path / "playlist.yaml"
    path.write_text(GOVERNANCE, encoding="utf-8")
    server = AppServer(url, env={"CSB_PLAYLIST": str(path)}).start()
    yield server, url
    server.stop()
    db.dispose_engines()


def test_a_newly_loaded_grid_event_is_just_in_at_the_next_refresh(governance_wall, browser, tmp_path):
    server, url = governance_wall
    open_wall(browser, server)
    before = pulses(browser)
    assert before and all("·" in line for line in before), before  # the sample's orders and events

    reported = settings.local_now().replace(second=0, microsecond=0) - timedelta(minutes=2)
    event = ["EV-NEW-1", reported, "锦江区", "沙河街道", "汇泉路社区", "", "", "城市管理", "占道经营", "一般", "待受理", "",
             "赵网格员", "13900001111"]
    pipeline.load_location(db.get_engine(url), "grid_events", str(write_ledger(tmp_path / "new.xlsx", [event])))

    wait(browser, lambda d: pulses(d) and "城市管理" in pulses(d)[0] and f"{reported:%H:%M}" in pulses(d)[0], timeout=20,
         message=f"the new event never came in: {pulses(browser)}")
    first = pulses(browser)[0]
    assert "网格事件" in first and "汇泉路社区" in first and f"{reported:%H:%M}" in first and "待受理" in first
    assert "赵网格员" not in first and "13900001111" not in first and "EV-NEW-1" not in first
    assert pulses(browser)[1:] == before[:len(pulses(browser)) - 1]  # the rest move down one
