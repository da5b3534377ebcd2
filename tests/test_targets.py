"""Targets per metric, area and year (data/targets.py): the most specific one set wins, per
year, with the catalogue's as the fallback, and every reader says which one it used.

On SQLite and on PostgreSQL (``warehouse`` runs each test on both).
"""
from __future__ import annotations

from datetime import date

import pytest

from data import targets
from data.targets import TargetError

CITY, DISTRICT, STREET = "510100000000", "510104000000", "510104011000"  # 成都市 > 锦江区 > 沙河街道
COMMUNITY, OTHER = "510104011001", "510104011002"  # 汇泉路社区 and a neighbour in 沙河街道
GRID = "510104011001001"
RATE = "hotline_on_time_rate"  # the catalogue's target: 0.95


def set_(engine, metric, area, year, value, user="wangfang"):
    with engine.begin() as conn:
        return targets.set_target(conn, metric, area, year, value, user, engine=engine)


def test_without_a_target_set_the_catalogue_is_the_target_and_says_so(warehouse):
    found = targets.target_for(RATE, COMMUNITY, 2026, engine=warehouse)
    assert (found.value, found.source, found.area) == (0.95, "catalogue", None)
    assert found.words("zh") == "默认目标"
    assert targets.target_for("hotline_received", COMMUNITY, 2026, engine=warehouse) == targets.Target(None)


def test_community_beats_street_beats_district_beats_city_beats_catalogue(warehouse):
    set_(warehouse, RATE, CITY, 2026, 0.9)
    assert targets.target_for(RATE, COMMUNITY, 2026, engine=warehouse) == targets.Target(0.9, "city", CITY)
    set_(warehouse, RATE, DISTRICT, 2026, 0.92)
    assert targets.target_for(RATE, COMMUNITY, 2026, engine=warehouse) == targets.Target(0.92, "district", DISTRICT)
    set_(warehouse, RATE, STREET, 2026, 0.96)
    assert targets.target_for(RATE, COMMUNITY, 2026, engine=warehouse) == targets.Target(0.96, "street", STREET)
    set_(warehouse, RATE, COMMUNITY, 2026, 0.98)
    found = targets.target_for(RATE, COMMUNITY, 2026, engine=warehouse)
    assert found == targets.Target(0.98, "community", COMMUNITY)
    assert found.words("zh") == "社区设定" and found.words("en") == "set by the community"
    # the neighbour follows its street; the street itself its own; a grid cell its community
    assert targets.target_for(RATE, OTHER, 2026, engine=warehouse).source == "street"
    assert targets.target_for(RATE, STREET, 2026, engine=warehouse).value == 0.96
    assert targets.target_for(RATE, GRID, 2026, engine=warehouse) == targets.Target(0.98, "community", COMMUNITY)


def test_a_target_is_for_its_year_only(warehouse):
    set_(warehouse, RATE, STREET, 2026, 0.97)
    assert targets.target_for(RATE, COMMUNITY, 2026, engine=warehouse).value == 0.97
    assert targets.target_for(RATE, COMMUNITY, 2025, engine=warehouse).source == "catalogue"
    assert targets.target_for(RATE, COMMUNITY, 2027, engine=warehouse).source == "catalogue"


def test_the_latest_change_is_in_force_and_clearing_falls_back_to_the_area_above(warehouse):
    set_(warehouse, RATE, STREET, 2026, 0.96)
    set_(warehouse, RATE, COMMUNITY, 2026, 0.97)
    set_(warehouse, RATE, COMMUNITY, 2026, 0.99, user="lisi")
    assert targets.target_for(RATE, COMMUNITY, 2026, engine=warehouse).value == 0.99
    set_(warehouse, RATE, COMMUNITY, 2026, None)  # cleared: the street's again
    assert targets.target_for(RATE, COMMUNITY, 2026, engine=warehouse) == targets.Target(0.96, "street", STREET)
    with warehouse.connect() as conn:
        kept = targets.history(conn, COMMUNITY, 2026)
    assert [(r["value"], r["set_by"]) for r in kept] == [(None, "wangfang"), (0.99, "lisi"), (0.97, "wangfang")]


def test_a_lower_is_better_target_is_resolved_the_same_way(warehouse):
    set_(warehouse, "service_avg_wait", COMMUNITY, 2026, 8)
    assert targets.target_for("service_avg_wait", COMMUNITY, 2026, engine=warehouse).value == 8.0
    assert targets.target_for("service_avg_wait", OTHER, 2026, engine=warehouse) == targets.Target(10.0, "catalogue")


