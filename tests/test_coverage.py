"""Each load records how far its data reaches, and a source's data-through date follows.

A daily delivery covers the days of its data, a monthly report its whole months; a
weekly delivery that replaces whole months of monthly stocks still covers only the days
it holds. Areas a source never reached have no data-through date at all (None), not an
old one and not today. On SQLite and on PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import insert, select

from data import coverage, db
from data.schema import area, etl_coverage, etl_run, fact
from etl.load import FACT_COLUMNS, Load, Output, month_days, write

HUIQUAN, CHUANGYE = "510104011001", "510104011002"  # 汇泉路社区, 创业社区: 沙河街道 (锦江区)
HUIQUAN_GRID = "510104011001001"
SHAHE, JINJIANG = "510104011000", "510104000000"
PENGZHOU_COMMUNITY, PENGZHOU_STREET = "510182001010", "510182001000"
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


def _facts(days, areas, metric="hotline_received", value=1.0) -> pd.DataFrame:
    return pd.DataFrame([{"period": d, "area_code": a, "metric_code": metric, "dimension": "", "member": "",
                          "value": value} for d in days for a in areas], columns=FACT_COLUMNS)


def _write(engine, source, facts, checksum, **extra):
    return write(engine, source, sorted(set(facts["metric_code"])), f"{checksum}.csv", checksum,
                 datetime(2025, 12, 5, 9), Output(facts=facts, rejects=NO_REJECTS, **extra))


def test_a_daily_delivery_covers_its_days_in_the_communities_it_reached(warehouse):
    days = [date(2025, 12, 1), date(2025, 12, 2), date(2025, 12, 4)]
    run = _write(warehouse, "hotline", _facts(days, [HUIQUAN, HUIQUAN_GRID, CHUANGYE]), "a")
    with warehouse.connect() as conn:
        rows = conn.execute(select(etl_coverage).order_by(etl_coverage.c.area_code)).all()
        street = conn.execute(select(area.c.code).where(area.c.level == "community", area.c.parent_code == SHAHE)
                              ).scalars().all()
    # An export that names no scope speaks for the streets it reaches: every community of 沙河街道.
    assert {r.area_code for r in rows} == set(street) and len(street) >= 10
    assert {(r.run_id, r.first_day, r.last_day) for r in rows} == {(run.run_id, date(2025, 12, 1), date(2025, 12, 4))}
    assert coverage.data_through("hotline", engine=warehouse) == date(2025, 12, 4)
    assert coverage.data_through("hotline", SHAHE, engine=warehouse) == date(2025, 12, 4)
    assert coverage.data_through("hotline", JINJIANG, engine=warehouse) == date(2025, 12, 4)
    assert coverage.data_through("hotline", HUIQUAN_GRID, engine=warehouse) == date(2025, 12, 4)
    # Never delivered: no date, neither for another street nor for another source.
    assert coverage.data_through("hotline", PENGZHOU_STREET, engine=warehouse) is None
    assert coverage.data_through("care", engine=warehouse) is None


def test_the_data_through_date_is_the_latest_delivery_per_area(warehouse):
    _write(warehouse, "hotline", _facts([date(2025, 12, 3)], [HUIQUAN]), "a")
    _write(warehouse, "hotline", _facts([date(2025, 11, 28)], [PENGZHOU_COMMUNITY]), "b")
    assert coverage.through(SHAHE, engine=warehouse) == {"hotline": date(2025, 12, 3)}
    assert coverage.through(PENGZHOU_STREET, engine=warehouse) == {"hotline": date(2025, 11, 28)}
    assert coverage.data_through("hotline", engine=warehouse) == date(2025, 12, 3)
    with pytest.raises(LookupError):
        coverage.through("510104999999", engine=warehouse)


def test_a_monthly_report_covers_its_whole_month(warehouse):
    facts = _facts([date(2025, 11, 1)], [HUIQUAN], metric="party_members", value=80)
    month = month_days(facts["period"])
    _write(warehouse, "party", facts, "p", covers=(month[0], month[-1]))
    assert coverage.data_through("party", SHAHE, engine=warehouse) == date(2025, 11, 30)


def test_a_delivery_covers_no_day_after_it_was_loaded(warehouse):
    """December's report loaded on 5 December (the tests load at 2025-12-05 09:00) reaches the 4th:
    the load day itself is not over, so it is never covered."""
    facts = _facts([date(2025, 12, 1)], [HUIQUAN], metric="party_members", value=80)
    month = month_days(facts["period"])
    _write(warehouse, "party", facts, "p", covers=(month[0], month[-1]))
    assert coverage.data_through("party", SHAHE, engine=warehouse) == date(2025, 12, 4)


def test_a_weekly_delivery_replacing_whole_months_covers_only_its_days(warehouse):
    facts = _facts([date(2025, 12, 1), date(2025, 12, 4)], [HUIQUAN], metric="volunteer_hours")
    _write(warehouse, "volunteers", facts, "v", periods=month_days(facts["period"]))
    assert coverage.data_through("volunteers", engine=warehouse) == date(2025, 12, 4)


def test_a_refused_or_unfinished_load_covers_nothing(warehouse):
    with Load(warehouse, "hotline", ["hotline_received"], "x.csv", "x", datetime(2025, 12, 5)) as load:
        load.add(Output(facts=_facts([date(2025, 12, 4)], [HUIQUAN]), rejects=NO_REJECTS))
        # no commit: the file was refused half-way
    assert coverage.data_through("hotline", engine=warehouse) is None
    with warehouse.connect() as conn:
        assert conn.execute(select(etl_coverage)).all() == []


def test_sources_without_facts_cover_nothing(warehouse):
    _write(warehouse, "content", pd.DataFrame(columns=FACT_COLUMNS), "c")
    assert coverage.through(engine=warehouse) == {}


def test_the_migration_derives_coverage_for_loads_made_before_it(warehouse):
    """A warehouse at revision 0002 with a daily and a monthly load gets their coverage, as the
    loader records it: the daily export speaks for its street, the report for its communities."""
    engine = warehouse  # created at head, with the area register
    cfg = db.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    with engine.begin() as conn:
        daily = conn.execute(insert(etl_run).values(source="hotline", started_at=datetime(2025, 12, 5),
                                                    status="success")).inserted_primary_key[0]
        monthly = conn.execute(insert(etl_run).values(source="party", started_at=datetime(2025, 12, 5),
                                                      status="success")).inserted_primary_key[0]
        failed = conn.execute(insert(etl_run).values(source="care", started_at=datetime(2025, 12, 5),
                                                     status="failed")).inserted_primary_key[0]
        rows = [(date(2025, 12, 2), HUIQUAN_GRID, "grid_events_reported", daily),
                (date(2025, 12, 3), HUIQUAN, "hotline_received", daily),
                (date(2025, 10, 1), CHUANGYE, "party_members", monthly),
                (date(2025, 11, 1), CHUANGYE, "party_members", monthly),
                (date(2025, 12, 4), HUIQUAN, "care_services", failed)]
        conn.execute(insert(fact), [{"period": p, "area_code": a, "metric_code": m, "dimension": "",
                                     "member": "", "value": 1.0, "run_id": r} for p, a, m, r in rows])
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        found = {(r.run_id, r.area_code): (r.first_day, r.last_day) for r in conn.execute(select(etl_coverage))}
        street = set(conn.execute(select(area.c.code).where(area.c.level == "community",
                                                            area.c.parent_code == SHAHE)).scalars())
    assert {code for run, code in found if run == daily} == street
    assert {span for (run, _), span in found.items() if run == daily} == {(date(2025, 12, 2), date(2025, 12, 3))}
    assert {k: v for k, v in found.items() if k[0] != daily} == {(monthly, CHUANGYE): (date(2025, 10, 1), date(2025, 11, 30))}


def test_a_metric_reaches_as_far_as_its_source_and_a_ratio_as_far_as_its_nearer_part(warehouse):
    from data import query

    _write(warehouse, "hotline", _facts([date(2025, 12, 4)], [HUIQUAN]), "h")
    _write(warehouse, "grid_events", _facts([date(2025, 12, 2)], [HUIQUAN], metric="grid_events_reported"), "g")
    info = query.metric_info("hotline_received", engine=warehouse)
    assert coverage.as_of(info, SHAHE, engine=warehouse) == date(2025, 12, 4)
    assert coverage.as_of(info, PENGZHOU_STREET, engine=warehouse) is None
    rate = query.metric_info("hotline_on_time_rate", engine=warehouse)
    parts = [query.metric_info(rate[role], engine=warehouse) for role in ("numerator", "denominator")]
    assert coverage.as_of(rate, SHAHE, engine=warehouse, parts=parts) == date(2025, 12, 4)
    assert coverage.as_of(query.metric_info("party_members", engine=warehouse), SHAHE, engine=warehouse) is None


def test_no_data_is_not_zero_but_a_covered_day_without_orders_is(warehouse):
    """Before the hotline's first delivery and in a street it never reached there is no
    figure (None); on a covered day without orders in a covered street there are 0."""
    from data import query

    _write(warehouse, "hotline", _facts([date(2025, 11, 3), date(2025, 11, 5)], [HUIQUAN]), "h")
    days = dict(query.trends(["hotline_received"], SHAHE, "2025-11-01", "2025-11-06", "day",
                             engine=warehouse)["hotline_received"])
    assert days[date(2025, 11, 3)] == 1 and days[date(2025, 11, 4)] == 0  # covered, no orders: zero
    assert days[date(2025, 11, 1)] is None and days[date(2025, 11, 6)] is None  # not covered: missing
    months = dict(query.trends(["hotline_received"], SHAHE, "2025-09-01", "2025-11-30", "month",
                               engine=warehouse)["hotline_received"])
    assert months == {date(2025, 9, 1): None, date(2025, 10, 1): None, date(2025, 11, 1): 2}
    assert query.value("hotline_received", PENGZHOU_STREET, "2025-11-01", "2025-11-30", engine=warehouse) is None
    assert query.value("hotline_received", SHAHE, "2025-11-01", "2025-11-30", engine=warehouse) == 2
    assert query.value("hotline_on_time_rate", PENGZHOU_STREET, "2025-11-01", "2025-11-30", engine=warehouse) is None
    # The delivery speaks for its street: a community of it without orders had none.
    rows = {r["key"]: r["value"] for r in query.breakdown_rows("hotline_received", SHAHE, "2025-11-01", "2025-11-30",
                                                                engine=warehouse)}
    assert rows[HUIQUAN] == 2 and rows[CHUANGYE] == 0
    assert query.value("hotline_received", PENGZHOU_COMMUNITY, "2025-11-01", "2025-11-30", engine=warehouse) is None


def test_a_source_that_never_delivered_has_no_figure_while_others_have(warehouse):
    """The hotline has loaded; the volunteers' system never has: its hours are missing
    everywhere (None), not 0, and the API says no_data, even though a fact-less sum is 0."""
    from data import query

    _write(warehouse, "hotline", _facts([date(2025, 11, 3)], [HUIQUAN]), "h")
    assert query.value("hotline_received", SHAHE, "2025-11-01", "2025-11-30", engine=warehouse) == 1
    assert query.value("volunteer_hours", SHAHE, "2025-11-01", "2025-11-30", engine=warehouse) is None
    assert query.value("volunteer_hours", HUIQUAN, "2025-11-01", "2025-11-30", engine=warehouse) is None
    days = dict(query.trends(["volunteer_hours"], SHAHE, "2025-11-01", "2025-11-03", "day",
                             engine=warehouse)["volunteer_hours"])
    assert set(days.values()) == {None}


def test_a_report_speaks_only_for_the_communities_in_it(warehouse):
    """The party report of a street without one community's row: that community's sessions
    are missing, not zero (a weekly or daily export speaks for its whole street)."""
    from data import query

    facts = _facts([date(2025, 11, 1)], [HUIQUAN], metric="party_three_sessions", value=4)
    month = month_days(facts["period"])
    _write(warehouse, "party", facts, "p", covers=(month[0], month[-1]), communities=[HUIQUAN])
    rows = {r["key"]: r["value"] for r in query.breakdown_rows("party_three_sessions", SHAHE, "2025-11-01",
                                                                "2025-11-30", engine=warehouse)}
    assert rows[HUIQUAN] == 4 and rows[CHUANGYE] is None


def test_a_community_metric_has_no_figure_for_a_grid_cell(warehouse):
    """12345 orders are recorded per community: its grid cells have no figure (not a row of
    zeros against the community's total); grid events, recorded per cell, do."""
    from data import query

    _write(warehouse, "hotline", _facts([date(2025, 11, 3)], [HUIQUAN], value=7), "h")
    _write(warehouse, "grid_events", _facts([date(2025, 11, 3)], [HUIQUAN_GRID], metric="grid_events_reported"), "g")
    assert query.value("hotline_received", HUIQUAN, "2025-11-01", "2025-11-30", engine=warehouse) == 7
    assert query.value("hotline_received", HUIQUAN_GRID, "2025-11-01", "2025-11-30", engine=warehouse) is None
    cells = query.breakdown_rows("hotline_received", HUIQUAN, "2025-11-01", "2025-11-30", engine=warehouse)
    assert cells and all(row["value"] is None for row in cells)
    grid = {r["key"]: r["value"] for r in query.breakdown_rows("grid_events_reported", HUIQUAN, "2025-11-01",
                                                                "2025-11-30", engine=warehouse)}
    assert grid[HUIQUAN_GRID] == 1 and set(grid.values()) <= {0, 1}


def test_a_month_is_missing_only_where_every_community_under_the_area_missed_it():
    """``Covered`` with ``gaps``: 汇泉路 missed October between two deliveries; 创业 did not."""
    spans = {"hotline": {HUIQUAN: (date(2025, 9, 1), date(2025, 11, 30)), CHUANGYE: (date(2025, 9, 1), date(2025, 11, 30))}}
    october = (date(2025, 10, 1), date(2025, 10, 31))
    one = coverage.Covered(spans, {"hotline": {HUIQUAN: (october,)}})
    assert not one("hotline", HUIQUAN, *october)  # the community's own October: missing, not 0
    assert one("hotline", HUIQUAN, date(2025, 9, 1), date(2025, 11, 30))  # a quarter around it: partly there
    assert one("hotline", CHUANGYE, *october) and one("hotline", SHAHE[:9], *october)  # the street has 创业's
    both = coverage.Covered(spans, {"hotline": {HUIQUAN: (october,), CHUANGYE: (october,)}})
    assert not both("hotline", SHAHE[:9], *october) and both("hotline", SHAHE[:9], date(2025, 11, 1), date(2025, 11, 30))
    # One community's deliveries ended in September and another's began in November: October has none.
    apart = coverage.Covered({"hotline": {HUIQUAN: (date(2025, 9, 1), date(2025, 9, 30)),
                                          CHUANGYE: (date(2025, 11, 1), date(2025, 11, 30))}})
    assert not apart("hotline", SHAHE[:9], *october) and apart("hotline", SHAHE[:9], date(2025, 9, 1), date(2025, 9, 30))


def test_gaps_are_the_days_between_two_loads_that_no_load_covers(warehouse):
    september, november = month_days([date(2025, 9, 1)]), month_days([date(2025, 11, 1)])
    for name, days in (("sep", september), ("nov", november)):
        facts = _facts([days[0]], [HUIQUAN], metric="party_members", value=80)
        _write(warehouse, "party", facts, name, covers=(days[0], days[-1]))
    found = coverage.gaps(engine=warehouse)["party"]
    assert found[HUIQUAN] == ((date(2025, 10, 1), date(2025, 10, 31)),)
    assert not coverage.covered(engine=warehouse)("party", HUIQUAN, date(2025, 10, 1), date(2025, 10, 31))
    assert coverage.covered(engine=warehouse)("party", HUIQUAN, date(2025, 11, 1), date(2025, 11, 30))


def test_a_gap_is_measured_from_the_furthest_day_any_earlier_load_reached(warehouse):
    """Loads that follow on, overlap or sit inside another leave no gap; a stretch after the
    furthest day reached so far does (the first half of October delivered late, the second never)."""
    loads = {"sep": (date(2025, 9, 1), date(2025, 9, 30)), "inside": (date(2025, 9, 10), date(2025, 9, 20)),
             "oct": (date(2025, 10, 1), date(2025, 10, 15)), "nov": (date(2025, 11, 1), date(2025, 11, 30)),
             "dec": (date(2025, 11, 20), date(2025, 12, 31))}
    for name, (first, last) in loads.items():
        _write(warehouse, "party", _facts([first], [HUIQUAN], metric="party_members", value=80), name,
               covers=(first, last))
    found = coverage.gaps(engine=warehouse)["party"]  # every community of the street the loads spoke for
    assert found[HUIQUAN] == ((date(2025, 10, 16), date(2025, 10, 31)),) and set(found.values()) == {found[HUIQUAN]}
