"""Data health: which sources are on time, which are overdue, and why rows were refused.

A source is due once its next delivery (a day, a week or a calendar month after the
last good load) has passed, and overdue once its grace days have passed too. ``today``
is always given, so these tests mean the same on any day.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert

from data import health, schema
from data.health import Rhythm

DAILY, WEEKLY, MONTHLY = Rhythm("daily", 2), Rhythm("weekly", 3), Rhythm("monthly", 10)


@pytest.mark.parametrize("rhythm, last, today, expected", [
    (DAILY, date(2025, 3, 1), date(2025, 3, 1), "ok"),
    (DAILY, date(2025, 3, 1), date(2025, 3, 2), "ok"),  # today's delivery may still come
    (DAILY, date(2025, 3, 1), date(2025, 3, 3), "due"),
    (DAILY, date(2025, 3, 1), date(2025, 3, 4), "due"),  # last day of grace
    (DAILY, date(2025, 3, 1), date(2025, 3, 5), "overdue"),
    (WEEKLY, date(2025, 3, 1), date(2025, 3, 8), "ok"),
    (WEEKLY, date(2025, 3, 1), date(2025, 3, 11), "due"),
    (WEEKLY, date(2025, 3, 1), date(2025, 3, 12), "overdue"),
    (MONTHLY, date(2025, 1, 31), date(2025, 2, 28), "ok"),  # a month after 31 January is 28 February
    (MONTHLY, date(2025, 1, 31), date(2025, 3, 10), "due"),
    (MONTHLY, date(2025, 1, 31), date(2025, 3, 11), "overdue"),
    (Rhythm(None), date(2020, 1, 1), date(2025, 3, 1), "ok"),  # no rhythm: never overdue
])
def test_a_source_is_due_after_its_rhythm_and_overdue_after_its_grace(rhythm, last, today, expected):
    assert health.status(last, rhythm, today) == expected


def test_a_failed_attempt_shows_unless_the_source_is_already_overdue():
    assert health.status(date(2025, 3, 1), DAILY, date(2025, 3, 2), last_attempt_failed=True) == "failed"
    assert health.status(date(2025, 3, 1), DAILY, date(2025, 3, 9), last_attempt_failed=True) == "overdue"
    assert health.status(None, DAILY, date(2025, 3, 9), last_attempt_failed=True) == "failed"
    assert health.status(None, DAILY, date(2025, 3, 9)) == "never"


def test_monthly_deliveries_keep_to_the_calendar():
    assert health.next_delivery(date(2024, 1, 31), "monthly") == date(2024, 2, 29)
    assert health.next_delivery(date(2024, 12, 15), "monthly") == date(2025, 1, 15)
    assert health.next_delivery(date(2025, 3, 1), "weekly") == date(2025, 3, 8)


def test_every_contract_source_has_a_rhythm_in_the_projects_configuration():
    found = health.rhythms()
    for source in health.SOURCES:
        assert found[source].rhythm in health.RHYTHMS, source
        assert found[source].grace_days >= 0


def test_the_configuration_may_be_a_mapping_and_a_bad_rhythm_names_its_source(tmp_path):
    good = tmp_path / "sources.yaml"
    good.write_text("hotline:\n  rhythm: daily\n  grace_days: 1\nparty:\n  rhythm: monthly\n", encoding="utf-8")
    assert health.rhythms(good) == {"hotline": Rhythm("daily", 1), "party": Rhythm("monthly", 0)}

    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - name: care\n    rhythm: fortnightly\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"source 'care', field 'rhythm': 'fortnightly'"):
        health.rhythms(bad)
    assert health.rhythms(tmp_path / "missing.yaml") == {}


def test_an_edited_configuration_is_read_again(tmp_path):
    """The rhythms are kept between calls (the overview asks on every render) until the file
    changes: a changed rhythm is seen at the next call, a broken file still says where it is
    broken, and a removed file means no rhythms again."""
    config = tmp_path / "sources.yaml"
    config.write_text("hotline:\n  rhythm: daily\n", encoding="utf-8")
    assert health.rhythms(config) == {"hotline": Rhythm("daily", 0)}
    health.rhythms(config).clear()  # what a caller does with its copy stays with it
    assert health.rhythms(config) == {"hotline": Rhythm("daily", 0)}

    config.write_text("hotline:\n  rhythm: weekly\n  grace_days: 2\n", encoding="utf-8")
    assert health.rhythms(config) == {"hotline": Rhythm("weekly", 2)}

    # The same size: only the modification time tells the edit, as a save a moment later does.
    stamp = config.stat().st_mtime_ns
    config.write_text("hotline:\n  rhythm: weekly\n  grace_days: 3\n", encoding="utf-8")
    os.utime(config, ns=(stamp + 1_000_000_000, stamp + 1_000_000_000))
    assert health.rhythms(config) == {"hotline": Rhythm("weekly", 3)}

    config.write_text("hotline:\n  rhythm: hourly\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ValueError, match=r"source 'hotline', field 'rhythm': 'hourly'"):
            health.rhythms(config)
    config.unlink()
    assert health.rhythms(config) == {}


TODAY = date(2025, 3, 10)
CONFIG = {
    "hotline": DAILY, "grid_events": DAILY, "activities": DAILY, "volunteers": WEEKLY, "party": MONTHLY,
    "services": DAILY, "care": DAILY, "areas": Rhythm("monthly", 31), "content": Rhythm("weekly", 7),
}


def _run(conn, source, status, day, read=0, loaded=0, rejected=0, message=None):
    started = datetime.combine(day, datetime.min.time()) + timedelta(hours=2)
    return conn.execute(insert(schema.etl_run).values(
        source=source, location=f"/inbox/{source}/{day}.csv", checksum=f"{source}{day}{status}",
        started_at=started, finished_at=started + timedelta(minutes=1), status=status,
        rows_read=read, rows_loaded=loaded, rows_rejected=rejected, message=message,
    )).inserted_primary_key[0]


@pytest.fixture
def log(engine):
    """An ETL log with one source in every state."""
    with engine.begin() as conn:
        for source in ("activities", "services", "care"):
            _run(conn, source, "success", TODAY, 100, 100)
        _run(conn, "content", "success", TODAY - timedelta(days=2), 12, 12)
        _run(conn, "hotline", "success", TODAY - timedelta(days=1), 500, 498, 2)
        failed = _run(conn, "hotline", "failed", TODAY, 40, 0, 3, message="文件不完整：缺少列 受理时间")
        conn.execute(insert(schema.etl_reject), [
            dict(run_id=failed, row_number=7, field="受理时间", reason="'2025/13/45' 不是日期", raw="{}"),
            dict(run_id=failed, row_number=3, field="所属社区", reason="社区 '和平社区X' 不在区划登记中", raw="{}"),
            dict(run_id=failed, row_number=12, field="满意度", reason="'很好' 不是评价结果", raw="{}"),
        ])
        _run(conn, "grid_events", "success", TODAY - timedelta(days=3), 80, 80)
        _run(conn, "volunteers", "success", TODAY - timedelta(days=14), 60, 60)
        _run(conn, "volunteers", "unchanged", TODAY)  # the same file again is no delivery
        _run(conn, "party", "success", date(2025, 1, 15), 16, 16)
        _run(conn, "parking", "success", TODAY, 5, 5)  # a source the configuration does not know
    return engine


def test_each_source_gets_its_status_from_the_etl_log(log):
    found = {entry["source"]: entry for entry in health.sources(TODAY, engine=log, config=CONFIG)}
    assert list(found) == [*health.SOURCES, "parking"]
    assert {name: entry["status"] for name, entry in found.items()} == {
        "hotline": "failed", "grid_events": "due", "activities": "ok", "volunteers": "overdue",
        "party": "overdue", "services": "ok", "care": "ok", "areas": "never", "content": "ok", "parking": "ok",
        "needs": "never", "merchants": "never", "funds": "never",
    }
    hotline = found["hotline"]
    assert hotline["last_loaded_at"] == datetime(2025, 3, 9, 2, 1)
    assert hotline["days_since"] == 1 and hotline["expected_by"] == date(2025, 3, 12)
    assert (hotline["last_attempt"]["rows_read"], hotline["last_attempt"]["rows_rejected"]) == (40, 3)
    assert [(r["row_number"], r["field"]) for r in hotline["reasons"]] == [(3, "所属社区"), (7, "受理时间"), (12, "满意度")]
    assert found["volunteers"]["last_run"]["status"] == "unchanged"
    assert found["areas"]["last_loaded_at"] is None and found["areas"]["reasons"] == []
    assert found["parking"]["rhythm"] is None
    assert health.summary(list(found.values())) == {
        "never": 4, "overdue": 2, "failed": 1, "due": 1, "ok": 5, "total": 13}


def test_recent_runs_and_refused_rows_come_newest_first(log):
    runs = health.recent_runs(3, engine=log)
    assert [r["source"] for r in runs] == ["parking", "party", "volunteers"]
    rejects = health.recent_rejects(engine=log)
    assert [(r["source"], r["row_number"]) for r in rejects] == [("hotline", 3), ("hotline", 7), ("hotline", 12)]
    assert rejects[0]["reason"] == "社区 '和平社区X' 不在区划登记中"


def test_a_delivery_refused_whole_stays_failed_until_that_file_loads(engine):
    """A month's file that could not be read leaves a gap even when later files load."""
    with engine.begin() as conn:
        _run(conn, "services", "success", TODAY - timedelta(days=40), 900, 900)
        _run(conn, "services", "failed", TODAY - timedelta(days=30), message="无法识别文件编码 / cannot decode")
        broken = _run(conn, "services", "failed", TODAY - timedelta(days=30), message="无法识别文件编码 / cannot decode")
        _run(conn, "services", "success", TODAY, 950, 950)
    [services] = [e for e in health.sources(TODAY, engine=engine, config=CONFIG) if e["source"] == "services"]
    assert services["status"] == "failed"
    assert [run["id"] for run in services["unresolved"]] == [broken]  # a file tried twice is listed once

    with engine.begin() as conn:  # the same file, delivered again and loaded
        conn.execute(insert(schema.etl_run).values(
            source="services", location=f"/inbox/services/{TODAY - timedelta(days=30)}.csv", checksum="fixed",
            started_at=datetime(2025, 3, 10, 9), finished_at=datetime(2025, 3, 10, 9, 1), status="success",
            rows_read=910, rows_loaded=910, rows_rejected=0))
    [services] = [e for e in health.sources(TODAY, engine=engine, config=CONFIG) if e["source"] == "services"]
    assert services["status"] == "ok" and services["unresolved"] == []


