"""The overview's cards are honest (issue 12): each card's period ends where its data ends
and is compared like-for-like, a late report reads as late (never as 0 or a drop), a stock
whose report is late shows its last level with its month, and a community missing from an
area's report keeps the area's change from being compared.

Warehouses are written by the real loader (``etl.load.write``), loaded on 5 December 2025
at 09:00, on SQLite and on PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from callbacks.overview import (
    CARRIED,
    LATE,
    MAX_ATTENTION,
    OK,
    STALE,
    _card_view,
    attention_items,
    card_owed,
    day_label,
    heading_as_of,
    kpi_cards,
    late_items,
    span_label,
)
from data import areas, periods, query
from data import health as source_health
from etl.load import FACT_COLUMNS, Output, month_days, write
from layouts.components import sparkline_svg

HUIQUAN, CHUANGYE, SHAHE = "510104011001", "510104011002", "510104011000"  # 汇泉路社区, 创业社区, 沙河街道
TODAY = date(2025, 12, 5)
THIS_MONTH = periods.this_month(TODAY)  # 1–5 December 2025
LAST_MONTH = periods.resolve("last_month", TODAY)
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _facts(rows) -> pd.DataFrame:
    return pd.DataFrame([{"period": p, "area_code": a, "metric_code": m, "dimension": "", "member": "", "value": v}
                         for p, a, m, v in rows], columns=FACT_COLUMNS)


def _load(engine, source: str, rows, name: str, **extra):
    facts = _facts(rows)
    return write(engine, source, sorted(set(facts["metric_code"])), f"{name}.csv", name, datetime(2025, 12, 5, 9),
                 Output(facts=facts, rejects=NO_REJECTS, **extra))


def _hotline_through_4_december(engine):
    """Ten orders a day in 汇泉路社区 from December 2024, 14 a day in December 2025: data to the 4th."""
    days = _days(date(2024, 12, 1), date(2025, 12, 4))
    _load(engine, "hotline", [(d, HUIQUAN, "hotline_received", 14.0 if d >= date(2025, 12, 1) else 10.0)
                              for d in days], "hotline")


def _party_report(engine, months: dict[date, list[str]], name: str):
    """The monthly party report: per month, the communities that sent their row."""
    for month, communities in months.items():
        rows = [(month, c, metric, value) for c in communities
                for metric, value in (("party_members", 80.0), ("party_three_sessions", 4.0),
                                      ("party_school_attendance", 30.0))]
        days = month_days([month])
        _load(engine, "party", rows, f"{name}-{month:%Y-%m}", covers=(days[0], days[-1]), communities=communities)


def _cards(engine, area: str, period, codes):
    return kpi_cards(codes, areas.get(area, engine=engine), period, engine=engine)


def test_a_partial_month_is_compared_with_the_same_days_of_last_month(warehouse):
    _hotline_through_4_december(warehouse)
    card = _cards(warehouse, SHAHE, THIS_MONTH, ["hotline_received"])["hotline_received"]
    assert card.state == OK and card.as_of == date(2025, 12, 4)
    assert (card.period.start, card.period.end) == (date(2025, 12, 1), date(2025, 12, 4))
    assert (card.previous.start, card.previous.end) == (date(2025, 11, 1), date(2025, 11, 4))
    assert (card.last_year.start, card.last_year.end) == (date(2024, 12, 1), date(2024, 12, 4))
    assert (card.value, card.before, card.year_ago) == (56, 40, 40)  # 4 days each: not 56 against 50
    assert span_label(card.period, "zh") + " vs " + span_label(card.previous, "zh") == "12月1–4日 vs 11月1–4日"
    assert span_label(card.previous, "en") == "1–4 Nov"
    assert span_label(card.last_year, "zh", year=2025) == "2024年12月1–4日"


def test_a_daily_source_is_listed_once_its_data_is_owed_not_before(warehouse):
    """Work orders through yesterday are on time; the same data a week later, the month's
    period still cut to the 4th, is a hotline that stopped delivering: overdue."""
    _hotline_through_4_december(warehouse)
    for today, listed in ((TODAY, []), (date(2025, 12, 12), [("bad", "逾期未报", "12345 热线工单未报送（截至12月4日）")])):
        card = _cards(warehouse, SHAHE, periods.this_month(today), ["hotline_received"])["hotline_received"]
        assert card.state == OK and (card.period.start, card.period.end) == (date(2025, 12, 1), date(2025, 12, 4))
        found = late_items({"hotline_received": card}, "zh", today=today)
        assert [(i["tone"], i["tag"], i["text"]) for i in found] == listed


def _text(component) -> str:
    """What an element reads, as a browser's textContent."""
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    return "".join(_text(c) for c in (children if isinstance(children, list) else [children]) if c is not None)


