"""A community that missed one report is carried forward inside its street's sum, marked (issue 12).

DOMAIN.md: "an area that missed a report is carried forward, marked, rather than dropping out
of a sum". A stock (party members) takes, per community, its latest report in the period or,
when it has none there, its latest one in the metric's ``carry_months`` before it
(``kinds.reads_from``). Before, one refused row made a street's April read as a drop
(成龙路街道 815 → 669 → 808, "党员总数 环比 ▼17.9%").

The party report is written by the real loader (``etl.load.write``) as its source does: one
delivery for February to May covering three communities of 沙河街道, the row of one of them
missing (refused) for April. On SQLite and on PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from callbacks.overview import OK, attention_items, kpi_cards
from data import areas, db, kinds, periods, query
from data.catalog import load_catalog
from etl.load import FACT_COLUMNS, Output, month_days, write
from support import api_app

SHAHE = "510104011000"  # 沙河街道
HUIQUAN, CHUANGYE, TONGXIN = "510104011001", "510104011002", "510104011003"
FEB, MAR, APR, MAY = (date(2026, m, 1) for m in (2, 3, 4, 5))
APRIL = periods.Period(APR, periods.month_end(APR), "4月", "April", "month")
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])
#: party_members per community and month; 同心社区's April row was refused.
REPORTS = {
    HUIQUAN: {FEB: 300.0, MAR: 310.0, APR: 320.0, MAY: 330.0},
    CHUANGYE: {FEB: 200.0, MAR: 205.0, APR: 210.0, MAY: 215.0},
    TONGXIN: {FEB: 150.0, MAR: 160.0, MAY: 170.0},
}


def _deliver(engine, reports: dict[str, dict[date, float]]) -> None:
    """One party report for February to May; a community is covered when it sent any row."""
    facts = pd.DataFrame([{"period": month, "area_code": code, "metric_code": "party_members", "dimension": "",
                           "member": "", "value": value}
                          for code, months in reports.items() for month, value in months.items()],
                         columns=FACT_COLUMNS)
    days = month_days([FEB, MAY])
    write(engine, "party", ["party_members"], "party.xlsx", "party", datetime(2026, 6, 5, 9),
          Output(facts=facts, rejects=NO_REJECTS, covers=(days[0], days[-1]), communities=sorted(reports)))


def _month(first: date) -> tuple[date, date]:
    return first, periods.month_end(first)


def test_the_carry_window_is_the_catalogues_and_only_a_stocks():
    assert kinds.reads_from(kinds.STOCK, date(2026, 4, 10), 2) == FEB
    assert kinds.reads_from(kinds.STOCK, APR, 2, "month") == FEB  # a series of whole months: carried per bucket
    assert kinds.carry_shifts(kinds.STOCK, 2, "month") == 2 and kinds.carry_shifts(kinds.STOCK, 2, None) == 0
    assert kinds.reads_from(kinds.STOCK, APR, 2, "week") == APR  # a week is not carried
    assert kinds.carry_shifts(kinds.FLOW, 2, "month") == 0
    assert kinds.reads_from(kinds.FLOW, APR, 2) == APR
    assert kinds.reads_from(kinds.STOCK, APR, None) == APR


def test_a_missed_report_is_carried_inside_the_street_sum(warehouse):
    _deliver(warehouse, REPORTS)
    value = lambda area, month: query.value("party_members", area, *_month(month), engine=warehouse)  # noqa: E731
    assert value(SHAHE, MAR) == 310 + 205 + 160
    assert value(SHAHE, APR) == 320 + 210 + 160  # 同心社区's March level, not 530 (a false ▼)
    assert value(SHAHE, MAY) == 330 + 215 + 170  # exact: everyone reported
    assert value(TONGXIN, APR) == 160
    assert value(SHAHE, date(2026, 1, 1)) is None  # before the first report: nothing to carry
    assert query.values(["party_members"], SHAHE, *_month(APR), engine=warehouse) == {"party_members": 690}
    rows = {r["key"]: r["value"] for r in query.breakdown_rows("party_members", SHAHE, *_month(APR),
                                                                engine=warehouse)}
    assert (rows[HUIQUAN], rows[CHUANGYE], rows[TONGXIN]) == (320, 210, 160)
    ranked = query.ranking("party_members", SHAHE, *_month(APR), engine=warehouse)
    assert dict(zip(ranked["code"], ranked["value"]))[TONGXIN] == 160
    league = query.league_table(SHAHE, ["party_members"], *_month(APR), engine=warehouse)
    assert dict(zip(league["code"], league["party_members"]))[TONGXIN] == 160
    assert query.carried("party_members", SHAHE, *_month(APR), engine=warehouse) == ((TONGXIN, MAR),)
    assert query.carried("party_members", SHAHE, *_month(MAY), engine=warehouse) == ()
    assert query.carried("party_three_sessions", SHAHE, *_month(APR), engine=warehouse) == ()


def test_a_report_missing_longer_than_the_window_drops_out(warehouse):
    reports = {**REPORTS, TONGXIN: {FEB: 150.0}}  # 同心社区 reported for February only
    _deliver(warehouse, reports)
    value = lambda area, month: query.value("party_members", area, *_month(month), engine=warehouse)  # noqa: E731
    assert value(SHAHE, APR) == 320 + 210 + 150  # February is within April's two months
    assert value(TONGXIN, MAY) is None  # February is not within May's: gone, not a level
    assert value(SHAHE, MAY) == 330 + 215


def test_where_no_report_is_missing_the_figures_are_the_periods_own(warehouse):
    reports = {**REPORTS, TONGXIN: {**REPORTS[TONGXIN], APR: 90.0}}  # lower than March: never replaced by it
    _deliver(warehouse, reports)
    assert query.value("party_members", SHAHE, *_month(APR), engine=warehouse) == 320 + 210 + 90
    assert query.carried("party_members", SHAHE, *_month(APR), engine=warehouse) == ()
    series = query.series("party_members", SHAHE, FEB, periods.month_end(MAY), "month", engine=warehouse)
    assert list(series["value"]) == [650, 675, 620, 715]


def test_the_overview_card_shows_no_false_drop(warehouse):
    _deliver(warehouse, REPORTS)
    cards = kpi_cards(["party_members"], areas.get(SHAHE, engine=warehouse), APRIL, engine=warehouse)
    card = cards["party_members"]
    assert card.state == OK and (card.value, card.before) == (690, 675) and card.comparable
    items = attention_items({"party_members": card.info}, {"party_members": card.value},
                            {"party_members": card.before}, area=SHAHE, lang="zh")
    assert not [i for i in items if "党员总数" in i["text"]]  # no "党员总数 环比 ▼…"


@pytest.fixture
def client(warehouse_url):
    with api_app(warehouse_url, "api-carry") as app:
        engine = db.get_engine(warehouse_url)
        load_catalog(engine)
        _deliver(engine, REPORTS)
        yield app.test_client()


def _ask(client, path, **args) -> dict:
    response = client.get(path, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def test_the_api_marks_a_sum_holding_a_carried_report(client):
    april = _ask(client, "/api/v1/value", metric="party_members", area=SHAHE, start="2026-04-01", end="2026-04-30")
    assert (april["value"], april["complete"], april["reason"]) == (690, False, "carried_forward")
    may = _ask(client, "/api/v1/value", metric="party_members", area=SHAHE, start="2026-05-01", end="2026-05-31")
    assert (may["value"], may["complete"], may["reason"]) == (715, True, None)
    rows = {r["key"]: r for r in _ask(client, "/api/v1/breakdown", metric="party_members", area=SHAHE,
                                      start="2026-04-01", end="2026-04-30")["rows"]}
    assert (rows[TONGXIN]["value"], rows[TONGXIN]["reason"]) == (160, "carried_forward")
    assert (rows[HUIQUAN]["value"], rows[HUIQUAN]["reason"]) == (320, None)
    spec = _ask(client, "/api/v1/openapi.json")
    assert "carry_months" in str(spec) and "carried_forward" in str(spec)


def test_a_community_whose_report_stops_is_named_and_its_carried_street_compared(warehouse):
    """Coverage says 同心社区's data stops in March: the card names it ("1个社区未报送"), and its
    March level inside April's sum makes the change like-for-like, so it is compared."""
    _deliver(warehouse, {code: months for code, months in REPORTS.items() if code != TONGXIN})
    days = month_days([FEB, MAR])
    facts = pd.DataFrame([{"period": month, "area_code": TONGXIN, "metric_code": "party_members", "dimension": "",
                           "member": "", "value": value} for month, value in ((FEB, 150.0), (MAR, 160.0))],
                         columns=FACT_COLUMNS)
    write(warehouse, "party", ["party_members"], "tongxin.xlsx", "tongxin", datetime(2026, 6, 5, 9),
          Output(facts=facts, rejects=NO_REJECTS, covers=(days[0], days[-1]), communities=[TONGXIN]))
    card = kpi_cards(["party_members"], areas.get(SHAHE, engine=warehouse), APRIL, engine=warehouse)["party_members"]
    assert card.lagging == (("party", TONGXIN, date(2026, 3, 31)),)
    assert (card.value, card.before) == (690, 675) and card.comparable


