"""Co-building on the pages (issue 14): the wall's 共建共享 panel and KPI tile, and the
overview's needs waiting past their promised time, read from a warehouse the real sample
generator and ETL built (沙河街道, three months), checked against the fact and item tables.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from callbacks import overview, wall
from data import db, items, labels, settings
from data.schema import fact, item
from layouts import wall as view
from support import wall_app

SHAHE = "510104011000"


@pytest.fixture
def shown(sample_warehouse_url, monkeypatch):
    with wall_app(sample_warehouse_url, monkeypatch):
        yield sample_warehouse_url


def _items(url: str) -> pd.DataFrame:
    with db.get_engine(url).connect() as conn:
        frame = pd.DataFrame(conn.execute(select(item).where(item.c.area_code.like(SHAHE[:9] + "%"))).mappings().all())
    for column in ("received_at", "due_at", "closed_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def test_the_panel_shows_the_alliances_latest_month_and_the_wishes_just_fulfilled(shown):
    assert "cobuild" in view.PANELS and "needs_satisfaction_rate" in [code for code, _, _ in view.KPIS]
    f = wall.read_figures(SHAHE, "zh", settings.local_today())
    with db.get_engine(shown).connect() as conn:
        levels = pd.DataFrame(conn.execute(select(fact.c.period, fact.c.value).where(
            fact.c.metric_code == "alliance_merchants", fact.c.dimension == "",
            fact.c.area_code.like(SHAHE[:9] + "%"))).all(), columns=["period", "value"])
    latest = levels[levels.period == levels.period.max()]
    assert len(latest) > 3, "every community of the street reported its alliance"
    assert int(f["stats"]["cob-alliance_merchants"].replace(",", "")) == int(latest.value.sum())

    found = _items(shown)
    wishes = found[(found.kind == "微心愿") & (found.status == "已实现") & found.closed_at.notna()]
    newest = wishes.sort_values(["closed_at", "item_id"], ascending=[False, True]).head(view.WISHES_SHOWN)
    rows = f["lists"]["wishes"]
    assert len(rows) == len(newest) > 0
    for row, (_, need) in zip(rows, newest.iterrows()):
        assert row["title"].startswith(labels.label(need.category, "zh"))
        assert labels.label(need.handled_by, "zh") in row["title"]
    # No resident and no claimer is named: every name the exports carried stays out.
    samples = Path(shown.removeprefix("sqlite:///")).parent / "samples" / "needs"
    names = set()
    for path in samples.glob("*.csv"):
        export = pd.read_csv(path, encoding="gbk", skiprows=1, dtype=str).fillna("")
        names |= set(export["提出人"]) | set(export["认领方"])
    names.discard("")
    assert names, "the sample exports carry residents' names"
    shown_text = " ".join(f"{r['title']} {r['sub']}" for r in rows)
    assert not [n for n in names if n in shown_text]
    assert any(tile["code"] == "needs_satisfaction_rate" for tile in f["kpis"])


def _waiting(url: str, now) -> pd.DataFrame:
    """The street's open needs past their promised time at ``now``, longest past it first."""
    found = _items(url)
    waiting = found[(found.source == "needs") & found.status.isin(items.OPEN["needs"]) & found.due_at.notna()
                    & (found.due_at < now)]
    return waiting.sort_values(["due_at", "item_id"])


def test_needs_past_their_promised_time_are_one_line_with_their_count_and_the_longest(shown):
    """"12 项需求超过承诺时限 · 最久 44 天（同心社区 · 助老 · 企业）": every need past its time
    counted (not the first five), the one furthest past it named by community, category and
    the kind of claimer, linking to the needs past their time by category."""
    now = settings.local_now()
    waiting = _waiting(shown, now)
    assert len(waiting) > 1, "the samples hold several needs past their promised time"
    worst = waiting.iloc[0]
    [line] = overview.needs_waiting(SHAHE, "zh", now=now)
    assert (line["rank"], line["tone"], line["tag"]) == (1, "bad", "需求超期")
    assert line["text"].startswith(f"{len(waiting)} 项需求超过承诺时限 · 最久 {(now - worst.due_at).days} 天（")
    assert labels.label(worst.category, "zh") in line["text"]
    assert worst.item_id not in line["text"]  # several: their numbers are on the explorer's page
    assert "needs_overdue" in line["href"] and "by=category" in line["href"]
    [english] = overview.needs_waiting(SHAHE, "en", now=now)
    assert english["text"].startswith(f"{len(waiting)} needs, longest {(now - worst.due_at).days} days (")
    assert english["tag"] == "Needs overdue"


def test_a_single_need_past_its_time_keeps_its_own_line_with_its_number(shown):
    waiting = _waiting(shown, settings.local_now())
    first, second = waiting.due_at.iloc[0], waiting.due_at.iloc[1]
    assert first < second
    now = (first + (second - first) / 2).to_pydatetime()  # only the first is past its time
    [line] = overview.needs_waiting(SHAHE, "zh", now=now)
    need = waiting.iloc[0]
    assert need.item_id in line["text"] and line["text"].endswith(f"超过承诺时限 {(now - first).days} 天")
    assert overview.needs_waiting(SHAHE, "zh", now=(first - pd.Timedelta(minutes=1)).to_pydatetime()) == []


def test_a_waiting_need_says_who_claimed_it_by_kind_never_by_name(shown):
    import re

    from etl.sources import needs

    kinds = {labels.label(k, "en") for k in needs.CLAIMERS} | {"unclaimed"}
    waiting = _waiting(shown, settings.local_now())
    for now in (settings.local_now(), (waiting.due_at.iloc[0] + pd.Timedelta(minutes=1)).to_pydatetime()):
        [entry] = overview.needs_waiting(SHAHE, "en", now=now)
        [said] = re.findall(r"\(([^)]*)\)", entry["text"])
        assert said.split(", ")[-1] in kinds, entry["text"]


def test_several_needs_past_their_time_leave_room_for_the_rising_complaints(shown):
    """Five lines of needs past their promised time once pushed the rising complaint categories
    off the ten lines of "needs attention". With three ratios below target, overdue and open
    orders and three rising complaints, the needs (three here; a line each made eleven lines) are
    one line after the overdue orders, and the rising complaints keep their three lines."""
    from data import query

    needs = overview.needs_waiting(SHAHE, "zh")
    assert len(_waiting(shown, settings.local_now())) > 1, "the samples hold several needs past their time"
    below = {code: query.metric_info(code)
             for code in ("hotline_satisfaction_rate", "grid_events_closure_rate", "dispute_mediation_rate")}
    categories = pd.DataFrame({"label": ["噪音扰民", "物业管理", "市政设施"], "label_en": ["Noise", "Property", "Roads"],
                               "current": [12.0, 9.0, 6.0], "previous": [4.0, 5.0, 5.0]})
    listed = overview.attention_items(below, dict.fromkeys(below, 0.5), {}, overdue=2, still_open=41,
                                      categories=categories, area=SHAHE, lang="zh", needs=needs)
    assert [i["tag"] for i in listed] == ["未达标"] * 3 + ["超期", "需求超期", "在办"] + ["上升"] * 3
    assert [i["text"] for i in listed if i["tag"] == "上升"] == [
        "12345 诉求类别「噪音扰民」比上期增加 8 件", "12345 诉求类别「物业管理」比上期增加 4 件",
        "12345 诉求类别「市政设施」比上期增加 1 件"]
