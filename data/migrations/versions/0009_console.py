"""The staff console (/console): its audit trail, the lobby screens' contact, notices written by staff.

- ``audit``: every change made in the console, who (user and role), when (UTC), what
  (action, subject, area) and the subject before and after, as JSON. Its highest id is
  also the console's edit count, which the app's cache keys carry (``data.version``), so
  a change reaches open walls at their next refresh.
- ``screen``: per kiosk screen (the name its token was made for, ``python -m auth
  add-token``), when it last reached the server and when staff last asked it to reload.
- ``content`` gains ``pinned`` and who wrote, changed and withdrew a staff notice
  (``source`` = ``console``); a withdrawn item is kept, and shown nowhere.

Revision ID: 0009
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16)),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("area_code", sa.String(15)),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
    )
    op.create_index("ix_audit_at", "audit", ["at"])
    op.create_table(
        "screen",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("last_seen_at", sa.DateTime),
        sa.Column("reload_at", sa.DateTime),
        sa.Column("reload_by", sa.String(64)),
    )
    with op.batch_alter_table("content") as batch:
        batch.add_column(sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("created_by", sa.String(64)))
        batch.add_column(sa.Column("updated_by", sa.String(64)))
        batch.add_column(sa.Column("updated_at", sa.DateTime))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime))
        batch.add_column(sa.Column("withdrawn_by", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("content") as batch:
        for name in ("withdrawn_by", "withdrawn_at", "updated_at", "updated_by", "created_by", "pinned"):
            batch.drop_column(name)
    op.drop_table("screen")
    op.drop_index("ix_audit_at", "audit")
    op.drop_table("audit")
