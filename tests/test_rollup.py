"""The monthly roll-up gives exactly the answers the daily facts give, and stays right.

One street (沙河街道): three of its communities and two grid cells with figures, a neighbouring street,
five months of daily flows with breakdowns, a stock reported several times a month, and
ratio parts, from mid-January to mid-June 2025 so that ranges start and end mid-month.
Every question is asked twice: with the roll-up not current (the query layer reads raw
facts) and with it refreshed (whole months come from the roll-up).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import delete, func, insert, select, update

from data import query, rollup
from data.catalog import load_catalog
from data.schema import area, etl_run, fact, fact_month, rollup_state

STREET, OTHER_STREET, DISTRICT = "510104011000", "510104014000", "510104000000"
A, B, C = "510104011001", "510104011002", "510104011003"
A1, A2 = "510104011001001", "510104011001002"
D = "510104014001"
LEAVES = [A1, A2, B, C, D]
FIRST, LAST = date(2025, 1, 17), date(2025, 6, 12)

FLOWS = ["hotline_received", "hotline_resolved", "hotline_on_time", "service_transactions"]
MEMBERS = {"service_transactions": ("channel", ["窗口", "自助终端", "网上"])}

PERIODS = {
    "whole months": (date(2025, 2, 1), date(2025, 4, 30)),
    "mid-month to mid-month": (date(2025, 1, 20), date(2025, 5, 10)),
    "one whole month": (date(2025, 3, 1), date(2025, 3, 31)),
    "within one month": (date(2025, 3, 5), date(2025, 3, 25)),
    "whole months then a partial one": (date(2025, 2, 1), date(2025, 6, 5)),
    "a year": (date(2025, 1, 1), date(2025, 12, 31)),
}
AREAS = [DISTRICT, STREET, A1, B]


def _facts(seed: int = 5) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    day = FIRST
    while day <= LAST:
        for leaf in LEAVES:
            if leaf == C and day.month == 4:
                continue  # a community with a quiet month
            received = int(rng.poisson(6))
            resolved = int(rng.binomial(received, 0.8))
            figures = {"hotline_received": received, "hotline_resolved": resolved,
                       "hotline_on_time": int(rng.binomial(resolved, 0.9))}
            for metric, v in figures.items():
                if v:
                    rows.append(dict(period=day, area_code=leaf, metric_code=metric, dimension="", member="", value=v))
            by_channel = rng.poisson([5, 3, 2])
            if by_channel.sum():
                rows.append(dict(period=day, area_code=leaf, metric_code="service_transactions", dimension="",
                                 member="", value=float(by_channel.sum())))
            for member, v in zip(MEMBERS["service_transactions"][1], by_channel):
                if v:
                    rows.append(dict(period=day, area_code=leaf, metric_code="service_transactions",
                                     dimension="channel", member=member, value=float(v)))
            # A stock reported on the 1st and the 15th: the month's latest value is the 15th's.
            if day.day in (1, 15) and leaf != A2:
                rows.append(dict(period=day, area_code=leaf, metric_code="party_members", dimension="", member="",
                                 value=float(100 + rng.integers(0, 50))))
        day += timedelta(days=1)
    return rows


def _run(conn, source: str = "hotline") -> int:
    return conn.execute(insert(etl_run).values(source=source, started_at=datetime(2025, 6, 13), status="success",
                                               finished_at=datetime(2025, 6, 13))).inserted_primary_key[0]


@pytest.fixture
def wh(engine):
    load_catalog(engine)  # the register has 沙河街道's communities and grid cells
    with engine.begin() as conn:
        conn.execute(insert(fact), _facts())
        _run(conn)
    return engine


def _refresh(engine) -> None:
    with engine.begin() as conn:
        rollup.refresh(conn)


def _answers(engine) -> dict:
    """Every kind of question the screens ask, over every area level and period shape."""
    out = {}
    for name, (start, end) in PERIODS.items():
        for where in AREAS:
            for metric in ["hotline_received", "party_members", "hotline_on_time_rate"]:
                out[("value", name, where, metric)] = query.value(metric, where, start, end, engine=engine)
            out[("member", name, where)] = query.value("service_transactions", where, start, end,
                                                       member=("channel", "自助终端"), engine=engine)
            out[("values", name, where)] = query.values(["hotline_resolution_rate", "party_members"], where,
                                                        start, end, engine=engine)
            for grain, metric in [("month", "hotline_received"), ("month", "party_members"),
                                  ("month", "hotline_on_time_rate"), ("year", "party_members"),
                                  ("year", "hotline_satisfaction_rate"), ("week", "hotline_received")]:
                out[("series", name, where, grain, metric)] = query.series(metric, where, start, end, grain,
                                                                         engine=engine)
        for metric in ("hotline_received", "party_members", "hotline_on_time_rate"):
            out[("breakdown", name, metric)] = query.breakdown(metric, STREET, start, end, engine=engine)
            out[("ranking", name, metric)] = query.ranking(metric, STREET, start, end, engine=engine)
            out[("breakdown_series", name, metric)] = query.breakdown_series(metric, DISTRICT, start, end,
                                                                             engine=engine)
        out[("breakdowns at once", name)] = query.breakdown_rows_many(
            (("service_transactions", start, end, "channel"), ("hotline_resolution_rate", start, end, "category"),
             ("party_members", start, end, "children")), STREET, engine=engine)
        out[("values at once", name)] = query.values_many(
            ((("hotline_received", "party_members"), start, end), (("hotline_on_time_rate",), start, end)),
            STREET, engine=engine)
        out[("by channel", name)] = query.breakdown("service_transactions", STREET, start, end, by="channel",
                                                    engine=engine)
        out[("grids", name)] = query.breakdown("hotline_received", A, start, end, engine=engine)
        out[("compare", name)] = query.compare_series("party_members", [STREET, A, OTHER_STREET], start, end,
                                                      engine=engine)
        out[("league", name)] = query.league_table(STREET, ["hotline_received", "party_members",
                                                            "hotline_on_time_rate"], start, end, engine=engine)
    for where in [None, *AREAS]:
        out[("latest", where)] = query.latest_period("hotline_received", where, engine=engine)
    return out


def _assert_same(raw: dict, from_rollup: dict) -> None:
    assert raw.keys() == from_rollup.keys()
    for key, expected in raw.items():
        got = from_rollup[key]
        if isinstance(expected, pd.DataFrame):
            assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, obj=str(key))
        elif isinstance(expected, (dict, float)):
            assert got == pytest.approx(expected, rel=1e-12), key
        else:
            assert got == expected, key


def test_answers_from_the_rollup_equal_answers_from_the_facts(wh):
    with wh.connect() as conn:
        assert not rollup.is_current(conn), "a warehouse filled by hand is read raw"
    raw = _answers(wh)
    _refresh(wh)
    with wh.connect() as conn:
        assert rollup.is_current(conn)
    _assert_same(raw, _answers(wh))


def test_a_stock_takes_the_latest_value_within_the_month_not_the_first(wh):
    _refresh(wh)
    with wh.connect() as conn:
        rolled = conn.execute(select(fact_month.c.value).where(
            fact_month.c.metric_code == "party_members", fact_month.c.area_code == B,
            fact_month.c.period == date(2025, 3, 1))).scalar()
        on_the_15th = conn.execute(select(fact.c.value).where(
            fact.c.metric_code == "party_members", fact.c.area_code == B, fact.c.period == date(2025, 3, 15))).scalar()
    assert rolled == on_the_15th
    assert query.value("party_members", B, date(2025, 3, 1), date(2025, 3, 31), engine=wh) == on_the_15th


def test_whole_months_are_answered_from_the_rollup_and_partial_months_from_the_facts(wh):
    _refresh(wh)
    march = (date(2025, 3, 1), date(2025, 3, 31))
    mid_march = (date(2025, 3, 2), date(2025, 3, 31))
    before = query.value("hotline_received", B, *march, engine=wh), query.value("hotline_received", B, *mid_march, engine=wh)
    with wh.begin() as conn:  # mark the roll-up's March row so its use shows
        conn.execute(update(fact_month).where(
            fact_month.c.metric_code == "hotline_received", fact_month.c.area_code == B, fact_month.c.dimension == "",
            fact_month.c.period == date(2025, 3, 1)).values(value=fact_month.c.value + 1000))
    assert query.value("hotline_received", B, *march, engine=wh) == before[0] + 1000
    assert query.value("hotline_received", B, *mid_march, engine=wh) == before[1]


def test_facts_changed_outside_a_load_are_read_raw_until_the_next_load(wh):
    _refresh(wh)
    march = (date(2025, 3, 1), date(2025, 3, 31))
    with wh.begin() as conn:
        conn.execute(update(fact).where(fact.c.metric_code == "hotline_received", fact.c.area_code == B,
                                        fact.c.period == date(2025, 3, 3), fact.c.dimension == "")
                     .values(value=fact.c.value + 500))
        _run(conn, "manual fix")  # the data version moves; the roll-up was not refreshed
    with wh.connect() as conn:
        assert not rollup.is_current(conn)
        raw_total = conn.execute(select(func.sum(fact.c.value)).where(
            fact.c.metric_code == "hotline_received", fact.c.area_code == B, fact.c.dimension == "",
            fact.c.period >= march[0], fact.c.period <= march[1])).scalar()
    assert query.value("hotline_received", B, *march, engine=wh) == raw_total
    with wh.begin() as conn:  # the next load finds the roll-up stale and rebuilds all of it
        run = _run(conn, "care")
        rollup.refresh_for_load(conn, run, ["elderly_meals"], [date(2025, 6, 1)], [C])
    with wh.connect() as conn:
        assert rollup.is_current(conn)
    assert query.value("hotline_received", B, *march, engine=wh) == raw_total


def test_the_rollup_stays_right_after_a_redelivery_replaces_facts(wh):
    from etl.load import Output, write

    _refresh(wh)
    # The hotline platform re-delivers April for community B with corrected figures.
    april = [date(2025, 4, 1) + timedelta(days=i) for i in range(30)]
    corrected = pd.DataFrame([
        {"period": d, "area_code": B, "metric_code": "hotline_received", "dimension": "", "member": "", "value": 2.0}
        for d in april
    ])
    result = write(wh, "hotline", ["hotline_received", "hotline_resolved", "hotline_on_time"], "april.csv",
                   "c0ffee", datetime(2025, 6, 14), Output(facts=corrected, rejects=pd.DataFrame(
                       columns=["row_number", "field", "reason", "raw"]), rows_read=30, rows_loaded=30,
                       periods=april, communities=[B]))
    assert result.status == "success"
    with wh.connect() as conn:
        assert rollup.is_current(conn), "the load refreshed the roll-up in its own transaction"
    assert query.value("hotline_received", B, date(2025, 4, 1), date(2025, 4, 30), engine=wh) == 60
    assert query.value("hotline_resolved", B, date(2025, 4, 1), date(2025, 4, 30), engine=wh) == 0
    from_rollup = _answers(wh)
    with wh.begin() as conn:  # the same warehouse read raw: forget the marker
        conn.execute(delete(rollup_state))
    _assert_same(_answers(wh), from_rollup)


def _month_rows(conn) -> pd.DataFrame:
    rows = conn.execute(select(fact_month).order_by(fact_month.c.metric_code, fact_month.c.dimension,
                                                    fact_month.c.area_code, fact_month.c.period,
                                                    fact_month.c.member)).all()
    return pd.DataFrame(rows, columns=rollup.COLUMNS)


def test_the_city_scale_generator_writes_the_rollup_a_refresh_would(engine):
    from etl import cityscale

    built = cityscale.build(engine, ["510104000000"], years=1, intensity=0.05, streets=[STREET], log=lambda *_: None)
    with engine.connect() as conn:
        assert rollup.is_current(conn)
        assert query.data_version(engine=engine) == built["run_id"], "the build is a successful load"
        written = _month_rows(conn)
        communities = conn.execute(select(func.count()).select_from(area).where(
            area.c.parent_code == STREET, area.c.level == "community")).scalar()
    assert built["facts"] > len(written) > 0, "months are fewer rows than days"
    assert communities >= 5
    with engine.begin() as conn:
        rollup.refresh(conn)
    with engine.connect() as conn:
        assert_frame_equal(_month_rows(conn), written, check_exact=False, rtol=1e-12)


def test_a_catalogue_change_keeps_a_current_rollup_current(engine, tmp_path):
    """Loading a changed catalogue touches no fact, so it must not force a full rebuild."""
    import shutil

    from data import rollup
    from data.catalog import load_catalog
    from data.settings import catalog_dir

    load_catalog(engine)
    with engine.begin() as conn:
        rollup.refresh(conn)
        assert rollup.is_current(conn)
    metrics_file = shutil.copy(catalog_dir() / "metrics.csv", tmp_path / "metrics.csv")
    metrics_file.write_text(metrics_file.read_text(encoding="utf-8").replace("Party members on the register",
                                                                              "Members on the register"), encoding="utf-8")
    load_catalog(engine, metrics_file)
    with engine.connect() as conn:
        assert rollup.is_current(conn)


def _stray_facts() -> list[dict]:
    """Facts under a community code the register does not know, and a grid cell of it."""
    rows = []
    for i, day in enumerate([date(2025, 3, 2), date(2025, 3, 28), date(2025, 5, 31), date(2025, 6, 1)]):
        for leaf in ("510104011099", "510104011099001"):
            rows.append(dict(period=day, area_code=leaf, metric_code="hotline_received", dimension="", member="",
                             value=float(3 + i)))
            rows.append(dict(period=day, area_code=leaf, metric_code="service_transactions", dimension="channel",
                             member="网上", value=float(1 + i)))
            rows.append(dict(period=day, area_code=leaf, metric_code="party_members", dimension="", member="",
                             value=float(40 + i)))
    return rows


@pytest.mark.parametrize("rolled_up", [False, True], ids=["raw", "roll-up"])
def test_short_ranges_sought_area_by_area_equal_the_key_range_scan(wh, monkeypatch, rolled_up):
    """Up to SKIP_DAYS days, fact is read by seeking each stored area's dates (a loose
    index scan over the key's area codes) instead of scanning the subtree's key range.
    Both must give the same answers, for areas the register does not know as well."""
    with wh.begin() as conn:
        conn.execute(insert(fact), _stray_facts())
        _run(conn)
    if rolled_up:
        _refresh(wh)
    from sqlalchemy import event

    statements = []

    def seen(conn, cursor, statement, *_):
        statements.append(statement)

    event.listen(wh, "before_cursor_execute", seen)
    monkeypatch.setattr(query, "SKIP_DAYS", 0)  # never seek: the key range, as before
    scanned = _answers(wh)
    assert not any("RECURSIVE" in s for s in statements)
    monkeypatch.undo()
    assert query.SKIP_DAYS > 31
    statements.clear()
    sought = _answers(wh)
    assert sum("RECURSIVE" in s for s in statements) > 50, "short ranges are sought"
    event.remove(wh, "before_cursor_execute", seen)
    _assert_same(scanned, sought)
    # The stray community counts in its street (month to date, the way the wall asks).
    march = (date(2025, 3, 1), date(2025, 3, 28))
    with wh.connect() as conn:
        raw_street = conn.execute(select(func.sum(fact.c.value)).where(
            fact.c.metric_code == "hotline_received", fact.c.dimension == "", fact.c.member == "",
            fact.c.area_code >= "510104011", fact.c.area_code < "510104011~",
            fact.c.period >= march[0], fact.c.period <= march[1])).scalar()
    assert query.value("hotline_received", STREET, *march, engine=wh) == raw_street
    assert query.latest_period("hotline_received", STREET, engine=wh) == date(2025, 6, 12)
