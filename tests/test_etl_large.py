"""Large and hostile deliveries: read in chunks, refused before they exhaust the machine,
and a load killed halfway leaves the warehouse as it was.

How much memory a 2 GB export takes is measured in ``bench/etl_memory.py``, not here.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from data.schema import etl_reject, etl_run
from etl import config, pipeline
from etl.extract import Limits, RefusedFile
from tests.test_etl_framework import order, snapshot, write_csv

NOW = datetime(2025, 4, 1, 12, 0)
PROJECT = Path(__file__).resolve().parent.parent
COMMUNITIES = ["汇泉路社区", "创业社区", "同心社区"]


def orders(count, start=0, days=20):
    """``count`` plausible orders over ``days`` days in three communities of 沙河街道."""
    return [order(f"GD{n:07d}", f"2025/3/{1 + n % days} {8 + n % 10}:05", community=COMMUNITIES[n % 3],
                  category=["物业管理", "噪音扰民", "环境卫生"][n % 7 % 3], rating=["满意", "不满意", ""][n % 5 % 3],
                  person=n)
            for n in range(start, start + count)]


def stored(engine):
    """Facts and rejects as a user sees them (which run wrote them aside)."""
    with engine.connect() as conn:
        facts = conn.execute(text("SELECT period, area_code, metric_code, dimension, member, value FROM fact")).all()
        rejects = conn.execute(select(etl_reject.c.row_number, etl_reject.c.field, etl_reject.c.reason)).all()
    return sorted((str(p), a, m, d, mb, v) for p, a, m, d, mb, v in facts), sorted(rejects)


def load(engine, path, **limits):
    return pipeline.load_location(engine, "hotline", str(path), now=NOW, limits=Limits(**limits))


def test_a_big_export_read_in_chunks_loads_exactly_what_it_loads_in_one_piece(warehouse, tmp_path, engine):
    rows = orders(300)
    rows[250][0] = rows[10][0]  # a duplicate order number, 240 rows (several chunks) later
    rows[120][-1] = "很好"  # a rating nobody offers
    path = write_csv(tmp_path / "orders.csv", rows)

    [whole] = load(warehouse, path)
    in_one_piece = stored(warehouse)
    with warehouse.begin() as conn:  # the same file again, as if new, in chunks of 7 rows
        conn.execute(etl_run.delete())
        conn.execute(text("DELETE FROM fact"))
    [chunked] = load(warehouse, path, chunk_rows=7)

    assert stored(warehouse) == in_one_piece
    # The duplicate costs its row; the unknown rating only the rating (a warning, stored the same).
    assert (chunked.rows_read, chunked.rows_loaded, chunked.rows_rejected) == (whole.rows_read, 299, 1)
    assert chunked.message.split(" · ")[0] == whole.message.split(" · ")[0]  # the same number of facts
    reasons = {row: reason for row, _, reason in in_one_piece[1]}
    assert "重复" in reasons[250 + 3] and "很好" in reasons[120 + 3]  # title and header rows above


def test_a_chunked_redelivery_replaces_the_days_and_communities_it_covers(warehouse, tmp_path):
    load(warehouse, write_csv(tmp_path / "first.csv", orders(90)), chunk_rows=10)
    # The corrected export of the same days has fewer orders, and no 噪音扰民 at all.
    corrected = [r for r in orders(90) if r[4] != "噪音扰民"][:40]
    load(warehouse, write_csv(tmp_path / "corrected.csv", corrected), chunk_rows=10)
    with warehouse.connect() as conn:
        received = conn.execute(text(
            "SELECT sum(value) FROM fact WHERE metric_code = 'hotline_received' AND dimension = ''")).scalar()
        noise = conn.execute(text("SELECT count(*) FROM fact WHERE member = '噪音扰民'")).scalar()
    assert (received, noise) == (40, 0)


def _refused_whole(engine, path, match, **limits):
    before = snapshot(engine)
    with pytest.raises(RefusedFile, match=match):
        load(engine, path, **limits)
    after = snapshot(engine)
    runs = after.pop("etl_run")
    assert after == {k: v for k, v in before.items() if k != "etl_run"}
    assert len(runs) == len(before["etl_run"]) + 1 and "failed" in runs[-1]


def test_a_file_over_the_sources_size_limit_is_refused_before_it_is_read(warehouse, tmp_path):
    path = write_csv(tmp_path / "orders.csv", orders(50))
    _refused_whole(warehouse, path, r"over this source's limit of 1 KB", max_bytes=1024)


def test_a_csv_with_a_line_of_megabytes_is_refused(warehouse, tmp_path):
    rows = orders(5)
    rows[2][4] = "物业" * 600_000  # 2.4 MB in one cell
    path = write_csv(tmp_path / "orders.csv", rows)
    _refused_whole(warehouse, path, r"line 5 is longer than 1\.0 MB")


def test_a_binary_file_posing_as_a_csv_is_refused(warehouse, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + os.urandom(4096))
    _refused_whole(warehouse, path, r"row 1: holds binary data \(a NUL byte, byte 7 of the file\)")


def test_limits_come_from_the_source_configuration(tmp_path):
    custom = tmp_path / "sources.yaml"
    custom.write_text("sources:\n  - name: hotline\n    max_mb: 10\n    max_line_kb: 64\n    chunk_rows: 5000\n",
                      encoding="utf-8")
    assert config.limits_for("hotline", custom) == Limits(10 * 2**20, 64 * 2**10, 5000)
    assert config.limits_for("hotline").max_bytes >= 2 * 2**30  # the shipped hotline entry takes a 2 GB export
    custom.write_text("sources:\n  - name: hotline\n    max_mb: lots\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="source #1 .*hotline.*max_mb must be a whole number"):
        config.load_config(custom)


# --- killed halfway ------------------------------------------------------------------------

def _writing(url: str, engine) -> bool:
    """Has another process begun writing (holds the write lock: SQLite's database
    lock, PostgreSQL's lock for writing rows of ``fact``)?"""
    if url.startswith("sqlite"):
        probe = sqlite3.connect(url.split("///", 1)[1], timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError:  # "database is locked": a writer holds it
            return True
        finally:
            probe.close()
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE relation = 'fact'::regclass AND mode = 'RowExclusiveLock' "
            "AND pid <> pg_backend_pid()")).scalar())


def test_a_load_killed_halfway_leaves_no_partial_batch(warehouse_url, warehouse, tmp_path):
    load(warehouse, write_csv(tmp_path / "earlier.csv", orders(30)))
    before = snapshot(warehouse)
    big = write_csv(tmp_path / "big.csv", orders(120_000, start=100, days=28))
    child = subprocess.Popen(
        [sys.executable, "-m", "etl", "--database-url", warehouse_url, "load", "hotline", str(big),
         "--chunk-rows", "2000"],
        cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not _writing(warehouse_url, warehouse):
            assert child.poll() is None, f"the load ended before it could be killed: {child.stderr.read()!r}"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)  # a few chunks of 2,000 orders into the transaction
        assert child.poll() is None, "the load ended before it could be killed"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL

    assert snapshot(warehouse) == before  # not one fact, reject or run of the killed load
    [result] = load(warehouse, big)  # and the next load goes through
    assert result.status == "success" and result.rows_loaded == 120_000