def _shown(component, cls: str) -> list[tuple[str, str]]:
    """(class, text) of every element of a drawn card whose class names ``cls``."""
    found = []
    children = getattr(component, "children", None)
    if cls in (getattr(component, "className", None) or "").split():
        found.append((component.className, _text(component)))
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if not isinstance(child, str):
            found += _shown(child, cls)
    return found


def test_a_card_whose_source_owes_its_data_says_so_beside_its_figure(warehouse):
    """The hotline stopped on 4 December. On the 5th its data through the 4th is on time: the card
    reads as any other. On the 7th the 5th's delivery is owed ("未报送", amber), on the 12th its grace
    days are gone ("逾期未报", red): the card says so beside its figure, and still compares
    1–4 December with 1–4 November. The card and "needs attention" ask the one rule (card_owed,
    late_items: data.health.reach)."""
    _hotline_through_4_december(warehouse)
    rhythms = source_health.rhythms()
    seen = {}
    for today in (TODAY, date(2025, 12, 7), date(2025, 12, 12)):
        card = _cards(warehouse, SHAHE, periods.this_month(today), ["hotline_received"])["hotline_received"]
        owing = card_owed(card, today, rhythms)
        assert [i["tag"] for i in late_items({"hotline_received": card}, "zh", today=today)] == (
            [] if owing is None else ["逾期未报" if owing == "overdue" else "未报送"])
        for lang in ("zh", "en"):
            view = _card_view(card, [], SHAHE, lang, 2025, today, owing=owing)
            seen[today, lang] = _shown(view, "kpi-as-of")
            assert [words for _, words in _shown(view, "kpi-note")] == [
                "12月1–4日 vs 11月1–4日" if lang == "zh" else "1–4 Dec vs 1–4 Nov"]
            assert [words for _, words in _shown(view, "kpi-value")] == ["56"]  # the figure is still shown
    assert seen == {
        (TODAY, "zh"): [], (TODAY, "en"): [],
        (date(2025, 12, 7), "zh"): [("kpi-as-of kpi-owed warn", "未报送 · 截至12月4日")],
        (date(2025, 12, 7), "en"): [("kpi-as-of kpi-owed warn", "Not in yet · through 4 Dec")],
        (date(2025, 12, 12), "zh"): [("kpi-as-of kpi-owed bad", "逾期未报 · 截至12月4日")],
        (date(2025, 12, 12), "en"): [("kpi-as-of kpi-owed bad", "Data overdue · through 4 Dec")]}


def test_a_report_not_yet_owed_keeps_its_cards_as_they_were(warehouse):
    """November's party report on 5 December: its flows "未报送 截至11月" as ever, its stock carried
    ("截至11月"), no chip: December's is owed from 1 January."""
    _party_report(warehouse, {date(2025, 10, 1): [HUIQUAN], date(2025, 11, 1): [HUIQUAN]}, "party")
    rhythms = source_health.rhythms()
    codes = ["party_members", "party_three_sessions"]
    cards = _cards(warehouse, SHAHE, THIS_MONTH, codes)
    assert {code: card_owed(card, TODAY, rhythms) for code, card in cards.items()} == dict.fromkeys(codes)
    members = _card_view(cards["party_members"], [], SHAHE, "zh", 2025, TODAY)
    sessions = _card_view(cards["party_three_sessions"], [], SHAHE, "zh", 2025, TODAY)
    assert _shown(members, "kpi-as-of") == [("kpi-as-of", "截至11月")]
    assert _shown(sessions, "kpi-value") == [("kpi-value kpi-late", "未报送")]
    assert [w for _, w in _shown(sessions, "kpi-note")] == ["截至11月"]


