"""Unusual changes: a figure's usual range for a month, from its own history, and whether it left it.

The one rule (README, "Unusual changes"). A month is judged only when it is whole and covered
(``coverage.whole_months``: every day, in every community the source covers there) and, for a
figure that keeps maturing (``coverage.settled``), settled; the months of its history obey the
same rule, so a month the source has not delivered, a partial month or one a community left out
never feeds a range and is never flagged ("no flag from missing data").

- A **flow** (orders received, meals served) is forecast from the same month in each of the up to
  ``YEARS`` earlier years, scaled by the recent trend against that year: the median of the last
  ``TREND_MONTHS`` months' ratios to the same months a year (two, three years) earlier; the
  forecast is the median of those. Each earlier month of the history is forecast the same way
  from the months before it, and its seasonal residual ``log(actual / forecast)`` kept. The robust
  centre and spread of those residuals (median, and ``scipy.stats.median_abs_deviation`` scaled
  to a normal standard deviation) say how far this figure usually strays from its forecast; the
  counting noise of the forecast itself (a Poisson count's ``1 / expected`` on the log scale) is
  added, so a small count never flags on chance. The usual range is the forecast times
  ``exp(centre ± Z * spread)``, whole numbers rounded outwards.
- A **ratio that is a proportion** (a %: on-time rate, satisfaction rate) is judged against its
  pooled rate over the last ``RATE_MONTHS`` months (a rate has little season; its noise comes from
  its denominator): the range is that rate ± ``Z`` times the combined spread of the monthly rates
  (median absolute deviation) and the binomial noise of this month's denominator, so a rate of
  few orders gets a wide range; below ``MIN_DENOMINATOR`` there is no range at all.
- A **stock** (party members, volunteer teams) is a level reported monthly, partly carried forward
  when a community misses its report: it has no season, and a month's move is as likely a report
  as a change; a ratio that is an average (minutes per transaction, yuan per yuan) cannot tell its
  noise from its sums. Neither is judged.

Too little history (no same month a year earlier with its trend months, fewer than
``MIN_RESIDUALS`` earlier forecasts, fewer than ``MIN_RATE_MONTHS`` rate months) gives no range and
says so: not flagged.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from statistics import median

import numpy as np
from scipy.stats import median_abs_deviation
from sqlalchemy import Engine

from data import areas, codec, coverage, kinds, present, query
from data.cache import cached
from data.periods import add_months, month_end, month_start

Z = 3.0  # how many robust standard deviations from the forecast a figure may stray before it is unusual
YEARS = 3  # earlier years whose same month the forecast reads
TREND_MONTHS = 3  # the recent months whose change on a year earlier scales the forecast
MIN_RESIDUALS = 5  # earlier months forecast the same way, to know how far the figure usually strays
MIN_EXPECTED = 20.0  # a flow forecast below this is too small a count to call any month unusual
RATE_MONTHS = 12  # a rate's baseline: the pooled rate of this many months before
MIN_RATE_MONTHS = 6  # ... of which at least this many must be whole, covered months
MIN_DENOMINATOR = 30.0  # a rate of fewer cases than this (orders resolved, evaluations) is not judged
HISTORY_MONTHS = 12 * YEARS + TREND_MONTHS + 12  # the months before the first judged one that are read

# What a month's judgement says: its figure left its range, or stayed in it, or why there is no range.
ABOVE, BELOW, USUAL = "above", "below", "usual"
NOT_WHOLE = "not_whole"  # the month is not whole or not covered (partial, not yet reported, a report missing)
YOUNG = "young"  # a figure that keeps maturing, for a month too recent to have settled
SHORT = "short_history"  # too little whole, covered history for a range
SMALL = "too_small"  # a count or a rate's denominator too small to tell a change from chance
NOT_JUDGED = "not_judged"  # a stock, or a ratio that is an average
NO_FIGURE = "no_figure"  # no figure this month (no denominator), or none at this area's level


@dataclass(frozen=True)
class Usual:
    """One month's figure (``value``) and its usual range (``low``..``high``, around ``expected``);
    ``state`` is ``above``, ``below``, ``usual`` or why there is no range."""

    month: date
    state: str
    value: float | None = None
    expected: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def flagged(self) -> bool:
        return self.state in (ABOVE, BELOW)


codec.stored(Usual)  # cached answers may hold it


def _judge(month: date, value: float, expected: float, low: float, high: float) -> Usual:
    state = ABOVE if value > high else BELOW if value < low else USUAL
    return Usual(month, state, value, expected, low, high)


# --------------------------------------------------------------------------- the method, on numbers

def flow_forecast(history: Mapping[date, float], month: date) -> float | None:
    """The same month of each earlier year times the recent trend against that year, median over
    the years; None without one earlier year whose same month and trend months are all known and
    above zero. ``history`` holds whole, covered months (first days) only."""
    found = []
    for years in range(1, YEARS + 1):
        before = history.get(add_months(month, -12 * years))
        ratios = []
        for back in range(1, TREND_MONTHS + 1):
            now, then = history.get(add_months(month, -back)), history.get(add_months(month, -back - 12 * years))
            if now is None or then is None or now <= 0 or then <= 0:
                break
            ratios.append(now / then)
        if before is not None and before > 0 and len(ratios) == TREND_MONTHS:
            found.append(before * median(ratios))
    return median(found) if found else None


def flow_range(history: Mapping[date, float], month: date, value: float | None) -> Usual:
    """``month``'s usual range from the months of ``history`` before it (see the module)."""
    if value is None:
        return Usual(month, NO_FIGURE)
    past = {m: v for m, v in history.items() if m < month}
    expected = flow_forecast(past, month)
    residuals = []
    for earlier in sorted(past):
        forecast = flow_forecast(past, earlier)
        if forecast is not None and past[earlier] > 0:
            residuals.append(math.log(past[earlier] / forecast))
    if expected is None or len(residuals) < MIN_RESIDUALS:
        return Usual(month, SHORT, value)
    if expected < MIN_EXPECTED:
        return Usual(month, SMALL, value, expected)
    centre = float(np.median(residuals))
    spread = float(median_abs_deviation(residuals, scale="normal"))
    width = Z * math.sqrt(spread ** 2 + 1.0 / expected)
    low = math.floor(expected * math.exp(centre - width))
    high = math.ceil(expected * math.exp(centre + width))
    return _judge(month, value, expected * math.exp(centre), low, high)


