"""The API says how far each figure reaches: ``as_of``, ``complete`` and, when a figure is
missing or not whole, a ``reason`` (DOMAIN.md, "Time, completeness and provenance").

The warehouse is written by the real loader (``etl.load.write``), loaded on Saturday
5 December 2026: the hotline delivered daily from 1 September to 4 December; the party
report monthly for September to November, November's without 创业社区, and December's
not yet. On SQLite and on PostgreSQL.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from data import db
from data.catalog import load_catalog
from etl.load import FACT_COLUMNS, Output, month_days, write
from support import api_app

HUIQUAN, CHUANGYE = "510104011001", "510104011002"  # 汇泉路社区, 创业社区: 沙河街道 (锦江区)
SHAHE, JINJIANG = "510104011000", "510104000000"
PENGZHOU_STREET = "510182001000"  # a street no source has reached
LOADED = datetime(2026, 12, 5, 9)
HOTLINE_FIRST, HOTLINE_LAST = date(2026, 9, 1), date(2026, 12, 4)
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


def _facts(days, areas, metric, value=1.0) -> pd.DataFrame:
    return pd.DataFrame([{"period": d, "area_code": a, "metric_code": metric, "dimension": "", "member": "",
                          "value": value} for d in days for a in areas], columns=FACT_COLUMNS)


def _deliver(engine) -> None:
    day, month = HOTLINE_FIRST, 0
    while day <= HOTLINE_LAST:  # one export a month, the last one through the 4th
        days = [d for d in (day + timedelta(days=i) for i in range(31)) if d.month == day.month and d <= HOTLINE_LAST]
        facts = _facts(days, [HUIQUAN, CHUANGYE], "hotline_received")
        write(engine, "hotline", ["hotline_received"], f"hotline-{day:%m}.csv", f"h{month}", LOADED,
              Output(facts=facts, rejects=NO_REJECTS))
        day, month = days[-1] + timedelta(days=1), month + 1
    for first, communities in ((date(2026, 9, 1), [HUIQUAN, CHUANGYE]), (date(2026, 10, 1), [HUIQUAN, CHUANGYE]),
                               (date(2026, 11, 1), [HUIQUAN])):
        facts = pd.concat([_facts([first], communities, "party_members", 100.0 + first.month),
                           _facts([first], communities, "party_three_sessions", 4.0)])
        month = month_days([first])
        write(engine, "party", ["party_members", "party_three_sessions"], f"party-{first:%m}.xlsx", f"p{first.month}",
              LOADED, Output(facts=facts, rejects=NO_REJECTS, covers=(month[0], month[-1]), communities=communities))


@pytest.fixture
def client(warehouse_url):
    with api_app(warehouse_url, "api-honest") as app:
        engine = db.get_engine(warehouse_url)
        load_catalog(engine)
        _deliver(engine)
        yield app.test_client()


def ask(client, path, **query):
    response = client.get(path, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def reach(figure: dict) -> tuple:
    return figure["as_of"], figure["complete"], figure["reason"]


def test_a_monthly_report_not_yet_delivered_is_null_and_says_so(client):
    december = ask(client, "/api/v1/value", metric="party_three_sessions", area=SHAHE,
                   start="2026-12-01", end="2026-12-31")
    assert december["value"] is None  # not 0: December's report has not come yet
    assert reach(december) == ("2026-11-30", False, "not_yet_reported")
    assert december["data_through"] == "2026-11-30"
    october = ask(client, "/api/v1/value", metric="party_three_sessions", area=SHAHE,
                  start="2026-10-01", end="2026-10-31")
    assert october["value"] == 8 and reach(october) == ("2026-10-31", True, None)


def test_a_community_that_missed_a_report_is_late_not_a_drop(client):
    november = ask(client, "/api/v1/breakdown", metric="party_three_sessions", area=SHAHE,
                   start="2026-11-01", end="2026-11-30")
    rows = {r["key"]: r for r in november["rows"]}
    # The report never covered Shahe's other communities: no figure there at all.
    assert {reach(r) for key, r in rows.items() if key not in (HUIQUAN, CHUANGYE)} == {(None, False, "no_data")}
    assert rows[HUIQUAN]["value"] == 4 and reach(rows[HUIQUAN]) == ("2026-11-30", True, None)
    assert rows[CHUANGYE]["value"] is None and reach(rows[CHUANGYE]) == ("2026-10-31", False, "not_yet_reported")
    # The street's November holds 汇泉路 only: reported as far as the 30th, but not by every community.
    street = ask(client, "/api/v1/value", metric="party_three_sessions", area=SHAHE, start="2026-11-01", end="2026-11-30")
    assert street["value"] == 4 and reach(street) == ("2026-11-30", False, "partly_reported")


def test_a_level_whose_latest_report_is_older_than_the_period_is_carried_forward_and_says_so(client):
    level = ask(client, "/api/v1/value", metric="party_members", area=HUIQUAN, start="2026-11-01", end="2026-12-31")
    assert level["value"] == 111 and reach(level) == ("2026-11-30", False, "carried_forward")


def test_a_partial_current_month_is_not_complete_and_says_how_far_it_reaches(client):
    december = ask(client, "/api/v1/value", metric="hotline_received", area=SHAHE, start="2026-12-01", end="2026-12-31")
    assert december["value"] == 8  # two communities, 1 to 4 December
    assert reach(december) == ("2026-12-04", False, "partial")
    november = ask(client, "/api/v1/value", metric="hotline_received", area=SHAHE, start="2026-11-01", end="2026-11-30")
    assert november["value"] == 60 and reach(november) == ("2026-11-30", True, None)


def test_a_ratio_without_a_denominator_is_null_and_says_why(client):
    """No work order was resolved (the hotline covers November, so that is a real 0): the on-time
    rate has no figure, though its data is complete."""
    body = ask(client, "/api/v1/value", metric="hotline_on_time_rate", area=SHAHE, start="2026-11-01", end="2026-11-30")
    assert body["value"] is None and reach(body) == ("2026-11-30", True, "no_denominator")


def test_series_points_before_the_first_delivery_are_null_with_no_data(client):
    body = ask(client, "/api/v1/series", metric="hotline_received", area=SHAHE, start="2026-06-01",
               end="2026-12-31", grain="month")
    points = {p["period"]: p for p in body["points"]}
    for month in ("2026-06-01", "2026-07-01", "2026-08-01"):
        assert points[month]["value"] is None and reach(points[month]) == (None, False, "no_data")
    assert points["2026-09-01"]["value"] == 60 and reach(points["2026-09-01"]) == ("2026-09-30", True, None)
    assert points["2026-11-01"]["complete"] is True
    assert reach(points["2026-12-01"]) == ("2026-12-04", False, "partial") and points["2026-12-01"]["value"] == 8
    assert body["data_through"] == "2026-12-04"

    days = ask(client, "/api/v1/series", metric="hotline_received", area=SHAHE, start="2026-12-03",
               end="2026-12-06", grain="day")["points"]
    assert [(p["value"], p["complete"], p["reason"]) for p in days] == [
        (2, True, None), (2, True, None), (None, False, "not_yet_reported"), (None, False, "not_yet_reported")]

    party = ask(client, "/api/v1/series", metric="party_members", area=SHAHE, start="2026-08-01", end="2026-12-31")
    assert [(p["value"], p["complete"], p["reason"]) for p in party["points"]] == [
        (None, False, "no_data"), (218, True, None), (220, True, None), (111 + 110, False, "carried_forward"),
        (None, False, "not_yet_reported")]  # 创业社区's October level carried into November; December not come


def test_areas_a_source_never_reached_have_no_data(client):
    body = ask(client, "/api/v1/value", metric="hotline_received", area=PENGZHOU_STREET,
               start="2026-11-01", end="2026-11-30")
    assert body["value"] is None and reach(body) == (None, False, "no_data") and body["data_through"] is None


def test_a_monthly_metric_in_a_window_that_cuts_months_is_not_complete(client):
    body = ask(client, "/api/v1/value", metric="party_three_sessions", area=HUIQUAN, start="2026-10-01",
               end="2026-10-15")
    assert body["value"] == 4 and reach(body) == ("2026-10-15", False, "not_whole_months")


def test_the_catalogue_says_each_metrics_source_grain_and_how_far_it_reaches(client):
    metrics = {m["code"]: m for m in ask(client, "/api/v1/metrics")["metrics"]}
    assert {k: metrics["party_members"][k] for k in ("source", "grain", "carry_months", "data_through")} == {
        "source": "party", "grain": "month", "carry_months": 2, "data_through": "2026-11-30"}
    assert {k: metrics["hotline_received"][k] for k in ("source", "grain", "carry_months", "data_through")} == {
        "source": "hotline", "grain": "day", "carry_months": None, "data_through": "2026-12-04"}
    # A ratio has no source of its own; it reaches as far as the nearer of its parts (both the hotline's).
    assert metrics["hotline_resolution_rate"]["source"] is None
    assert metrics["hotline_resolution_rate"]["data_through"] == "2026-12-04"
    assert metrics["grid_events_closure_rate"]["data_through"] is None
    assert metrics["care_services"]["data_through"] is None

    chuangye = ask(client, "/api/v1/metrics", code="party_members", area=CHUANGYE)
    assert chuangye["data_through"] == "2026-10-31"
    elsewhere = ask(client, "/api/v1/metrics", area=PENGZHOU_STREET, domain="governance")
    assert all(m["data_through"] is None for m in elsewhere["metrics"])
    unknown = client.get("/api/v1/metrics", query_string={"area": "510104099000"})
    assert unknown.status_code == 404 and unknown.get_json()["parameter"] == "area"

    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/metrics", query_string={"format": "csv"}).get_data(as_text=True))))
    party = next(r for r in rows if r["code"] == "party_members")
    assert (party["source"], party["grain"], party["carry_months"], party["data_through"]) == (
        "party", "month", "2", "2026-11-30")


def test_csv_answers_carry_the_same_columns(client):
    common = dict(metric="hotline_received", area=SHAHE, start="2026-11-01", end="2026-12-31", format="csv")

    def rows(path, **extra):
        response = client.get(path, query_string={**common, **extra})
        assert response.status_code == 200
        return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    [value] = rows("/api/v1/value")
    assert (value["as_of"], value["complete"], value["reason"]) == ("2026-12-04", "false", "partial")
    series = rows("/api/v1/series", grain="month")
    assert [(r["period"], r["as_of"], r["complete"], r["reason"]) for r in series] == [
        ("2026-11-01", "2026-11-30", "true", ""), ("2026-12-01", "2026-12-04", "false", "partial")]
    breakdown = rows("/api/v1/breakdown", metric="party_three_sessions", start="2026-11-01", end="2026-11-30")
    assert {r["key"]: (r["value"], r["complete"], r["reason"]) for r in breakdown if r["key"] in (HUIQUAN, CHUANGYE)} == {
        HUIQUAN: ("4.0", "true", ""), CHUANGYE: ("", "false", "not_yet_reported")}


def test_a_community_metric_at_a_grid_cell_is_null_and_says_why(client):
    """12345 orders are recorded per community: a grid cell of 汇泉路 has no figure of its own."""
    body = ask(client, "/api/v1/value", metric="hotline_received", area=HUIQUAN + "001", start="2026-11-01",
               end="2026-11-30")
    assert body["value"] is None and body["reason"] == "not_recorded_at_level"
