"""The data-health page in a real browser, on a warehouse the real ETL loaded from messy samples."""
from __future__ import annotations

import csv
import io

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from data import db, health
from layouts.ids import DataHealth
from support import wait_file, wait_for

pytestmark = pytest.mark.browser


def _cards(browser, expected: int):
    WebDriverWait(browser, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".dh-card")) >= expected)
    return browser.find_elements(By.CSS_SELECTOR, ".dh-card")


def test_every_source_is_shown_with_its_status_and_latest_refusal(reading_app_server, browser, sample_warehouse_url):
    engine = db.get_engine(sample_warehouse_url)
    expected = {entry["source"]: entry for entry in health.sources(engine=engine)}
    refused = health.recent_rejects(engine=engine)
    assert refused, "the sample exports are messy on purpose: the ETL must have refused some rows"

    browser.get(reading_app_server.url + "/data")
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


def test_the_page_speaks_english_on_request(reading_app_server, browser):
    browser.get(reading_app_server.url + "/data?lang=en")
    cards = _cards(browser, len(health.SOURCES))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Data health"
    badges = {card.find_element(By.CSS_SELECTOR, ".dh-badge").text for card in cards}
    assert badges <= {"On time", "Due", "Overdue", "Failed", "Never loaded"}
    assert "Last loaded" in cards[0].text


# ---------------------------------------------------------------- issue 12: reach, warnings apart, the download

@pytest.fixture(scope="module")
def ledger_server(tmp_path_factory):
    """A warehouse the real loader filled: the grid ledger of tests/test_etl_grid_events.py
    (two events kept with a field warning, one refused; data through 3 March 2025) and a
    hotline export refused whole (required columns missing)."""
    from data.catalog import load_catalog
    from etl import pipeline
    from etl.extract import RefusedFile
    from support import AppServer
    from test_etl_grid_events import EVENTS, NOW, write_ledger

    folder = tmp_path_factory.mktemp("ledger-warehouse")
    url = f"sqlite:///{folder / 'warehouse.db'}"
    engine = db.get_engine(url)
    load_catalog(engine)
    pipeline.load_location(engine, "grid_events", str(write_ledger(folder / "ledger.xlsx", EVENTS)), now=NOW)
    broken = folder / "hotline_2025-03.csv"
    broken.write_text("工单编号,随便\nA1,x\n", encoding="utf-8")
    with pytest.raises(RefusedFile):
        pipeline.load_location(engine, "hotline", str(broken), now=NOW)
    server = AppServer(url).start()
    yield server, engine
    server.stop()
    db.dispose_engines()


def _grid_rows(browser, grid: str) -> list[str]:
    """The row numbers a grid shows."""
    return sorted(e.text for e in browser.find_elements(
        By.CSS_SELECTOR, f"#{grid} .ag-center-cols-container .ag-row [col-id='row_number']"))


def _card(browser, source):
    return wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, f'.dh-card[data-source="{source}"]'))


def test_a_card_says_how_far_its_data_reaches_and_lists_warnings_apart_from_refusals(ledger_server, browser):
    server, engine = ledger_server
    browser.get(server.url + "/data")
    card = _card(browser, "grid_events")
    through = card.find_element(By.CSS_SELECTOR, ".dh-through")
    assert through.text == "数据截至2025年3月3日 · 已逾期" and through.get_attribute("data-reach") == "overdue"
    assert card.find_element(By.CSS_SELECTOR, ".dh-period-counts").text == "近30天：拒收 1 行 · 字段警告 2 行"
    refused = card.find_element(By.CSS_SELECTOR, ".dh-reasons").text
    warned = card.find_element(By.CSS_SELECTOR, ".dh-warnings").text
    assert "第 10 行 · 事件大类" in refused and "办结时间" not in refused
    assert "第 8 行 · 办结时间" in warned and "第 9 行 · 办结时间" in warned and "事件大类" not in warned
    # a source that feeds figures and never delivered a day says so; the area register has no dates
    assert _card(browser, "hotline").find_element(By.CSS_SELECTOR, ".dh-through").get_attribute("data-reach") == "never"
    assert not _card(browser, "areas").find_elements(By.CSS_SELECTOR, ".dh-through")

    # the grids below: refusals and warnings apart
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#data-warnings .ag-row"))
    wait_for(browser, lambda d: _grid_rows(d, DataHealth.REJECTS) == ["10"], message="the refused row is not listed")
    assert _grid_rows(browser, DataHealth.WARNINGS) == ["8", "9"]

    # worst first: whatever never delivered a day (the hotline too: its only file was refused),
    # then grid events (loaded on time, its data overdue), then the rest
    from layouts.data_health import source_name

    shown = [c.get_attribute("data-source") for c in browser.find_elements(By.CSS_SELECTOR, ".dh-card")]
    found = health.sources(engine=engine)
    assert shown == [e["source"] for e in health.ordered(found, name=lambda e: source_name(e, "zh"))]
    ranks = {e["source"]: health.severity_rank(e) for e in found}
    assert ranks["hotline"] == 0 and ranks["grid_events"] == health.STATUSES.index("overdue")
    assert shown.index("grid_events") == sum(rank == 0 for rank in ranks.values())


def test_a_refused_files_full_reason_unfolds(ledger_server, browser):
    server, engine = ledger_server
    [failed] = [r for r in health.recent_runs(engine=engine) if r["status"] == "failed"]
    browser.get(server.url + "/data")
    details = _card(browser, "hotline").find_element(By.CSS_SELECTOR, "details.dh-failure")
    assert details.find_element(By.TAG_NAME, "summary").text.startswith("hotline_2025-03.csv")
    details.find_element(By.TAG_NAME, "summary").click()
    message = wait_for(browser, lambda d: details.find_element(By.CSS_SELECTOR, ".dh-message").text)
    assert message == failed["message"] and "识别到的列 / columns recognised: 工单编号" in message


def test_the_download_holds_every_refusal_and_warning_with_the_stored_row(ledger_server, browser, tmp_path):
    server, _ = ledger_server
    browser.get(server.url + "/data?lang=en")
    _card(browser, "grid_events")
    browser.find_element(By.CSS_SELECTOR, f"#{DataHealth.PERIOD} label:last-child").click()  # "All"
    wait_for(browser, lambda d: _card(d, "grid_events").find_element(
        By.CSS_SELECTOR, ".dh-period-counts").text == "All: 1 refused · 2 field warnings")
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.find_element(By.ID, DataHealth.CSV).click()
    path = wait_file(tmp_path, ".csv")
    assert path.name.startswith("etl-rejects_all-")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read Chinese"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["Source", "Run", "Started", "File", "Row", "Field", "Reason", "Kind",
                             "Row as stored (personal data removed)"]
    assert sorted((r["Source"], r["Row"], r["Field"], r["Kind"]) for r in rows) == [
        ("Grid events", "10", "事件大类", "refused"),
        ("Grid events", "8", "办结时间", "field warning"),
        ("Grid events", "9", "办结时间", "field warning"),
    ]
    assert all(r["Row as stored (personal data removed)"].startswith("{") for r in rows)
    assert "13011112222" not in data.decode("utf-8-sig"), "personal data is never stored, so never downloaded"