def test_a_report_past_its_grace_days_says_so_on_its_cards(warehouse):
    """October's party report the latest on 15 December: November's, owed since 1 December, is past
    its grace days. The flows read "逾期未报" (red) for "未报送", the carried stock says its month is overdue."""
    _party_report(warehouse, {date(2025, 9, 1): [HUIQUAN], date(2025, 10, 1): [HUIQUAN]}, "party")
    rhythms, codes, today = source_health.rhythms(), ["party_members", "party_three_sessions"], date(2025, 12, 15)
    cards = _cards(warehouse, SHAHE, periods.resolve("last_month", today), codes)
    owing = {code: card_owed(card, today, rhythms) for code, card in cards.items()}
    assert owing == dict.fromkeys(codes, "overdue")
    sessions = _card_view(cards["party_three_sessions"], [], SHAHE, "zh", 2025, today, owing=owing["party_three_sessions"])
    assert _shown(sessions, "kpi-value") == [("kpi-value kpi-late bad", "逾期未报")]
    assert [w for _, w in _shown(sessions, "kpi-note")] == ["截至10月"]
    members = _card_view(cards["party_members"], [], SHAHE, "en", 2025, today, owing=owing["party_members"])
    assert _shown(members, "kpi-as-of") == [("kpi-as-of kpi-owed bad", "Data overdue · through October")]


def test_the_heading_says_how_far_the_daily_figures_reach_from_the_earliest_to_the_latest(warehouse):
    """The hotline through 4 December, volunteering through the 3rd: the heading said "数据截至12月3日"
    as if the hotline stopped there too; it says both ends. One day for all: that day."""
    _hotline_through_4_december(warehouse)
    codes = ["hotline_received", "volunteer_hours"]
    cards = _cards(warehouse, SHAHE, THIS_MONTH, codes)
    assert heading_as_of(cards, "zh", year=2025) == "数据截至12月4日"  # no volunteering yet: one source, one day
    _load(warehouse, "volunteers", [(d, HUIQUAN, "volunteer_hours", 10.0) for d in _days(date(2025, 11, 1), date(2025, 12, 3))],
          "volunteers")
    cards = _cards(warehouse, SHAHE, THIS_MONTH, codes)
    assert [cards[c].period.end for c in codes] == [date(2025, 12, 4), date(2025, 12, 3)]
    assert heading_as_of(cards, "zh", year=2025) == "数据截至12月3–4日"
    assert heading_as_of(cards, "en", year=2025) == "Data through 3–4 Dec"
    assert heading_as_of({}, "zh", year=2025) is None


def test_the_list_never_runs_past_its_cap_and_needs_past_their_time_follow_the_overdue_orders(warehouse):
    """The list keeps to ``MAX_ATTENTION`` lines, the least serious left off. The needs past their
    promised time (one line, ``needs_waiting``) are a broken promise to residents like the overdue
    work orders: after them and before the orders still inside their time, the worsenings and the
    rising complaints, which the cap leaves off first."""
    infos = {code: query.metric_info(code, engine=warehouse)
             for code in ("hotline_satisfaction_rate", "grid_events_closure_rate", "dispute_mediation_rate")}
    categories = pd.DataFrame({"label": ["噪音扰民", "物业管理", "市政设施"], "label_en": ["Noise", "Property", "Roads"],
                               "current": [12.0, 9.0, 6.0], "previous": [4.0, 5.0, 5.0]})
    late = [{"tone": "bad", "tag": "逾期未报", "rank": 1, "text": "12345 热线工单未报送（截至12月4日）"},
            {"tone": "warn", "tag": "未报送", "rank": 1, "text": "党组织月报未报送（截至10月）"}]
    needs = [{"tone": "bad", "tag": "需求超期", "rank": 1, "text": "5 项需求超过承诺时限 · 最久 12 天（…）"}]
    items = attention_items(infos, dict.fromkeys(infos, 0.5), {}, overdue=2, still_open=41, categories=categories,
                            area=SHAHE, lang="zh", late=late, needs=needs)
    assert len(items) == MAX_ATTENTION
    assert [i["tag"] for i in items] == (["未达标"] * 3 + ["逾期未报", "未报送", "超期", "需求超期", "在办"]
                                         + ["上升"] * 2)
    fewer = attention_items(infos, dict.fromkeys(infos, 0.5), {}, overdue=2, still_open=41, categories=categories,
                            area=SHAHE, lang="zh", needs=needs)
    assert [i["tag"] for i in fewer] == ["未达标"] * 3 + ["超期", "需求超期", "在办", "上升", "上升", "上升"]


