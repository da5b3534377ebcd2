"""The presenter: from (value, metric, language) to what a person reads. The one place
that knows how a figure is written.

    >>> show(0.9512, "hotline_on_time_rate", "zh").text          # a ratio is read as a percentage
    '95.1%'
    >>> show(12345, {"unit": "件", "unit_en": "orders"}, "en").with_unit
    '12,345 orders'
    >>> show(None, "hotline_received", "en").text, show(None, "hotline_received", "en").reason
    ('—', 'No data')
    >>> show(123456, None, "zh", compact=True).number             # the wall: big numbers in 万
    '12.3万'

``metric`` is a metric code (looked up in the warehouse's catalogue), a catalogue row (a
dict with ``unit``, ``unit_en``), or None for a plain number. The percent rule: a metric
whose unit is "%" holds a 0-1 ratio, shown ×100 with one decimal (``is_percent``).

Two styles, as the pages have always written figures:

- pages (overview, explorer, API exports): 12,345 · 3.2 · 95.1% (whole numbers without
  decimals, others with one);
- ``compact`` (the wall, read from metres away): 95.1 · 12.3万 / 123k · 1.2M, whole
  numbers under 100 thousand without decimals and small fractions with one.

Figures already scaled for display (tables hold percentages as 95.12) are written with
``scaled=True``. ``change``/``change_text`` say how far a figure moved (percentage points
for ratios), ``target_text`` writes a target, ``wall_settings`` hands assets/wall.js the
separators and names it needs to count up to exactly the server's text.
"""
from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass

from data import text

PERCENT_UNIT = "%"
DASH = "—"
GROUP, DECIMAL = ",", "."  # thousands and decimal separators, zh and en alike


def is_missing(value) -> bool:
    """None or NaN: no figure (a masked "<5" is a figure, of a kind)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _row(metric) -> dict:
    """The catalogue row of ``metric`` (a code, a row, or None for a plain number)."""
    if metric is None:
        return {}
    if isinstance(metric, dict):
        return metric
    from data import query  # the warehouse's catalogue; imported late, data.query is heavy

    return query.metric_info(str(metric)) or {}


def is_percent(metric) -> bool:
    """True when ``metric`` (code or catalogue row) is a 0-1 ratio shown as a percentage."""
    return _row(metric).get("unit") == PERCENT_UNIT


def unit_of(metric, lang: str | None) -> str:
    """The catalogue's unit in ``lang`` ("件" / "orders"), "" when it has none."""
    row = _row(metric)
    unit = row.get("unit_en") if text.is_en(lang) else row.get("unit")
    return "" if is_missing(unit) else str(unit)


def unit_label(metric, lang: str | None) -> str:
    """The unit a column head or axis names: "%" for percentages, else the catalogue's."""
    return PERCENT_UNIT if is_percent(metric) else unit_of(metric, lang)


def shown_unit(metric, lang: str | None) -> str:
    """The unit written beside a figure: none for percentages (the sign is in the figure)."""
    return "" if is_percent(metric) else unit_of(metric, lang)


def percent_sign(metric) -> str:
    """"%" for a percentage metric, else "": an axis's or a colour bar's tick suffix."""
    return PERCENT_UNIT if is_percent(metric) else ""


def scale(value, metric):
    """``value`` in display units: ratios ×100 (works on numbers and pandas Series alike)."""
    return value * 100 if is_percent(metric) else value


def unscale(value, metric):
    """A number typed in display units back in the catalogue's: "95" for a % metric is 0.95."""
    return value / 100 if is_percent(metric) else value


def display_value(value, metric, digits: int = 2):
    """A table's cell: the display-unit number rounded to ``digits``, None when missing."""
    if is_missing(value):
        return None
    return round(float(scale(value, metric)), digits)


def wall_unit(unit: str) -> tuple[str, str]:
    """The wall's (zh, en) unit beside a tile for a catalogue unit (English only for %, h, min)."""
    return text.pair(f"wall_unit.{unit}")


