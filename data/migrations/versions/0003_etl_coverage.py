"""What each load covers (``etl_coverage``): the days and communities of its delivery.

Written out in full, like 0001. A warehouse that already holds loads gets coverage
derived from the facts each successful run wrote: per run and community the first and
last day of its facts, where a run whose facts all fall on the first of a month (a
monthly report) covers those months to their last day, or to the day it was loaded. As the
loader records it, a run of dated rows speaks for every community of the streets it reached
(with the run's first and last day); a monthly report only for the communities in it.

Revision ID: 0003
Revises: 0002
"""
import calendar
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def upgrade() -> None:
    coverage = op.create_table(
        "etl_coverage",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("etl_run.id", ondelete="CASCADE"), nullable=False),
        sa.Column("area_code", sa.String(15), nullable=False),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "area_code", name="pk_etl_coverage"),
    )
    fact = sa.table("fact", sa.column("period", sa.Date), sa.column("area_code", sa.String),
                    sa.column("run_id", sa.Integer))
    run = sa.table("etl_run", sa.column("id", sa.Integer), sa.column("status", sa.String),
                   sa.column("started_at", sa.DateTime))
    community = sa.func.substr(fact.c.area_code, 1, 12)
    not_first = sa.func.sum(sa.case((sa.extract("day", fact.c.period) != 1, 1), else_=0))
    rows = op.get_bind().execute(
        sa.select(fact.c.run_id, community.label("code"), sa.func.min(fact.c.period), sa.func.max(fact.c.period),
                  not_first, sa.func.max(run.c.started_at))
        .select_from(fact.join(run, run.c.id == fact.c.run_id))
        .where(run.c.status == "success")
        .group_by(fact.c.run_id, community)
    ).all()
    monthly = {r[0] for r in rows}
    for r in rows:
        if r[4]:
            monthly.discard(r[0])  # a run with any day other than the 1st reports days
    area = sa.table("area", sa.column("code", sa.String), sa.column("level", sa.String))
    streets: dict[str, list[str]] = {}
    for (code,) in op.get_bind().execute(sa.select(area.c.code).where(area.c.level == "community")):
        streets.setdefault(code[:9], []).append(code)
    spans: dict[int, tuple[date, date]] = {}
    reached: dict[int, set[str]] = {}
    for run_id, code, first, last, _, started in rows:
        first, last = _day(first), _day(last)
        if run_id in monthly:  # a month's report covers its month, up to the day it was loaded
            last = max(first, min(_month_end(last), _day(started)))
        low, high = spans.get(run_id, (first, last))
        spans[run_id] = (min(low, first), max(high, last))
        reached.setdefault(run_id, set()).add(code)
    values = []
    for run_id, codes in reached.items():
        if run_id not in monthly:  # a daily export speaks for its streets (as etl.load records it)
            codes = codes | {c for code in codes for c in streets.get(code[:9], [])}
        first, last = spans[run_id]
        values += [{"run_id": run_id, "area_code": code, "first_day": first, "last_day": last} for code in sorted(codes)]
    for start in range(0, len(values), 5000):
        op.bulk_insert(coverage, values[start:start + 5000])


def downgrade() -> None:
    op.drop_table("etl_coverage")