def test_a_partial_month_is_not_flagged_as_worse(warehouse):
    """Fewer orders is better for the hotline: fewer days of data must not read as an improvement
    nor, for a higher-is-better metric, as a drop."""
    days = _days(date(2025, 11, 1), date(2025, 12, 4))
    _load(warehouse, "volunteers", [(d, HUIQUAN, "volunteer_hours", 10.0) for d in days], "volunteers")
    cards = _cards(warehouse, SHAHE, THIS_MONTH, ["volunteer_hours"])
    card = cards["volunteer_hours"]
    assert (card.value, card.before) == (40, 40)  # the whole of 1–5 November would be 50: ▼20%
    infos = {code: c.info for code, c in cards.items()}
    items = attention_items(infos, {"volunteer_hours": card.value}, {"volunteer_hours": card.before},
                            area=SHAHE, lang="zh")
    assert items == []


def test_a_change_over_less_than_a_week_is_shown_but_not_judged(warehouse):
    """1–4 December (Monday–Thursday) against 1–4 November (Saturday–Tuesday): volunteering
    falls on weekends, so the short window drops 40% with the calendar. The card shows the
    change; "needs attention" judges a daily figure only over a week or more."""
    from callbacks.overview import judged

    days = _days(date(2025, 10, 1), date(2025, 12, 4))
    _load(warehouse, "volunteers", [(d, HUIQUAN, "volunteer_hours", 20.0 if d.weekday() >= 5 else 5.0)
                                    for d in days], "volunteers")
    card = _cards(warehouse, SHAHE, THIS_MONTH, ["volunteer_hours"])["volunteer_hours"]
    assert card.comparable and (card.value, card.before) == (20, 50)  # shown: ▼60%
    assert not judged(card)
    # Over a whole last month the same figures are judged (and are like-for-like).
    whole = _cards(warehouse, SHAHE, LAST_MONTH, ["volunteer_hours"])["volunteer_hours"]
    assert whole.comparable and judged(whole)


def test_a_party_report_not_yet_delivered_is_late_and_its_stock_carried(warehouse):
    _party_report(warehouse, {date(2025, 10, 1): [HUIQUAN, CHUANGYE], date(2025, 11, 1): [HUIQUAN, CHUANGYE]}, "party")
    cards = _cards(warehouse, SHAHE, THIS_MONTH, ["party_members", "party_three_sessions"])
    members, sessions = cards["party_members"], cards["party_three_sessions"]
    # the flow: not yet reported, never 0 and never a drop
    assert sessions.state == LATE and sessions.as_of == date(2025, 11, 30)
    assert sessions.value is None and not sessions.comparable
    # the stock: November's level, compared with October's
    assert members.state == CARRIED and members.value == 160
    assert (members.period.start, members.period.end) == (date(2025, 11, 1), date(2025, 11, 30))
    assert (members.previous.start, members.previous.end) == (date(2025, 10, 1), date(2025, 10, 31))
    assert members.before == 160
    # December's report is owed once December is over (1 January, the party rhythm in etl/sources.yaml):
    # on 5 December nobody owes it, so the leaders are not told it needs attention
    assert late_items(cards, "zh", today=TODAY) == []
    current = {c: card.value for c, card in cards.items() if card.state in (OK, CARRIED)}
    previous = {c: card.before for c, card in cards.items() if card.comparable}
    items = attention_items({c: card.info for c, card in cards.items()}, current, previous, area=SHAHE, lang="zh",
                            late=late_items(cards, "zh", today=TODAY))
    assert items == []  # and no "三会一课 环比 ▼100%" either


