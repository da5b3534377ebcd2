"""The analysts' comparisons (issue 18): period presets, indexed areas, last year overlaid,
ticks that never repeat, and the map below the district.

The figures the explorer draws are checked against the JSON API (/api/v1/series) on the
same warehouse, written by the real loader; "today" is Saturday 5 December 2025 and the
hotline's data reaches 4 December.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from callbacks import explore
from data import db, periods, settings, urlstate
from etl.load import FACT_COLUMNS, Output, write
from layouts.components import metric_dimensions
from support import api_app

TODAY = date(2025, 12, 5)
THROUGH = date(2025, 12, 4)
SHAHE = "510104011000"
HUIQUAN = "510104011001"  # 汇泉路社区: a few orders a day
CHUANGYE = "510104011002"  # 创业社区: twenty times as many
LATE = "510104011003"  # a community whose hotline data starts in January 2025
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _daily(day: date, area: str) -> float:
    """Orders that day: each area and month its own level, so an index moves."""
    if area == HUIQUAN:
        return float(1 + day.month % 3 + day.day % 2)
    if area == CHUANGYE:
        return float(20 + day.month + day.day % 5)
    return float(5 + day.month % 4)


@pytest.fixture
def explorer(warehouse, warehouse_url, monkeypatch):
    """Two years of hotline orders in three communities of 沙河街道, read on 5 December 2025."""
    rows = [(d, a, "hotline_received", "", "", _daily(d, a))
            for a in (HUIQUAN, CHUANGYE) for d in _days(date(2023, 12, 1), THROUGH)]
    rows += [(d, LATE, "hotline_received", "", "", _daily(d, LATE)) for d in _days(date(2025, 1, 1), THROUGH)]
    facts = pd.DataFrame([dict(zip(FACT_COLUMNS, r)) for r in rows], columns=FACT_COLUMNS)
    write(warehouse, "hotline", ["hotline_received"], "hotline.csv", "hotline", datetime(2025, 12, 5, 9),
          Output(facts=facts, rejects=NO_REJECTS))
    monkeypatch.setenv("DATABASE_URL", warehouse_url)
    monkeypatch.setattr(settings, "local_today", lambda: TODAY)
    db.dispose_engines()
    yield warehouse_url
    db.dispose_engines()


def api_series(url: str, area: str, start: date, end: date, grain: str = "month") -> dict[str, float | None]:
    """{period: value} as the JSON API gives it."""
    with api_app(url) as app:
        answer = app.test_client().get("/api/v1/series", query_string={
            "metric": "hotline_received", "area": area, "start": start.isoformat(), "end": end.isoformat(),
            "grain": grain})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {p["period"]: p["value"] for p in answer.get_json()["points"]}


# --------------------------------------------------------------------------- presets

@pytest.mark.parametrize(("name", "start", "end"), [
    ("last_12_months", date(2025, 12, 1), date(2026, 12, 5)),  # twelve whole months and 1-5 December
    ("last_24_months", date(2024, 12, 1), date(2026, 12, 5)),
    ("year_to_date", date(2026, 1, 1), date(2026, 12, 5)),
    ("same_period_last_year", date(2025, 1, 1), date(2025, 12, 5)),
])
def test_the_presets_cover_the_dates_they_name(name, start, end):
    period = periods.resolve(name, date(2026, 12, 5))
    assert (period.start, period.end) == (start, end)


def test_presets_keep_month_ends_and_leap_days_straight():
    assert periods.resolve("same_period_last_year", date(2024, 2, 29)).end == date(2023, 2, 28)
    assert periods.resolve("last_12_months", date(2026, 3, 31)).start == date(2025, 3, 1)
    assert periods.resolve("same_period_last_year", date(2026, 12, 5)).label_zh == "去年同期（2025年1月1日至12月5日）"


def test_twelve_months_are_twelve_whole_months_and_the_running_one_is_marked(explorer):
    _figure, table = explore.render_trend(f"?metric=hotline_received&area={HUIQUAN}")
    rows = table["rows"]
    assert [r["period"] for r in rows][0] == "2024-12-01" and len(rows) == 13
    assert all(r["partial"] == "" for r in rows[:12])
    assert rows[-1]["period"] == "2025-12-01" and rows[-1]["partial"] == "不完整：至12月4日"


# --------------------------------------------------------------------------- indexed comparison

def test_compared_areas_are_indexed_on_the_first_whole_period_as_the_api_gives_them(explorer):
    figure, table = explore.render_trend(f"?metric=hotline_received&area={HUIQUAN}&compare={CHUANGYE}")
    api = {code: api_series(explorer, code, date(2024, 12, 1), TODAY) for code in (HUIQUAN, CHUANGYE)}
    checked = 0
    for row in table["rows"]:
        base = api[row["code"]]["2024-12-01"]
        if row["period"] == "2025-12-01":  # four days of December against a whole base month: not indexed
            assert row["index"] is None and row["partial"]
            continue
        assert row["index"] == round(api[row["code"]][row["period"]] / base * 100, 1)
        checked += 1
    assert checked == 24
    header = next(c["headerName"] for c in table["columns"] if c["field"] == "index")
    assert header == "指数（2024年12月=100）"
    assert "2025年12月不完整，不计指数。" in table["note"]
    # the drawn lines are the indexes: both start at 100 and neither is on the street's scale
    lines = [t for t in figure["data"] if t.get("mode") == "lines+markers"]
    assert [t["y"][0] for t in lines] == [100, 100]
    assert figure["layout"]["yaxis"]["title"]["text"] == "指数（2024年12月=100）"


def test_the_index_base_is_never_a_zero_and_the_page_says_it_moved(explorer):
    _figure, table = explore.render_trend(f"?metric=hotline_received&area={HUIQUAN}&compare={LATE}")
    january = {r["code"]: r["index"] for r in table["rows"] if r["period"] == "2025-01-01"}
    assert january == {HUIQUAN: 100.0, LATE: 100.0}  # December 2024: the late community had no orders yet
    api = api_series(explorer, HUIQUAN, date(2024, 12, 1), TODAY)
    december = next(r for r in table["rows"] if r["period"] == "2024-12-01" and r["code"] == HUIQUAN)
    assert december["index"] == round(api["2024-12-01"] / api["2025-01-01"] * 100, 1)
    assert "基期改为2025年1月：2024年12月有地区为0，不能作基期。" in table["note"]


def test_a_partial_missing_or_hidden_period_is_never_the_base():
    from data.comparison import index_base, indexed

    assert index_base({"a": [5, 6], "b": [7, 8]}, {"a": [True, False]}).at == 1  # partial
    assert index_base({"a": [None, 6], "b": [7, 8]}, {}).first_unfit == "missing"
    assert index_base({"a": ["<5", 6, 7], "b": [7, 8, 9]}, {}).at == 1  # a hidden small count
    assert index_base({"a": [None, None]}, {}).at is None
    assert indexed([4.0, 6.0, "<5", None, 2.0], 0, [False, False, False, False, True]) == [100.0, 150.0, None, None, None]


def test_each_area_on_its_own_axis(explorer):
    figure, _table = explore.render_trend(
        f"?metric=hotline_received&area={HUIQUAN}&compare={CHUANGYE}&compare_as=multiples")
    layout = figure["layout"]
    assert "yaxis2" in layout and not layout["yaxis2"].get("matches")  # the second panel has its own scale
    assert [a["text"] for a in layout["annotations"]][:2] == ["汇泉路社区", "创业社区"]


# --------------------------------------------------------------------------- year on year

def test_last_year_is_overlaid_like_for_like_as_the_api_gives_it(explorer):
    figure, table = explore.render_trend(f"?metric=hotline_received&area={HUIQUAN}&yoy=1")
    # the same days a year back: 1 December 2023 to 4 December 2024, this year's data ending on the 4th
    then = api_series(explorer, HUIQUAN, date(2023, 12, 1), date(2024, 12, 4))
    for row in table["rows"]:
        day = periods.as_date(row["period"])
        assert row["last_year"] == then[periods.add_months(day, -12).isoformat()]
    december = table["rows"][-1]
    assert december["last_year"] == sum(_daily(d, HUIQUAN) for d in _days(date(2024, 12, 1), date(2024, 12, 4)))
    overlay = next(t for t in figure["data"] if t.get("name") == "去年同期")
    assert overlay["line"]["dash"] == "dash" and overlay["x"][-1] == date(2025, 12, 1)
    assert "去年同期（2023年12月1日至2024年12月4日）" in table["note"]


def test_last_year_by_day_ends_where_this_years_data_ends(explorer):
    _figure, table = explore.render_trend(f"?metric=hotline_received&area={HUIQUAN}&yoy=1&period=this_month&grain=day")
    by_day = {r["period"]: r["last_year"] for r in table["rows"]}
    then = api_series(explorer, HUIQUAN, date(2024, 12, 1), date(2024, 12, 4), "day")
    assert [by_day[f"2025-12-0{d}"] for d in range(1, 5)] == [then[f"2024-12-0{d}"] for d in range(1, 5)]
    assert by_day["2025-12-05"] is None  # no figure this year yet: last year's 5th is not set beside it


def test_last_year_is_not_overlaid_on_a_comparison_and_says_so(explorer):
    figure, table = explore.render_trend(f"?metric=hotline_received&area={HUIQUAN}&compare={CHUANGYE}&yoy=1")
    assert "last_year" not in [c["field"] for c in table["columns"]]
    assert "对比多个地区时不叠加去年同期。" in table["note"]


# --------------------------------------------------------------------------- ticks

@pytest.mark.parametrize("view", [
    "&period=custom&start=2025-10-31&end=2025-11-30&grain=day",  # the month of days that repeated ticks
    "&period=this_month&grain=day",
    "&period=last_24_months&grain=month",
    "&period=last_24_months&grain=week",
    "&period=custom&start=2024-12-20&end=2025-01-20&grain=day",  # across a new year
])
def test_date_ticks_never_repeat_and_sit_on_the_buckets(explorer, view):
    figure, table = explore.render_trend(f"?metric=hotline_received&area={HUIQUAN}{view}")
    axis = figure["layout"]["xaxis"]
    labels = list(axis["ticktext"])
    assert len(labels) == len(set(labels)) >= 2
    assert set(axis["tickvals"]) <= {r["period"] for r in table["rows"]}


def test_english_ticks_name_the_month_and_year():
    from data.present import date_ticks

    values, labels = date_ticks([date(2025, m, 1) for m in (11, 12)] + [date(2026, 1, 1)], "month", "en")
    assert labels == ["Nov 2025", "Dec 2025", "Jan 2026"] and values[0] == "2025-11-01"


# --------------------------------------------------------------------------- the map below the district

def test_a_street_maps_its_communities_as_clickable_dots_over_its_district(explorer):
    figure, table = explore.render_map(f"?metric=hotline_received&area={SHAHE}")
    assert table["title"] == "沙河街道各社区" and "示意" in table["note"]
    dots = [t for t in figure["data"] if t.get("customdata")]
    codes = {c for t in dots for c in t["customdata"]}
    assert {HUIQUAN, CHUANGYE, LATE} <= codes and all(c.startswith(SHAHE[:9]) for c in codes)
    drawn = next(t for t in dots if t["marker"].get("colorscale"))
    sizes = dict(zip(drawn["customdata"], drawn["marker"]["size"]))
    assert sizes[CHUANGYE] > sizes[HUIQUAN]  # sized by the figure
    figure, _table = explore.render_map(f"?metric=party_members&area={SHAHE}")  # never reported here
    rings = [t for t in figure["data"] if t.get("customdata")]
    assert len(rings) == 1 and rings[0]["marker"]["symbol"] == "circle-open"  # no figure: rings, never a 0
    assert {HUIQUAN, CHUANGYE} <= set(rings[0]["customdata"])
    assert explore.clicked_code({"points": [{"customdata": CHUANGYE, "curveNumber": 30}]}) == CHUANGYE


def test_a_district_maps_its_streets_and_a_community_its_neighbours(explorer):
    _figure, table = explore.render_map("?metric=hotline_received&area=510104000000")
    assert table["title"] == "锦江区各街道"
    figure, table = explore.render_map(f"?metric=hotline_received&area={HUIQUAN}")
    assert table["title"] == "汇泉路社区所在沙河街道各社区"
    ring = [t for t in figure["data"] if t.get("mode") == "markers" and not t.get("customdata")]
    assert len(ring) == 1 and ring[0]["x"] is not None


def test_the_city_keeps_its_district_map(explorer):
    _figure, table = explore.render_map("?metric=hotline_received&area=510100000000")
    assert table["title"] == "成都市各区（市）县" and len(table["trace_codes"]) == 20


# --------------------------------------------------------------------------- the link

def test_comparison_and_overlay_travel_in_the_link():
    state = urlstate.ExploreState(compare=(HUIQUAN,), compare_as="multiples", yoy=True, period="last_24_months")
    link = urlstate.explore_query(state)
    assert "compare_as=multiples" in link and "yoy=1" in link and "period=last_24_months" in link
    assert urlstate.parse_explore(link, metric_dimensions()) == (state, [])
    assert "compare_as" not in urlstate.explore_query(urlstate.ExploreState())  # indexed is the default


def test_an_old_this_year_link_opens_year_to_date_and_bad_values_are_named():
    state, problems = urlstate.parse_explore("period=this_year", metric_dimensions())
    assert state.period == "year_to_date" and problems == []
    state, problems = urlstate.parse_explore("compare_as=stacked&yoy=yes", metric_dimensions())
    assert (state.compare_as, state.yoy) == ("index", False)
    assert [p.split(":")[0] for p in problems] == ["compare_as", "yoy"]


def test_the_downloads_carry_the_index_last_year_and_what_they_compare(explorer):
    view = f"?metric=hotline_received&area={HUIQUAN}&compare={CHUANGYE}"
    _figure, table = explore.render_trend(view)
    assert "指数（2024年12月=100）" in list(explore.table_frame(table).columns)
    about = explore.about_frame(view)
    assert "2025年12月不完整，不计指数。" in about.iloc[:, 1].tolist()
    _figure, table = explore.render_trend(f"?metric=hotline_received&area={HUIQUAN}&yoy=1")
    frame = explore.table_frame(table)
    assert frame["去年同期"].iloc[-1] == sum(_daily(d, HUIQUAN) for d in _days(date(2024, 12, 1), date(2024, 12, 4)))