@dataclass(frozen=True)
class Reading:
    """One figure as a person reads it.

    ``number`` is the digits with any scale suffix, no unit ("95.1", "12,345", "12.3万");
    ``text`` adds the percent sign for percentages ("95.1%"); ``unit`` is the word written
    beside it ("件", "" for percentages); ``n``/``d``/``s`` are the shown number, its
    decimals and suffix (for wall.js's count-up); ``reason`` says why the figure is "—"
    ("" when there is one).
    """

    number: str
    unit: str = ""
    percent: bool = False
    n: float | None = None
    d: int = 0
    s: str = ""
    reason: str = ""

    @property
    def text(self) -> str:
        return self.number + (PERCENT_UNIT if self.percent and self.n is not None else "")

    @property
    def with_unit(self) -> str:
        """"12,345 件" or "95.1%": the figure and its unit in one string ("—" and "<5" alone)."""
        return self.text if self.n is None or self.percent or not self.unit else f"{self.text} {self.unit}"

    def counter(self) -> dict:
        """What the wall sends for a KPI: ``text`` (no percent sign) and ``n``, ``d``, ``s``."""
        return {"text": self.number, "n": self.n, "d": self.d, "s": self.s}


def _digits(value: float, decimals: int, suffix: str = "") -> tuple[str, float, int, str]:
    return f"{value:,.{decimals}f}{suffix}", round(value, decimals), decimals, suffix


def show(value, metric=None, lang: str | None = "zh", *, compact: bool = False, scaled: bool = False,
         percent: bool | None = None) -> Reading:
    """``value`` of ``metric`` as read in ``lang``; see the module's docstring for the styles.

    ``percent`` overrides the catalogue (the wall's plain numbers say ``percent=False``);
    ``scaled`` means ``value`` is already in display units (95.1, not 0.951). A string
    (a masked "<5") is shown as it is.
    """
    is_pct = is_percent(metric) if percent is None else percent
    unit = "" if is_pct else unit_of(metric, lang)
    if isinstance(value, str):
        return Reading(value, unit, is_pct, reason=text.t("word.masked", lang))
    if is_missing(value):
        return Reading(DASH, unit, is_pct, reason=text.t("word.no_value", lang))
    value = float(value)
    shown = value if scaled or not is_pct else value * 100
    en = text.is_en(lang)
    if is_pct:  # the pages have never grouped a percentage's thousands; the wall has
        parts = _digits(shown, 1) if compact else (f"{shown:.1f}", round(shown, 1), 1, "")
    elif compact:
        if abs(shown) >= 1_000_000 and en:
            parts = _digits(shown / 1_000_000, 1, "M")
        elif abs(shown) >= 100_000:
            parts = _digits(shown / 1_000, 0, "k") if en else _digits(shown / 10_000, 1, "万")
        elif abs(shown) < 100 and not shown.is_integer():
            parts = _digits(shown, 1)
        else:
            parts = _digits(shown, 0)
    elif abs(shown - round(shown)) < 1e-9:
        parts = (f"{int(round(shown)):,}", float(int(round(shown))), 0, "")
    else:
        parts = _digits(shown, 1)
    number, n, d, s = parts
    return Reading(number, unit, is_pct, n, d, s)


def per_thousand(metric) -> bool:
    """Whether a league compares ``metric`` per 1,000 residents: a count (a flow or a stock)
    grows with the area's size, so raw counts would rank the largest first; a rate does not."""
    row = _row(metric)
    return (row.get("kind") or "flow") != "ratio" and not is_percent(row)


def per_thousand_value(value, population) -> float | None:
    """A count per 1,000 residents: None (never 0) where the count or the population is unknown."""
    if is_missing(value) or isinstance(value, str) or not population or is_missing(population):
        return None
    return float(value) / float(population) * 1000


def target_gap(value, target, metric) -> float | None:
    """How far ``value`` is ahead of ``target`` (positive) or behind it (negative), in what a
    reader sees: percentage points for ratios (``change``), else the metric's unit, turned
    round where lower is better (waiting minutes). None without a value or a target."""
    if is_missing(value) or is_missing(target) or isinstance(value, str):
        return None
    ahead = change(value, target, metric) if is_percent(metric) else float(value) - float(target)
    if ahead is None:
        return None
    return -ahead if _row(metric).get("better") == "lower" else ahead


def target_text(target, metric) -> str:
    """A target as the wall writes it: "95%" for a ratio of 0.95, "48" for 48 hours."""
    return f"{scale(target, metric):g}{percent_sign(metric)}"


def change(current, before, metric) -> float | None:
    """How far ``current`` moved from ``before``: percentage points for ratios, else relative %."""
    if is_missing(current) or is_missing(before):
        return None
    if is_percent(metric):
        return (current - before) * 100
    if before == 0:
        return None
    return (current - before) / abs(before) * 100


