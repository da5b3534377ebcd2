"""Realistic sample exports of every source system, for demos, tests and the ETL.

``generate(out_dir)`` writes, for the communities of the area register, what each source
system of ``shared/DOMAIN.md`` would have exported over the last months: in the real
formats (GBK and UTF-8 CSV, XLSX with title rows and merged headers, JSON Lines, Markdown
with front matter) and with the real mess (aliases, totals rows, Excel serial dates,
full-width names, personal data, a trickle of bad rows). The figures follow the seasons
and agree in magnitude with ``shared/reference/seed_facts.csv``.

Everything is drawn from random streams keyed by the seed, so the same arguments always
give byte-identical files; nothing but ``end`` (by default yesterday) depends on the clock.
"""
from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

from data import settings

from . import places
from .context import Context, months_until

#: The source systems, in the order they are written: each is a module of this package
#: with ``write(ctx, out_dir) -> list[Path]`` and the folder name under ``out_dir``.
SOURCES = ("areas", "hotline", "grid_events", "activities", "volunteers", "party", "services",
           "care", "needs", "merchants", "funds", "content")

DEFAULT_SEED = 20261124


def default_areas_path() -> Path:
    return settings.catalog_dir() / "areas.csv"


def generate(out_dir: Path, *, end: dt.date | None = None, months: int = 24,
             streets: list[str] | None = None, seed: int = DEFAULT_SEED, scale: float = 1.0,
             areas_path: Path | None = None, sources: list[str] | None = None) -> dict[str, list[Path]]:
    """Write the sample exports under ``out_dir``; return the files written per source.

    ``end`` is the last day covered (whole day included); by default yesterday, because an
    export taken today covers what was closed by last midnight and nothing later than the
    moment it was taken. ``months`` is how many calendar months up to and including
    ``end``'s month, ``streets`` the 12-digit street codes to cover (default
    every street with communities in the register), ``scale`` a multiplier on row volumes.
    ``sources`` limits the run to some source names.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    end = end or settings.local_today() - dt.timedelta(days=1)  # Chengdu's yesterday: whole days only
    chosen = list(SOURCES) if sources is None else list(sources)
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; known: {list(SOURCES)}")
    ctx = Context(
        end=end,
        months=months_until(end, months),
        communities=places.load(Path(areas_path or default_areas_path()), streets, seed),
        seed=seed,
        scale=scale,
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {name: importlib.import_module(f"{__name__}.{name}").write(ctx, out_dir)
            for name in chosen}


__all__ = ["generate", "SOURCES", "DEFAULT_SEED"]
