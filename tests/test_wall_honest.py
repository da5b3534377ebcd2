"""The wall says how far its figures reach (issue 12): the last load in the header, each
panel's own as-of, a trend's unfinished month marked, "未报送" where a source is late, and a
community's league among its street's communities.

The warehouse is written by the real loader (``etl.load.write``, as tests/test_coverage.py),
so coverage is recorded as in production: on Saturday 5 December 2025 the hotline reaches 4
December, the care services stopped on 14 November, the party report's latest month is
November. On SQLite and on PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from callbacks import wall
from data import areas
from data.schema import etl_run
from etl.load import FACT_COLUMNS, Output, month_days, write
from layouts import wall as view
from layouts.ids import Wall
from support import texts, wall_app, with_class

SHAHE = "510104011000"
HUIQUAN, CHUANGYE = "510104011001", "510104011002"  # 汇泉路社区, 创业社区: 沙河街道
HUIQUAN_GRID = "510104011001001"
PENGZHOU_STREET = "510182001000"  # no source ever delivered there
TODAY = date(2025, 12, 5)
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _facts(days, areas, metric, value=1.0) -> pd.DataFrame:
    return pd.DataFrame([{"period": d, "area_code": a, "metric_code": metric, "dimension": "", "member": "",
                          "value": value} for d in days for a in areas], columns=FACT_COLUMNS)


def _write(engine, source, facts, checksum, **extra):
    return write(engine, source, sorted(set(facts["metric_code"])), f"{checksum}.csv", checksum,
                 datetime(2025, 12, 5, 9), Output(facts=facts, rejects=NO_REJECTS, **extra))


@pytest.fixture
def late_care(warehouse, warehouse_url, monkeypatch):
    """The warehouse of the module's docstring, and an app reading it."""
    _write(warehouse, "hotline", _facts(_days(date(2025, 10, 1), date(2025, 12, 4)), [HUIQUAN],
                                        "hotline_received", 3.0), "h")
    _write(warehouse, "care", _facts(_days(date(2025, 10, 1), date(2025, 11, 14)), [HUIQUAN], "elderly_meals"), "c")
    recent = _days(date(2025, 11, 20), date(2025, 12, 4))
    _write(warehouse, "grid_events", _facts(recent, [HUIQUAN_GRID], "grid_events_reported"), "g")
    _write(warehouse, "services", _facts(recent, [HUIQUAN], "service_transactions"), "s")
    _write(warehouse, "volunteers", _facts(recent, [HUIQUAN], "volunteer_hours"), "v")
    party = _facts([date(2025, 11, 1)], [HUIQUAN], "party_members", 80.0)
    month = month_days(party["period"])
    _write(warehouse, "party", party, "p", covers=(month[0], month[-1]))
    _write(warehouse, "activities", pd.concat([
        _facts(_days(date(2025, 11, 10), date(2025, 12, 4)), [HUIQUAN], "activity_participants", 5.0),
        _facts(_days(date(2025, 11, 10), date(2025, 12, 4)), [CHUANGYE], "activity_participants", 2.0)]), "a")
    with wall_app(warehouse_url, monkeypatch):
        yield warehouse


def _answer(area: str, lang: str) -> tuple[dict, dict]:
    """The first refresh's DATA and the stats it writes, by stat id (as ``first_screen``)."""
    f = wall.read_figures(area, lang, TODAY)
    return f, f["stats"]


def test_each_panel_states_its_own_sources_as_of(late_care):
    f, stats = _answer(SHAHE, "zh")
    assert stats["governance-through"] == "数据截至12月4日"
    assert stats["party-through"] == "党组织月报截至11月"
    # The care services stopped three weeks ago, past their two days' grace (etl/sources.yaml):
    # named with their own date and tagged overdue in red, as the data page and the overview say.
    assert stats["services-through"] == {"parts": [["数据截至12月4日", False], ["一老一小截至11月14日", True]]}
    shown = wall._stat(stats["services-through"], "zh")
    assert [getattr(part, "className", None) for part in shown] == [None, None, "wall-overdue", None]
    assert "".join(getattr(part, "children", part) for part in shown) == "数据截至12月4日 · 逾期未报一老一小截至11月14日"
    _, en = _answer(SHAHE, "en")
    assert en["governance-through"] == "Data through 4 Dec"
    assert en["services-through"] == {"parts": [["Data through 4 Dec", False],
                                                ["Elderly and child care through 14 Nov", True]]}
    assert wall._stat(en["services-through"], "en")[2].children == "Overdue"
    _, nowhere = _answer(PENGZHOU_STREET, "zh")  # no source ever delivered there
    assert nowhere["governance-through"] == "未报送"
    for panel in view.PANELS.values():  # declared panels say it in their title row
        assert bool(stats[f"{panel.id}-through"]) == (panel.as_of is not None)


