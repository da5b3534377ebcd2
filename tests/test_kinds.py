"""The roll-up rule (``data.kinds``) gives the same months in every form the code uses.

Random facts (flows and stocks, totals and members, several areas, stocks reported
several times a month) are rolled up by month five ways: the SQL refresh of
``fact_month`` (``data.rollup``, on SQLite and on PostgreSQL), the pandas form itself,
the city generator's ``month_rollup``, and a load's chunk-by-chunk roll-up
(``etl.monthly``). All must agree row for row; and the query layer's answer for a month
(``data.query``, read raw and from the roll-up) must equal the pandas form summed over
the street's areas.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from data import db, kinds, query, rollup
from data.catalog import load_catalog
from data.schema import etl_run, fact, fact_month, rollup_state
from etl import cityscale, monthly

STREET = "510104011000"
AREAS = ["510104011001", "510104011001001", "510104011002"]  # two communities of 沙河街道 and a grid cell
METRICS = ["hotline_received", "service_wait_minutes", "party_members", "volunteer_teams"]
STOCKS = {"party_members", "volunteer_teams"}
MEMBERS = [("", ""), ("category", "物业管理"), ("category", "噪音扰民")]
MONTHS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
SERIES = ["metric_code", "dimension", "area_code", "member"]

VALUES = st.one_of(st.integers(0, 500).map(float), st.integers(0, 100_000).map(lambda n: n / 10))
FACT = st.tuples(
    st.dates(min_value=MONTHS[0], max_value=date(2025, 3, 31)), st.sampled_from(AREAS), st.sampled_from(METRICS),
    st.sampled_from(MEMBERS), VALUES, st.integers(0, 2),  # the last: which chunk of a load writes it
)
FACTS = st.lists(FACT, unique_by=lambda f: f[:4], max_size=80)
PROPERTY = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _frame(facts) -> pd.DataFrame:
    frame = pd.DataFrame([
        {"period": pd.Timestamp(day), "area_code": area, "metric_code": metric, "dimension": dim, "member": member,
         "value": value, "chunk": chunk}
        for day, area, metric, (dim, member), value, chunk in facts
    ], columns=["period", "area_code", "metric_code", "dimension", "member", "value", "chunk"])
    return frame.astype({"period": "datetime64[ns]", "value": float, "chunk": int})


def _rows(frame: pd.DataFrame) -> list[tuple]:
    """fact_month rows as comparable tuples (values to 6 places: sums of tenths in any order)."""
    return sorted((str(r.period)[:10], r.area_code, r.metric_code, r.dimension, r.member, round(float(r.value), 6))
                  for r in frame.itertuples())


def _pandas(frame: pd.DataFrame) -> list[tuple]:
    months = frame.assign(month=frame["period"].dt.to_period("M").dt.start_time)
    out = kinds.over_time_frame(months, STOCKS, series=SERIES, bucket="month").rename(columns={"month": "period"})
    return _rows(out)


def _cityscale(frame: pd.DataFrame) -> list[tuple]:
    as_text = frame.assign(period=frame["period"].dt.strftime("%Y-%m-%d")).drop(columns="chunk")
    return _rows(cityscale.month_rollup(as_text, STOCKS))


def _load(frame: pd.DataFrame) -> list[tuple]:
    """As a load does it: each chunk rolled up as it is written, then the chunks combined."""
    parts = [monthly._by_month(chunk.drop(columns="chunk"), STOCKS) for _, chunk in frame.groupby("chunk")]
    return _rows(monthly._combine(parts, STOCKS)) if parts else []


def _sql(engine, frame: pd.DataFrame) -> list[tuple]:
    """Write the facts, refresh the whole roll-up in SQL as a new load, read it back."""
    with engine.begin() as conn:
        conn.execute(delete(fact))
        conn.execute(delete(fact_month))
        conn.execute(delete(rollup_state))
        if len(frame):
            conn.execute(insert(fact), frame.drop(columns="chunk").assign(
                period=frame["period"].dt.date).to_dict("records"))
        run = conn.execute(insert(etl_run).values(source="test", started_at=datetime(2025, 4, 1),
                                                  status="success")).inserted_primary_key[0]
        rollup.refresh(conn, run_id=run)
        found = conn.execute(select(fact_month)).all()
    return _rows(pd.DataFrame(found, columns=rollup.COLUMNS))


def _street_months(frame: pd.DataFrame, engine) -> dict[tuple, float]:
    """What the street should show for each stored metric's total over each month: the
    pandas form per area, summed over the areas. A stock's area without a report in the
    month counts with its latest one in the metric's carry-forward window before it
    (``kinds.reads_from``), as DOMAIN.md says an area that missed a report does."""
    totals = frame[(frame["dimension"] == "") & (frame["member"] == "")]
    found: dict[tuple, float] = {}
    for first in MONTHS:
        last = pd.Timestamp(rollup.next_month(first)) - pd.Timedelta(days=1)
        for metric in METRICS:
            info = query.metric_info(metric, engine=engine)
            since = pd.Timestamp(kinds.reads_from(info["kind"], first, info.get("carry_months")))
            rows = totals[(totals["metric_code"] == metric) & (totals["period"] >= since)
                          & (totals["period"] <= last)].assign(month=first)
            out = kinds.over_time_frame(rows, STOCKS, series=SERIES, bucket="month")
            if len(out):
                found[(metric, first)] = float(out["value"].sum())
    return found


def _check(engine, facts) -> None:
    frame = _frame(facts)
    expected = _pandas(frame)
    assert _cityscale(frame) == expected
    assert _load(frame) == expected
    assert _sql(engine, frame) == expected
    wanted = _street_months(frame, engine)
    for read in ("roll-up", "raw"):
        if read == "raw":
            with engine.begin() as conn:
                conn.execute(delete(rollup_state))
        for metric in METRICS:
            for first in MONTHS:
                last = rollup.next_month(first) - pd.Timedelta(days=1).to_pytimedelta()
                got = query.value(metric, STREET, first, last, engine=engine)
                want = wanted.get((metric, first))
                if want is None:
                    assert got in (None, 0), (read, metric, first)
                else:
                    assert got == pytest.approx(want, rel=1e-9), (read, metric, first)
            # Each month of a series is that month's figure: a stock's missed report is carried per bucket.
            months = query.trends([metric], STREET, MONTHS[0], date(2025, 3, 31), "month", engine=engine)[metric]
            for first, point in months:
                last = rollup.next_month(first) - pd.Timedelta(days=1).to_pytimedelta()
                assert point == query.value(metric, STREET, first, last, engine=engine), (read, metric, first)
            year = query.trends([metric], STREET, MONTHS[0], date(2025, 3, 31), "year", engine=engine)[metric]
            assert year == [(MONTHS[0], query.value(metric, STREET, MONTHS[0], date(2025, 3, 31), engine=engine))]


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory):
    engine = db.get_engine(f"sqlite:///{tmp_path_factory.mktemp('kinds') / 'warehouse.db'}")
    load_catalog(engine)
    yield engine
    db.dispose_engines()


@pytest.fixture(scope="module")
def pg_engine():
    from tests.conftest import pg_schema

    with pg_schema() as url:
        engine = db.get_engine(url)
        load_catalog(engine)
        yield engine


@PROPERTY
@given(FACTS)
def test_every_form_of_the_rollup_gives_the_same_months_on_sqlite(sqlite_engine, facts):
    _check(sqlite_engine, facts)


@pytest.mark.postgres
@settings(PROPERTY, max_examples=15)
@given(FACTS)
def test_every_form_of_the_rollup_gives_the_same_months_on_postgresql(pg_engine, facts):
    _check(pg_engine, facts)


def test_a_stock_counts_its_latest_value_in_the_month_per_area_and_member():
    """Worked example: two reports in a month for one area, one for another."""
    frame = pd.DataFrame({
        "metric_code": ["party_members"] * 3 + ["hotline_received"] * 2,
        "dimension": "", "member": "", "area_code": [AREAS[0], AREAS[0], AREAS[2], AREAS[0], AREAS[0]],
        "month": pd.Timestamp(2025, 3, 1),
        "period": pd.to_datetime(["2025-03-28", "2025-03-02", "2025-03-10", "2025-03-02", "2025-03-28"]),
        "value": [120.0, 100.0, 80.0, 4.0, 6.0],
    })
    out = kinds.over_time_frame(frame, STOCKS, series=SERIES, bucket="month", keep_period=True)
    got = {(r.metric_code, r.area_code): (r.value, r.period.day) for r in out.itertuples()}
    assert got == {("party_members", AREAS[0]): (120.0, 28), ("party_members", AREAS[2]): (80.0, 10),
                   ("hotline_received", AREAS[0]): (10.0, 1)}


def test_a_ratio_has_no_rollup():
    with pytest.raises(ValueError):
        kinds.over_time_sql(kinds.RATIO, series=[fact.c.area_code], bucket=fact.c.period, period=fact.c.period,
                            value=fact.c.value)
