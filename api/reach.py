"""How far each figure of the API reaches: its ``as_of``, whether it is ``complete``, and why not.

A source delivers on its own rhythm, so each figure says how much of its period its data
covers (DOMAIN.md, "Time, completeness and provenance"). The dates come from the loads'
recorded coverage (``data.coverage``): the last day is the metric's ``coverage.as_of`` in
the area, the first day its source's first covered day there. Whether a period is whole is
``periods.cut``'s rule (a period ends where its data ends; a monthly metric counts whole
months only). Values are never changed here: a missing figure stays null and gets a reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from data import coverage, kinds, query
from data.aggregate import prefix as area_prefix
from data.periods import Period, cut, month_end

#: Why a figure is null or not complete, one word each (documented in api/openapi.py).
REASONS = {
    "no_data": "null: the source has no data for this area in this period (before its first delivery here, "
               "or an area it has never covered)",
    "not_yet_reported": "null: the period lies after the last day the source has delivered for this area "
                        "(late is not zero)",
    "no_denominator": "null: the ratio's denominator is zero or missing in this period (its data may be complete)",
    "partly_reported": "some communities of the area that the source covers have not delivered for the whole "
                       "period yet: the figure holds what the others delivered",
    "partial": "the figure counts only the days its data covers (up to as_of, or from the source's first "
               "delivery): the period is not over in the data",
    "carried_forward": "a level (stock) whose latest report, as of as_of, is older than the period's end, or a sum "
                       "of levels in which some areas that missed the period's report count with their latest "
                       "earlier one (within the metric's carry_months)",
    "not_whole_months": "a monthly metric asked for a period that is not whole months: the figure holds the "
                        "reports dated (the 1st of their month) in the period",
    "coverage_unknown": "the warehouse records no coverage for this metric's source, so how far it reaches is unknown",
    "not_recorded_at_level": "null: the metric is recorded per community (its source's level), so a grid cell has "
                             "no figure of its own",
    "not_one_month": "null: a count of distinct people (kind distinct) is stored per month and never added up over "
                     "months or areas; a period that is not one month (or a month's start up to its data-through "
                     "date) has no figure",
}


@dataclass(frozen=True)
class Reach:
    """The days a metric's data covers in one area: ``first`` to ``through`` (None: never
    delivered there); ``everywhere``, the last day every community of the area that the
    source covers has delivered for; ``recorded`` false when its source has no recorded
    coverage at all."""

    kind: str
    grain: str
    first: date | None
    through: date | None
    everywhere: date | None
    recorded: bool
    at_level: bool = True  # the area is not finer than the level the metric is recorded at
    code: str = ""  # the metric and area, to ask which stored areas a stock's sum carries forward
    area: str = ""

    def mark(self, value, start: date, end: date, *, carried: bool | None = None) -> dict:
        """``as_of``, ``complete`` and ``reason`` of ``value``, the figure for ``start``..``end``.
        ``carried``: whether a stock's figure holds carried-forward reports, when the caller knows
        (a series' buckets: ``query.carried_buckets``); else it is asked (``query.carried``)."""
        reached = self.through is not None and self.first is not None and self.first <= end
        as_of = min(self.through, end) if reached and self.through is not None else None
        whole = self.grain != "month" or end == month_end(end)
        ended = cut(Period(start, end, "", ""), self.everywhere, self.grain)
        covered_to_end = ended is not None and (ended.start, ended.end) == (start, end)
        complete = covered_to_end and whole and self.first is not None and self.first <= start
        reason = None if complete and value is not None else self._reason(value, start, end)
        # A sum holding carried reports says so first: they are not "what the others delivered"
        # nor "the reports dated in the period".
        if reason in (None, "partly_reported", "not_whole_months") and value is not None \
                and (self._carries(start, end) if carried is None else carried):
            complete, reason = False, "carried_forward"
        return {"as_of": as_of, "complete": complete, "reason": reason}

    def _carries(self, start: date, end: date) -> bool:
        """Whether a stock's figure holds a carried-forward report of an area that missed the period's."""
        return self.kind == "stock" and bool(self.code and self.area) and bool(
            query.carried(self.code, self.area, start, end))

    def _reason(self, value, start: date, end: date) -> str:
        if value is None:
            if not self.at_level:
                return "not_recorded_at_level"
            if self.kind == kinds.DISTINCT and kinds.distinct_month(start, end, self.through) is None:
                return "not_one_month"
            if self.through is None or self.first is None or end < self.first:
                return "no_data"
            if start > self.through:
                return "not_yet_reported"
            return "no_denominator" if self.kind == "ratio" else "no_data"
        if not self.recorded:
            return "coverage_unknown"
        if self.grain == "month" and end != month_end(end):
            return "not_whole_months"
        if self.through is not None and self.through >= end and self.first is not None and self.first <= start:
            return "partly_reported"
        if self.kind == "stock" and self.through is not None and self.through < end:
            return "carried_forward"
        return "partial"


def parts(info: dict) -> list[dict]:
    """The catalogue rows a metric's figures come from: a ratio's numerator and denominator."""
    if info.get("kind") != "ratio":
        return [info]
    return [query.metric_info(info[role]) or {} for role in ("numerator", "denominator")]


def data_through(info: dict, area: str | None = None) -> date | None:
    """The last day ``info``'s data covers in ``area`` (anywhere when None): ``coverage.as_of``."""
    return coverage.as_of(info, area, parts=parts(info))


def reach(info: dict, area: dict, spans: coverage.Covered | None = None) -> Reach:
    """The metric's ``Reach`` in ``area`` (a row of the area register). Pass one ``spans``
    (``coverage.Covered``) for the many areas of a breakdown."""
    spans = spans if spans is not None else coverage.covered()
    sources = [coverage.source_of(row) or "" for row in parts(info)]
    recorded = all(source in spans.spans for source in sources)
    community = area_prefix(area)[:12]  # coverage is kept per community; a grid cell has its community's
    firsts, lasts = [], []
    for source in sources if recorded else []:
        covered = [span for code, span in spans.spans[source].items() if code.startswith(community)]
        if covered:
            firsts.append(min(span[0] for span in covered))
            lasts.append(min(span[1] for span in covered))
    whole = len(firsts) == len(sources) and recorded
    through = data_through(info, area["code"])
    at_level = coverage.has_figures_at(info, area["level"], parts(info))
    return Reach(info.get("kind") or "flow", info.get("grain") or "day", max(firsts) if whole else None,
                 through, min(lasts) if whole else None, recorded, at_level, info.get("code") or "", area["code"])
