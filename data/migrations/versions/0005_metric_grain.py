"""Each metric's grain and how long a stock may be carried forward: ``metric.grain``,
``metric.carry_months``.

``grain`` is ``day`` (dated by the day it happened) or ``month`` (a monthly report dated
the 1st, never cut into days); ``carry_months`` is how many months a stock's latest report
may stand in for a late one. Existing catalogues get ``day`` until the next catalogue load
writes the shipped values.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metric") as batch:
        batch.add_column(sa.Column("grain", sa.String(8), nullable=False, server_default="day"))
        batch.add_column(sa.Column("carry_months", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("metric") as batch:
        batch.drop_column("carry_months")
        batch.drop_column("grain")
