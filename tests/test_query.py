"""The figures the screens show, checked against sums worked out by hand.

The warehouse below is one street (沙河街道) with three communities, two grid cells in
the first community, and a neighbouring street whose figures must never leak in:

    510100000000 成都市
      510104000000 锦江区
        510104011000 沙河街道
          510104011001 A  (grids 510104011001001 "A1", 510104011001002 "A2")
          510104011002 B
          510104011003 C  (no figures at all)
        510104012000 邻街 (other street)
          510104012001 D
"""
from __future__ import annotations

import csv
import math
from datetime import date, datetime

import pytest
from sqlalchemy import insert

from data import query, settings
from data.schema import area, etl_run, fact, metric

CITY, DISTRICT = "510100000000", "510104000000"
STREET, OTHER_STREET = "510104011000", "510104012000"
A, B, C, D = "510104011001", "510104011002", "510104011003", "510104012001"
A1, A2 = "510104011001001", "510104011001002"

AREAS = [
    (CITY, "成都市", "Chengdu", "city", None),
    (DISTRICT, "锦江区", "Jinjiang District", "district", CITY),
    (STREET, "沙河街道", "Shahe Subdistrict", "street", DISTRICT),
    (OTHER_STREET, "邻街街道", "Neighbour Subdistrict", "street", DISTRICT),
    (A, "A社区", "Community A", "community", STREET),
    (B, "B社区", "Community B", "community", STREET),
    (C, "C社区", "Community C", "community", STREET),
    (D, "D社区", "Community D", "community", OTHER_STREET),
    (A1, "A1网格", "Grid A1", "grid", A),
    (A2, "A2网格", "Grid A2", "grid", A),
]

# (period, area, metric, dimension, member, value)
FACTS = [
    # 12345 work orders received: on grid cells of A, on A itself, on B, and next door on D.
    (date(2025, 3, 3), A1, "hotline_received", "", "", 5),
    (date(2025, 3, 20), A1, "hotline_received", "", "", 3),
    (date(2025, 3, 5), A2, "hotline_received", "", "", 2),
    (date(2025, 4, 1), A, "hotline_received", "", "", 4),
    (date(2025, 3, 10), B, "hotline_received", "", "", 10),
    (date(2025, 5, 15), B, "hotline_received", "", "", 6),
    (date(2025, 3, 10), D, "hotline_received", "", "", 100),
    (date(2025, 3, 3), A1, "hotline_received", "category", "物业管理", 5),
    (date(2025, 3, 10), B, "hotline_received", "category", "物业管理", 7),
    (date(2025, 3, 10), B, "hotline_received", "category", "噪音扰民", 3),
    # resolved and on time: A 9 of 10 (90%), B 2 of 8 (25%); the street 11 of 18.
    (date(2025, 3, 5), A, "hotline_resolved", "", "", 10),
    (date(2025, 3, 5), A, "hotline_on_time", "", "", 9),
    (date(2025, 3, 10), B, "hotline_resolved", "", "", 8),
    (date(2025, 3, 10), B, "hotline_on_time", "", "", 2),
    (date(2025, 3, 10), B, "hotline_resolved", "category", "物业管理", 6),
    (date(2025, 3, 10), B, "hotline_resolved", "category", "噪音扰民", 2),
    # party members, a monthly stock: A reports in March and April, B only in March.
    (date(2025, 3, 1), A, "party_members", "", "", 100),
    (date(2025, 4, 1), A, "party_members", "", "", 110),
    (date(2025, 3, 1), B, "party_members", "", "", 50),
    (date(2025, 3, 1), D, "party_members", "", "", 70),
]

MARCH = (date(2025, 3, 1), date(2025, 3, 31))
SPRING = (date(2025, 3, 1), date(2025, 5, 31))


