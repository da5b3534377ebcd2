"""Shared pieces of the laptop pages: number formats, KPI card, sparkline, pickers.

Pure functions of their arguments: they build components and never query. Figures come
in from callbacks; the words come in both languages, Chinese first.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import quote

from dash import dcc, html

from data import catalog, export

PERIOD_LABELS = {
    "this_month": ("本月", "This month"),
    "last_month": ("上月", "Last month"),
    "this_quarter": ("本季度", "This quarter"),
    "last_quarter": ("上季度", "Last quarter"),
    "this_year": ("今年", "This year"),
    "last_year": ("去年", "Last year"),
    "last_30_days": ("近30天", "Last 30 days"),
    "last_12_months": ("近12个月", "Last 12 months"),
    "custom": ("自定义", "Custom"),
}

GOOD, BAD, NEUTRAL = "good", "bad", "neutral"


@lru_cache(maxsize=1)
def metric_rows() -> tuple[dict, ...]:
    """The metric catalogue, read once from the shipped file (domain order, file order)."""
    frame = catalog.read_metrics()
    order = {d: i for i, d in enumerate(("party", "governance", "services"))}
    rows = [{k: (None if v != v else v) for k, v in r.items()} for r in frame.to_dict("records")]
    return tuple(sorted(rows, key=lambda r: order.get(r["domain"], 9)))


def metric_dimensions() -> dict[str, tuple[str, ...]]:
    """Metric code -> its breakdown dimensions: what ``urlstate.parse_explore`` validates against."""
    return {r["code"]: tuple(d for d in (r["dimensions"] or "").split(",") if d) for r in metric_rows()}


def tr(zh: str, en: str, lang: str) -> str:
    """The Chinese or the English text, by ``lang``."""
    return en if lang == "en" else zh


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def unit_of(info: dict, lang: str) -> str:
    unit = info.get("unit_en") if lang == "en" else info.get("unit")
    return "" if is_missing(unit) else str(unit)


def metric_name(info: dict, lang: str) -> str:
    return str(info.get("name_en") if lang == "en" and info.get("name_en") else info.get("name"))


def area_name(area: dict, lang: str) -> str:
    return str(area.get("name_en") if lang == "en" and area.get("name_en") else area.get("name"))


def format_number(value, unit: str = "", lang: str = "zh") -> str:
    """A figure as a reader wants it: 12,345 or 3.2 or 95.1% (ratios are fractions), "—" when unknown."""
    if isinstance(value, str):
        return value  # already masked ("<5")
    if is_missing(value):
        return "—"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value)):,}"
    return f"{value:,.1f}"


def change(current, before, unit: str) -> float | None:
    """How far ``current`` moved from ``before``: percentage points for ratios, else relative."""
    if is_missing(current) or is_missing(before):
        return None
    if unit == "%":
        return (current - before) * 100
    if before == 0:
        return None
    return (current - before) / abs(before) * 100


def tone(delta: float | None, better: str) -> str:
    """GOOD when the move is the way the metric wants to go, BAD the other way."""
    if delta is None or abs(delta) < 0.05:
        return NEUTRAL
    return GOOD if (delta > 0) == (better != "lower") else BAD


def format_change(delta: float | None, unit: str, lang: str) -> str:
    if delta is None:
        return "—"
    arrow = "▲" if delta > 0.05 else "▼" if delta < -0.05 else "■"
    if unit == "%":
        return f"{arrow} {abs(delta):.1f}" + tr("个百分点", " pp", lang)
    return f"{arrow} {abs(delta):.1f}%"


def sparkline_svg(values: Sequence, width: int = 120, height: int = 32, color: str = "#c8161d") -> str:
    """A tiny line chart as an SVG data URI: the shape of a trend, cheap enough for many cards.

    Unknown values break the line rather than dropping to zero.
    """
    points = [(i, v) for i, v in enumerate(values) if not is_missing(v)]
    if len(values) < 2 or not points:
        return ""
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or 1.0
    pad = 3

    def xy(i, v):
        x = pad + i * (width - 2 * pad) / (len(values) - 1)
        y = height - pad - (v - low) / span * (height - 2 * pad)
        return f"{x:.1f},{y:.1f}"

    segments, current = [], []
    for i, v in enumerate(values):
        if is_missing(v):
            if current:
                segments.append(current)
            current = []
        else:
            current.append(xy(i, v))
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline fill="none" stroke="{color}" stroke-width="2" stroke-linejoin="round" vector-effect="non-scaling-stroke" points="{" ".join(s)}"/>'
        for s in segments
    )
    last_i, last_v = points[-1]
    cx, cy = xy(last_i, last_v).split(",")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'preserveAspectRatio="none">'
        f'{lines}<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/></svg>'
    )
    return "data:image/svg+xml;utf8," + quote(svg)


def kpi_card(info: dict, value, previous, last_year, trend: Sequence, lang: str, href: str | None = None) -> html.Div:
    """One KPI: value and unit, target, change against last period and last year, trend line.

    ``info`` is the metric's catalogue row; arrows are green when the metric moved the
    way it should (``better``), red otherwise.
    """
    unit = info.get("unit") or ""
    better = info.get("better") or "higher"
    target = info.get("target")
    shown_unit = "" if unit == "%" else unit_of(info, lang)
    rows = []
    if not is_missing(target):
        met = None if is_missing(value) else (value >= target if better != "lower" else value <= target)
        rows.append(html.Div(
            [html.Span(tr("目标", "Target", lang)), html.Span(format_number(target, unit, lang) + (f" {shown_unit}" if shown_unit else ""))],
            className="kpi-row kpi-target " + ("" if met is None else GOOD if met else BAD),
        ))
    for label, before in ((tr("环比", "vs prev.", lang), previous), (tr("同比", "vs last yr", lang), last_year)):
        delta = change(value, before, unit)
        rows.append(html.Div(
            [html.Span(label), html.Span(format_change(delta, unit, lang), className=f"kpi-change {tone(delta, better)}")],
            className="kpi-row",
        ))
    spark = sparkline_svg(list(trend))
    body = [
        html.Div(metric_name(info, lang), className="kpi-name", title=str(info.get("description") or "")),
        html.Div([html.Span(format_number(value, unit, lang), className="kpi-value"),
                  html.Span(shown_unit, className="kpi-unit")], className="kpi-figure"),
        *rows,
        html.Img(src=spark, className="kpi-spark", alt="") if spark else html.Div(className="kpi-spark"),
    ]
    if href:
        return dcc.Link(body, href=href, className="kpi-card", id=f"kpi-{info['code']}")
    return html.Div(body, className="kpi-card", id=f"kpi-{info['code']}")


def domain_section(title: str, cards: list) -> html.Section:
    return html.Section([html.H3(title, className="domain-title"), html.Div(cards, className="kpi-grid")],
                        className="domain-section")


def attention_list(items: list[dict], lang: str) -> html.Div:
    """The "needs attention" list: ``items`` carry ``tone``, ``text`` and an optional ``href``."""
    if not items:
        return html.P(tr("暂无需要关注的事项。", "Nothing needs attention.", lang), className="attention-empty")
    entries = []
    for item in items:
        text = dcc.Link(item["text"], href=item["href"]) if item.get("href") else item["text"]
        entries.append(html.Li([html.Span(item.get("tag", ""), className="attention-tag"), text],
                               className=f"attention-item {item.get('tone', BAD)}"))
    return html.Ul(entries, className="attention-list")


def labelled(label: str, control, class_name: str = "") -> html.Div:
    return html.Div([html.Label(label, className="control-label"), control], className=f"control {class_name}".strip())


def area_picker(component_id: str, value: str, lang: str, *, multi: bool = False) -> dcc.Dropdown:
    """A searchable area picker; its options are filled by a callback (areas live in the warehouse)."""
    values = value if multi else [value]
    return dcc.Dropdown(
        id=component_id,
        options=[{"label": v, "value": v} for v in values if v],
        value=value,
        multi=multi,
        clearable=multi,
        searchable=True,
        placeholder=tr("输入名称搜索地区", "Type to search areas", lang),
        maxHeight=320,
        className="area-picker",
    )


def period_options(names: Sequence[str], lang: str) -> list[dict]:
    return [{"label": tr(*PERIOD_LABELS[n], lang), "value": n} for n in names]


def period_picker(period_id: str, dates_id: str, names: Sequence[str], period: str, start, end, lang: str) -> html.Div:
    """A named period, and a date range that shows only when the period is "custom"."""
    return html.Div([
        dcc.Dropdown(id=period_id, options=period_options(names, lang), value=period,
                     clearable=False, searchable=False, className="period-picker"),
        dcc.DatePickerRange(
            id=dates_id,
            start_date=start.isoformat() if start else None,
            end_date=end.isoformat() if end else None,
            display_format="YYYY-MM-DD",
            first_day_of_week=1,
            minimum_nights=0,
            start_date_placeholder_text=tr("开始日期", "Start", lang),
            end_date_placeholder_text=tr("结束日期", "End", lang),
            style={} if period == "custom" else {"display": "none"},
            className="period-dates",
        ),
    ], className="period-control")


#: The longest name an area picker shows: the dropdown measures every label, and one name
#: of thousands of characters (a broken register export) would freeze the browser.
OPTION_NAME_CHARS = 40


def area_option_label(chain: Sequence[dict], lang: str) -> str:
    """``锦江区 › 沙河街道``: an area with the areas above it (the city left out)."""
    names = [clip(area_name(a, lang), OPTION_NAME_CHARS) for a in chain if a.get("level") != "city"]
    return " › ".join(names) or (clip(area_name(chain[-1], lang), OPTION_NAME_CHARS) if chain else "")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def masked_note(lang: str) -> str:
    return tr(
        f"少于{export.SMALL_COUNT_THRESHOLD}人的单元格显示为“<{export.SMALL_COUNT_THRESHOLD}”，图中不绘出。",
        f"Cells under {export.SMALL_COUNT_THRESHOLD} people show as “<{export.SMALL_COUNT_THRESHOLD}” and are not drawn.",
        lang,
    )