def test_the_header_says_when_the_data_last_loaded(late_care):
    with late_care.connect() as conn:
        loaded = conn.execute(select(func.max(etl_run.c.finished_at)).where(etl_run.c.status == "success")).scalar()
    f, _ = _answer(SHAHE, "zh")
    assert f["loaded"] == f"数据更新于 {loaded.month}月{loaded.day}日 {loaded:%H:%M}"  # not today: with its day
    assert wall._loaded(loaded, loaded.date(), "en") == f"Data loaded {loaded:%H:%M}"
    page = wall.first_screen(SHAHE, "zh")
    assert page[Wall.DATA].data["loaded"] == wall.read_figures(SHAHE, "zh", wall.settings.local_today())["loaded"]


def test_a_late_source_reads_not_yet_reported_with_its_as_of_never_zero(late_care):
    f, _ = _answer(SHAHE, "zh")
    meals = next(k for k in f["kpis"] if k["code"] == "elderly_meals")
    assert meals["late"] and meals["n"] is None
    assert meals["text"] == "未报送" and meals["target"] == "截至11月14日"
    hotline = next(k for k in f["kpis"] if k["code"] == "activity_participants")
    assert not hotline["late"] and hotline["n"] == 4 * 5 + 4 * 2  # 1-4 December, two communities
    en, _ = _answer(SHAHE, "en")
    meals = next(k for k in en["kpis"] if k["code"] == "elderly_meals")
    assert meals["text"] == "Not yet reported" and meals["target"] == "Through 14 Nov"
    care = f["charts"]["services-care"]  # an empty breakdown says why
    assert care == {"rows": [], "empty": "一老一小未报送<br>截至11月14日"}
    drawn = _drawn("services-care", care)  # says so, on two lines, and draws no bar
    assert [texts(e) for e in with_class(drawn, "wall-chart-empty")] == [["一老一小未报送", "截至11月14日"]]
    assert not with_class(drawn, "wall-mark")
    assert f["charts"]["services-items"]["empty"] == view.t("no_data", "zh")
    # Where a source never delivered there is no figure ("—"), not a late one.
    nowhere, _ = _answer(PENGZHOU_STREET, "zh")
    assert all(k["text"] == "—" and not k["late"] for k in nowhere["kpis"])


def test_a_carried_party_level_is_dated_by_its_report_month_not_this_month(late_care):
    """December's party report is not in yet: the tile shows November's level as November's,
    not as "截至12月" (the level is carried into December's sums, but its date is its own)."""
    f, _ = _answer(SHAHE, "zh")
    members = next(k for k in f["kpis"] if k["code"] == "party_members")
    assert members["n"] == 80 and members["target"] == "截至11月"
    en, _ = _answer(SHAHE, "en")
    assert next(k for k in en["kpis"] if k["code"] == "party_members")["target"] == "As of Nov"


def test_a_late_stat_is_written_with_its_as_of(late_care):
    reading, late = wall._reading(None, {"grain": "day"}, date(2025, 11, 14), (date(2025, 12, 1), TODAY), "zh")
    assert late and reading.number == "未报送" and reading.reason == "截至11月14日"
    written = wall._stat({"text": reading.number, "note": reading.reason}, "zh")
    assert [part.children for part in written] == ["未报送", "截至11月14日"]
    # No figure although the data reaches into the period (no denominator, say): "—", not late.
    assert not wall._reading(None, {"grain": "day"}, date(2025, 12, 4), (date(2025, 12, 1), TODAY), "zh")[1]
    # A masked figure ("<5") is a figure, never late; a monthly report with no whole month yet is.
    assert wall._reading("<5", {}, date(2025, 11, 14), (date(2025, 12, 1), TODAY), "zh") == (
        wall.present.show("<5", {}, "zh", compact=True), False)
    assert wall._reading(None, {"grain": "month"}, date(2025, 11, 30), (date(2025, 12, 1), TODAY), "zh")[1]


