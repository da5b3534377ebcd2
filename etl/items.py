"""The one write path of the ``item`` table (DOMAIN.md, "item"): each source that lists
its work items (needs, hotline, grid events) hands its delivery's items here.

A delivery replaces the source's items received in its days (first to last) in every
community of the streets it names, as its facts replace theirs, and any item of the same
number elsewhere (an item moved to another community is not listed twice). Closed items
are kept :data:`data.items.KEEP_CLOSED_DAYS` after they closed; open ones while open.
A delivery read in chunks stores each chunk's items in the same transaction; a chunk never
removes what an earlier chunk of the same run wrote.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, delete, func, select

from data.items import KEEP_CLOSED_DAYS, OPEN
from data.schema import item
from etl.load import bulk_insert, one_of

COLUMNS = ("source", "item_id", "area_code", "category", "kind", "received_at", "due_at", "closed_at", "status",
           "handled_by")
ID_BATCH = 50_000  # item numbers per statement on PostgreSQL (one array parameter)
#: Items (SQLite) from which a write that brings at least as many as the table holds drops
#: the table's area index and builds it again after its insert, within the load's
#: transaction: 110k orders went in in 0.63 s with the index kept up row by row, 0.26 s
#: without it, and the index over them is built in a sort.
REBUILD_ROWS = 10_000
_AREA_INDEX = next(index for index in item.indexes if index.name == "ix_item_source_area")


def kept(items: pd.DataFrame, source: str, now: datetime) -> pd.DataFrame:
    """The items worth keeping: open (:data:`data.items.OPEN`), or closed within
    :data:`KEEP_CLOSED_DAYS` of ``now`` (closed without a known time: received within it)."""
    recent = pd.Timestamp(now) - pd.Timedelta(days=KEEP_CLOSED_DAYS)
    untimed = items["closed_at"].isna() & items["received_at"].ge(recent)
    keep = items["status"].isin(OPEN[source]) | items["closed_at"].ge(recent) | untimed
    return items[keep.to_numpy()].reset_index(drop=True)


def store(source: str, items: pd.DataFrame, communities: Sequence[str],
          span: tuple | None) -> Callable[[Connection, int], None]:
    """The write of one delivery's (or chunk's) ``items``, for :attr:`etl.load.Output.store`:
    they replace the source's items received from ``span``'s first to its last day in the
    streets of ``communities`` (pass the span of every row read, before :func:`kept`
    dropped old closed items), and any item of the same numbers elsewhere."""
    def write(conn: Connection, run_id: int) -> None:
        if span is None or pd.isna(span[0]):
            return
        first = pd.Timestamp(span[0]).normalize().to_pydatetime()
        after = (pd.Timestamp(span[1]).normalize() + pd.Timedelta(days=1)).to_pydatetime()
        older = (item.c.run_id.is_(None)) | (item.c.run_id != run_id)  # a chunk keeps its run's earlier chunks
        for street in sorted({str(c)[:9] for c in communities}):
            # every community of the street and every grid cell below them
            conn.execute(delete(item).where(item.c.source == source, older, item.c.area_code >= street,
                                            item.c.area_code < street + "~", item.c.received_at >= first,
                                            item.c.received_at < after))
        if not len(items):
            return
        records = items.reindex(columns=list(COLUMNS)).assign(source=source, run_id=run_id)
        for name in ("received_at", "due_at", "closed_at"):
            records[name] = pd.to_datetime(records[name])
        if conn.dialect.paramstyle == "qmark":
            # SQLite: an item of the same number elsewhere is overwritten by the insert
            # itself (its key is the number), not looked up by a delete per number first:
            # a million-order export keeps a hundred thousand open ones. (Each source
            # refuses a number repeated in one delivery, so no row of this run is replaced.)
            rebuild = len(records) >= REBUILD_ROWS and len(records) >= conn.execute(
                select(func.count()).select_from(item)).scalar_one()
            if rebuild:  # more rows come than the table holds: one sort beats as many seeks
                _AREA_INDEX.drop(conn)
            bulk_insert(conn, item, records, suffix=_REPLACE)
            if rebuild:  # in the same transaction: a load that fails keeps the index it found
                _AREA_INDEX.create(conn)
            return
        ids = records["item_id"].astype(str).tolist()
        for i in range(0, len(ids), ID_BATCH):
            conn.execute(delete(item).where(item.c.source == source, older,
                                            one_of(conn, item.c.item_id, ids[i:i + ID_BATCH])))
        bulk_insert(conn, item, records)  # COPY on PostgreSQL
    return write


#: The upsert that puts a delivery's item in place of an earlier one of the same number.
_REPLACE = "ON CONFLICT (source, item_id) DO UPDATE SET " + ", ".join(
    f"{name} = excluded.{name}" for name in (*COLUMNS[2:], "run_id"))
