"""The shortcuts that make a big load fast give exactly what the plain way gives.

Cleaning and checking once per distinct value (or once per column) still names the
right row and field; grouping on integer codes matches pandas' group-by; the monthly
roll-up a load writes from memory equals a full rebuild from the facts, whether the
load wrote it itself or fell back to the SQL refresh.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert, select, text

from data import rollup
from data.schema import etl_reject, etl_run, fact_month
from etl import clean, pipeline
from etl.extract import Limits
from etl.groups import distinct_rows, refine
from etl.validate import Field, validate
from tests.test_etl_framework import NOW, order, write_csv


def _month_rows(engine):
    with engine.connect() as conn:
        rows = conn.execute(select(fact_month)).all()
        marker = rollup.marker(conn)
        version = rollup.data_version(conn)
    return sorted(tuple(str(v) for v in row) for row in rows), marker == version


def assert_rollup_is_a_full_rebuild(engine):
    """fact_month as the loads left it equals rebuilding all of it from fact, and is current."""
    written, current = _month_rows(engine)
    assert current
    with engine.begin() as conn:
        rollup.refresh(conn)
    rebuilt, _ = _month_rows(engine)
    assert written == rebuilt


def _load(engine, path, **limits):
    return pipeline.load_location(engine, "hotline", str(path), now=NOW, limits=Limits(**limits))


def test_the_rollup_a_load_writes_equals_a_full_rebuild(warehouse, tmp_path):
    march = [order(f"GD{n}", f"2025/3/{1 + n % 20} 9:{n % 60:02d}", category=["物业管理", "噪音扰民"][n % 2],
                   community=["汇泉路社区", "创业社区"][n % 2], rating=["满意", "", "不满意"][n % 3])
             for n in range(60)]
    _load(warehouse, write_csv(tmp_path / "first.csv", march))  # a fresh warehouse
    assert_rollup_is_a_full_rebuild(warehouse)
    # A corrected export of a few days of the same month: other days' facts stay in it.
    _load(warehouse, write_csv(tmp_path / "days.csv", [r for r in march if r[1].startswith("2025/3/1 ")][:3]))
    assert_rollup_is_a_full_rebuild(warehouse)
    # A new month, in chunks of 7 rows, one with an order dated in March again.
    april = [order(f"GE{n}", f"2025/3/{25 + n % 3} 8:{n % 60:02d}", community=["同心社区", "汇泉路社区"][n % 2])
             for n in range(30)]
    _load(warehouse, write_csv(tmp_path / "april.csv", april), chunk_rows=7)
    assert_rollup_is_a_full_rebuild(warehouse)


def test_a_load_after_facts_were_changed_by_hand_rebuilds_the_rollup(warehouse, tmp_path):
    _load(warehouse, write_csv(tmp_path / "a.csv", [order("GD1", "2025/3/7 9:05")]))
    with warehouse.begin() as conn:  # a writer that does not keep the roll-up: it is no longer current
        conn.execute(text("UPDATE fact SET value = value + 5 WHERE metric_code = 'hotline_received'"))
        conn.execute(insert(etl_run).values(source="by hand", started_at=NOW, status="success"))
    _load(warehouse, write_csv(tmp_path / "b.csv", [order("GD2", "2025/2/7 9:05")]))
    assert_rollup_is_a_full_rebuild(warehouse)


def test_a_bad_value_cleaned_once_per_distinct_value_names_its_row_and_field(warehouse, tmp_path):
    rows = [order(f"GD{n}", f"2025/3/{1 + n % 9} 10:{n:02d}", rating="满 意", channel="ＡＰＰ") for n in range(40)]
    rows[17][-1] = "很 好"  # spaces and full-width forms: this column takes the per-value path
    rows[23][1] = "2025/3/40 10:00"  # no such day
    rows[31][1] = "2026/3/1 10:00"  # after NOW
    [result] = _load(warehouse, write_csv(tmp_path / "orders.csv", rows))
    with warehouse.connect() as conn:
        rejects = conn.execute(select(etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.reason)
                               .order_by(etl_reject.c.row_number)).all()
    assert [(r, f) for r, f, _ in rejects] == [(17 + 3, "满意度"), (23 + 3, "受理时间"), (31 + 3, "受理时间")]
    assert "'很好' 不是允许的值" in rejects[0][2]
    assert "不是可识别的日期时间" in rejects[1][2] and "晚于当前时间" in rejects[2][2]
    assert (result.rows_loaded, result.rows_rejected) == (38, 2)  # the rating is not essential: a warning


def test_datetimes_parsed_row_by_row_equal_those_parsed_per_distinct_text():
    forms = ["2025/3/7 9:05", "2025-03-07 09:05:00", "2025年3月7日", "45723.378472222", "", "下周二",
             "2025-03-07T01:05:00Z", "2024-02-30 10:00", "1800-01-01"]
    many = [f"2025-0{1 + n % 9}-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}" for n in range(30_000)]
    column = pd.Series(many + forms * 3, dtype=str)
    parsed = clean.parse_datetimes(column)  # mostly distinct: the row-by-row path
    one_by_one = pd.Series([clean.parse_datetimes(pd.Series([t], dtype=str))[0] for t in forms * 3])
    assert parsed.iloc[len(many):].reset_index(drop=True).equals(one_by_one)
    assert parsed.iloc[:len(many)].notna().all()
    assert parsed[len(many) + 6] == pd.Timestamp("2025-03-07 09:05")  # UTC to Chengdu
    as_categories = clean.parse_datetimes(column.astype("category"))
    assert as_categories.equals(parsed)


def test_checks_on_a_categorical_column_match_those_on_text():
    fields = [Field("评价", allowed=("满意", "不满意"), nullable=False), Field("日期", kind="datetime")]
    rows = pd.DataFrame({"_row": [3, 4, 5, 6], "评价": ["满意", "很好", "", "不满意"],
                         "日期": ["2025-3-1", "2025-3-1", "x", "2099-1-1"]})
    plain = validate(rows, fields, now=NOW)
    coded = validate(rows.astype({"评价": "category", "日期": "category"}), fields, now=NOW)
    assert plain.rejects.equals(coded.rejects)
    assert list(coded.rows["_row"]) == [3]


@pytest.mark.parametrize("size", [50, 5_000])
def test_grouping_on_codes_numbers_groups_like_pandas(size):
    rng = np.random.default_rng(size)
    frame = pd.DataFrame({"a": rng.integers(0, 7, size), "b": rng.choice(["x", "y", ""], size),
                          "c": pd.Categorical(rng.choice(["p", "q"], size))})
    group, firsts = distinct_rows(frame)
    expected = frame.groupby(["a", "b", "c"], sort=False, observed=True).ngroup().to_numpy()
    assert (group == expected).all()
    assert (frame.iloc[firsts].reset_index(drop=True) == frame.drop_duplicates().reset_index(drop=True)).all().all()
    codes = rng.integers(0, 10**6, size)  # sparse combinations take the hash-table path
    assert (refine(group, codes, 10**6) == pd.factorize(group * (10**6 + 1) + codes)[0]).all()


def test_facts_from_codes_equal_a_pandas_groupby():
    from etl.facts import breakdown, totals

    rng = np.random.default_rng(3)
    n = 2_000
    frame = pd.DataFrame({
        "period": pd.to_datetime("2025-03-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D"),
        "area_code": rng.choice(["510104011001", "510104011002"], n),
        "category": rng.choice(["物业管理", "噪音扰民", "未填写"], n),
        "a": rng.integers(0, 2, n), "b": rng.integers(0, 3, n),
    })
    got = pd.concat([totals(frame, ["a", "b"]), breakdown(frame, ["a", "b"], ["category"])]).astype(
        {c: str for c in ["area_code", "metric_code", "dimension", "member"]})
    expected = []
    for metric in ["a", "b"]:
        for dimension in ["", "category"]:
            keys = ["period", "area_code"] + ([dimension] if dimension else [])
            summed = frame.groupby(keys)[metric].sum().reset_index()
            for row in summed.itertuples(index=False):
                if row[-1]:
                    expected.append((row[0], row[1], metric, dimension, row[2] if dimension else "", row[-1]))
    assert sorted(map(tuple, got.itertuples(index=False, name=None))) == sorted(expected)


def test_the_page_cache_is_given_back_after_a_load(sqlite_url, tmp_path):
    from etl.pipeline import prepare_warehouse

    warehouse = prepare_warehouse(sqlite_url)  # a SQLite setting: PostgreSQL has no page cache pragma
    _load(warehouse, write_csv(tmp_path / "a.csv", [order("GD1", "2025/3/7 9:05")]))
    with warehouse.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -2000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL, as data/db.py sets it

