"""Targets per metric, area and year (``target``) and the playlist's saved versions
(``playlist_version``), both written by the staff console (issue 15).

Both keep every change as a new row: the latest one is in force, the earlier ones are the
history the console lists and restores.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("metric_code", sa.String(64), nullable=False),
        sa.Column("area_code", sa.String(15), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_target_metric_year", "target", ["metric_code", "year", "area_code"])
    op.create_table(
        "playlist_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("area_code", sa.String(15), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=False),
        sa.Column("saved_at", sa.DateTime, nullable=False),
        sa.Column("restored_from", sa.Integer),
    )
    op.create_index("ix_playlist_version_area", "playlist_version", ["area_code", "id"])


def downgrade() -> None:
    op.drop_index("ix_playlist_version_area", "playlist_version")
    op.drop_table("playlist_version")
    op.drop_index("ix_target_metric_year", "target")
    op.drop_table("target")