def catalogue_rows() -> list[dict]:
    with open(settings.catalog_dir() / "metrics.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for key, raw in row.items():
            row[key] = raw if raw != "" else None
        row["target"] = float(row["target"]) if row["target"] else None
    return rows


@pytest.fixture
def wh(engine):
    """The warehouse of the module docstring."""
    with engine.begin() as conn:
        conn.execute(insert(metric), catalogue_rows())
        conn.execute(insert(area), [
            {"code": code, "name": name, "name_en": name_en, "level": level, "parent_code": parent, "is_sample": True}
            for code, name, name_en, level, parent in AREAS
        ])
        conn.execute(insert(fact), [
            {"period": p, "area_code": a, "metric_code": m, "dimension": d, "member": mem, "value": v}
            for p, a, m, d, mem, v in FACTS
        ])
    return engine


def record_run(engine, status="success", finished=datetime(2025, 6, 1, 8, 0)):
    with engine.begin() as conn:
        return conn.execute(insert(etl_run).values(
            source="hotline", started_at=finished, finished_at=finished, status=status,
        )).inserted_primary_key[0]


# ---------------------------------------------------------------- flows, stocks, ratios

def test_a_flow_sums_grid_and_community_facts_over_the_period(wh):
    assert query.value("hotline_received", STREET, *MARCH, engine=wh) == 5 + 3 + 2 + 10
    assert query.value("hotline_received", STREET, *SPRING, engine=wh) == 20 + 4 + 6
    assert query.value("hotline_received", A, *SPRING, engine=wh) == 5 + 3 + 2 + 4
    assert query.value("hotline_received", A1, *SPRING, engine=wh) == 8


def test_a_neighbouring_street_never_leaks_in_but_the_district_sees_both(wh):
    assert query.value("hotline_received", OTHER_STREET, *MARCH, engine=wh) == 100
    assert query.value("hotline_received", DISTRICT, *SPRING, engine=wh) == 130
    assert query.value("hotline_received", CITY, *SPRING, engine=wh) == 130


def test_a_flow_without_rows_is_zero(wh):
    assert query.value("hotline_received", C, *SPRING, engine=wh) == 0
    assert query.value("hotline_received", STREET, date(2024, 1, 1), date(2024, 12, 31), engine=wh) == 0


def test_the_end_date_is_inclusive(wh):
    assert query.value("hotline_received", STREET, date(2025, 3, 20), date(2025, 3, 20), engine=wh) == 3


def test_day_by_day_figures_add_up_to_the_month(wh):
    # Single days and whole months may be read through different indexes on SQLite;
    # the figures must not depend on which.
    days = [date(2025, 3, d) for d in range(1, 32)]
    daily = [query.value("hotline_received", STREET, d, d, engine=wh) for d in days]
    assert sum(daily) == query.value("hotline_received", STREET, *MARCH, engine=wh) == 20


def test_a_stock_takes_each_areas_latest_value_in_the_period_then_sums(wh):
    # A's latest is April (110); B's latest is March (50): not 100 + 110 + 50, not 110 alone.
    assert query.value("party_members", STREET, date(2025, 3, 1), date(2025, 4, 30), engine=wh) == 160
    assert query.value("party_members", STREET, *MARCH, engine=wh) == 150
    assert query.value("party_members", DISTRICT, *SPRING, engine=wh) == 110 + 50 + 70


def test_a_stock_with_nothing_reported_is_unknown_not_zero(wh):
    assert query.value("party_members", C, *SPRING, engine=wh) is None
    assert query.value("party_members", STREET, date(2025, 1, 1), date(2025, 2, 28), engine=wh) is None


def test_a_ratio_divides_the_sums_and_never_averages_the_communities(wh):
    rate = query.value("hotline_on_time_rate", STREET, *MARCH, engine=wh)
    assert rate == pytest.approx(11 / 18)
    average_of_communities = (0.9 + 0.25) / 2
    assert rate != pytest.approx(average_of_communities)
    assert query.value("hotline_on_time_rate", A, *MARCH, engine=wh) == pytest.approx(0.9)


def test_a_ratio_without_a_denominator_is_unknown(wh):
    assert query.value("hotline_on_time_rate", C, *MARCH, engine=wh) is None
    assert query.value("hotline_satisfaction_rate", STREET, *MARCH, engine=wh) is None


def test_one_member_of_a_breakdown_instead_of_the_total(wh):
    assert query.value("hotline_received", STREET, *MARCH, member=("category", "物业管理"), engine=wh) == 12
    assert query.value("hotline_resolution_rate", STREET, *MARCH, member=("category", "噪音扰民"),
                       engine=wh) == pytest.approx(2 / 3)


def test_values_answers_the_whole_kpi_strip_at_once(wh):
    codes = ["hotline_received", "party_members", "hotline_on_time_rate", "hotline_satisfaction_rate"]
    strip = query.values(codes, STREET, *MARCH, engine=wh)
    assert strip == {code: query.value(code, STREET, *MARCH, engine=wh) for code in codes}
    assert strip["hotline_received"] == 20 and strip["party_members"] == 150


def test_values_many_answers_several_periods_in_one_statement_as_values_does_each(wh):
    codes = ("hotline_received", "party_members", "hotline_on_time_rate", "hotline_satisfaction_rate")
    asks = ((codes, *MARCH), (codes[:2], date(2025, 3, 1), date(2025, 4, 30)), (codes[2:], *SPRING),
            (("hotline_received",), date(2025, 3, 10), date(2025, 3, 12)))
    statements = []
    listen = sa_event_counter(wh, statements)
    try:
        many = query.values_many(asks, STREET, engine=wh)
    finally:
        listen()
    assert len(fact_reads(statements)) == 1
    assert many == [query.values(list(c), STREET, start, end, engine=wh) for c, start, end in asks]
    assert many[0]["hotline_received"] == 20 and many[0]["party_members"] == 150


def fact_reads(statements: list[str]) -> list[str]:
    """The statements that read facts (not the catalogue, the register or the loads' coverage)."""
    return [s for s in statements if "fact.value" in s or "fact_month.value" in s]


def sa_event_counter(engine, found: list):
    """Record the statements ``engine`` runs into ``found``; returns the way to stop."""
    from sqlalchemy import event

    def seen(conn, cursor, statement, *_):
        found.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    return lambda: event.remove(engine, "before_cursor_execute", seen)


# ---------------------------------------------------------------- series

def test_daily_series_has_every_day_with_zero_for_quiet_days(wh):
    s = query.series("hotline_received", STREET, date(2025, 3, 1), date(2025, 3, 7), "day", engine=wh)
    assert list(s.columns) == ["period", "value"]
    assert list(s["period"]) == [date(2025, 3, d) for d in range(1, 8)]
    assert list(s["value"]) == [0, 0, 5, 0, 2, 0, 0]


def test_weekly_buckets_start_on_monday(wh):
    s = query.series("hotline_received", STREET, date(2025, 3, 1), date(2025, 3, 20), "week", engine=wh)
    # 1 March 2025 is a Saturday: its week began on Monday 24 February.
    assert list(s["period"]) == [date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17)]
    assert list(s["value"]) == [0, 7, 10, 3]


