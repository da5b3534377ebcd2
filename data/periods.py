"""Reporting periods: "this month", "last 30 days" and what to compare them with.

The one place for the calendar arithmetic of the pages: ``today()`` (the date in Chengdu),
``this_month``, ``months_back``/``last_months`` (the wall's and the explorer's "last 12
months": twelve whole months and this month so far), ``resolve`` for a named period
(the explorer's presets "last_24_months", "year_to_date", "same_period_last_year" among
them) and ``resolve_state`` for the period of a page's URL state (overview and explorer),
falling back to the page's default period. ``year_ago_window``/``year_later`` set last
year's same days beside a period, like-for-like, for the explorer's overlay.

Named periods that are still running end today, not at the end of the month, so a
chart never shows empty future days as a fall to zero. Comparisons keep calendars
aligned: a period starting on the 1st of a month is compared with the same span of
months before (February after March, the first quarter after the second), clamping
day numbers to shorter months, so month ends and 29 February never produce a bad date.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from data import settings
from data.text import month_name

NAMES = ("this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year",
         "last_7_days", "last_30_days", "last_12_months", "last_24_months", "year_to_date",
         "same_period_last_year", "custom")


@dataclass(frozen=True)
class Period:
    """Dates ``start`` to ``end`` inclusive, with labels for the screen in both languages.

    ``unit`` ("month", "quarter", "year") marks a calendar period, possibly still running,
    so that ``previous`` steps back a whole unit; None for a plain span of days.
    """

    start: date
    end: date
    label_zh: str
    label_en: str
    unit: str | None = field(default=None, compare=False)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def as_date(value, name: str = "date") -> date:
    """``value`` as a date (dates, datetimes and ISO strings are accepted), or ValueError naming ``name``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ValueError(f"{name} must be a date (YYYY-MM-DD), not {value!r}")


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def week_start(d: date) -> date:
    """The Monday of ``d``'s week."""
    return d - timedelta(days=d.weekday())


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def year_start(d: date) -> date:
    return date(d.year, 1, 1)


def add_months(d: date, months: int, *, keep_month_end: bool = False) -> date:
    """``d`` moved by ``months``; the day is clamped to the target month's length.

    With ``keep_month_end`` a month's last day maps to the target month's last day
    (28 February 2025 back a year is 29 February 2024).
    """
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    day = last if keep_month_end and d == month_end(d) else min(d.day, last)
    return date(year, month + 1, day)


def _months_spanned(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def describe(start: date, end: date) -> tuple[str, str]:
    """Chinese and English labels that name a span of dates as simply as it allows."""
    if start == month_start(start) and end == month_end(end):
        if start.year == end.year and start.month == end.month:
            return f"{start.year}年{start.month}月", f"{month_name(start.month, 'en')} {start.year}"
        if start.month == 1 and end.month == 12 and start.year == end.year:
            return f"{start.year}年", str(start.year)
        if start == quarter_start(start) and _months_spanned(start, end) == 3:
            q = (start.month - 1) // 3 + 1
            return f"{start.year}年第{q}季度", f"Q{q} {start.year}"
    if start == end:
        en_day = f"{start.day} {month_name(start.month, 'en', short=True)} {start.year}"
        return f"{start.year}年{start.month}月{start.day}日", en_day
    zh_end = f"{end.month}月{end.day}日" if end.year == start.year else f"{end.year}年{end.month}月{end.day}日"
    en_start = f"{start.day} {month_name(start.month, 'en', short=True)}" + ("" if end.year == start.year else f" {start.year}")
    return (
        f"{start.year}年{start.month}月{start.day}日至{zh_end}",
        f"{en_start} – {end.day} {month_name(end.month, 'en', short=True)} {end.year}",
    )


def resolve(name: str, today, start=None, end=None) -> Period:
    """The period called ``name`` as seen on ``today`` (``start``/``end`` for "custom")."""
    today = as_date(today, "today")
    if name == "this_month":
        return Period(month_start(today), today, "本月", "This month", "month")
    if name == "last_month":
        first = add_months(month_start(today), -1)
        return Period(first, month_end(first), "上月", "Last month", "month")
    if name == "this_quarter":
        return Period(quarter_start(today), today, "本季度", "This quarter", "quarter")
    if name == "last_quarter":
        first = add_months(quarter_start(today), -3)
        return Period(first, month_end(add_months(first, 2)), "上季度", "Last quarter", "quarter")
    if name == "this_year":
        return Period(year_start(today), today, "今年", "This year", "year")
    if name == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), "去年", "Last year", "year")
    if name == "last_7_days":
        return Period(today - timedelta(days=6), today, "近7天", "Last 7 days")
    if name == "last_30_days":
        return Period(today - timedelta(days=29), today, "近30天", "Last 30 days")
    if name == "last_12_months":
        return last_months(today, 12)
    if name == "last_24_months":
        return last_months(today, 24)
    if name == "year_to_date":
        return Period(year_start(today), today, "年初至今", "Year to date", "year")
    if name == "same_period_last_year":
        return year_ago_to_date(today)
    if name == "custom":
        if start is None or end is None:
            raise ValueError("a custom period needs both start and end")
        start, end = as_date(start, "start"), as_date(end, "end")
        if start > end:
            raise ValueError(f"start ({start}) must not be after end ({end})")
        return Period(start, end, *describe(start, end))
    raise ValueError(f"name must be one of {', '.join(NAMES)}, not {name!r}")


def today() -> date:
    """Today in Chengdu (``settings.local_today``): what "this month" is on every page."""
    return settings.local_today()