@pytest.mark.parametrize(("today", "tone", "tag", "tag_en"), [
    (date(2025, 12, 15), "bad", "逾期未报", "Data overdue"),  # due 1 December, 10 days' grace gone
    (date(2025, 12, 8), "warn", "未报送", "Not in yet"),  # due 1 December, inside the grace days
])
def test_a_party_report_past_its_day_is_listed_as_due_then_overdue(warehouse, today, tone, tag, tag_en):
    """November's report not in: owed since 1 December; past the grace days it is overdue."""
    _party_report(warehouse, {date(2025, 9, 1): [HUIQUAN], date(2025, 10, 1): [HUIQUAN]}, "party")
    cards = _cards(warehouse, SHAHE, periods.resolve("last_month", today), ["party_members", "party_three_sessions"])
    assert cards["party_three_sessions"].state == LATE and cards["party_three_sessions"].as_of == date(2025, 10, 31)
    late = late_items(cards, "zh", today=today)
    assert [(i["tone"], i["tag"], i["text"]) for i in late] == [(tone, tag, "党组织月报未报送（截至10月）")]
    assert [(i["tag"], i["text"]) for i in late_items(cards, "en", today=today)] == [
        (tag_en, "Party monthly report not yet delivered (through October)")]
    current = {c: card.value for c, card in cards.items() if card.state in (OK, CARRIED)}
    previous = {c: card.before for c, card in cards.items() if card.comparable}
    items = attention_items({c: card.info for c, card in cards.items()}, current, previous, area=SHAHE, lang="zh",
                            late=late)
    assert [i["text"] for i in items] == ["党组织月报未报送（截至10月）"]  # no "三会一课 环比 ▼100%"


def test_a_stock_is_carried_no_further_than_its_window(warehouse):
    _party_report(warehouse, {date(2025, 8, 1): [HUIQUAN]}, "party")
    card = _cards(warehouse, SHAHE, THIS_MONTH, ["party_members"])["party_members"]
    assert card.state == STALE and card.value is None  # August is four months back, the window two


def test_one_community_missing_its_report_keeps_the_street_from_being_compared(warehouse):
    _party_report(warehouse, {date(2025, 10, 1): [HUIQUAN, CHUANGYE], date(2025, 11, 1): [HUIQUAN]}, "party")
    cards = _cards(warehouse, SHAHE, LAST_MONTH, ["party_three_sessions"])
    street = cards["party_three_sessions"]
    assert street.state == OK and street.value == 4 and street.before == 8  # 创业社区's November is missing
    assert street.lagging == (("party", CHUANGYE, date(2025, 10, 31)),) and not street.comparable
    # November's report was due on 1 December: on the 5th 创业社区's is in its grace days, on the 12th overdue
    late = late_items(cards, "zh", names={CHUANGYE: "创业社区"}, today=TODAY)
    assert [(i["tone"], i["tag"], i["text"]) for i in late] == [("warn", "未报送", "党组织月报：创业社区未报送（截至10月）")]
    late = late_items(cards, "en", names={CHUANGYE: "Chuangye"}, today=date(2025, 12, 12))
    assert [(i["tone"], i["tag"], i["text"]) for i in late] == [
        ("bad", "Data overdue", "Party monthly report: no report from Chuangye (through October)")]
    # the community itself: not yet reported for November
    own = _cards(warehouse, CHUANGYE, LAST_MONTH, ["party_three_sessions"])["party_three_sessions"]
    assert own.state == LATE and own.as_of == date(2025, 10, 31)


def test_a_community_a_day_behind_a_daily_source_is_not_listed_until_its_data_is_due(warehouse):
    """The hotline delivers daily with 2 days' grace: 创业社区's work orders through 3 December
    are no one's concern on the 5th (the street's change is still not compared, its sum lacks a
    day), owed on the 6th and overdue on the 8th, when the street's, through the 4th, are owed too."""
    for community, last in ((HUIQUAN, date(2025, 12, 4)), (CHUANGYE, date(2025, 12, 3))):
        _load(warehouse, "hotline", [(d, community, "hotline_received", 10.0) for d in _days(date(2025, 11, 1), last)],
              f"hotline-{community}", communities=[community])
    names = {CHUANGYE: "创业社区", HUIQUAN: "汇泉路社区"}
    listed = {}
    for day in (date(2025, 12, 5), date(2025, 12, 6), date(2025, 12, 8)):
        cards = _cards(warehouse, SHAHE, periods.this_month(day), ["hotline_received"])
        street = cards["hotline_received"]
        assert street.state == OK and street.as_of == date(2025, 12, 4)
        assert street.lagging == (("hotline", CHUANGYE, date(2025, 12, 3)),) and not street.comparable
        listed[day] = [(i["tag"], i["text"]) for i in late_items(cards, "zh", names=names, today=day)]
    assert listed == {date(2025, 12, 5): [],
                      date(2025, 12, 6): [("未报送", "12345 热线工单：创业社区未报送（截至12月3日）")],
                      date(2025, 12, 8): [("逾期未报", "12345 热线工单：创业社区未报送（截至12月3日）"),
                                          ("未报送", "12345 热线工单未报送（截至12月4日）")]}