def test_monthly_and_yearly_series(wh):
    months = query.series("hotline_received", STREET, date(2025, 2, 1), date(2025, 5, 31), engine=wh)
    assert list(months["period"]) == [date(2025, m, 1) for m in (2, 3, 4, 5)]
    assert list(months["value"]) == [0, 20, 4, 6]
    years = query.series("hotline_received", STREET, date(2024, 6, 1), date(2025, 12, 31), "year", engine=wh)
    assert list(years["period"]) == [date(2024, 1, 1), date(2025, 1, 1)]
    assert list(years["value"]) == [0, 30]


def test_stock_and_ratio_series_leave_unknown_months_empty(wh):
    members = query.series("party_members", STREET, date(2025, 2, 1), date(2025, 4, 30), engine=wh)
    assert math.isnan(members["value"][0])
    # April: only A reported; B's March level is carried into April's bucket as into April's value
    assert list(members["value"][1:]) == [150, 110 + 50]
    assert members["value"][2] == query.value("party_members", STREET, date(2025, 4, 1), date(2025, 4, 30), engine=wh)
    rate = query.series("hotline_on_time_rate", STREET, date(2025, 3, 1), date(2025, 4, 30), engine=wh)
    assert rate["value"][0] == pytest.approx(11 / 18)
    assert math.isnan(rate["value"][1])


def test_series_of_one_member(wh):
    s = query.series("hotline_received", STREET, *MARCH, "week", member=("category", "物业管理"), engine=wh)
    assert list(s["value"]) == [0, 5, 7, 0, 0, 0]  # weeks from Monday 24 February to Monday 31 March


