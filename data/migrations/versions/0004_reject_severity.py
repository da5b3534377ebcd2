"""A field that cannot be used no longer costs its row: ``etl_reject.severity``.

``refused`` (the row was turned away, as every stored reject so far) or ``warning`` (the
row loaded; this field of it could not be used and only what depends on it is missing).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("etl_reject") as batch:
        batch.add_column(sa.Column("severity", sa.String(8), nullable=False, server_default="refused"))


def downgrade() -> None:
    with op.batch_alter_table("etl_reject") as batch:
        batch.drop_column("severity")