def test_every_source_in_the_etl_log_has_a_card_title_in_both_languages():
    from etl import sources
    from layouts import data_health

    for source in [*sources.SOURCES, "catalog"]:  # the catalogue logs its loads too (data/catalog.py)
        zh = data_health.source_name({"source": source}, "zh")
        en = data_health.source_name({"source": source}, "en")
        assert zh != source and en != source and zh != en, source


def test_a_source_says_how_far_its_data_reaches_and_keeps_warnings_apart_from_refusals(warehouse, tmp_path):
    """The grid ledger of tests/test_etl_grid_events.py: two events kept with a field warning,
    one refused; the data reaches the day of its events."""
    from etl import pipeline
    from test_etl_grid_events import EVENTS, NOW, write_ledger

    pipeline.load_location(warehouse, "grid_events", str(write_ledger(tmp_path / "ledger.xlsx", EVENTS)), now=NOW)
    found = {s["source"]: s for s in health.sources(date(2025, 4, 1), engine=warehouse)}
    grid = found["grid_events"]
    assert grid["data_through"] == date(2025, 3, 3)
    assert [(r["row_number"], r["field"]) for r in grid["reasons"]] == [(10, "事件大类")]
    assert [(r["row_number"], r["field"]) for r in grid["warnings"]] == [(8, "办结时间"), (9, "办结时间")]
    assert found["hotline"]["data_through"] is None  # never delivered: no date, not an old one
    assert {r["severity"] for r in health.recent_rejects(engine=warehouse)} == {"refused", "warning"}