def test_trends_of_several_metrics_match_their_series(wh):
    codes = ["hotline_received", "party_members", "hotline_on_time_rate"]
    got = query.trends(codes, STREET, date(2025, 2, 1), date(2025, 4, 30), engine=wh)
    assert list(got) == codes
    assert got["hotline_received"] == [(date(2025, 2, 1), 0), (date(2025, 3, 1), 20), (date(2025, 4, 1), 4)]
    assert got["party_members"] == [(date(2025, 2, 1), None), (date(2025, 3, 1), 150), (date(2025, 4, 1), 160)]
    for code in codes:  # the same figures as one series at a time, unknown as None instead of NaN
        one = query.series(code, STREET, date(2025, 2, 1), date(2025, 4, 30), engine=wh)
        assert [v for _, v in got[code]] == pytest.approx(
            [None if math.isnan(v) else v for v in one["value"]], nan_ok=True)


# ---------------------------------------------------------------- breakdowns

def test_breakdown_by_children_lists_every_community_largest_first(wh):
    b = query.breakdown("hotline_received", STREET, *SPRING, engine=wh)
    assert list(b.columns) == ["key", "label", "label_en", "value"]
    assert list(b["key"]) == [B, A, C]
    assert list(b["value"]) == [16, 14, 0]
    assert list(b["label"]) == ["B社区", "A社区", "C社区"]
    assert b["label_en"][0] == "Community B"


def test_breakdown_rows_are_the_breakdown_as_plain_rows(wh):
    rows = query.breakdown_rows("party_members", STREET, date(2025, 3, 1), date(2025, 4, 30), engine=wh)
    assert [(r["key"], r["label"], r["value"]) for r in rows] == [(A, "A社区", 110), (B, "B社区", 50), (C, "C社区", None)]
    by_item = query.breakdown_rows("hotline_received", STREET, *MARCH, by="category", engine=wh)
    assert [(r["key"], r["label_en"], r["value"]) for r in by_item] == [
        ("物业管理", "Property management", 12), ("噪音扰民", "Noise", 3)]


def test_breakdown_rows_many_answers_as_breakdown_rows_does_each_dimensions_in_one_statement(wh):
    asks = (("hotline_received", *MARCH, "category"), ("hotline_resolution_rate", *MARCH, "category"),
            ("party_members", date(2025, 3, 1), date(2025, 4, 30), "children"),
            ("hotline_received", *SPRING, "category"), ("hotline_on_time_rate", *MARCH, "children"))
    one = [query.breakdown_rows(metric, STREET, start, end, by, engine=wh) for metric, start, end, by in asks]
    statements: list = []
    listen = sa_event_counter(wh, statements)
    try:
        many = query.breakdown_rows_many(asks, STREET, engine=wh)
    finally:
        listen()
    assert many == one
    assert [(r["key"], r["value"]) for r in many[0]] == [("物业管理", 12), ("噪音扰民", 3)]
    by_dimension = [s for s in fact_reads(statements) if "substr" not in s]  # not by child areas
    assert len(by_dimension) == 1  # the three by category, together


def test_breakdown_of_a_community_by_its_grid_cells(wh):
    b = query.breakdown("hotline_received", A, *SPRING, engine=wh)
    assert dict(zip(b["key"], b["value"])) == {A1: 8, A2: 2}


def test_breakdown_of_a_stock_and_a_ratio_by_children(wh):
    stock = query.breakdown("party_members", STREET, date(2025, 3, 1), date(2025, 4, 30), engine=wh)
    assert list(stock["key"]) == [A, B, C]
    assert list(stock["value"][:2]) == [110, 50] and math.isnan(stock["value"][2])
    ratio = query.breakdown("hotline_on_time_rate", STREET, *MARCH, engine=wh)
    assert list(ratio["key"]) == [A, B, C]
    assert ratio["value"][0] == pytest.approx(0.9) and ratio["value"][1] == pytest.approx(0.25)
    assert math.isnan(ratio["value"][2])


def test_breakdown_by_dimension_labels_members_in_both_languages(wh):
    b = query.breakdown("hotline_received", STREET, *MARCH, by="category", engine=wh)
    assert list(b["key"]) == ["物业管理", "噪音扰民"]
    assert list(b["value"]) == [12, 3]
    assert list(b["label"]) == ["物业管理", "噪音扰民"]
    assert list(b["label_en"]) == ["Property management", "Noise"]


