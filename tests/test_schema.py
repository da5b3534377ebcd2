"""The warehouse schema is created on first use and carries a migratable version."""
from sqlalchemy import inspect

from data import db


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(db.alembic_config(engine=None)).get_current_head()


def test_first_use_creates_every_contract_table(engine):
    names = set(inspect(engine).get_table_names())
    assert {"area", "metric", "fact", "etl_run", "etl_reject", "content"} <= names
    assert db.schema_version(engine) == _head_revision()


def test_schema_creation_is_idempotent(warehouse_url):
    engine = db.get_engine(warehouse_url)
    db.ensure_schema(engine)  # a second run migrates nothing and fails nothing
    fact_columns = [c["name"] for c in inspect(engine).get_columns("fact")]
    assert fact_columns[:7] == ["period", "area_code", "metric_code", "dimension", "member", "value", "run_id"]


def test_migrations_create_what_the_schema_module_declares(engine):
    """The hand-written revisions and data.schema agree: no drift a later migration would trip on."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from data.schema import metadata

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # Server-side details (index reflection of expressions, etc.) aside, no table or column differs.
    changes = ("add_table", "remove_table", "add_column", "remove_column", "add_index", "remove_index")
    assert [d for d in diff if d[0] in changes] == []