def test_applied_rows_keep_the_catalogue_target_and_say_where_theirs_came_from(warehouse):
    from data import query

    set_(warehouse, RATE, STREET, 2026, 0.97)
    info = query.metric_info(RATE, engine=warehouse)
    row = targets.applied(info, COMMUNITY, 2026, engine=warehouse)
    assert (row["target"], row["target_source"], row["target_area"], row["catalogue_target"]) == \
        (0.97, "street", STREET, 0.95)
    # applied again for another year: from the catalogue's, not from the street's
    again = targets.applied(row, COMMUNITY, 2025, engine=warehouse)
    assert (again["target"], again["target_source"]) == (0.95, "catalogue")
    assert targets.source_words(row, "zh") == "街道设定"


def test_applied_in_many_areas_at_once_is_applied_in_each(warehouse):
    """A league's rows: each its own area's target, every breadcrumb read in one statement."""
    from data import query

    set_(warehouse, RATE, STREET, 2026, 0.96)
    set_(warehouse, RATE, COMMUNITY, 2026, 0.98)
    infos = {code: query.metric_info(code, engine=warehouse) for code in (RATE, "hotline_received")}
    places = [COMMUNITY, OTHER, GRID, STREET, "510104999999"]  # the last one is not in the register
    each = targets.applied_each(infos, places, 2026, engine=warehouse)
    assert each == {place: targets.applied_all(infos, place, 2026, engine=warehouse) for place in places}
    assert [each[p][RATE]["target_source"] for p in places] == ["community", "street", "community", "street",
                                                                 "catalogue"]


@pytest.mark.parametrize(("field", "metric", "area", "year", "value"), [
    ("metric", "no_such_metric", COMMUNITY, 2026, 0.9),
    ("area", RATE, "510104999999", 2026, 0.9),
    ("year", RATE, COMMUNITY, "明年", 0.9),
    ("year", RATE, COMMUNITY, 1066, 0.9),
    ("value", RATE, COMMUNITY, 2026, "九十五"),
    ("value", RATE, COMMUNITY, 2026, -1),
    ("value", RATE, COMMUNITY, 2026, 95),  # a rate is stored as a fraction: 95 is a slip for 0.95
    ("value", RATE, COMMUNITY, 2026, float("nan")),
])
def test_a_bad_target_is_refused_naming_the_field_and_nothing_is_stored(warehouse, field, metric, area, year, value):
    with pytest.raises(TargetError) as caught:
        set_(warehouse, metric, area, year, value)
    assert caught.value.field == field and caught.value.reason
    with warehouse.connect() as conn:
        assert targets.read_in_force(conn) == {}


def test_the_overview_cards_are_judged_against_the_target_in_force(warehouse):
    from callbacks import overview
    from data import areas, periods

    set_(warehouse, RATE, COMMUNITY, 2026, 0.99)
    place = areas.get(COMMUNITY, engine=warehouse)
    cards = overview.kpi_cards([RATE, "hotline_satisfaction_rate"], place,
                               periods.Period(date(2026, 3, 1), date(2026, 3, 31), "", ""), engine=warehouse)
    assert (cards[RATE].info["target"], cards[RATE].info["target_source"]) == (0.99, "community")
    assert cards["hotline_satisfaction_rate"].info["target_source"] == "catalogue"
    # last year's cards keep the catalogue's
    before = overview.kpi_cards([RATE], place, periods.Period(date(2025, 3, 1), date(2025, 3, 31), "", ""),
                                engine=warehouse)
    assert before[RATE].info["target"] == 0.95


def test_the_walls_league_judges_each_row_against_its_own_areas_target(warehouse, warehouse_url, monkeypatch):
    from callbacks import wall
    from data import query

    monkeypatch.setenv("DATABASE_URL", warehouse_url)
    set_(warehouse, "hotline_satisfaction_rate", STREET, 2026, 0.92)
    set_(warehouse, "hotline_satisfaction_rate", COMMUNITY, 2026, 0.97)
    codes = [code for code, _ in wall.view.LEAGUE_METRICS]
    metrics = targets.applied_all({c: query.metric_info(c, engine=warehouse) for c in codes}, STREET, 2026,
                                  engine=warehouse)
    row = {"population": 10000, "activity_participants": 50.0, "volunteer_hours": 20.0,
           "hotline_satisfaction_rate": 0.95, "grid_events_closure_rate": 0.99}
    answer = {"level": "children", "area": STREET, "rows": [
        {**row, "code": COMMUNITY, "name": "汇泉路社区", "name_en": "Huiquanlu"},
        {**row, "code": OTHER, "name": "邻社区", "name_en": "Next door"}]}
    gaps = {r["name"]: r["gaps"][codes.index("hotline_satisfaction_rate")] for r in wall._league(answer, metrics, "zh",
                                                                                               year=2026)}
    assert gaps["汇泉路社区"]["below"] is True  # 95 % against its own 97 %
    assert gaps["邻社区"] == {"text": "达标", "below": False}  # 95 % against its street's 92 %
    notes = wall._league_notes(metrics, "zh")
    assert notes["league-note-hotline_satisfaction_rate"] == "目标92%·街道"
    assert notes["league-note-grid_events_closure_rate"] == "目标 95%"  # the catalogue's says no more