def test_a_ratio_by_dimension_divides_each_members_rows(wh):
    b = query.breakdown("hotline_resolution_rate", STREET, *MARCH, by="category", engine=wh)
    assert dict(zip(b["key"], b["value"])) == pytest.approx({"噪音扰民": 2 / 3, "物业管理": 6 / 12})


def test_breakdown_series_gives_every_month_for_every_community(wh):
    s = query.breakdown_series("hotline_received", STREET, date(2025, 3, 1), date(2025, 4, 30), engine=wh)
    assert list(s.columns) == ["period", "key", "label", "label_en", "value"]
    assert len(s) == 2 * 3
    march = s[s["period"] == date(2025, 3, 1)]
    assert dict(zip(march["key"], march["value"])) == {A: 10, B: 10, C: 0}
    april = s[s["period"] == date(2025, 4, 1)]
    assert dict(zip(april["key"], april["value"])) == {A: 4, B: 0, C: 0}


def test_breakdown_series_by_dimension(wh):
    s = query.breakdown_series("hotline_received", STREET, *MARCH, "month", by="category", engine=wh)
    assert list(zip(s["key"], s["value"])) == [("物业管理", 12), ("噪音扰民", 3)]


def test_compare_series_puts_areas_side_by_side(wh):
    s = query.compare_series("hotline_received", [STREET, OTHER_STREET], date(2025, 3, 1), date(2025, 4, 30),
                             engine=wh)
    assert {"period", "key", "label", "value"} <= set(s.columns)
    got = {(row.period, row.key): row.value for row in s.itertuples()}
    assert got == {
        (date(2025, 3, 1), STREET): 20, (date(2025, 3, 1), OTHER_STREET): 100,
        (date(2025, 4, 1), STREET): 4, (date(2025, 4, 1), OTHER_STREET): 0,
    }
    assert set(s["label"]) == {"沙河街道", "邻街街道"}


def test_compare_series_of_nested_areas_counts_each_in_full(wh):
    s = query.compare_series("hotline_received", [DISTRICT, STREET], *MARCH, engine=wh)
    assert dict(zip(s["key"], s["value"])) == {DISTRICT: 120, STREET: 20}


# ---------------------------------------------------------------- rankings

def test_ranking_honours_lower_is_better(wh):
    # Fewer work orders is better: C (none) first, then A (14), then B (16).
    r = query.ranking("hotline_received", STREET, *SPRING, engine=wh)
    assert list(r.columns) == ["code", "name", "name_en", "value", "rank"]
    assert list(r["code"]) == [C, A, B]
    assert list(r["rank"]) == [1, 2, 3]


def test_ranking_puts_areas_without_a_figure_last_and_unranked(wh):
    r = query.ranking("hotline_on_time_rate", STREET, *MARCH, engine=wh)
    assert list(r["code"]) == [A, B, C]
    assert list(r["rank"][:2]) == [1, 2]
    assert r["rank"].isna()[2]


def test_league_table_has_a_column_per_metric(wh):
    t = query.league_table(STREET, ["hotline_received", "party_members", "hotline_on_time_rate"],
                           date(2025, 3, 1), date(2025, 4, 30), engine=wh)
    assert list(t.columns) == ["code", "name", "name_en", "hotline_received", "party_members",
                               "hotline_on_time_rate"]
    assert list(t["code"]) == [A, B, C]
    assert list(t["hotline_received"]) == [14, 10, 0]
    assert list(t["party_members"][:2]) == [110, 50] and math.isnan(t["party_members"][2])
    assert t["hotline_on_time_rate"][0] == pytest.approx(0.9)
    assert t["hotline_on_time_rate"][1] == pytest.approx(0.25)


def test_an_area_without_children_has_an_empty_breakdown(wh):
    assert query.breakdown("hotline_received", A1, *SPRING, engine=wh).empty
    assert query.ranking("hotline_received", A1, *SPRING, engine=wh).empty


# ---------------------------------------------------------------- freshness and catalogue

