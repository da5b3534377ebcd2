"""/data in a real browser after the ETL met a bad file (issue 19): quarantined and all-refused files."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from data import db
from support import wait_for

pytestmark = pytest.mark.browser

NOW_TEXT = "2026-12-01 09:30"


def build(folder) -> str:
    """A warehouse where a JSON file nested 5,000 deep failed twice (quarantined), its
    neighbour loaded, and a hotline export dated 1900 had every row refused."""
    from etl import pipeline
    from etl.extract import RefusedFile
    from test_etl_activities import signup, write_lines
    from test_etl_trust import deep_json, hotline_frame

    url = f"sqlite:///{folder / 'warehouse.db'}"
    engine = pipeline.prepare_warehouse(url)
    inbox = folder / "activities"
    inbox.mkdir()
    (inbox / "signups_deep.jsonl").write_text(deep_json() + "\n", encoding="utf-8")
    write_lines(inbox / "signups_good.jsonl", [signup("A1", "汇泉路社区", "文化", NOW_TEXT)])
    for _ in range(3):
        with pytest.raises(RefusedFile):
            pipeline.load_location(engine, "activities", str(inbox))
    old = folder / "hotline_1900.csv"
    hotline_frame([f"1900/3/{d} 9:05" for d in range(1, 8)]).to_csv(old, index=False, encoding="gbk")
    with pytest.raises(RefusedFile):
        pipeline.load_location(engine, "hotline", str(old))
    return url


@pytest.fixture(scope="module")
def trust_server(tmp_path_factory):
    from support import AppServer

    server = AppServer(build(tmp_path_factory.mktemp("trust-warehouse"))).start()
    yield server
    server.stop()
    db.dispose_engines()


def test_a_quarantined_file_is_shown_with_how_to_retry_it(trust_server, browser):
    browser.get(trust_server.url + "/data?lang=en")
    card = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, '.dh-card[data-source="activities"]'))
    assert card.get_attribute("data-status") == "failed"
    held = card.find_element(By.CSS_SELECTOR, "details.dh-failure-quarantined")
    assert held.find_element(By.TAG_NAME, "summary").text.startswith("quarantined · signups_deep.jsonl")
    assert "python -m etl retry" in held.find_element(By.CSS_SELECTOR, ".dh-quarantined").get_attribute(
        "textContent") and "signups_deep.jsonl" in held.get_attribute("textContent")

    hotline = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, '.dh-card[data-source="hotline"]'))
    assert hotline.get_attribute("data-status") == "failed"
    assert "every one of the 7 rows of" in hotline.find_element(By.CSS_SELECTOR, "details.dh-failure").text
    # the refused rows of the failed run are listed with their reasons
    assert "before 2000-01-01" in hotline.find_element(By.CSS_SELECTOR, ".dh-reasons").text