def rate_range(history: Mapping[date, tuple[float, float]], month: date,
               numerator: float | None, denominator: float | None) -> Usual:
    """``month``'s usual range of a proportion (numerator / denominator) from the
    ``RATE_MONTHS`` months before it in ``history`` ({month: (numerator, denominator)})."""
    if numerator is None or not denominator:
        return Usual(month, NO_FIGURE)
    value = numerator / denominator
    recent = [history[m] for m in (add_months(month, -back) for back in range(1, RATE_MONTHS + 1))
              if m in history and history[m][1] > 0]
    if len(recent) < MIN_RATE_MONTHS:
        return Usual(month, SHORT, value)
    if denominator < MIN_DENOMINATOR:
        return Usual(month, SMALL, value)
    rate = sum(n for n, _ in recent) / sum(d for _, d in recent)
    spread = float(median_abs_deviation([n / d for n, d in recent], scale="normal"))
    width = Z * math.sqrt(spread ** 2 + rate * (1 - rate) / denominator)
    return _judge(month, value, rate, max(0.0, rate - width), min(1.0, rate + width))


# --------------------------------------------------------------------------- the method, on the warehouse

def judged_kind(info: dict) -> bool:
    """Whether a metric's months are judged at all: flows, and ratios that are proportions."""
    if info.get("kind") == kinds.FLOW:
        return True
    return info.get("kind") == kinds.RATIO and present.is_percent(info)


def judged_month(end: date) -> date:
    """The latest month that ends on or before ``end`` (a period's last day with data): the month
    a page judges; "this month so far" is not over, so it judges the month before."""
    return month_start(end) if end == month_end(end) else add_months(month_start(end), -1)


def _months(first: date, last: date) -> list[date]:
    found, month = [], month_start(first)
    while month <= last:
        found.append(month)
        month = add_months(month, 1)
    return found


@cached
def usual_ranges(metric: str, area: str, first, last, *, engine: Engine | None = None) -> tuple[Usual, ...]:
    """Every month from ``first``'s to ``last``'s of ``metric`` in ``area``, judged against its
    usual range (``Usual``), one statement for the history and the months together."""
    first, last = month_start(first), month_start(last)
    months = _months(first, last)
    info = query.metric_info(metric, engine=engine)
    place = areas.get(area, engine=engine)
    if info is None or place is None:
        raise LookupError(f"unknown metric {metric!r} or area {area!r}")
    if not judged_kind(info):
        return tuple(Usual(m, NOT_JUDGED) for m in months)
    ratio = info.get("kind") == kinds.RATIO
    parts = [query.metric_info(info[role], engine=engine) or {} for role in ("numerator", "denominator")] \
        if ratio else None
    if not coverage.has_figures_at(info, place["level"], parts):
        return tuple(Usual(m, NO_FIGURE) for m in months)
    start = add_months(first, -HISTORY_MONTHS)
    codes = [info["numerator"], info["denominator"]] if ratio else [metric]
    found = query.trends(codes, area, start, month_end(last), "month", engine=engine)
    sources = {s for s in (coverage.source_of(row) for row in (parts or [info])) if s}
    whole = set(_months(start, last))
    for source in sources:
        whole &= set(coverage.whole_months(source, area, start, last, engine=engine))
    as_of = coverage.as_of(info, area, parts=parts, engine=engine)
    ready = {m for m in whole if coverage.settled(info, month_end(m), as_of, parts)}
    series = [dict(found[code]) for code in codes]

    def known(month: date) -> list[float] | None:
        row = [s.get(month) for s in series]
        return None if any(v is None for v in row) else [float(v) for v in row if v is not None]

    history = {m: v for m in sorted(ready) if (v := known(m)) is not None}
    judged = []
    for month in months:
        if month not in whole:
            judged.append(Usual(month, NOT_WHOLE))
        elif month not in ready:
            judged.append(Usual(month, YOUNG))
        elif ratio:
            row = history.get(month)
            judged.append(rate_range({m: (v[0], v[1]) for m, v in history.items()}, month,
                                     row[0] if row else None, row[1] if row else None))
        else:
            row = history.get(month)
            judged.append(flow_range({m: v[0] for m, v in history.items()}, month, row[0] if row else None))
    return tuple(judged)


def judge(metric: str, area: str, month: date, *, engine: Engine | None = None) -> Usual:
    """``metric``'s figure in ``area`` for ``month`` against its usual range."""
    return usual_ranges(metric, area, month, month, engine=engine)[0]
