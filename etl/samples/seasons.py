"""The calendar the sample figures follow: holidays, school breaks and seasons.

Service halls close on Sundays and public holidays, the Spring Festival empties the city
for a week or two, children's activities and childcare peak in the school holidays and
the 12345 hotline peaks in the summer heat. Every generator asks this module rather than
guessing, so the seasons agree across sources.
"""
from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np

#: Lunar New Year's Day (正月初一).
LUNAR_NEW_YEAR = {
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
}


def _span(start: str, end: str) -> list[dt.date]:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


#: Official public holidays (放假) as announced by the State Council.
_OFFICIAL = {
    2024: ["2024-01-01:2024-01-01", "2024-02-10:2024-02-17", "2024-04-04:2024-04-06",
           "2024-05-01:2024-05-05", "2024-06-10:2024-06-10", "2024-09-15:2024-09-17",
           "2024-10-01:2024-10-07"],
    2025: ["2025-01-01:2025-01-01", "2025-01-28:2025-02-04", "2025-04-04:2025-04-06",
           "2025-05-01:2025-05-05", "2025-05-31:2025-06-02", "2025-10-01:2025-10-08"],
    2026: ["2026-01-01:2026-01-03", "2026-02-15:2026-02-23", "2026-04-04:2026-04-06",
           "2026-05-01:2026-05-05", "2026-06-19:2026-06-21", "2026-09-25:2026-09-27",
           "2026-10-01:2026-10-07"],
}


@cache
def holidays(year: int) -> frozenset[dt.date]:
    """Public holidays of a year; years without an announcement get the usual pattern."""
    if year in _OFFICIAL:
        days: list[dt.date] = []
        for span in _OFFICIAL[year]:
            days += _span(*span.split(":"))
        return frozenset(days)
    lny = LUNAR_NEW_YEAR.get(year, dt.date(year, 2, 1))
    days = [dt.date(year, 1, 1), dt.date(year, 4, 5)]
    days += [lny + dt.timedelta(days=i) for i in range(-1, 7)]
    days += _span(f"{year}-05-01", f"{year}-05-03") + _span(f"{year}-10-01", f"{year}-10-07")
    return frozenset(days)


def lunar_new_year(year: int) -> dt.date:
    return LUNAR_NEW_YEAR.get(year, dt.date(year, 2, 1))


def is_holiday(day: dt.date) -> bool:
    return day in holidays(day.year)


def is_winter_break(day: dt.date) -> bool:
    """School winter holiday: about two weeks before to two and a half after the new year."""
    lny = lunar_new_year(day.year)
    return lny - dt.timedelta(days=14) <= day <= lny + dt.timedelta(days=18)


def is_summer_break(day: dt.date) -> bool:
    return dt.date(day.year, 7, 5) <= day <= dt.date(day.year, 8, 31)


def is_school_break(day: dt.date) -> bool:
    return is_winter_break(day) or is_summer_break(day)


def spring_festival_factor(day: dt.date) -> float:
    """Activity left in the city around the Spring Festival: 1 normally, ~0.35 on the day."""
    offset = (day - lunar_new_year(day.year)).days
    if -7 <= offset <= 12:
        # deepest on New Year's Eve and Day, recovering over the Lantern Festival fortnight
        return 1.0 - 0.65 * np.exp(-((offset - 0.5) ** 2) / 18.0)
    return 1.0


def summer_factor(day: dt.date) -> float:
    """Heat: 1 in spring and autumn, up to ~1.3 in late July (water, power, noise)."""
    doy = day.timetuple().tm_yday
    return 1.0 + 0.3 * np.exp(-((doy - 205) ** 2) / (2 * 28.0**2))


class DayTable:
    """Per-day calendar arrays for one span of days, for vectorised generators."""

    def __init__(self, days: list[dt.date]):
        self.days = days
        self.n = len(days)
        self.dates = np.array(days, dtype="datetime64[D]")
        self.weekday = np.array([d.weekday() for d in days], dtype=np.int8)
        self.holiday = np.array([is_holiday(d) for d in days])
        self.school_break = np.array([is_school_break(d) for d in days])
        self.spring = np.array([spring_festival_factor(d) for d in days])
        self.summer = np.array([summer_factor(d) for d in days])
        self.sunday = self.weekday == 6
        self.weekend = self.weekday >= 5
        self.closed = self.sunday | self.holiday  # service halls and stations
        self.workday = ~self.weekend & ~self.holiday


def self_service_share(day: dt.date) -> float:
    """Share of hall business done at terminals: rising slowly, ~15% in 2023 to ~35% in 2027."""
    years = (day - dt.date(2023, 1, 1)).days / 365.25
    return float(min(0.5, max(0.1, 0.15 + 0.05 * years)))
