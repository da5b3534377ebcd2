"""A closure rate of recent events is not compared with a settled one (issue 12).

网格事件办结率 counts, among the events reported in a period, those closed by the latest
export: December's events (1–4 December, data through the 4th) have had days to close,
November's 1–4 a month. Their rates are not like-for-like, so the card does not compare
them (it says why on hover) and "needs attention" never calls the fall "变差"; a period old
enough to have settled is compared as before (``coverage.settled``). The warehouse is
written by the real loader, loaded on 5 December 2026; on SQLite and on PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from callbacks.overview import OK, _card_view, attention_items, kpi_cards
from data import areas, coverage, periods, query
from etl.load import FACT_COLUMNS, Output, write

SHAHE, HUIQUAN = "510104011000", "510104011001"
TODAY = date(2026, 12, 5)
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


def _deliver(engine) -> None:
    """Grid events from 1 October to 4 December: ten a day; the older ones all closed, the
    last four days' half closed (young: not yet handled)."""
    rows = []
    day = date(2026, 10, 1)
    while day <= date(2026, 12, 4):
        closed = 5.0 if day >= date(2026, 12, 1) else 10.0
        rows += [(day, "grid_events_reported", 10.0), (day, "grid_events_closed", closed)]
        day += timedelta(days=1)
    facts = pd.DataFrame([{"period": d, "area_code": HUIQUAN, "metric_code": m, "dimension": "", "member": "",
                           "value": v} for d, m, v in rows], columns=FACT_COLUMNS)
    write(engine, "grid_events", ["grid_events_reported", "grid_events_closed"], "grid.csv", "g",
          datetime(2026, 12, 5, 9), Output(facts=facts, rejects=NO_REJECTS))


def _attention(card) -> list[dict]:
    previous = {card.code: card.before} if card.comparable else {}
    return attention_items({card.code: card.info}, {card.code: card.value}, previous, area=SHAHE, lang="zh")


def test_a_young_closure_rate_is_not_compared_nor_flagged_worse(warehouse):
    _deliver(warehouse)
    place = areas.get(SHAHE, engine=warehouse)
    rate = kpi_cards(["grid_events_closure_rate", "grid_events_reported"], place, periods.this_month(TODAY),
                     engine=warehouse)
    card = rate["grid_events_closure_rate"]
    assert card.state == OK and card.young and not card.comparable
    assert (card.value, card.before) == (0.5, 1.0)  # the figures are there; the comparison is what is unfair
    assert not [i for i in _attention(card) if "办结率" in i["text"] and "变差" in str(i.get("tag"))]
    view = str(_card_view(card, [], SHAHE, "zh", 2026, TODAY).to_plotly_json())
    assert "不作环比" in view and f"未满{coverage.MATURE_DAYS}天" in view  # said on the card and on hover
    assert rate["grid_events_reported"].comparable  # a count that does not mature is compared as ever

    october = periods.resolve("custom", TODAY, date(2026, 10, 1), date(2026, 10, 31))
    settled = kpi_cards(["grid_events_closure_rate"], place, october, engine=warehouse)["grid_events_closure_rate"]
    assert not settled.young and settled.value == 1.0


def test_which_figures_mature(warehouse):
    info = lambda code: query.metric_info(code, engine=warehouse)  # noqa: E731
    parts = lambda code: [info(info(code)[r]) for r in ("numerator", "denominator")]  # noqa: E731
    assert coverage.matures(info("grid_events_closure_rate"), parts("grid_events_closure_rate"))
    assert coverage.matures(info("hotline_resolution_rate"), parts("hotline_resolution_rate"))
    assert coverage.matures(info("hotline_open"))
    assert not coverage.matures(info("hotline_received"))
    assert not coverage.matures(info("activity_checkin_rate"), parts("activity_checkin_rate"))
    assert coverage.settled(info("hotline_open"), date(2026, 10, 31), date(2026, 12, 4))
    assert not coverage.settled(info("hotline_open"), date(2026, 11, 30), date(2026, 12, 4))
