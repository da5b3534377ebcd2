"""Configuration from the environment, in one place.

Everything a deployment changes is an environment variable; the defaults are the
embedded single-street setup: a SQLite warehouse under ``var/`` in the project.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """Folder for the embedded warehouse, generated samples and the file cache (git-ignored)."""
    path = Path(os.environ.get("CSB_VAR_DIR", PROJECT_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``DATABASE_URL`` if set, else the embedded SQLite file ``var/warehouse.db``."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a dialect+driver.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{var_dir() / 'warehouse.db'}"


def samples_dir() -> Path:
    """Where the bundled sample exports are generated (``python -m etl samples``)."""
    return Path(os.environ.get("CSB_SAMPLES_DIR", var_dir() / "samples"))


def catalog_dir() -> Path:
    """The area register and metric catalogue shipped with the project."""
    return PROJECT_ROOT / "data" / "reference"


def timezone():
    """The warehouse's local time zone (``CSB_TIMEZONE``, default Asia/Shanghai).

    Source systems write Chengdu wall-clock times without a zone, and "today" on a
    screen is Chengdu's today, whatever zone the server itself runs in.
    """
    from zoneinfo import ZoneInfo

    return ZoneInfo(os.environ.get("CSB_TIMEZONE", "Asia/Shanghai"))


def local_now():
    """Now, as a naive datetime in the warehouse's local time zone (how facts are stored)."""
    from datetime import datetime

    return datetime.now(timezone()).replace(tzinfo=None)


def local_today():
    """Today's date in the warehouse's local time zone."""
    return local_now().date()
