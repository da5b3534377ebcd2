"""The explorer's figures are honest (issue 12): a partial period is marked, missing is not
zero, a monthly report is taken by whole months, a community metric is not split into grid
cells, and a masked small count cannot be worked out from the totals shown beside it.

Each warehouse is written by the real loader (``etl.load.write``, which records what each
delivery covers), on SQLite and on PostgreSQL; "today" is Saturday 5 December 2025.
"""
from __future__ import annotations

import base64
import io
from datetime import date, datetime, timedelta

import openpyxl
import pandas as pd
import pytest

from callbacks import explore
from data import db, settings
from etl.load import FACT_COLUMNS, Output, month_days, write

TODAY = date(2025, 12, 5)
SHAHE = "510104011000"
HUIQUAN = "510104011001"  # 汇泉路社区, 沙河街道
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


@pytest.fixture
def explorer(warehouse, warehouse_url, monkeypatch):
    """The explorer's callbacks reading ``warehouse`` on 5 December 2025."""
    monkeypatch.setenv("DATABASE_URL", warehouse_url)
    monkeypatch.setattr(settings, "local_today", lambda: TODAY)
    db.dispose_engines()
    yield warehouse
    db.dispose_engines()


def _facts(rows) -> pd.DataFrame:
    """rows of (day, area, metric, dimension, member, value)."""
    return pd.DataFrame([dict(zip(FACT_COLUMNS, r)) for r in rows], columns=FACT_COLUMNS)


def _load(engine, source, facts, name, **extra):
    write(engine, source, sorted(set(facts["metric_code"])), f"{name}.csv", name, datetime(2025, 12, 5, 9),
          Output(facts=facts, rejects=NO_REJECTS, **extra))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _hotline_from_october(engine):
    """Two orders a day in 汇泉路社区 from 1 October to 4 December: no delivery before October."""
    rows = [(d, HUIQUAN, "hotline_received", "", "", 2.0) for d in _days(date(2025, 10, 1), date(2025, 12, 4))]
    _load(engine, "hotline", _facts(rows), "hotline")


def _annotations(figure: dict) -> list[str]:
    return [a.get("text") for a in figure["layout"].get("annotations", [])]


def test_the_current_month_is_marked_partial_and_months_before_the_first_delivery_are_gaps(explorer):
    _hotline_from_october(explorer)
    figure, table = explore.render_trend(f"?metric=hotline_received&area={SHAHE}&grain=month")
    rows = {r["period"]: r for r in table["rows"]}
    assert rows["2025-12-01"]["value"] == 8 and rows["2025-12-01"]["partial"] == "不完整：至12月4日"
    assert rows["2025-11-01"]["value"] == 60 and rows["2025-11-01"]["partial"] == ""
    # Before the hotline's first delivery there is no figure: a gap, not a zero.
    assert [rows[f"2025-{m:02d}-01"]["value"] for m in range(1, 10)] == [None] * 9
    assert "完整性" in [c["headerName"] for c in table["columns"]]
    solid, dotted, marker = figure["data"]
    assert solid["y"][:9] == [None] * 9 and 0 not in solid["y"]
    assert solid["y"][-1] is None  # the partial month is not on the solid line...
    assert dotted["line"]["dash"] == "dot" and list(dotted["y"]) == [60, 8, None]  # ...but dotted to it
    assert list(marker["text"]) == ["至12月4日"] and list(marker["y"]) == [8]


def test_the_heading_says_the_source_and_how_far_its_data_reaches(explorer):
    _hotline_from_october(explorer)
    _crumbs, _heading, figure = explore.render_context(f"?metric=hotline_received&area={SHAHE}")
    shown = [part.children for part in figure]
    assert "来源：12345 热线工单 · 数据截至2025-12-04" in shown
    _crumbs, _heading, figure = explore.render_context("?metric=hotline_received&area=510182001000")  # 彭州
    shown = [part.children for part in figure]
    assert shown[0] == "—" and "12345 热线工单尚未报送这个地区的数据" in shown


def test_a_source_that_never_reported_for_an_area_draws_no_line_and_says_so(explorer):
    _hotline_from_october(explorer)
    figure, table = explore.render_trend("?metric=hotline_received&area=510182001000")
    assert all(r["value"] is None for r in table["rows"])
    assert _annotations(figure) == ["12345 热线工单尚未报送这个地区的数据"]
    bars, _table, _note = explore.render_breakdown("?metric=hotline_received&area=510182000000")
    assert 0 not in bars["data"][0]["x"] and set(bars["data"][0]["text"]) == {"—"}