def test_a_trends_unfinished_month_is_marked_and_missing_months_are_gaps(late_care):
    f, _ = _answer(SHAHE, "zh")
    received = f["charts"]["governance-hotline"]["received"]
    assert received[-1] == {"label": "12月", "value": 12.0, "partial": True, "through": "至12月4日"}
    assert received[-2] == {"label": "11月", "value": 90.0}  # a whole month: no mark
    assert [p["value"] for p in received[:-3]] == [None] * (len(received) - 3)  # before the first delivery
    drawn = _drawn("governance-hotline", f["charts"]["governance-hotline"])
    bars = _month_bars(drawn)
    assert len(bars) == len(received)
    # December so far is lighter and outlined; November, whole, is not
    assert _partial(bars[-1]) and not _partial(bars[-2])
    assert bars[-1][0].style["backgroundColor"] != bars[-2][0].style["backgroundColor"]
    assert bars[:-3] == [[]] * (len(bars) - 3)  # gaps, not zeros
    assert [texts(note) for note in with_class(drawn, "wall-chart-through")] == [["至12月4日"]]
    trend = f["charts"]["participation-trend"]
    assert trend[-1]["partial"] and trend[-2]["value"] == 21 * 5 + 21 * 2  # 10-30 November
    bars = _month_bars(_drawn("participation-trend", trend))
    assert bars[:-2] == [[]] * (len(trend) - 2)
    assert bars[-1] and bars[-2] and _partial(bars[-1]) and not _partial(bars[-2])
    assert "border" in bars[-1][0].style and "border" not in bars[-2][0].style


def _drawn(chart: str, data) -> list:
    """A chart's elements as the wall draws them, in its panel's colour."""
    return wall.chart_children(chart, data, "zh", view.CHART_COLOURS[chart])


def _month_bars(drawn: list) -> list[list]:
    """Each month's bars, in order: none where the month has no figure."""
    return [with_class(column, "wall-chart-bar") for column in with_class(drawn, "wall-chart-column")]


def _partial(bars: list) -> bool:
    return any("wall-chart-partial" in bar.className.split() for bar in bars)


def test_a_communitys_league_ranks_the_communities_of_its_street(late_care):
    f, stats = _answer(HUIQUAN, "zh")
    rows = f["lists"]["league"]
    communities = {row["name"] for row in areas.children(SHAHE)}
    assert len(communities) >= view.LEAGUE_ROWS
    # The communities of 沙河街道 (the deliveries speak for the whole street: the others had
    # none, a real zero), not 汇泉路社区's grid cells, which record no community figure.
    assert [r["name"] for r in rows][:2] == ["汇泉路社区", "创业社区"] and len(rows) == view.LEAGUE_ROWS
    assert {r["name"] for r in rows} <= communities
    assert [r["cells"][0] for r in rows][2:] == ["0"] * (view.LEAGUE_ROWS - 2)
    assert [r["own"] for r in rows] == [True] + [False] * (view.LEAGUE_ROWS - 1)
    assert stats["league-period"] == "本街道各社区 · 近30天"
    _, en = _answer(HUIQUAN, "en")
    assert en["league-period"].startswith("Communities of the street")
    street, street_stats = _answer(SHAHE, "zh")  # a street's wall: the communities below it, none marked
    assert [r["name"] for r in street["lists"]["league"]] == [r["name"] for r in rows]
    assert not any(r["own"] for r in street["lists"]["league"])
    assert street_stats["league-period"] == view.t("league_caption", "zh")
    body = wall._league_rows(rows, "zh")
    assert body[0].className == "wall-league-own" and body[1].className is None


def _records(count: int) -> list[dict]:
    nan = float("nan")
    codes = [code for code, _ in view.LEAGUE_METRICS]
    return [{"code": f"c{i:02d}", "name": f"社区{i}", "name_en": f"C{i}", "population": 1000 + 500 * i,
             **{c: (float(100 - i) if c == codes[0] else nan) for c in codes}} for i in range(count)]