FIVE_DAILY = {"hotline": "hotline_received", "grid_events": "grid_events_reported", "activities": "activity_signups",
              "services": "service_transactions", "care": "care_services"}


def test_five_sources_stopped_on_the_same_day_take_one_line_and_leave_room_for_rising_complaints(warehouse):
    """The deliveries stopped on 4 December: on the 12th five daily sources are overdue. Listed one
    a line they took five of the ten lines, and with the street's three ratios below target and
    its overdue and open orders the rising complaint categories fell off the list. One line names
    all five and links to the data page; the rising categories are listed."""
    for source, metric in FIVE_DAILY.items():
        _load(warehouse, source, [(d, HUIQUAN, metric, 10.0) for d in _days(date(2025, 11, 1), date(2025, 12, 4))],
              source)
    today = date(2025, 12, 12)
    cards = _cards(warehouse, SHAHE, periods.this_month(today), list(FIVE_DAILY.values()))
    late = late_items(cards, "zh", today=today)
    assert [(i["tone"], i["tag"], i["text"], i["href"]) for i in late] == [
        ("bad", "逾期未报", "12345 热线工单、网格事件、活动报名、便民服务、一老一小未报送（截至12月4日）", "/data")]
    assert [(i["tag"], i["text"], i["href"]) for i in late_items(cards, "en", today=today)] == [
        ("Data overdue", "12345 hotline, Grid events, Activity sign-ups, Service hall, Elderly and child care "
                         "not yet delivered (through 4 Dec)", "/data?lang=en")]

    below = {code: query.metric_info(code, engine=warehouse)
             for code in ("hotline_satisfaction_rate", "grid_events_closure_rate", "dispute_mediation_rate")}
    categories = pd.DataFrame({"label": ["噪音扰民", "物业管理", "市政设施"], "label_en": ["Noise", "Property", "Roads"],
                               "current": [12.0, 9.0, 6.0], "previous": [4.0, 5.0, 5.0]})
    items = attention_items(below, {code: 0.5 for code in below}, {}, overdue=2, still_open=41, categories=categories,
                            area=SHAHE, lang="zh", late=late)
    assert [i["tag"] for i in items] == ["未达标"] * 3 + ["逾期未报", "超期", "在办"] + ["上升"] * 3
    assert [i["text"] for i in items if i["tag"] == "上升"] == [
        "12345 诉求类别「噪音扰民」比上期增加 8 件", "12345 诉求类别「物业管理」比上期增加 4 件",
        "12345 诉求类别「市政设施」比上期增加 1 件"]
    # in English the data's tag and the work orders' are told apart
    english = attention_items(below, {code: 0.5 for code in below}, {}, overdue=2, area=SHAHE, lang="en",
                              late=late_items(cards, "en", today=today))
    assert [i["tag"] for i in english if "overdue" in i["tag"].lower()] == ["Data overdue", "Orders overdue"]


def test_sources_through_different_days_keep_a_line_each_saying_its_day(warehouse):
    """Care stopped a day before the others: on the 8th its data, through the 3rd, is overdue
    (red, first); the other four, through the 4th, are inside their grace days and share a line."""
    for source, metric in FIVE_DAILY.items():
        last = date(2025, 12, 3) if source == "care" else date(2025, 12, 4)
        _load(warehouse, source, [(d, HUIQUAN, metric, 10.0) for d in _days(date(2025, 11, 1), last)], source)
    today = date(2025, 12, 8)
    cards = _cards(warehouse, SHAHE, periods.this_month(today), list(FIVE_DAILY.values()))
    assert [(i["tone"], i["tag"], i["text"]) for i in late_items(cards, "zh", today=today)] == [
        ("bad", "逾期未报", "一老一小未报送（截至12月3日）"),
        ("warn", "未报送", "12345 热线工单、网格事件、活动报名、便民服务未报送（截至12月4日）")]


