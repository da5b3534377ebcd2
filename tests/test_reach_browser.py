"""The explorer's participation card in real Chromium: people beside person-times.

The app serves the small sample warehouse built by the real ETL (沙河街道, three months). The
card shows each month's distinct people as the warehouse stores them, never a total over
months, and no pseudonym of the ETL's store ever reaches the page.
"""
from __future__ import annotations

import re
import sqlite3
from datetime import date

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import create_engine

from data import db, query
from support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHAHE = "510104011000"


def card_drawn(browser) -> bool:
    return bool(browser.execute_script(
        "var c = document.getElementById('reach-card');"
        "return c && c.style.display !== 'none' && document.querySelectorAll('#reach-card .main-svg').length >= 2"
        " && !document.querySelector('[data-dash-is-loading=\"true\"]');"))


def people_bars(browser) -> dict[str, float]:
    """{month: people} as the people chart draws them (its second bar trace)."""
    points = browser.execute_script(
        "var g = document.querySelector('#reach-people .js-plotly-plot');"
        "var t = g.data[1]; return t.x.map(function (x, i) { return [x, t.y[i]]; });")
    return {str(x)[:10]: y for x, y in points if y is not None}


def test_the_card_shows_each_months_people_beside_person_times(reading_app_server, browser, sample_warehouse_url):
    browser.get(f"{reading_app_server.url}/explore?metric=activity_participants&area={SHAHE}")
    wait_for(browser, card_drawn, message="the participation card did not draw")
    engine = create_engine(sample_warehouse_url)
    try:
        drawn = people_bars(browser)
        assert len(drawn) >= 2
        for month, people in drawn.items():
            first = date.fromisoformat(month)
            end = date(first.year + first.month // 12, first.month % 12 + 1, 1).toordinal() - 1
            stored = query.value("activity_reach", SHAHE, first, date.fromordinal(end), engine=engine)
            if stored is None:  # the current month, cut where its data ends
                continue
            assert people == stored, month
        summary = browser.find_element(By.ID, "reach-summary").text
        assert "人" in summary and "人次" in summary and "人均" in summary
        notes = browser.find_element(By.ID, "reach-notes").text
        assert "各月人数不能相加" in notes  # no total of people over the period, and the page says why
        # No pseudonym of the ETL's store is in the page.
        store = db.sqlite_file(sample_warehouse_url)
        assert store is not None
        with sqlite3.connect(store.with_name(store.stem + ".reach.db")) as conn:
            persons = {p for (p,) in conn.execute("SELECT DISTINCT person FROM seen")}
        assert persons
        page = browser.page_source + str(browser.execute_script(
            "return JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (g) {"
            " return g.data; }))"))
        assert not persons & set(re.findall(r"[0-9a-f]{32}", page))
    finally:
        engine.dispose()


def test_the_card_is_for_participation_metrics_only_and_speaks_english(reading_app_server, browser):
    browser.get(f"{reading_app_server.url}/explore?metric=volunteer_hours&area={SHAHE}&lang=en")
    wait_for(browser, card_drawn, message="the volunteers' card did not draw")
    assert "Reach" in browser.find_element(By.ID, "reach-title").text
    assert not browser.find_element(By.ID, "reach-age-part").is_displayed()  # volunteers give no age band
    browser.get(f"{reading_app_server.url}/explore?metric=hotline_received&area={SHAHE}")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#explore-trend .main-svg"))
    wait_for(browser, lambda d: not d.find_element(By.ID, "reach-card").is_displayed(),
             message="the card stayed for a metric without people")


def test_a_distinct_count_over_months_has_no_total_and_the_page_says_so(reading_app_server, browser):
    browser.get(f"{reading_app_server.url}/explore?metric=activity_reach&area={SHAHE}")
    wait_for(browser, lambda d: "不能相加" in d.find_element(By.ID, "explore-figure").text,
             message="the explorer did not say that months of people cannot be added up")
    drawn = "var g = document.querySelector('#explore-trend .js-plotly-plot');" \
            "return g && g.data && g.data.length ? g.data[0].y.filter(function (v) { return v !== null; }).length : 0;"
    # Each month its own count, drawn: the trend has its points though the period has no total.
    wait_for(browser, lambda d: d.execute_script(drawn) >= 2, message="the months of people were not drawn")