def test_a_community_metric_is_not_broken_down_into_grid_cells(explorer):
    _hotline_from_october(explorer)
    view = f"?metric=hotline_received&area={HUIQUAN}"
    figure, table, note = explore.render_breakdown(view)
    assert table is None and note == "该指标只记录到社区，不能按下级地区分解"
    assert _annotations(figure) == [note]
    options, value = explore.breakdowns_for_metric("hotline_received", HUIQUAN, "children", view)
    children = next(o for o in options if o["value"] == "children")
    assert children["disabled"] and children["title"] == note
    # The street's communities are offered; a grid metric's grid cells are too.
    options, _ = explore.breakdowns_for_metric("hotline_received", SHAHE, "children", view)
    assert not next(o for o in options if o["value"] == "children").get("disabled")
    options, _ = explore.breakdowns_for_metric("grid_events_reported", HUIQUAN, "children", view)
    assert not next(o for o in options if o["value"] == "children").get("disabled")


def _party_reports(engine):
    """October's and November's party reports (dated the 1st, covering their months)."""
    for month, sessions in ((date(2025, 10, 1), 6.0), (date(2025, 11, 1), 9.0)):
        facts = _facts([(month, HUIQUAN, "party_three_sessions", "", "", sessions)])
        days = month_days(facts["period"])
        _load(engine, "party", facts, f"party-{month:%Y%m}", covers=(days[0], days[-1]))


def test_a_monthly_report_is_not_offered_in_a_window_that_cuts_its_months(explorer):
    _party_reports(explorer)
    view = f"?metric=party_three_sessions&area={HUIQUAN}&period=last_30_days"
    figure, table = explore.render_trend(view)
    assert table is None
    assert _annotations(figure) == ["月报指标只计整月，这一时段不含完整月份，请选择整月时段"]
    _crumbs, _heading, heading = explore.render_context(view)
    assert heading[0].children == "—"


def test_a_monthly_report_is_drawn_by_whole_months_even_when_days_are_asked(explorer):
    _party_reports(explorer)
    view = f"?metric=party_three_sessions&area={HUIQUAN}&period=last_12_months&grain=day"
    _figure, table = explore.render_trend(view)
    rows = {r["period"]: r["value"] for r in table["rows"]}
    assert rows["2025-10-01"] == 6 and rows["2025-11-01"] == 9 and "2025-12-01" not in rows
    assert len(rows) == 12  # December 2024 to November 2025: twelve whole months, none cut into days
    _crumbs, _heading, heading = explore.render_context(view)
    shown = [part.children for part in heading]
    assert shown[0] == "15" and "月报指标按整月显示" in shown


# --------------------------------------------------------------------------- masking


def _activities(engine, members: dict[str, float]):
    """One day's checked-in participants in 汇泉路社区 by activity type (total and members)."""
    day = date(2025, 11, 20)
    rows = [(day, HUIQUAN, "activity_participants", "", "", sum(members.values()))]
    rows += [(day, HUIQUAN, "activity_participants", "type", m, v) for m, v in members.items()]
    _load(engine, "activities", _facts(rows), "activities")


DAY_VIEW = f"?metric=activity_participants&area={HUIQUAN}&period=custom&start=2025-11-20&end=2025-11-20&by=type"


