"""The overview's league table (比学赶超) as a leader reads it: the chosen KPI beside the name,
its target and each area's gap to it, the areas short of it marked, counts per 1,000 residents
on request, and small counts of people still masked.

The figures are written by the real loader (``etl.load.write``) for three communities of
沙河街道 in November 2025, on SQLite and on PostgreSQL; what the table shows is checked
against ``query.value`` for each community.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from callbacks.overview import league_columns, league_rows
from data import areas, present, query
from etl.load import FACT_COLUMNS, Output, write
from layouts.overview import all_kpis

SHAHE = "510104011000"
HUIQUAN, CHUANGYE, TONGXIN = "510104011001", "510104011002", "510104011003"  # 汇泉路, 创业, 同心社区
NOVEMBER = (date(2025, 11, 1), date(2025, 11, 30))
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])

# per community: (resolved, on time, received, waiting minutes, transactions, participants)
FIGURES = {
    HUIQUAN: (20, 18, 300, 120, 10, 3),  # 90% on time: 5 points short of 95%; 12 minutes' wait: 2 over 10
    CHUANGYE: (20, 20, 400, 80, 10, 40),  # 100%: 5 points ahead; 8 minutes: 2 better than the target
    TONGXIN: (20, 19, 350, 100, 10, 50),  # exactly on target both ways: not short
}


def _load(engine, source: str, metrics: dict[str, int]):
    rows = [{"period": date(2025, 11, 10), "area_code": code, "metric_code": metric, "dimension": "", "member": "",
             "value": float(FIGURES[code][i])} for code in FIGURES for metric, i in metrics.items()]
    facts = pd.DataFrame(rows, columns=FACT_COLUMNS)
    write(engine, source, list(metrics), f"{source}.csv", source, datetime(2025, 12, 5, 9),
          Output(facts=facts, rejects=NO_REJECTS, covers=NOVEMBER))


@pytest.fixture
def league(warehouse):
    _load(warehouse, "hotline", {"hotline_resolved": 0, "hotline_on_time": 1, "hotline_received": 2})
    _load(warehouse, "services", {"service_wait_minutes": 3, "service_transactions": 4})
    _load(warehouse, "activities", {"activity_participants": 5})
    codes = all_kpis()
    infos = {code: query.metric_info(code, engine=warehouse) or {} for code in codes}
    table = query.league_table(SHAHE, codes, *NOVEMBER, engine=warehouse)
    return warehouse, infos, table


def _by_code(rows: list[dict]) -> dict[str, dict]:
    return {row["code"]: row for row in rows}


def test_the_chosen_rate_has_its_target_and_each_areas_gap_against_the_query(league):
    engine, infos, table = league
    rows = league_rows(table, infos, "hotline_on_time_rate", "zh")
    shown = _by_code(rows)
    info = infos["hotline_on_time_rate"]
    for code in FIGURES:
        rate = query.value("hotline_on_time_rate", code, *NOVEMBER, engine=engine)
        row = shown[code]
        assert row["hotline_on_time_rate"] == pytest.approx(round(rate * 100, 1))
        assert row["target"] == pytest.approx(info["target"] * 100) == pytest.approx(95.0)
        assert row["gap"] == pytest.approx(round((rate - info["target"]) * 100, 1))
    assert shown[HUIQUAN]["gap"] == pytest.approx(-5.0) and shown[HUIQUAN]["below"] is True
    assert shown[HUIQUAN]["gap_text"] == "▼ −5.0"  # marked by a sign and a glyph, not by colour alone
    assert shown[CHUANGYE]["gap_text"] == "+5.0" and shown[CHUANGYE]["below"] is False
    assert shown[TONGXIN]["gap"] == pytest.approx(0.0) and shown[TONGXIN]["below"] is False
    # best first: the table is ranked by the chosen rate, the area furthest short last of the three
    ranked = [row["code"] for row in rows if row["code"] in FIGURES]
    assert ranked == [CHUANGYE, TONGXIN, HUIQUAN]
    assert [shown[c]["rank"] for c in ranked] == sorted(shown[c]["rank"] for c in ranked)


def test_a_community_that_set_its_own_target_is_measured_against_it(league):
    """A community may aim higher than its street (``data.targets``): its row's target and gap
    are its own (同心 on 95% meets the catalogue's 95% but not its own 99%); the others keep
    the one in force above them."""
    from data import targets

    engine, infos, table = league
    with engine.begin() as conn:
        targets.set_target(conn, "hotline_on_time_rate", TONGXIN, 2025, 0.99, "test", engine=engine)
    in_force = {code: targets.applied_all(infos, code, 2025, engine=engine) for code in FIGURES}
    shown = _by_code(league_rows(table, infos, "hotline_on_time_rate", "zh", in_force=in_force))
    assert shown[TONGXIN]["target"] == pytest.approx(99.0)
    assert shown[TONGXIN]["gap"] == pytest.approx(-4.0) and shown[TONGXIN]["below"] is True
    assert shown[CHUANGYE]["target"] == pytest.approx(95.0) and shown[CHUANGYE]["gap"] == pytest.approx(5.0)


def test_where_lower_is_better_the_gap_turns_round(league):
    engine, infos, table = league
    shown = _by_code(league_rows(table, infos, "service_avg_wait", "en"))
    wait = {code: query.value("service_avg_wait", code, *NOVEMBER, engine=engine) for code in FIGURES}
    assert wait == {HUIQUAN: 12.0, CHUANGYE: 8.0, TONGXIN: 10.0}
    assert shown[HUIQUAN]["gap"] == pytest.approx(-2.0) and shown[HUIQUAN]["below"] is True
    assert shown[CHUANGYE]["gap"] == pytest.approx(2.0) and shown[CHUANGYE]["below"] is False
    assert shown[HUIQUAN]["target"] == pytest.approx(10.0)


def test_every_other_cell_short_of_its_target_is_marked(league):
    _, infos, table = league
    shown = _by_code(league_rows(table, infos, "hotline_received", "zh"))
    assert shown[HUIQUAN].get("hotline_on_time_rate__below") is True
    assert shown[HUIQUAN].get("service_avg_wait__below") is True
    assert "hotline_on_time_rate__below" not in shown[CHUANGYE] and "service_avg_wait__below" not in shown[TONGXIN]
    # a count has no target: no target or gap column when it is the one chosen
    assert "target" not in shown[HUIQUAN] and "gap" not in shown[HUIQUAN]


def test_counts_per_thousand_residents_rank_differently_and_keep_small_counts_masked(league):
    engine, infos, table = league
    people = {code: areas.population(code, engine=engine) for code in table["code"]}
    totals = _by_code(league_rows(table, infos, "hotline_received", "zh"))
    rates = _by_code(league_rows(table, infos, "hotline_received", "zh", per_1000=True, populations=people))
    # fewer orders is better: 汇泉路 has the fewest, but the most per resident
    assert totals[HUIQUAN]["rank"] < totals[CHUANGYE]["rank"]
    assert rates[CHUANGYE]["rank"] < rates[HUIQUAN]["rank"]
    for code in FIGURES:
        received = query.value("hotline_received", code, *NOVEMBER, engine=engine)
        assert rates[code]["hotline_received"] == pytest.approx(round(received / people[code] * 1000, 1))
        assert totals[code]["hotline_received"] == received
    # a rate stays a rate; a masked count of people stays masked as a rate (it would tell the count)
    assert rates[HUIQUAN]["hotline_on_time_rate"] == totals[HUIQUAN]["hotline_on_time_rate"]
    assert totals[HUIQUAN]["activity_participants"] == "<5" == rates[HUIQUAN]["activity_participants"]
    assert totals[CHUANGYE]["activity_participants"] == "*" == rates[CHUANGYE]["activity_participants"]
    assert rates[TONGXIN]["activity_participants"] == pytest.approx(round(50 / people[TONGXIN] * 1000, 1))


def test_the_chosen_kpi_sits_beside_the_name_with_its_gap_and_target(league):
    _, infos, _ = league
    fields = [c["field"] for c in league_columns(infos, "zh", sort_by="hotline_on_time_rate")]
    assert fields[:5] == ["rank", "name", "hotline_on_time_rate", "gap", "target"]
    assert sorted(fields[5:]) == sorted(code for code in all_kpis() if code != "hotline_on_time_rate")
    counts = league_columns(infos, "en", sort_by="elderly_meals", per_1000=True)
    assert [c["field"] for c in counts[:3]] == ["rank", "name", "elderly_meals"]
    assert "per 1,000 residents" in counts[2]["headerName"]
    assert "gap" not in [c["field"] for c in counts]
    rate = next(c for c in counts if c["field"] == "hotline_on_time_rate")
    assert "per 1,000" not in rate["headerName"]  # a rate is not divided again
    pinned = [c for c in counts if c.get("pinned")]
    assert sum(c["width"] for c in pinned) <= 170  # a 390 px phone keeps room for the figure


def test_per_thousand_is_the_walls_rule():
    from callbacks import wall

    assert wall.per_thousand is present.per_thousand
    assert present.per_thousand({"kind": "flow", "unit": "件"}) and present.per_thousand({"kind": "stock", "unit": "人"})
    assert not present.per_thousand({"kind": "ratio", "unit": "分钟"}) and not present.per_thousand({"unit": "%"})
    assert present.per_thousand_value(30, 12000) == pytest.approx(2.5)
    assert present.per_thousand_value(30, None) is None and present.per_thousand_value(None, 100) is None
