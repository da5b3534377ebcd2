"""Work items from the 12345 hotline and the grid-event ledger (DOMAIN.md, ``item``).

One line per work order or event, with its own number, area, category, times and status,
and nothing personal; a re-delivery replaces the items of its scope; overdue is counted
from the due times in Chengdu time, whatever zone the server runs in.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select

from data import items, settings
from data.schema import etl_reject, item
from etl import pipeline
from etl.extract import Limits
from test_etl_grid_events import EVENTS, GRID_3, GRID_5, write_ledger
from test_etl_hotline import COLUMNS

NOW = datetime(2025, 4, 1, 10, 0)
SHAHE = "510104011"
HUIQUAN, CHUANGYE = "510104011001", "510104011002"
PERSONAL = ("刘小红", "13512345678", "小区门口占道经营", "陈网格", "周网格", "吴网格", "13011112222")


def orders(*specs):
    """(number, received, community, status, closed, limit) -> a hotline export with
    a caller, a phone number and complaint text in every row."""
    return pd.DataFrame([[n, received, "电话", "投诉", "物业管理", "锦江区", "沙河街道", community, "刘小红",
                          "13512345678", "小区门口占道经营", status, closed, limit, "否", ""]
                         for n, received, community, status, closed, limit in specs], columns=COLUMNS)


def stored(engine, source):
    with engine.connect() as conn:
        return {r.item_id: r._asdict() for r in conn.execute(select(item).where(item.c.source == source))}


def load(engine, tmp_path, name, frame, now=NOW, **limits):
    path = tmp_path / name
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return pipeline.load_location(engine, "hotline", str(path), now=now, limits=Limits(**limits) if limits else None)


FIRST = orders(
    ("H1", "2025/3/7 9:05", "汇泉路社区", "办理中", "", "5个工作日"),    # a Friday: due the next Friday
    ("H2", "2025-03-08 10:00", "汇泉路社区", "已办结", "2025-03-09 11:00", "3天"),
    ("H3", "2025-03-20 08:00", "创业社区", "办理中", "", "2025-03-21 08:00:00"),
    ("H4", "2025-03-25 14:00", "创业社区", "办理中", "", "24小时"),
    ("H5", "2025-03-26 14:00", "创业社区", "已退回", "", "尽快"),
    ("H6", "2024-11-01 09:00", "创业社区", "已办结", "2024-11-02 09:00", "5天"),  # closed long ago: not kept
)


def test_each_order_is_one_item_with_its_times_and_nothing_personal(warehouse, tmp_path):
    [result] = load(warehouse, tmp_path, "orders.csv", FIRST)
    assert result.rows_loaded == 6
    got = stored(warehouse, "hotline")
    assert set(got) == {"H1", "H2", "H3", "H4", "H5"}
    assert {k: (v["area_code"], v["category"], v["kind"], v["status"]) for k, v in got.items()} == {
        "H1": (HUIQUAN, "物业管理", "投诉", "办理中"), "H2": (HUIQUAN, "物业管理", "投诉", "已办结"),
        "H3": (CHUANGYE, "物业管理", "投诉", "办理中"), "H4": (CHUANGYE, "物业管理", "投诉", "办理中"),
        "H5": (CHUANGYE, "物业管理", "投诉", "已退回")}
    assert {k: (v["received_at"], v["due_at"], v["closed_at"]) for k, v in got.items()} == {
        "H1": (datetime(2025, 3, 7, 9, 5), datetime(2025, 3, 14, 9, 5), None),
        "H2": (datetime(2025, 3, 8, 10), datetime(2025, 3, 11, 10), datetime(2025, 3, 9, 11)),
        "H3": (datetime(2025, 3, 20, 8), datetime(2025, 3, 21, 8), None),
        "H4": (datetime(2025, 3, 25, 14), datetime(2025, 3, 26, 14), None),
        "H5": (datetime(2025, 3, 26, 14), None, None)}
    text = repr(sorted(got.values(), key=str))
    assert not [p for p in PERSONAL if p in text]
    with warehouse.connect() as conn:  # the unreadable limit is said, the order kept
        [reason] = conn.execute(select(etl_reject.c.reason).where(etl_reject.c.run_id == result.run_id,
                                                                  etl_reject.c.field == "办理时限")).scalars()
    assert "尽快" in reason


def test_overdue_orders_oldest_first_with_days_over(warehouse, tmp_path):
    load(warehouse, tmp_path, "orders.csv", FIRST)
    late = items.past_due("hotline", SHAHE, NOW, engine=warehouse)
    # H2 closed, H5 returned and undated: only open orders past their due time
    assert [(r["item_id"], r["area_name"], r["days_over"]) for r in late] == [
        ("H1", "汇泉路社区", 18), ("H3", "创业社区", 11), ("H4", "创业社区", 5)]
    assert [r["item_id"] for r in items.past_due("hotline", CHUANGYE, NOW, engine=warehouse)] == ["H3", "H4"]


def test_a_source_that_never_wrote_items_is_said_so_not_shown_as_none(warehouse, tmp_path):
    """A warehouse loaded before the item table has no items until the next delivery: the
    待办 list must not read that as "nothing needs action"."""
    assert items.unrecorded(("hotline", "grid_events"), engine=warehouse) == ["hotline", "grid_events"]
    load(warehouse, tmp_path, "orders.csv", FIRST)
    assert items.unrecorded(("hotline", "grid_events"), engine=warehouse) == ["grid_events"]


def test_overdue_is_counted_in_chengdu_time(warehouse, tmp_path):
    chengdu = settings.local_now().replace(microsecond=0)
    fmt = "%Y-%m-%d %H:%M:%S"
    frame = orders(
        ("T1", (chengdu - timedelta(days=2)).strftime(fmt), "汇泉路社区", "办理中", "",
         (chengdu - timedelta(hours=1)).strftime(fmt)),
        ("T2", (chengdu - timedelta(days=2)).strftime(fmt), "汇泉路社区", "办理中", "",
         (chengdu + timedelta(hours=1)).strftime(fmt)))
    load(warehouse, tmp_path, "today.csv", frame, now=chengdu)
    # due an hour ago in Chengdu: overdue now, though not yet by the server's UTC clock (8 hours behind)
    assert [r["item_id"] for r in items.past_due("hotline", SHAHE, engine=warehouse)] == ["T1"]


def test_a_redelivery_replaces_the_items_of_its_scope(warehouse, tmp_path):
    load(warehouse, tmp_path, "orders.csv", FIRST)
    corrected = orders(
        ("H1", "2025/3/7 9:05", "创业社区", "办理中", "", "5个工作日"),  # moved to its neighbour
        ("H2", "2025-03-08 10:00", "汇泉路社区", "已办结", "2025-03-09 11:00", "3天"),
        ("H3", "2025-03-20 08:00", "创业社区", "已办结", "2025-03-22 08:00", "2025-03-21 08:00:00"),
        ("H7", "2025-03-26 15:00", "汇泉路社区", "办理中", "", "5天"),
        # H4 and H5, received inside the corrected export's days, are no longer in it: gone
    )
    load(warehouse, tmp_path, "orders-corrected.csv", corrected)
    got = stored(warehouse, "hotline")
    assert {k: (v["area_code"], v["status"]) for k, v in got.items()} == {
        "H1": (CHUANGYE, "办理中"), "H2": (HUIQUAN, "已办结"), "H3": (CHUANGYE, "已办结"),
        "H7": (HUIQUAN, "办理中")}
    # a delivery of other days leaves these alone
    load(warehouse, tmp_path, "april.csv", orders(("H9", "2025-04-01 08:00", "汇泉路社区", "办理中", "", "5天")))
    assert set(stored(warehouse, "hotline")) == {"H1", "H2", "H3", "H7", "H9"}


def test_a_delivery_read_in_chunks_keeps_every_chunks_items(warehouse, tmp_path):
    frame = orders(*[(f"C{i}", f"2025-03-{1 + i % 20:02d} 09:00", ("汇泉路社区", "创业社区")[i % 2], "办理中", "", "3天")
                     for i in range(25)])
    [result] = load(warehouse, tmp_path, "big.csv", frame, chunk_rows=7)
    assert result.rows_loaded == 25
    assert set(stored(warehouse, "hotline")) == {f"C{i}" for i in range(25)}
    load(warehouse, tmp_path, "big2.csv", frame.iloc[:20], chunk_rows=7)  # the last 5 dropped on re-delivery
    assert set(stored(warehouse, "hotline")) == {f"C{i}" for i in range(20)}


def test_each_grid_event_is_one_item_on_its_grid_with_nothing_personal(warehouse, tmp_path):
    path = write_ledger(tmp_path / "events.xlsx", EVENTS)
    pipeline.load_location(warehouse, "grid_events", str(path), now=NOW)
    got = stored(warehouse, "grid_events")
    # E7's category is not one of the six: refused, so not listed
    assert {k: (v["area_code"], v["category"], v["kind"], v["status"], v["closed_at"]) for k, v in got.items()} == {
        "E1": (GRID_3, "安全隐患", "一般", "已办结", datetime(2025, 3, 3, 15)),
        "E2": (GRID_3, "矛盾纠纷", "紧急", "已核查", datetime(2025, 3, 4, 9)),
        "E3": (GRID_5, "环境卫生", "特急", "处置中", None),
        "E4": (HUIQUAN, "矛盾纠纷", "一般", "待受理", None),
        "E5": (CHUANGYE, "民生服务", "一般", "已办结", datetime(2025, 3, 2, 12)),
        "E6": (CHUANGYE, "民生服务", "一般", "已办结", None)}
    assert got["E3"]["received_at"] == datetime(2025, 3, 3, 10, 30)
    assert all(v["due_at"] is None for v in got.values())  # the ledger promises no time
    text = repr(sorted(got.values(), key=str))
    assert not [p for p in PERSONAL if p in text]
    # a corrected ledger: E4 handled, E3 withdrawn
    fixed = [e for e in EVENTS if e[0] != "E3"]
    fixed = [e[:10] + ["处置中", ""] + e[12:] if e[0] == "E4" else e for e in fixed]
    path = write_ledger(tmp_path / "events-fixed.xlsx", fixed)
    pipeline.load_location(warehouse, "grid_events", str(path), now=NOW)
    got = stored(warehouse, "grid_events")
    assert sorted(got) == ["E1", "E2", "E4", "E5", "E6"] and got["E4"]["status"] == "处置中"


def test_the_needs_action_list_names_overdue_and_soon_due_orders_and_waiting_events(warehouse, tmp_path):
    from callbacks import todo
    from data import export

    load(warehouse, tmp_path, "orders.csv", FIRST)
    pipeline.load_location(warehouse, "grid_events", str(write_ledger(tmp_path / "events.xlsx", EVENTS)), now=NOW)
    at = datetime(2025, 3, 25, 15)  # H4 is due the next day at 14:00: due soon
    found = items.needs_action(SHAHE, at, engine=warehouse)
    # oldest received first: events awaiting action (no due time), orders past due, one due soon
    assert [(r["item_id"], r["community"], r["days_over"]) for r in found] == [
        ("E3", "汇泉路社区", None), ("E4", "汇泉路社区", None), ("H1", "汇泉路社区", 11), ("H3", "创业社区", 4),
        ("H4", "创业社区", -1)]
    assert [r["item_id"] for r in items.needs_action(SHAHE, at, sources=("hotline",), engine=warehouse)] == [
        "H1", "H3", "H4"]
    assert [r["item_id"] for r in items.needs_action(SHAHE, at, statuses=("待受理",), engine=warehouse)] == ["E4"]
    assert [r["item_id"] for r in items.needs_action(CHUANGYE, at, engine=warehouse)] == ["H3", "H4"]
    early = datetime(2025, 3, 20, 9)  # H3 due the next morning, H4 not yet received
    assert [r["item_id"] for r in items.needs_action(SHAHE, early, sources=("hotline",), engine=warehouse)] == [
        "H1", "H3"]

    # The lines as the page and its CSV show them: nothing personal, no item number.
    lines = todo.rows(SHAHE, ["hotline", "grid_events"], None, "zh", at, engine=warehouse)
    assert [(x["source"], x["category"], x["community"], x["received"], x["due"], x["status"], x["days_over"], x["note"])
            for x in lines] == [
        ("网格事件", "环境卫生", "汇泉路社区", "2025-03-03 10:30", "", "处置中", None, "无时限"),
        ("网格事件", "矛盾纠纷", "汇泉路社区", "2025-03-03 11:00", "", "待受理", None, "无时限"),
        ("12345工单", "物业管理", "汇泉路社区", "2025-03-07 09:05", "2025-03-14 09:05", "办理中", 11, ""),
        ("12345工单", "物业管理", "创业社区", "2025-03-20 08:00", "2025-03-21 08:00", "办理中", 4, ""),
        ("12345工单", "物业管理", "创业社区", "2025-03-25 14:00", "2025-03-26 14:00", "办理中", None, "即将到期")]
    csv = export.to_csv_bytes(todo.table(lines, "zh")).decode("utf-8-sig")
    assert csv.splitlines()[0] == "来源,类别,社区,受理时间,办理时限,状态,超期天数,"
    assert not [p for p in PERSONAL if p in csv] and "H1" not in csv
    links = todo.figure_links(SHAHE, "this_quarter", None, None, ["hotline"], "zh")
    assert "metric=hotline_overdue" in links[1].href and "period=this_quarter" in links[1].href \
        and f"area={SHAHE}" in links[1].href
