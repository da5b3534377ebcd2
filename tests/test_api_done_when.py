"""Issue 12's "Done when", in the API's answers: a re-delivery that moves one community's
orders to another, and a closed event without its closing time (the other cases are in
tests/test_api_honest.py, tests/test_carry.py and tests/test_api.py; the browser's in
tests/test_honest_browser.py and tests/test_honest_done_when_browser.py). Written by the real loader; on SQLite and on PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from data import db
from data.catalog import load_catalog
from etl import pipeline
from etl.load import FACT_COLUMNS, Output, write
from support import api_app
from test_etl_grid_events import EVENTS, NOW, write_ledger

SHAHE, HUIQUAN, CHUANGYE = "510104011000", "510104011001", "510104011002"
NOVEMBER = [date(2025, 11, 1) + timedelta(days=i) for i in range(30)]
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


def _hotline(engine, per_day: dict[str, float], name: str) -> None:
    facts = pd.DataFrame([{"period": d, "area_code": a, "metric_code": "hotline_received", "dimension": "",
                           "member": "", "value": v} for d in NOVEMBER for a, v in per_day.items()],
                         columns=FACT_COLUMNS)
    write(engine, "hotline", ["hotline_received"], f"{name}.csv", name, datetime(2025, 12, 5, 9),
          Output(facts=facts, rejects=NO_REJECTS))


@pytest.fixture
def client(warehouse_url, tmp_path):
    with api_app(warehouse_url, "api-done-when") as app:
        engine = db.get_engine(warehouse_url)
        load_catalog(engine)
        _hotline(engine, {HUIQUAN: 2.0, CHUANGYE: 1.0}, "hotline-11")
        # The corrected export: every order of 汇泉路社区 belonged to 创业社区.
        _hotline(engine, {CHUANGYE: 3.0}, "hotline-11-corrected")
        pipeline.load_location(engine, "grid_events", str(write_ledger(tmp_path / "ledger.xlsx", EVENTS)), now=NOW)
        yield app.test_client()


def _value(client, metric, area, start, end) -> dict:
    response = client.get("/api/v1/value", query_string={"metric": metric, "area": area, "start": start, "end": end})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def test_a_redelivery_that_moves_orders_replaces_them(client):
    november = ("2025-11-01", "2025-11-30")
    assert _value(client, "hotline_received", SHAHE, *november)["value"] == 90  # not 150: nothing twice
    chuangye = _value(client, "hotline_received", CHUANGYE, *november)
    assert (chuangye["value"], chuangye["complete"]) == (90, True)
    huiquan = _value(client, "hotline_received", HUIQUAN, *november)
    assert (huiquan["value"], huiquan["complete"], huiquan["reason"]) == (0, True, None)  # covered: a real zero


def test_a_closed_event_without_its_closing_time_counts_as_closed_not_in_the_average(client):
    day = ("2025-03-03", "2025-03-03")
    # 创业社区: E5 (closed before it was reported) and E6 (closed, no 办结时间), E7 refused (its category).
    assert _value(client, "grid_events_reported", CHUANGYE, *day)["value"] == 2
    assert _value(client, "grid_events_closed", CHUANGYE, *day)["value"] == 2
    assert _value(client, "grid_events_closure_rate", CHUANGYE, *day)["value"] == 1.0
    hours = _value(client, "grid_events_avg_closure_hours", CHUANGYE, *day)
    assert hours["value"] is None and hours["reason"] == "no_denominator"  # no usable closing time, not 0 hours
    street = _value(client, "grid_events_avg_closure_hours", SHAHE, *day)
    assert street["value"] == pytest.approx((6 + 24) / 2)  # E1 and E2 only
