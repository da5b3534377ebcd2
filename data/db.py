"""Engines and the schema: one engine per process, the schema migrated on first use.

gunicorn forks workers after importing the app; a connection pool must never cross a
fork, so the engine is keyed by process id and made lazily in the process that uses it.

A SQLite warehouse file is opened, never created, by a connection (``mode=rw``): the app
serving a warehouse whose file was deleted gets "unable to open database file" (503),
not a new empty warehouse, and each connection checks on checkout that the file is still
the one it opened, so a file put back (or replaced by a restore) is used at once. Only a
process that builds warehouses (the ETL, scripts, tests) creates a missing file, when
its engine is made; the app marks its URL with ``serve_existing``.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, exc, inspect, make_url

from data import settings

_engines: dict[tuple[int, str], Engine] = {}
_ready: set[str] = set()  # database URLs whose schema is known to be current
_lock = threading.Lock()
_served: set[str] = set()  # URLs whose SQLite file this process must never create (the app's)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the dashboard read while an ETL load writes; busy_timeout waits for a
    # writer instead of failing at once.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def new_id(result: CursorResult) -> int:
    """The id the database gave the row just inserted (SQLAlchemy types the key as optional)."""
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row always has it
    return int(key[0])


def driver_connection(conn: Connection) -> Any:
    """The DB-API connection under ``conn``, for what SQLAlchemy does not offer (COPY)."""
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection has its driver's
    return driver


class WarehouseMissing(RuntimeError):
    """The SQLite warehouse file the app serves is not there (deleted, moved, not built yet)."""


def serve_existing(url: str) -> None:
    """This process serves ``url``: never create its SQLite file (the app; see the module doc)."""
    _served.add(url)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite ``url``; None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _sqlite_engine(url: str, path: Path) -> Engine:
    if not path.exists():
        if url in _served:
            raise WarehouseMissing(f"the SQLite warehouse {path} does not exist; build it with python -m etl run")
        path.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(path).close()  # a new, empty warehouse: the schema follows in get_engine
    uri = path.resolve().as_uri() + "?mode=rw"  # open, never create

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)

    engine = create_engine(url, creator=connect)
    event.listen(engine, "connect", _sqlite_pragmas)

    @event.listens_for(engine, "connect")
    def _remember_file(_dbapi_conn, record) -> None:
        record.info["file"] = _identity(path)

    @event.listens_for(engine, "checkout")
    def _same_file(_dbapi_conn, record, _proxy) -> None:
        if _identity(path) != record.info.get("file"):
            # Deleted or replaced under us: this connection reads a file nobody else sees.
            raise exc.DisconnectionError(f"the SQLite warehouse {path} was replaced or removed")

    return engine


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` with the settings this project relies on."""
    path = sqlite_file(url)
    if path is not None:
        return _sqlite_engine(url, path)
    if url.startswith("sqlite"):  # in memory
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def made_engine(url: str | None = None) -> Engine | None:
    """This process's engine for ``url`` if one was made, without making one (nor opening,
    nor creating, the warehouse): for asking "is this engine the app's?"."""
    return _engines.get((os.getpid(), url or settings.database_url()))


def get_engine(url: str | None = None) -> Engine:
    """This process's engine for ``url`` (default: ``DATABASE_URL``), schema ready."""
    url = url or settings.database_url()
    key = (os.getpid(), url)
    engine = _engines.get(key)
    if engine is None:
        with _lock:
            engine = _engines.get(key)
            if engine is None:
                engine = make_engine(url)
                _engines[key] = engine
    # The schema is a property of the database, not of the process: a worker forked after
    # the master checked it does not check again.
    if url not in _ready:
        with _lock:
            if url not in _ready:
                ensure_schema(engine)
                _ready.add(url)
    return engine


def engine_or_default(engine: Engine | None) -> Engine:
    """The engine a data function was given, else this process's engine for ``DATABASE_URL``:
    every reader in ``data`` takes an optional engine (tests and tools pass theirs)."""
    return engine if engine is not None else get_engine()


def read_connection(engine: Engine | None = None) -> Connection:
    """A connection for reading (``engine_or_default``): on PostgreSQL in autocommit, so a
    question costs its own statements and the pool's liveness check, not also a BEGIN and a
    ROLLBACK round trip each (reads see the same as under READ COMMITTED: each statement its
    own snapshot)."""
    engine = engine_or_default(engine)
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def dispose_engines() -> None:
    """Forget this process's engines (tests, and gunicorn's post_fork)."""
    with _lock:
        for (pid, _url), engine in list(_engines.items()):
            if pid == os.getpid():
                engine.dispose()
        _engines.clear()
        _ready.clear()


def forget_engines_after_fork() -> None:
    """In a freshly forked worker: drop the parent's engines without closing its sockets.

    What the parent learnt about the schema stays true: it is the database's, not the pool's.
    """
    with _lock:
        for engine in _engines.values():
            engine.dispose(close=False)
        _engines.clear()


def alembic_config(engine: Engine | None) -> Config:
    """Alembic's configuration for this project's migrations (and ``engine``'s URL, if given)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        # "%" in URLs (search_path options) would trip configparser interpolation.
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def ensure_schema(engine: Engine) -> None:
    """Create or migrate the warehouse schema to the newest version (idempotent)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_version(engine: Engine) -> str | None:
    """The Alembic revision the warehouse is at, or None before the first migration."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
