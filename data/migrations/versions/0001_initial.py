"""The warehouse contract of DOMAIN.md: area, metric, fact, etl_run, etl_reject, content.

Written out in full (not from ``data.schema``) so that this revision stays what it was
when later revisions change the schema module.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area",
        sa.Column("code", sa.String(15), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(200)),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("parent_code", sa.String(15), index=True),
        sa.Column("population", sa.Integer),
        sa.Column("households", sa.Integer),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("is_sample", sa.Boolean, nullable=False),
    )
    op.create_table(
        "metric",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(20)),
        sa.Column("unit_en", sa.String(40)),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("numerator", sa.String(64)),
        sa.Column("denominator", sa.String(64)),
        sa.Column("target", sa.Float),
        sa.Column("better", sa.String(8), nullable=False),
        sa.Column("dimensions", sa.String(200)),
        sa.Column("source", sa.String(32)),
        sa.Column("description", sa.Text),
    )
    op.create_table(
        "etl_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("checksum", sa.String(64), index=True),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_read", sa.Integer),
        sa.Column("rows_loaded", sa.Integer),
        sa.Column("rows_rejected", sa.Integer),
        sa.Column("message", sa.Text),
    )
    op.create_table(
        "etl_reject",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("etl_run.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("row_number", sa.Integer),
        sa.Column("field", sa.String(64)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text),
    )
    op.create_table(
        "fact",
        sa.Column("period", sa.Date, nullable=False),
        sa.Column("area_code", sa.String(15), nullable=False),
        sa.Column("metric_code", sa.String(64), nullable=False),
        sa.Column("dimension", sa.String(32), nullable=False),
        sa.Column("member", sa.String(64), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("run_id", sa.Integer),
        # Key order = the query shape; the key is the covering index (see data/schema.py).
        sa.PrimaryKeyConstraint("metric_code", "dimension", "area_code", "period", "member", name="pk_fact",
                                postgresql_include=["value"]),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "content",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("area_code", sa.String(15), index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text),
        sa.Column("body", sa.Text),
        sa.Column("starts_at", sa.DateTime),
        sa.Column("ends_at", sa.DateTime),
        sa.Column("published_at", sa.DateTime),
        sa.Column("location", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("run_id", sa.Integer, index=True),
    )
    op.create_index("ix_content_kind_published", "content", ["kind", "published_at"])


def downgrade() -> None:
    for table in ("content", "fact", "etl_reject", "etl_run", "metric", "area"):
        op.drop_table(table)