def test_each_month_of_the_series_is_that_months_value(warehouse):
    """成龙路街道's April no longer dips in a trend: every month of a stock's series (the
    overview's sparklines, the explorer, the wall, /api/v1/series) is ``query.value`` for
    that month, 同心社区's missed April report carried into April's bucket and marked."""
    _deliver(warehouse, REPORTS)
    end = periods.month_end(date(2026, 6, 1))  # June: the party report has not come yet
    got = query.trends(["party_members"], SHAHE, FEB, end, "month", engine=warehouse)["party_members"]
    assert [month for month, _ in got] == [FEB, MAR, APR, MAY, date(2026, 6, 1)]
    for month, point in got[:-1]:
        assert point == query.value("party_members", SHAHE, *_month(month), engine=warehouse), month
    assert dict(got)[APR] == 320 + 210 + 160  # not 530
    # A range ending mid-month reads its last piece from the facts, seeking each area (data.access "skip").
    short = query.trends(["party_members"], SHAHE, APR, date(2026, 5, 20), "month", engine=warehouse)["party_members"]
    assert short == [(APR, 690), (MAY, query.value("party_members", SHAHE, MAY, date(2026, 5, 20), engine=warehouse))]
    assert got[-1][1] is None  # not delivered at all: a gap, not May carried on, not 0
    assert query.carried_buckets("party_members", SHAHE, FEB, end, "month", engine=warehouse) == (APR, date(2026, 6, 1))
    assert query.carried_buckets("party_members", HUIQUAN, FEB, end, "month", engine=warehouse) == (date(2026, 6, 1),)
    assert query.carried_buckets("party_three_sessions", SHAHE, FEB, end, "month", engine=warehouse) == ()
    by_child = query.breakdown_series("party_members", SHAHE, FEB, periods.month_end(MAY), "month",
                                      engine=warehouse)
    tongxin = by_child[by_child["key"] == TONGXIN].set_index("period")["value"]
    assert tongxin[APR] == 160  # the community's own line carries its March level too
    compared = query.compare_series("party_members", [SHAHE, TONGXIN], FEB, periods.month_end(MAY), "month",
                                    engine=warehouse)
    assert compared[(compared["key"] == SHAHE) & (compared["period"] == APR)]["value"].item() == 690


def test_the_api_series_marks_the_carried_month_and_the_undelivered_one(client):
    body = _ask(client, "/api/v1/series", metric="party_members", area=SHAHE, start="2026-02-01",
                end="2026-06-30", grain="month")
    points = {p["period"]: p for p in body["points"]}
    april, may, june = points["2026-04-01"], points["2026-05-01"], points["2026-06-01"]
    value = _ask(client, "/api/v1/value", metric="party_members", area=SHAHE, start="2026-04-01", end="2026-04-30")
    assert (april["value"], april["complete"], april["reason"]) == (value["value"], False, "carried_forward")
    assert (may["value"], may["complete"], may["reason"]) == (330 + 215 + 170, True, None)
    assert (june["value"], june["complete"], june["reason"]) == (None, False, "not_yet_reported")
