"""A content item's place in English (``content.location_en``), for the wall's English mode.

The content feed may carry it (``location_en``, 英文地点); without it the English wall
says the place in Chinese, marked as such.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("content", sa.Column("location_en", sa.Text))


def downgrade() -> None:
    op.drop_column("content", "location_en")