# ---------------------------------------------------------------- issue 12: reach, periods, severity


@pytest.mark.parametrize("rhythm, through, today, expected", [
    (DAILY, date(2025, 3, 4), date(2025, 3, 5), "ok"),  # through yesterday: what today's delivery holds
    (DAILY, date(2025, 3, 2), date(2025, 3, 5), "due"),
    (DAILY, date(2025, 2, 28), date(2025, 3, 5), "overdue"),
    (MONTHLY, date(2025, 2, 28), date(2025, 3, 5), "ok"),  # February's report in early March
    (MONTHLY, date(2025, 1, 31), date(2025, 3, 5), "due"),  # February's report is late, inside its grace
    (MONTHLY, date(2025, 1, 31), date(2025, 3, 12), "overdue"),
    (MONTHLY, None, date(2025, 3, 5), "never"),
])
def test_a_sources_data_is_behind_by_the_same_rhythm_and_grace_as_its_loads(rhythm, through, today, expected):
    assert health.reach(through, rhythm, today) == expected


def test_the_periods_of_the_data_page_start_where_data_periods_says():
    today = date(2026, 12, 5)
    assert health.since("last_7_days", today) == date(2026, 11, 29)
    assert health.since("last_30_days", today) == date(2026, 11, 6)
    assert health.since("this_month", today) == date(2026, 12, 1)
    assert health.since("all", today) is None
    assert health.since(None, today) == health.since(health.DEFAULT_PERIOD, today)
    with pytest.raises(ValueError, match="period must be one of"):
        health.since("last_century", today)


