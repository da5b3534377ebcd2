"""A re-delivery deletes exactly the facts it no longer contains, and nothing else.

The scope of a delivery is its days x its communities' subtrees (the community's own
code and its grid cells). These tests declare the communities (``Output.communities``) to
test the deletes' exactness; a delivery that declares none implies its whole streets
(tests/test_coverage.py shows that rule). Here a source's earlier delivery covered four days in two
communities far apart in the city (锦江区 and 彭州市, so any key range from the first to the
last would hold every community between them), their grid cells, a sibling community of the
same street, a community in between, a community the register does not know, and another
source's metric. The re-delivery of the middle day leaves out some of those facts (at a
community, at a grid cell, a breakdown member, a whole catalogue breakdown): exactly they
go, on SQLite and on PostgreSQL, with the deletes' IN lists cut small or not, in one chunk
or two.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import select

from data.schema import fact
from etl import load
from etl.load import FACT_COLUMNS, Load, Output, write

A, A1, A2 = "510104011001", "510104011001001", "510104011001002"  # 汇泉路社区 and two of its grid cells
SIBLING, SIBLING1 = "510104011002", "510104011002001"  # 创业社区, the same street
BETWEEN, BETWEEN1 = "510108005011", "510108005011001"  # 成华区, between A and B in code order
B, B1, B2 = "510182001010", "510182001010001", "510182001010002"  # 彭州市
UNREGISTERED = "510182001099"  # a community code the area register does not hold
D1, D2, D3, D5 = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5), date(2025, 3, 7)
DAYS = [D1, D2, D3, D5]

SOURCE_METRICS = ["hotline_received", "hotline_resolved"]
OTHER_METRIC = "care_services"  # another source's
NO_REJECTS = pd.DataFrame(columns=["row_number", "field", "reason", "raw"])


def _row(day, area, metric="hotline_received", dimension="", member="", value=1.0):
    return {"period": day, "area_code": area, "metric_code": metric, "dimension": dimension,
            "member": member, "value": value}


def _first_delivery() -> list[dict]:
    rows = []
    for day in DAYS:
        for area in [A, A1, A2, SIBLING, SIBLING1, BETWEEN, BETWEEN1, B, B1, B2, UNREGISTERED]:
            rows += [
                _row(day, area, value=10),
                _row(day, area, dimension="category", member="物业管理", value=6),
                _row(day, area, dimension="category", member="噪音扰民", value=4),
                _row(day, area, dimension="channel", member="电话", value=10),
                _row(day, area, metric="hotline_resolved", value=7),
            ]
    return rows


def _other_source() -> list[dict]:
    return [_row(day, area, metric=OTHER_METRIC, dimension=dimension, member=member, value=3)
            for day in DAYS for area in [A, A1, B, B1, BETWEEN]
            for dimension, member in [("", ""), ("item", "老年助餐")]]


def _redelivery() -> list[dict]:
    """The middle day again for A and B (and the unregistered community), with rows left out:
    A2 and B2 entirely, B1's resolved count, A's 噪音扰民 member, every 'channel' breakdown
    (a catalogue breakdown the corrected export no longer has), the unregistered community's total."""
    return [
        _row(D2, A, value=12), _row(D2, A, dimension="category", member="物业管理", value=12),
        _row(D2, A, metric="hotline_resolved", value=9),
        _row(D2, A1, value=5), _row(D2, A1, dimension="category", member="物业管理", value=3),
        _row(D2, A1, dimension="category", member="噪音扰民", value=2), _row(D2, A1, metric="hotline_resolved", value=5),
        _row(D2, B, value=8), _row(D2, B, dimension="category", member="物业管理", value=8),
        _row(D2, B, metric="hotline_resolved", value=8),
        _row(D2, B1, value=2), _row(D2, B1, dimension="category", member="噪音扰民", value=2),
        _row(D2, UNREGISTERED, metric="hotline_resolved", value=1),
    ]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=FACT_COLUMNS)


def _write(engine, metrics, rows, checksum, **scope):
    return write(engine, "test", metrics, f"{checksum}.csv", checksum, datetime(2025, 3, 10),
                 Output(facts=_frame(rows), rejects=NO_REJECTS, rows_read=len(rows), rows_loaded=len(rows), **scope))


def _stored(engine) -> dict[tuple, float]:
    with engine.connect() as conn:
        rows = conn.execute(select(fact.c.metric_code, fact.c.dimension, fact.c.area_code, fact.c.period,
                                   fact.c.member, fact.c.value)).all()
    return {(m, d, a, p if isinstance(p, date) else date.fromisoformat(str(p)), mem): float(v)
            for m, d, a, p, mem, v in rows}


def _key(row: dict) -> tuple:
    return row["metric_code"], row["dimension"], row["area_code"], row["period"], row["member"]


def _expected(before: dict[tuple, float], redelivered: list[dict], days, communities) -> dict[tuple, float]:
    """What the warehouse must hold: the source's facts in the scope replaced by the re-delivery's,
    everything else as it was."""
    kept = {k: v for k, v in before.items()
            if not (k[0] in SOURCE_METRICS and k[3] in days and k[2][:12] in communities)}
    for row in redelivered:
        kept[_key(row)] = kept.get(_key(row), 0.0) + float(row["value"])
    return kept


@pytest.fixture
def delivered(warehouse):
    assert _write(warehouse, SOURCE_METRICS, _first_delivery(), "first").status == "success"
    assert _write(warehouse, [OTHER_METRIC], _other_source(), "other").status == "success"
    return warehouse