LEAGUE_INFO = {"activity_participants": {"kind": "flow", "unit": "人次"},
               "volunteer_hours": {"kind": "flow", "unit": "小时"},
               "hotline_satisfaction_rate": {"kind": "ratio", "unit": "%", "target": 0.9, "better": "higher"},
               "grid_events_closure_rate": {"kind": "ratio", "unit": "%", "target": 0.95, "better": "higher"}}


def test_a_community_ranked_below_the_shown_rows_still_sees_its_own():
    rows = wall._league({"level": "siblings", "area": "c10", "rows": _records(14)}, LEAGUE_INFO, "zh")
    assert len(rows) == view.LEAGUE_ROWS
    top = view.LEAGUE_ROWS - view.LEAGUE_BOTTOM
    # The top (less one place for its own row), its own row, and the last-ranked ones.
    assert [r["rank"] for r in rows] == [*range(1, top), 11, *range(15 - view.LEAGUE_BOTTOM, 15)]
    assert [r["own"] for r in rows] == [False] * (top - 1) + [True] + [False] * view.LEAGUE_BOTTOM
    assert [r["gap"] for r in rows] == [False] * (top - 1) + [True] + [False] * view.LEAGUE_BOTTOM  # 11 to 12 is no gap
    assert rows[-1]["cells"][1] == "—"  # no figure is a dash, never 0


def test_the_league_shows_every_area_that_fits_and_else_the_top_and_the_bottom():
    few = wall._league({"level": "children", "area": "s", "rows": _records(view.LEAGUE_ROWS)}, LEAGUE_INFO, "zh")
    assert [r["rank"] for r in few] == list(range(1, view.LEAGUE_ROWS + 1)) and not any(r["gap"] for r in few)
    many = wall._league({"level": "children", "area": "s", "rows": _records(30)}, LEAGUE_INFO, "en")
    assert many[-1]["rank"] == 30 and many[-1]["name"] == "C29"  # the last-ranked is on screen
    body = wall._league_rows(many, "en")
    assert [tr.className for tr in body].count("wall-league-after-gap") == 1


def test_counts_are_compared_per_1000_residents_and_rates_against_their_target():
    records = _records(2)
    codes = [code for code, _ in view.LEAGUE_METRICS]
    # A small community with fewer participants in all but more per resident ranks first.
    records[0].update({codes[0]: 200.0, "population": 20000, codes[2]: 0.85, codes[3]: 0.97})
    records[1].update({codes[0]: 150.0, "population": 5000})
    rows = wall._league({"level": "children", "area": "s", "rows": records}, LEAGUE_INFO, "zh")
    assert [r["name"] for r in rows] == ["社区1", "社区0"]
    assert rows[0]["cells"][0] == "30" and rows[1]["cells"][0] == "10"  # per 1,000 residents
    assert rows[1]["gaps"][0] is None  # no target, no gap
    assert rows[1]["gaps"][2] == {"text": "差5.0点", "below": True}
    assert rows[1]["gaps"][3] == {"text": "达标", "below": False}
    records[1].update(population=None, **{codes[3]: 0.99})  # residents unknown: no rate per 1,000, never a raw count
    rows = wall._league({"level": "children", "area": "s", "rows": records}, LEAGUE_INFO, "en")
    assert rows[1]["cells"][0] == "—" and rows[1]["name"] == "C1" and rows[0]["gaps"][2]["text"] == "5.0 pts short"
    notes = wall._league_notes(LEAGUE_INFO, "zh")
    assert notes["league-note-activity_participants"] == "每千人"
    assert notes["league-note-hotline_satisfaction_rate"] == "目标 90%"