@pytest.fixture
def history(engine):
    """Refusals and warnings of three runs on different days, each row stored with its raw text
    (every row names its severity: an executemany takes its columns from the first row)."""
    with engine.begin() as conn:
        old = _run(conn, "hotline", "success", TODAY - timedelta(days=20), 100, 98, 2)
        new = _run(conn, "hotline", "success", TODAY - timedelta(days=2), 100, 99, 1)
        grid = _run(conn, "grid_events", "success", TODAY, 50, 50)
        conn.execute(insert(schema.etl_reject), [
            dict(run_id=old, row_number=4, field="受理时间", reason="不是日期", raw='{"受理时间": "昨天"}', severity="refused"),
            dict(run_id=old, row_number=9, field="所属社区", reason="不在区划登记中", raw="{}", severity="refused"),
            dict(run_id=new, row_number=2, field="满意度", reason="不是评价结果", raw='{"满意度": "=1+1"}', severity="refused"),
            dict(run_id=grid, row_number=8, field="办结时间", reason="早于上报时间", raw="{}", severity="warning"),
            dict(run_id=grid, row_number=9, field="办结时间", reason="为空", raw="{}", severity="warning"),
            dict(run_id=grid, row_number=10, field="事件大类", reason="不在事件分类中", raw="{}", severity="refused"),
        ])
    return engine


def test_refusals_and_warnings_are_counted_over_the_chosen_period(history):
    week = TODAY - timedelta(days=6)
    assert health.reject_counts(engine=history) == {
        "hotline": {"refused": 3, "warning": 0}, "grid_events": {"refused": 1, "warning": 2}}
    assert health.reject_counts(week, engine=history) == {
        "hotline": {"refused": 1, "warning": 0}, "grid_events": {"refused": 1, "warning": 2}}
    assert health.reject_counts(TODAY + timedelta(days=1), engine=history) == {}

    found = {e["source"]: e for e in health.sources(TODAY, engine=history, config=CONFIG, since=week)}
    assert found["hotline"]["counts"] == {"refused": 1, "warning": 0}
    assert [r["row_number"] for r in found["hotline"]["reasons"]] == [2]  # the older run's are outside the week
    assert found["care"]["counts"] == {"refused": 0, "warning": 0}
    everything = {e["source"]: e for e in health.sources(TODAY, engine=history, config=CONFIG)}
    assert [r["row_number"] for r in everything["hotline"]["reasons"]] == [2, 4, 9]


def test_warnings_are_kept_apart_from_refusals_and_the_stored_row_is_read_whole_only_for_the_download(history):
    week = TODAY - timedelta(days=6)
    warnings = health.rejects(week, severity="warning", engine=history)
    assert [(r["source"], r["row_number"], r["severity"]) for r in warnings] == [
        ("grid_events", 8, "warning"), ("grid_events", 9, "warning")]
    refused = health.rejects(week, severity="refused", engine=history)
    assert [(r["source"], r["row_number"]) for r in refused] == [("grid_events", 10), ("hotline", 2)]
    assert all("raw" not in r for r in [*warnings, *refused, *health.recent_rejects(engine=history)])
    assert [r["raw"] for r in health.rejects(source="hotline", preview=5, engine=history)] == [
        '{"满意度…', '{"受理时…', "{}"]  # the grids' preview: cut, and says so

    download = health.rejects(source="hotline", raw=True, limit=None, engine=history)
    assert [(r["row_number"], r["raw"]) for r in download] == [
        (2, '{"满意度": "=1+1"}'), (4, '{"受理时间": "昨天"}'), (9, "{}")]
    assert health.rejects(limit=2, engine=history) == health.rejects(engine=history)[:2]


def test_cards_come_worst_first_then_by_name(log):
    found = health.sources(TODAY, engine=log, config=CONFIG)
    order = [(e["status"], e["source"]) for e in health.ordered(found)]
    assert order == [
        ("never", "areas"), ("never", "funds"), ("never", "merchants"), ("never", "needs"),
        ("overdue", "party"), ("overdue", "volunteers"), ("failed", "hotline"),
        ("due", "grid_events"), ("ok", "activities"), ("ok", "care"), ("ok", "content"), ("ok", "parking"),
        ("ok", "services"),
    ]
    # by another name (the page's words), and a source whose data lags ranks by its data
    behind = [dict(e, data_status="overdue") if e["source"] == "care" else e for e in found]
    names = [e["source"] for e in health.ordered(behind, name=lambda e: e["source"][::-1])]
    # saera < sdeen < sdnuf < stnahcrem; erac < sreetnulov < ytrap
    assert names[:7] == ["areas", "needs", "funds", "merchants", "care", "volunteers", "party"]


