"""A big CSV's columns of few values are read as categoricals and chunked by data rows.

Cleaning, allowed-value checks and rejects must come out exactly as for text columns.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select, text

from data.schema import etl_reject
from etl import clean, pipeline, sources
from etl.extract import Delivery, Limits
from etl.validate import Field
from tests.test_etl_framework import order, write_csv

NOW = datetime(2025, 4, 1, 12, 0)


def load(engine, path, **limits):
    return pipeline.load_location(engine, "hotline", str(path), now=NOW, limits=Limits(**limits))


def test_few_values_defaults_to_columns_with_allowed_values():
    assert Field("状态", allowed=("a", "b")).few_values
    assert not Field("编号").few_values
    assert Field("社区", few=True).few_values
    assert not Field("状态", allowed=("a",), few=False).few_values
    assert not Field("电话", few=True, personal=True).few_values
    hotline = {f.name: f.few_values for f in sources.get("hotline").FIELDS}
    assert hotline["所属社区"] and hotline["办理状态"] and hotline["满意度"]
    assert not hotline["工单编号"] and not hotline["受理时间"] and not hotline["办结时间"]


def test_a_categorical_column_is_cleaned_per_category():
    raw = pd.Series(pd.Categorical([" 电话", "ＡＰＰ", "电话", None, "", "APP"]))
    cleaned, blank = clean.clean_column(raw)
    assert isinstance(cleaned.dtype, pd.CategoricalDtype)
    assert cleaned.astype(object).tolist() == ["电话", "APP", "电话", "", "", "APP"]
    assert sorted(cleaned.cat.categories) == ["", "APP", "电话"]  # what cleans alike is one category
    assert blank.tolist() == [False, False, False, True, True, False]
    assert clean.clean_column(pd.Series(pd.Categorical(["a", "b"])))[1] is None


def test_messy_values_in_category_columns_clean_and_reject_like_text(warehouse, tmp_path):
    rows = [order(f"GD{n:05d}", f"2025/3/{1 + n % 5} 9:05", person=n) for n in range(12)]
    rows[1][2] = "ＡＰＰ"  # full-width channel: APP
    rows[2][7] = " 汇泉路 社区 "  # spaces around and inside a community name
    rows[3][11] = "已退回了"  # a status nobody offers
    rows[4][15] = "很 好"  # a rating nobody offers
    rows[5][11] = ""  # a required status left empty
    rows[6] = rows[6][:8]  # a short row: no status, no rating at all
    path = write_csv(tmp_path / "orders.csv", rows)
    [result] = load(warehouse, path, chunk_rows=4)

    with warehouse.connect() as conn:
        rejects = conn.execute(select(etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.reason)
                               .order_by(etl_reject.c.row_number)).all()
        severity = dict(conn.execute(select(etl_reject.c.row_number, etl_reject.c.severity)).all())
        app = conn.execute(text("SELECT sum(value) FROM fact WHERE metric_code = 'hotline_received' "
                                "AND dimension = 'channel' AND member = 'APP'")).scalar()
        counts = dict(conn.execute(text("SELECT metric_code, sum(value) FROM fact WHERE dimension = '' "
                                        "AND metric_code IN ('hotline_received', 'hotline_rated') "
                                        "GROUP BY metric_code")).all())
    # Title and header rows above: data row i is file row i + 3.
    assert [(row, field) for row, field, _ in rejects] == [(6, "办理状态"), (7, "满意度"), (8, "办理状态"), (9, "办理状态")]
    assert "'已退回了' 不是允许的值" in rejects[0][2] and "'很好' 不是允许的值" in rejects[1][2]  # cleaned first, as text is
    assert "为空" in rejects[2][2] and "为空" in rejects[3][2]
    assert app == 1
    # The rating nobody offers costs only the rating: the order counts, not as evaluated.
    assert severity == {6: "refused", 7: "warning", 8: "refused", 9: "refused"}
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (12, 9, 3)
    assert counts == {"hotline_received": 9, "hotline_rated": 8}

    # The same file in one chunk stores exactly the same.
    with warehouse.connect() as conn:
        chunked = sorted(conn.execute(text("SELECT * FROM fact")).all())
    with warehouse.begin() as conn:
        conn.execute(text("DELETE FROM etl_run"))
        conn.execute(text("DELETE FROM fact"))
        conn.execute(text("DELETE FROM etl_reject"))
    load(warehouse, path)
    with warehouse.connect() as conn:
        whole = sorted(conn.execute(text("SELECT * FROM fact")).all())
        again = conn.execute(select(etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.reason)
                             .order_by(etl_reject.c.row_number)).all()
    assert [r[:-1] for r in whole] == [r[:-1] for r in chunked] and again == rejects


def test_a_totals_row_in_a_category_column_is_dropped(warehouse, tmp_path):
    rows = [order(f"GD{n:05d}", f"2025/3/{1 + n}", person=n) for n in range(3)]
    totals = [""] * len(rows[0])
    totals[2] = "合 计"  # 诉求渠道 is read as a categorical
    path = write_csv(tmp_path / "orders.csv", [*rows, totals])
    [result] = load(warehouse, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 3, 0)


def test_the_chunk_size_counts_data_rows_not_title_and_header_lines(tmp_path):
    rows = [order(f"GD{n:05d}", f"2025/3/{1 + n % 5} 9:05", person=n) for n in range(10)]
    delivery = Delivery(str(write_csv(tmp_path / "orders.csv", rows)), path=tmp_path / "orders.csv")
    hotline = sources.get("hotline")

    [chunk] = list(pipeline.read_chunks(hotline, delivery, 10))  # 10 data rows + title + header: one chunk
    assert chunk["_row"].tolist() == list(range(3, 13))
    sizes = [len(c) for c in pipeline.read_chunks(hotline, delivery, 4)]
    assert sizes == [4, 4, 2]
    rows_of = [c["_row"].tolist() for c in pipeline.read_chunks(hotline, delivery, 4)]
    assert np.concatenate(rows_of).tolist() == list(range(3, 13))