def change_text(delta: float | None, metric, lang: str | None) -> str:
    """"▲ 2.0个百分点" / "▼ 12.5%": a ``change`` with its arrow, "—" when unknown."""
    if delta is None:
        return DASH
    arrow = "▲" if delta > 0.05 else "▼" if delta < -0.05 else "■"
    if is_percent(metric):
        return f"{arrow} {abs(delta):.1f}" + text.pick(("个百分点", " pp"), lang)
    return f"{arrow} {abs(delta):.1f}%"


def wall_settings(lang: str | None) -> str:
    """What assets/wall.js needs to write dates, numbers and its notes in ``lang``, as JSON.

    ``weekdays`` start on Sunday, as JavaScript's ``getDay()``; ``date`` is the clock's
    date with {y} {m} {d} {month} {weekday} to fill; ``group``/``decimal`` are the
    separators ``show`` uses, so a count-up ends on exactly the server's text.
    """
    sunday_first = (6, 0, 1, 2, 3, 4, 5)
    en = text.is_en(lang)
    settings = {
        "months": [text.month_name(m, lang) for m in range(1, 13)],
        "weekdays": [text.weekday_name(i, lang) for i in sunday_first],
        "date": "{weekday}, {d} {month} {y}" if en else "{y}年{month}{d}日 星期{weekday}",
        "group": GROUP,
        "decimal": DECIMAL,
        "words": {key: text.t(f"js.{key}", lang) for key in text.group("js")},
    }
    return json.dumps(settings, ensure_ascii=False, separators=(",", ":"))


def plot_text(label: object) -> str:
    """A label from source data as Plotly shows text: literally.

    Plotly writes tick labels, legends, hover boxes and annotations as a little HTML (``<a
    href>``, ``<b>``, ``<br>``, entities), so a hotline category ``<a href=...>`` would
    become a live link. Escaped here (``&``, ``<``, ``>``, and ``%`` so a label placed in a
    hover template is not read as ``%{...}``), it reads exactly as the source wrote it.
    Every chart builder passes source-data labels (areas, categories, names) through this.
    """
    return (str(label).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("%", "&#37;"))


def plot_lines(label: str) -> list[str]:
    """A Plotly text (``plot_text``'s, lines joined by "<br>") as the plain lines it shows, for
    charts drawn as page elements, whose text is never read as markup: its lines, unescaped.
    A source's own "<br>" was escaped by ``plot_text``, so it stays text on its line."""
    return [html.unescape(line) for line in str(label).split("<br>")]


def date_ticks(buckets, grain: str, lang: str | None, most: int = 8) -> tuple[list[str], list[str]]:
    """A date axis's ticks: (ISO dates, labels), one per bucket, thinned to at most ``most``.

    Every tick sits on a bucket's first day and no two labels are the same: plotly's own
    ticks fall between days on a short span ("10月31日, 10月31日, 11月1日" for a month
    of days), and a label without its year could repeat on an axis spanning years. Labels
    name the bucket at its grain: 2026年3月 / Mar 2026 for months, 3月5日 / 5 Mar for days
    and weeks (with the year when the axis spans more than one), 2026年 for years.
    """
    days = sorted({b if hasattr(b, "year") else _day(b) for b in buckets})
    if not days:
        return [], []
    step = max(1, math.ceil(len(days) / max(most, 1)))
    chosen = days[::step]
    one_year = days[0].year == days[-1].year
    labels = [_tick_label(d, grain, lang, with_year=not one_year) for d in chosen]
    return [d.isoformat() for d in chosen], labels


def _day(value):
    from datetime import date

    return date.fromisoformat(str(value)[:10])


def _tick_label(day, grain: str, lang: str | None, *, with_year: bool) -> str:
    en = text.is_en(lang)
    if grain == "year":
        return str(day.year) if en else f"{day.year}年"
    if grain == "month":
        return (f"{text.month_name(day.month, lang, short=True)} {day.year}" if en
                else f"{day.year}年{day.month}月")
    if en:
        words = f"{day.day} {text.month_name(day.month, lang, short=True)}"
        return f"{words} {day.year}" if with_year else words
    words = f"{day.month}月{day.day}日"
    return f"{day.year}年{words}" if with_year else words
