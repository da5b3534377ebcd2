"""The overview's 待办 / needs-action list in a real browser, against the sample warehouse."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from callbacks import todo
from data import db
from support import wait_for
from test_overview_browser import SHAHE, pick, wait_loaded


def shown(browser) -> list[dict]:
    """The list's rows as shown (every column by its id), in order."""
    return browser.execute_script("""
        const rows = [...document.querySelectorAll('#overview-todo .ag-center-cols-container .ag-row')];
        return rows.sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index')).map(r =>
            Object.fromEntries([...r.querySelectorAll('[col-id]')].map(c => [c.getAttribute('col-id'), c.innerText])));
    """)


@pytest.mark.browser
def test_the_list_shows_what_needs_action_and_filters_by_source(reading_app_server, browser, sample_warehouse_url):
    browser.get(f"{reading_app_server.url}/?area={SHAHE}&period=this_month")
    wait_loaded(browser)
    wait_for(browser, lambda d: shown(d), message="the needs-action list stayed empty")
    expected = todo.rows(SHAHE, ["hotline", "grid_events"], None, "zh", engine=db.get_engine(sample_warehouse_url))
    rows = shown(browser)
    assert len(rows) == min(10, len(expected))  # the first page
    assert [(r["source"], r["category"], r["community"], r["received"], r["status"]) for r in rows] == [
        (e["source"], e["category"], e["community"], e["received"], e["status"]) for e in expected[:len(rows)]]
    assert sorted(r["received"] for r in rows) == [r["received"] for r in rows]  # oldest first
    count = browser.find_element(By.ID, "overview-todo-count").text
    assert str(len(expected)) in count

    # Only 12345 orders: every line is an order, with its due time.
    box = browser.find_element(By.CSS_SELECTOR, "#overview-todo-source input[value='grid_events']")
    box.click()
    wait_for(browser, lambda d: shown(d) and all(r["source"] == "12345工单" for r in shown(d)),
             message="unticking grid events left events in the list")
    assert all(r["due"] for r in shown(browser))

    # The figures behind it open in the explorer with the area and the overview's period.
    pick(browser, "overview-period", "this_quarter")
    link = wait_for(browser, lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, ".todo-links a")
                                        if "period=this_quarter" in a.get_attribute("href")])
    assert f"area={SHAHE}" in link[0].get_attribute("href") and "metric=hotline_overdue" in link[0].get_attribute("href")
