"""Reading and checking the API's query parameters, one function per kind.

Every function takes the request's ``args`` (a ``MultiDict``) and returns a clean
Python value or raises :class:`BadParameter`, which the blueprint turns into a 400
whose JSON body names the parameter and says what was wrong. Values leave here as
``date`` objects, known words and well-formed codes; the query layer binds them.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Literal, overload

#: The longest period one request may ask for; longer ranges are almost always a typo
#: (1025 for 2025) and would make a day series of many thousands of points.
MAX_RANGE_YEARS = 10

#: The days the API answers about: any warehouse's figures fall well inside, and the
#: calendar arithmetic of a period (its weeks, months, a year past its end) stays inside
#: Python's dates (year 1 to 9999): 9999-12-31 is a 400, not a 500.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

GRAINS = ("day", "week", "month", "year")
FORMATS = ("json", "csv")
LEVELS = ("city", "district", "street", "community", "grid")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_METRIC = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_AREA = re.compile(r"^(\d{12}|\d{15})$")


class BadParameter(ValueError):
    """A query parameter that is missing, malformed or out of range."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message

    def body(self) -> dict:
        return {"error": "bad_parameter", "parameter": self.parameter, "message": self.message}


def only(args, allowed: set[str] | frozenset[str]) -> None:
    """Refuse parameters the endpoint does not know, so a typo (``grian=week``) is not
    silently ignored; and refuse a parameter given twice, which has no single meaning."""
    for name in args:
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise BadParameter(name, f"unknown parameter '{name}'; this endpoint takes: {known}")
        if len(args.getlist(name)) > 1:
            raise BadParameter(name, f"'{name}' is given more than once; give it once")


@overload
def text(args, name: str, *, required: Literal[True] = ...) -> str: ...


@overload
def text(args, name: str, *, required: bool) -> str | None: ...


def text(args, name: str, *, required: bool = True) -> str | None:
    """A non-empty string, trimmed; ``None`` when optional and absent."""
    raw = args.get(name)
    if raw is None or not raw.strip():
        if required:
            raise BadParameter(name, f"'{name}' is required")
        return None
    return raw.strip()


def metric(args, name: str = "metric") -> str:
    """A metric code: lowercase words joined by underscores (``hotline_received``)."""
    code = text(args, name)
    if not _METRIC.match(code):
        raise BadParameter(name, f"'{code}' is not a metric code "
                                 "(lowercase letters, digits and underscores, e.g. hotline_received)")
    return code


@overload
def area(args, name: str = ..., *, required: Literal[True] = ...) -> str: ...


@overload
def area(args, name: str = ..., *, required: bool) -> str | None: ...


def area(args, name: str = "area", *, required: bool = True) -> str | None:
    """An area code: 12 digits (city, district, street, community) or 15 (grid cell)."""
    code = text(args, name, required=required)
    if code is None:
        return None
    if not _AREA.match(code):
        raise BadParameter(name, f"'{code}' is not an area code (12 digits such as 510104011000, or 15 for a grid cell)")
    return code


def day(args, name: str) -> date:
    """A required ISO date ``YYYY-MM-DD``."""
    raw = text(args, name)
    if not _DATE.match(raw):
        raise BadParameter(name, f"'{raw}' is not a date; write it as YYYY-MM-DD, e.g. 2025-03-01")
    try:
        found = date.fromisoformat(raw)
    except ValueError as err:
        raise BadParameter(name, f"'{raw}' is not a calendar date ({err})") from None
    if not FIRST_DAY <= found <= LAST_DAY:
        raise BadParameter(name, f"'{raw}' is outside the dates this API answers about ({FIRST_DAY} to {LAST_DAY})")
    return found


def period(args) -> tuple[date, date]:
    """``start`` and ``end``, both inclusive, in order and at most ``MAX_RANGE_YEARS`` apart."""
    start, end = day(args, "start"), day(args, "end")
    if start > end:
        raise BadParameter("start", f"start {start} is after end {end}")
    if end.year - start.year > MAX_RANGE_YEARS or (
            end.year - start.year == MAX_RANGE_YEARS and (end.month, end.day) >= (start.month, start.day)):
        raise BadParameter("end", f"the period {start} to {end} is longer than {MAX_RANGE_YEARS} years; ask for a shorter one")
    return start, end


def choice(args, name: str, choices: tuple[str, ...] | list[str], default: str | None = None) -> str:
    """One of ``choices``; ``default`` when absent (required when there is no default)."""
    if default is None:
        raw = text(args, name)
    else:
        optional = text(args, name, required=False)
        if optional is None:
            return default
        raw = optional
    if raw not in choices:
        raise BadParameter(name, f"'{raw}' is not one of: {', '.join(choices)}")
    return raw


def grain(args) -> str:
    """The bucket of a series: day, week, month (default) or year."""
    return choice(args, "grain", GRAINS, default="month")


def output_format(args) -> str:
    """``json`` (default) or ``csv``."""
    return choice(args, "format", FORMATS, default="json")


def breakdown_by(args, dimensions: list[str]) -> str:
    """``children`` (default) or one of the metric's own dimensions."""
    allowed = ["children", *dimensions]
    raw = text(args, "by", required=False) or "children"
    if raw not in allowed:
        raise BadParameter("by", f"'{raw}' is not a breakdown of this metric; choose one of: {', '.join(allowed)}")
    return raw


def depth(args, name: str = "depth") -> int | None:
    """How many levels below the root a tree goes: a whole number from 0 to 4."""
    raw = text(args, name, required=False)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) > len(LEVELS) - 1:
        raise BadParameter(name, f"'{raw}' is not a depth; give a whole number from 0 to {len(LEVELS) - 1}")
    return int(raw)


def level(args, name: str = "level") -> str | None:
    """The deepest level of a tree: city, district, street, community or grid."""
    if text(args, name, required=False) is None:
        return None
    return choice(args, name, LEVELS)
