"""The warehouse tables: the contract between the ETL, the dashboard, the API and analysts.

Column names follow ``shared/DOMAIN.md``. Area codes are hierarchical by prefix
(GB/T 2260 style, extended for samples): a district is the first 6 digits of a
12-digit code, a street the first 9, a community the full 12, and a grid cell is its
community's 12 digits plus a 3-digit number. The query layer relies on that to select
an area's whole subtree with one index range.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData()

area = Table(
    "area",
    metadata,
    Column("code", String(15), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("name_en", String(200)),
    Column("level", String(10), nullable=False),  # city|district|street|community|grid
    Column("parent_code", String(15), index=True),
    Column("population", Integer),
    Column("households", Integer),
    Column("lon", Float),
    Column("lat", Float),
    Column("is_sample", Boolean, nullable=False, default=False),
)

metric = Table(
    "metric",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("domain", String(16), nullable=False),  # party|governance|services|cobuild
    Column("name", String(100), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("unit", String(20)),
    Column("unit_en", String(40)),
    Column("kind", String(8), nullable=False),  # flow|stock|ratio|distinct
    Column("numerator", String(64)),
    Column("denominator", String(64)),
    Column("target", Float),
    Column("better", String(8), nullable=False, default="higher"),  # higher|lower
    Column("dimensions", String(200)),  # comma-separated breakdowns the sources provide
    Column("source", String(32)),  # the source system that feeds it (empty for ratios)
    Column("description", Text),
    # day: dated by the day it happened; month: a monthly report, dated the 1st, never cut into days
    Column("grain", String(8), nullable=False, default="day", server_default="day"),
    Column("carry_months", Integer),  # a stock: months its latest report may stand for a late one
)

etl_run = Table(
    "etl_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("location", Text),
    Column("checksum", String(64), index=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", String(16), nullable=False),  # running|success|failed|unchanged
    Column("rows_read", Integer, default=0),
    Column("rows_loaded", Integer, default=0),
    Column("rows_rejected", Integer, default=0),
    Column("message", Text),
)

etl_reject = Table(
    "etl_reject",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("etl_run.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("row_number", Integer),
    Column("field", String(64)),
    Column("reason", Text, nullable=False),
    Column("raw", Text),  # the row with personal-data fields removed
    # refused: the row was turned away; warning: the row loaded, this field of it could not be used
    Column("severity", String(8), nullable=False, default="refused", server_default="refused"),
)

# What each successful load covers: per community it reached, the first and last day of
# its delivery (a monthly report covers its whole month). A source's data-through date
# for an area is the last covered day under that area (``data.coverage``); a community a
# source reached before but not in a later delivery is what "missed one report" means.
etl_coverage = Table(
    "etl_coverage",
    metadata,
    Column("run_id", Integer, ForeignKey("etl_run.id", ondelete="CASCADE"), nullable=False),
    Column("area_code", String(15), nullable=False),  # a community (12 digits)
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    PrimaryKeyConstraint("run_id", "area_code", name="pk_etl_coverage"),
)

fact = Table(
    "fact",
    metadata,
    Column("period", Date, nullable=False),
    Column("area_code", String(15), nullable=False),
    Column("metric_code", String(64), nullable=False),
    Column("dimension", String(32), nullable=False, default=""),
    Column("member", String(64), nullable=False, default=""),
    Column("value", Float, nullable=False),
    Column("run_id", Integer),  # which load wrote it (no index: nothing looks facts up by run)
    # The key's column set is the contract; its order is the query layer's shape, "one
    # metric, one area subtree (a code-prefix range), a date range", so the key itself is
    # the covering index: on SQLite the table is stored in key order (WITHOUT ROWID: one
    # B-tree, no second index to write on every load), on PostgreSQL value rides along in
    # the key's index (INCLUDE) so roll-ups are index-only scans.
    PrimaryKeyConstraint("metric_code", "dimension", "area_code", "period", "member", name="pk_fact",
                         postgresql_include=["value"]),
    sqlite_with_rowid=False,
)

# The monthly roll-up of ``fact`` (data/rollup.py): one row per month and stored fact key.
# ``value`` is the month's sum for a flow and the month's latest value for a stock, so a
# question over whole months reads up to thirty times fewer rows and gets the same answer.
# The key leads with the query layer's shape (metric, dimension, area subtree, months).
fact_month = Table(
    "fact_month",
    metadata,
    Column("period", Date, nullable=False),  # the month's first day
    Column("area_code", String(15), nullable=False),
    Column("metric_code", String(64), nullable=False),
    Column("dimension", String(32), nullable=False, default=""),
    Column("member", String(64), nullable=False, default=""),
    Column("value", Float, nullable=False),
    PrimaryKeyConstraint("metric_code", "dimension", "area_code", "period", "member", name="pk_fact_month"),
)

# Which load the roll-up was last brought up to date in. The query layer trusts the
# roll-up only while this is the warehouse's data version: facts changed any other way
# (by hand, by a test) are read raw until the next load refreshes it.
rollup_state = Table(
    "rollup_state",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("run_id", Integer),
    Column("refreshed_at", DateTime),
)

content = Table(
    "content",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # news|notice|activity|guide|resource
    Column("area_code", String(15), index=True),
    Column("title", Text, nullable=False),
    Column("title_en", Text),
    Column("body", Text),
    Column("starts_at", DateTime),
    Column("ends_at", DateTime),
    Column("published_at", DateTime),
    Column("location", Text),
    Column("location_en", Text),  # the place in English, where the feed has it (migration 0007)
    Column("source", Text),  # the file or feed item it came from; "console" for what staff wrote there
    Column("run_id", Integer, index=True),
    # Staff notices (migration 0009): shown first when pinned; who wrote and changed them,
    # and when they were withdrawn (kept, shown nowhere). Times are local, like the rest.
    Column("pinned", Boolean, nullable=False, default=False, server_default=false()),
    Column("created_by", String(64)),
    Column("updated_by", String(64)),
    Column("updated_at", DateTime),
    Column("withdrawn_at", DateTime),
    Column("withdrawn_by", String(64)),
)
Index("ix_content_kind_published", content.c.kind, content.c.published_at)

# Every change made in the staff console (migration 0009): who, when (UTC), what, and the
# subject before and after as JSON (``console/audit.py``). Its highest id counts the
# console's edits; cache keys carry it (``data.version``).
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),  # UTC
    Column("user_name", String(64), nullable=False),
    Column("role", String(16)),
    Column("action", String(32), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("area_code", String(15)),
    Column("before", Text),
    Column("after", Text),
)
Index("ix_audit_at", audit.c.at)

# The lobby screens (kiosk tokens, ``python -m auth add-token``) as the console sees them
# (migration 0009): when each last reached the server (UTC) and when staff asked it to reload.
screen = Table(
    "screen",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("last_seen_at", DateTime),
    Column("reload_at", DateTime),
    Column("reload_by", String(64)),
)

# The open and recent work items behind the counts (DOMAIN.md, "item"): one row per item of
# a source that lists them (the needs register), for lists that need one line per item
# (needs waiting past their promised time, micro-wishes just fulfilled). ``item_id`` is the
# source system's own number; ``handled_by`` the kind of party that took it on (企业,
# 社会组织, ...), never a name. No name, phone, address or free text ever goes here.
item = Table(
    "item",
    metadata,
    Column("source", String(32), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("area_code", String(15), nullable=False),
    Column("category", String(64)),
    Column("kind", String(32)),  # the item's type (微心愿, 服务需求, 建议)
    Column("received_at", DateTime, nullable=False),
    Column("due_at", DateTime),
    Column("closed_at", DateTime),
    Column("status", String(16), nullable=False),
    Column("handled_by", String(32)),
    Column("run_id", Integer),
    PrimaryKeyConstraint("source", "item_id", name="pk_item"),
)
Index("ix_item_source_area", item.c.source, item.c.area_code)

# Targets staff set in the console (issue 15, migration 0010): per metric, area and year. A
# change is a new row, never an update, so the history stays; the latest row of a metric,
# area and year is in force, and one without a value clears it (the area then follows the
# area above). ``data.targets`` is the one reader; the catalogue's ``metric.target`` is the
# fallback for every area.
target = Table(
    "target",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("metric_code", String(64), nullable=False),
    Column("area_code", String(15), nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", Float),  # in the catalogue's units (0.95 for 95 %); None clears the area's own
    Column("set_by", String(64), nullable=False),
    Column("set_at", DateTime, nullable=False),
)
Index("ix_target_metric_year", target.c.metric_code, target.c.year, target.c.area_code)

# The wall's playlist as staff save it in the console (migration 0010): every save is a new
# version, never overwritten, in the playlist file's own YAML format (``data.playlist``), for
# one area's screens or, with ``area_code`` "", for every screen. The latest version of the
# most specific area wins over the file; restoring an old one saves it again as the newest.
playlist_version = Table(
    "playlist_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("area_code", String(15), nullable=False),  # "" for every screen
    Column("body", Text, nullable=False),
    Column("saved_by", String(64), nullable=False),
    Column("saved_at", DateTime, nullable=False),
    Column("restored_from", Integer),  # the version this one restores, if it is a restore
)
Index("ix_playlist_version_area", playlist_version.c.area_code, playlist_version.c.id)
