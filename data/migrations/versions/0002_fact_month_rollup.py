"""The monthly roll-up of facts (``fact_month``) and its freshness marker (``rollup_state``).

Written out in full, like 0001. A warehouse that already holds loads gets its roll-up
filled here from its facts and marked current; an empty one starts with no marker, so the
query layer reads raw facts until the first load refreshes the roll-up.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MONTH = {
    "sqlite": "date(period, 'start of month')",
    "postgresql": "CAST(date_trunc('month', period) AS DATE)",
}


def upgrade() -> None:
    op.create_table(
        "fact_month",
        sa.Column("period", sa.Date, nullable=False),
        sa.Column("area_code", sa.String(15), nullable=False),
        sa.Column("metric_code", sa.String(64), nullable=False),
        sa.Column("dimension", sa.String(32), nullable=False),
        sa.Column("member", sa.String(64), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("metric_code", "dimension", "area_code", "period", "member", name="pk_fact_month"),
    )
    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("run_id", sa.Integer),
        sa.Column("refreshed_at", sa.DateTime),
    )
    bind = op.get_bind()
    version = bind.exec_driver_sql("SELECT max(id) FROM etl_run WHERE status = 'success'").scalar()
    if not version:
        return
    month = MONTH.get(bind.dialect.name)
    if month is None:
        return  # another engine: no marker, so the roll-up is simply not used until a load refreshes it
    stocks = "SELECT code FROM metric WHERE kind = 'stock'"
    op.execute(
        "INSERT INTO fact_month (period, area_code, metric_code, dimension, member, value) "
        f"SELECT {month}, area_code, metric_code, dimension, member, sum(value) FROM fact "
        f"WHERE metric_code NOT IN ({stocks}) "
        f"GROUP BY {month}, area_code, metric_code, dimension, member"
    )
    op.execute(
        "INSERT INTO fact_month (period, area_code, metric_code, dimension, member, value) "
        "SELECT month, area_code, metric_code, dimension, member, value FROM ("
        f"  SELECT {month} AS month, area_code, metric_code, dimension, member, value, row_number() OVER ("
        f"    PARTITION BY metric_code, dimension, area_code, member, {month} ORDER BY period DESC) AS rn"
        f"  FROM fact WHERE metric_code IN ({stocks})"
        ") latest WHERE rn = 1"
    )
    op.execute(
        sa.text("INSERT INTO rollup_state (name, run_id, refreshed_at) VALUES ('fact_month', :run, CURRENT_TIMESTAMP)")
        .bindparams(run=int(version))
    )


def downgrade() -> None:
    op.drop_table("rollup_state")
    op.drop_table("fact_month")