def test_latest_period_is_the_as_of_date(wh):
    assert query.latest_period("hotline_received", engine=wh) == date(2025, 5, 15)
    assert query.latest_period("hotline_received", OTHER_STREET, engine=wh) == date(2025, 3, 10)
    assert query.latest_period("party_members", STREET, engine=wh) == date(2025, 4, 1)
    assert query.latest_period("hotline_on_time_rate", STREET, engine=wh) == date(2025, 3, 10)
    assert query.latest_period("elderly_meals", engine=wh) is None
    assert query.latest_period(["hotline_on_time_rate", "party_members"], STREET, engine=wh) == date(2025, 4, 1)
    assert query.latest_period(["hotline_received", "elderly_meals"], OTHER_STREET, engine=wh) == date(2025, 3, 10)


def test_data_version_follows_successful_runs_only(wh):
    assert query.data_version(engine=wh) == 0
    assert query.last_loaded_at(engine=wh) is None
    first = record_run(wh, finished=datetime(2025, 6, 1, 8, 0))
    record_run(wh, status="failed", finished=datetime(2025, 6, 2, 8, 0))
    assert query.data_version(engine=wh) == first
    assert query.last_loaded_at(engine=wh) == datetime(2025, 6, 1, 8, 0)


def test_a_new_load_makes_new_areas_visible(wh):
    assert len(query.breakdown("hotline_received", STREET, *MARCH, engine=wh)) == 3
    with wh.begin() as conn:
        conn.execute(insert(area).values(code="510104011004", name="新社区", name_en="New Community",
                                         level="community", parent_code=STREET, is_sample=True))
        conn.execute(insert(fact).values(period=date(2025, 3, 9), area_code="510104011004",
                                         metric_code="hotline_received", dimension="", member="", value=1))
    record_run(wh)
    b = query.breakdown("hotline_received", STREET, *MARCH, engine=wh)
    assert dict(zip(b["key"], b["value"]))["510104011004"] == 1


def test_metric_info_and_catalog(wh):
    info = query.metric_info("hotline_on_time_rate", engine=wh)
    assert info["kind"] == "ratio" and info["better"] == "higher" and info["target"] == pytest.approx(0.95)
    assert info["numerator"] == "hotline_on_time" and info["denominator"] == "hotline_resolved"
    assert query.metric_info("hotline_resolution_rate", engine=wh)["breakdowns"] == ["category"]
    assert query.metric_info("no_such_metric", engine=wh) is None
    cat = query.catalog(engine=wh)
    assert len(cat) == len(catalogue_rows())
    assert {"code", "target", "better", "unit", "unit_en", "kind", "dimensions", "domain"} <= set(cat.columns)
    assert list(dict.fromkeys(cat["domain"])) == ["party", "governance", "services", "cobuild"]


# ---------------------------------------------------------------- errors

def test_unknown_metric_and_area_are_lookup_errors(wh):
    with pytest.raises(query.UnknownMetric, match="no_such_metric"):
        query.value("no_such_metric", STREET, *MARCH, engine=wh)
    with pytest.raises(query.UnknownArea, match="510199999000"):
        query.series("hotline_received", "510199999000", *MARCH, engine=wh)
    with pytest.raises(LookupError):
        query.values(["hotline_received", "nope"], STREET, *MARCH, engine=wh)


@pytest.mark.parametrize("call, parameter", [
    (lambda e: query.series("hotline_received", STREET, *MARCH, "fortnight", engine=e), "grain"),
    (lambda e: query.breakdown("hotline_received", STREET, *MARCH, by="colour", engine=e), "by"),
    (lambda e: query.breakdown("hotline_on_time_rate", STREET, *MARCH, by="category", engine=e), "by"),
    (lambda e: query.value("hotline_received", STREET, date(2025, 4, 1), date(2025, 3, 1), engine=e), "start"),
    (lambda e: query.value("hotline_received", STREET, "March", date(2025, 3, 1), engine=e), "start"),
    (lambda e: query.value("hotline_received", STREET, date(2025, 3, 1), None, engine=e), "end"),
    (lambda e: query.value("hotline_received", STREET, *MARCH, member="category", engine=e), "member"),
])
def test_bad_arguments_name_the_parameter(wh, call, parameter):
    with pytest.raises(ValueError, match=parameter):
        call(wh)


def test_iso_date_strings_are_accepted_from_urls(wh):
    assert query.value("hotline_received", STREET, "2025-03-01", "2025-03-31", engine=wh) == 20
