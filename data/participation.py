"""Reach beside person-times: the explorer's participation view, month by month.

"Are we reaching more residents, or the same two hundred more often?" For the activities and
the volunteers sources each month of a view gets its person-times (人次, a flow), the distinct
people (人, ``kind`` distinct: ``etl.reach``), visits per person (the two divided, the same
month and area), new and returning people and, for activities, the regulars and the people
by age band. Distinct people are never added up: each month is its own count, and a period
longer than a month has no total (none is stored), which the page says instead of showing one.

Small counts of people are hidden by the one masking rule (``export.suppress``): "<5", and
"*" where a hidden cell could be worked out (new + returning = reach, the age bands = reach).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from data import export, query
from data.cache import cached
from data.rollup import next_month


@dataclass(frozen=True)
class Measures:
    """The metric codes of one source's participation view."""

    visits: str  # person-times, a flow
    reach: str
    new: str
    returning: str
    regulars: str | None = None
    by_age: bool = False


SOURCES = {
    "activities": Measures("activity_participants", "activity_reach", "activity_new", "activity_returning",
                           "activity_regulars", by_age=True),
    "volunteers": Measures("volunteer_services", "volunteer_reach", "volunteer_new", "volunteer_returning"),
}
AGE_BANDS = ("0-17", "18-34", "35-59", "60+", "未填写")
COUNTS = ("visits", "reach", "new", "returning", "regulars")


def source_of(metric: dict | None) -> str | None:
    """The participation source a metric belongs to (its view), or None."""
    source = (metric or {}).get("source")
    return source if source in SOURCES else None


def months(start: date, end: date) -> tuple[date, date] | None:
    """The whole months' span of [start, end] (and the month running at its end), or None."""
    first = start if start.day == 1 else next_month(start)
    return (first, end) if first <= end else None


@cached
def view(source: str, area: str, start: date, end: date) -> dict:
    """{"rows": one dict per month (period, visits, reach, new, returning, regulars, per_person,
    ages: {band: n}), "marks": {"month|field" or "month|age|band": "<5" | "*"}}, over the whole
    months of [start, end]."""
    measures = SOURCES[source]
    span = months(start, end)
    if span is None:
        return {"rows": [], "marks": {}}
    first, last = span
    codes = [c for c in (measures.visits, measures.reach, measures.new, measures.returning, measures.regulars) if c]
    found = query.trends(codes, area, first, last, "month")
    ages: dict[tuple[str, str], float | None] = {}
    if measures.by_age:
        frame = query.breakdown_series(measures.reach, area, first, last, "month", by="age_band")
        for cell in frame.itertuples():
            value = None if cell.value != cell.value else float(cell.value)
            ages[(str(cell.period)[:10], str(cell.key))] = value
    rows = []
    for i, (month, _) in enumerate(found[measures.reach]):
        row: dict = {"period": month.isoformat()}
        for name in COUNTS:
            code = getattr(measures, name)
            row[name] = found[code][i][1] if code else None
        row["ages"] = {band: ages.get((month.isoformat(), band)) for band in AGE_BANDS
                       if (month.isoformat(), band) in ages}
        rows.append(row)
    marks = _marks(rows)
    for row in rows:
        hidden = any(f"{row['period']}|{f}" in marks for f in ("visits", "reach"))
        row["per_person"] = (None if hidden or not row["reach"] or row["visits"] is None
                             else row["visits"] / row["reach"])
    return {"rows": rows, "marks": marks}


def _marks(rows: list[dict]) -> dict:
    """The hidden cells, decided over the whole view (``export.suppress``)."""
    values: dict = {}
    groups: list = []
    for row in rows:
        month = row["period"]
        for name in COUNTS:
            values[(month, name)] = row[name]
        for band, v in row["ages"].items():
            values[(month, "age", band)] = v
        groups.append(((month, "reach"), [(month, "new"), (month, "returning")]) if row["new"] is not None else None)
        if row["ages"]:
            groups.append(((month, "reach"), [(month, "age", band) for band in row["ages"]]))
    hidden = export.suppress(values, [g for g in groups if g is not None])
    return {"|".join(cell): mark for cell, mark in hidden.items()}