def test_a_ratio_reaches_as_far_as_its_parts(warehouse):
    days = _days(date(2025, 11, 1), date(2025, 12, 3))
    _load(warehouse, "hotline", [(d, HUIQUAN, m, 1.0) for d in days for m in ("hotline_on_time", "hotline_resolved")],
          "hotline")
    card = _cards(warehouse, SHAHE, THIS_MONTH, ["hotline_on_time_rate"])["hotline_on_time_rate"]
    assert card.state == OK and card.period.end == date(2025, 12, 3) and card.value == 1.0


@pytest.mark.parametrize(("day", "grain", "lang", "words"), [
    (date(2025, 12, 4), "day", "zh", "12月4日"),
    (date(2025, 12, 4), "day", "en", "4 Dec"),
    (date(2025, 11, 30), "month", "zh", "11月"),
    (date(2025, 11, 30), "month", "en", "November"),
])
def test_as_of_labels(day, grain, lang, words):
    assert day_label(day, grain, lang, year=2025) == words
    assert day_label(day, grain, lang, year=2026).count("2025") == 1


def test_the_sparkline_marks_a_month_not_over():
    whole = sparkline_svg([1, 2, 3])
    partial = sparkline_svg([1, 2, 3], partial=True)
    assert "stroke-dasharray" not in whole and "stroke-dasharray" in partial
    assert "fill%3D%22%23fff%22" in partial  # the last point is hollow
    assert "stroke-dasharray" not in sparkline_svg([1, 2, None], partial=True)  # a gap, not a partial point


def test_a_window_that_cuts_a_month_offers_no_monthly_flow_but_carries_a_stock(warehouse):
    """The last 7 days hold no whole month: a monthly report's flow has no figure for them
    (it is never split into days), its stock shows the latest month's level."""
    from callbacks.overview import MONTHLY

    _party_report(warehouse, {date(2025, 10, 1): [HUIQUAN], date(2025, 11, 1): [HUIQUAN]}, "party")
    week = periods.resolve("last_7_days", date(2025, 11, 30))  # 24–30 November: the report covers it
    cards = _cards(warehouse, SHAHE, week, ["party_members", "party_three_sessions"])
    assert cards["party_three_sessions"].state == MONTHLY and cards["party_three_sessions"].value is None
    assert cards["party_members"].state == CARRIED and cards["party_members"].value == 80
    assert late_items(cards, "zh", today=date(2025, 12, 15)) == []  # the report reaches the window's end


def test_a_ratio_with_nothing_to_divide_by_says_so_instead_of_a_bare_dash(warehouse):
    """Social money raised per yuan of public funds: in a month with no public funds received the
    ratio has no figure (never 0 and never infinite), and the card says why, in both languages."""
    from callbacks.overview import _card_view

    days = _days(date(2025, 11, 1), date(2025, 12, 4))
    _load(warehouse, "funds", [(d, HUIQUAN, "fund_social_income", 100.0) for d in days]
          + [(d, HUIQUAN, "fund_public_income", 1000.0 if d == date(2025, 11, 12) else 0.0) for d in days], "funds")
    card = _cards(warehouse, SHAHE, THIS_MONTH, ["fund_leverage"])["fund_leverage"]
    assert card.state == OK and card.value is None and card.no_base["code"] == "fund_public_income"
    zh = _card_view(card, [], SHAHE, "zh", 2025, TODAY)
    assert "本期财政保障资金为0，不计比值" in str(zh) and "—" in str(zh)
    assert "No ratio: divisor is 0" in str(_card_view(card, [], SHAHE, "en", 2025, TODAY))
    # November had public funds: its ratio is a figure, and no such note
    whole = _cards(warehouse, SHAHE, LAST_MONTH, ["fund_leverage"])["fund_leverage"]
    assert whole.value == pytest.approx(3000 / 1000) and whole.no_base is None
