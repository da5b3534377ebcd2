"""What every source generator shares: the window, the communities and the random streams.

Random numbers come from streams keyed by (seed, source, what, month ...), never from one
global generator, so a month of one source does not change when another source or the
window changes, and the same arguments always give the same bytes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .places import Community, key_int
from .seasons import DayTable


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    first: dt.date
    days: tuple[dt.date, ...]  # the days of the month inside the window (up to ``end``)

    @property
    def key(self) -> int:
        return self.year * 100 + self.month

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def zh(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def ordinal(self) -> int:
        return self.year * 12 + self.month - 1

    @property
    def all_days(self) -> list[dt.date]:
        nxt = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return [self.first + dt.timedelta(days=i) for i in range((nxt - self.first).days)]

    @cached_property
    def table(self) -> DayTable:
        """Calendar of the days inside the window."""
        return DayTable(list(self.days))

    @cached_property
    def full_table(self) -> DayTable:
        """Calendar of the whole month, also past ``end`` (for planned activities)."""
        return DayTable(self.all_days)


def months_until(end: dt.date, count: int) -> list[Month]:
    """The ``count`` calendar months ending with the month of ``end`` (which is cut at ``end``)."""
    if count < 1:
        raise ValueError(f"months must be at least 1, got {count}")
    out = []
    y, m = end.year, end.month
    for _ in range(count):
        first = dt.date(y, m, 1)
        nxt = dt.date(y + m // 12, m % 12 + 1, 1)
        last = min(end, nxt - dt.timedelta(days=1))
        out.append(Month(y, m, first, tuple(first + dt.timedelta(days=i)
                                            for i in range((last - first).days + 1))))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


@dataclass
class Context:
    end: dt.date
    months: list[Month]
    communities: list[Community]
    seed: int
    scale: float

    def rng(self, *keys: object) -> np.random.Generator:
        return np.random.default_rng([self.seed, *(key_int(k) for k in keys)])

    @property
    def end_moment(self) -> np.datetime64:
        """The export was taken at the end of ``end`` (23:59:59)."""
        return np.datetime64(self.end, "s") + np.timedelta64(86399, "s")

    @cached_property
    def streets(self) -> list[tuple[str, str, str]]:
        """(street code, street name, district name) of the covered communities."""
        seen: dict[str, tuple[str, str, str]] = {}
        for c in self.communities:
            seen.setdefault(c.street_code, (c.street_code, c.street_name, c.district_name))
        return list(seen.values())


def stack(parts: list[dict[str, np.ndarray] | None]) -> pd.DataFrame | None:
    """One frame from per-community column dicts (cheaper than concatenating frames)."""
    given = [p for p in parts if p]
    if not given:
        return None
    return pd.DataFrame({k: np.concatenate([p[k] for p in given]) for k in given[0]})