def _workbook(view: str) -> dict[str, list[list]]:
    """Every sheet of the view's Excel download, as rows of cells (what a reader gets)."""
    _fig, trend = explore.render_trend(view)
    _fig, breakdown, _note = explore.render_breakdown(view)
    _fig, district_map = explore.render_map(view)
    payload = explore.download("xlsx", "breakdown", {"trend": trend, "breakdown": breakdown, "map": district_map},
                               view)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(payload["content"])))
    return {sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def _numbers(column: list) -> list:
    return [v for v in column if not isinstance(v, str) and v is not None]


def test_a_small_count_is_masked_in_every_sheet_including_the_total(explorer):
    """党建 3 and nothing else: the trend sheet's total must not say 3 either."""
    _activities(explorer, {"党建": 3.0})
    sheets = _workbook(DAY_VIEW)
    trend = sheets["趋势"]
    assert trend[0][3] == "数值（人次）" and trend[1][3] == "<5"
    breakdown = {r[0]: r[2] for r in sheets["分解"][1:]}
    assert breakdown == {"党建": "<5"}
    _crumbs, _heading, heading = explore.render_context(DAY_VIEW)
    assert heading[0].children == "<5"
    about = dict((r[0], r[1]) for r in sheets["说明"][1:])
    assert "来源：活动报名 · 数据截至2025-11-20" in [r[1] for r in sheets["说明"][1:]]
    assert "小数保护" in about


def test_a_masked_count_cannot_be_worked_out_as_the_total_minus_its_siblings(explorer):
    _activities(explorer, {"党建": 3.0, "文化": 10.0, "体育": 12.0})
    sheets = _workbook(DAY_VIEW)
    total = sheets["趋势"][1][3]
    assert total == 25  # the day's total is shown...
    breakdown = {r[0]: r[2] for r in sheets["分解"][1:]}
    assert breakdown["党建"] == "<5"
    # ...so the smallest sibling is hidden too, and the total minus what is shown leaves
    # two cells: 党建 could be anything from 1 to 4.
    assert breakdown["文化"] == "*" and breakdown["体育"] == 12
    left = total - sum(_numbers(list(breakdown.values())))
    candidates = [p for p in range(1, 5) if left - p >= 5]
    assert len(candidates) > 1
    _fig, _table, note = explore.render_breakdown(DAY_VIEW)
    assert "标“*”的单元格一并隐去" in note


def test_a_breakdown_over_days_hides_cells_both_ways(explorer):
    """Stacked by day: each day's types add up to the trend's day, each type's days to its
    total (shown in the totals chart): neither sum gives the masked cell away."""
    rows = []
    for day, members in ((date(2025, 11, 20), {"党建": 2.0, "文化": 9.0}), (date(2025, 11, 21), {"党建": 8.0, "文化": 7.0})):
        rows.append((day, HUIQUAN, "activity_participants", "", "", sum(members.values())))
        rows += [(day, HUIQUAN, "activity_participants", "type", m, v) for m, v in members.items()]
    _load(explorer, "activities", _facts(rows), "activities")
    base = f"?metric=activity_participants&area={HUIQUAN}&period=custom&start=2025-11-20&end=2025-11-21&by=type&grain=day"
    _fig, stacked, _note = explore.render_breakdown(base + "&chart=stacked")
    cells = {(r["period"], r["code"]): r["value"] for r in stacked["rows"]}
    _fig, trend = explore.render_trend(base + "&chart=stacked")
    days = {r["period"]: r["value"] for r in trend["rows"]}
    _fig, bars, _note = explore.render_breakdown(base + "&chart=stacked".replace("stacked", "bars"))
    totals = {r["code"]: r["value"] for r in bars["rows"]}
    assert cells[("2025-11-20", "党建")] == "<5"
    # No single sum of shown figures pins it: the day's other type, or 党建's other day, is hidden.
    day_hidden = isinstance(days["2025-11-20"], str) or isinstance(cells[("2025-11-20", "文化")], str)
    key_hidden = isinstance(totals["党建"], str) or isinstance(cells[("2025-11-21", "党建")], str)
    assert day_hidden and key_hidden


def _hotline_months(engine, months: dict[int, float]):
    """One delivery per month of 2025 in ``months`` (month: orders a day in 汇泉路社区), each
    covering its whole month; a month not named was never delivered."""
    for month, orders in months.items():
        days = month_days([date(2025, month, 1)])
        rows = [(d, HUIQUAN, "hotline_received", "", "", orders) for d in days]
        _load(engine, "hotline", _facts(rows), f"hotline-{month}", covers=(days[0], days[-1]))


def test_a_month_never_delivered_between_two_deliveries_is_a_gap_not_zero(explorer):
    from data import query

    _hotline_months(explorer, {9: 1.0, 11: 2.0})  # October's export never came
    assert query.value("hotline_received", HUIQUAN, date(2025, 10, 1), date(2025, 10, 31), engine=explorer) is None
    assert query.value("hotline_received", SHAHE, date(2025, 10, 1), date(2025, 10, 31), engine=explorer) is None
    assert query.value("hotline_received", SHAHE, date(2025, 11, 1), date(2025, 11, 30), engine=explorer) == 60
    figure, table = explore.render_trend(f"?metric=hotline_received&area={SHAHE}&grain=month")
    rows = {r["period"]: r["value"] for r in table["rows"]}
    assert (rows["2025-09-01"], rows["2025-10-01"], rows["2025-11-01"]) == (30, None, 60)
    solid = figure["data"][0]
    line = {str(x)[:10]: y for x, y in zip(solid["x"], solid["y"])}
    assert [line["2025-09-01"], line["2025-10-01"], line["2025-11-01"]] == [30, None, 60]  # the line breaks


def test_a_month_delivered_with_no_orders_stays_zero(explorer):
    from data import query

    _hotline_months(explorer, {9: 1.0, 10: 0.0, 11: 2.0})  # October delivered: a true zero
    assert query.value("hotline_received", HUIQUAN, date(2025, 10, 1), date(2025, 10, 31), engine=explorer) == 0
    _figure, table = explore.render_trend(f"?metric=hotline_received&area={SHAHE}&grain=month")
    rows = {r["period"]: r["value"] for r in table["rows"]}
    assert (rows["2025-09-01"], rows["2025-10-01"], rows["2025-11-01"]) == (30, 0, 60)


def test_the_area_picker_names_the_city_when_it_is_the_area_chosen(explorer):
    """The explorer may show the whole city (its breadcrumb, a shared link); the picker then
    reads 成都市, not the code 510100000000. An unknown code stays visible as it is."""
    from callbacks.overview import area_options

    city = [o["label"] for o in area_options("510100000000", None, "zh") if o["value"] == "510100000000"]
    assert city == ["成都市"]
    assert [o["label"] for o in area_options("510100000000", None, "en") if o["value"] == "510100000000"] == ["Chengdu"]
    assert area_options("999999999999", None, "zh") == [{"label": "999999999999", "value": "999999999999"}]