def this_month(today) -> Period:
    """The 1st of ``today``'s month to ``today``."""
    return resolve("this_month", today)


def months_back(today, count: int = 12) -> date:
    """The first day of the month ``count - 1`` months before ``today``'s month."""
    return add_months(month_start(as_date(today, "today")), -(count - 1))


def last_months(today, count: int = 12) -> Period:
    """The last ``count`` whole months and this month so far
    (近12个月（2025年12月1日至2026年12月5日）on 5 December 2026).

    ``count`` whole months, not ``count - 1`` and a few days: the running month is a bucket
    of its own, marked partial wherever it is drawn, and never stands in for a whole one.
    """
    today = as_date(today, "today")
    start = add_months(month_start(today), -count)
    label_zh, label_en = describe(start, today)
    return Period(start, today, f"近{count}个月（{label_zh}）", f"Last {count} months ({label_en})")


def year_ago_to_date(today) -> Period:
    """The same period last year (去年同期): 1 January to ``today``'s date, a year back
    (去年同期（2025年1月1日至12月5日）), for setting beside this year to date."""
    this_year = resolve("year_to_date", today)
    then = same_period_last_year(this_year)
    label_zh, label_en = describe(then.start, then.end)
    return Period(then.start, then.end, f"去年同期（{label_zh}）", f"Same period last year ({label_en})")


def resolve_state(state, on=None) -> Period:
    """The period of a page's URL state (``period``, ``start``, ``end``) on ``on`` (default
    today in Chengdu). A state whose period cannot be resolved (a custom period without
    both dates) gets its page's default period: this month on the overview, the last 12
    months in the explorer, which is what each page showed before this was shared.
    """
    on = today() if on is None else on
    try:
        return resolve(state.period, on, state.start, state.end)
    except ValueError:
        return resolve(type(state)().period, on)


def bucket_start(d: date, grain: str) -> date:
    """The first day of the ``grain`` bucket (day, week, month, year) that holds ``d``."""
    if grain == "day":
        return d
    if grain == "week":
        return week_start(d)
    if grain == "month":
        return month_start(d)
    return date(d.year, 1, 1)


def bucket_end(bucket: date, grain: str) -> date:
    """The last day of the ``grain`` bucket that starts on ``bucket``."""
    if grain == "day":
        return bucket
    if grain == "week":
        return bucket + timedelta(days=6)
    if grain == "month":
        return month_end(bucket)
    return date(bucket.year, 12, 31)


def cut(period: Period, through: date | None, grain: str = "day") -> Period | None:
    """``period`` ended where the data ends (DOMAIN.md, "Periods end where the data ends").

    ``through`` is the last day the data covers (None: no data at all). A monthly metric
    (``grain`` "month", a report dated the 1st) is never cut into days: only whole months
    count, so a window must start on a month's first day and reaches only completed months.
    None when the data does not reach into the period (not yet reported, or a window that
    cuts a month). The period itself when the data covers all of it.
    """
    if through is None:
        return None
    start = period.start
    if grain == "month":
        if start != month_start(start):
            start = add_months(month_start(start), 1)
        if through != month_end(through):
            through = month_start(through) - timedelta(days=1)
    end = min(period.end, through)
    if end < start:
        return None
    if (start, end) == (period.start, period.end):
        return period
    return Period(start, end, *describe(start, end), period.unit)


_UNIT_MONTHS: dict[str | None, int] = {"month": 1, "quarter": 3, "year": 12}


def _shift(period: Period, months: int) -> Period:
    aligned = period.start == month_start(period.start)
    start = add_months(period.start, months)
    end = add_months(period.end, months, keep_month_end=aligned)
    return Period(start, end, *describe(start, end), period.unit)


def previous(period: Period) -> Period:
    """The period just before ``period``, for "against last period".

    A calendar period steps back one unit (this month so far: the same days of last
    month); another span starting on a 1st steps back the months it spans; any other
    span is the same number of days just before.
    """
    if period.start == month_start(period.start):
        months = _UNIT_MONTHS.get(period.unit) or _months_spanned(period.start, period.end)
        return _shift(period, -months)
    end = period.start - timedelta(days=1)
    start = end - timedelta(days=period.days - 1)
    return Period(start, end, *describe(start, end))


def same_period_last_year(period: Period) -> Period:
    """The same dates a year earlier (29 February becomes 28 February; month ends stay month ends)."""
    return _shift(period, -12)


YEAR_OF_WEEKS = timedelta(weeks=52)  # a week-grain year ago: the same weekdays, 364 days back


def year_ago_window(period: Period, through: date | None, grain: str = "month") -> Period | None:
    """Last year's days to set beside ``period`` (its data reaching ``through``), like-for-like.

    The same days a year back, ended where this year's data ends: a December with data
    through the 4th is set beside 1–4 December last year, never the whole month. Weeks go
    back 52 weeks, so each week starts on a Monday as this year's do. None without data.
    """
    if through is None or through < period.start:
        return None
    end = min(period.end, through)
    if grain == "week":
        start, end = period.start - YEAR_OF_WEEKS, end - YEAR_OF_WEEKS
        return Period(start, end, *describe(start, end))
    return same_period_last_year(Period(period.start, end, "", ""))


def year_later(bucket: date, grain: str = "month") -> date | None:
    """Where last year's ``bucket`` is drawn on this year's axis (``year_ago_window``'s inverse);
    None for 29 February of a day-grain axis, which has no day this year."""
    if grain == "week":
        return bucket + YEAR_OF_WEEKS
    if grain == "day" and (bucket.month, bucket.day) == (2, 29):
        return None
    return add_months(bucket, 12)
