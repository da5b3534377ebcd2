"""The data-health page in a real browser, on a warehouse the real ETL loaded from messy samples."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from data import db, health

pytestmark = pytest.mark.browser


def _cards(browser, expected: int):
    WebDriverWait(browser, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".dh-card")) >= expected)
    return browser.find_elements(By.CSS_SELECTOR, ".dh-card")


def test_every_source_is_shown_with_its_status_and_latest_refusal(app_server, browser, sample_warehouse_url):
    engine = db.get_engine(sample_warehouse_url)
    expected = {entry["source"]: entry for entry in health.sources(engine=engine)}
    refused = health.recent_rejects(engine=engine)
    assert refused, "the sample exports are messy on purpose: the ETL must have refused some rows"

    browser.get(app_server.url + "/data")
    cards = {card.get_attribute("data-source"): card for card in _cards(browser, len(health.SOURCES))}
    assert set(health.SOURCES) <= set(cards)
    for source, card in cards.items():
        assert card.get_attribute("data-status") == expected[source]["status"], source
        assert card.find_element(By.CSS_SELECTOR, ".dh-badge").text.strip()

    newest = refused[0]
    card = cards[newest["source"]]
    # Reasons are worded "中文 / English"; the Chinese page shows the Chinese half.
    assert newest["reason"].split(" / ")[0] in card.find_element(By.CSS_SELECTOR, ".dh-reasons").text
    if newest["row_number"] is not None:
        assert f"第 {newest['row_number']} 行" in card.text

    # The grids below list the runs and the refused rows in full.
    WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#data-runs .ag-row")))
    runs_text = browser.find_element(By.ID, "data-runs").text
    assert "成功" in runs_text
    rejects_text = browser.find_element(By.ID, "data-rejects").text
    assert newest["reason"][:20] in rejects_text


def test_the_page_speaks_english_on_request(app_server, browser):
    browser.get(app_server.url + "/data?lang=en")
    cards = _cards(browser, len(health.SOURCES))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Data health"
    badges = {card.find_element(By.CSS_SELECTOR, ".dh-badge").text for card in cards}
    assert badges <= {"On time", "Due", "Overdue", "Failed", "Never loaded"}
    assert "Last loaded" in cards[0].text
