"""Comparing areas of different sizes: indexed lines (the base period = 100).

A street of 3,500 orders a month and a community of 150 on one axis leaves the community
flat; indexed, each line shows its own change from the same base period. The base must be
a period every compared area has a whole, shown, non-zero figure for: a partial month, a
missing or hidden figure or a zero would make every other point of that line meaningless.
Pure functions: the explorer (callbacks/explore.py) and its tests use them alike.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from data import present

PARTIAL, MISSING, ZERO = "partial", "missing", "zero"
BASE = 100  # what the base period reads as (an index, not a percentage)


@dataclass(frozen=True)
class Base:
    """The base period's position (None: no period fits) and why the first one did not fit."""

    at: int | None
    first_unfit: str | None = None


def _unfit(value, partial: bool) -> str | None:
    if partial:
        return PARTIAL
    if isinstance(value, str) or present.is_missing(value):  # a hidden "<5" is no base either
        return MISSING
    if value == 0:
        return ZERO
    return None


def index_base(values: Mapping[str, Sequence], partial: Mapping[str, Sequence[bool]]) -> Base:
    """The first period whole and with a non-zero figure for every area in ``values``
    ({area: value per period}, periods aligned; ``partial`` marks the partial ones)."""
    if not values:
        return Base(None)
    count = min(len(v) for v in values.values())
    first_unfit = None
    for i in range(count):
        reasons = [_unfit(values[k][i], bool(partial.get(k, [False] * count)[i])) for k in values]
        reason = next((r for r in (PARTIAL, MISSING, ZERO) if r in reasons), None)
        if reason is None:
            return Base(i, first_unfit)
        if i == 0:
            first_unfit = reason
    return Base(None, first_unfit)


def indexed(values: Sequence, at: int, partial: Sequence[bool] | None = None) -> list[float | None]:
    """``values`` as an index on position ``at`` (= ``BASE``), one decimal; None where a value is
    missing or hidden (an index beside a shown base would give a hidden figure away) and
    for a partial period (a few days of a month against a whole base month is no change)."""
    base = values[at]
    partial = partial or [False] * len(values)
    return [None if p or isinstance(v, str) or present.is_missing(v) else round(v / base * BASE, 1)
            for v, p in zip(values, partial)]
