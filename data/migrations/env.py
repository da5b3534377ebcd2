"""Alembic environment: runs migrations on the connection ``data.db`` hands over."""
from alembic import context

from data.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # command-line use: `alembic -c ... upgrade head`
    from data.db import make_engine

    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("alembic: no sqlalchemy.url in the configuration")
    connection = make_engine(url).connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
