"""The source systems the ETL knows: name -> module.

Adding a source is one module here and one line in :data:`SOURCES`. A source module has

``NAME``
    the source name (as in ``etl/sources.yaml`` and ``etl_run.source``);
``METRICS``
    the metric codes it writes: a delivery replaces exactly these for the days and
    communities it covers (codes as in ``data/reference/metrics.csv``);
``FIELDS``
    its columns as :class:`etl.validate.Field` (canonical header, aliases, type,
    allowed values, ``personal=True`` for data that must never reach the warehouse);
``transform(rows, ctx) -> etl.load.Output``
    validated, typed rows (one per source row, ``_row`` = its row in the file) to facts
    ``(period, area_code, metric_code, dimension, member, value)`` plus any rejects of
    its own (:func:`etl.validate.reject_rows`); areas via ``ctx.match_areas``.

and optionally ``deliveries(location) -> list[Delivery]`` (e.g. a paginated API),
``read(delivery) -> Sheet`` (a format the generic readers do not know) and
``CHUNKED = True`` when every fact is a sum over rows, so a big CSV or XLSX may be read and
written ``chunk_rows`` rows at a time (``transform`` then sees one chunk per call; use
``ctx.repeated`` to find a value already seen in this chunk or an earlier one, such as
a duplicate id).
``etl/sources/hotline.py`` is the worked example.
"""
from __future__ import annotations

import importlib
from types import ModuleType

SOURCES: dict[str, str] = {
    "areas": "etl.sources.areas",
    "hotline": "etl.sources.hotline",
    "grid_events": "etl.sources.grid_events",
    "activities": "etl.sources.activities",
    "volunteers": "etl.sources.volunteers",
    "party": "etl.sources.party",
    "services": "etl.sources.services",
    "care": "etl.sources.care",
    "needs": "etl.sources.needs",
    "merchants": "etl.sources.merchants",
    "funds": "etl.sources.funds",
    "content": "etl.sources.content",
}


class UnknownSource(LookupError):
    """A source name that is not in :data:`SOURCES` (or whose module is missing)."""


def get(name: str) -> ModuleType:
    """The module of source ``name``."""
    if name not in SOURCES:
        raise UnknownSource(f"未知的数据源 / unknown source {name!r}; known: {', '.join(SOURCES)}")
    try:
        return importlib.import_module(SOURCES[name])
    except ModuleNotFoundError as err:
        if err.name == SOURCES[name]:
            raise UnknownSource(f"数据源 {name!r} 尚未实现 / source {name!r} has no module yet") from None
        raise


def available() -> list[str]:
    """Names of the sources whose module exists, in registry order."""
    found = []
    for name in SOURCES:
        try:
            get(name)
        except UnknownSource:
            continue
        found.append(name)
    return found