@pytest.fixture(params=["chunk 500", "chunk 2"])
def chunk(request, monkeypatch):
    """CHUNK as shipped, and cut to 2 so every IN list (communities, area codes, single days)
    spans several statements."""
    if request.param == "chunk 2":
        monkeypatch.setattr(load, "CHUNK", 2)
    return request.param


def test_a_redelivery_of_one_day_deletes_exactly_what_it_left_out(delivered, chunk):
    before = _stored(delivered)
    result = _write(delivered, SOURCE_METRICS, _redelivery(), "again", communities=[A, B, UNREGISTERED])
    assert result.status == "success"
    after = _stored(delivered)
    expected = _expected(before, _redelivery(), {D2}, {A, B, UNREGISTERED})
    assert set(before) - set(after) == set(before) - set(expected)  # what went is exactly what had to
    assert after == expected
    gone = set(before) - set(after)
    assert ("hotline_received", "", A2, D2, "") in gone  # a grid cell left out
    assert ("hotline_resolved", "", B1, D2, "") in gone  # one metric of a grid cell left out
    assert ("hotline_received", "category", A, D2, "噪音扰民") in gone  # a member left out
    assert ("hotline_received", "channel", B, D2, "电话") in gone  # a whole catalogue breakdown left out
    assert ("hotline_received", "", UNREGISTERED, D2, "") in gone  # at a code the register lacks
    for area in [SIBLING, SIBLING1, BETWEEN, BETWEEN1]:  # communities inside the old key range: untouched
        assert ("hotline_received", "", area, D2, "") in after
    for day in [D1, D3, D5]:  # the other days: untouched
        assert ("hotline_received", "", A2, day, "") in after and ("hotline_received", "channel", B, day, "电话") in after
    assert after[("hotline_received", "", A, D2, "")] == 12  # a rewritten fact has the new value
    assert all(after[k] == v for k, v in before.items() if k[0] == OTHER_METRIC)  # the other source's facts


def test_a_redelivery_of_scattered_days_for_scattered_communities(delivered, chunk):
    """Non-consecutive days (D1 and D5 around D2, D3 that stay) and the same communities:
    single days in IN lists, not one range over the days between."""
    before = _stored(delivered)
    rows = [_row(D1, A, value=1), _row(D5, B1, value=2), _row(D5, BETWEEN1, metric="hotline_resolved", value=3)]
    assert _write(delivered, SOURCE_METRICS, rows, "scattered", communities=[A, B, BETWEEN]).status == "success"
    assert _stored(delivered) == _expected(before, rows, {D1, D5}, {A, B, BETWEEN})


def test_a_redelivery_of_consecutive_days_keeps_the_days_around_them(delivered, chunk):
    before = _stored(delivered)
    rows = [_row(D1, B, value=1), _row(D2, B2, dimension="category", member="其他", value=2)]
    assert _write(delivered, SOURCE_METRICS, rows, "run", periods=[D1, D2], communities=[A, B]).status == "success"
    after = _stored(delivered)
    assert after == _expected(before, rows, {D1, D2}, {A, B})
    assert ("hotline_received", "", A, D3, "") in after and ("hotline_received", "", B2, D3, "") in after


def test_a_redelivery_in_two_chunks_keeps_what_its_first_chunk_wrote(delivered, chunk):
    """The second chunk covers a community the first chunk already wrote: the first chunk's
    facts are this run's, not older ones, so they stay (and a fact both chunks hold adds up)."""
    before = _stored(delivered)
    first = [r for r in _redelivery() if r["area_code"][:12] == A]
    second = [r for r in _redelivery() if r["area_code"][:12] != A] + [_row(D2, A1, value=1)]
    with Load(delivered, "test", SOURCE_METRICS, "chunks.csv", "chunks", datetime(2025, 3, 10)) as writer:
        for rows in (first, second):
            writer.add(Output(facts=_frame(rows), rejects=NO_REJECTS, rows_read=len(rows), rows_loaded=len(rows),
                              communities=sorted({r["area_code"][:12] for r in rows})))
        assert writer.commit().status == "success"
    after = _stored(delivered)
    assert after == _expected(before, first + second, {D2}, {A, B, UNREGISTERED})
    assert after[("hotline_received", "", A1, D2, "")] == 6  # 5 from the first chunk + 1 from the second


def test_remove_replaced_counts_what_it_deleted_and_keeps_this_runs_facts(delivered, chunk):
    """Called directly: only the catalogue's and the written breakdowns, never another run's
    metric, and the count is the number of rows gone."""
    before = _stored(delivered)
    with delivered.begin() as conn:
        deleted = load.remove_replaced(conn, ["hotline_received"], {("hotline_received", "")}, [D2, D5],
                                       [A, B], run_id=-1)
    after = _stored(delivered)
    gone = set(before) - set(after)
    assert deleted == len(gone) > 0
    assert gone == {k for k in before if k[0] == "hotline_received" and k[3] in (D2, D5) and k[2][:12] in (A, B)}
    # A breakdown the catalogue does not list and this run did not write is left alone.
    with delivered.begin() as conn:
        load.bulk_insert(conn, fact, _frame([_row(D3, A, dimension="age_band", member="60+")]))
        deleted = load.remove_replaced(conn, ["hotline_received"], set(), [D3], [A], run_id=-1)
    assert deleted == 3 * 4  # A, A1, A2: the total, two category members, one channel
    assert ("hotline_received", "age_band", A, D3, "60+") in _stored(delivered)
