"""The open and recent work items behind the counts (``item``), as DOMAIN.md describes.

One row per item of a source that lists items (the needs register's 需求编号 first):
its community, category, when it was raised, promised and closed, its status and the
kind of party that took it on (``handled_by``: 企业, 社会组织, ..., never a name). No
name, phone, address or free text. A delivery replaces its source's items for the
communities it covers.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("area_code", sa.String(15), nullable=False),
        sa.Column("category", sa.String(64)),
        sa.Column("kind", sa.String(32)),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("due_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("handled_by", sa.String(32)),
        sa.Column("run_id", sa.Integer),
        sa.PrimaryKeyConstraint("source", "item_id", name="pk_item"),
    )
    op.create_index("ix_item_source_area", "item", ["source", "area_code"])


def downgrade() -> None:
    op.drop_index("ix_item_source_area", "item")
    op.drop_table("item")