def _catalogue_without(engine, folder, *codes: str) -> set[str]:
    """Load the shipped metric catalogue with the lines of ``codes`` taken out, and of the
    ratios made of them (the catalogue refuses a ratio of a metric it has not): all those."""
    import csv

    from data.catalog import load_catalog
    from data.settings import catalog_dir

    shipped = (catalog_dir() / "metrics.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.DictReader(shipped))
    codes = tuple(codes)
    while more := {r["code"] for r in rows if {r["numerator"], r["denominator"]} & set(codes)} - set(codes):
        codes += tuple(more)
    catalogue = folder / "metrics.csv"
    catalogue.write_text("".join(line for line in shipped if line.split(",")[0] not in codes), encoding="utf-8")
    load_catalog(engine, metrics=catalogue)
    return set(codes)


@pytest.fixture
def without_fund_income(engine, warehouse_url, monkeypatch, tmp_path):
    """A warehouse whose catalogue (the shipped file, one line taken out) has no ``fund_income``,
    with the hotline and the fund ledger delivered, and an app reading it."""
    _catalogue_without(engine, tmp_path, "fund_income")
    _write(engine, "hotline", _facts(_days(date(2025, 10, 1), date(2025, 12, 4)), [HUIQUAN],
                                     "hotline_received", 3.0), "h")
    _write(engine, "funds", pd.concat([
        _facts(_days(date(2025, 11, 1), date(2025, 12, 4)), [HUIQUAN], "fund_spending", 100.0),
        _facts(_days(date(2025, 11, 1), date(2025, 12, 4)), [HUIQUAN], "fund_public_income", 50.0),
        _facts(_days(date(2025, 11, 1), date(2025, 12, 4)), [HUIQUAN], "fund_social_income", 25.0)]), "f")
    with wall_app(warehouse_url, monkeypatch):
        yield engine


def test_a_metric_missing_from_the_catalogue_costs_only_what_needs_it(without_fund_income, caplog):
    with caplog.at_level("WARNING"):
        zh = wall.read_figures(SHAHE, "zh", TODAY)
        en = wall.read_figures(SHAHE, "en", TODAY)
    stats = zh["stats"]
    assert stats["cob-fund_income"] == "无数据"
    assert en["stats"]["cob-fund_income"] == "no data"
    assert stats["cob-fund_spending"] == "3,400"  # the rest of the wall refreshed
    warned = [r.getMessage() for r in caplog.records if "fund_income" in r.getMessage()]
    assert len(warned) == 1 and "catalogue" in warned[0]



def test_a_kpi_a_chart_a_map_and_a_league_column_without_their_metric_say_no_data(engine, warehouse_url, monkeypatch,
                                                                                   tmp_path):
    """活动参与 is a KPI tile, two charts, the map's figure and the league's first column; 网格事件
    a stat and a chart. Without them in the catalogue the whole first screen is still drawn."""
    gone = _catalogue_without(engine, tmp_path, "activity_participants", "grid_events_reported")
    assert "activity_checkin_rate" in gone  # a ratio of a metric taken out goes with it
    _write(engine, "hotline", _facts(_days(date(2025, 10, 1), date(2025, 12, 4)), [HUIQUAN],
                                     "hotline_received", 3.0), "h")
    with wall_app(warehouse_url, monkeypatch):
        for lang, none in (("zh", "无数据"), ("en", "no data")):
            data = wall.first_screen(SHAHE, lang)[Wall.DATA].data
            tiles = {tile["code"]: tile for tile in data["kpis"]}
            assert tiles["activity_participants"]["target"] == none
            assert "0" not in str(tiles["activity_participants"].get("text", ""))
            f = wall.read_figures(SHAHE, lang, TODAY)
            assert f["stats"]["gov-grid_events_reported"] == none
            assert f["stats"]["gov-hotline_received"] == "12"  # the rest of the wall is read
            assert f["charts"]["governance-events"]["rows"] == []
            assert all(p["value"] is None for p in f["charts"]["participation-trend"])


@pytest.mark.parametrize(("lang", "first", "last"), [("zh", "12月<br>去年", "12月"), ("en", "Dec '24", "Dec")])
def test_twelve_months_and_this_one_so_far_are_thirteen_bars_not_two_on_one_place(lang, first, last):
    """近12个月 on 5 December is December last year to this December so far: both Decembers
    are drawn, each on its own place (a chart's category axis would put two "12月" on one),
    and only this one is partial."""
    months = [date(2024 + (11 + i) // 12, (11 + i) % 12 + 1, 1) for i in range(13)]
    points = wall._points([(m, 10.0 * (i + 1)) for i, m in enumerate(months)], lang, as_of=date(2025, 12, 4))
    labels = [p["label"] for p in points]
    assert len(set(labels)) == 13 and labels[0] == first and labels[-1] == last
    assert [p.get("partial", False) for p in points] == [False] * 12 + [True]
