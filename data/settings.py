"""Configuration from the environment, in one place.

Everything a deployment changes is an environment variable; the defaults are the
embedded single-street setup: a SQLite warehouse under ``var/`` in the project.
"""
from __future__ import annotations

import os
from functools import lru_cache
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


FAKE_NOW = "CSB_FAKE_NOW"  # tests and screenshots only: gunicorn.conf.py refuses to start with it


def local_now():
    """Now, as a naive datetime in the warehouse's local time zone (how facts are stored).

    With ``CSB_FAKE_NOW`` set (tests and screenshots only), the clock starts at that moment
    when the process first reads it and runs on from there (``fake_offset``)."""
    from datetime import datetime

    offset = fake_offset()  # first: the moment it pins is "now" on its first read
    real = datetime.now(timezone()).replace(tzinfo=None)
    return real + offset if offset is not None else real


def fake_offset():
    """How far ``CSB_FAKE_NOW`` puts this process's clock from the real one (a timedelta),
    or None when it is not set. Read once per value: the pinned moment is "now" at the
    first read, and time passes normally after it. The wall page hands the same moment to
    the browser (``data-now`` on its root), so the clock and the playlist's hours agree."""
    pinned = os.environ.get("CSB_FAKE_NOW", "").strip()
    return _offset(pinned) if pinned else None


@lru_cache(maxsize=4)
def _offset(pinned: str):
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(pinned)
    except ValueError:
        raise ValueError(f"{FAKE_NOW}={pinned!r} is not a local date and time like 2026-12-05T19:30") from None
    if moment.tzinfo is not None:  # a moment with its zone: the same moment in Chengdu time
        moment = moment.astimezone(timezone()).replace(tzinfo=None)
    return moment - datetime.now(timezone()).replace(tzinfo=None)


def refuse_fake_now(where: str) -> None:
    """Stop ``where`` (a production server) from starting on a pinned clock: a lobby screen
    showing a made-up time and hour's panels would be wrong without saying so."""
    if os.environ.get("CSB_FAKE_NOW", "").strip():
        raise SystemExit(f"{FAKE_NOW} is set: it pins the clock for tests and screenshots only; "
                         f"unset it to run {where}")


def local_today():
    """Today's date in the warehouse's local time zone."""
    return local_now().date()