def test_a_source_with_no_delivered_day_says_never_and_one_without_dates_says_nothing(warehouse, tmp_path):
    """On the real loader: the grid ledger's data reaches 3 March, so on 1 April it is overdue;
    the hotline feeds metrics but never delivered; the area register has no dates at all."""
    from etl import pipeline
    from test_etl_grid_events import EVENTS, NOW, write_ledger

    pipeline.load_location(warehouse, "grid_events", str(write_ledger(tmp_path / "ledger.xlsx", EVENTS)), now=NOW)
    found = {s["source"]: s for s in health.sources(date(2025, 4, 1), engine=warehouse, since=date(2025, 3, 25))}
    grid = found["grid_events"]
    assert (grid["status"], grid["data_through"], grid["data_status"]) == ("ok", date(2025, 3, 3), "overdue")
    assert grid["counts"] == {"refused": 1, "warning": 2}
    assert found["hotline"]["data_status"] == "never"
    assert found["areas"]["data_status"] is None and found["content"]["data_status"] is None
    assert health.severity_rank(grid) == health.STATUSES.index("overdue")  # its card ranks by its data


def test_the_download_answers_with_the_chosen_sources_rows_of_the_period(sqlite_url, monkeypatch):
    """The callback's answer (callbacks/data_health.download) on a ledger the real loader read."""
    import base64
    import csv
    import io
    import tempfile
    from pathlib import Path

    from callbacks.data_health import download
    from data import db, settings
    from data.catalog import load_catalog
    from etl import pipeline
    from test_etl_grid_events import EVENTS, NOW, write_ledger

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    engine = db.get_engine(sqlite_url)
    load_catalog(engine)
    with tempfile.TemporaryDirectory() as folder:
        pipeline.load_location(engine, "grid_events", str(write_ledger(Path(folder) / "l.xlsx", EVENTS)), now=NOW)
    today = settings.local_today()  # the run started today (local time), inside any period
    answer = download("last_7_days", "grid_events", "zh", today=today)
    assert answer["filename"] == f"etl-rejects_grid_events_{today - timedelta(days=6):%Y%m%d}-{today:%Y%m%d}.csv"
    data = base64.b64decode(answer["content"]) if answer.get("base64") else answer["content"].encode()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["行号"], r["字段"], r["类别"]) for r in rows] == [
        ("8", "办结时间", "字段警告"), ("9", "办结时间", "字段警告"), ("10", "事件大类", "拒收")]
    assert all(r["数据源"] == "网格事件" and r["原始内容（已去除个人信息）"].startswith("{") for r in rows)
    assert "13011112222" not in data.decode("utf-8-sig")  # personal data is never stored
    nothing = download("all", "hotline", "zh", today=today)
    assert base64.b64decode(nothing["content"]).decode("utf-8-sig").count("\r\n") == 1  # the header alone


def test_a_reason_reads_in_the_pages_language_without_losing_its_value():
    """The ETL stores reasons "中文 / English" (etl/validate.py); the Chinese page keeps the
    Chinese half, the allowed values of a closing "(允许 / allowed: …)" included."""
    from layouts.data_health import reason_text

    refused = {"row_number": 2470, "field": "事项类别",
               "reason": "'公积金' 不是允许的值 / is not an allowed value (允许 / allowed: 社保, 医保, 其他)"}
    assert reason_text(refused, "zh") == "第 2470 行 · 事项类别：'公积金' 不是允许的值（允许：社保, 医保, 其他）"
    # the English page: the value the Chinese half opens with, then the English half
    assert reason_text(refused, "en").endswith("'公积金' is not an allowed value (allowed: 社保, 医保, 其他)")
    late = {"row_number": None, "field": "", "reason": "'2027/9/25 12:19' 晚于当前时间 / is in the future"}
    assert reason_text(late, "zh") == "'2027/9/25 12:19' 晚于当前时间"
    assert reason_text(late, "en") == "'2027/9/25 12:19' is in the future"
    # a value inside the Chinese half is not in the English one: the English page keeps it all
    unknown = {"row_number": None, "field": "", "reason": "社区 '测试社区' 不在区划登记中 / community not in the area register"}
    assert reason_text(unknown, "en") == unknown["reason"]
    # words the rule cannot split cleanly are shown whole rather than cut wrong
    summary = {"row_number": None, "field": "", "reason": "0 条事实 / facts · 新增 0 个区划 / areas"}
    assert reason_text(summary, "zh") == summary["reason"]
