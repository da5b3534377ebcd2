"""The explorer's and the overview's view, to and from a URL query string.

A link is how analysts share a view, so everything that shapes the explorer (metric,
area, period, grain, breakdown, compared areas and how they are compared, the
year-on-year overlay, chart type, language) lives in the
query string, and so does the overview's (area, period, language, and its league table's
sort and per-1,000-residents switch). Parsing never fails: a bad parameter falls back to its default and comes
back as a plain-words problem that names the parameter, so a mistyped link still opens
a view and says what was ignored. Pure functions: nothing here touches the warehouse.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import parse_qsl, urlencode

from data import periods

DEFAULT_AREA = "510104011000"  # 沙河街道, 锦江区: the embedded deployment's street
DEFAULT_METRIC = "activity_participants"

GRAINS = ("day", "week", "month", "year")
CHARTS = ("bars", "stacked", "multiples")
LANGS = ("zh", "en")
# "last_12_months" is the explorer's own: a trend needs more than one month to be a trend.
# "year_to_date" is the overview's "this_year" (the same dates) under the name analysts use;
# an explorer link saying "this_year" opens it (``EXPLORE_ALIASES``).
EXPLORE_PERIODS = ("last_12_months", "last_24_months", "this_month", "last_month", "this_quarter",
                   "last_quarter", "year_to_date", "same_period_last_year", "last_year", "last_30_days", "custom")
EXPLORE_ALIASES = {"this_year": "year_to_date"}
# How compared areas share the trend: indexed (first period = 100), one axis, or each its own.
COMPARE_AS = ("index", "shared", "multiples")
SWITCH = ("0", "1")
OVERVIEW_PERIODS = ("this_month", "last_month", "this_quarter", "this_year", "custom")
# The overview's league table: the KPI it is sorted by, and its counts as they are or per 1,000 residents.
LEAGUE_SORT = "hotline_on_time_rate"
LEAGUE_SCALES = ("total", "per_1000")
MAX_COMPARE = 6

_AREA_CODE = re.compile(r"^\d{12}(\d{3})?$")
_METRIC_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ExploreState:
    """One view of the explorer; every field has a default so any link opens something."""

    metric: str = DEFAULT_METRIC
    area: str = DEFAULT_AREA
    period: str = "last_12_months"
    start: date | None = None
    end: date | None = None
    grain: str = "month"
    by: str = "children"
    compare: tuple[str, ...] = ()
    chart: str = "bars"
    lang: str = "zh"
    compare_as: str = "index"
    yoy: bool = False


@dataclass(frozen=True)
class OverviewState:
    """The overview's area and period, and how its league table is shown: enough to share
    "沙河街道, this quarter, its communities by calls received per 1,000 residents"."""

    area: str = DEFAULT_AREA
    period: str = "this_month"
    start: date | None = None
    end: date | None = None
    lang: str = "zh"
    sort: str = LEAGUE_SORT
    scale: str = LEAGUE_SCALES[0]


@dataclass
class _Reader:
    """Collects the problems met while reading one query string."""

    params: dict[str, str]
    problems: list[str] = field(default_factory=list)

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def choice(self, name: str, allowed: Sequence[str], default: str) -> str:
        value = self.text(name)
        if value is None:
            return default
        if value not in allowed:
            self.problems.append(f"{name}: '{value}' is not one of {', '.join(allowed)}; using '{default}'")
            return default
        return value

    def area(self, name: str, default: str) -> str:
        value = self.text(name)
        if value is None:
            return default
        if not _AREA_CODE.match(value):
            self.problems.append(f"{name}: '{value}' is not a 12- or 15-digit area code; using {default}")
            return default
        return value

    def period(self, allowed: Sequence[str], default: str,
               aliases: Mapping[str, str] | None = None) -> tuple[str, date | None, date | None]:
        if aliases and self.text("period") in aliases:
            self.params["period"] = aliases[self.params["period"].strip()]
        name = self.choice("period", allowed, default)
        start_text, end_text = self.text("start"), self.text("end")
        if name != "custom":
            return name, None, None
        try:
            start = periods.as_date(start_text, "start") if start_text else None
            end = periods.as_date(end_text, "end") if end_text else None
        except ValueError as err:
            self.problems.append(f"{err}; using '{default}'")
            return default, None, None
        if start is None or end is None:
            missing = "start" if start is None else "end"
            self.problems.append(f"{missing}: a custom period needs both start and end; using '{default}'")
            return default, None, None
        if start > end:
            self.problems.append(f"start: {start} is after end {end}; using '{default}'")
            return default, None, None
        return name, start, end


class RepeatedParameter(ValueError):
    """A query string that names a parameter twice (``?area=A&area=B``): it has no one meaning."""

    def __init__(self, name: str):
        super().__init__(f"'{name}' is given more than once in the link; give it once")
        self.name = name


def query_params(search: str | None) -> dict[str, str]:
    """The one reading of a URL's query string, for the access check and the pages alike.

    ``?a=1&b=2`` or ``a=1&b=2`` (a hand-made request may leave out the ``?``) as a dict of
    strings; a key given twice raises ``RepeatedParameter``. ``auth/policy.py`` decides who
    may see a page from this dict and the page is drawn from the same dict, so a link can
    never mean one area to the check and another to the page.
    """
    if not search:
        return {}
    text = search[1:] if search.startswith("?") else search
    found: dict[str, str] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name in found:
            raise RepeatedParameter(name)
        found[name] = value
    return found


def _reader(query: str | Mapping | None) -> _Reader:
    """``?a=1&b=2``, ``a=1&b=2`` or a mapping (the callbacks' control values) to read;
    blank values are left out, and a key given twice too (it has no one meaning: a problem)."""
    if query is None:
        return _Reader({})
    if isinstance(query, Mapping):
        return _Reader({str(k): v if isinstance(v, str) else ",".join(map(str, v)) if isinstance(v, (list, tuple))
                        else str(v) for k, v in query.items() if v is not None})
    try:
        return _Reader({k: v for k, v in query_params(query).items() if v.strip()})
    except RepeatedParameter:
        pairs = parse_qsl(query[1:] if query.startswith("?") else query, keep_blank_values=True)
        names = [n for n, _ in pairs]
        twice = sorted({n for n in names if names.count(n) > 1})
        read = _Reader({k: v for k, v in pairs if k not in twice and v.strip()})
        read.problems.extend(f"{name}: given more than once; using the default" for name in twice)
        return read


def parse_explore(query: str | Mapping | None, dimensions: Mapping[str, Sequence[str]]) -> tuple[ExploreState, list[str]]:
    """The explorer's view from a query string, and the problems met (empty when all was well).

    ``dimensions`` maps every known metric code to its breakdown dimensions (from the
    catalogue), which is how a metric and a breakdown are validated.
    """
    read = _reader(query)
    default = ExploreState()
    metric = read.text("metric") or default.metric
    if metric not in dimensions:
        read.problems.append(f"metric: unknown metric '{metric}'; using '{default.metric}'")
        metric = default.metric
    area = read.area("area", default.area)
    period, start, end = read.period(EXPLORE_PERIODS, default.period, EXPLORE_ALIASES)
    grain = read.choice("grain", GRAINS, default.grain)
    allowed_by = ("children", *dimensions.get(metric, ()))
    by = read.choice("by", allowed_by, default.by)
    compare: list[str] = []
    for code in (read.text("compare") or "").split(","):
        code = code.strip()
        if not code or code == area or code in compare:
            continue
        if not _AREA_CODE.match(code):
            read.problems.append(f"compare: '{code}' is not a 12- or 15-digit area code; left out")
            continue
        compare.append(code)
    if len(compare) > MAX_COMPARE:
        read.problems.append(f"compare: at most {MAX_COMPARE} areas can be compared; the rest were left out")
        compare = compare[:MAX_COMPARE]
    chart = read.choice("chart", CHARTS, default.chart)
    lang = read.choice("lang", LANGS, default.lang)
    compare_as = read.choice("compare_as", COMPARE_AS, default.compare_as)
    yoy = read.choice("yoy", SWITCH, "1" if default.yoy else "0") == "1"
    state = ExploreState(metric, area, period, start, end, grain, by, tuple(compare), chart, lang, compare_as, yoy)
    return state, read.problems


def parse_overview(query: str | Mapping | None, sorts: Sequence[str] | None = None) -> tuple[OverviewState, list[str]]:
    """The overview's view from a query string, and the problems met. ``sorts``: the KPIs the
    league can be sorted by (None: any metric code is taken, for the league to check)."""
    read = _reader(query)
    default = OverviewState()
    area = read.area("area", default.area)
    period, start, end = read.period(OVERVIEW_PERIODS, default.period)
    lang = read.choice("lang", LANGS, default.lang)
    if sorts is not None:
        sort = read.choice("sort", sorts, default.sort)
    else:
        sort = read.text("sort") or default.sort
        if not _METRIC_CODE.match(sort):
            read.problems.append(f"sort: '{sort}' is not a metric code; using '{default.sort}'")
            sort = default.sort
    scale = read.choice("scale", LEAGUE_SCALES, default.scale)
    return OverviewState(area, period, start, end, lang, sort, scale), read.problems


def _encode(state, default) -> str:
    """Only what differs from the default (the metric and area always), in a stable order."""
    pairs = []
    for name in state.__dataclass_fields__:
        value = getattr(state, name)
        if value == getattr(default, name) and name not in ("metric", "area"):
            continue
        if value is None or value == ():
            continue
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif isinstance(value, tuple):
            value = ",".join(value)
        elif isinstance(value, date):
            value = value.isoformat()
        pairs.append((name, value))
    return "?" + urlencode(pairs, safe=",") if pairs else ""


def explore_query(state: ExploreState) -> str:
    """The query string (with its ``?``) that opens ``state`` in the explorer."""
    if state.period != "custom":
        state = replace(state, start=None, end=None)
    return _encode(state, ExploreState())


def overview_query(state: OverviewState) -> str:
    """The query string (with its ``?``) that opens ``state`` in the overview."""
    if state.period != "custom":
        state = replace(state, start=None, end=None)
    return _encode(state, OverviewState())


def resolve_period(state: ExploreState | OverviewState, today: date) -> periods.Period:
    """The dates a state's period covers on ``today`` (ValueError when it has none)."""
    return periods.resolve(state.period, today, state.start, state.end)
